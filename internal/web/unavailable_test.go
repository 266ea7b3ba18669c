package web

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"rollout/internal/account"
	"rollout/internal/config"
	"rollout/internal/database"
	"rollout/internal/database/dbtest"
)

// flakyProxy stands between Rollout and PostgreSQL like a network or an
// external server that can go away: down refuses new connections and cuts
// the open ones; up serves again on the same address.
type flakyProxy struct {
	t      *testing.T
	target string // the database's unix socket file
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func newFlakyProxy(t *testing.T, socket string) *flakyProxy {
	p := &flakyProxy{t: t, target: socket, addr: "127.0.0.1:0", conns: map[net.Conn]bool{}}
	p.up()
	p.addr = p.ln.Addr().String()
	t.Cleanup(p.down)
	return p
}

func (p *flakyProxy) up() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("unix", p.target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[u] = true, true
			p.mu.Unlock()
			go func() { _, _ = io.Copy(u, c); _ = u.Close() }()
			go func() { _, _ = io.Copy(c, u); _ = c.Close() }()
		}
	}()
}

func (p *flakyProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		_ = c.Close()
		delete(p.conns, c)
	}
}

// dsnThrough is dsn reached over TCP at addr instead of its unix socket.
func dsnThrough(t *testing.T, dsn, addr string) (tcpDSN, socket string) {
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	socket = u.Query().Get("host")
	u.Host, u.RawQuery = addr, "sslmode=disable"
	return u.String(), socket
}

func expectUnavailable(t *testing.T, r response, parts ...string) {
	t.Helper()
	expectStatus(t, r, http.StatusServiceUnavailable)
	if r.Header.Get("Retry-After") == "" {
		t.Fatalf("503 without Retry-After: %v", r.Header)
	}
	expectContains(t, r, parts...)
}

// An external database that goes away: pages and the API answer 503 with
// Retry-After in the user's language (never 500), /readyz says 503, and once
// the database is back the same server uses it again, without a restart.
func TestDatabaseAwayAnswers503AndComesBack(t *testing.T) {
	t.Parallel()
	main, dsn := dbtest.NewWithDSN(t)
	_, socket := dsnThrough(t, dsn, "")
	proxy := newFlakyProxy(t, socket)
	tcpDSN, _ := dsnThrough(t, dsn, proxy.addr)
	db, err := database.Open(context.Background(), tcpDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	app, err := New(Deps{DB: db, Config: config.Config{Addr: "127.0.0.1:0"},
		Logger: slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		t.Fatal(err)
	}
	b := signUpAdmin(t, app)
	b.lang = "zh-CN"
	u, err := account.ByEmail(context.Background(), main, adminEmail)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := account.CreateToken(context.Background(), main, u.ID, account.NewToken{Name: "job"})
	if err != nil {
		t.Fatal(err)
	}
	client := newBrowser(t, app)
	client.bearer = secret
	expectStatus(t, b.get("/projects"), http.StatusOK)
	expectStatus(t, client.api(http.MethodGet, "/api/v1/projects", nil), http.StatusOK)

	proxy.down()
	expectUnavailable(t, b.get("/projects"), "请稍候", "暂时无法连接数据库")
	expectUnavailable(t, b.post("/projects", url.Values{"key": {"CRM"}, "name": {"CRM"}, "template": {"blank"}}), "请稍候")
	r := client.api(http.MethodPost, "/api/v1/projects", map[string]any{"key": "CRM", "name": "CRM", "template": "blank"})
	expectUnavailable(t, r, `"status":503`, `"type":"/problems/unavailable"`, "The database cannot be reached")
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("Content-Type %q", ct)
	}
	client.lang = "zh-CN"
	expectUnavailable(t, client.api(http.MethodGet, "/api/v1/projects", nil), "暂时无法连接数据库")
	expectUnavailable(t, b.get("/readyz"))

	proxy.up()
	expectStatus(t, b.get("/readyz"), http.StatusOK)
	expectStatus(t, b.get("/projects"), http.StatusOK)
	r = client.api(http.MethodPost, "/api/v1/projects", map[string]any{"key": "CRM", "name": "CRM", "template": "blank"})
	expectStatus(t, r, http.StatusCreated)
}

// A request that runs past the configured deadline answers 503 with
// Retry-After, not 500. The test holds a lock the request needs, so the
// request waits for sure, whatever the speed of the machine.
func TestRequestPastItsDeadlineAnswers503(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	b := signUpAdmin(t, app)
	u, err := account.ByEmail(context.Background(), db, adminEmail)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := account.CreateToken(context.Background(), db, u.ID, account.NewToken{Name: "job"})
	if err != nil {
		t.Fatal(err)
	}
	hurried, err := New(Deps{DB: db, Config: config.Config{Addr: "127.0.0.1:0", RequestTimeout: 200 * time.Millisecond},
		Logger: slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(context.Background(), "LOCK TABLE sessions, api_tokens IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}

	b.app = hurried
	expectUnavailable(t, b.get("/projects"), "The request took too long")
	b.lang = "zh-CN"
	expectUnavailable(t, b.get("/projects"), "请求超时")
	client := newBrowser(t, hurried)
	client.bearer = secret
	expectUnavailable(t, client.api(http.MethodGet, "/api/v1/projects", nil), `"status":503`, `"type":"/problems/timeout"`)

	_ = tx.Rollback()
	expectStatus(t, b.get("/projects"), http.StatusOK)
}
