package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"rollout/internal/account"
	"rollout/internal/config"
	"rollout/internal/database/dbtest"
	"rollout/internal/requirement"
)

// csrfFields are the CSRF tokens a page carries: its meta tag and every form.
var csrfFields = regexp.MustCompile(`name="(?:_csrf|csrf-token)" (?:value|content)="([^"]*)"`)

// TestKeptPagesAreEachReadersOwnAndFresh: the backlog, the dashboard, the
// overview, the health page and the risk register are rendered once per state of the project and reader, then served from what
// was kept; every view still carries its reader's CSRF token, another
// reader (another role, language) never gets someone else's copy, and a
// write through another instance, or a member's new name, shows at once.
func TestKeptPagesAreEachReadersOwnAndFresh(t *testing.T) {
	t.Parallel()
	b := newBacklog(t, map[string]string{"bo@example.com": "business_owner", "vera@example.com": "viewer"})
	bo := signIn(t, b.app, "bo@example.com", testPassword)
	vera := signIn(t, b.app, "vera@example.com", testPassword)
	boID := userID(t, b.db, "bo@example.com")
	b.add(t, "Lead capture", requirement.Must, func(in *requirement.Input) { in.OwnerID = &boID })
	b.add(t, "Quote approval", requirement.Important)

	tokens := func(who *browser, r response) {
		t.Helper()
		got := csrfFields.FindAllStringSubmatch(r.body, -1)
		if len(got) < 3 { // the meta tag, sign-out and the page's own forms
			t.Fatalf("%d CSRF fields on the page", len(got))
		}
		for _, m := range got {
			if m[1] != who.csrf() {
				t.Fatalf("a form carries %q, not the reader's token %q", m[1], who.csrf())
			}
		}
	}
	counter := dbtest.CountQueries(b.db)
	b.admin.get("/projects/CRM") // shows the last flash, which is the frame's, not the body's
	first := b.admin.get("/projects/CRM/requirements")
	expectStatus(t, first, http.StatusOK)
	tokens(b.admin, first)
	counter.Reset()
	again := b.admin.get("/projects/CRM/requirements")
	// The caller, project and revision in one query, the My work count in
	// the top bar in another: the body costs nothing more.
	if n := counter.Count(); n != 2 {
		t.Errorf("a second view of the backlog ran %d queries, want 2", n)
	}
	if again.body != first.body {
		t.Error("the kept backlog differs from the one first rendered")
	}
	tokens(b.admin, again)
	for _, path := range []string{"/projects/CRM", "/projects/CRM/dashboard", "/projects/CRM/health", "/projects/CRM/risks?status=active"} {
		expectStatus(t, b.admin.get(path), http.StatusOK)
		counter.Reset()
		tokens(b.admin, b.admin.get(path))
		if n := counter.Count(); n != 2 {
			t.Errorf("a second view of %s ran %d queries, want 2", path, n)
		}
	}

	// The business owner ranks too, with their own token in every form.
	boPage := bo.get("/projects/CRM/requirements")
	expectContains(t, boPage, `id="mv"`, "Lead capture")
	tokens(bo, boPage)
	// Readers at the same time, on a kept page and on one being kept,
	// each get their own token.
	var wg sync.WaitGroup
	for i := range 8 {
		who := []*browser{b.admin, bo}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, path := range []string{"/projects/CRM/requirements", fmt.Sprintf("/projects/CRM/requirements?text=x%d", i%3)} {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				for k, v := range who.cookies {
					req.AddCookie(&http.Cookie{Name: k, Value: v})
				}
				res, err := b.app.Test(req, -1)
				if err != nil {
					t.Error(err)
					return
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				for _, m := range csrfFields.FindAllStringSubmatch(string(body), -1) {
					if m[1] != who.cookies["rollout_csrf"] {
						t.Errorf("%s: a reader got another token", path)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	// The viewer gets no rank or bulk controls, whoever viewed before.
	veraPage := vera.get("/projects/CRM/requirements")
	expectContains(t, veraPage, "Lead capture", "Quote approval")
	if strings.Contains(veraPage.body, `id="mv"`) || strings.Contains(veraPage.body, `id="bulk"`) {
		t.Error("the viewer was served a page with rank or bulk controls")
	}
	// Another language is another page.
	chosen := b.admin.cookies[langCookie]
	b.admin.cookies[langCookie] = "zh-CN"
	expectContains(t, b.admin.get("/projects/CRM/requirements"), "需求")
	b.admin.cookies[langCookie] = chosen
	// A filter is another page.
	filtered := b.admin.get("/projects/CRM/requirements?tier=important")
	if strings.Contains(filtered.body, "Lead capture") || !strings.Contains(filtered.body, "Quote approval") {
		t.Error("a filtered view was served the unfiltered page")
	}

	// A second instance on the same database writes; the first shows it.
	other, err := New(Deps{DB: b.db, Config: config.Config{Addr: "127.0.0.1:0"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	dashboard := b.admin.get("/projects/CRM/dashboard")
	expectContains(t, dashboard, "2 requirements")
	expectContains(t, b.admin.get("/projects/CRM/dashboard"), "2 requirements")
	elsewhere := &browser{t: t, app: other, cookies: b.admin.cookies}
	expectStatus(t, elsewhere.post("/projects/CRM/requirements", url.Values{"title": {"Territory planning"}, "tier": {"optional"},
		"kind": {"feature"}, "approach": {"configuration"}, "status": {"proposed"}}), http.StatusSeeOther)
	expectContains(t, b.admin.get("/projects/CRM/requirements"), "Territory planning")
	expectContains(t, b.admin.get("/projects/CRM/dashboard"), "3 requirements")

	// A member's new name is on the next view: names are not project data,
	// but an edit of a user moves the revision of their projects (migration 0019).
	u, err := account.ByID(context.Background(), b.db, boID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := account.UpdateProfile(context.Background(), b.db, boID, account.Profile{Name: "Bo Renamed", Language: "en", Version: u.Version}); err != nil {
		t.Fatal(err)
	}
	expectContains(t, b.admin.get("/projects/CRM/requirements"), "Bo Renamed")
}
