package demo

import (
	"context"
	"slices"
	"testing"

	"rollout/internal/account"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/milestone"
	"rollout/internal/office"
	"rollout/internal/project"
)

// sectionKinds lists a pack's section kinds in order.
func sectionKinds(p *milestone.Pack) []string {
	var kinds []string
	for _, s := range p.Sections {
		kinds = append(kinds, s.Kind)
	}
	return kinds
}

// The demo's gate packs used to lack the change requests and health
// sections: the demo built its packs without the sections a web handler
// added. Both now go through office, so a demo pack has every section a pack
// decided by a user has, and its day's health snapshot.
func TestDemoPacksHaveEverySectionOfADecidedPack(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	today := date.Today()
	if res, err := Load(ctx, db, today); err != nil || !res.Created {
		t.Fatalf("load: %+v %v", res, err)
	}

	// A pack decided as the pages decide one, in a project of its own.
	u, err := account.Create(ctx, db, 0, account.NewUser{Email: "chair@example.com", Name: "Chair", Password: "a long password 1"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := office.CreateProject(ctx, db, u.ID, project.Input{Key: "REF", Name: "Reference", Template: "crm"}, "en", today)
	if err != nil {
		t.Fatal(err)
	}
	gates, err := milestone.List(ctx, db, p.ID, today)
	if err != nil || len(gates) == 0 || !gates[0].IsGate {
		t.Fatalf("template milestones %+v %v", gates, err)
	}
	r, err := office.ScheduleReview(ctx, db, u.ID, p.ID, gates[0].ID, milestone.ScheduleInput{ScheduledOn: today, Invited: []int64{u.ID}})
	if err != nil {
		t.Fatal(err)
	}
	decided, err := office.DecideReview(ctx, db, u.ID, p.ID, r.ID, milestone.DecisionInput{Decision: milestone.Go, Attendees: []int64{u.ID}}, at(today))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := decided.FrozenPack()
	if err != nil || ref == nil {
		t.Fatalf("reference pack %v", err)
	}
	want := sectionKinds(ref)
	for _, kind := range []string{milestone.SectionChanges, milestone.SectionHealth} {
		if !slices.Contains(want, kind) {
			t.Fatalf("a decided pack has %v, no %s", want, kind)
		}
	}

	var demoID int64
	if err := db.NewSelect().Table("projects").Column("id").Where("key = ?", Key).Scan(ctx, &demoID); err != nil {
		t.Fatal(err)
	}
	var reviews []milestone.Review
	if err := db.NewSelect().Model(&reviews).Where("project_id = ? AND decision IS NOT NULL", demoID).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if len(reviews) != 3 {
		t.Fatalf("%d decided demo reviews, want 3", len(reviews))
	}
	for _, r := range reviews {
		pack, err := r.FrozenPack()
		if err != nil || pack == nil {
			t.Fatalf("review %d: pack %v", r.ID, err)
		}
		if got := sectionKinds(pack); !slices.Equal(got, want) {
			t.Errorf("demo review %d pack sections %v, a decided pack has %v", r.ID, got, want)
		}
		// The decision kept the day's health score, in its transaction.
		n, err := db.NewSelect().Table("health_snapshots").Where("project_id = ? AND day = ?", demoID, date.Of(*r.DecidedAt)).Count(ctx)
		if err != nil || n != 1 {
			t.Errorf("review %d decided on %s: %d snapshots (%v)", r.ID, date.Of(*r.DecidedAt), n, err)
		}
	}

	// The demo plan is the template's milestones filled in, not a second set.
	ms, err := milestone.List(ctx, db, demoID, today)
	if err != nil || len(ms) != len(plan) {
		t.Fatalf("%d demo milestones, want %d (%v)", len(ms), len(plan), err)
	}
}
