package web

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/account"
	"rollout/internal/config"
	"rollout/internal/database"
	"rollout/internal/database/dbtest"
)

// oidcApp builds Rollout on db with company sign-in through is.
func oidcApp(t *testing.T, db *database.DB, is *testIssuer, change func(*config.OIDC)) *fiber.App {
	t.Helper()
	o := config.OIDC{Issuer: is.srv.URL, ClientID: is.clientID, ClientSecret: is.clientSecret,
		RedirectURL: "http://rollout.test" + config.OIDCCallbackPath}
	if change != nil {
		change(&o)
	}
	app, err := New(Deps{DB: db, Config: config.Config{Addr: "127.0.0.1:0", OIDC: o},
		Logger: slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func tableRows(t *testing.T, db database.IDB, table string) int {
	t.Helper()
	n, err := db.NewSelect().Table(table).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// expectRefused checks that a sign-in was refused with the message, on the
// sign-in page, and that it opened no session and created no account.
func expectRefused(t *testing.T, db database.IDB, b *browser, r response, sessions, users int, message string) {
	t.Helper()
	if r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401; body:\n%s", r.StatusCode, r.body)
	}
	expectContains(t, r, message, `action="/signin"`)
	if b.cookies["rollout_session"] != "" {
		t.Error("a refused sign-in left a session cookie")
	}
	if n := tableRows(t, db, "sessions"); n != sessions {
		t.Errorf("sessions: %d, want %d", n, sessions)
	}
	if n := tableRows(t, db, "users"); n != users {
		t.Errorf("users: %d, want %d", n, users)
	}
}

func linkedSubject(t *testing.T, db database.IDB, email string) string {
	t.Helper()
	var sub []string
	if err := db.NewSelect().Table("users").ColumnExpr("coalesce(oidc_subject, '')").
		Where("lower(email) = lower(?)", email).Scan(context.Background(), &sub); err != nil || len(sub) != 1 {
		t.Fatalf("user %s: %v %v", email, sub, err)
	}
	return sub[0]
}

// A company sign-in finds the account by its verified e-mail, links it, and
// lands on the home page signed in; later the link finds it whatever the
// e-mail says. Every bad answer from the provider side is refused with a
// message, and opens no session and creates no account.
func TestCompanySignIn(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	is := newTestIssuer(t)
	app := oidcApp(t, db, is, nil)
	signUpAdmin(t, app)
	createUser(t, db, "ann@example.com", "Ann Analyst", false)
	createUser(t, db, "bob@example.com", "Bob Builder", false)
	users := tableRows(t, db, "users")

	b := newBrowser(t, app)
	expectContains(t, b.get("/signin"), "Sign in with your company account", `action="/auth/oidc/start"`)
	is.next(map[string]any{"sub": "kc-ann", "email": "Ann@Example.com", "email_verified": true, "name": "Ann A."})
	r, callback := b.oidcSignIn("")
	expectStatus(t, r, http.StatusSeeOther)
	if r.location() != "/" || b.cookies["rollout_session"] == "" {
		t.Fatalf("signed in to %q, session %q", r.location(), b.cookies["rollout_session"])
	}
	expectContains(t, b.get("/account"), "ann@example.com")
	if sub := linkedSubject(t, db, "ann@example.com"); sub != "kc-ann" {
		t.Errorf("linked subject %q", sub)
	}
	if n, _ := db.NewSelect().Table("audit_entries").Where("entity = 'user' AND after->>'company_signin' = ?", is.srv.URL).
		Count(context.Background()); n != 1 {
		t.Errorf("%d audit entries of the link", n)
	}
	if tableRows(t, db, "oidc_logins") != 0 {
		t.Error("a finished sign-in stays in oidc_logins")
	}

	t.Run("the link finds the account after an e-mail change", func(t *testing.T) {
		b := newBrowser(t, app)
		is.next(map[string]any{"sub": "kc-ann", "email": "ann.new@example.com", "email_verified": false})
		r, _ := b.oidcSignIn("/account")
		expectStatus(t, r, http.StatusSeeOther)
		if r.location() != "/account" {
			t.Fatalf("went to %q", r.location())
		}
		expectContains(t, b.get("/account"), "ann@example.com")
	})

	sessions := tableRows(t, db, "sessions")
	refusals := []struct {
		name, message string
		set           func(is *testIssuer)
	}{
		{"unverified e-mail", "has no verified email address", func(is *testIssuer) {
			is.claims = map[string]any{"sub": "kc-bob", "email": "bob@example.com", "email_verified": false}
		}},
		{"unknown e-mail without sign-up", "There is no Rollout account for carol@example.com", func(is *testIssuer) {
			is.claims = map[string]any{"sub": "kc-carol", "email": "carol@example.com", "email_verified": true}
		}},
		{"token signed by another key", "could not be verified", func(is *testIssuer) {
			is.claims = map[string]any{"sub": "kc-bob", "email": "bob@example.com", "email_verified": true}
			is.signKey, _ = rsa.GenerateKey(rand.Reader, 2048)
		}},
		{"wrong audience", "could not be verified", func(is *testIssuer) {
			is.claims = map[string]any{"sub": "kc-bob", "email": "bob@example.com", "email_verified": true}
			is.audience = "another-app"
		}},
		{"expired token", "could not be verified", func(is *testIssuer) {
			is.claims = map[string]any{"sub": "kc-bob", "email": "bob@example.com", "email_verified": true}
			is.expires = -10 * time.Minute
		}},
		{"wrong nonce", "could not be verified", func(is *testIssuer) {
			is.claims = map[string]any{"sub": "kc-bob", "email": "bob@example.com", "email_verified": true}
			other := "not-this-sign-in"
			is.nonce = &other
		}},
		{"another account's e-mail reused at the provider", "linked to another company account", func(is *testIssuer) {
			is.claims = map[string]any{"sub": "kc-impostor", "email": "ann@example.com", "email_verified": true}
		}},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			is.next(nil)
			is.set(c.set)
			b := newBrowser(t, app)
			r, _ := b.oidcSignIn("")
			expectRefused(t, db, b, r, sessions, users, c.message)
		})
	}
	if sub := linkedSubject(t, db, "bob@example.com"); sub != "" {
		t.Errorf("a refused sign-in linked bob to %q", sub)
	}

	t.Run("a replayed state is refused", func(t *testing.T) {
		// Ann's first callback again, with her browser's cookie: whoever
		// copied both gets nothing.
		replay := newBrowser(t, app)
		u, _ := url.Parse(callback)
		replay.cookies["rollout_oidc"] = u.Query().Get("state")
		expectRefused(t, db, replay, replay.get(callback), sessions, users, "has expired or was already used")
	})

	t.Run("a callback in a browser that did not start it is refused", func(t *testing.T) {
		is.next(map[string]any{"sub": "kc-ann", "email": "ann@example.com", "email_verified": true})
		b := newBrowser(t, app)
		r := b.post("/auth/oidc/start", nil)
		res, err := providerClient.Get(r.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		back, _ := url.Parse(res.Header.Get("Location"))
		victim := newBrowser(t, app)
		expectRefused(t, db, victim, victim.get(back.Path+"?"+back.RawQuery), sessions, users, "has expired or was already used")
	})

	t.Run("refusals read in Chinese", func(t *testing.T) {
		is.next(map[string]any{"sub": "kc-carol", "email": "carol@example.com", "email_verified": true})
		b := newBrowser(t, app)
		b.lang = "zh-CN"
		expectContains(t, b.get("/signin"), "使用企业账号登录")
		r, _ := b.oidcSignIn("")
		expectRefused(t, db, b, r, sessions, users, "没有与 carol@example.com 对应的 Rollout 账户")
	})
}

// With sign-up allowed a first company sign-in creates the account (with
// the provider's name, the reader's language and no password); without it
// nothing is created. In "only OIDC" mode the password form refuses every
// account but the first administrator's.
func TestCompanySignUpAndOnlyMode(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	is := newTestIssuer(t)
	app := oidcApp(t, db, is, func(o *config.OIDC) { o.AllowSignup, o.Only, o.Name = true, true, "Keycloak" })

	t.Run("no account before the first administrator", func(t *testing.T) {
		is.next(map[string]any{"sub": "kc-early", "email": "early@example.com", "email_verified": true})
		b := newBrowser(t, app)
		r, _ := b.oidcSignIn("")
		expectRefused(t, db, b, r, 0, 0, "Rollout is not set up yet")
	})

	signUpAdmin(t, app)
	createUser(t, db, "ann@example.com", "Ann Analyst", false)
	createUser(t, db, "second.admin@example.com", "Sam Second", true)
	users, sessions := tableRows(t, db, "users"), tableRows(t, db, "sessions")

	b := newBrowser(t, app)
	b.lang = "zh-CN"
	expectContains(t, b.get("/signin"), "使用 Keycloak 登录", "密码登录仅保留给第一个管理员")
	is.next(map[string]any{"sub": "kc-dan", "email": "dan@example.com", "email_verified": "true", "name": "Dan  Developer"})
	r, _ := b.oidcSignIn("")
	expectStatus(t, r, http.StatusSeeOther)
	if tableRows(t, db, "users") != users+1 || b.cookies["rollout_session"] == "" {
		t.Fatal("the first company sign-in created no account or no session")
	}
	var dan struct {
		Name, Language, PasswordHash string
		OIDCSubject                  string `bun:"oidc_subject"`
	}
	if err := db.NewSelect().Table("users").Column("name", "language", "password_hash", "oidc_subject").
		Where("email = 'dan@example.com'").Scan(context.Background(), &dan); err != nil {
		t.Fatal(err)
	}
	if dan.Name != "Dan Developer" || dan.Language != "zh-CN" || dan.PasswordHash != "" || dan.OIDCSubject != "kc-dan" {
		t.Errorf("new account %+v", dan)
	}
	home := b.get("/")
	expectStatus(t, home, http.StatusOK)
	expectContains(t, home, "Dan Developer")
	users, sessions = users+1, sessions+1

	// The same person again: the same account, no second one.
	b2 := newBrowser(t, app)
	r, _ = b2.oidcSignIn("")
	expectStatus(t, r, http.StatusSeeOther)
	if tableRows(t, db, "users") != users {
		t.Error("a second sign-in created another account")
	}
	sessions++

	passwordRefused := func(email, password, message string) {
		t.Helper()
		b := newBrowser(t, app)
		r := b.post("/signin", url.Values{"email": {email}, "password": {password}})
		expectRefused(t, db, b, r, sessions, users, message)
	}
	passwordRefused("ann@example.com", testPassword, "Password sign-in is turned off")
	passwordRefused("second.admin@example.com", testPassword, "Password sign-in is turned off")
	// A wrong password still reads as one: the rule tells only who knew it.
	passwordRefused("ann@example.com", "not the password", "The email or password is wrong")
	// A company account has no password to sign in with.
	passwordRefused("dan@example.com", "", "The email or password is wrong")

	signIn(t, app, adminEmail, testPassword)
}

// Without company sign-in configured there is no button and no route.
func TestCompanySignInOff(t *testing.T) {
	t.Parallel()
	app, _ := testApp(t)
	b := newBrowser(t, app)
	r := b.get("/signin")
	expectStatus(t, r, http.StatusOK)
	if strings.Contains(r.body, "/auth/oidc/start") {
		t.Error("the sign-in page offers company sign-in that is not configured")
	}
	expectStatus(t, b.post("/auth/oidc/start", nil), http.StatusNotFound)
	expectStatus(t, b.get("/auth/oidc/callback?state=x&code=y"), http.StatusNotFound)
}

// Anyone may start a company sign-in, and each start is a row until it
// comes back or expires: one address may have only a few pending. Beyond
// them the sign-in page says why and what to do, and nothing is stored;
// other addresses, and the same one once its starts expire, go on.
func TestCompanySignInStartsAreBoundedPerAddress(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	is := newTestIssuer(t)
	app := oidcApp(t, db, is, nil)
	b := newBrowser(t, app)
	for range account.MaxPendingOIDCLogins {
		expectStatus(t, b.post("/auth/oidc/start", nil), http.StatusSeeOther)
	}
	r := b.post("/auth/oidc/start", nil)
	expectStatus(t, r, http.StatusTooManyRequests)
	expectContains(t, r, "Too many company sign-ins were started from this address", "wait 10 minutes", `action="/auth/oidc/start"`)
	if n := tableRows(t, db, "oidc_logins"); n != account.MaxPendingOIDCLogins {
		t.Errorf("%d pending sign-ins stored, want %d", n, account.MaxPendingOIDCLogins)
	}
	b.cookies[langCookie] = "zh-CN"
	expectContains(t, b.post("/auth/oidc/start", nil), "此地址发起了过多尚未完成的企业账号登录")

	ctx, now := context.Background(), time.Now()
	var ip string
	if err := db.NewSelect().Table("oidc_logins").Column("client_ip").Limit(1).Scan(ctx, &ip); err != nil || ip == "" {
		t.Fatalf("the address of a start is %q (%v)", ip, err)
	}
	if _, _, err := account.StartOIDCLogin(ctx, db, "verifier", "/", "192.0.2.7", now); err != nil {
		t.Errorf("another address was refused: %v", err)
	}
	if _, _, err := account.StartOIDCLogin(ctx, db, "verifier", "/", ip, now.Add(account.OIDCLoginTTL+time.Second)); err != nil {
		t.Errorf("the address was still refused once its starts expired: %v", err)
	}
}
