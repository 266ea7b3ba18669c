package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/audit"
	"rollout/internal/database"
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
	expectContains(t, page, "Implemented", `href="/projects/CRM/requirements/4">CRM-4</a>`, "CRM-2 is now Important", "CRM-3 removed",
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
	expectContains(t, page, "Nothing was applied: 1 item changed since the approval.", "CRM-2 Quote approval with discounts",
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
