package notify_test

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/database/dbtest"
	"rollout/internal/notify"
	"rollout/internal/project"
	"rollout/internal/requirement"
)

// mailbox is an SMTP server in the test process that keeps what it receives.
type mailbox struct {
	mu   sync.Mutex
	msgs []received
	addr string
}

type received struct {
	From, To string
	Subject  string
	Text     string
	HTML     string
}

type smtpBackend struct{ box *mailbox }

func (b smtpBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &smtpSession{box: b.box}, nil
}

type smtpSession struct {
	box      *mailbox
	from, to string
}

func (s *smtpSession) Reset()                                      {}
func (s *smtpSession) Logout() error                               { return nil }
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error   { s.to = to; return nil }
func (s *smtpSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	got := received{From: s.from, To: s.to}
	dec := new(mime.WordDecoder)
	got.Subject, _ = dec.DecodeHeader(m.Header.Get("Subject"))
	_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err != nil {
			break
		}
		body, _ := io.ReadAll(p)
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch ct {
		case "text/plain":
			got.Text = string(body)
		case "text/html":
			got.HTML = string(body)
		}
	}
	s.box.mu.Lock()
	s.box.msgs = append(s.box.msgs, got)
	s.box.mu.Unlock()
	return nil
}

func newMailbox(t *testing.T) *mailbox {
	t.Helper()
	box := &mailbox{}
	srv := smtp.NewServer(smtpBackend{box})
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	box.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return box
}

func (b *mailbox) all() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.msgs...)
}

// hook is an HTTP server that records every request it receives; fail, when
// set, answers the first fail requests with 500.
type hook struct {
	mu   sync.Mutex
	reqs []hookReq
	fail int
	srv  *httptest.Server
}

type hookReq struct {
	Path, Query string
	Header      http.Header
	Body        []byte
	Failed      bool
}

func newHook(t *testing.T, fail int) *hook {
	h := &hook{fail: fail}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		failed := h.fail > 0
		if failed {
			h.fail--
		}
		h.reqs = append(h.reqs, hookReq{Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body, Failed: failed})
		h.mu.Unlock()
		if failed {
			http.Error(w, "try later", http.StatusInternalServerError)
			return
		}
		switch {
		case strings.HasPrefix(r.URL.Path, "/feishu"):
			_, _ = w.Write([]byte(`{"code":0,"msg":"success","data":{}}`))
		case strings.HasPrefix(r.URL.Path, "/generic"):
			w.WriteHeader(http.StatusNoContent)
		default:
			_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
		}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) received(path string) []hookReq {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []hookReq
	for _, r := range h.reqs {
		if strings.HasPrefix(r.Path, path) {
			out = append(out, r)
		}
	}
	return out
}

// fastRetry retries a failed job at once, so a test does not wait for
// River's attempt⁴-second backoff.
type fastRetry struct{}

func (fastRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now() }

type fixture struct {
	t                   *testing.T
	db                  *bun.DB
	dsn                 string
	p                   *project.Project
	pm, owner, sc1, sc2 *account.User
	member              *account.User
	req                 int
	box                 *mailbox
	now                 time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, dsn := dbtest.NewWithDSN(t)
	f := &fixture{t: t, db: db, dsn: dsn, box: newMailbox(t), now: time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC)}
	user := func(email, name, lang string) *account.User {
		u, err := account.Create(ctx, db, 0, account.NewUser{Email: email, Name: name, Password: "a long password 1", Language: lang})
		must(t, err)
		return u
	}
	f.pm, f.owner = user("pm@x.cn", "Pat", "en"), user("bo@x.cn", "Bo", "en")
	f.sc1, f.sc2, f.member = user("sc1@x.cn", "Sam", "en"), user("sc2@x.cn", "苏珊", "zh-CN"), user("mo@x.cn", "Mo", "en")
	var err error
	f.p, err = project.Create(ctx, db, f.pm.ID, project.Input{Key: "CRM", Name: "CRM rollout"}, "en")
	must(t, err)
	for u, role := range map[*account.User]project.Role{f.owner: project.RoleBusinessOwner, f.sc1: project.RoleSteering,
		f.sc2: project.RoleSteering, f.member: project.RoleMember} {
		_, err := project.AddMember(ctx, db, 0, f.p.ID, project.MemberInput{Email: u.Email, Role: role, Department: project.DeptSales})
		must(t, err)
	}
	r, err := requirement.Create(ctx, db, f.pm.ID, f.p.ID, requirement.Input{Title: "Lead capture", Tier: requirement.Must,
		Kind: requirement.Feature, Approach: requirement.Configuration})
	must(t, err)
	f.req = r.Number
	return f
}

func (f *fixture) config() notify.Config {
	return notify.Config{
		Mailer:       notify.Mailer{URL: "smtp://" + f.box.addr, From: "Rollout <rollout@example.com>"},
		BaseURL:      "https://rollout.example.com",
		RetryPolicy:  fastRetry{},
		PollInterval: 20 * time.Millisecond,
		Now:          func() time.Time { return f.now },
	}
}

// start runs a notification service until the test ends.
func (f *fixture) start(cfg notify.Config) *notify.Service {
	f.t.Helper()
	s, err := notify.New(f.db, f.dsn, cfg)
	must(f.t, err)
	ctx, cancel := context.WithCancel(context.Background())
	must(f.t, s.Start(ctx))
	f.t.Cleanup(func() {
		stop, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = s.Stop(stop)
		cancel()
	})
	return s
}

func (f *fixture) caller(u *account.User) project.Caller {
	c, err := project.CallerFor(context.Background(), f.db, f.p.ID, u.ID)
	must(f.t, err)
	return c
}

// waitFor polls cond until it holds; the work happens on River's workers.
func (f *fixture) waitFor(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// count runs a count query.
func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	must(f.t, f.db.NewRaw(q, args...).Scan(context.Background(), &n))
	return n
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
