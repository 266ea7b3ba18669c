package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/project"
)

func TestCreateProjectFromCRMTemplate(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)

	r := admin.post("/projects", url.Values{"key": {"crm"}, "name": {"CRM rollout"}, "template": {"crm"},
		"department": {"sales"}, "sponsor": {"Li Wei"}, "sponsor_department": {"sales"}})
	expectStatus(t, r, http.StatusSeeOther)
	if r.location() != "/projects/CRM" {
		t.Fatalf("redirect %q", r.location())
	}
	page := admin.get("/projects/CRM")
	expectStatus(t, page, http.StatusOK)
	expectContains(t, page, "CRM rollout", "Initiation", "Selection", "Implementation", "Rollout", "Operate &amp; improve", "Project created.")

	var phases list[project.Phase]
	admin.api(http.MethodGet, "/api/v1/projects/CRM/phases", nil).decode(t, &phases)
	if len(phases.Items) != 5 || phases.Items[0].Name != "Initiation" || phases.Items[4].Position != 5 {
		t.Fatalf("phases %+v", phases.Items)
	}
	entries, err := audit.List(context.Background(), db, audit.Filter{ProjectID: projectID(t, db, "CRM")})
	if err != nil {
		t.Fatal(err)
	}
	// The project, its first member and five phases, all recorded.
	kinds := map[string]int{}
	for _, e := range entries {
		kinds[e.Entity+"."+e.Action]++
	}
	if kinds["project.create"] != 1 || kinds["member.create"] != 1 || kinds["phase.create"] != 5 {
		t.Fatalf("audit %v", kinds)
	}
}

func TestCreateProjectRefusesBadInputAndWritesNothing(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	for _, c := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"key": {"C"}, "name": {"x"}}, "Use 2 to 10 letters A–Z"},
		{url.Values{"key": {"CRM1"}, "name": {"x"}}, "Use 2 to 10 letters A–Z"},
		{url.Values{"key": {"CRM"}, "name": {""}}, "This field is required."},
		{url.Values{"key": {"CRM"}, "name": {"x"}, "start_on": {"2026-05-01"}, "target_on": {"2026-01-01"}}, "cannot be before the start date"},
		{url.Values{"key": {"CRM"}, "name": {"x"}, "start_on": {"May first"}}, "could not be read"},
	} {
		r := admin.post("/projects", c.form)
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r, c.want)
	}
	n, err := db.NewSelect().Table("projects").Count(context.Background())
	if err != nil || n != 0 {
		t.Fatalf("%d projects written (%v)", n, err)
	}
	// Taken keys are refused the same way, in Chinese too.
	expectStatus(t, admin.post("/projects", url.Values{"key": {"CRM"}, "name": {"First"}}), http.StatusSeeOther)
	admin.post("/lang", url.Values{"lang": {"zh-CN"}})
	r := admin.post("/projects", url.Values{"key": {"CRM"}, "name": {"Second"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "已有其他项目使用此代号")
}

func projectID(t *testing.T, db database.IDB, key string) int64 {
	t.Helper()
	var id int64
	if err := db.NewSelect().Table("projects").Column("id").Where("key = ?", key).Scan(context.Background(), &id); err != nil {
		t.Fatalf("project %s: %v", key, err)
	}
	return id
}
