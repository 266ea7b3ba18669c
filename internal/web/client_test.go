package web

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/config"
	"rollout/internal/database"
	"rollout/internal/database/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// testApp builds the whole app on a fresh database.
func testApp(t *testing.T) (*fiber.App, *database.DB) {
	t.Helper()
	db := dbtest.New(t)
	app, err := New(Deps{DB: db, Config: config.Config{Addr: "127.0.0.1:0"},
		Logger: slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	return app, db
}

// testLog sends the server's warnings and errors to the test's log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// browser is a test client that keeps cookies and sends the CSRF token with
// every form, the way a real browser with our pages would.
type browser struct {
	t       *testing.T
	app     *fiber.App
	cookies map[string]string
	lang    string
	bearer  string
}

func newBrowser(t *testing.T, app *fiber.App) *browser {
	return &browser{t: t, app: app, cookies: map[string]string{}}
}

type response struct {
	*http.Response
	body string
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	if b.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+b.bearer)
	}
	var sent []byte // kept to check the exchange against the OpenAPI document
	if req.Body != nil {
		sent, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(sent))
	}
	res, err := b.app.Test(req, -1)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	raw, _ := io.ReadAll(res.Body)
	if strings.HasPrefix(req.URL.Path, "/api/v1/") {
		checkAgainstOpenAPI(b.t, req, sent, res, raw)
	}
	return response{res, string(raw)}
}

// get fetches a page.
func (b *browser) get(path string) response {
	return b.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// csrf makes sure the browser holds a CSRF cookie and returns it.
func (b *browser) csrf() string {
	if b.cookies["rollout_csrf"] == "" {
		b.get("/healthz")
	}
	return b.cookies["rollout_csrf"]
}

// post submits a form with the CSRF token, as our pages do.
func (b *browser) post(path string, form url.Values) response {
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" {
		form.Set("_csrf", b.csrf())
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// postRaw submits a form exactly as given (no CSRF token added).
func (b *browser) postRaw(path string, form url.Values) response {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// api calls the JSON API; with a session cookie it adds the CSRF header.
func (b *browser) api(method, path string, body any) response {
	b.t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			b.t.Fatal(err)
		}
		r = strings.NewReader(string(raw))
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.bearer == "" && method != http.MethodGet {
		req.Header.Set("X-CSRF-Token", b.csrf())
	}
	return b.do(req)
}

// decode reads a JSON body into v.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

func expectStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("status %d, want %d; body:\n%s", r.StatusCode, want, r.body)
	}
}

func expectContains(t *testing.T, r response, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.body, p) {
			t.Fatalf("response does not contain %q; body:\n%s", p, r.body)
		}
	}
}

// redirect returns the Location of a redirect answer.
func (r response) location() string {
	u, _ := url.Parse(r.Header.Get("Location"))
	if u == nil {
		return ""
	}
	return u.RequestURI()
}
