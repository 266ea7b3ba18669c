package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/account"
	"rollout/internal/database"
)

// Test accounts. signUpAdmin's admin and every user of createUser share the
// password testPassword.
const (
	adminEmail   = "admin@example.com"
	testPassword = "correct horse battery"
)

// signUpAdmin runs the first-run form as a person would (admin@example.com,
// testPassword) and returns the browser, signed in as that first admin.
func signUpAdmin(t *testing.T, app *fiber.App) *browser {
	t.Helper()
	b := newBrowser(t, app)
	r := b.post("/setup", url.Values{"name": {"Ada Admin"}, "email": {adminEmail}, "password": {testPassword}})
	if r.StatusCode != http.StatusSeeOther || b.cookies["rollout_session"] == "" {
		t.Fatalf("setup: status %d, no session; body:\n%s", r.StatusCode, r.body)
	}
	return b
}

// createUser adds an account with testPassword directly in the database.
func createUser(t *testing.T, db database.IDB, email, name string, admin bool) *account.User {
	t.Helper()
	u, err := account.Create(context.Background(), db, 0, account.NewUser{Email: email, Name: name,
		Password: testPassword, IsAdmin: admin})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// signIn signs in through the real sign-in form and returns the browser.
func signIn(t *testing.T, app *fiber.App, email, password string) *browser {
	t.Helper()
	b := newBrowser(t, app)
	r := b.post("/signin", url.Values{"email": {email}, "password": {password}})
	if r.StatusCode != http.StatusSeeOther || b.cookies["rollout_session"] == "" {
		t.Fatalf("sign in as %s: status %d, no session; body:\n%s", email, r.StatusCode, r.body)
	}
	return b
}
