package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"rollout/internal/config"
	"rollout/internal/database"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
)

// TestReadingPagesWritesNothing shows that looking at a project (its home,
// dashboard, health page, plan, review, risk register, backlog, checklist and
// their API answers, the portfolio) writes nothing to the database.
//
// The method: the pages are served a second time by an app whose database
// connections start with default_transaction_read_only=on, so PostgreSQL
// itself refuses any INSERT, UPDATE or DELETE in any table (the page then
// fails with a 500). Counting rows of chosen tables would miss a write to a
// table nobody thought of, and the server-wide statistics (xact_commit, WAL
// position, transaction ids) move with the other tests running in parallel.
// The sessions were made by the writable app just before, so reading them
// does not refresh them.
func TestReadingPagesWritesNothing(t *testing.T) {
	t.Parallel()
	db, dsn := dbtest.NewWithDSN(t)
	logger := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	app, err := New(Deps{DB: db, Config: config.Config{Addr: "127.0.0.1:0"}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	admin := signUpAdmin(t, app)
	expectStatus(t, admin.post("/projects", url.Values{"key": {"CRM"}, "name": {"CRM rollout"}, "template": {"crm"},
		"starter_risks": {"dirty_data"}}), http.StatusSeeOther)
	today := date.Of(time.Now())
	gate := newMilestone(t, admin, "name", "Solution design approved", "planned_on", today.AddDays(7).String(), "is_gate", "true")
	// A milestone due today: the project has enough data for a health score.
	newMilestone(t, admin, "name", "Kick-off", "planned_on", today.String())
	r := admin.post(gate+"/reviews", url.Values{"scheduled_on": {today.AddDays(7).String()}})
	expectStatus(t, r, http.StatusSeeOther)
	review := r.location()
	// A comment that mentions the admin: My work and the item pages list it.
	expectStatus(t, admin.post(review+"/comments", url.Values{"body": {"@Ada Admin read the pack"}}), http.StatusSeeOther)
	// Usage figures: the adoption page and the dashboard draw them.
	expectStatus(t, admin.api(http.MethodPost, "/api/v1/projects/CRM/adoption", map[string]any{"rows": []map[string]any{
		{"week": today.AddDays(-7).String(), "department": "sales", "licensed_users": 20, "active_users": 15, "required_filled": 80}}}), http.StatusCreated)

	// This week's report: its pages and API only read it.
	r = admin.post("/projects/CRM/reports", nil)
	expectStatus(t, r, http.StatusSeeOther)
	report := r.location()

	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("default_transaction_read_only", "on")
	u.RawQuery = q.Encode()
	readOnly, err := database.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = readOnly.Close() })
	// The method works: a write through these connections is refused.
	if _, err := readOnly.ExecContext(context.Background(), "DELETE FROM health_snapshots"); err == nil {
		t.Fatal("a read-only connection wrote")
	}
	roApp, err := New(Deps{DB: readOnly, Config: config.Config{Addr: "127.0.0.1:0"}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	reader := &browser{t: t, app: roApp, cookies: admin.cookies}
	for _, path := range []string{"/projects/CRM", "/projects/CRM/dashboard", "/projects/CRM/health", "/projects/CRM/plan",
		review, "/portfolio", "/api/v1/projects/CRM/dashboard", "/api/v1/projects/CRM/health", "/api/v1/portfolio",
		"/api/v1" + review, "/projects/CRM/plan?against=current", gate, "/api/v1/projects/CRM/baselines",
		"/", "/api/v1/me/work", "/api/v1" + review + "/comments", "/projects/CRM/adoption", "/api/v1/projects/CRM/adoption",
		"/projects/CRM/adoption/export.xlsx", "/api/v1/projects/CRM/pitfalls/thresholds", "/api/v1" + review + "/actions",
		"/api/v1/projects/CRM/phases",
		"/projects/CRM/webhooks", "/api/v1/projects/CRM/webhooks", "/admin/deliveries", "/account",
		// The weekly reports, one of them and its print view.
		"/projects/CRM/reports", report, report + "/print", "/api/v1/projects/CRM/reports", "/api/v1" + report,
		// The aggregate pages of the read cache (readmodels.go) and their API.
		"/projects/CRM/risks", "/projects/CRM/risks?status=active&p=4&i=5", "/projects/CRM/risks?page=2", "/projects/CRM/requirements",
		"/projects/CRM/requirements?group=phase", "/projects/CRM/pitfalls", "/projects/CRM/dashboard.xlsx",
		"/api/v1/projects/CRM/risks", "/api/v1/projects/CRM/risks?limit=1&cursor=1", "/api/v1/projects/CRM/risks/heatmap", "/api/v1/projects/CRM/milestones",
		"/api/v1/projects/CRM/requirements/trend", "/api/v1/projects/CRM/pitfalls", "/api/v1/openapi.json"} {
		expectStatus(t, reader.get(path), http.StatusOK)
	}
	// And what a user sees: the health trend has today's score, no snapshot was kept.
	var h struct {
		Score int
		Trend []struct {
			Day   string
			Score int
		}
	}
	reader.get("/api/v1/projects/CRM/health").decode(t, &h)
	if len(h.Trend) != 1 || h.Trend[0].Day != today.String() || h.Trend[0].Score != h.Score {
		t.Fatalf("trend %+v, score %d", h.Trend, h.Score)
	}
	if n, err := db.NewSelect().Table("health_snapshots").Count(context.Background()); err != nil || n != 0 {
		t.Fatalf("%d snapshots (%v)", n, err)
	}
}
