package milestone

import (
	"context"
	"errors"
	"testing"

	"rollout/internal/apperr"
	"rollout/internal/project"
)

// The template types its milestones and its phases carry delivery waves; the
// go-live date comes from the go-live-typed milestone, whatever its name.
func TestTypesWavesAndGoLiveDate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	vs, err := List(ctx, f.db, f.project.ID, f.today)
	if err != nil {
		t.Fatal(err)
	}
	var types []Type
	var golive *View
	for i := range vs {
		types = append(types, vs[i].Type)
		if vs[i].Type == GoLive {
			golive = &vs[i]
		}
	}
	want := []Type{Other, Other, Other, Rehearsal, Rehearsal, UAT, GoLive, ValueReview}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("types %v", types)
		}
	}
	phases, _ := project.Phases(ctx, f.db, f.project.ID)
	if phases[1].Wave != 0 || phases[2].Wave != 1 || phases[3].Wave != 2 || phases[4].Wave != 0 {
		t.Fatalf("waves %+v", phases)
	}
	// Renamed "Launch", forecast later: the forecast is the go-live date.
	in := InputOf(&golive.Milestone)
	in.Name, in.ForecastOn = "Launch", golive.PlannedOn.AddDays(14)
	if _, err := Update(ctx, f.db, f.pm.ID, f.project.ID, golive.ID, in, f.today); err != nil {
		t.Fatal(err)
	}
	vs, _ = List(ctx, f.db, f.project.ID, f.today)
	on, from, ok := GoLiveDate(vs)
	if !ok || from.Name != "Launch" || on != golive.PlannedOn.AddDays(14) {
		t.Fatalf("go-live %s from %+v", on, from)
	}
	// A readiness review keeps its answers; an unknown item or type is refused, and nothing is written.
	m, err := Create(ctx, f.db, f.pm.ID, f.project.ID, Input{Name: "Readiness", Type: ReadinessReview, PlannedOn: on.AddDays(-35),
		Readiness: []string{"cutover_signed", "tests_signed"}}, f.today)
	if err != nil || !m.Readiness[ReadyCutoverSigned] || len(m.Readiness.Unmet()) != 4 {
		t.Fatalf("%+v %v", m, err)
	}
	_, err = Create(ctx, f.db, f.pm.ID, f.project.ID, Input{Name: "Bad", Type: ReadinessReview, PlannedOn: on, Readiness: []string{"vibes"}}, f.today)
	if ae := new(apperr.Error); !errors.As(err, &ae) || ae.Fields["readiness"].ID != "milestone.readiness_unknown" {
		t.Fatalf("unknown item: %v", err)
	}
	_, err = Create(ctx, f.db, f.pm.ID, f.project.ID, Input{Name: "Bad", Type: "party", PlannedOn: on}, f.today)
	if ae := new(apperr.Error); !errors.As(err, &ae) || ae.Fields["type"].ID != "validation.oneof" {
		t.Fatalf("unknown type: %v", err)
	}
	// Another type drops the checklist.
	in = InputOf(m)
	in.Type = Other
	if m, err = Update(ctx, f.db, f.pm.ID, f.project.ID, m.ID, in, f.today); err != nil || len(m.Readiness) != 0 {
		t.Fatalf("%+v %v", m, err)
	}
	if vs2, _ := List(ctx, f.db, f.project.ID, f.today); len(vs2) != len(vs)+1 {
		t.Fatalf("%d milestones, want %d", len(vs2), len(vs)+1)
	}
}
