package milestone

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/project"
	"rollout/internal/project/projecttest"
	"rollout/internal/risk"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestStatusAndSlipFromDates(t *testing.T) {
	today := date.New(2026, 6, 1)
	for _, c := range []struct {
		name                      string
		planned, forecast, actual date.Date
		status                    Status
		slip                      int
	}{
		{"ahead, no forecast", date.New(2026, 7, 1), date.Date{}, date.Date{}, Planned, 0},
		{"forecast on plan", date.New(2026, 7, 1), date.New(2026, 7, 1), date.Date{}, Planned, 0},
		{"forecast earlier", date.New(2026, 7, 1), date.New(2026, 6, 20), date.Date{}, Planned, 0},
		{"forecast later", date.New(2026, 7, 1), date.New(2026, 7, 11), date.Date{}, AtRisk, 10},
		{"planned date passed", date.New(2026, 5, 25), date.Date{}, date.Date{}, Missed, 7},
		{"passed with a later forecast", date.New(2026, 5, 25), date.New(2026, 6, 10), date.Date{}, Missed, 16},
		{"done late", date.New(2026, 5, 1), date.Date{}, date.New(2026, 5, 4), Done, 3},
		{"done early", date.New(2026, 5, 1), date.Date{}, date.New(2026, 4, 28), Done, -3},
		{"due today", today, date.Date{}, date.Date{}, Planned, 0},
	} {
		if s, sl := StatusOf(c.planned, c.forecast, c.actual, today), Slip(c.planned, c.forecast, c.actual, today); s != c.status || sl != c.slip {
			t.Errorf("%s: %s %d, want %s %d", c.name, s, sl, c.status, c.slip)
		}
	}
}

type fixture struct {
	db      *bun.DB
	project *project.Project
	pm, sc  *account.User
	today   date.Date
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	db := dbtest.New(t)
	ctx := context.Background()
	pm, _ := account.Create(ctx, db, 0, account.NewUser{Email: "pm@example.com", Name: "PM", Password: "long enough password"})
	sc, _ := account.Create(ctx, db, 0, account.NewUser{Email: "sc@example.com", Name: "SC", Password: "long enough password"})
	today := date.New(2026, 6, 1)
	p, err := project.Create(ctx, db, pm.ID, project.Input{Key: "CRM", Name: "CRM", StartOn: date.New(2026, 1, 1),
		TargetOn: date.New(2026, 12, 31)}, "en", TemplateMilestones(today))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := project.AddMember(ctx, db, pm.ID, p.ID, project.MemberInput{Email: sc.Email, Role: project.RoleSteering, Department: project.DeptSales}); err != nil {
		t.Fatal(err)
	}
	return fixture{db: db, project: p, pm: pm, sc: sc, today: today}
}

func TestTemplateMilestones(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	vs, err := List(context.Background(), f.db, f.project.ID, f.today)
	if err != nil || len(vs) != 8 {
		t.Fatalf("%d milestones %v", len(vs), err)
	}
	if vs[0].Name != "Goals signed off" || !vs[0].IsGate || vs[0].DeliverablesTotal != 3 || vs[0].PhaseName != "Initiation" {
		t.Fatalf("first %+v", vs[0])
	}
	if vs[7].Name != "90-day value review" || vs[7].PlannedOn != date.New(2026, 12, 31) {
		t.Fatalf("last %+v", vs[7])
	}
	phases, _ := project.Phases(context.Background(), f.db, f.project.ID)
	board := Board(phases, vs)
	if len(board) != 5 || board[2].Total != 4 || board[2].NextGate == nil || board[2].NextGate.Name != "Solution design approved" {
		t.Fatalf("board %+v", board[2])
	}
}

// The committee decides on the pack as it was; editing goals or risks later
// changes nothing in it. A gate closes only after a go.
func TestFrozenPackAndGateClosing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	b, tg := 20.0, 30.0
	g, err := goal.Create(ctx, f.db, f.pm.ID, f.project.ID, goal.Input{Title: "Lead conversion", Metric: "x", Baseline: &b, Target: &tg,
		Direction: goal.Increase, Category: goal.Business, StartOn: date.New(2026, 1, 1), DueOn: date.New(2026, 12, 31), OwnerID: f.pm.ID})
	if err != nil {
		t.Fatal(err)
	}
	rk, err := risk.Create(ctx, f.db, f.pm.ID, f.project.ID, risk.Input{Title: "Mock migration fails", Category: risk.DataMigration,
		Probability: 3, Impact: 4, OwnerID: f.pm.ID}, f.today)
	if err != nil {
		t.Fatal(err)
	}
	vs, _ := List(ctx, f.db, f.project.ID, f.today)
	gate := vs[0]

	// Closing the gate before any decision is refused.
	in := InputOf(&gate.Milestone)
	in.ActualOn = f.today
	if _, err := Update(ctx, f.db, f.pm.ID, f.project.ID, gate.ID, in, f.today); !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("closing with open deliverables: %v", err)
	}
	ds, _ := Deliverables(ctx, f.db, gate.ID)
	for _, d := range ds {
		if err := Tick(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.pm.ID), f.project.ID, gate.ID, d.ID, true, now); err != nil {
			t.Fatal(err)
		}
	}
	_, err = Update(ctx, f.db, f.pm.ID, f.project.ID, gate.ID, in, f.today)
	if ae, ok := err.(*apperr.Error); !ok || ae.Fields["actual_on"].ID != "milestone.gate_needs_go" {
		t.Fatalf("closing without a decision: %v", err)
	}

	r, err := Schedule(ctx, f.db, f.pm.ID, f.project.ID, gate.ID, ScheduleInput{ScheduledOn: f.today, Invited: []int64{f.sc.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Schedule(ctx, f.db, f.pm.ID, f.project.ID, gate.ID, ScheduleInput{ScheduledOn: f.today}); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("second pending review: %v", err)
	}
	build := func(ctx context.Context, tx bun.Tx, r *Review) (*Pack, error) { return BuildPack(ctx, tx, r, now) }
	if _, err := Decide(ctx, f.db, f.sc.ID, f.project.ID, r.ID, DecisionInput{Decision: GoWithConditions, Attendees: []int64{f.sc.ID}}, now, build); !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("conditions missing: %v", err)
	}
	decided, err := Decide(ctx, f.db, f.sc.ID, f.project.ID, r.ID, DecisionInput{Decision: GoWithConditions, Attendees: []int64{f.sc.ID, f.pm.ID},
		Conditions: []ActionInput{{Text: "Name a data owner per region", OwnerID: &f.pm.ID, DueOn: date.New(2026, 6, 15)}}}, now, build)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decide(ctx, f.db, f.sc.ID, f.project.ID, r.ID, DecisionInput{Decision: NoGo, Attendees: []int64{f.sc.ID}}, now, build); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("deciding twice: %v", err)
	}

	// Edit what the pack showed.
	v := 29.0
	if _, err := goal.AddMeasurement(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.pm.ID), f.project.ID, g.ID, goal.MeasurementInput{Value: &v, MeasuredOn: f.today}, goal.Manual, f.today); err != nil {
		t.Fatal(err)
	}
	if _, err := risk.AddReview(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.pm.ID), f.project.ID, rk.Number, risk.ReviewInput{ReviewedOn: f.today, Probability: 5, Impact: 5}, f.today); err != nil {
		t.Fatal(err)
	}
	stored, _ := GetReview(ctx, f.db, f.project.ID, decided.ID)
	pack, err := stored.FrozenPack()
	if err != nil || pack == nil {
		t.Fatal(err)
	}
	for _, s := range pack.Sections {
		switch s.Kind {
		case SectionGoals:
			if len(s.Goals) != 1 || s.Goals[0].Current != 20 {
				t.Fatalf("frozen goals %+v", s.Goals)
			}
		case SectionRisks:
			if len(s.Risks) != 1 || s.Risks[0].Score != 12 {
				t.Fatalf("frozen risks %+v", s.Risks)
			}
		case SectionDeliverables:
			if len(s.Deliverables) != 3 || !s.Deliverables[0].Done {
				t.Fatalf("frozen deliverables %+v", s.Deliverables)
			}
		}
	}
	// A live pack for the next gate shows the change since this one.
	next, _ := Schedule(ctx, f.db, f.pm.ID, f.project.ID, vs[1].ID, ScheduleInput{ScheduledOn: f.today})
	live, err := BuildPack(ctx, f.db, next, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range live.Sections {
		if s.Kind == SectionRisks && (s.Risks[0].Score != 25 || s.Risks[0].Change != 13 || s.Risks[0].New) {
			t.Fatalf("live risks %+v", s.Risks)
		}
	}
	actions, _ := Actions(ctx, f.db, decided.ID)
	if len(actions) != 1 || actions[0].OwnerName != "PM" {
		t.Fatalf("actions %+v", actions)
	}
	// Now the gate may close.
	gm, _ := Get(ctx, f.db, f.project.ID, gate.ID)
	in = InputOf(gm)
	in.ActualOn = f.today
	if _, err := Update(ctx, f.db, f.pm.ID, f.project.ID, gate.ID, in, f.today); err != nil {
		t.Fatalf("closing after go with conditions: %v", err)
	}
}

// A milestone's page lists the risks that name it; GetView carries the same
// figures as List.
func TestThreateningRisksAndGetView(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	vs, _ := List(ctx, f.db, f.project.ID, f.today)
	target := vs[3] // First mock migration
	for _, in := range []risk.Input{
		{Title: "Contacts fail to load", Category: risk.DataMigration, Probability: 3, Impact: 4, OwnerID: f.pm.ID, MilestoneID: &target.ID},
		{Title: "Formats differ", Category: risk.DataQuality, Probability: 4, Impact: 4, OwnerID: f.sc.ID, MilestoneID: &target.ID},
		{Title: "Vendor short of staff", Category: risk.Vendor, Probability: 5, Impact: 5, OwnerID: f.pm.ID},
	} {
		if _, err := risk.Create(ctx, f.db, f.pm.ID, f.project.ID, in, f.today); err != nil {
			t.Fatal(err)
		}
	}
	ts, err := ThreateningRisks(ctx, f.db, f.project.ID, target.ID)
	if err != nil || len(ts) != 2 {
		t.Fatalf("%+v %v", ts, err)
	}
	if ts[0].Title != "Formats differ" || ts[0].Score != 16 || ts[0].Level != risk.High || ts[0].Key != "CRM-R-2" || ts[0].OwnerName != "SC" {
		t.Fatalf("first threat %+v", ts[0])
	}
	v, err := GetView(ctx, f.db, f.project.ID, target.ID, f.today)
	if err != nil || v.Name != target.Name || v.DeliverablesTotal != 2 || v.PhaseName != "Implementation" || v.Status != target.Status {
		t.Fatalf("view %+v %v", v, err)
	}
	if _, err := GetView(ctx, f.db, f.project.ID+1, target.ID, f.today); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("another project's milestone: %v", err)
	}
}
