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

// A project manager takes a baseline from the plan page; moving a milestone
// afterwards shows as slip against it on the plan, the milestone page and
// the API, while "the current plan" shows none. Only project managers take
// baselines; every member reads them.
func TestBaselinesOnThePlanPage(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := planProject(t, app, db, map[string]string{"sc@example.com": "steering", "v@example.com": "viewer"})
	today := date.Of(time.Now())
	golive := newMilestone(t, admin, "name", "Go-live", "planned_on", today.AddDays(60).String(), "is_gate", "true")
	newMilestone(t, admin, "name", "Training", "planned_on", today.AddDays(30).String())

	page := admin.get("/projects/CRM/plan")
	expectContains(t, page, "No baseline yet", "Take a baseline", "On time against the current plan")

	// A bad label is refused on the page and writes nothing.
	r := admin.post("/projects/CRM/baselines", url.Values{"label": {strings.Repeat("x", 201)}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, `aria-invalid="true"`)
	if bs, _ := milestone.Baselines(context.Background(), db, projectID(t, db, "CRM")); len(bs) != 0 {
		t.Fatalf("%d baselines after a refusal", len(bs))
	}
	// Steering members and viewers are not offered the button, and are refused.
	for _, who := range []string{"sc@example.com", "v@example.com"} {
		b := signIn(t, app, who, testPassword)
		if strings.Contains(b.get("/projects/CRM/plan").body, "/projects/CRM/baselines") {
			t.Errorf("%s is offered the baseline button", who)
		}
		expectStatus(t, b.post("/projects/CRM/baselines", url.Values{"label": {"mine"}}), http.StatusForbidden)
		expectStatus(t, b.api(http.MethodPost, "/api/v1/projects/CRM/baselines", map[string]any{"label": "mine"}), http.StatusForbidden)
	}

	r = admin.post("/projects/CRM/baselines", url.Values{"label": {"Signed plan"}})
	expectStatus(t, r, http.StatusSeeOther)
	expectContains(t, admin.get(r.location()), "Baseline taken")
	// Go-live moves 12 days later.
	id := milestoneIDOf(t, golive)
	expectStatus(t, admin.post(golive+"/edit", url.Values{"name": {"Go-live"}, "planned_on": {today.AddDays(72).String()},
		"is_gate": {"true"}, "version": {"1"}}), http.StatusSeeOther)

	name := "“Signed plan”, " + today.String()
	page = admin.get("/projects/CRM/plan")
	row := planRow(t, page.body, "Go-live")
	if !strings.Contains(row, "12 days late against baseline "+name) || !strings.Contains(row, today.AddDays(60).String()) {
		t.Errorf("plan row %q", row)
	}
	expectContains(t, page, "Slip is measured against baseline "+name, "+12 d</text>")
	expectContains(t, admin.get(golive), "12 days late against baseline "+name)
	current := admin.get("/projects/CRM/plan?against=current")
	if row := planRow(t, current.body, "Go-live"); !strings.Contains(row, "On time against the current plan") {
		t.Errorf("against the current plan: %q", row)
	}
	expectStatus(t, admin.get("/projects/CRM/plan?against=999999"), http.StatusNotFound)
	expectStatus(t, admin.get("/projects/CRM/plan?against=latest"), http.StatusNotFound)

	// The API: every member reads the baselines and their dates.
	viewer := signIn(t, app, "v@example.com", testPassword)
	var list struct {
		Items []struct {
			ID             int64  `json:"id"`
			Label          string `json:"label"`
			Source         string `json:"source"`
			MilestoneCount int    `json:"milestone_count"`
			TakenByName    string `json:"taken_by_name"`
		} `json:"items"`
	}
	viewer.api(http.MethodGet, "/api/v1/projects/CRM/baselines", nil).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].Label != "Signed plan" || list.Items[0].Source != "manual" || list.Items[0].MilestoneCount != 2 {
		t.Fatalf("baselines %+v", list)
	}
	var one struct {
		ID    int64 `json:"id"`
		Dates []struct {
			MilestoneID   int64  `json:"milestone_id"`
			MilestoneName string `json:"milestone_name"`
			PlannedOn     string `json:"planned_on"`
		} `json:"dates"`
	}
	viewer.api(http.MethodGet, "/api/v1/projects/CRM/baselines/"+itoa64(list.Items[0].ID), nil).decode(t, &one)
	if len(one.Dates) != 2 || one.Dates[1].MilestoneID != id || one.Dates[1].PlannedOn != today.AddDays(60).String() {
		t.Fatalf("baseline %+v", one)
	}
	expectStatus(t, viewer.api(http.MethodGet, "/api/v1/projects/CRM/baselines/999999", nil), http.StatusNotFound)
	var ms struct {
		Items []struct {
			Name       string `json:"name"`
			BaselineOn string `json:"baseline_on"`
			SlipDays   int    `json:"slip_days"`
		} `json:"items"`
	}
	viewer.api(http.MethodGet, "/api/v1/projects/CRM/milestones", nil).decode(t, &ms)
	if ms.Items[1].Name != "Go-live" || ms.Items[1].SlipDays != 12 || ms.Items[1].BaselineOn != today.AddDays(60).String() {
		t.Fatalf("milestones %+v", ms)
	}
	var plan struct {
		Items []struct {
			BaselineOn *string `json:"baseline_on"`
			SlipDays   int     `json:"slip_days"`
		} `json:"items"`
	}
	viewer.api(http.MethodGet, "/api/v1/projects/CRM/milestones?against=current", nil).decode(t, &plan)
	if plan.Items[1].SlipDays != 0 || plan.Items[1].BaselineOn != nil {
		t.Fatalf("milestones against the plan %+v", plan)
	}

	// The API takes one too, with or without a label; the latest becomes the default.
	var taken struct {
		ID     int64  `json:"id"`
		Label  string `json:"label"`
		Source string `json:"source"`
		Dates  []any  `json:"dates"`
	}
	r = admin.api(http.MethodPost, "/api/v1/projects/CRM/baselines", map[string]any{})
	expectStatus(t, r, http.StatusCreated)
	r.decode(t, &taken)
	if taken.Label != "" || taken.Source != "manual" || len(taken.Dates) != 2 {
		t.Fatalf("taken %+v", taken)
	}
	if row := planRow(t, admin.get("/projects/CRM/plan").body, "Go-live"); !strings.Contains(row, "On time against baseline "+today.String()) {
		t.Errorf("against the newest baseline: %q", row)
	}
	expectStatus(t, admin.api(http.MethodPost, "/api/v1/projects/CRM/baselines", map[string]any{"label": "a\x00b"}), http.StatusUnprocessableEntity)
}

// Deciding a gate through the page takes a baseline named after the gate.
func TestGateDecisionTakesABaseline(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := planProject(t, app, db, map[string]string{"sc@example.com": "steering"})
	_, review := scheduledGate(t, admin, db, "sc@example.com")
	sc := userID(t, db, "sc@example.com")
	expectStatus(t, signIn(t, app, "sc@example.com", testPassword).post(review+"/decision",
		url.Values{"decision": {"go"}, "attendees": {itoa64(sc)}}), http.StatusSeeOther)
	page := admin.get("/projects/CRM/plan")
	expectContains(t, page, "Slip is measured against baseline “Solution design approved” gate, "+date.Of(time.Now().UTC()).String())
}
