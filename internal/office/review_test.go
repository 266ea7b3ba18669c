package office

import (
	"context"
	"testing"
	"time"

	"rollout/internal/database"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/project"
	"rollout/internal/risk"
)

// packFigures are what a test reads of a pack: the goal's current value and
// the risk's score and change since the last gate.
type packFigures struct {
	goal             float64
	score, change    int
	newRisk, hasRisk bool
	probability, imp int
	requirements     int
}

func figuresOf(t *testing.T, p *milestone.Pack) packFigures {
	t.Helper()
	var f packFigures
	for _, s := range p.Sections {
		for _, g := range s.Goals {
			f.goal = g.Current
		}
		for _, r := range s.Risks {
			f.score, f.change, f.newRisk, f.hasRisk = r.Score, r.Change, r.New, true
			f.probability, f.imp = r.Probability, r.Impact
		}
		if s.Kind == milestone.SectionRequirements {
			f.requirements = s.Requirements.Total
		}
	}
	return f
}

// gateFixture is a project with one goal (measured 10) and one risk rated
// 3 × 4 = 12, both since a month ago, and the template's gates.
type gateFixture struct {
	db            database.IDB
	pm, projectID int64
	gates         []milestone.View
	goalID        int64
	riskNumber    int
}

func newGateFixture(t *testing.T, today date.Date) *gateFixture {
	t.Helper()
	ctx, db := context.Background(), dbtest.New(t)
	u := newUser(t, db)
	p, err := CreateProject(ctx, db, u.ID, project.Input{Key: "CRM", Name: "CRM", Template: "crm", StartOn: today.AddDays(-60)}, "en", today)
	if err != nil {
		t.Fatal(err)
	}
	f := &gateFixture{db: db, pm: u.ID, projectID: p.ID}
	if f.gates, err = milestone.List(ctx, db, p.ID, today); err != nil || len(f.gates) < 2 {
		t.Fatalf("gates %v", err)
	}
	base, target := 0.0, 100.0
	g, err := goal.Create(ctx, db, u.ID, p.ID, goal.Input{Title: "Weekly active use", Metric: "active ÷ licensed", Unit: "%",
		Baseline: &base, Target: &target, Direction: goal.Increase, Category: goal.Adoption, StartOn: today.AddDays(-60),
		DueOn: today.AddDays(300), OwnerID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	f.goalID = g.ID
	f.measure(t, 10, today.AddDays(-20), today)
	r, err := risk.Create(ctx, db, u.ID, p.ID, risk.Input{Title: "Mock migration fails", Category: risk.DataMigration,
		Probability: 3, Impact: 4, OwnerID: u.ID, IdentifiedOn: today.AddDays(-30)}, today)
	if err != nil {
		t.Fatal(err)
	}
	f.riskNumber = r.Number
	return f
}

func (f *gateFixture) caller(t *testing.T) project.Caller {
	t.Helper()
	c, err := project.CallerFor(context.Background(), f.db, f.projectID, f.pm)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *gateFixture) measure(t *testing.T, v float64, on, today date.Date) {
	t.Helper()
	if _, err := goal.AddMeasurement(context.Background(), f.db, f.caller(t), f.projectID, f.goalID,
		goal.MeasurementInput{Value: &v, MeasuredOn: on}, goal.Manual, today); err != nil {
		t.Fatal(err)
	}
}

func (f *gateFixture) review(t *testing.T, p, i int, on, today date.Date) {
	t.Helper()
	if _, err := risk.AddReview(context.Background(), f.db, f.caller(t), f.projectID, f.riskNumber,
		risk.ReviewInput{ReviewedOn: on, Probability: p, Impact: i, Note: "looked again"}, today); err != nil {
		t.Fatal(err)
	}
}

func (f *gateFixture) decide(t *testing.T, gate int, at time.Time) *milestone.Review {
	t.Helper()
	ctx := context.Background()
	r, err := ScheduleReview(ctx, f.db, f.pm, f.projectID, f.gates[gate].ID, milestone.ScheduleInput{ScheduledOn: date.Of(at), Invited: []int64{f.pm}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecideReview(ctx, f.db, f.pm, f.projectID, r.ID, milestone.DecisionInput{Decision: milestone.Go, Attendees: []int64{f.pm}}, at); err != nil {
		t.Fatal(err)
	}
	return f.reread(t, r.ID)
}

// reread reads the review again, as its page does.
func (f *gateFixture) reread(t *testing.T, reviewID int64) *milestone.Review {
	t.Helper()
	r, err := milestone.GetReview(context.Background(), f.db, f.projectID, reviewID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *gateFixture) shown(t *testing.T, r *milestone.Review, now time.Time) (packFigures, bool) {
	t.Helper()
	p, frozen, err := ReviewPack(context.Background(), f.db, r, now)
	if err != nil {
		t.Fatal(err)
	}
	return figuresOf(t, p), frozen
}

// A decided pack keeps what the committee saw, and the next pending pack
// compares today's ratings with that pack's frozen ones: the risk went from
// 12 to 16 since the gate, so it shows +4 (it used to show "—").
func TestDecidedPackStaysAndTheNextShowsTheChangeSinceIt(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	today := date.Of(now)
	f := newGateFixture(t, today)
	decided := f.decide(t, 0, now.Add(-time.Minute))
	before, frozen := f.shown(t, decided, now)
	if !frozen || before.goal != 10 || before.score != 12 || before.probability != 3 || before.imp != 4 || !before.hasRisk {
		t.Fatalf("decided pack %+v frozen %v", before, frozen)
	}

	f.review(t, 4, 4, today, today)
	f.measure(t, 30, today, today)

	after, _ := f.shown(t, f.reread(t, decided.ID), now)
	if after != before {
		t.Fatalf("the decided pack moved: %+v, was %+v", after, before)
	}
	next, err := ScheduleReview(context.Background(), f.db, f.pm, f.projectID, f.gates[1].ID, milestone.ScheduleInput{ScheduledOn: today, Invited: []int64{f.pm}})
	if err != nil {
		t.Fatal(err)
	}
	pending, frozen := f.shown(t, next, now)
	if frozen || pending.goal != 30 || pending.score != 16 || pending.change != 4 || pending.newRisk {
		t.Fatalf("pending pack %+v frozen %v, want 30, 16 and +4 since the gate", pending, frozen)
	}
}

// A decision recorded for a past moment (as `rollout demo` records the gates
// it has passed) freezes the project as it stood then: a measurement and a
// risk review dated after it stay out, and the next pack compares with those
// frozen figures.
func TestPackDecidedInThePastIsAsOfItsDecision(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	today := date.Of(now)
	f := newGateFixture(t, today)
	f.review(t, 3, 3, today.AddDays(-15), today) // 9 on the day of the gate
	f.review(t, 4, 4, today.AddDays(-5), today)  // 16 since
	f.measure(t, 25, today.AddDays(-4), today)

	decided := f.decide(t, 0, today.AddDays(-10).Time().Add(10*time.Hour))
	got, _ := f.shown(t, decided, now)
	if got.goal != 10 || got.score != 9 {
		t.Fatalf("pack decided ten days ago shows %+v, want the goal at 10 and the risk at 9", got)
	}
	p, _ := decided.FrozenPack()
	if p.AsOf != today.AddDays(-10) {
		t.Fatalf("as of %v", p.AsOf)
	}
	next, err := ScheduleReview(context.Background(), f.db, f.pm, f.projectID, f.gates[1].ID, milestone.ScheduleInput{ScheduledOn: today, Invited: []int64{f.pm}})
	if err != nil {
		t.Fatal(err)
	}
	pending, _ := f.shown(t, next, now)
	if pending.score != 16 || pending.change != 7 || pending.goal != 25 {
		t.Fatalf("pending pack %+v, want 16, +7 since the gate, goal 25", pending)
	}
}
