package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/project/projecttest"
	"rollout/internal/risk"
)

// planProject creates project CRM (blank template: no default milestones)
// run by the admin, with the given members (email → role).
func planProject(t *testing.T, app *fiber.App, db *database.DB, members map[string]string) *browser {
	t.Helper()
	admin := signUpAdmin(t, app)
	expectStatus(t, admin.post("/projects", url.Values{"key": {"CRM"}, "name": {"CRM rollout"}, "template": {"blank"}}), http.StatusSeeOther)
	for email, role := range members {
		createUser(t, db, email, strings.Split(email, "@")[0], false)
		expectStatus(t, admin.post("/projects/CRM/members", url.Values{"email": {email}, "role": {role}, "department": {"sales"}}), http.StatusSeeOther)
	}
	return admin
}

// newMilestone creates a milestone through the form and returns its page's path.
func newMilestone(t *testing.T, b *browser, kv ...string) string {
	t.Helper()
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	r := b.post("/projects/CRM/milestones", v)
	expectStatus(t, r, http.StatusSeeOther)
	return r.location()
}

func milestoneIDOf(t *testing.T, path string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(path[strings.LastIndex(path, "/")+1:], 10, 64)
	if err != nil {
		t.Fatalf("no id in %q", path)
	}
	return id
}

// planRow returns the text of the plan table's row that names a milestone.
func planRow(t *testing.T, page, name string) string {
	t.Helper()
	for _, row := range regexp.MustCompile(`(?s)<tr>(.*?)</tr>`).FindAllStringSubmatch(page, -1) {
		if strings.Contains(row[1], ">"+name+"</a>") {
			text := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(row[1], " ")
			return regexp.MustCompile(`\s+`).ReplaceAllString(html.UnescapeString(text), " ")
		}
	}
	t.Fatalf("no plan row for %q", name)
	return ""
}

func TestPlanShowsStatusFromDates(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := planProject(t, app, db, nil)
	today := date.Of(time.Now())
	newMilestone(t, admin, "name", "Kick-off", "planned_on", today.AddDays(-10).String(), "actual_on", today.AddDays(-8).String())
	newMilestone(t, admin, "name", "Data cleansing rules", "planned_on", today.AddDays(-5).String())
	newMilestone(t, admin, "name", "Second mock migration", "planned_on", today.AddDays(10).String(), "forecast_on", today.AddDays(24).String())
	newMilestone(t, admin, "name", "Go-live", "planned_on", today.AddDays(60).String(), "is_gate", "true")

	page := admin.get("/projects/CRM/plan")
	expectStatus(t, page, http.StatusOK)
	expectContains(t, page, `<svg class="chart plan-chart plan-chart-wide"`, `<svg class="chart plan-chart plan-chart-narrow"`, "New milestone")
	for name, want := range map[string][]string{
		"Kick-off":              {"Done", "2 days late against the current plan"},
		"Data cleansing rules":  {"Missed", "5 days late against the current plan"},
		"Second mock migration": {"At risk", "14 days late against the current plan"},
		"Go-live":               {"Planned", "On time against the current plan", "Gate"},
	} {
		row := planRow(t, page.body, name)
		for _, w := range want {
			if !strings.Contains(row, w) {
				t.Errorf("%s: row %q lacks %q", name, row, w)
			}
		}
	}
	// The chart carries the slip too, and a reader sees no "New milestone".
	if !strings.Contains(page.body, "+14 d</text>") {
		t.Error("the chart does not state the slip")
	}
	createUser(t, db, "v@example.com", "Vic", false)
	expectStatus(t, admin.post("/projects/CRM/members", url.Values{"email": {"v@example.com"}, "role": {"viewer"}, "department": {"vendor"}}), http.StatusSeeOther)
	vp := signIn(t, app, "v@example.com", testPassword).get("/projects/CRM/plan")
	expectStatus(t, vp, http.StatusOK)
	if strings.Contains(vp.body, "New milestone") {
		t.Error("a viewer is offered a new milestone")
	}
}

func TestGateCannotCloseWithoutDecision(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := planProject(t, app, db, nil)
	today := date.Of(time.Now())
	path := newMilestone(t, admin, "name", "Solution design approved", "planned_on", today.String(), "is_gate", "true",
		"deliverables", "Process map\nPhase 1 backlog ranked")
	id := milestoneIDOf(t, path)
	closing := url.Values{"name": {"Solution design approved"}, "planned_on": {today.String()}, "actual_on": {today.String()},
		"is_gate": {"true"}, "version": {"1"}}

	r := admin.post(path+"/edit", closing)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "2 deliverables are still open")
	ds, _ := milestone.Deliverables(context.Background(), db, id)
	for _, d := range ds {
		expectStatus(t, admin.post(path+"/deliverables/"+itoa64(d.ID)+"/tick", url.Values{"done": {"true"}}), http.StatusSeeOther)
	}
	r = admin.post(path+"/edit", closing)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "This gate cannot be closed without a go (or go with conditions) decision", `value="`+today.String()+`"`)
	m, _ := milestone.Get(context.Background(), db, projectID(t, db, "CRM"), id)
	if !m.ActualOn.IsZero() || m.Version != 1 {
		t.Fatalf("the gate changed: %+v", m)
	}
}

// scheduledGate creates a gate with one deliverable and schedules its review
// with the steering member invited; it returns the milestone and review paths.
func scheduledGate(t *testing.T, admin *browser, db *database.DB, steeringEmail string) (string, string) {
	t.Helper()
	today := date.Of(time.Now())
	path := newMilestone(t, admin, "name", "Solution design approved", "planned_on", today.AddDays(7).String(), "is_gate", "true",
		"deliverables", "Process map")
	r := admin.post(path+"/reviews", url.Values{"scheduled_on": {today.AddDays(7).String()}, "invited": {itoa64(userID(t, db, steeringEmail))}})
	expectStatus(t, r, http.StatusSeeOther)
	return path, r.location()
}

func TestOnlySteeringRecordsDecision(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := planProject(t, app, db, map[string]string{"sc@example.com": "steering", "m@example.com": "member", "bo@example.com": "business_owner"})
	_, review := scheduledGate(t, admin, db, "sc@example.com")
	sc := userID(t, db, "sc@example.com")
	decision := func() url.Values { // fresh each time: post adds the caller's CSRF token
		return url.Values{"decision": {"go"}, "attendees": {itoa64(sc)}, "notes": {"Agreed"},
			"condition_text": {"Name a data owner"}, "condition_owner": {itoa64(sc)}, "condition_due": {""}}
	}

	for _, who := range []string{"m@example.com", "bo@example.com"} {
		b := signIn(t, app, who, testPassword)
		expectStatus(t, b.post(review+"/decision", decision()), http.StatusForbidden)
		expectStatus(t, b.api(http.MethodPost, "/api/v1"+review+"/decision", map[string]any{"decision": "go", "attendees": []int64{sc}}), http.StatusForbidden)
	}
	// The project manager runs the plan but does not decide for the committee.
	expectStatus(t, admin.post(review+"/decision", decision()), http.StatusForbidden)
	// A member sees no decision form.
	if page := signIn(t, app, "m@example.com", testPassword).get(review); strings.Contains(page.body, "/decision") {
		t.Error("a member is offered the decision form")
	}
	ctx := context.Background()
	n, _ := db.NewSelect().Table("gate_reviews").Where("decision IS NOT NULL").Count(ctx)
	actions, _ := db.NewSelect().Table("review_actions").Count(ctx)
	entries, _ := db.NewSelect().Table("audit_entries").Where("action = 'decide'").Count(ctx)
	if n != 0 || actions != 0 || entries != 0 {
		t.Fatalf("written: %d decisions, %d actions, %d audit entries", n, actions, entries)
	}
	// A steering member decides; a refusal shows its message on the form.
	scb := signIn(t, app, "sc@example.com", testPassword)
	r := scb.post(review+"/decision", url.Values{"decision": {"go_with_conditions"}, "attendees": {itoa64(sc)},
		"condition_text": {""}, "condition_owner": {"0"}, "condition_due": {""}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "A go with conditions needs at least one condition.")
	expectStatus(t, scb.post(review+"/decision", decision()), http.StatusSeeOther)
	expectContains(t, scb.get(review), "Decision recorded", "Agreed")
}

func TestFrozenPackAndConditionsAsActionItems(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := planProject(t, app, db, map[string]string{"sc@example.com": "steering", "it@example.com": "member"})
	ctx := context.Background()
	today := date.Of(time.Now())
	pid, me := projectID(t, db, "CRM"), userID(t, db, adminEmail)
	milestonePath, review := scheduledGate(t, admin, db, "sc@example.com")
	gateID := milestoneIDOf(t, milestonePath)

	b, tg := 20.0, 30.0
	g, err := goal.Create(ctx, db, me, pid, goal.Input{Title: "Lead conversion", Metric: "converted ÷ leads", Unit: "%", Baseline: &b, Target: &tg,
		Direction: goal.Increase, Category: goal.Business, StartOn: today.AddDays(-100), DueOn: today.AddDays(200), OwnerID: me})
	if err != nil {
		t.Fatal(err)
	}
	rk, err := risk.Create(ctx, db, me, pid, risk.Input{Title: "Mock migration fails", Category: risk.DataMigration,
		Probability: 3, Impact: 4, OwnerID: me, MilestoneID: &gateID}, today)
	if err != nil {
		t.Fatal(err)
	}
	// The milestone page lists the risk that threatens it; the live pack shows it.
	expectContains(t, admin.get(milestonePath), "Mock migration fails", "CRM-R-")
	expectContains(t, admin.get(review), "The pack as the project stands now", "Mock migration fails", "Lead conversion")

	sc, it := userID(t, db, "sc@example.com"), userID(t, db, "it@example.com")
	due := today.AddDays(14).String()
	r := signIn(t, app, "sc@example.com", testPassword).post(review+"/decision", url.Values{
		"decision": {"go_with_conditions"}, "attendees": {itoa64(sc), itoa64(me)}, "notes": {"Design is sound."},
		"condition_text":  {"Name a data owner per region", "", "", "", ""},
		"condition_owner": {itoa64(it), "0", "0", "0", "0"},
		"condition_due":   {due, "", "", "", ""}, "version": {"1"}})
	expectStatus(t, r, http.StatusSeeOther)

	frozen := admin.get(review)
	expectContains(t, frozen, "Go with conditions", "kept with the decision", "Name a data owner per region", "it</td>", due, "Ada Admin")
	scoreBadge := regexp.MustCompile(`badge-(low|medium|high|critical)">(\d+)</span>`)
	if m := scoreBadge.FindStringSubmatch(frozen.body); m == nil || m[2] != "12" {
		t.Fatalf("risk score in the pack %v", m)
	}
	expectContains(t, frozen, "20 %")

	// Change what the pack showed.
	v := 29.0
	if _, err := goal.AddMeasurement(ctx, db, projecttest.Caller(t, db, pid, me), pid, g.ID, goal.MeasurementInput{Value: &v, MeasuredOn: today}, goal.Manual, today); err != nil {
		t.Fatal(err)
	}
	if _, err := risk.AddReview(ctx, db, projecttest.Caller(t, db, pid, me), pid, rk.Number, risk.ReviewInput{ReviewedOn: today, Probability: 5, Impact: 5}, today); err != nil {
		t.Fatal(err)
	}
	again := admin.get(review)
	if m := scoreBadge.FindStringSubmatch(again.body); m == nil || m[2] != "12" {
		t.Fatalf("risk score in the pack after the review %v", m)
	}
	if strings.Contains(again.body, "29 %") || !strings.Contains(again.body, "20 %") {
		t.Fatal("the frozen pack shows the new measurement")
	}
	// The condition is an action item; its owner marks it done.
	var a reviewJSON
	admin.api(http.MethodGet, "/api/v1"+review, nil).decode(t, &a)
	if !a.PackFrozen || len(a.Actions) != 1 || a.Actions[0].Text != "Name a data owner per region" || a.Actions[0].Status != "open" ||
		a.Actions[0].DueOn.String() != due || a.Actions[0].OwnerID == nil || *a.Actions[0].OwnerID != it {
		t.Fatalf("review %+v", a)
	}
	actionPath := review + "/actions/" + itoa64(a.Actions[0].ID)
	expectStatus(t, signIn(t, app, "sc@example.com", testPassword).post(actionPath, url.Values{"done": {"true"}}), http.StatusForbidden)
	expectStatus(t, signIn(t, app, "it@example.com", testPassword).post(actionPath, url.Values{"done": {"true"}}), http.StatusSeeOther)
	as, _ := milestone.Actions(ctx, db, a.ID)
	if as[0].Status != "done" {
		t.Fatalf("action %+v", as[0])
	}
}

func TestDeliverableTickedByTheMilestoneOwner(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := planProject(t, app, db, map[string]string{"owner@example.com": "member", "other@example.com": "member"})
	owner := userID(t, db, "owner@example.com")
	path := newMilestone(t, admin, "name", "First mock migration", "planned_on", date.Of(time.Now()).AddDays(20).String(),
		"owner_id", itoa64(owner), "deliverables", "Migration run on a copy")
	ds, _ := milestone.Deliverables(context.Background(), db, milestoneIDOf(t, path))
	tick := path + "/deliverables/" + itoa64(ds[0].ID) + "/tick"

	other := signIn(t, app, "other@example.com", testPassword)
	expectStatus(t, other.post(tick, url.Values{"done": {"true"}}), http.StatusForbidden)
	if strings.Contains(other.get(path).body, "/tick") {
		t.Error("another member is offered the tick button")
	}
	ds, _ = milestone.Deliverables(context.Background(), db, ds[0].MilestoneID)
	if ds[0].Done {
		t.Fatal("ticked by another member")
	}
	own := signIn(t, app, "owner@example.com", testPassword)
	expectStatus(t, own.post(tick, url.Values{"done": {"true"}}), http.StatusSeeOther)
	expectContains(t, own.get(path), "owner, ", "Mark not done")
	ds, _ = milestone.Deliverables(context.Background(), db, ds[0].MilestoneID)
	if !ds[0].Done || ds[0].DoneBy == nil || *ds[0].DoneBy != owner {
		t.Fatalf("deliverable %+v", ds[0])
	}
}

func TestMilestonesAPI(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := planProject(t, app, db, map[string]string{"sc@example.com": "steering"})
	today := date.Of(time.Now())
	sc := userID(t, db, "sc@example.com")

	r := admin.api(http.MethodPost, "/api/v1/projects/CRM/milestones", map[string]any{"name": "User acceptance", "planned_on": today.AddDays(30).String(),
		"is_gate": true, "deliverables": []string{"Acceptance tests by key users", "Open defects triaged"}})
	expectStatus(t, r, http.StatusCreated)
	var m milestoneJSON
	r.decode(t, &m)
	if m.ID == 0 || m.Status != milestone.Planned || len(m.Deliverables) != 2 || m.DeliverablesTotal != 2 {
		t.Fatalf("created %+v", m)
	}
	base := "/api/v1/projects/CRM/milestones/" + itoa64(m.ID)
	expectStatus(t, admin.api(http.MethodPost, "/api/v1/projects/CRM/milestones", map[string]any{"name": "No date"}), http.StatusUnprocessableEntity)

	// PATCH needs the version; a later forecast puts it at risk.
	expectStatus(t, admin.api(http.MethodPatch, base, map[string]any{"forecast_on": today.AddDays(40).String()}), http.StatusUnprocessableEntity)
	r = admin.api(http.MethodPatch, base, map[string]any{"forecast_on": today.AddDays(40).String(), "version": m.Version})
	expectStatus(t, r, http.StatusOK)
	r.decode(t, &m)
	if m.Status != milestone.AtRisk || m.Slip != 10 || m.Name != "User acceptance" || len(m.Deliverables) != 2 {
		t.Fatalf("patched %+v", m)
	}
	var ms list[milestone.View]
	admin.api(http.MethodGet, "/api/v1/projects/CRM/milestones", nil).decode(t, &ms)
	if len(ms.Items) != 1 || ms.Items[0].Slip != 10 {
		t.Fatalf("list %+v", ms)
	}

	r = admin.api(http.MethodPost, base+"/reviews", map[string]any{"scheduled_on": today.AddDays(30).String(), "invited": []int64{sc}})
	expectStatus(t, r, http.StatusCreated)
	var rv reviewJSON
	r.decode(t, &rv)
	if rv.ID == 0 || rv.PackFrozen || rv.Pack == nil || len(rv.Pack.Sections) < 4 || rv.Pack.Sections[0].Kind != milestone.SectionDeliverables ||
		len(rv.Invited) != 1 {
		t.Fatalf("scheduled %+v", rv)
	}
	reviewPath := "/api/v1/projects/CRM/reviews/" + itoa64(rv.ID)
	expectStatus(t, admin.api(http.MethodPost, base+"/reviews", map[string]any{"scheduled_on": today.String()}), http.StatusConflict)

	steering := signIn(t, app, "sc@example.com", testPassword)
	r = steering.api(http.MethodPost, reviewPath+"/decision", map[string]any{"decision": "go_with_conditions", "attendees": []int64{sc},
		"conditions": []map[string]any{{"text": "Retest the quote flow", "owner_id": sc, "due_on": today.AddDays(10).String()}}})
	expectStatus(t, r, http.StatusOK)
	r.decode(t, &rv)
	if !rv.PackFrozen || rv.Decision == nil || *rv.Decision != milestone.GoWithConditions || len(rv.Actions) != 1 || rv.Actions[0].OwnerName != "sc" {
		t.Fatalf("decided %+v", rv)
	}
	expectStatus(t, steering.api(http.MethodPost, reviewPath+"/decision", map[string]any{"decision": "no_go", "attendees": []int64{sc}}), http.StatusConflict)
	var rs list[milestone.Review]
	admin.api(http.MethodGet, base+"/reviews", nil).decode(t, &rs)
	if len(rs.Items) != 1 || rs.Items[0].Decision == nil {
		t.Fatalf("reviews %+v", rs)
	}
	expectStatus(t, admin.api(http.MethodDelete, base, nil), http.StatusNoContent)
	expectStatus(t, admin.api(http.MethodGet, base, nil), http.StatusNotFound)
	expectStatus(t, admin.api(http.MethodGet, reviewPath, nil), http.StatusNotFound)
}

// The CRM template brings its default milestones.
func TestCRMTemplateAddsMilestones(t *testing.T) {
	t.Parallel()
	app, _ := testApp(t)
	admin := signUpAdmin(t, app)
	expectStatus(t, admin.post("/projects", url.Values{"key": {"CRM"}, "name": {"CRM rollout"}, "template": {"crm"}}), http.StatusSeeOther)
	expectContains(t, admin.get("/projects/CRM/plan"), "Goals signed off", "Second mock migration", "90-day value review")
	r := admin.api(http.MethodPost, "/api/v1/projects", map[string]any{"key": "BLANK", "name": "Blank", "template": "blank"})
	expectStatus(t, r, http.StatusCreated)
	var ms list[milestone.View]
	admin.api(http.MethodGet, "/api/v1/projects/BLANK/milestones", nil).decode(t, &ms)
	if len(ms.Items) != 0 {
		t.Fatalf("a blank project has %d milestones", len(ms.Items))
	}
}
