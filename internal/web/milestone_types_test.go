package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rollout/internal/date"
	"rollout/internal/milestone"
)

// The form sets a milestone's type and a readiness review's checklist; the
// plan shows the type's icon and filters by it; the API carries both; the
// health page names the facts behind a finding.
func TestMilestoneTypesOnTheForm(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := planProject(t, app, db, nil)
	today := date.Of(time.Now())
	launch := newMilestone(t, admin, "name", "Launch", "type", "go_live", "planned_on", today.AddDays(30).String())
	newMilestone(t, admin, "name", "Readiness", "type", "readiness_review", "planned_on", today.AddDays(10).String(),
		"readiness", "cutover_signed")
	expectContains(t, admin.get(launch+"/edit"), `<option value="go_live" selected>`)

	page := admin.get("/projects/CRM/plan?type=go_live&against=current")
	expectStatus(t, page, http.StatusOK)
	if !strings.Contains(page.body, "Launch") || strings.Contains(page.body, ">Readiness<") || !strings.Contains(page.body, "🚀") {
		t.Fatalf("filtered plan:\n%s", page.body)
	}
	expectStatus(t, admin.get("/projects/CRM/plan?type=party"), http.StatusUnprocessableEntity)

	// A bad type is refused with its message and writes nothing.
	r := admin.post("/projects/CRM/milestones", url.Values{"name": {"Odd"}, "type": {"party"}, "planned_on": {today.String()}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, `aria-invalid="true"`)
	vs, _ := milestone.List(context.Background(), db, projectID(t, db, "CRM"), today)
	if len(vs) != 2 || vs[0].Type == "" {
		t.Fatalf("%d milestones", len(vs))
	}
	for _, v := range vs {
		if v.Name == "Readiness" && (!v.Readiness[milestone.ReadyCutoverSigned] || v.Type != milestone.ReadinessReview) {
			t.Fatalf("%+v", v)
		}
	}
	// The API reads and writes the type.
	r = admin.api(http.MethodPost, "/api/v1/projects/CRM/milestones", map[string]any{"name": "Dry run 1", "type": "rehearsal",
		"planned_on": today.AddDays(5).String()})
	expectStatus(t, r, http.StatusCreated)
	expectContains(t, r, `"type":"rehearsal"`)
	// The health page says where go-live comes from.
	expectContains(t, admin.get("/projects/CRM/health"), "From:", "from milestone “Launch”")
}
