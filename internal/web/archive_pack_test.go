package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"rollout/internal/archive"
	"rollout/internal/date"
	"rollout/internal/milestone"
	"rollout/internal/office"
	"rollout/internal/project"
	"rollout/internal/requirement"
	"rollout/internal/risk"
)

// A decided gate's review page, in a copy of the project made through an
// archive, leads to the copy's items: the pack's delivery items link to the
// copied milestone, not to the original's id.
func TestArchiveCopyReviewPackLinksToCopiedItems(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	ctx := context.Background()
	pm := createUser(t, db, "pm@example.com", "Pat Manager", false)
	today := date.Of(time.Now())
	p, err := project.Create(ctx, db, pm.ID, project.Input{Key: "CRM", Name: "Customer 360"}, "en")
	if err != nil {
		t.Fatal(err)
	}
	// A gate already late when the committee decides: the pack's health
	// lists it as a late milestone, with a link to its page.
	gate, err := milestone.Create(ctx, db, pm.ID, p.ID, milestone.Input{Name: "Design approved",
		PlannedOn: today.AddDays(-20), IsGate: true, Deliverables: []string{"Process map"}}, today)
	if err != nil {
		t.Fatal(err)
	}
	// A risk and a must requirement: the pack lists them by their keys,
	// frozen as CRM-R-1 and CRM-1.
	if _, err := risk.Create(ctx, db, pm.ID, p.ID, risk.Input{Title: "Dirty customer data", Category: risk.DataMigration,
		Probability: 4, Impact: 5, OwnerID: pm.ID}, today); err != nil {
		t.Fatal(err)
	}
	if _, err := requirement.Create(ctx, db, pm.ID, p.ID, requirement.Input{Title: "Lead capture", Tier: requirement.Must,
		Kind: requirement.Feature, Approach: requirement.Configuration, Status: requirement.Approved}); err != nil {
		t.Fatal(err)
	}
	review, err := office.ScheduleReview(ctx, db, pm.ID, p.ID, gate.ID, milestone.ScheduleInput{ScheduledOn: today, Invited: []int64{pm.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := office.DecideReview(ctx, db, pm.ID, p.ID, review.ID, milestone.DecisionInput{Decision: milestone.Go,
		Attendees: []int64{pm.ID}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	a, err := archive.Export(ctx, db, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	res, err := archive.Import(ctx, db, a, archive.ImportOptions{Key: "COPY", ActorID: pm.ID})
	if err != nil {
		t.Fatal(err)
	}
	var copied struct {
		Review    int64 `bun:"id"`
		Milestone int64 `bun:"milestone_id"`
	}
	if err := db.NewSelect().Table("gate_reviews").Column("id", "milestone_id").Where("project_id = ?", res.ProjectID).
		Scan(ctx, &copied); err != nil {
		t.Fatal(err)
	}

	b := signIn(t, app, pm.Email, testPassword)
	page := b.get("/projects/COPY/reviews/" + itoa64(copied.Review))
	expectContains(t, page, `id="pack-delivery"`, "Design approved")
	_, delivery, _ := strings.Cut(page.body, `id="pack-delivery"`)
	delivery, _, _ = strings.Cut(delivery, "</ul>")
	if want := `href="/projects/COPY/milestones/` + itoa64(copied.Milestone) + `"`; !strings.Contains(delivery, want) {
		t.Fatalf("the copy's pack does not link to its milestone (%s):\n%s", want, delivery)
	}
	if strings.Contains(delivery, "/milestones/"+itoa64(gate.ID)+`"`) {
		t.Fatalf("the copy's pack links to the original milestone %d:\n%s", gate.ID, delivery)
	}
	// The keys read as frozen, and lead to the copy's own risk and requirement.
	expectContains(t, page, `<a href="/projects/COPY/risks/1">CRM-R-1</a>`, `<a href="/projects/COPY/requirements/1">CRM-1</a>`)
	if strings.Contains(page.body, `href="/projects/CRM/`) {
		t.Error("the copy's pack links into the original project")
	}
}
