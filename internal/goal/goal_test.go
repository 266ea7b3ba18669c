package goal

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/project"
	"rollout/internal/project/projecttest"
)

type fixture struct {
	db      *bun.DB
	project *project.Project
	owner   *account.User
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	db := dbtest.New(t)
	ctx := context.Background()
	u, err := account.Create(ctx, db, 0, account.NewUser{Email: "owner@example.com", Name: "Owner", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := project.Create(ctx, db, u.ID, project.Input{Key: "CRM", Name: "CRM"}, "en")
	if err != nil {
		t.Fatal(err)
	}
	return fixture{db: db, project: p, owner: u}
}

func f64(v float64) *float64 { return &v }

func (f fixture) input() Input {
	return Input{Title: "Cut duplicate entry", Metric: "duplicate records ÷ records", Unit: "%",
		Baseline: f64(12), Target: f64(3), Direction: Decrease, Category: DataQuality,
		StartOn: date.New(2026, 1, 1), DueOn: date.New(2026, 12, 31), OwnerID: f.owner.ID}
}

func count(t *testing.T, db bun.IDB, table string) int {
	t.Helper()
	n, err := db.NewSelect().Table(table).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// Each refusal names what is missing, and writes nothing.
func TestCreateRefusesGoalsThatCannotBeMeasured(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	outsider, _ := account.Create(ctx, f.db, 0, account.NewUser{Email: "x@example.com", Name: "X", Password: "long enough password"})
	for _, c := range []struct {
		name  string
		edit  func(*Input)
		field string
		msg   string
	}{
		{"no baseline", func(in *Input) { in.Baseline = nil }, "baseline", "goal.baseline_required"},
		{"no target", func(in *Input) { in.Target = nil }, "target", "goal.target_required"},
		{"no owner", func(in *Input) { in.OwnerID = 0 }, "owner_id", "goal.owner_required"},
		{"owner outside the project", func(in *Input) { in.OwnerID = outsider.ID }, "owner_id", "goal.owner_not_member"},
		{"no due date", func(in *Input) { in.DueOn = date.Date{} }, "due_on", "goal.due_required"},
		{"due before start", func(in *Input) { in.DueOn = date.New(2025, 1, 1) }, "due_on", "goal.due_before_start"},
		{"decreasing target above baseline", func(in *Input) { in.Target = f64(15) }, "target", "goal.target_wrong_direction.decrease"},
		{"increasing target below baseline", func(in *Input) { in.Direction = Increase }, "target", "goal.target_wrong_direction.increase"},
		{"target equals baseline", func(in *Input) { in.Target = f64(12) }, "target", "goal.target_wrong_direction.decrease"},
		{"no title", func(in *Input) { in.Title = "  " }, "title", "validation.required"},
		{"unknown category", func(in *Input) { in.Category = "vibes" }, "category", "validation.oneof"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := f.input()
			c.edit(&in)
			_, err := Create(ctx, f.db, f.owner.ID, f.project.ID, in)
			var ae *apperr.Error
			if !apperr.Is(err, apperr.KindInvalid) {
				t.Fatalf("error %v", err)
			}
			ae = err.(*apperr.Error)
			if ae.Fields[c.field].ID != c.msg {
				t.Fatalf("fields %v, want %s: %s", ae.Fields, c.field, c.msg)
			}
		})
	}
	if n := count(t, f.db, "goals"); n != 0 {
		t.Fatalf("%d goals written", n)
	}
}

func TestGoalLifecycleAndFigures(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	g, err := Create(ctx, f.db, f.owner.ID, f.project.ID, f.input())
	if err != nil {
		t.Fatal(err)
	}
	today := date.New(2026, 7, 2)
	// No measurement yet: current is the baseline, and half the time is gone.
	v, err := GetView(ctx, f.db, f.project.ID, g.ID, today)
	if err != nil || v.Current != 12 || v.Status != OffTrack || v.OwnerName != "Owner" || v.Count != 0 {
		t.Fatalf("view %+v %v", v, err)
	}
	for _, m := range []struct {
		on    date.Date
		value float64
	}{{date.New(2026, 3, 1), 10}, {date.New(2026, 6, 1), 7.5}, {date.New(2026, 5, 1), 9}} {
		if _, err := AddMeasurement(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.owner.ID), f.project.ID, g.ID, MeasurementInput{Value: f64(m.value), MeasuredOn: m.on}, Manual, today); err != nil {
			t.Fatal(err)
		}
	}
	vs, err := List(ctx, f.db, f.project.ID, today)
	if err != nil || len(vs) != 1 {
		t.Fatal(err)
	}
	v2 := vs[0]
	// The latest by date, not by entry, is current: 7.5 → half way, on track.
	if v2.Current != 7.5 || v2.CurrentOn != date.New(2026, 6, 1) || v2.Progress != 0.5 || v2.Status != OnTrack || v2.Count != 3 {
		t.Fatalf("list view %+v", v2)
	}
	if len(v2.Recent) != 3 || v2.Recent[0] != 10 || v2.Recent[2] != 7.5 {
		t.Fatalf("recent %v, want oldest first", v2.Recent)
	}
	// A stale edit changes nothing.
	in := InputOf(g)
	in.Title = "Stale"
	in.Version = 0
	if _, err := Update(ctx, f.db, f.owner.ID, f.project.ID, g.ID, in); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("stale update: %v", err)
	}
	in.Version = g.Version
	in.Target = f64(4)
	if _, err := Update(ctx, f.db, f.owner.ID, f.project.ID, g.ID, in); err != nil {
		t.Fatal(err)
	}
	entries, _ := audit.List(ctx, f.db, audit.Filter{ProjectID: f.project.ID, Entity: "goal"})
	if len(entries) != 2 || entries[0].Action != audit.Update {
		t.Fatalf("goal entries %+v", entries)
	}
	// Measurements: refusals, and a goal of another project is not found.
	if _, err := AddMeasurement(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.owner.ID), f.project.ID, g.ID, MeasurementInput{MeasuredOn: today}, Manual, today); !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("no value: %v", err)
	}
	if _, err := AddMeasurement(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.owner.ID), f.project.ID, g.ID, MeasurementInput{Value: f64(1), MeasuredOn: today.AddDays(5)}, Manual, today); !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("future: %v", err)
	}
	if _, err := AddMeasurement(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID+1000, f.owner.ID), f.project.ID+1000, g.ID, MeasurementInput{Value: f64(1), MeasuredOn: today}, Manual, today); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("other project: %v", err)
	}
	if n := count(t, f.db, "measurements"); n != 3 {
		t.Fatalf("%d measurements", n)
	}
	if err := Delete(ctx, f.db, f.owner.ID, f.project.ID, g.ID); err != nil {
		t.Fatal(err)
	}
	if count(t, f.db, "goals") != 0 || count(t, f.db, "measurements") != 0 {
		t.Fatal("goal or measurements left after delete")
	}
}
