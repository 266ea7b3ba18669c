package account

import (
	"context"
	"sync"
	"testing"
	"time"

	"rollout/internal/apperr"
	"rollout/internal/database/dbtest"
)

func messageID(err error) string {
	if ae, ok := err.(*apperr.Error); ok {
		return ae.Message.ID
	}
	return ""
}

// A company sign-in under way is taken once, by one of many racing
// callbacks, and not after it expired; the clean-up removes abandoned ones.
func TestOIDCLoginIsTakenOnce(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	now := time.Now()
	state, nonce, err := StartOIDCLogin(ctx, db, "verifier", "/projects", "192.0.2.1", now)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := TakeOIDCLogin(ctx, db, state, now.Add(time.Second))
			if err == nil {
				if !l.NonceMatches(nonce) || l.Verifier != "verifier" || l.NextPath != "/projects" {
					t.Errorf("taken %+v", l)
				}
				mu.Lock()
				taken++
				mu.Unlock()
			} else if messageID(err) != "oidc.state_invalid" {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if taken != 1 {
		t.Errorf("taken %d times", taken)
	}

	late, _, err := StartOIDCLogin(ctx, db, "v", "/", "192.0.2.1", now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TakeOIDCLogin(ctx, db, late, now.Add(OIDCLoginTTL)); messageID(err) != "oidc.state_invalid" {
		t.Errorf("an expired sign-in: %v", err)
	}
	if _, _, err := StartOIDCLogin(ctx, db, "v", "/", "192.0.2.1", now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := CleanUp(ctx, db, now.Add(OIDCLoginTTL)); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.NewSelect().Table("oidc_logins").Count(ctx); n != 0 {
		t.Errorf("%d abandoned sign-ins left", n)
	}
}

// A disabled account stays out through the provider too, and a sign-in that
// names no subject is refused.
func TestOIDCSignInRefusals(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	admin, err := CreateFirstAdmin(ctx, db, NewUser{Email: "admin@example.com", Name: "Admin", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := Create(ctx, db, admin.ID, NewUser{Email: "ann@example.com", Name: "Ann", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SetDisabled(ctx, db, admin.ID, u.ID, true); err != nil {
		t.Fatal(err)
	}
	id := Identity{Issuer: "https://sso.example.com", Subject: "s-ann", Email: "ann@example.com", EmailVerified: true}
	if _, _, err := SignInOIDC(ctx, db, id, OIDCSignIn{}, time.Now()); messageID(err) != "signin.disabled" {
		t.Errorf("a disabled account: %v", err)
	}
	if after, _ := ByID(ctx, db, u.ID); after.OIDCSubject != "" {
		t.Error("a refused sign-in linked the account")
	}
	id.Subject = ""
	if _, _, err := SignInOIDC(ctx, db, id, OIDCSignIn{AllowSignup: true}, time.Now()); messageID(err) != "oidc.token_invalid" {
		t.Errorf("no subject: %v", err)
	}
	if n, _ := db.NewSelect().Table("sessions").Count(ctx); n != 0 {
		t.Errorf("%d sessions", n)
	}
}
