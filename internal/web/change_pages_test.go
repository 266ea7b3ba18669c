package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rollout/internal/date"
	"rollout/internal/milestone"
)

// The change request pages: the list, the form, the request's page, the
// gate pack's section, and the whole workflow in a browser.

// TestChangePagesDraftEditAndList: a member drafts on the form, adds and
// removes operations on the request page, edits the draft; refusals come
// back with their message and write nothing; the list filters and charts.
func TestChangePagesDraftEditAndList(t *testing.T) {
	t.Parallel()
	ct := newChangeTeam(t)
	b := ct.mia
	expectContains(t, b.get("/projects/CRM/changes"), "No change requests yet", "New change request")
	if r := ct.viewer.get("/projects/CRM/changes"); strings.Contains(r.body, "/changes/new") || strings.Contains(r.body, `action="/projects/CRM/changes/settings"`) {
		t.Fatal("the viewer is offered to draft or to change the settings")
	}
	r := b.post("/projects/CRM/changes", url.Values{"title": {""}, "cost": {"-5"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "The cost must be a number of zero or more.")
	r = b.post("/projects/CRM/changes", url.Values{"title": {"Shift UAT by a week"}, "reason": {"The second mock migration is late"},
		"schedule_days": {"7"}, "cost": {"4000"}, "effort_days": {"3"}, "roles": {"member", "business_owner"}, "departments": {"it"},
		"note": {"Key users of the pilot"}})
	expectStatus(t, r, http.StatusSeeOther)
	page := r.location()
	if page != "/projects/CRM/changes/1" {
		t.Fatalf("went to %s", page)
	}
	expectContains(t, b.get(page), "Shift UAT by a week", "Draft", "Key users of the pilot", "Business owner", "No operations yet")

	uat := ct.milestones[5]
	r = b.post(page+"/operations", url.Values{"op": {"shift_milestone"}, "milestone_id": {itoa64(uat.ID)}, "days": {"0"}, "version": {"1"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "Shift the milestone by a whole number of days other than zero")
	r = b.post(page+"/operations", url.Values{"op": {"shift_milestone"}, "milestone_id": {itoa64(uat.ID)}, "days": {"7"}, "version": {"1"}})
	expectStatus(t, r, http.StatusSeeOther)
	r = b.post(page+"/operations", url.Values{"op": {"set_tier"}, "number": {"2"}, "tier": {"optional"}, "version": {"1"}})
	expectStatus(t, r, http.StatusConflict) // the page was stale
	r = b.post(page+"/operations", url.Values{"op": {"set_tier"}, "number": {"2"}, "tier": {"optional"}, "version": {"2"}})
	expectStatus(t, r, http.StatusSeeOther)
	show := b.get(page)
	expectContains(t, show, uat.Name, "&#43;7 days", "CRM-2", "→ Optional")
	expectStatus(t, b.post(page+"/operations/0/delete", url.Values{"version": {"3"}}), http.StatusSeeOther)
	expectStatus(t, b.post(page+"/operations/5/delete", url.Values{"version": {"4"}}), http.StatusNotFound)
	if c := getChange(t, b, 1); len(c.Operations) != 1 || c.Operations[0]["op"] != "set_tier" {
		t.Fatalf("operations %+v", c.Operations)
	}
	expectStatus(t, ct.bob.post(page+"/operations", url.Values{"op": {"set_tier"}, "number": {"1"}, "tier": {"optional"}, "version": {"4"}}), http.StatusForbidden)

	// Editing keeps the operations.
	edit := b.get(page + "/edit")
	expectStatus(t, edit, http.StatusOK)
	expectContains(t, edit, `value="Shift UAT by a week"`, `name="version" value="4"`)
	r = b.post(page+"/edit", url.Values{"title": {"Shift UAT by one week"}, "schedule_days": {"7"}, "version": {"4"}})
	expectStatus(t, r, http.StatusSeeOther)
	if c := getChange(t, b, 1); c.Version != 5 || len(c.Operations) != 1 || c.Impact.ScheduleDays != 7 {
		t.Fatalf("after edit %+v", c)
	}
	expectStatus(t, b.post(page+"/submit", nil), http.StatusSeeOther)
	expectStatus(t, b.get(page+"/edit"), http.StatusConflict)

	// A second request by bob, for the filters.
	draftChange(t, ct.bob)
	all := ct.viewer.get("/projects/CRM/changes")
	expectContains(t, all, "CRM-CR-1", "CRM-CR-2", `<svg class="chart"`, "Requests by month and outcome", date.Of(time.Now()).String()[:7])
	mine := ct.viewer.get("/projects/CRM/changes?requester=" + itoa64(userID(t, ct.db, "mia@example.com")))
	if !strings.Contains(mine.body, "CRM-CR-1") || strings.Contains(mine.body, "CRM-CR-2") {
		t.Fatalf("filter by requester:\n%s", mine.body)
	}
	drafts := ct.viewer.get("/projects/CRM/changes?status=draft")
	if strings.Contains(drafts.body, "CRM-CR-1") || !strings.Contains(drafts.body, "CRM-CR-2") {
		t.Fatal("filter by status")
	}
	expectContains(t, ct.viewer.get("/projects/CRM/changes?month=2001-01"), "No change request matches these filters.")
	var l list[changeResponse]
	ct.viewer.api(http.MethodGet, "/api/v1/projects/CRM/changes?status=submitted", nil).decode(t, &l)
	if len(l.Items) != 1 || l.Items[0].Key != "CRM-CR-1" {
		t.Fatalf("API filter %+v", l.Items)
	}

	// Settings: only project managers, 1 to 20.
	r = ct.pm.post("/projects/CRM/changes/settings", url.Values{"approvals_needed": {"25"}, "rejection_rule": {"any"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "Between 1 and 20 approvals.")
	expectStatus(t, ct.sc1.post("/projects/CRM/changes/settings", url.Values{"approvals_needed": {"2"}, "rejection_rule": {"any"}}), http.StatusForbidden)

	// The API refuses bad input with field messages and writes nothing.
	r = b.api(http.MethodPost, "/api/v1/projects/CRM/changes", map[string]any{"title": "Bad", "impact": map[string]any{"affected": map[string]any{"roles": []string{"ceo"}}},
		"operations": []map[string]any{{"op": "set_phase", "number": 99}, {"op": "add_requirement", "requirement": map[string]any{"title": ""}}}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	var p problem
	r.decode(t, &p)
	if p.Errors["operations.0"] != "There is no requirement number 99 in this project." ||
		p.Errors["operations.1"] != "The new requirement's field “Approach” is not valid." ||
		p.Errors["impact.affected.roles"] == "" {
		t.Fatalf("problem %+v", p)
	}
	if n, _ := ct.db.NewSelect().Table("change_requests").Count(context.Background()); n != 2 {
		t.Fatalf("%d requests", n)
	}
	// PATCH replaces the operations it is given, with the version read.
	c := getChange(t, ct.bob, 2)
	expectStatus(t, ct.bob.api(http.MethodPatch, changePath(2, ""), map[string]any{"title": "x"}), http.StatusUnprocessableEntity)
	r = ct.bob.api(http.MethodPatch, changePath(2, ""), map[string]any{"version": c.Version,
		"operations": []map[string]any{{"op": "shift_milestone", "milestone_id": uat.ID, "days": -3}}})
	expectStatus(t, r, http.StatusOK)
	var patched changeResponse
	r.decode(t, &patched)
	if len(patched.Operations) != 1 || patched.Operations[0]["number"] != nil || patched.Operations[0]["days"] != float64(-3) ||
		patched.Version != c.Version+1 {
		t.Fatalf("after PATCH %+v", patched)
	}

	// In Chinese, with the status in words.
	ct.viewer.post("/lang", url.Values{"lang": {"zh-CN"}})
	expectContains(t, ct.viewer.get("/projects/CRM/changes"), "变更申请", "每月变更申请及结果", "已提交")
	ct.sc1.post("/lang", url.Values{"lang": {"zh-CN"}})
	r = ct.sc1.api(http.MethodPost, changePath(2, "/vote"), approve)
	expectStatus(t, r, http.StatusConflict)
	r.decode(t, &p)
	if p.Detail != "申请当前状态为「草稿」，无法执行这一步。" {
		t.Fatalf("problem %+v", p)
	}
}

// TestChangesInTheGatePack: the gate review's pack lists the requests
// pending a decision.
func TestChangesInTheGatePack(t *testing.T) {
	t.Parallel()
	ct := newChangeTeam(t)
	n := draftChange(t, ct.mia)
	expectStatus(t, ct.mia.api(http.MethodPost, changePath(n, "/submit"), nil), http.StatusOK)
	var gate milestone.View
	for _, m := range ct.milestones {
		if m.IsGate {
			gate = m
			break
		}
	}
	r := ct.pm.api(http.MethodPost, fmt.Sprintf("/api/v1/projects/CRM/milestones/%d/reviews", gate.ID),
		map[string]any{"scheduled_on": date.Of(time.Now()).String()})
	expectStatus(t, r, http.StatusCreated)
	var review struct {
		ID int64 `json:"id"`
	}
	r.decode(t, &review)
	page := ct.viewer.get(fmt.Sprintf("/projects/CRM/reviews/%d", review.ID))
	expectStatus(t, page, http.StatusOK)
	expectContains(t, page, `id="pack-changes"`, "CRM-CR-1", "Quote approval can wait")
}

// TestBrowserChangeRequestDraftToApplied: a member drafts a request that
// adds a requirement, the project manager submits it, a steering member
// approves it, the project manager applies it, and the new requirement is
// in the backlog.
func TestBrowserChangeRequestDraftToApplied(t *testing.T) {
	ct := newChangeTeam(t)
	u := newUI(t, serve(t, ct.app))
	signInAs := func(email string) {
		u.open("/signin")
		u.do(fill("#email", email, "#password", testPassword), submit(`form[action="/signin"]`, ".user-menu summary"))
	}
	signOut := func() {
		u.do(chromedp.Click(chromedp.CSS(".user-menu summary")), submit(`form[action="/signout"]`, `form[action="/signin"]`))
	}

	signInAs("mia@example.com")
	u.open("/projects/CRM/changes")
	u.do(chromedp.Click(chromedp.CSS(`a[href="/projects/CRM/changes/new"]`)), chromedp.WaitVisible(chromedp.CSS("#title")))
	u.do(fill("#title", "Capture WeChat leads in phase 1", "#reason", "Half of our leads arrive through WeChat",
		"#schedule_days", "5", "#cost", "12000", "#effort_days", "8"),
		chromedp.Click(chromedp.CSS(`input[name="departments"][value="sales"]`)),
		submit(`form.change-form`, ".flash-success"))
	u.do(chromedp.Click(chromedp.CSS(`details.op-form summary`)), // the first: add a requirement
		fill("#add-title", "WeChat lead capture", "#add-story", "As a rep I want WeChat leads in the CRM", "#add-tier", "must", "#add-kind", "integration"),
		submit("#op-add", ".flash-success"))
	if n := u.count("table.operations tbody tr"); n != 1 {
		t.Fatalf("%d operations after adding one", n)
	}
	signOut()

	signInAs("admin@example.com")
	u.open("/projects/CRM/changes/1")
	u.do(submit("#submit-form", ".flash-success"))
	if s := u.text("main .page-header h2 .badge"); s != "Submitted" {
		t.Fatalf("after submitting: %q", s)
	}
	signOut()

	signInAs("sc1@example.com")
	u.open("/projects/CRM/changes/1")
	u.do(fill("#comment", "Leads first: agreed"), submit("#vote-form", ".flash-success"))
	if s := u.text("main .page-header h2 .badge"); s != "Approved" {
		t.Fatalf("after the approval: %q", s)
	}
	signOut()

	signInAs("admin@example.com")
	u.open("/projects/CRM/changes/1")
	// Skip the confirmation dialog: the test answers it as a person would.
	u.do(chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`), submit("#apply-form", ".flash-success"))
	if s := u.text("main .page-header h2 .badge"); s != "Implemented" {
		t.Fatalf("after applying: %q", s)
	}
	if s := u.text("table.operations"); !strings.Contains(s, "CRM-4") {
		t.Fatalf("operations after applying:\n%s", s)
	}
	u.open("/projects/CRM/requirements")
	if s := u.text("main"); !strings.Contains(s, "WeChat lead capture") || !strings.Contains(s, "CRM-4") {
		t.Fatalf("the backlog:\n%.2000s", s)
	}
}
