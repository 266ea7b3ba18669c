package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"rollout/internal/account"
	"rollout/internal/config"
	"rollout/internal/database"
	"rollout/internal/database/dbtest"
)

// TestPointReadTakesTwoQueries pins the round trips of reading one item
// through the API: the guard reads the token's user, the project and the
// membership in one query, the handler the item in one more.
func TestPointReadTakesTwoQueries(t *testing.T) {
	t.Parallel()
	bb := newBigBacklog(t)
	bb.seed("CRM", 30)
	get := func(path string) func(string) int {
		return func(string) int {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Authorization", "Bearer "+bb.token)
			return bb.send(req)
		}
	}
	if n := bb.count(get("/api/v1/projects/CRM/requirements/7"), ""); n != 2 {
		t.Errorf("a requirement's point read took %d queries, want 2", n)
	}
	// Outside a project, the caller is one query too.
	if n := bb.count(get("/api/v1/me"), ""); n != 1 {
		t.Errorf("/api/v1/me took %d queries, want 1", n)
	}
	// A browser's session is found the same way.
	page := func(string) int {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/projects/CRM/requirements/7", nil)
		req.AddCookie(&http.Cookie{Name: "rollout_session", Value: bb.session})
		return bb.send(req)
	}
	if n := bb.count(page, ""); n != 2 {
		t.Errorf("a point read with a session took %d queries, want 2", n)
	}
}

// TestGuardAnswersAsBefore: one query for the caller and the project must
// still tell a missing project (404) from a bad token (401), a non-member
// (404) from a member, and send an anonymous browser to sign in.
func TestGuardAnswersAsBefore(t *testing.T) {
	t.Parallel()
	bb := newBigBacklog(t)
	bb.seed("CRM", 3)
	ctx := context.Background()
	other, err := account.Create(ctx, bb.db, 0, account.NewUser{Email: "stranger@example.com", Name: "Stranger", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	otherToken, _, err := account.CreateToken(ctx, bb.db, other.ID, account.NewToken{Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	status := func(path, bearer, cookie string) int {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "rollout_session", Value: cookie})
		}
		res, err := bb.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode
	}
	for _, c := range []struct {
		path, bearer, cookie string
		want                 int
	}{
		{"/api/v1/projects/CRM/requirements/2", bb.token, "", http.StatusOK},
		{"/api/v1/projects/NOPE/requirements/2", bb.token, "", http.StatusNotFound},
		{"/api/v1/projects/CRM/requirements/99", bb.token, "", http.StatusNotFound},
		{"/api/v1/projects/CRM/requirements/2", otherToken, "", http.StatusNotFound},
		{"/api/v1/projects/CRM/requirements/2", "rlt_forged", "", http.StatusUnauthorized},
		{"/api/v1/projects/NOPE/requirements/2", "rlt_forged", "", http.StatusUnauthorized},
		{"/api/v1/projects/CRM/requirements/2", "", "", http.StatusUnauthorized},
		{"/projects/CRM/requirements/2", "", "", http.StatusSeeOther},
		{"/projects/CRM/requirements/2", "", "stale", http.StatusSeeOther},
		{"/projects/CRM/requirements/2", "", bb.session, http.StatusOK},
		{"/projects/NOPE", "", bb.session, http.StatusNotFound},
	} {
		if got := status(c.path, c.bearer, c.cookie); got != c.want {
			t.Errorf("GET %s (token %q, cookie %q): %d, want %d", c.path, c.bearer, c.cookie, got, c.want)
		}
	}
}

// TestStaleMarksDoNotFailReads: a token last used two hours ago and a
// session last seen five minutes ago are marked as used on the next request,
// but on a read-only connection that mark fails quietly and the read is
// served.
func TestStaleMarksDoNotFailReads(t *testing.T) {
	t.Parallel()
	db, dsn := dbtest.NewWithDSN(t)
	ctx := context.Background()
	u, err := account.Create(ctx, db, 0, account.NewUser{Email: "pm@example.com", Name: "Pat Manager", Password: testPassword, IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	_, session, err := account.SignIn(ctx, db, u.Email, testPassword, "127.0.0.1", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := account.CreateToken(ctx, db, u.ID, account.NewToken{Name: "script"})
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{"UPDATE api_tokens SET last_used_at = now() - interval '2 hours'",
		"UPDATE sessions SET last_seen_at = now() - interval '5 minutes'"} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	ro, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := ro.Query()
	q.Set("default_transaction_read_only", "on")
	ro.RawQuery = q.Encode()
	readOnly, err := database.Open(ctx, ro.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = readOnly.Close() })
	roApp, err := New(Deps{DB: readOnly, Config: config.Config{Addr: "127.0.0.1:0"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	api := &browser{t: t, app: roApp, cookies: map[string]string{}, bearer: secret}
	expectStatus(t, api.get("/api/v1/me"), http.StatusOK)
	web := &browser{t: t, app: roApp, cookies: map[string]string{"rollout_session": session}}
	expectStatus(t, web.get("/api/v1/me"), http.StatusOK)

	// Through a writable connection the marks are made, the token's at most
	// once an hour.
	app, err := New(Deps{DB: db, Config: config.Config{Addr: "127.0.0.1:0"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	api = &browser{t: t, app: app, cookies: map[string]string{}, bearer: secret}
	expectStatus(t, api.get("/api/v1/me"), http.StatusOK)
	var used time.Time
	if err := db.NewRaw("SELECT last_used_at FROM api_tokens").Scan(ctx, &used); err != nil {
		t.Fatal(err)
	}
	if time.Since(used) > time.Minute {
		t.Errorf("the token's last use was not marked: %v", used)
	}
	if _, err := db.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = now() - interval '30 minutes'"); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, api.get("/api/v1/me"), http.StatusOK)
	if err := db.NewRaw("SELECT last_used_at FROM api_tokens").Scan(ctx, &used); err != nil {
		t.Fatal(err)
	}
	if time.Since(used) < 29*time.Minute {
		t.Errorf("a token used 30 minutes ago was marked again: %v", used)
	}
}

// TestRiskPageReadsTheRegisterOnce: the list and both heat maps come from
// one read of the register (risk.Register), and a chosen heat-map cell only
// narrows the list in Go: no query more.
func TestRiskPageReadsTheRegisterOnce(t *testing.T) {
	t.Parallel()
	bb := newBigBacklog(t)
	bb.seed("CRM", 3)
	page := func(path string) func(string) int {
		return func(string) int {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.AddCookie(&http.Cookie{Name: "rollout_session", Value: bb.session})
			return bb.send(req)
		}
	}
	plain := bb.count(page("/projects/CRM/risks"), "")
	cell := bb.count(page("/projects/CRM/risks?p=3&i=3"), "")
	if cell != plain {
		t.Errorf("the risk page took %d queries, %d with a cell chosen: want the same", plain, cell)
	}
}
