package web

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"rollout/internal/account"
	"rollout/internal/archive"
	"rollout/internal/date"
	"rollout/internal/project"
	"rollout/internal/requirement"
)

func TestProjectExportDownloadAndAPI(t *testing.T) {
	app, db := testApp(t)
	ctx := context.Background()
	pm := createUser(t, db, "pm@example.com", "Pat Manager", false)
	viewer := createUser(t, db, "viewer@example.com", "Vic Viewer", false)
	createUser(t, db, "root@example.com", "Root Admin", true)
	p, err := project.Create(ctx, db, pm.ID, project.Input{Key: "CRM", Name: "Customer 360"}, "en")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := project.AddMember(ctx, db, pm.ID, p.ID, project.MemberInput{Email: viewer.Email, Role: project.RoleViewer,
		Department: project.DeptSales}); err != nil {
		t.Fatal(err)
	}
	if _, err := requirement.Create(ctx, db, pm.ID, p.ID, requirement.Input{Title: "Lead capture", Tier: requirement.Must,
		Kind: requirement.Feature, Approach: requirement.Configuration, Status: requirement.Proposed}); err != nil {
		t.Fatal(err)
	}

	// The project page offers the export to those who may use it.
	pmb := signIn(t, app, pm.Email, testPassword)
	expectContains(t, pmb.get("/projects/CRM"), `href="/projects/CRM/export"`)
	adminb := signIn(t, app, "root@example.com", testPassword)
	expectContains(t, adminb.get("/projects/CRM"), `href="/projects/CRM/export"`)
	vb := signIn(t, app, viewer.Email, testPassword)
	if r := vb.get("/projects/CRM"); strings.Contains(r.body, "/projects/CRM/export") {
		t.Fatal("a viewer is offered the export")
	}
	expectStatus(t, vb.get("/projects/CRM/export"), http.StatusForbidden)

	// An archived project is still exported: it is a read.
	if _, err := project.SetArchived(ctx, db, pm.ID, p.ID, true); err != nil {
		t.Fatal(err)
	}
	r := pmb.get("/projects/CRM/export")
	expectStatus(t, r, http.StatusOK)
	want := `attachment; filename="CRM-` + date.Today().String() + `.rollout.json"`
	if got := r.Header.Get("Content-Disposition"); got != want {
		t.Fatalf("Content-Disposition %q, want %q", got, want)
	}
	var a archive.Archive
	r.decode(t, &a)
	if a.FormatVersion != archive.FormatVersion || a.Project.Key != "CRM" || !a.Project.Archived ||
		len(a.Requirements) != 1 || len(a.Members) != 2 {
		t.Fatalf("archive %+v", a.Project)
	}
	expectStatus(t, adminb.get("/projects/CRM/export"), http.StatusOK)

	// Compressed on the way, for a browser that accepts it (archives are large, and repetitive).
	req := httptest.NewRequest(http.MethodGet, "/projects/CRM/export", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	r = pmb.do(req)
	expectStatus(t, r, http.StatusOK)
	if r.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q", r.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	var z archive.Archive
	if err := json.NewDecoder(zr).Decode(&z); err != nil || z.Project.Key != "CRM" {
		t.Fatalf("gzipped archive: %v %+v", err, z.Project)
	}

	// The API answers the same archive to a token.
	secret, _, err := account.CreateToken(ctx, db, pm.ID, account.NewToken{Name: "backup"})
	if err != nil {
		t.Fatal(err)
	}
	api := newBrowser(t, app)
	api.bearer = secret
	r = api.api(http.MethodGet, "/api/v1/projects/CRM/export", nil)
	expectStatus(t, r, http.StatusOK)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("content type %q", r.Header.Get("Content-Type"))
	}
	var b archive.Archive
	r.decode(t, &b)
	if b.Project.Key != "CRM" || len(b.Audit) == 0 {
		t.Fatalf("api archive %+v", b.Project)
	}
}
