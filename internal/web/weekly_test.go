package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rollout/internal/date"
	"rollout/internal/demo"
	"rollout/internal/weekly"
)

// The weekly report pages and API on the demo project: the empty list with
// its build button, building (then building again) this week's report, its
// page with every section, the summary form (a stale version is a 409 that
// keeps what was typed; too long a 422), sending to a chosen role, and the
// rules: a non-member sees nothing (404), a viewer reads but neither builds,
// edits nor sends (403), a sent week is a 409 that says so.
func TestWeeklyReportPagesAndAPI(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	ctx := context.Background()
	if _, err := demo.Load(ctx, db, date.Of(time.Now())); err != nil {
		t.Fatal(err)
	}
	pm := signIn(t, app, "pm@demo.example", demo.Password)
	viewer := signIn(t, app, "consultant@demo.example", demo.Password)
	createUser(t, db, "outsider@example.com", "Otto", false)
	outsider := signIn(t, app, "outsider@example.com", testPassword)

	r := pm.get("/projects/DEMO/reports")
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "No weekly report yet", "Build this week&#39;s report", `action="/projects/DEMO/reports/settings"`)
	r = viewer.get("/projects/DEMO/reports")
	expectStatus(t, r, http.StatusOK)
	if strings.Contains(r.body, `action="/projects/DEMO/reports"`) || strings.Contains(r.body, "reports/settings") {
		t.Error("a viewer is offered to build the report or set its schedule")
	}
	expectStatus(t, outsider.get("/projects/DEMO/reports"), http.StatusNotFound)
	expectStatus(t, outsider.api(http.MethodGet, "/api/v1/projects/DEMO/reports", nil), http.StatusNotFound)
	expectStatus(t, outsider.api(http.MethodPost, "/api/v1/projects/DEMO/reports", nil), http.StatusNotFound)
	expectStatus(t, viewer.post("/projects/DEMO/reports", nil), http.StatusForbidden)
	expectStatus(t, viewer.api(http.MethodPost, "/api/v1/projects/DEMO/reports", nil), http.StatusForbidden)
	count := func() int {
		var n int
		if err := db.NewRaw("SELECT count(*) FROM weekly_reports").Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("%d reports after refused builds", n)
	}

	r = pm.post("/projects/DEMO/reports", nil)
	expectStatus(t, r, http.StatusSeeOther)
	path := r.Header.Get("Location")
	if !strings.HasPrefix(path, "/projects/DEMO/reports/") {
		t.Fatalf("build went to %q", path)
	}
	id := strings.TrimPrefix(path, "/projects/DEMO/reports/")
	page := pm.get(path)
	expectStatus(t, page, http.StatusOK)
	expectContains(t, page, "Weekly report, ", "Health", "Milestones done this week", "Milestones slipping",
		"Second mock migration", "Top risks", "Gate decisions this week", "Change requests this week",
		"Goals against their targets", `href="/projects/DEMO/milestones/`, `href="/projects/DEMO/risks/`, `href="/projects/DEMO/goals/`,
		`name="summary"`, `name="roles" value="steering"`, "data-confirm=", path+"/print")
	expectContains(t, viewer.get(path), "Second mock migration")
	if strings.Contains(viewer.get(path).body, `name="summary"`) {
		t.Error("a viewer is offered the summary form")
	}
	expectStatus(t, outsider.get(path), http.StatusNotFound)
	expectContains(t, pm.get(path+"/print"), "weekly-print", "data-print", "Milestones slipping")

	// The API: the list, the report with its content, building again.
	var list struct {
		Items []weekly.Report `json:"items"`
	}
	r = pm.api(http.MethodGet, "/api/v1/projects/DEMO/reports", nil)
	expectStatus(t, r, http.StatusOK)
	r.decode(t, &list)
	if len(list.Items) != 1 || strconv.FormatInt(list.Items[0].ID, 10) != id || list.Items[0].Status != "draft" {
		t.Fatalf("list %s", r.body)
	}
	var got struct {
		ID      int64          `json:"id"`
		Version int            `json:"version"`
		Summary string         `json:"summary"`
		Status  string         `json:"status"`
		Content weekly.Content `json:"content"`
	}
	r = viewer.api(http.MethodGet, "/api/v1/projects/DEMO/reports/"+id, nil)
	expectStatus(t, r, http.StatusOK)
	r.decode(t, &got)
	if len(got.Content.Slipping) == 0 || len(got.Content.Goals) == 0 || got.Content.Health.Score == nil {
		t.Fatalf("content %s", r.body)
	}
	r = pm.api(http.MethodPost, "/api/v1/projects/DEMO/reports", nil)
	expectStatus(t, r, http.StatusOK) // this week's draft, built again
	r.decode(t, &got)
	if strconv.FormatInt(got.ID, 10) != id || got.Version != 2 {
		t.Fatalf("built again: %s", r.body)
	}

	// The summary: stale version → 409 keeping the text; too long → 422; saved.
	typed := "Readiness review held; the second mock migration is the week's worry."
	r = pm.post(path+"/summary", url.Values{"summary": {typed}, "version": {"1"}})
	expectStatus(t, r, http.StatusConflict)
	expectContains(t, r, "Readiness review held; the second mock migration is the week&#39;s worry.")
	r = pm.post(path+"/summary", url.Values{"summary": {strings.Repeat("x", 2001)}, "version": {"2"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "The summary can be up to 2000 characters; it has 2001.", strings.Repeat("x", 2001))
	expectStatus(t, pm.api(http.MethodPatch, "/api/v1/projects/DEMO/reports/"+id, map[string]any{"summary": "x"}), http.StatusUnprocessableEntity)
	expectStatus(t, pm.api(http.MethodPatch, "/api/v1/projects/DEMO/reports/"+id, map[string]any{"summary": "x", "version": 1}), http.StatusConflict)
	expectStatus(t, viewer.api(http.MethodPatch, "/api/v1/projects/DEMO/reports/"+id, map[string]any{"summary": "x", "version": 2}), http.StatusForbidden)
	expectStatus(t, pm.post(path+"/summary", url.Values{"summary": {typed}, "version": {"2"}}), http.StatusSeeOther)
	r = pm.api(http.MethodGet, "/api/v1/projects/DEMO/reports/"+id, nil)
	r.decode(t, &got)
	if got.Summary != typed || got.Version != 3 {
		t.Fatalf("after the edit: %s", r.body)
	}

	// Sending: roles are needed; viewers may not; then it is sent and stays so.
	r = pm.post(path+"/send", url.Values{})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "Choose at least one role to send the report to.")
	expectStatus(t, viewer.post(path+"/send", url.Values{"roles": {"steering"}}), http.StatusForbidden)
	expectStatus(t, viewer.api(http.MethodPost, "/api/v1/projects/DEMO/reports/"+id+"/send", map[string]any{"roles": []string{"steering"}}), http.StatusForbidden)
	expectStatus(t, pm.post(path+"/send", url.Values{"roles": {"steering"}}), http.StatusSeeOther)
	r = pm.get(path)
	expectContains(t, r, "Sent", "to Steering committee", strings.ReplaceAll(typed, "'", "&#39;"))
	if strings.Contains(r.body, `name="summary"`) || strings.Contains(r.body, path+"/send") {
		t.Error("a sent report still offers its forms")
	}
	r = pm.api(http.MethodPost, "/api/v1/projects/DEMO/reports", nil)
	expectStatus(t, r, http.StatusConflict)
	expectContains(t, r, "has been sent and stays as it was sent")
	expectStatus(t, pm.api(http.MethodPost, "/api/v1/projects/DEMO/reports/"+id+"/send", map[string]any{"roles": []string{"steering"}}), http.StatusConflict)
	expectContains(t, pm.get("/projects/DEMO/reports"), "This week&#39;s report has been sent.")

	// Chinese.
	pm.lang = "zh-CN"
	pm.cookies[langCookie] = "zh-CN"
	expectContains(t, pm.get(path), "延误的里程碑", "最高风险", "目标与目标值", "已发送")
}
