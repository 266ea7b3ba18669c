package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"

	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/goal"
)

// projectWithMembers creates project CRM run by the admin, with the given
// members (email → role), and returns the admin's browser.
func projectWithMembers(t *testing.T, app *fiber.App, db *database.DB, members map[string]string) *browser {
	t.Helper()
	admin := signUpAdmin(t, app)
	expectStatus(t, admin.post("/projects", url.Values{"key": {"CRM"}, "name": {"CRM rollout"}}), http.StatusSeeOther)
	for email, role := range members {
		createUser(t, db, email, strings.Split(email, "@")[0], false)
		expectStatus(t, admin.post("/projects/CRM/members", url.Values{"email": {email}, "role": {role}, "department": {"sales"}}), http.StatusSeeOther)
	}
	return admin
}

func goalForm(owner int64, extra ...string) url.Values {
	today := date.Of(time.Now())
	v := url.Values{"title": {"Raise lead conversion"}, "metric": {"converted ÷ leads"}, "unit": {"%"},
		"baseline": {"20"}, "target": {"30"}, "direction": {"increase"}, "category": {"business"},
		"start_on": {today.AddDays(-300).String()}, "due_on": {today.AddDays(65).String()}, "owner_id": {itoa64(owner)}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

func TestGoalPagesAndRefusals(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := projectWithMembers(t, app, db, nil)
	me := userID(t, db, "admin@example.com")

	// Every refusal comes back on the form with its message, and writes nothing.
	for _, c := range []struct {
		extra []string
		want  string
	}{
		{[]string{"baseline", ""}, "needs a numeric baseline"},
		{[]string{"target", "abc"}, "could not be read"},
		{[]string{"owner_id", "0"}, "needs an owner"},
		{[]string{"due_on", ""}, "needs a due date"},
		{[]string{"target", "10"}, "must be above the baseline (20)"},
	} {
		r := admin.post("/projects/CRM/goals", goalForm(me, c.extra...))
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r, c.want)
	}
	if n, _ := db.NewSelect().Table("goals").Count(context.Background()); n != 0 {
		t.Fatalf("%d goals written", n)
	}

	r := admin.post("/projects/CRM/goals", goalForm(me))
	expectStatus(t, r, http.StatusSeeOther)
	goalPath := r.location()
	expectContains(t, admin.get(goalPath), "Raise lead conversion", "Off track", "<svg class=\"chart\"")
	// Quick entry from the list goes back to the list.
	r = admin.post(goalPath+"/measurements", url.Values{"value": {"27"}, "measured_on": {date.Of(time.Now()).String()}, "back": {"list"}})
	expectStatus(t, r, http.StatusSeeOther)
	if r.location() != "/projects/CRM/goals" {
		t.Fatalf("quick entry went to %q", r.location())
	}
	list := admin.get("/projects/CRM/goals")
	expectContains(t, list, "At risk", "70%", `<svg class="sparkline"`, "27 %")
	// A bad value is shown on the goal page with the message.
	r = admin.post(goalPath+"/measurements", url.Values{"value": {""}, "measured_on": {"2020-01-01"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "Enter the measured value as a number.")
}

// Owners record measurements whatever their role; others of that role may not.
func TestGoalOwnerMayMeasure(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := projectWithMembers(t, app, db, map[string]string{"sc1@example.com": "steering", "sc2@example.com": "steering", "v@example.com": "viewer"})
	r := admin.post("/projects/CRM/goals", goalForm(userID(t, db, "sc1@example.com")))
	expectStatus(t, r, http.StatusSeeOther)
	path := r.location() + "/measurements"
	entry := url.Values{"value": {"22"}, "measured_on": {date.Of(time.Now()).String()}}
	expectStatus(t, signIn(t, app, "sc1@example.com", testPassword).post(path, entry), http.StatusSeeOther)
	expectStatus(t, signIn(t, app, "sc2@example.com", testPassword).post(path, entry), http.StatusForbidden)
	expectStatus(t, signIn(t, app, "v@example.com", testPassword).post(path, entry), http.StatusForbidden)
	if n, _ := db.NewSelect().Table("measurements").Count(context.Background()); n != 1 {
		t.Fatalf("%d measurements", n)
	}
}

func TestGoalsAPI(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := projectWithMembers(t, app, db, nil)
	me := userID(t, db, "admin@example.com")
	today := date.Of(time.Now())

	r := admin.api(http.MethodPost, "/api/v1/projects/CRM/goals", map[string]any{"title": "Weekly active use", "metric": "weekly active ÷ licensed",
		"unit": "%", "baseline": 40, "target": 85, "direction": "increase", "category": "adoption",
		"start_on": today.AddDays(-5).String(), "due_on": today.AddDays(85).String(), "owner_id": me})
	expectStatus(t, r, http.StatusCreated)
	var g goal.View
	r.decode(t, &g)
	if g.ID == 0 || g.Status != goal.OnTrack || g.Current != 40 {
		t.Fatalf("created %+v", g)
	}
	base := "/api/v1/projects/CRM/goals/" + itoa64(g.ID)

	// Refusals carry field messages, in the caller's language.
	admin.post("/lang", url.Values{"lang": {"zh-CN"}})
	r = admin.api(http.MethodPost, "/api/v1/projects/CRM/goals", map[string]any{"title": "x", "metric": "y", "direction": "increase", "category": "adoption"})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	var p problem
	r.decode(t, &p)
	if p.Errors["baseline"] == "" || !strings.Contains(p.Errors["owner_id"], "负责人") {
		t.Fatalf("problem %+v", p)
	}

	// A nightly job feeds a figure in.
	r = admin.api(http.MethodPost, base+"/measurements", map[string]any{"value": 88, "measured_on": today.String(), "note": "from CRM"})
	expectStatus(t, r, http.StatusCreated)
	var m goal.Measurement
	r.decode(t, &m)
	if m.Source != goal.API || m.Value != 88 {
		t.Fatalf("measurement %+v", m)
	}
	admin.api(http.MethodGet, base, nil).decode(t, &g)
	if g.Status != goal.Achieved || g.Current != 88 || g.Progress <= 1 {
		t.Fatalf("after measurement %+v", g)
	}
	// PATCH needs the version; a stale one is refused.
	expectStatus(t, admin.api(http.MethodPatch, base, map[string]any{"target": 95}), http.StatusUnprocessableEntity)
	expectStatus(t, admin.api(http.MethodPatch, base, map[string]any{"target": 95, "version": g.Version}), http.StatusOK)
	expectStatus(t, admin.api(http.MethodPatch, base, map[string]any{"target": 99, "version": g.Version}), http.StatusConflict)
	admin.api(http.MethodGet, base, nil).decode(t, &g)
	if g.Target != 95 || g.Status != goal.OnTrack {
		t.Fatalf("after patch %+v", g)
	}
	var ms list[goal.Measurement]
	admin.api(http.MethodGet, base+"/measurements", nil).decode(t, &ms)
	if len(ms.Items) != 1 {
		t.Fatalf("measurements %+v", ms)
	}
	expectStatus(t, admin.api(http.MethodDelete, base, nil), http.StatusNoContent)
	expectStatus(t, admin.api(http.MethodGet, base, nil), http.StatusNotFound)
}

// TestBrowserGoalStatusFollowsMeasurements: create a goal in the browser, add
// two measurements, and watch its status change.
func TestBrowserGoalStatusFollowsMeasurements(t *testing.T) {
	app, db := testApp(t)
	projectWithMembers(t, app, db, nil)
	u := newUI(t, serve(t, app))
	u.open("/signin")
	u.do(fill("#email", "admin@example.com", "#password", testPassword), submit(`form[action="/signin"]`, ".user-menu summary"))

	today := date.Of(time.Now())
	u.open("/projects/CRM/goals/new")
	u.do(fill("#title", "Raise lead conversion", "#metric", "converted ÷ leads", "#unit", "%",
		"#baseline", "20", "#target", "30", "#direction", "increase", "#category", "business",
		"#start_on", today.AddDays(-300).String(), "#due_on", today.AddDays(65).String()),
		submit(`form[action="/projects/CRM/goals"]`, ".chart"))
	status := func() string { return u.text("main .page-header h2 .badge") }
	if s := status(); s != "Off track" {
		t.Fatalf("new goal status %q", s)
	}
	u.do(fill("#value", "27"), submit(`form[action$="/measurements"]`, ".flash-success"))
	if s := status(); s != "At risk" {
		t.Fatalf("after 27: %q", s)
	}
	u.do(fill("#value", "30.5"), submit(`form[action$="/measurements"]`, ".flash-success"))
	if s := status(); s != "Achieved" {
		t.Fatalf("after 30.5: %q", s)
	}
	if n := u.count("main table.data:not(.history) tbody tr"); n != 2 {
		t.Fatalf("%d measurement rows", n)
	}
	var points int
	points, err := chromedp.Run(u.ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg.chart circle").length`))
	if err != nil || points != 2 {
		t.Fatalf("%d points on the chart (%v)", points, err)
	}
}
