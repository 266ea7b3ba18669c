package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"rollout/internal/database"
	"rollout/migrations"
)

// projectPages are the pages of project CRM (and the portfolio) that sum,
// average or chart the project's numbers: after any refused input, and after
// stored extremes are repaired, each must still answer 200.
var projectPages = []string{"/projects/CRM", "/projects/CRM/requirements", "/projects/CRM/dashboard",
	"/projects/CRM/health", "/projects/CRM/budget", "/portfolio", "/projects/CRM/risks", "/projects/CRM/plan",
	"/projects/CRM/goals", "/projects/CRM/changes", "/api/v1/projects/CRM/dashboard", "/api/v1/projects/CRM/budget",
	"/api/v1/projects/CRM/health", "/api/v1/portfolio", "/api/v1/projects/CRM/requirements", "/api/v1/projects/CRM/goals"}

func expectPagesAnswer(t *testing.T, b *browser) {
	t.Helper()
	for _, p := range projectPages {
		if r := b.get(p); r.StatusCode != http.StatusOK {
			t.Fatalf("%s answers %d:\n%.2000s", p, r.StatusCode, r.body)
		}
	}
}

// apiRaw sends a JSON body exactly as written (a duplicate key, trailing data).
func (b *browser) apiRaw(method, path, body string) response {
	b.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", b.csrf())
	return b.do(req)
}

// problemOf reads a problem+json answer's errors.
func problemOf(t *testing.T, r response) map[string]string {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q; body %s", ct, r.body)
	}
	var p problem
	r.decode(t, &p)
	return p.Errors
}

func rowCounts(t *testing.T, db database.IDB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"requirements", "goals", "measurements", "budget_lines", "spend_entries",
		"change_requests", "milestones", "risks", "audit_entries"} {
		var n int
		if err := db.NewRaw("SELECT count(*) FROM "+table).Scan(context.Background(), &n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// TestHostileInputIsRefusedAndPagesStillAnswer replays every case issue 15
// found: each is a 422 naming the field with a clear message, writes
// nothing, and leaves every page of the project answering 200.
func TestHostileInputIsRefusedAndPagesStillAnswer(t *testing.T) {
	t.Parallel()
	p := newBacklogProject(t)
	admin, db := p.admin, p.db
	expectStatus(t, admin.api(http.MethodPost, "/api/v1/projects/CRM/budget",
		map[string]any{"lines": []any{map[string]any{"category": "Licences", "planned": 1000}}}), http.StatusCreated)
	owner := userID(t, db, adminEmail)
	before := rowCounts(t, db)

	cases := []struct {
		name, method, path, body string
		field, want              string
	}{
		{"estimate 1e308", http.MethodPost, "/api/v1/projects/CRM/requirements",
			`{"title":"Lead import","tier":"must","kind":"feature","approach":"configuration","status":"proposed","estimate_days":1e308}`,
			"estimate_days", "between −36499 and 36499"},
		{"spend 1e308 twice", http.MethodPost, "/api/v1/projects/CRM/budget",
			`{"entries":[{"category":"Licences","spent_on":"2026-01-05","amount":1e308},{"category":"Licences","spent_on":"2026-01-06","amount":1e308}]}`,
			"entries[1].amount", "between −10,000,000,000,000 and 10,000,000,000,000"},
		{"lines planned 1e308", http.MethodPost, "/api/v1/projects/CRM/budget",
			`{"lines":[{"category":"Services","planned":1e308},{"category":"Travel","planned":1e308}]}`,
			"lines[0].planned", "10,000,000,000,000"},
		{"goal extremes", http.MethodPost, "/api/v1/projects/CRM/goals",
			`{"title":"Conversion","metric":"lead conversion","baseline":-1e308,"target":1e308,"direction":"increase","category":"business","owner_id":` + itoa64(owner) + `,"due_on":"2026-12-31"}`,
			"target", "1,000,000,000,000"},
		{"schedule impact 2^31", http.MethodPost, "/api/v1/projects/CRM/changes",
			`{"title":"Move go-live","impact":{"schedule_days":2147483648}}`, "schedule_days", "36499"},
		{"NUL in a title", http.MethodPost, "/api/v1/projects/CRM/requirements",
			`{"title":"Lead\u0000import","tier":"must","kind":"feature","approach":"configuration","status":"proposed"}`,
			"title", "control character"},
		{"unknown member", http.MethodPost, "/api/v1/projects/CRM/milestones",
			`{"name":"Design approved","planned_on":"2026-03-01","gate":true}`, "gate", "not known here"},
		{"duplicate member", http.MethodPost, "/api/v1/projects/CRM/milestones",
			`{"name":"Design approved","planned_on":"2026-03-01","is_gate":true,"is_gate":false}`, "is_gate", "more than once"},
		{"wrong type", http.MethodPost, "/api/v1/projects/CRM/milestones",
			`{"name":"Design approved","planned_on":"2026-03-01","is_gate":"yes"}`, "is_gate", "expected true / false"},
		{"trailing data", http.MethodPost, "/api/v1/projects/CRM/milestones",
			`{"name":"Design approved","planned_on":"2026-03-01"}{"name":"again"}`, "body", "not valid JSON"},
	}
	for _, c := range cases {
		r := admin.apiRaw(c.method, c.path, c.body)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: status %d, want 422: %s", c.name, r.StatusCode, r.body)
		}
		if got := problemOf(t, r)[c.field]; !strings.Contains(got, c.want) {
			t.Errorf("%s: errors[%s] = %q, want it to say %q (%s)", c.name, c.field, got, c.want, r.body)
		}
	}

	// NUL in forms, filters and the sign-in email: 422 naming the field, never 500.
	r := admin.post("/projects/CRM/requirements", url.Values{"title": {"Lead\x00import"}, "tier": {"must"},
		"kind": {"feature"}, "approach": {"configuration"}, "status": {"proposed"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "control character")
	expectStatus(t, admin.get("/projects/CRM/requirements?q=%00"), http.StatusUnprocessableEntity)
	r = admin.get("/api/v1/projects/CRM/requirements?q=%00")
	expectStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(problemOf(t, r)["q"], "control character") {
		t.Fatalf("?q=%%00: %s", r.body)
	}
	expectStatus(t, admin.get("/projects/CRM/requirements?q=%ff"), http.StatusUnprocessableEntity)
	stranger := newBrowser(t, p.app)
	r = stranger.post("/signin", url.Values{"email": {"admin\x00@example.com"}, "password": {"whatever-long"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "control character")

	// In Chinese, the same refusal speaks Chinese.
	admin.cookies[langCookie] = "zh-CN"
	r = admin.apiRaw(http.MethodPost, "/api/v1/projects/CRM/changes", `{"title":"x","impact":{"schedule_days":2147483648}}`)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	if got := problemOf(t, r)["schedule_days"]; !strings.Contains(got, "天数") {
		t.Fatalf("zh: %q", got)
	}
	admin.cookies[langCookie] = "en"

	// A NUL in an imported CSV is a problem in the preview, not a 500 at confirmation.
	csv := "title,tier,kind,approach\nLead\x00capture,must,feature,configuration\n"
	r = admin.uploadFile(reqImportPath, "backlog.csv", []byte(csv), nil)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "control character", "nothing was imported")

	if after := rowCounts(t, db); !mapsEqual(before, after) {
		t.Fatalf("refused input wrote: before %v after %v", before, after)
	}
	expectPagesAnswer(t, admin)
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestBadFiltersAreRefused: a filter that does not parse is a 422 naming the
// parameter (a message on the page), never the unfiltered list.
func TestBadFiltersAreRefused(t *testing.T) {
	t.Parallel()
	p := newBacklogProject(t)
	for _, c := range []struct{ path, param string }{
		{"/api/v1/projects/CRM/requirements?owner=zzz", "owner"},
		{"/api/v1/projects/CRM/requirements?tier=bogus", "tier"},
		{"/api/v1/projects/CRM/requirements?limit=-1", "limit"},
		{"/api/v1/projects/CRM/requirements?cursor=abc", "cursor"},
		{"/api/v1/projects/CRM/requirements?phase=first", "phase"},
		{"/api/v1/projects/CRM/risks?owner_id=zzz", "owner_id"},
		{"/api/v1/projects/CRM/risks?p=9", "p"},
		{"/api/v1/projects/CRM/risks/heatmap?overdue=maybe", "overdue"},
		{"/api/v1/projects/CRM/changes?requester_id=-3", "requester_id"},
		{"/api/v1/projects/CRM/changes?status=lost", "status"},
		{"/api/v1/projects/CRM/activity?cursor=x", "cursor"},
	} {
		r := p.admin.get(c.path)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d %s", c.path, r.StatusCode, r.body)
		}
		if got := problemOf(t, r)[c.param]; !strings.Contains(got, "is not a value this filter accepts") &&
			!strings.Contains(got, "“") {
			t.Errorf("%s: errors[%s] = %q", c.path, c.param, got)
		}
	}
	for _, path := range []string{"/projects/CRM/requirements?owner=zzz", "/projects/CRM/risks?p=x",
		"/projects/CRM/changes?requester=abc", "/projects/CRM/activity?before=z"} {
		r := p.admin.get(path)
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r, "is not a value this filter accepts")
	}
	// Good filters still filter.
	expectStatus(t, p.admin.get("/api/v1/projects/CRM/requirements?tier=must&limit=5&phase=none"), http.StatusOK)
}

// TestStoredExtremesAreClampedByTheMigration: data stored before the bounds
// existed (estimates of 1e308, spend and plans of 1e308, goals at ±1e308, a
// schedule impact of 2^31−1) is clamped by migration 0015, after which every
// page answers 200 and a gate review can be scheduled; the database then
// refuses such values itself.
func TestStoredExtremesAreClampedByTheMigration(t *testing.T) {
	t.Parallel()
	p := newBacklogProject(t)
	admin, db := p.admin, p.db
	ctx := context.Background()
	for _, title := range []string{"Lead capture", "Quote approval"} {
		expectStatus(t, admin.api(http.MethodPost, "/api/v1/projects/CRM/requirements", map[string]any{"title": title,
			"tier": "must", "kind": "feature", "approach": "configuration", "status": "proposed", "estimate_days": 3}), http.StatusCreated)
	}
	expectStatus(t, admin.api(http.MethodPost, "/api/v1/projects/CRM/budget", map[string]any{
		"lines":   []any{map[string]any{"category": "Licences", "planned": 1000}, map[string]any{"category": "Services", "planned": 1000}},
		"entries": []any{map[string]any{"category": "Licences", "spent_on": "2026-01-05", "amount": 10}, map[string]any{"category": "Services", "spent_on": "2026-01-06", "amount": 10}},
	}), http.StatusCreated)
	expectStatus(t, admin.api(http.MethodPost, "/api/v1/projects/CRM/changes", map[string]any{"title": "Move go-live",
		"impact": map[string]any{"schedule_days": 10}}), http.StatusCreated)
	gate := newMilestone(t, admin, "name", "Design approved", "planned_on", "2026-09-01", "is_gate", "true")

	// Put the old extremes back, as a database from before 0015 could hold them.
	down, err := migrations.FS.ReadFile("0015_input_bounds.down.sql")
	if err != nil {
		t.Fatal(err)
	}
	up, err := migrations.FS.ReadFile("0015_input_bounds.up.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{string(down),
		"UPDATE requirements SET estimate_days = 1e308",
		"UPDATE spend_entries SET amount = 1e308",
		"UPDATE budget_lines SET planned = 1e308",
		"UPDATE goals SET baseline = -1e308, target = 1e308",
		"UPDATE change_requests SET schedule_days = 2147483647, cost = 'Infinity'",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if r := admin.get("/projects/CRM/budget"); r.StatusCode != http.StatusInternalServerError {
		t.Logf("before the repair the budget page answered %d", r.StatusCode)
	}
	if _, err := db.ExecContext(ctx, string(up)); err != nil {
		t.Fatal(err)
	}
	var est, amount, baseline float64
	var days int
	if err := db.NewRaw(`SELECT (SELECT max(estimate_days) FROM requirements), (SELECT max(amount) FROM spend_entries),
		(SELECT min(baseline) FROM goals), (SELECT max(schedule_days) FROM change_requests)`).Scan(ctx, &est, &amount, &baseline, &days); err != nil {
		t.Fatal(err)
	}
	if est != 36499 || amount != 9999999999999 || baseline != -1e12 || days != 36499 {
		t.Fatalf("clamped to %v %v %v %v", est, amount, baseline, days)
	}
	expectPagesAnswer(t, admin)
	expectStatus(t, admin.post(gate+"/reviews", url.Values{"scheduled_on": {"2026-08-25"}}), http.StatusSeeOther)
	if _, err := db.ExecContext(ctx, "UPDATE requirements SET estimate_days = 1e308"); err == nil {
		t.Fatal("the database took an estimate of 1e308")
	}
}
