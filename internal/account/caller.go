package account

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/database"
)

// Credential is what a request presents to say who it is: an API token's
// secret (Authorization: Bearer) or a browser's session token (the cookie).
// At most one is set; neither means an anonymous request.
type Credential struct {
	Token   string
	Session string
}

// Anonymous reports whether the request presents no credential.
func (c Credential) Anonymous() bool { return c.Token == "" && c.Session == "" }

// tokenTouchEvery limits the writes of an API token's last use to one an
// hour: it is shown to its owner as a day, and a script that polls must not
// turn its reads into writes.
const tokenTouchEvery = time.Hour

// CallerQuery selects the enabled user the credential belongs to (table alias
// u, columns u.*) and when the credential was last marked as used
// (cred_touched_at, scanned by Touched). Other domains join their rows onto
// it, so that the caller and, say, their project come back in one round trip.
// A malformed credential is Unauthenticated.
func CallerQuery(db bun.IDB, c Credential, now time.Time) (*bun.SelectQuery, error) {
	switch {
	case c.Token != "":
		if !strings.HasPrefix(c.Token, tokenPrefix) {
			return nil, apperr.Unauthenticated()
		}
		return db.NewSelect().
			TableExpr("api_tokens AS t").
			Join("JOIN users AS u ON u.id = t.user_id").
			ColumnExpr("u.*").
			ColumnExpr("t.last_used_at AS cred_touched_at").
			Where("t.token_hash = ?", hashToken(c.Token)).
			Where("t.revoked_at IS NULL").
			Where("NOT u.disabled"), nil
	case c.Session != "":
		return db.NewSelect().
			TableExpr("sessions AS s").
			Join("JOIN users AS u ON u.id = s.user_id").
			ColumnExpr("u.*").
			ColumnExpr("s.last_seen_at AS cred_touched_at").
			Where("s.token_hash = ?", hashToken(c.Session)).
			Where("s.expires_at > ?", now).
			Where("s.last_seen_at > ?", now.Add(-SessionIdle)).
			Where("NOT u.disabled"), nil
	}
	return nil, apperr.Unauthenticated()
}

// Touched is the column CallerQuery adds; embed it in the row a caller query
// scans into.
type Touched struct {
	TouchedAt *time.Time `bun:"cred_touched_at"`
}

// Touch marks the credential as used when its mark is older than the
// interval (a minute for a session, whose idle time it measures; an hour for
// a token). It is its own short statement outside any transaction and it may
// fail — on a read-only connection, say — without failing the request: a read
// must never depend on a write, and a missed mark is made by the next request.
func Touch(ctx context.Context, db bun.IDB, c Credential, t Touched, now time.Time) {
	switch {
	case c.Token != "":
		if t.TouchedAt == nil || now.Sub(*t.TouchedAt) > tokenTouchEvery {
			_, _ = db.NewUpdate().Table("api_tokens").Set("last_used_at = ?", now).
				Where("token_hash = ?", hashToken(c.Token)).Exec(ctx)
		}
	case c.Session != "":
		if t.TouchedAt == nil || now.Sub(*t.TouchedAt) > touchEvery {
			_, _ = db.NewUpdate().Table("sessions").Set("last_seen_at = ?", now).
				Where("token_hash = ?", hashToken(c.Session)).Exec(ctx)
		}
	}
}

// Caller returns the enabled user a live credential belongs to, in one
// query (plus the occasional Touch), or Unauthenticated.
func Caller(ctx context.Context, db bun.IDB, c Credential, now time.Time) (*User, error) {
	q, err := CallerQuery(db, c, now)
	if err != nil {
		return nil, err
	}
	var row struct {
		User
		Touched
	}
	if err := q.Scan(ctx, &row); err != nil {
		if err = database.MapError(err); apperr.Is(err, apperr.KindNotFound) {
			return nil, apperr.Unauthenticated()
		}
		return nil, err
	}
	Touch(ctx, db, c, row.Touched, now)
	u := row.User
	return &u, nil
}
