package web

import (
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"rollout/frontend"
	"rollout/internal/config"
	"rollout/internal/database/dbtest"
)

// TestStaticFilesArePrecompressed: a bundle asked for with brotli gets the
// build's .br bytes, with gzip the .gz bytes, with neither the file itself —
// each with its encoding named, Vary: Accept-Encoding and a year of caching.
func TestStaticFilesArePrecompressed(t *testing.T) {
	t.Parallel()
	app, err := New(Deps{DB: dbtest.New(t), Config: config.Config{Addr: "127.0.0.1:0"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	asset := frontend.Asset("charts.js")
	name := strings.TrimPrefix(asset, frontend.StaticPrefix)
	file := func(name string) string {
		b, err := fs.ReadFile(frontend.Files(), name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	b := newBrowser(t, app)
	for _, c := range []struct{ accept, encoding, body string }{
		{"br", "br", file(name + ".br")},
		{"gzip, deflate, br, zstd", "br", file(name + ".br")},
		{"gzip", "gzip", file(name + ".gz")},
		{"br;q=0, gzip", "gzip", file(name + ".gz")},
		{"gzip;q=0.5, br;q=0.2", "gzip", file(name + ".gz")},
		{"*", "br", file(name + ".br")},
		{"", "", file(name)},
		{"identity", "", file(name)},
		{"deflate", "", file(name)},
	} {
		req := httptest.NewRequest(http.MethodGet, asset, nil)
		if c.accept != "" {
			req.Header.Set("Accept-Encoding", c.accept)
		}
		r := b.do(req)
		expectStatus(t, r, http.StatusOK)
		if got := r.Header.Get("Content-Encoding"); got != c.encoding {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", c.accept, got, c.encoding)
		}
		if r.body != c.body {
			t.Errorf("Accept-Encoding %q: %d bytes, not the %d of the build's variant", c.accept, len(r.body), len(c.body))
		}
		if got := r.Header.Get("Vary"); !strings.Contains(got, "Accept-Encoding") {
			t.Errorf("Accept-Encoding %q: Vary %q", c.accept, got)
		}
		if got := r.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/javascript") {
			t.Errorf("Content-Type %q", got)
		}
		if got := r.Header.Get("Cache-Control"); !strings.Contains(got, "max-age=31536000") {
			t.Errorf("Cache-Control %q", got)
		}
	}
	// The CSS, the manifest (not hashed: no long cache), a missing file.
	req := httptest.NewRequest(http.MethodGet, frontend.Asset("app.css"), nil)
	req.Header.Set("Accept-Encoding", "gzip")
	r := b.do(req)
	if r.Header.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
		t.Errorf("app.css: %q, %q", r.Header.Get("Content-Encoding"), r.Header.Get("Content-Type"))
	}
	if r := b.get("/static/manifest.json"); r.StatusCode != http.StatusOK || strings.Contains(r.Header.Get("Cache-Control"), "max-age") {
		t.Errorf("manifest.json: %d, Cache-Control %q", r.StatusCode, r.Header.Get("Cache-Control"))
	}
	expectStatus(t, b.get("/static/nothing-AAAAAAAA.js"), http.StatusNotFound)
	expectStatus(t, b.get("/static/"+name+".br"), http.StatusNotFound)
}

// TestDashboardFirstVisitWeight: the first visit to a dashboard — its HTML
// and every stylesheet and script it loads, compressed as sent — stays
// under 250 KB, with brotli and with gzip alike.
func TestDashboardFirstVisitWeight(t *testing.T) {
	t.Parallel()
	app, err := New(Deps{DB: dbtest.New(t), Config: config.Config{Addr: "127.0.0.1:0"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	admin := signUpAdmin(t, app)
	expectStatus(t, admin.post("/projects", url.Values{"key": {"CRM"}, "name": {"CRM rollout"}, "template": {"crm"}}), http.StatusSeeOther)
	assets := regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)
	for _, enc := range []string{"br", "gzip"} {
		fetch := func(path string) response {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Accept-Encoding", enc)
			r := admin.do(req)
			expectStatus(t, r, http.StatusOK)
			if r.Header.Get("Content-Encoding") != enc {
				t.Errorf("%s came as %q, not %s", path, r.Header.Get("Content-Encoding"), enc)
			}
			return r
		}
		page := fetch("/projects/CRM/dashboard")
		total := len(page.body)
		// The HTML came compressed: read the asset list from its plain twin.
		plain := admin.get("/projects/CRM/dashboard").body
		var names []string
		for _, m := range assets.FindAllStringSubmatch(plain, -1) {
			total += len(fetch(m[1]).body)
			names = append(names, m[1])
		}
		if !strings.Contains(strings.Join(names, " "), "/static/charts-") {
			t.Fatalf("the dashboard loads no charts: %v", names)
		}
		t.Logf("first dashboard visit with %s: %d bytes (%v)", enc, total, names)
		if total >= 250*1024 {
			t.Errorf("first dashboard visit with %s: %d bytes, want under 250 KB", enc, total)
		}
	}
}
