package requirement

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/audit/audittest"
	"rollout/internal/project/projecttest"
)

// The entry the one-statement create stores is the entry audit.Record stores
// for the same requirement, compared as jsonb by PostgreSQL itself.
func TestCreateEntryMatchesRecord(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t)
	ctx := context.Background()
	in := Input{Title: "Lead capture «web»", UserStory: "As a rep I want leads.", AcceptanceCriteria: []string{"Given a form", "它能用"},
		Tier: Important, PhaseID: &f.phases[1].ID, Kind: Integration, Approach: Customization, OwnerID: &f.owner.ID,
		Status: Approved, EstimateDays: ptr(2.5), GoalIDs: []int64{f.goals[2].ID, f.goals[0].ID}}
	r, err := createInOwnTx(ctx, f.db, f.user.ID, f.project.ID, in, "import")
	if err != nil {
		t.Fatal(err)
	}
	if r.Number != 1 || r.Rank != gap || !slices.Equal(r.GoalIDs, in.GoalIDs) {
		t.Fatalf("created %+v", r)
	}
	got, err := Get(ctx, f.db, f.project.ID, r.Number)
	if err != nil || !slices.Equal(got.GoalIDs, []int64{f.goals[0].ID, f.goals[2].ID}) {
		t.Fatalf("read back %+v, %v", got, err)
	}
	audittest.SameAsRecord(t, f.db, audit.Write{ProjectID: f.project.ID, ActorID: f.user.ID, Entity: "requirement",
		EntityID: r.ID, Action: audit.Create, After: r, Ref: "import"})
	// Without references or goals too, outside a transaction; the read
	// cache's revision moves on by one, as the audit trigger would move it.
	revision := func() (n int64) {
		if err := f.db.NewRaw("SELECT revision FROM projects WHERE id = ?", f.project.ID).Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := revision()
	plain := f.add(t, "Plain")
	if after := revision(); after != before+1 {
		t.Fatalf("revision %d after a create, %d before", after, before)
	}
	audittest.SameAsRecord(t, f.db, audit.Write{ProjectID: f.project.ID, ActorID: f.user.ID, Entity: "requirement",
		EntityID: plain.ID, Action: audit.Create, After: plain})
}

// createInOwnTx creates inside a transaction of its own, as an import or
// a change request does.
func createInOwnTx(ctx context.Context, db *bun.DB, actorID, projectID int64, in Input, ref string) (*Requirement, error) {
	var r *Requirement
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		r, err = CreateInTx(ctx, tx, actorID, projectID, in, ref)
		return err
	})
	return r, err
}

// A refused create writes nothing, takes no number and tells every problem.
func TestRefusedCreateWritesNothing(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t)
	ctx := context.Background()
	f.add(t, "First")
	entries := f.countRows(t, "audit_entries", "entity = 'requirement'")
	bad := Input{Title: "x", Tier: Must, Kind: Feature, Approach: Configuration, PhaseID: ptr(int64(99999)),
		OwnerID: &f.outsider.ID, GoalIDs: []int64{f.goals[0].ID, 99999}}
	_, err := Create(ctx, f.db, f.user.ID, f.project.ID, bad)
	ae, ok := err.(*apperr.Error)
	if !ok || ae.Kind != apperr.KindInvalid || ae.Fields["phase_id"].ID != "requirement.no_such_phase" ||
		ae.Fields["owner_id"].ID != "requirement.owner_not_member" || ae.Fields["goal_ids"].ID != "requirement.no_such_goal" {
		t.Fatalf("error %v", err)
	}
	if n := f.countRows(t, "audit_entries", "entity = 'requirement'"); n != entries {
		t.Fatalf("%d entries after a refusal, %d before", n, entries)
	}
	if n := f.countRows(t, "requirement_goals", "true"); n != 0 {
		t.Fatalf("%d goal links", n)
	}
	if r := f.add(t, "Second"); r.Number != 2 {
		t.Fatalf("number %d: the refusal took one", r.Number)
	}
}

// Concurrent creates in one project, mixed with moves to the top and the
// bottom, on separate connections: numbers without gaps, unique ranks, each
// new item below everything ranked before it started, one entry per create.
func TestConcurrentCreatesAndMoves(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for range 5 {
		f.add(t, "before")
	}
	const workers, each = 8, 25
	type made struct {
		r         *Requirement
		topBefore int64 // the largest rank committed when the create started
	}
	results := make([][]made, workers)
	errs := make(chan error, workers+2)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var movers sync.WaitGroup
	for m, to := range []Target{{Bottom: true}, {Top: true}} {
		movers.Add(1)
		go func() {
			defer movers.Done()
			caller := projecttest.Caller(t, f.db, f.project.ID, f.user.ID)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := Move(ctx, f.db, caller, f.project.ID, 1+(i*3+m)%5, to); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				var top int64
				if err := f.db.NewSelect().Table("requirements").ColumnExpr("coalesce(max(rank), 0)").
					Where("project_id = ?", f.project.ID).Scan(ctx, &top); err != nil {
					errs <- err
					return
				}
				r, err := Create(ctx, f.db, f.user.ID, f.project.ID, Input{Title: fmt.Sprintf("w%d-%d", w, i),
					Tier: Optional, Kind: Report, Approach: Configuration})
				if err != nil {
					errs <- err
					return
				}
				results[w] = append(results[w], made{r, top})
			}
		}()
	}
	wg.Wait()
	close(stop)
	movers.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var all []made
	for _, rs := range results {
		all = append(all, rs...)
	}
	if len(all) != workers*each {
		t.Fatalf("%d creates", len(all))
	}
	slices.SortFunc(all, func(a, b made) int { return a.r.Number - b.r.Number })
	for i, m := range all {
		if m.r.Number != 6+i {
			t.Fatalf("numbers: #%d at %d", m.r.Number, i)
		}
		if m.r.Rank <= m.topBefore {
			t.Fatalf("#%d ranked %d, not below the %d ranked before it started", m.r.Number, m.r.Rank, m.topBefore)
		}
		if i > 0 && m.r.Rank <= all[i-1].r.Rank {
			t.Fatalf("#%d ranked %d, above #%d created before it (%d)", m.r.Number, m.r.Rank, all[i-1].r.Number, all[i-1].r.Rank)
		}
	}
	var distinct, rows int
	if err := f.db.NewRaw("SELECT count(DISTINCT rank), count(*) FROM requirements WHERE project_id = ?", f.project.ID).
		Scan(ctx, &distinct, &rows); err != nil || distinct != rows || rows != 5+workers*each {
		t.Fatalf("%d ranks for %d rows (%v)", distinct, rows, err)
	}
	var entries []audit.Entry
	if err := f.db.NewSelect().Model(&entries).Where("entity = 'requirement' AND action = 'create'").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	byID := map[string]json.RawMessage{}
	for _, e := range entries {
		if _, dup := byID[e.EntityID]; dup {
			t.Fatalf("two entries for %s", e.EntityID)
		}
		byID[e.EntityID] = e.After
	}
	for _, m := range all {
		var after Requirement
		if err := json.Unmarshal(byID[itoa(m.r.ID)], &after); err != nil {
			t.Fatalf("#%d: %v", m.r.Number, err)
		}
		if after.ID != m.r.ID || after.Number != m.r.Number || after.Rank != m.r.Rank || after.Title != m.r.Title {
			t.Fatalf("#%d recorded as %+v", m.r.Number, after)
		}
	}
	var tail, top int64
	if err := f.db.NewRaw("SELECT requirement_rank_tail, (SELECT max(rank) FROM requirements WHERE project_id = p.id) FROM projects p WHERE id = ?",
		f.project.ID).Scan(ctx, &tail, &top); err != nil || tail < top {
		t.Fatalf("tail %d below the top rank %d (%v)", tail, top, err)
	}
}
