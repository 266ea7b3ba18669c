package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"math"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/database"
)

// Session lifetimes: a session ends after SessionIdle without use, and in any
// case SessionMax after sign-in.
const (
	SessionIdle = 12 * time.Hour
	SessionMax  = 7 * 24 * time.Hour
	// touchEvery limits last-seen writes to one a minute per session or token.
	touchEvery = time.Minute
)

// Session is a signed-in browser.
type Session struct {
	bun.BaseModel `bun:"table:sessions"`

	TokenHash  []byte `bun:",pk"`
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// SignIn checks the throttle and the credentials and starts a new session. The
// session named by oldToken, if any, ends: a session id is never reused across a
// sign-in (no session fixation). It returns the new session's token.
func SignIn(ctx context.Context, db bun.IDB, email, password, ip, oldToken string, now time.Time) (*User, string, error) {
	return SignInPassword(ctx, db, PasswordsForAll, email, password, ip, oldToken, now)
}

// PasswordRule says whose local password opens a session.
type PasswordRule int

const (
	// PasswordsForAll: every account with a password may use it.
	PasswordsForAll PasswordRule = iota
	// PasswordsForFirstAdmin: company sign-in only; the first administrator
	// keeps a local password, the way in when the provider is away.
	PasswordsForFirstAdmin
)

// SignInPassword is SignIn under rule. A right password that the rule
// refuses is told apart from a wrong one only to whoever knew it.
func SignInPassword(ctx context.Context, db bun.IDB, rule PasswordRule, email, password, ip, oldToken string, now time.Time) (*User, string, error) {
	keys := []string{"email:" + strings.ToLower(strings.TrimSpace(email)), "ip:" + ip}
	if err := checkThrottle(ctx, db, keys, now); err != nil {
		return nil, "", err
	}
	u, err := checkCredentials(ctx, db, email, password)
	if err != nil {
		if apperr.Is(err, apperr.KindUnauthenticated) {
			if ferr := recordFailure(ctx, db, keys, now); ferr != nil {
				return nil, "", ferr
			}
		}
		return nil, "", err
	}
	if rule == PasswordsForFirstAdmin {
		first, err := isFirstAdmin(ctx, db, u)
		if err != nil {
			return nil, "", err
		}
		if !first {
			return nil, "", &apperr.Error{Kind: apperr.KindUnauthenticated, Message: apperr.Msg("oidc.passwords_off")}
		}
	}
	var token string
	err = database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Table("signin_failures").Where("key = ?", keys[0]).Exec(ctx); err != nil {
			return database.MapError(err)
		}
		token, err = startSession(ctx, tx, u.ID, oldToken, now)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return u, token, nil
}

// startSession opens a session for userID and ends oldToken's, if any; it
// returns the new session's token.
func startSession(ctx context.Context, tx bun.Tx, userID int64, oldToken string, now time.Time) (string, error) {
	if oldToken != "" {
		if err := EndSession(ctx, tx, oldToken); err != nil {
			return "", err
		}
	}
	token := randomToken(32)
	s := &Session{TokenHash: hashToken(token), UserID: userID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SessionMax)}
	if _, err := tx.NewInsert().Model(s).Exec(ctx); err != nil {
		return "", database.MapError(err)
	}
	return token, nil
}

// SessionUser returns the user of a live session, or Unauthenticated.
func SessionUser(ctx context.Context, db bun.IDB, token string, now time.Time) (*User, error) {
	if token == "" {
		return nil, apperr.Unauthenticated()
	}
	return Caller(ctx, db, Credential{Session: token}, now)
}

// EndSession signs a session out.
func EndSession(ctx context.Context, db bun.IDB, token string) error {
	_, err := db.NewDelete().Table("sessions").Where("token_hash = ?", hashToken(token)).Exec(ctx)
	return database.MapError(err)
}

func endSessionsExcept(ctx context.Context, db bun.IDB, userID int64, keep string) error {
	q := db.NewDelete().Table("sessions").Where("user_id = ?", userID)
	if keep != "" {
		q = q.Where("token_hash <> ?", hashToken(keep))
	}
	_, err := q.Exec(ctx)
	return database.MapError(err)
}

// DeleteExpiredSessions removes sessions past their end, the same ones
// SessionUser no longer accepts; CleanUp calls it.
func DeleteExpiredSessions(ctx context.Context, db bun.IDB, now time.Time) (int64, error) {
	res, err := db.NewDelete().Table("sessions").
		Where("expires_at <= ? OR last_seen_at <= ?", now, now.Add(-SessionIdle)).Exec(ctx)
	if err != nil {
		return 0, database.MapError(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// DeleteSpentThrottles removes sign-in throttle rows that no longer count: no
// failure for longer than failureMemory (the next one would start again at 1)
// and no lock still running. Deleting them changes nothing for anyone
// signing in; it only keeps a stream of wrong passwords from many addresses
// from filling the table. CleanUp calls it.
func DeleteSpentThrottles(ctx context.Context, db bun.IDB, now time.Time) (int64, error) {
	res, err := db.NewDelete().Table("signin_failures").
		Where("last_at < ?", now.Add(-failureMemory)).
		Where("locked_until IS NULL OR locked_until <= ?", now).Exec(ctx)
	if err != nil {
		return 0, database.MapError(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// CleanUp deletes expired sessions, spent throttle rows and abandoned company
// sign-ins, and says how many sessions and throttle rows it deleted. Each is one DELETE of rows nobody can use any more, so two server
// instances running it at the same moment do no harm.
func CleanUp(ctx context.Context, db bun.IDB, now time.Time) (sessions, throttles int64, err error) {
	if sessions, err = DeleteExpiredSessions(ctx, db, now); err != nil {
		return 0, 0, err
	}
	if throttles, err = DeleteSpentThrottles(ctx, db, now); err != nil {
		return 0, 0, err
	}
	// Company sign-ins abandoned at the provider: nobody can finish them.
	_, err = deleteExpiredOIDCLogins(ctx, db, now)
	return sessions, throttles, err
}

// Throttle rules for failed sign-ins: after `free` failures in a row each further
// failure locks the key for twice as long as the last, from 30 seconds up to 15
// minutes. Failures are forgotten after an hour without one.
const (
	freeFailuresPerAccount = 4
	freeFailuresPerAddress = 20
	firstLock              = 30 * time.Second
	longestLock            = 15 * time.Minute
	failureMemory          = time.Hour
)

func lockFor(failures, free int) time.Duration {
	if failures <= free {
		return 0
	}
	d := time.Duration(float64(firstLock) * math.Pow(2, float64(failures-free-1)))
	if d > longestLock || d <= 0 {
		return longestLock
	}
	return d
}

func checkThrottle(ctx context.Context, db bun.IDB, keys []string, now time.Time) error {
	var until []time.Time
	err := db.NewSelect().Table("signin_failures").Column("locked_until").
		Where("key IN (?)", bun.List(keys)).Where("locked_until > ?", now).
		OrderExpr("locked_until DESC").Limit(1).Scan(ctx, &until)
	if err != nil {
		return database.MapError(err)
	}
	if len(until) > 0 {
		secs := int(math.Ceil(until[0].Sub(now).Seconds()))
		return apperr.TooManyRequests("signin.throttled", "Seconds", secs)
	}
	return nil
}

func recordFailure(ctx context.Context, db bun.IDB, keys []string, now time.Time) error {
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		for i, key := range keys {
			var failures int
			err := tx.QueryRowContext(ctx, `
INSERT INTO signin_failures (key, failures, last_at) VALUES (?, 1, ?)
ON CONFLICT (key) DO UPDATE SET
  failures = CASE WHEN signin_failures.last_at < ? THEN 1 ELSE signin_failures.failures + 1 END,
  last_at = excluded.last_at
RETURNING failures`, key, now, now.Add(-failureMemory)).Scan(&failures)
			if err != nil {
				return database.MapError(err)
			}
			free := freeFailuresPerAccount
			if i > 0 {
				free = freeFailuresPerAddress
			}
			if d := lockFor(failures, free); d > 0 {
				if _, err := tx.NewUpdate().Table("signin_failures").Set("locked_until = ?", now.Add(d)).
					Where("key = ?", key).Exec(ctx); err != nil {
					return database.MapError(err)
				}
			}
		}
		return nil
	})
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// randomToken returns n random bytes as URL-safe base64.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// randomPassword is a temporary password that is easy to read out and type:
// no 0/O or 1/l/I.
func randomPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 14)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
