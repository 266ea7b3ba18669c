package requirement

import (
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/project"
	"rollout/internal/project/projecttest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type fixture struct {
	db      *bun.DB
	project *project.Project
	user    *account.User
	phases  []project.Phase
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	db := dbtest.New(t)
	ctx := context.Background()
	u, err := account.Create(ctx, db, 0, account.NewUser{Email: "bo@example.com", Name: "Owner", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := project.Create(ctx, db, u.ID, project.Input{Key: "CRM", Name: "CRM"}, "en")
	if err != nil {
		t.Fatal(err)
	}
	phases, _ := project.Phases(ctx, db, p.ID)
	return fixture{db: db, project: p, user: u, phases: phases}
}

func (f fixture) add(t *testing.T, title string) *Requirement {
	t.Helper()
	r, err := Create(context.Background(), f.db, f.user.ID, f.project.ID, Input{Title: title, Tier: Must, Kind: Feature, Approach: Configuration})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// order returns the backlog's numbers in rank order.
func (f fixture) order(t *testing.T) []int {
	t.Helper()
	vs, _, err := List(context.Background(), f.db, f.project.ID, Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int, len(vs))
	for i, v := range vs {
		out[i] = v.Number
	}
	return out
}

func TestCreateNumbersAndRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a, b := f.add(t, "Lead capture from the website"), f.add(t, "Quote approval")
	if a.Number != 1 || b.Number != 2 || b.Rank <= a.Rank || a.Status != Proposed {
		t.Fatalf("a %+v b %+v", a, b)
	}
	other, _ := project.Create(ctx, f.db, f.user.ID, project.Input{Key: "ERP", Name: "ERP"}, "en")
	otherPhases, _ := project.Phases(ctx, f.db, other.ID)
	stranger, _ := account.Create(ctx, f.db, 0, account.NewUser{Email: "s@example.com", Name: "S", Password: "long enough password"})
	bad := []struct {
		in    Input
		field string
	}{
		{Input{Tier: Must, Kind: Feature, Approach: Configuration}, "title"},
		{Input{Title: "x", Tier: "urgent", Kind: Feature, Approach: Configuration}, "tier"},
		{Input{Title: "x", Tier: Must, Kind: "magic", Approach: Configuration}, "kind"},
		{Input{Title: "x", Tier: Must, Kind: Feature, Approach: "vibe"}, "approach"},
		{Input{Title: "x", Tier: Must, Kind: Feature, Approach: Configuration, PhaseID: &otherPhases[0].ID}, "phase_id"},
		{Input{Title: "x", Tier: Must, Kind: Feature, Approach: Configuration, OwnerID: &stranger.ID}, "owner_id"},
		{Input{Title: "x", Tier: Must, Kind: Feature, Approach: Configuration, GoalIDs: []int64{999}}, "goal_ids"},
		{Input{Title: "x", Tier: Must, Kind: Feature, Approach: Configuration, EstimateDays: ptr(-2.0)}, "estimate_days"},
	}
	for _, c := range bad {
		_, err := Create(ctx, f.db, f.user.ID, f.project.ID, c.in)
		ae, ok := err.(*apperr.Error)
		if !ok || ae.Kind != apperr.KindInvalid || ae.Fields[c.field].ID == "" {
			t.Fatalf("%+v: error %v, want a message on %s", c.in, err, c.field)
		}
	}
	if n := len(f.order(t)); n != 2 {
		t.Fatalf("%d requirements after refusals", n)
	}
	// Refused creations took no number.
	if c := f.add(t, "Third"); c.Number != 3 {
		t.Fatalf("number %d", c.Number)
	}
}

func ptr[T any](v T) *T { return &v }

func TestMovesToTopBottomAndBetween(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, title := range []string{"a", "b", "c", "d", "e"} {
		f.add(t, title)
	}
	steps := []struct {
		number int
		to     Target
		want   []int
	}{
		{5, Target{Top: true}, []int{5, 1, 2, 3, 4}},
		{5, Target{Bottom: true}, []int{1, 2, 3, 4, 5}},
		{4, Target{Before: 2}, []int{1, 4, 2, 3, 5}},
		{1, Target{After: 3}, []int{4, 2, 3, 1, 5}},
		{3, Target{After: 5}, []int{4, 2, 1, 5, 3}},
		{2, Target{Before: 4}, []int{2, 4, 1, 5, 3}},
		{2, Target{Top: true}, []int{2, 4, 1, 5, 3}},
	}
	for i, s := range steps {
		if err := Move(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.user.ID), f.project.ID, s.number, s.to); err != nil {
			t.Fatal(err)
		}
		if got := f.order(t); !slices.Equal(got, s.want) {
			t.Fatalf("step %d: order %v, want %v", i, got, s.want)
		}
	}
	// A move is one small write: only the moved item's rank changed.
	before, _, _ := List(ctx, f.db, f.project.ID, Filter{})
	if err := Move(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.user.ID), f.project.ID, 3, Target{Before: 1}); err != nil {
		t.Fatal(err)
	}
	after, _, _ := List(ctx, f.db, f.project.ID, Filter{})
	changed := 0
	for _, a := range after {
		for _, b := range before {
			if a.ID == b.ID && a.Rank != b.Rank {
				changed++
			}
		}
	}
	if changed != 1 {
		t.Fatalf("%d ranks changed for one move", changed)
	}
	if err := Move(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.user.ID), f.project.ID, 3, Target{Before: 99}); !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("anchor that does not exist: %v", err)
	}
	if err := Move(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.user.ID), f.project.ID, 3, Target{}); !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("no target: %v", err)
	}
}

// Hundreds of moves, many into the same gap, never lose or scramble an item:
// the backlog always equals a plain list given the same moves.
func TestManyMovesWithoutDrift(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	model := []int{}
	for i := range 12 {
		f.add(t, "item")
		model = append(model, i+1)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	move := func(model []int, n int, to Target) []int {
		model = slices.DeleteFunc(slices.Clone(model), func(x int) bool { return x == n })
		switch {
		case to.Top:
			return append([]int{n}, model...)
		case to.Bottom:
			return append(model, n)
		case to.Before != 0:
			i := slices.Index(model, to.Before)
			return slices.Insert(model, i, n)
		default:
			i := slices.Index(model, to.After)
			return slices.Insert(model, i+1, n)
		}
	}
	for i := range 300 {
		n := model[rng.IntN(len(model))]
		var to Target
		switch {
		case i%3 == 0: // hammer the same gap, forcing renumbering
			if n == model[1] {
				continue
			}
			to = Target{Before: model[1]}
		case rng.IntN(10) == 0:
			to = Target{Top: true}
		case rng.IntN(10) == 0:
			to = Target{Bottom: true}
		default:
			anchor := model[rng.IntN(len(model))]
			if anchor == n {
				continue
			}
			if rng.IntN(2) == 0 {
				to = Target{Before: anchor}
			} else {
				to = Target{After: anchor}
			}
		}
		if err := Move(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.user.ID), f.project.ID, n, to); err != nil {
			t.Fatal(err)
		}
		model = move(model, n, to)
	}
	if got := f.order(t); !slices.Equal(got, model) {
		t.Fatalf("order %v\nmodel %v", got, model)
	}
}

func TestTwoPeopleMovingAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for range 6 {
		f.add(t, "item")
	}
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Everyone wants their item on top.
			errs[i] = Move(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.user.ID), f.project.ID, i+1, Target{Top: true})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := f.order(t)
	sorted := slices.Sorted(slices.Values(got))
	if !slices.Equal(sorted, []int{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("order %v lost or doubled an item", got)
	}
}

func TestUpdateBulkHistoryAndChurn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a := f.add(t, "Lead scoring")
	f.add(t, "Visit report")
	f.add(t, "ERP order sync")

	in := InputOf(a)
	in.Tier = Optional
	in.PhaseID = &f.phases[2].ID
	in.AcceptanceCriteria = []string{" scores update nightly ", ""}
	updated, err := Update(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.user.ID), f.project.ID, 1, in)
	if err != nil || updated.Version != 2 || !slices.Equal(updated.AcceptanceCriteria, []string{"scores update nightly"}) {
		t.Fatalf("%+v %v", updated, err)
	}
	if _, err := Update(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.user.ID), f.project.ID, 1, in); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("stale update: %v", err)
	}
	n, err := Bulk(ctx, f.db, f.user.ID, f.project.ID, Change{Numbers: []int{1, 2, 3}, Tier: Important, SetPhase: true, PhaseID: &f.phases[1].ID})
	if err != nil || n != 3 {
		t.Fatalf("bulk %d %v", n, err)
	}
	if _, err := Bulk(ctx, f.db, f.user.ID, f.project.ID, Change{Numbers: []int{1, 42}, Tier: Must}); !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("bulk with an unknown number: %v", err)
	}
	r, _ := Get(ctx, f.db, f.project.ID, 2)
	if r.Tier != Important || *r.PhaseID != f.phases[1].ID || r.Version != 2 {
		t.Fatalf("after bulk %+v", r)
	}
	if err := Delete(ctx, f.db, f.user.ID, f.project.ID, 3); err != nil {
		t.Fatal(err)
	}
	history, _ := audit.List(ctx, f.db, audit.Filter{ProjectID: f.project.ID, Entity: "requirement", EntityID: itoa(a.ID)})
	if len(history) != 3 || history[2].Action != audit.Create || history[1].Action != audit.Update || history[0].Ref != "bulk" {
		t.Fatalf("history %+v", history)
	}
	today := date.Of(time.Now())
	weeks, err := Churn(ctx, f.db, f.project.ID, today.AddDays(-14), today)
	if err != nil || len(weeks) < 3 {
		t.Fatalf("weeks %v %v", weeks, err)
	}
	last := weeks[len(weeks)-1]
	// 3 added, 1 removed; tier moves: the edit (→ optional) and three bulk moves (→ important); phase moves: 1 + 3.
	want := Counts{Added: 3, Removed: 1, TierMoves: 4, PhaseMoves: 4}
	if last.Total != want || last.ByTier[Important].TierMoves != 3 || last.ByTier[Must].Added != 3 {
		t.Fatalf("this week %+v", last)
	}
	sums, err := Summaries(ctx, f.db, f.project.ID)
	if err != nil || len(sums) != 1 || sums[0].Total != 2 || sums[0].Important != 2 || sums[0].NoGoal != 2 {
		t.Fatalf("summaries %+v %v", sums, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
