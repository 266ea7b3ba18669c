package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"rollout/internal/adoption"
	"rollout/internal/date"
	"rollout/internal/project"
)

// adoptionRows counts the project's stored usage figures.
func adoptionRows(t *testing.T, p *importProject) int {
	t.Helper()
	n, err := p.db.NewSelect().Table("adoption_figures").Where("project_id = ?", p.id).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

type adoptionPost struct {
	Created, Replaced, Unchanged int
	Items                        []struct {
		Week        string  `json:"week"`
		Department  string  `json:"department"`
		ActiveUsers int64   `json:"active_users"`
		ActiveShare float64 `json:"active_share"`
		Version     int     `json:"version"`
	}
}

func TestAdoptionAPI(t *testing.T) {
	t.Parallel()
	p := newImportProject(t)
	b := p.admin
	week := adoption.WeekName(date.Of(time.Now()).AddDays(-7))
	rows := []map[string]any{
		{"week": week, "department": "sales", "licensed_users": 40, "active_users": 30, "leads_created": 120, "required_filled": 91.5},
		{"week": week, "department": "service", "role": "agent", "licensed_users": 20, "active_users": 12},
	}
	r := b.api(http.MethodPost, "/api/v1/projects/CRM/adoption", map[string]any{"rows": rows})
	expectStatus(t, r, http.StatusCreated)
	var got adoptionPost
	r.decode(t, &got)
	if got.Created != 2 || got.Items[0].ActiveShare != 75 || got.Items[0].Week != week {
		t.Fatalf("%+v", got)
	}
	// The same week again replaces its figures, and says so.
	rows[0]["active_users"] = 34
	r = b.api(http.MethodPost, "/api/v1/projects/CRM/adoption", map[string]any{"rows": rows})
	expectStatus(t, r, http.StatusOK)
	r.decode(t, &got)
	if got.Replaced != 1 || got.Unchanged != 1 || got.Items[0].Version != 2 || adoptionRows(t, p) != 2 {
		t.Fatalf("%+v", got)
	}
	// All or nothing: a bad row refuses the batch, naming the row.
	r = b.api(http.MethodPost, "/api/v1/projects/CRM/adoption", map[string]any{"rows": []map[string]any{
		{"week": week, "department": "marketing", "licensed_users": 10, "active_users": 5},
		{"week": week, "department": "finance", "licensed_users": 10, "active_users": 11},
	}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, `"rows[1].active_users"`, "11 active users is more than the 10 licensed")
	r = b.api(http.MethodPost, "/api/v1/projects/CRM/adoption", map[string]any{"rows": []map[string]any{
		{"week": "2026-W99", "licensed_users": 10, "active_users": 5, "required_filled": 120}}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, `"rows[0].week"`, `"rows[0].required_filled"`)
	r = b.api(http.MethodPost, "/api/v1/projects/CRM/adoption", map[string]any{"rows": rows, "source": "crm"})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	if adoptionRows(t, p) != 2 {
		t.Fatal("a refused batch wrote something")
	}
	r = b.api(http.MethodGet, "/api/v1/projects/CRM/adoption", nil)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, `"week":"`+week+`"`, `"active_users":34`, `"source":"api"`)

	// Viewers read, never write.
	createUser(t, p.db, "vic@example.com", "Vic Viewer", false)
	pm := userID(t, p.db, adminEmail)
	if _, err := project.AddMember(context.Background(), p.db, pm, p.id, project.MemberInput{Email: "vic@example.com", Role: project.RoleViewer, Department: project.DeptVendor}); err != nil {
		t.Fatal(err)
	}
	vic := signIn(t, p.app, "vic@example.com", testPassword)
	expectStatus(t, vic.api(http.MethodGet, "/api/v1/projects/CRM/adoption", nil), http.StatusOK)
	expectStatus(t, vic.api(http.MethodPost, "/api/v1/projects/CRM/adoption", map[string]any{"rows": rows}), http.StatusForbidden)
	expectStatus(t, vic.get("/projects/CRM/adoption/import"), http.StatusForbidden)
}

func TestAdoptionImportPageAndChart(t *testing.T) {
	t.Parallel()
	p := newImportProject(t)
	b := p.admin
	// Nothing yet: the page and the dashboard say so.
	expectContains(t, b.get("/projects/CRM/adoption"), "No usage figures yet")
	expectContains(t, b.get("/projects/CRM/dashboard"), "Active users per department", "No usage figures yet")

	today := date.Of(time.Now())
	w1, w2 := adoption.WeekName(today.AddDays(-14)), adoption.WeekName(today.AddDays(-7))
	csv := fmt.Sprintf("周次,部门,授权用户数,活跃用户数,必填字段完整率\n%s,销售,40,30,90%%\n%s,Service,20,10,\n%s,sales,40,32,88\n", w1, w1, w2)
	r := b.uploadFile("/projects/CRM/adoption/import", "usage.csv", []byte(csv), nil)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "3 rows are ready to import", w2)
	if adoptionRows(t, p) != 0 {
		t.Fatal("the preview wrote")
	}
	r = b.post("/projects/CRM/adoption/import", url.Values{"confirm": {"1"}, "rows": {previewRows(r)}})
	expectStatus(t, r, http.StatusSeeOther)
	if adoptionRows(t, p) != 3 {
		t.Fatalf("%d rows", adoptionRows(t, p))
	}
	// The same file again with one week changed: the preview says what is replaced.
	csv2 := fmt.Sprintf("week,department,licensed users,active users\n%s,sales,40,35\n", w2)
	r = b.uploadFile("/projects/CRM/adoption/import", "usage.csv", []byte(csv2), nil)
	expectContains(t, r, "Replaces", "was 32 of 40 active")
	// A bad row: the preview names it and offers nothing to confirm.
	bad := fmt.Sprintf("week,department,licensed users,active users\n%s,sales,40,41\nnext week,sales,4.5,1\n", w2)
	r = b.uploadFile("/projects/CRM/adoption/import", "usage.csv", []byte(bad), nil)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "41 active users is more than the 40 licensed", "is not a week", "“4.5” is not a whole number")
	if previewRows(r) != "" {
		t.Error("a preview with problems offers a confirmation")
	}

	// The chart marks the adoption goal's target (the first adoption goal in percent).
	page := b.get("/projects/CRM/adoption")
	expectStatus(t, page, http.StatusOK)
	expectContains(t, page, "data-chart=", "Target 30 %", w1, w2, "Sales", "Service", "75 %")
	dash := b.get("/projects/CRM/dashboard")
	expectContains(t, dash, `id="usage"`, "Target 30 %")
	// In Chinese too.
	b.cookies[langCookie] = "zh-CN"
	expectContains(t, b.get("/projects/CRM/adoption"), "各部门活跃用户占比", "销售")
}
