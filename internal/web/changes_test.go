package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"

	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/milestone"
	"rollout/internal/project"
	"rollout/internal/requirement"
)

// changeTeam is project CRM (from the CRM template, so it has phases and
// milestones) with three requirements and one browser per person: the admin
// is its project manager.
type changeTeam struct {
	app        *fiber.App
	db         *database.DB
	pm         *browser // admin@example.com, project manager, not on the committee
	sc1, sc2   *browser // steering committee
	mia, bob   *browser // team members
	bo, viewer *browser
	phases     []project.Phase
	milestones []milestone.View
}

func newChangeTeam(t *testing.T) *changeTeam {
	t.Helper()
	app, db := testApp(t)
	pm := projectWithMembers(t, app, db, map[string]string{
		"sc1@example.com": "steering", "sc2@example.com": "steering", "mia@example.com": "member",
		"bob@example.com": "member", "bo@example.com": "business_owner", "vic@example.com": "viewer"})
	ct := &changeTeam{app: app, db: db, pm: pm,
		sc1: signIn(t, app, "sc1@example.com", testPassword), sc2: signIn(t, app, "sc2@example.com", testPassword),
		mia: signIn(t, app, "mia@example.com", testPassword), bob: signIn(t, app, "bob@example.com", testPassword),
		bo: signIn(t, app, "bo@example.com", testPassword), viewer: signIn(t, app, "vic@example.com", testPassword)}
	var phases list[project.Phase]
	pm.api(http.MethodGet, "/api/v1/projects/CRM/phases", nil).decode(t, &phases)
	var ms list[milestone.View]
	pm.api(http.MethodGet, "/api/v1/projects/CRM/milestones", nil).decode(t, &ms)
	if len(phases.Items) < 5 || len(ms.Items) < 6 {
		t.Fatalf("the CRM template gave %d phases and %d milestones", len(phases.Items), len(ms.Items))
	}
	ct.phases, ct.milestones = phases.Items, ms.Items
	for _, title := range []string{"Lead capture", "Quote approval", "Partner portal"} {
		expectStatus(t, pm.api(http.MethodPost, "/api/v1/projects/CRM/requirements", map[string]any{"title": title,
			"tier": "must", "kind": "feature", "approach": "configuration", "phase_id": phases.Items[2].ID}), http.StatusCreated)
	}
	return ct
}

// changeResponse is a change request as the API answers it.
type changeResponse struct {
	Key        string `json:"key"`
	Number     int    `json:"number"`
	Status     string `json:"status"`
	Version    int    `json:"version"`
	Approvals  int    `json:"approvals"`
	Rejections int    `json:"rejections"`
	Impact     struct {
		ScheduleDays int     `json:"schedule_days"`
		Cost         float64 `json:"cost"`
		EffortDays   float64 `json:"effort_days"`
		Affected     struct {
			Roles       []string `json:"roles"`
			Departments []string `json:"departments"`
			Note        string   `json:"note"`
		} `json:"affected"`
	} `json:"impact"`
	Operations  []map[string]any `json:"operations"`
	ApplyResult []struct {
		Op, Subject, Detail string
	} `json:"apply_result"`
	Votes []struct {
		VoterName string `json:"voter_name"`
		Approve   bool   `json:"approve"`
		Comment   string `json:"comment"`
	} `json:"votes"`
}

// draftChange drafts a request through the API as b and returns its number.
func draftChange(t *testing.T, b *browser, ops ...map[string]any) int {
	t.Helper()
	if ops == nil {
		ops = []map[string]any{{"op": "set_tier", "number": 2, "tier": "important"}}
	}
	r := b.api(http.MethodPost, "/api/v1/projects/CRM/changes", map[string]any{
		"title": "Quote approval can wait", "reason": "The pilot region quotes by phone", "operations": ops})
	expectStatus(t, r, http.StatusCreated)
	var c changeResponse
	r.decode(t, &c)
	return c.Number
}

func changePath(n int, rest string) string {
	return fmt.Sprintf("/api/v1/projects/CRM/changes/%d%s", n, rest)
}

func getChange(t *testing.T, b *browser, n int) changeResponse {
	t.Helper()
	r := b.api(http.MethodGet, changePath(n, ""), nil)
	expectStatus(t, r, http.StatusOK)
	var c changeResponse
	r.decode(t, &c)
	return c
}

var (
	approve = map[string]any{"approve": true, "comment": "Worth it"}
	reject  = map[string]any{"approve": false, "comment": "Not in phase 1"}
)

// TestChangeTransitionsByRoleAndState walks one request through its
// workflow, trying each step as someone who may not take it, and in a
// state where it is not possible, before the right person takes it.
func TestChangeTransitionsByRoleAndState(t *testing.T) {
	t.Parallel()
	ct := newChangeTeam(t)
	one := draftChange(t, ct.mia)   // mia's request
	other := draftChange(t, ct.bob) // stays a draft
	post, patch := http.MethodPost, http.MethodPatch
	steps := []struct {
		name   string
		who    *browser
		method string
		path   string
		body   any
		want   int
	}{
		{"a viewer cannot draft", ct.viewer, post, "/api/v1/projects/CRM/changes", map[string]any{"title": "x"}, http.StatusForbidden},
		{"vote on a draft", ct.sc1, post, changePath(other, "/vote"), approve, http.StatusConflict},
		{"another member cannot submit it", ct.bob, post, changePath(one, "/submit"), nil, http.StatusForbidden},
		{"a business owner cannot submit it", ct.bo, post, changePath(one, "/submit"), nil, http.StatusForbidden},
		{"a viewer cannot submit it", ct.viewer, post, changePath(one, "/submit"), nil, http.StatusForbidden},
		{"another member cannot edit it", ct.bob, patch, changePath(one, ""), map[string]any{"title": "Mine now", "version": 1}, http.StatusForbidden},
		{"the requester submits", ct.mia, post, changePath(one, "/submit"), nil, http.StatusOK},
		{"submitted twice", ct.mia, post, changePath(one, "/submit"), nil, http.StatusConflict},
		{"edit after submission", ct.mia, patch, changePath(one, ""), map[string]any{"title": "Late edit", "version": 2}, http.StatusConflict},
		{"apply on submitted", ct.pm, post, changePath(one, "/apply"), nil, http.StatusConflict},
		{"a project manager off the committee cannot vote", ct.pm, post, changePath(one, "/vote"), approve, http.StatusForbidden},
		{"a member cannot vote", ct.mia, post, changePath(one, "/vote"), approve, http.StatusForbidden},
		{"a vote needs a changeChoice", ct.sc1, post, changePath(one, "/vote"), map[string]any{"comment": "hmm"}, http.StatusUnprocessableEntity},
		{"steering votes", ct.sc1, post, changePath(one, "/vote"), approve, http.StatusOK},
		{"vote after the decision", ct.sc2, post, changePath(one, "/vote"), reject, http.StatusConflict},
		{"withdraw after the decision", ct.mia, post, changePath(one, "/withdraw"), nil, http.StatusConflict},
		{"steering cannot apply", ct.sc1, post, changePath(one, "/apply"), nil, http.StatusForbidden},
		{"the requester cannot apply", ct.mia, post, changePath(one, "/apply"), nil, http.StatusForbidden},
		{"the project manager applies", ct.pm, post, changePath(one, "/apply"), nil, http.StatusOK},
		{"applied twice", ct.pm, post, changePath(one, "/apply"), nil, http.StatusConflict},
		{"a project manager withdraws anyone's draft", ct.pm, post, changePath(other, "/withdraw"), nil, http.StatusOK},
		{"withdrawn twice", ct.bob, post, changePath(other, "/withdraw"), nil, http.StatusConflict},
	}
	for _, s := range steps {
		r := s.who.api(s.method, s.path, s.body)
		if r.StatusCode != s.want {
			t.Fatalf("%s: %s %s answered %d, want %d\n%s", s.name, s.method, s.path, r.StatusCode, s.want, r.body)
		}
	}
	if c := getChange(t, ct.viewer, one); c.Status != "implemented" || c.Approvals != 1 || c.Rejections != 0 {
		t.Fatalf("after the walk: %+v", c)
	}
	if c := getChange(t, ct.viewer, other); c.Status != "withdrawn" {
		t.Fatalf("the other request: %+v", c)
	}

	// The same rules hold on the pages: a third request, refused and taken
	// through the HTML forms.
	third := draftChange(t, ct.mia)
	page := fmt.Sprintf("/projects/CRM/changes/%d", third)
	expectStatus(t, ct.bob.post(page+"/submit", nil), http.StatusForbidden)
	expectStatus(t, ct.mia.post(page+"/apply", nil), http.StatusForbidden)
	r := ct.sc1.post(page+"/vote", url.Values{"approve": {"true"}})
	expectStatus(t, r, http.StatusConflict)
	expectContains(t, r, "That step is not possible while the request is “Draft”.")
	r = ct.mia.post(page+"/submit", nil)
	expectStatus(t, r, http.StatusSeeOther)
	expectContains(t, ct.mia.get(r.location()), "Submitted to the steering committee.")
	r = ct.pm.post(page+"/apply", nil)
	expectStatus(t, r, http.StatusConflict)
	expectContains(t, r, "That step is not possible while the request is “Submitted”.")
	expectStatus(t, ct.sc2.post(page+"/vote", url.Values{"approve": {"false"}, "comment": {"Not in phase 1"}}), http.StatusSeeOther)
	r = ct.mia.get(page)
	expectContains(t, r, "Rejected", "Not in phase 1", "sc2")
	expectStatus(t, ct.mia.post(page+"/withdraw", nil), http.StatusConflict)
}

// TestChangeRequesterNeverApprovesOwnRequest: a steering member who raised
// a request is refused when approving it, with the reason, and no vote is kept.
func TestChangeRequesterNeverApprovesOwnRequest(t *testing.T) {
	t.Parallel()
	ct := newChangeTeam(t)
	n := draftChange(t, ct.sc1)
	expectStatus(t, ct.sc1.api(http.MethodPost, changePath(n, "/submit"), nil), http.StatusOK)

	r := ct.sc1.api(http.MethodPost, changePath(n, "/vote"), approve)
	expectStatus(t, r, http.StatusForbidden)
	var p problem
	r.decode(t, &p)
	if !strings.Contains(p.Detail, "You raised this change request, so you cannot approve it") {
		t.Fatalf("problem %+v", p)
	}
	page := fmt.Sprintf("/projects/CRM/changes/%d", n)
	r = ct.sc1.post(page+"/vote", url.Values{"approve": {"true"}})
	expectStatus(t, r, http.StatusForbidden)
	expectContains(t, r, "so you cannot approve it")
	// The page offers the requester only the rejection.
	r = ct.sc1.get(page)
	expectContains(t, r, "you may still reject it", `value="false"`)
	if strings.Contains(r.body, `name="approve" value="true"`) {
		t.Fatal("the requester is offered the approve button")
	}
	if c := getChange(t, ct.sc1, n); len(c.Votes) != 0 || c.Status != "submitted" {
		t.Fatalf("after the refusal: %+v", c)
	}
	expectStatus(t, ct.sc2.api(http.MethodPost, changePath(n, "/vote"), approve), http.StatusOK)
	if c := getChange(t, ct.sc1, n); c.Status != "approved" {
		t.Fatalf("another member approving: %+v", c)
	}
}

// TestChangeSimultaneousVotesThroughHTTP: with two approvals needed, both
// steering members approve at the same moment; both votes count and the
// request is decided once.
func TestChangeSimultaneousVotesThroughHTTP(t *testing.T) {
	t.Parallel()
	ct := newChangeTeam(t)
	expectStatus(t, ct.pm.post("/projects/CRM/changes/settings", url.Values{"approvals_needed": {"2"}, "rejection_rule": {"majority"}}), http.StatusSeeOther)
	n := draftChange(t, ct.mia)
	expectStatus(t, ct.mia.api(http.MethodPost, changePath(n, "/submit"), nil), http.StatusOK)

	var wg sync.WaitGroup
	start := make(chan struct{})
	statuses := make([]int, 2)
	for i, b := range []*browser{ct.sc1, ct.sc2} {
		b.csrf() // before the race, so both only vote
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i] = b.api(http.MethodPost, changePath(n, "/vote"), approve).StatusCode
		}()
	}
	close(start)
	wg.Wait()
	if statuses[0] != http.StatusOK || statuses[1] != http.StatusOK {
		t.Fatalf("votes answered %v", statuses)
	}
	c := getChange(t, ct.pm, n)
	if c.Status != "approved" || c.Approvals != 2 || len(c.Votes) != 2 {
		t.Fatalf("after both votes: %+v", c)
	}
	entries, err := audit.List(context.Background(), ct.db, audit.Filter{Entity: "change_request", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	decisions := 0
	for _, e := range entries {
		if e.Action == "approved" {
			decisions++
		}
	}
	if decisions != 1 {
		t.Fatalf("decided %d times", decisions)
	}
}

// TestChangeApplyChangesBacklogAndMilestones: every kind of operation,
// applied, as the API shows the backlog and the plan afterwards.
func TestChangeApplyChangesBacklogAndMilestones(t *testing.T) {
	t.Parallel()
	ct := newChangeTeam(t)
	golive := ct.milestones[len(ct.milestones)-2]
	r := ct.mia.api(http.MethodPost, "/api/v1/projects/CRM/changes", map[string]any{
		"title": "Add WeChat lead capture, postpone the partner portal", "reason": "Half of our leads arrive through WeChat",
		"description": "Capture WeChat leads in phase 1; the partner portal moves to phase 3.", "expected_effect": "Lead conversion +2 points",
		"impact": map[string]any{"schedule_days": 7, "cost": 18000, "effort_days": 12.5,
			"affected": map[string]any{"roles": []string{"member"}, "departments": []string{"sales", "marketing"}, "note": "Field sales in the east"}},
		"operations": []map[string]any{
			{"op": "add_requirement", "requirement": map[string]any{"title": "WeChat lead capture", "user_story": "As a rep I want WeChat leads in the CRM",
				"tier": "must", "kind": "integration", "approach": "configuration", "phase_id": ct.phases[2].ID}},
			{"op": "remove_requirement", "number": 3},
			{"op": "set_tier", "number": 2, "tier": "important"},
			{"op": "set_phase", "number": 1, "phase_id": ct.phases[3].ID},
			{"op": "shift_milestone", "milestone_id": golive.ID, "days": 7},
		}})
	expectStatus(t, r, http.StatusCreated)
	var c changeResponse
	r.decode(t, &c)
	if c.Key != "CRM-CR-1" || c.Status != "draft" || c.Impact.Cost != 18000 || c.Impact.EffortDays != 12.5 ||
		len(c.Impact.Affected.Departments) != 2 || len(c.Operations) != 5 || c.Operations[4]["op"] != "shift_milestone" {
		t.Fatalf("created %+v", c)
	}
	expectStatus(t, ct.mia.api(http.MethodPost, changePath(1, "/submit"), nil), http.StatusOK)
	expectStatus(t, ct.sc1.api(http.MethodPost, changePath(1, "/vote"), approve), http.StatusOK)
	r = ct.pm.api(http.MethodPost, changePath(1, "/apply"), nil)
	expectStatus(t, r, http.StatusOK)
	r.decode(t, &c)
	if c.Status != "implemented" || len(c.ApplyResult) != 5 || c.ApplyResult[0].Subject != "CRM-4" {
		t.Fatalf("applied %+v", c)
	}

	var added, two, one requirement.View
	ct.viewer.api(http.MethodGet, "/api/v1/projects/CRM/requirements/4", nil).decode(t, &added)
	ct.viewer.api(http.MethodGet, "/api/v1/projects/CRM/requirements/2", nil).decode(t, &two)
	ct.viewer.api(http.MethodGet, "/api/v1/projects/CRM/requirements/1", nil).decode(t, &one)
	if added.Title != "WeChat lead capture" || added.Kind != requirement.Integration || added.Tier != requirement.Must {
		t.Fatalf("added %+v", added)
	}
	if two.Tier != requirement.Important || one.PhaseID == nil || *one.PhaseID != ct.phases[3].ID {
		t.Fatalf("tier %s, phase %v", two.Tier, one.PhaseID)
	}
	expectStatus(t, ct.viewer.api(http.MethodGet, "/api/v1/projects/CRM/requirements/3", nil), http.StatusNotFound)
	var moved milestone.View
	ct.viewer.api(http.MethodGet, fmt.Sprintf("/api/v1/projects/CRM/milestones/%d", golive.ID), nil).decode(t, &moved)
	if golive.PlannedOn.DaysUntil(moved.PlannedOn) != 7 {
		t.Fatalf("go-live %s → %s", golive.PlannedOn, moved.PlannedOn)
	}
	// The backlog's history names the request.
	var history list[audit.Entry]
	ct.viewer.api(http.MethodGet, "/api/v1/projects/CRM/requirements/2/history", nil).decode(t, &history)
	if len(history.Items) == 0 || history.Items[0].Ref != "CRM-CR-1" {
		t.Fatalf("history %+v", history.Items)
	}
	// …and the requirement page and the activity page link to it.
	expectContains(t, ct.viewer.get("/projects/CRM/requirements/2"), `href="/projects/CRM/changes/1">CRM-CR-1</a>`)
	expectContains(t, ct.viewer.get("/projects/CRM/activity?entity=requirement"), `<a href="/projects/CRM/changes/1">CRM-CR-1</a>`)
	// The request's page says what each operation did.
	page := ct.viewer.get("/projects/CRM/changes/1")
	expectStatus(t, page, http.StatusOK)
	expectContains(t, page, "Implemented", "CRM-4", "CRM-2 is now Important", "CRM-3 removed",
		golive.Name+" now planned for "+moved.PlannedOn.String(), "by Ada Admin", "Field sales in the east")
}

// TestChangeApplyConflictChangesNothing: a requirement the request touches
// is edited after the approval; applying changes nothing and lists it.
func TestChangeApplyConflictChangesNothing(t *testing.T) {
	t.Parallel()
	ct := newChangeTeam(t)
	n := draftChange(t, ct.mia,
		map[string]any{"op": "add_requirement", "requirement": map[string]any{"title": "WeChat lead capture", "tier": "must", "kind": "integration", "approach": "configuration"}},
		map[string]any{"op": "set_tier", "number": 2, "tier": "optional"})
	expectStatus(t, ct.mia.api(http.MethodPost, changePath(n, "/submit"), nil), http.StatusOK)
	expectStatus(t, ct.sc1.api(http.MethodPost, changePath(n, "/vote"), approve), http.StatusOK)
	var two requirement.View
	ct.pm.api(http.MethodGet, "/api/v1/projects/CRM/requirements/2", nil).decode(t, &two)
	expectStatus(t, ct.pm.api(http.MethodPatch, "/api/v1/projects/CRM/requirements/2",
		map[string]any{"title": "Quote approval with discounts", "version": two.Version}), http.StatusOK)
	count := func() int {
		n, err := ct.db.NewSelect().Table("requirements").Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	before := count()

	page := ct.pm.post(fmt.Sprintf("/projects/CRM/changes/%d/apply", n), nil)
	expectStatus(t, page, http.StatusConflict)
	expectContains(t, page, "Nothing was applied: 1 item(s) changed since the approval.", "CRM-2 Quote approval with discounts",
		"Changed since the approval")

	r := ct.pm.api(http.MethodPost, changePath(n, "/apply"), nil)
	expectStatus(t, r, http.StatusConflict)
	var p struct {
		Status    int    `json:"status"`
		Detail    string `json:"detail"`
		Conflicts []struct {
			Item     string `json:"item"`
			Approved int    `json:"approved_version"`
			Current  int    `json:"current_version"`
		} `json:"conflicts"`
	}
	r.decode(t, &p)
	if len(p.Conflicts) != 1 || p.Conflicts[0].Item != "requirement:2" || p.Conflicts[0].Current != p.Conflicts[0].Approved+1 {
		t.Fatalf("problem %+v", p)
	}
	if got := count(); got != before {
		t.Fatalf("%d requirements, had %d", got, before)
	}
	ct.pm.api(http.MethodGet, "/api/v1/projects/CRM/requirements/2", nil).decode(t, &two)
	if c := getChange(t, ct.pm, n); c.Status != "approved" || two.Tier != requirement.Must {
		t.Fatalf("status %s, tier %s", c.Status, two.Tier)
	}
}

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
	if p.Detail != "申请当前状态为「草稿」,无法执行这一步。" {
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
