package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"rollout/internal/database"
	"rollout/internal/date"

	"rollout/internal/audit"
	"rollout/internal/project"
)

func TestSessionFixationIsPrevented(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	createUser(t, db, "li@example.com", "Li", false)
	b := newBrowser(t, app)
	// An attacker plants a session id before the victim signs in.
	planted := "attacker-chosen-session-id-0000000000000000"
	b.cookies["rollout_session"] = planted
	r := b.post("/signin", url.Values{"email": {"li@example.com"}, "password": {testPassword}})
	expectStatus(t, r, http.StatusSeeOther)
	if got := b.cookies["rollout_session"]; got == "" || got == planted {
		t.Fatalf("session id after sign-in %q", got)
	}
	attacker := newBrowser(t, app)
	attacker.cookies["rollout_session"] = planted
	expectStatus(t, attacker.api(http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized)
	// And the victim's own earlier session ends on a new sign-in.
	first := b.cookies["rollout_session"]
	b.post("/signin", url.Values{"email": {"li@example.com"}, "password": {testPassword}})
	old := newBrowser(t, app)
	old.cookies["rollout_session"] = first
	expectStatus(t, old.api(http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized)
	expectStatus(t, b.api(http.MethodGet, "/api/v1/me", nil), http.StatusOK)
}

func TestFormsWithoutCSRFTokenChangeNothing(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	r := admin.postRaw("/projects", url.Values{"key": {"CRM"}, "name": {"CRM"}})
	expectStatus(t, r, http.StatusForbidden)
	expectContains(t, r, "This form has expired")
	r = admin.postRaw("/projects", url.Values{"key": {"CRM"}, "name": {"CRM"}, "_csrf": {"forged-token"}})
	expectStatus(t, r, http.StatusForbidden)
	// The JSON API with a session cookie needs the header too.
	req := jsonRequest(http.MethodPost, "/api/v1/projects", `{"key":"CRM","name":"CRM"}`)
	expectStatus(t, admin.do(req), http.StatusForbidden)
	if n, _ := db.NewSelect().Table("projects").Count(context.Background()); n != 0 {
		t.Fatalf("%d projects written", n)
	}
	// A Bearer token needs no CSRF token: it is not sent by browsers on their own.
}

func TestTheLastProjectManagerStays(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	expectStatus(t, admin.post("/projects", url.Values{"key": {"CRM"}, "name": {"CRM"}}), http.StatusSeeOther)
	me := userID(t, db, "admin@example.com")
	path := "/projects/CRM/members/" + itoa64(me)

	r := admin.post(path+"/remove", nil)
	expectStatus(t, r, http.StatusConflict)
	expectContains(t, r, "at least one project manager")
	r = admin.post(path, url.Values{"role": {"viewer"}, "department": {"it"}, "version": {"1"}})
	expectStatus(t, r, http.StatusConflict)
	r = admin.api(http.MethodDelete, "/api/v1/projects/CRM/members/"+itoa64(me), nil)
	expectStatus(t, r, http.StatusConflict)
	m, err := project.MemberOf(context.Background(), db, projectID(t, db, "CRM"), me)
	if err != nil || m.Role != project.RoleProjectManager || m.Version != 1 {
		t.Fatalf("member changed: %+v %v", m, err)
	}
	// With a second project manager the first may step down.
	createUser(t, db, "wang@example.com", "Wang", false)
	expectStatus(t, admin.post("/projects/CRM/members", url.Values{"email": {"wang@example.com"}, "role": {"project_manager"}, "department": {"sales"}}), http.StatusSeeOther)
	expectStatus(t, admin.post(path, url.Values{"role": {"viewer"}, "department": {"it"}, "version": {"1"}}), http.StatusSeeOther)
}

func TestStaleVersionIsRefusedAndNothingWritten(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	expectStatus(t, admin.post("/projects", url.Values{"key": {"CRM"}, "name": {"Before"}}), http.StatusSeeOther)
	var p projectJSON
	admin.api(http.MethodGet, "/api/v1/projects/CRM", nil).decode(t, &p)

	// Someone else saves first.
	r := admin.api(http.MethodPatch, "/api/v1/projects/CRM", map[string]any{"name": "Theirs", "version": p.Version})
	expectStatus(t, r, http.StatusOK)
	// Our edit, based on the old version, is refused.
	r = admin.api(http.MethodPatch, "/api/v1/projects/CRM", map[string]any{"name": "Mine", "version": p.Version})
	expectStatus(t, r, http.StatusConflict)
	expectContains(t, r, "changed this item after you opened it")
	r = admin.post("/projects/CRM/edit", url.Values{"name": {"Mine"}, "version": {itoa64(int64(p.Version))}})
	expectStatus(t, r, http.StatusConflict)
	expectContains(t, r, "changed this item after you opened it", `value="Mine"`)
	// A PATCH that names no version is refused too.
	r = admin.api(http.MethodPatch, "/api/v1/projects/CRM", map[string]any{"name": "Mine"})
	expectStatus(t, r, http.StatusUnprocessableEntity)

	admin.api(http.MethodGet, "/api/v1/projects/CRM", nil).decode(t, &p)
	if p.Name != "Theirs" || p.Version != 2 {
		t.Fatalf("project now %q v%d", p.Name, p.Version)
	}
	entries, _ := audit.List(context.Background(), db, audit.Filter{ProjectID: p.ID, Entity: "project", Limit: 10})
	if len(entries) != 2 {
		t.Fatalf("%d project entries, want create + one update", len(entries))
	}
}

func TestArchivedProjectIsReadOnly(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	expectStatus(t, admin.post("/projects", url.Values{"key": {"CRM"}, "name": {"CRM"}}), http.StatusSeeOther)
	expectStatus(t, admin.post("/projects/CRM/archive", nil), http.StatusSeeOther)
	r := admin.post("/projects/CRM/phases", url.Values{"name": {"Extra"}})
	expectStatus(t, r, http.StatusForbidden)
	expectContains(t, r, "archived and read-only")
	expectStatus(t, admin.get("/projects/CRM"), http.StatusOK)
	// It leaves the main list for the archive list.
	if r := admin.get("/projects"); contains(r.body, "/projects/CRM\"") {
		t.Fatal("archived project in the active list")
	}
	expectContains(t, admin.get("/projects?archived=1"), "/projects/CRM")
	expectStatus(t, admin.post("/projects/CRM/restore", nil), http.StatusSeeOther)
	expectStatus(t, admin.post("/projects/CRM/phases", url.Values{"name": {"Extra"}}), http.StatusSeeOther)
	_ = db
}

func TestDeletingAProjectNeedsItsKey(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	expectStatus(t, admin.post("/projects", url.Values{"key": {"CRM"}, "name": {"CRM"}}), http.StatusSeeOther)
	r := admin.post("/projects/CRM/delete", url.Values{"confirm_key": {"crm"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "Type exactly CRM")
	expectStatus(t, admin.get("/projects/CRM"), http.StatusOK)
	expectStatus(t, admin.post("/projects/CRM/delete", url.Values{"confirm_key": {"CRM"}}), http.StatusSeeOther)
	expectStatus(t, admin.get("/projects/CRM"), http.StatusNotFound)
	entries, _ := audit.List(context.Background(), db, audit.Filter{Entity: "project", Limit: 10})
	if len(entries) == 0 || entries[0].Action != audit.Delete || entries[0].EntityID != "CRM" {
		t.Fatalf("no instance-wide delete entry: %+v", entries)
	}
}

// Every kind of write leaves an entry: who, what, before and after.
func TestEveryWriteIsAudited(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	createUser(t, db, "wang@example.com", "Wang", false)
	steps := []struct {
		do   func() response
		want string // entity.action of the newest entry afterwards
	}{
		{func() response { return admin.post("/projects", url.Values{"key": {"CRM"}, "name": {"CRM"}}) }, "milestone.create"},
		{func() response {
			return admin.post("/projects/CRM/edit", url.Values{"name": {"CRM 2026"}, "scope_in": {"Leads to cash"}, "version": {"1"},
				"current_phase_id": {itoa64(deref(currentPhase(t, db)))}})
		}, "project.update"},
		{func() response { return admin.post("/projects/CRM/phases", url.Values{"name": {"Hypercare"}}) }, "phase.create"},
		{func() response {
			return admin.post("/projects/CRM/phases/"+itoa64(lastPhase(t, db))+"/move", url.Values{"direction": {"up"}})
		}, "phase.move"},
		{func() response {
			return admin.post("/projects/CRM/phases/"+itoa64(lastPhase(t, db)), url.Values{"name": {"Wrap-up"}, "version": {"2"}})
		}, "phase.update"},
		{func() response { return admin.post("/projects/CRM/phases/"+itoa64(lastPhase(t, db))+"/delete", nil) }, "phase.delete"},
		{func() response {
			return admin.post("/projects/CRM/members", url.Values{"email": {"wang@example.com"}, "role": {"viewer"}, "department": {"sales"}})
		}, "member.create"},
		{func() response {
			return admin.post("/projects/CRM/members/"+itoa64(userID(t, db, "wang@example.com")), url.Values{"role": {"member"}, "department": {"sales"}, "version": {"1"}})
		}, "member.update"},
		{func() response {
			return admin.post("/projects/CRM/members/"+itoa64(userID(t, db, "wang@example.com"))+"/remove", nil)
		}, "member.delete"},
		{func() response { return admin.post("/projects/CRM/archive", nil) }, "project.archive"},
		{func() response { return admin.post("/projects/CRM/restore", nil) }, "project.restore"},
	}
	for i, st := range steps {
		r := st.do()
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("step %d (%s): %d\n%.600s", i, st.want, r.StatusCode, r.body)
		}
		entries, err := audit.List(context.Background(), db, audit.Filter{ProjectID: projectID(t, db, "CRM"), Limit: 1})
		if err != nil || len(entries) == 0 {
			t.Fatalf("step %d: %v", i, err)
		}
		e := entries[0]
		if e.Entity+"."+e.Action != st.want || e.ActorName != "Ada Admin" {
			t.Fatalf("step %d: newest entry %s.%s by %q, want %s", i, e.Entity, e.Action, e.ActorName, st.want)
		}
	}
	// An update keeps exactly what changed, before and after.
	entries, _ := audit.List(context.Background(), db, audit.Filter{ProjectID: projectID(t, db, "CRM"), Entity: "project", Limit: 10})
	for _, e := range entries {
		if e.Action == audit.Update {
			changes := map[string]audit.Change{}
			for _, c := range e.Changes() {
				changes[c.Field] = c
			}
			if changes["name"].Before != "CRM" || changes["name"].After != "CRM 2026" || changes["scope_in"].After != "Leads to cash" || len(changes) != 2 {
				t.Fatalf("update entry %+v", e.Changes())
			}
		}
	}
	// The activity page shows them, filtered by kind.
	page := admin.get("/projects/CRM/activity?entity=member")
	expectStatus(t, page, http.StatusOK)
	expectContains(t, page, "Wang", `<strong class="history-field">Role</strong>: <del>Viewer</del> → Team member`)
}

func TestOutsidersCannotTellAProjectExists(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	expectStatus(t, admin.post("/projects", url.Values{"key": {"CRM"}, "name": {"Confidential rollout"}}), http.StatusSeeOther)
	createUser(t, db, "zhao@example.com", "Zhao", false)
	zhao := signIn(t, app, "zhao@example.com", testPassword)
	existing := zhao.get("/projects/CRM")
	missing := zhao.get("/projects/NOPE")
	expectStatus(t, existing, http.StatusNotFound)
	expectStatus(t, missing, http.StatusNotFound)
	for _, r := range []response{existing, zhao.get("/projects"), zhao.api(http.MethodGet, "/api/v1/projects", nil),
		zhao.api(http.MethodGet, "/api/v1/projects/CRM", nil)} {
		if contains(r.body, "Confidential") {
			t.Fatalf("the outsider sees the project's name:\n%s", r.body)
		}
	}
}

func userID(t *testing.T, db database.IDB, email string) int64 {
	t.Helper()
	var id int64
	if err := db.NewSelect().Table("users").Column("id").Where("lower(email) = lower(?)", email).Scan(context.Background(), &id); err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return id
}

// lastPhase is the id of the last phase of project CRM.
func lastPhase(t *testing.T, db database.IDB) int64 {
	t.Helper()
	var id int64
	err := db.NewSelect().Table("phases").Column("phases.id").Join("JOIN projects AS p ON p.id = phases.project_id").
		Where("p.key = 'CRM'").OrderExpr("phases.position DESC").Limit(1).Scan(context.Background(), &id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func currentPhase(t *testing.T, db database.IDB) *int64 {
	t.Helper()
	var id *int64
	if err := db.NewSelect().Table("projects").Column("current_phase_id").Where("key = 'CRM'").Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	return id
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func contains(s, part string) bool { return strings.Contains(s, part) }

func jsonRequest(method, path, body string) *http.Request {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}

// A viewer cannot be made the owner of an item, and changes nothing, even an
// item they owned before they became a viewer.
func TestViewersChangeNothingTheyOwn(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	expectStatus(t, admin.post("/projects", url.Values{"key": {"CRM"}, "name": {"CRM"}}), http.StatusSeeOther)
	createUser(t, db, "vic@example.com", "Vic", false)
	expectStatus(t, admin.post("/projects/CRM/members", url.Values{"email": {"vic@example.com"}, "role": {"member"}, "department": {"vendor"}}), http.StatusSeeOther)
	vic := userID(t, db, "vic@example.com")
	r := admin.api(http.MethodPost, "/api/v1/projects/CRM/requirements", map[string]any{"title": "Lead capture", "tier": "must",
		"kind": "feature", "approach": "configuration", "owner_id": vic})
	expectStatus(t, r, http.StatusCreated)
	expectStatus(t, admin.api(http.MethodPatch, "/api/v1/projects/CRM/members/"+itoa64(vic), map[string]any{"role": "viewer",
		"department": "vendor", "version": 1}), http.StatusOK)
	r = admin.api(http.MethodPost, "/api/v1/projects/CRM/requirements", map[string]any{"title": "Pipeline report", "tier": "must",
		"kind": "report", "approach": "configuration", "owner_id": vic})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "A viewer cannot own a requirement")
	viewer := signIn(t, app, "vic@example.com", testPassword)
	expectStatus(t, viewer.get("/projects/CRM/requirements/1/edit"), http.StatusForbidden)
	expectStatus(t, viewer.api(http.MethodPatch, "/api/v1/projects/CRM/requirements/1", map[string]any{"title": "Mine now", "version": 1}), http.StatusForbidden)
	var got struct{ Title string }
	admin.api(http.MethodGet, "/api/v1/projects/CRM/requirements/1", nil).decode(t, &got)
	if got.Title != "Lead capture" {
		t.Fatalf("title now %q", got.Title)
	}
}

// Text people type is shown as text on every page, charts included.
func TestUserTextIsEscapedEverywhere(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	evil := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	expectStatus(t, admin.post("/projects", url.Values{"key": {"CRM"}, "name": {evil}, "scope_in": {evil}}), http.StatusSeeOther)
	me := userID(t, db, "admin@example.com")
	expectStatus(t, admin.post("/projects/CRM/goals", goalForm(me, "title", evil, "metric", evil)), http.StatusSeeOther)
	today := date.Of(time.Now())
	expectStatus(t, admin.post("/projects/CRM/goals/1/measurements", url.Values{"value": {"22"}, "measured_on": {today.String()}, "note": {evil}}), http.StatusSeeOther)
	expectStatus(t, admin.api(http.MethodPost, "/api/v1/projects/CRM/requirements", map[string]any{"title": evil, "user_story": evil,
		"acceptance_criteria": []string{evil}, "tier": "must", "kind": "integration", "approach": "configuration"}), http.StatusCreated)
	expectStatus(t, admin.api(http.MethodPost, "/api/v1/projects/CRM/risks", map[string]any{"title": evil, "category": "integration",
		"probability": 4, "impact": 5, "owner_id": me, "mitigation": evil}), http.StatusCreated)
	expectStatus(t, admin.api(http.MethodPost, "/api/v1/projects/CRM/milestones", map[string]any{"name": evil, "planned_on": today.AddDays(10).String(),
		"is_gate": true, "deliverables": []string{evil}}), http.StatusCreated)
	for _, path := range []string{"/projects", "/projects/CRM", "/projects/CRM/dashboard", "/projects/CRM/goals", "/projects/CRM/goals/1",
		"/projects/CRM/requirements", "/projects/CRM/requirements/1", "/projects/CRM/risks", "/projects/CRM/risks/1",
		"/projects/CRM/plan", "/projects/CRM/health", "/projects/CRM/activity", "/portfolio"} {
		r := admin.get(path)
		expectStatus(t, r, http.StatusOK)
		if strings.Contains(r.body, "<script>alert") || strings.Contains(r.body, "<img src=x") {
			t.Fatalf("%s shows the text as markup", path)
		}
	}
}
