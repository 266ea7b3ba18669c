package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rollout/internal/account"
)

var tokenSecret = regexp.MustCompile(`rlt_[A-Za-z0-9_-]{20,}`)

// createTokenThroughPage creates an API token with the account page's form and
// returns its secret, read from the page that shows it once.
func createTokenThroughPage(t *testing.T, b *browser, name string) string {
	t.Helper()
	r := b.post("/account/tokens", url.Values{"name": {name}})
	expectStatus(t, r, http.StatusCreated)
	expectContains(t, r, "Copy this token now", name)
	secret := tokenSecret.FindString(r.body)
	if secret == "" {
		t.Fatalf("no secret on the page:\n%s", r.body)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("the secret's page may be cached: Cache-Control %q", cc)
	}
	return secret
}

func TestAccountPageNeedsSignIn(t *testing.T) {
	t.Parallel()
	app, _ := testApp(t)
	r := newBrowser(t, app).get("/account")
	expectStatus(t, r, http.StatusSeeOther)
	if r.location() != "/signin?next=%2Faccount" {
		t.Fatalf("redirect to %q", r.location())
	}
}

func TestAccountPageShowsProfileAndTokens(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	b := signUpAdmin(t, app)

	r := b.get("/account")
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "<h1>My account</h1>", adminEmail, `value="Ada Admin"`, `name="version" value="1"`,
		`<option value="en" selected>English</option>`, "You have no API tokens yet.", `name="current_password"`)

	u, err := account.ByEmail(context.Background(), db, adminEmail)
	if err != nil {
		t.Fatal(err)
	}
	_, live, err := account.CreateToken(context.Background(), db, u.ID, account.NewToken{Name: "weekly report"})
	if err != nil {
		t.Fatal(err)
	}
	_, old, err := account.CreateToken(context.Background(), db, u.ID, account.NewToken{Name: "old importer"})
	if err != nil {
		t.Fatal(err)
	}
	expectStatus(t, b.post("/account/tokens/"+strconv.FormatInt(old.ID, 10)+"/revoke", nil), http.StatusSeeOther)

	r = b.get("/account")
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "The token is revoked.", "weekly report", live.Prefix+"…", "old importer", "Revoked", "Never",
		`action="/account/tokens/`+strconv.FormatInt(live.ID, 10)+`/revoke"`, `data-confirm="Revoke the token “weekly report”?`)
	// A revoked token has no revoke button any more.
	if strings.Contains(r.body, `action="/account/tokens/`+strconv.FormatInt(old.ID, 10)+`/revoke"`) {
		t.Fatal("a revoked token can be revoked again")
	}
}

func TestTokenIsShownOnceAndWorksUntilRevoked(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	b := signUpAdmin(t, app)
	secret := createTokenThroughPage(t, b, "ci script")

	// The account page lists it by its prefix, never the whole secret.
	r := b.get("/account")
	expectContains(t, r, "ci script", secret[:10])
	if strings.Contains(r.body, secret) {
		t.Fatal("the account page shows the whole secret again")
	}

	api := newBrowser(t, app)
	api.bearer = secret
	r = api.get("/api/v1/me")
	expectStatus(t, r, http.StatusOK)
	var me map[string]any
	r.decode(t, &me)
	if me["email"] != adminEmail || me["name"] != "Ada Admin" || me["is_admin"] != true || me["language"] != "en" {
		t.Fatalf("me %v", me)
	}

	ts, err := account.ListTokens(context.Background(), db, int64(me["id"].(float64)))
	if err != nil || len(ts) != 1 || ts[0].LastUsedAt == nil {
		t.Fatalf("tokens after use %+v %v", ts, err)
	}
	r = b.post("/account/tokens/"+strconv.FormatInt(ts[0].ID, 10)+"/revoke", nil)
	expectStatus(t, r, http.StatusSeeOther)
	if r.location() != "/account" {
		t.Fatalf("redirect to %q", r.location())
	}
	r = api.get("/api/v1/me")
	expectStatus(t, r, http.StatusUnauthorized)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q", ct)
	}
}

func TestTokenNeedsAName(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	b := signUpAdmin(t, app)
	r := b.post("/account/tokens", url.Values{"name": {"   "}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "This field is required.", `id="token-name"`, `aria-invalid="true"`)
	if n, _ := db.NewSelect().Table("api_tokens").Count(context.Background()); n != 0 {
		t.Fatalf("%d tokens written", n)
	}
}

func TestTokenOfAnotherUserCannotBeRevoked(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	bob := createUser(t, db, "bob@example.com", "Bob", false)
	secret, tok, err := account.CreateToken(context.Background(), db, bob.ID, account.NewToken{Name: "bob's"})
	if err != nil {
		t.Fatal(err)
	}
	// Even an admin cannot revoke somebody else's token here: it is not theirs to see.
	expectStatus(t, admin.post("/account/tokens/"+strconv.FormatInt(tok.ID, 10)+"/revoke", nil), http.StatusNotFound)
	expectStatus(t, admin.post("/account/tokens/abc/revoke", nil), http.StatusNotFound)
	api := newBrowser(t, app)
	api.bearer = secret
	expectStatus(t, api.get("/api/v1/me"), http.StatusOK)
}

func TestProfileUpdateSwitchesLanguage(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	b := signUpAdmin(t, app)

	r := b.post("/account/profile", url.Values{"name": {"Ada Lovelace"}, "language": {"zh-CN"}, "version": {"1"}})
	expectStatus(t, r, http.StatusSeeOther)
	if r.location() != "/account" || b.cookies[langCookie] != "zh-CN" {
		t.Fatalf("redirect %q, language cookie %q", r.location(), b.cookies[langCookie])
	}
	r = b.get("/account")
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, `lang="zh-CN"`, "<h1>我的账户</h1>", "个人资料已保存。", `value="Ada Lovelace"`,
		`<option value="zh-CN" selected>简体中文</option>`, `name="version" value="2"`)
	u, _ := account.ByEmail(context.Background(), db, adminEmail)
	if u.Name != "Ada Lovelace" || u.Language != "zh-CN" || u.Version != 2 {
		t.Fatalf("stored %+v", u)
	}

	// A form opened before that change is refused and shows what is stored now.
	r = b.post("/account/profile", url.Values{"name": {"Stale Name"}, "language": {"en"}, "version": {"1"}})
	expectStatus(t, r, http.StatusConflict)
	expectContains(t, r, "其他人修改了此条目", `value="Ada Lovelace"`, `name="version" value="2"`)
	if u, _ := account.ByEmail(context.Background(), db, adminEmail); u.Name != "Ada Lovelace" || u.Version != 2 {
		t.Fatalf("a stale form changed %+v", u)
	}

	// Bad input is shown beside its field.
	r = b.post("/account/profile", url.Values{"name": {""}, "language": {"zh-CN"}, "version": {"2"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "此项为必填项。", `aria-invalid="true"`)

	// Back to English: the next page speaks it.
	expectStatus(t, b.post("/account/profile", url.Values{"name": {"Ada"}, "language": {"en"}, "version": {"2"}}), http.StatusSeeOther)
	expectContains(t, b.get("/account"), `lang="en"`, "Your profile is saved.")
}

func TestPasswordChangeKeepsThisSessionOnly(t *testing.T) {
	t.Parallel()
	app, _ := testApp(t)
	here := signUpAdmin(t, app)
	elsewhere := signIn(t, app, adminEmail, testPassword)
	const next = "a much better passphrase"

	r := here.post("/account/password", url.Values{"current_password": {"not my password"}, "new_password": {next}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "The current password is not correct.")
	r = here.post("/account/password", url.Values{"current_password": {testPassword}, "new_password": {"short"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "The password needs at least 10 characters.")
	if strings.Contains(r.body, testPassword) {
		t.Fatal("the page sends a password back")
	}
	expectStatus(t, elsewhere.get("/account"), http.StatusOK)

	r = here.post("/account/password", url.Values{"current_password": {testPassword}, "new_password": {next}})
	expectStatus(t, r, http.StatusSeeOther)
	expectContains(t, here.get("/account"), "Your password is changed.")
	expectStatus(t, elsewhere.get("/account"), http.StatusSeeOther) // signed out

	r = newBrowser(t, app).post("/signin", url.Values{"email": {adminEmail}, "password": {testPassword}})
	expectStatus(t, r, http.StatusUnauthorized)
	signIn(t, app, adminEmail, next)
}

func TestAPIMe(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	expectStatus(t, newBrowser(t, app).get("/api/v1/me"), http.StatusUnauthorized)

	bob := createUser(t, db, "bob@example.com", "Bob", false)
	b := signIn(t, app, "bob@example.com", testPassword)
	r := b.api(http.MethodGet, "/api/v1/me", nil)
	expectStatus(t, r, http.StatusOK)
	var me map[string]any
	r.decode(t, &me)
	want := map[string]any{"id": float64(bob.ID), "email": "bob@example.com", "name": "Bob", "language": "en", "is_admin": false}
	if len(me) != len(want) {
		t.Fatalf("me has fields %v, want exactly %v", me, want)
	}
	for k, v := range want {
		if me[k] != v {
			t.Fatalf("me[%s] = %v, want %v", k, me[k], v)
		}
	}

	// A token that is not Rollout's is refused, not ignored.
	api := newBrowser(t, app)
	api.bearer = "rlt_not-a-real-token-at-all-000000000000"
	expectStatus(t, api.get("/api/v1/me"), http.StatusUnauthorized)
}
