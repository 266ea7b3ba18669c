package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rollout/frontend"
)

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	app, _ := testApp(t)
	b := newBrowser(t, app)
	expectStatus(t, b.get("/healthz"), http.StatusOK)
	r := b.get("/readyz")
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, `"ready"`)
}

func TestReadinessFailsWithoutDatabase(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	_ = db.Close()
	r := newBrowser(t, app).get("/readyz")
	expectStatus(t, r, http.StatusServiceUnavailable)
}

func TestNotFoundPageSpeaksTheUsersLanguage(t *testing.T) {
	t.Parallel()
	app, _ := testApp(t)
	b := newBrowser(t, app)
	r := b.get("/no/such/page")
	expectStatus(t, r, http.StatusNotFound)
	expectContains(t, r, "<h1>Not found</h1>", `lang="en"`)

	b.lang = "zh-CN,zh;q=0.9,en;q=0.5"
	r = b.get("/no/such/page")
	expectStatus(t, r, http.StatusNotFound)
	expectContains(t, r, "<h1>未找到</h1>", `lang="zh-CN"`)
}

func TestAPIErrorsAreProblemJSON(t *testing.T) {
	t.Parallel()
	app, _ := testApp(t)
	r := newBrowser(t, app).get("/api/v1/nothing-here")
	expectStatus(t, r, http.StatusNotFound)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q", ct)
	}
	var p problem
	r.decode(t, &p)
	if p.Status != 404 || p.Title != "Not found" || p.Type != "/problems/not_found" || p.RequestID == "" {
		t.Fatalf("problem %+v", p)
	}
}

func TestLanguageSwitchNeedsCSRFAndSticks(t *testing.T) {
	t.Parallel()
	app, _ := testApp(t)
	b := newBrowser(t, app)

	// Without the token the form is refused and the language stays.
	r := b.postRaw("/lang", url.Values{"lang": {"zh-CN"}, "back": {"/"}})
	expectStatus(t, r, http.StatusForbidden)
	expectContains(t, r, "Form expired")
	if b.cookies[langCookie] != "" {
		t.Fatal("language cookie set by a refused form")
	}

	r = b.post("/lang", url.Values{"lang": {"zh-CN"}, "back": {"/no/such/page"}})
	expectStatus(t, r, http.StatusSeeOther)
	if r.location() != "/no/such/page" {
		t.Fatalf("redirect to %q", r.location())
	}
	// The choice wins over the browser's Accept-Language.
	b.lang = "en-US"
	expectContains(t, b.get("/"), `lang="zh-CN"`, "首页")

	r = b.post("/lang", url.Values{"lang": {"en"}, "back": {"https://evil.example/"}})
	if r.location() != "/" {
		t.Fatalf("redirected off-site to %q", r.location())
	}
	expectContains(t, b.get("/"), `lang="en"`)
}

func TestLocalPathKeepsRedirectsOnSite(t *testing.T) {
	for in, want := range map[string]string{
		"/projects/CRM":        "/projects/CRM",
		"/projects?x=1":        "/projects?x=1",
		"":                     "/",
		"//evil.example/x":     "/",
		"/\\evil.example":      "/",
		"https://evil.example": "/",
		"javascript:alert(1)":  "/",
		"projects":             "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	app, _ := testApp(t)
	r := newBrowser(t, app).get("/")
	expectStatus(t, r, http.StatusOK)
	csp := r.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP %q allows inline script", csp)
	}
	if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("X-Request-Id") == "" {
		t.Fatalf("headers %v", r.Header)
	}
	// The page uses no inline script.
	if strings.Contains(r.body, "<script>") {
		t.Fatal("inline script in the page")
	}
}

func TestStaticAssetsAreServedWithLongCaching(t *testing.T) {
	t.Parallel()
	app, _ := testApp(t)
	b := newBrowser(t, app)
	for _, name := range []string{"app.css", "app.js"} {
		path := frontend.Asset(name)
		if path == "" {
			t.Fatalf("no asset %s in the manifest", name)
		}
		r := b.get(path)
		expectStatus(t, r, http.StatusOK)
		if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
			t.Fatalf("%s Cache-Control %q", path, cc)
		}
		if !strings.Contains(b.get("/").body, path) {
			t.Fatalf("home page does not link %s", path)
		}
	}
}

func TestCompressionWhenAsked(t *testing.T) {
	t.Parallel()
	app, _ := testApp(t)
	req, _ := http.NewRequest(http.MethodGet, frontend.Asset("app.css"), nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q", res.Header.Get("Content-Encoding"))
	}
}
