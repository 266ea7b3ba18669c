package account

import (
	"context"
	"sync"
	"testing"
	"time"

	"rollout/internal/apperr"
	"rollout/internal/database/dbtest"
)

// Two people submitting the first-run form at the same moment: exactly one
// becomes the first admin, the other is told it is done.
func TestFirstAdminRace(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	const racers = 8
	var wg sync.WaitGroup
	errs := make([]error, racers)
	start := make(chan struct{})
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = CreateFirstAdmin(ctx, db, NewUser{Email: "admin" + string(rune('a'+i)) + "@example.com",
				Name: "Admin", Password: "long enough password"})
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case apperr.Is(err, apperr.KindConflict):
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	n, err := db.NewSelect().Table("users").Count(ctx)
	if won != 1 || n != 1 || err != nil {
		t.Fatalf("%d winners, %d users (%v)", won, n, err)
	}
	users, _ := List(ctx, db)
	if !users[0].IsAdmin {
		t.Fatal("the first user is not an admin")
	}
}

func TestSignInThrottle(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	if _, err := Create(ctx, db, 0, NewUser{Email: "li@example.com", Name: "Li", Password: "the right password"}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	// Four wrong passwords are answered plainly.
	for i := range freeFailuresPerAccount {
		_, _, err := SignIn(ctx, db, "li@example.com", "wrong password", "10.0.0.1", "", now.Add(time.Duration(i)*time.Second))
		if err != ErrBadCredentials {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	// The fifth locks the account for 30 seconds: even the right password waits.
	now = now.Add(10 * time.Second)
	if _, _, err := SignIn(ctx, db, "li@example.com", "wrong password", "10.0.0.1", "", now); err != ErrBadCredentials {
		t.Fatalf("fifth attempt: %v", err)
	}
	_, _, err := SignIn(ctx, db, "LI@example.com", "the right password", "10.0.0.2", "", now.Add(time.Second))
	if !apperr.Is(err, apperr.KindTooManyRequests) {
		t.Fatalf("locked account let in: %v", err)
	}
	// Each further failure doubles the wait.
	now = now.Add(31 * time.Second)
	if _, _, err := SignIn(ctx, db, "li@example.com", "wrong again", "10.0.0.1", "", now); err != ErrBadCredentials {
		t.Fatalf("sixth attempt: %v", err)
	}
	if _, _, err := SignIn(ctx, db, "li@example.com", "the right password", "10.0.0.1", "", now.Add(45*time.Second)); !apperr.Is(err, apperr.KindTooManyRequests) {
		t.Fatalf("second lock should last 60 s: %v", err)
	}
	// After the lock the right password works and clears the count.
	u, token, err := SignIn(ctx, db, "li@example.com", "the right password", "10.0.0.1", "", now.Add(61*time.Second))
	if err != nil || u.Email != "li@example.com" || token == "" {
		t.Fatalf("after the lock: %v", err)
	}
	if _, _, err := SignIn(ctx, db, "li@example.com", "wrong", "10.0.0.1", "", now.Add(62*time.Second)); err != ErrBadCredentials {
		t.Fatalf("count not cleared: %v", err)
	}
}

// One address trying many accounts is slowed down too.
func TestSignInThrottlePerAddress(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range freeFailuresPerAddress {
		email := "nobody" + string(rune('a'+i)) + "@example.com"
		if _, _, err := SignIn(ctx, db, email, "guess", "10.9.9.9", "", now); err != ErrBadCredentials {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	if _, _, err := SignIn(ctx, db, "one-more@example.com", "guess", "10.9.9.9", "", now); err != ErrBadCredentials {
		t.Fatal(err)
	}
	if _, _, err := SignIn(ctx, db, "another@example.com", "guess", "10.9.9.9", "", now); !apperr.Is(err, apperr.KindTooManyRequests) {
		t.Fatalf("address not throttled: %v", err)
	}
	// Another address is not affected.
	if _, _, err := SignIn(ctx, db, "another@example.com", "guess", "10.1.1.1", "", now); err != ErrBadCredentials {
		t.Fatalf("other address: %v", err)
	}
}

func TestSessionsExpire(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	if _, err := Create(ctx, db, 0, NewUser{Email: "wu@example.com", Name: "Wu", Password: "the right password"}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	_, token, err := SignIn(ctx, db, "wu@example.com", "the right password", "10.0.0.1", "", now)
	if err != nil {
		t.Fatal(err)
	}
	// Used every few hours, it lives until the absolute limit.
	at := now
	for at.Before(now.Add(SessionMax - 11*time.Hour)) {
		at = at.Add(11 * time.Hour)
		if _, err := SessionUser(ctx, db, token, at); err != nil {
			t.Fatalf("at %v: %v", at.Sub(now), err)
		}
	}
	if _, err := SessionUser(ctx, db, token, now.Add(SessionMax+time.Minute)); !apperr.Is(err, apperr.KindUnauthenticated) {
		t.Fatalf("past the absolute limit: %v", err)
	}
	// Left idle, it ends after SessionIdle.
	_, token, err = SignIn(ctx, db, "wu@example.com", "the right password", "10.0.0.1", "", now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SessionUser(ctx, db, token, now.Add(SessionIdle+time.Minute)); !apperr.Is(err, apperr.KindUnauthenticated) {
		t.Fatalf("idle session still valid: %v", err)
	}
	// Signing in again with the old token ends it: no fixation.
	_, old, err := SignIn(ctx, db, "wu@example.com", "the right password", "10.0.0.1", "", now)
	if err != nil {
		t.Fatal(err)
	}
	_, fresh, err := SignIn(ctx, db, "wu@example.com", "the right password", "10.0.0.1", old, now)
	if err != nil || fresh == old {
		t.Fatalf("new token %q old %q: %v", fresh, old, err)
	}
	if _, err := SessionUser(ctx, db, old, now); !apperr.Is(err, apperr.KindUnauthenticated) {
		t.Fatalf("old session still valid: %v", err)
	}
}

// The clean-up deletes sessions past their end (idle too long, or too old)
// and throttle rows that no longer count, and keeps everything still in use.
func TestCleanUpDeletesExpiredSessionsAndSpentThrottles(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	u, err := Create(ctx, db, 0, NewUser{Email: "mei@example.com", Name: "Mei", Password: "the right password"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	session := func(name string, created, lastSeen time.Time) {
		s := &Session{TokenHash: hashToken(name), UserID: u.ID, CreatedAt: created, LastSeenAt: lastSeen, ExpiresAt: created.Add(SessionMax)}
		if _, err := db.NewInsert().Model(s).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	session("live", now.Add(-time.Hour), now.Add(-time.Minute))
	session("live-long", now.Add(-SessionMax+time.Hour), now.Add(-SessionIdle+time.Hour))
	session("idle", now.Add(-2*SessionIdle), now.Add(-SessionIdle-time.Minute))
	session("too-old", now.Add(-SessionMax-time.Minute), now.Add(-time.Minute))

	throttle := func(key string, lastAt time.Time, lockedUntil *time.Time) {
		if _, err := db.NewInsert().Table("signin_failures").Model(&map[string]any{
			"key": key, "failures": 9, "last_at": lastAt, "locked_until": lockedUntil,
		}).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	inFuture, inPast := now.Add(time.Minute), now.Add(-50*time.Minute)
	throttle("email:recent@example.com", now.Add(-10*time.Minute), nil)
	throttle("ip:192.0.2.1", now.Add(-time.Minute), &inFuture) // locked now
	throttle("email:spent@example.com", now.Add(-failureMemory-time.Minute), nil)
	throttle("ip:192.0.2.2", now.Add(-failureMemory-time.Minute), &inPast)

	sessions, throttles, err := CleanUp(ctx, db, now)
	if err != nil || sessions != 2 || throttles != 2 {
		t.Fatalf("CleanUp deleted %d sessions and %d throttle rows (%v); want 2 and 2", sessions, throttles, err)
	}
	for _, name := range []string{"live", "live-long"} {
		if n, _ := db.NewSelect().Table("sessions").Where("token_hash = ?", hashToken(name)).Count(ctx); n != 1 {
			t.Errorf("session %s was deleted", name)
		}
	}
	var keys []string
	if err := db.NewSelect().Table("signin_failures").Column("key").Order("key").Scan(ctx, &keys); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0] != "email:recent@example.com" || keys[1] != "ip:192.0.2.1" {
		t.Fatalf("throttle rows left: %v", keys)
	}
	// The live session still signs in; the lock still holds.
	if _, err := SessionUser(ctx, db, "live", now); err != nil {
		t.Errorf("the live session no longer works: %v", err)
	}
	if err := checkThrottle(ctx, db, []string{"ip:192.0.2.1"}, now); !apperr.Is(err, apperr.KindTooManyRequests) {
		t.Errorf("the running lock was lost: %v", err)
	}
	// A second run, as another instance would do it, finds nothing more.
	if s, th, err := CleanUp(ctx, db, now); err != nil || s != 0 || th != 0 {
		t.Fatalf("second CleanUp: %d, %d, %v", s, th, err)
	}
}
