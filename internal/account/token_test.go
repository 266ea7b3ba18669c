package account

import (
	"context"
	"strings"
	"testing"
	"time"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database/dbtest"
)

func TestTokenLifecycle(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	u := mustCreate(t, db, "alice@example.com", "Alice")

	secret, tok, err := CreateToken(ctx, db, u.ID, NewToken{Name: "  reporting script "})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "rlt_") || len(secret) < 40 {
		t.Fatalf("secret %q", secret)
	}
	if tok.ID == 0 || tok.UserID != u.ID || tok.Name != "reporting script" || !strings.HasPrefix(secret, tok.Prefix) ||
		len(tok.Prefix) >= len(secret) || tok.LastUsedAt != nil || tok.RevokedAt != nil {
		t.Fatalf("token %+v", tok)
	}
	// Only the hash is stored, never the secret.
	var stored []byte
	if err := db.NewSelect().Table("api_tokens").Column("token_hash").Where("id = ?", tok.ID).Scan(ctx, &stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored), secret) {
		t.Fatal("the secret is stored in clear")
	}

	// A second token; the list is newest first.
	_, tok2, err := CreateToken(ctx, db, u.ID, NewToken{Name: "backup"})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := ListTokens(ctx, db, u.ID)
	if err != nil || len(ts) != 2 || ts[0].ID != tok2.ID || ts[1].ID != tok.ID {
		t.Fatalf("list %+v %v", ts, err)
	}

	// Using the token finds its user and marks it used.
	now := time.Now()
	got, err := TokenUser(ctx, db, secret, now)
	if err != nil || got.ID != u.ID || got.Email != "alice@example.com" {
		t.Fatalf("token user %+v %v", got, err)
	}
	ts, _ = ListTokens(ctx, db, u.ID)
	if ts[1].LastUsedAt == nil || ts[1].LastUsedAt.Sub(now).Abs() > time.Second || ts[0].LastUsedAt != nil {
		t.Fatalf("last used %+v", ts)
	}

	// Unknown and malformed secrets are refused alike.
	for _, bad := range []string{"", "rlt_nope", secret + "x", strings.TrimPrefix(secret, "rlt_")} {
		if _, err := TokenUser(ctx, db, bad, now); !apperr.Is(err, apperr.KindUnauthenticated) {
			t.Fatalf("secret %q: %v", bad, err)
		}
	}

	// Revoked, the token no longer works; the other one still does.
	if err := RevokeToken(ctx, db, u.ID, tok.ID, now); err != nil {
		t.Fatal(err)
	}
	if _, err := TokenUser(ctx, db, secret, now); !apperr.Is(err, apperr.KindUnauthenticated) {
		t.Fatalf("revoked token: %v", err)
	}
	ts, _ = ListTokens(ctx, db, u.ID)
	if len(ts) != 2 || ts[1].RevokedAt == nil || ts[0].RevokedAt != nil {
		t.Fatalf("after revoke %+v", ts)
	}
	// Revoking twice changes nothing and records nothing more.
	if err := RevokeToken(ctx, db, u.ID, tok.ID, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	es, err := audit.List(ctx, db, audit.Filter{Entity: "api_token"})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 || es[0].Action != "revoke" || es[1].Action != audit.Create || es[2].Action != audit.Create ||
		es[0].ActorID == nil || *es[0].ActorID != u.ID {
		t.Fatalf("trail %+v", es)
	}
	for _, e := range es {
		if strings.Contains(string(e.After), secret) || strings.Contains(string(e.After), "token_hash") {
			t.Fatalf("the trail holds the secret: %s", e.After)
		}
	}
}

func TestTokenOfAnotherUserCannotBeRevoked(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	alice := mustCreate(t, db, "alice@example.com", "Alice")
	bob := mustCreate(t, db, "bob@example.com", "Bob")
	secret, tok, err := CreateToken(ctx, db, alice.ID, NewToken{Name: "alice's"})
	if err != nil {
		t.Fatal(err)
	}
	entries := countRows(t, db, "audit_entries")

	if err := RevokeToken(ctx, db, bob.ID, tok.ID, time.Now()); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("bob revoking alice's token: %v", err)
	}
	if err := RevokeToken(ctx, db, bob.ID, 999999, time.Now()); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("unknown token: %v", err)
	}
	if u, err := TokenUser(ctx, db, secret, time.Now()); err != nil || u.ID != alice.ID {
		t.Fatalf("alice's token after bob's attempt: %v %v", u, err)
	}
	if countRows(t, db, "audit_entries") != entries {
		t.Fatal("a refused revoke was recorded")
	}
	if ts, _ := ListTokens(ctx, db, bob.ID); len(ts) != 0 {
		t.Fatalf("bob sees %+v", ts)
	}
}

func TestTokenNeedsAName(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	u := mustCreate(t, db, "alice@example.com", "Alice")
	_, _, err := CreateToken(context.Background(), db, u.ID, NewToken{Name: "   "})
	if fieldMessage(t, err, "name") != "validation.required" {
		t.Fatalf("blank name: %v", err)
	}
	_, _, err = CreateToken(context.Background(), db, u.ID, NewToken{Name: strings.Repeat("n", 81)})
	if fieldMessage(t, err, "name") != "validation.max_len" {
		t.Fatalf("long name: %v", err)
	}
	if n := countRows(t, db, "api_tokens"); n != 0 {
		t.Fatalf("%d tokens written", n)
	}
}
