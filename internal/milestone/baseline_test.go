package milestone

import (
	"context"
	"strings"
	"testing"
	"time"

	"rollout/internal/apperr"
	"rollout/internal/date"
	"rollout/internal/project/projecttest"
)

func TestLatenessAgainstABaseline(t *testing.T) {
	today := date.New(2026, 6, 1)
	d := date.New
	for _, c := range []struct {
		name                           string
		ref, planned, forecast, actual date.Date
		want                           int
	}{
		{"no baseline: the plan is the reference", date.Date{}, d(2026, 7, 1), date.Date{}, date.Date{}, 0},
		{"replanned later, no forecast", d(2026, 7, 1), d(2026, 7, 15), date.Date{}, date.Date{}, 14},
		{"replanned earlier", d(2026, 7, 1), d(2026, 6, 25), date.Date{}, date.Date{}, -6},
		{"forecast beyond the new plan", d(2026, 7, 1), d(2026, 7, 15), d(2026, 7, 20), date.Date{}, 19},
		{"an early forecast does not count", d(2026, 7, 1), d(2026, 7, 1), d(2026, 6, 20), date.Date{}, 0},
		{"open past its date: late until today", d(2026, 5, 20), d(2026, 5, 25), date.Date{}, date.Date{}, 12},
		{"done against the baseline", d(2026, 5, 1), d(2026, 5, 10), date.Date{}, d(2026, 5, 12), 11},
		{"done early", d(2026, 5, 1), d(2026, 5, 10), date.Date{}, d(2026, 4, 29), -2},
	} {
		if got := Lateness(c.ref, c.planned, c.forecast, c.actual, today); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

// A project manager takes a baseline; moving a milestone afterwards shows as
// slip against it (the default, the latest) and not against the current plan.
// A milestone added later has no baseline date and is measured against its plan.
func TestSlipAgainstTheChosenBaseline(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	pm := projecttest.Caller(t, f.db, f.project.ID, f.pm.ID)
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

	vs, _ := List(ctx, f.db, f.project.ID, f.today)
	if vs[2].BaselineOn != (date.Date{}) {
		t.Fatalf("baseline date without a baseline: %+v", vs[2])
	}
	first, err := TakeBaseline(ctx, f.db, pm, f.project.ID, BaselineInput{Label: "  Signed plan "}, now)
	if err != nil {
		t.Fatal(err)
	}
	if first.Label != "Signed plan" || first.Source != BaselineManual || first.Milestones != 8 || first.TakenBy == nil {
		t.Fatalf("baseline %+v", first)
	}
	// Go-live moves 20 days later; a new milestone is added.
	design := vs[6]
	in := InputOf(&design.Milestone)
	in.PlannedOn = design.PlannedOn.AddDays(20)
	if _, err := Update(ctx, f.db, f.pm.ID, f.project.ID, design.ID, in, f.today); err != nil {
		t.Fatal(err)
	}
	added, err := Create(ctx, f.db, f.pm.ID, f.project.ID, Input{Name: "Pilot", PlannedOn: date.New(2026, 9, 1)}, f.today)
	if err != nil {
		t.Fatal(err)
	}
	slipOf := func(vs []View, id int64) (int, date.Date) {
		for _, v := range vs {
			if v.ID == id {
				return v.Slip, v.BaselineOn
			}
		}
		t.Fatalf("milestone %d missing", id)
		return 0, date.Date{}
	}
	latest, _ := List(ctx, f.db, f.project.ID, f.today)
	if s, on := slipOf(latest, design.ID); s != 20 || on != design.PlannedOn {
		t.Fatalf("against the latest baseline: %d days, baseline %s", s, on)
	}
	if s, on := slipOf(latest, added.ID); s != 0 || !on.IsZero() {
		t.Fatalf("a milestone added later: %d days, baseline %s", s, on)
	}
	plan, _ := ListAgainst(ctx, f.db, f.project.ID, CurrentPlan, f.today)
	if s, _ := slipOf(plan, design.ID); s != 0 {
		t.Fatalf("against the current plan: %d days", s)
	}
	v, _ := GetView(ctx, f.db, f.project.ID, design.ID, f.today)
	if v.Slip != 20 {
		t.Fatalf("the milestone page: %d days", v.Slip)
	}

	// A second baseline takes the new dates: the latest now shows no slip,
	// the first one still shows 20 days.
	second, err := TakeBaseline(ctx, f.db, pm, f.project.ID, BaselineInput{}, now.Add(time.Hour))
	if err != nil || second.Milestones != 9 {
		t.Fatalf("second baseline %+v %v", second, err)
	}
	latest, _ = List(ctx, f.db, f.project.ID, f.today)
	if s, _ := slipOf(latest, design.ID); s != 0 {
		t.Fatalf("against the second baseline: %d days", s)
	}
	chosen, _ := ListAgainst(ctx, f.db, f.project.ID, first.ID, f.today)
	if s, _ := slipOf(chosen, design.ID); s != 20 {
		t.Fatalf("against the first baseline: %d days", s)
	}
	bs, err := Baselines(ctx, f.db, f.project.ID)
	if err != nil || len(bs) != 2 || bs[0].ID != second.ID || bs[1].Milestones != 8 || bs[0].TakenByName != "PM" {
		t.Fatalf("baselines %+v %v", bs, err)
	}
	if b, _ := Chosen(bs, LatestBaseline); b.ID != second.ID {
		t.Fatalf("latest is %d", b.ID)
	}
	if b, _ := Chosen(bs, CurrentPlan); b != nil {
		t.Fatal("current plan chose a baseline")
	}
	if _, err := Chosen(bs, 99999); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("unknown baseline: %v", err)
	}
	ds, err := BaselineDates(ctx, f.db, first.ID)
	if err != nil || len(ds) != 8 || ds[6].MilestoneName != design.Name || ds[6].PlannedOn != design.PlannedOn {
		t.Fatalf("dates %+v %v", ds, err)
	}
	var entries int
	if err := f.db.NewSelect().Table("audit_entries").ColumnExpr("count(*)").
		Where("entity = 'baseline' AND action = 'create' AND project_id = ?", f.project.ID).Scan(ctx, &entries); err != nil || entries != 2 {
		t.Fatalf("%d audit entries %v", entries, err)
	}
}

// Only project managers take baselines; a bad label writes nothing.
func TestTakingABaselineIsForProjectManagers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	if _, err := TakeBaseline(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.sc.ID), f.project.ID, BaselineInput{}, now); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("steering member: %v", err)
	}
	pm := projecttest.Caller(t, f.db, f.project.ID, f.pm.ID)
	for _, label := range []string{strings.Repeat("x", 201), "line\nbreak"} {
		_, err := TakeBaseline(ctx, f.db, pm, f.project.ID, BaselineInput{Label: label}, now)
		if ae, ok := err.(*apperr.Error); !ok || ae.Kind != apperr.KindInvalid || ae.Fields["label"].ID == "" {
			t.Fatalf("label %q: %v", label, err)
		}
	}
	if bs, _ := Baselines(ctx, f.db, f.project.ID); len(bs) != 0 {
		t.Fatalf("%d baselines written", len(bs))
	}
}
