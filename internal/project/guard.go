package project

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/database"
)

// CallerIn reads, in one query, the caller a credential belongs to, the
// project with this key and the caller's membership in it: the route guard's
// whole question for a project page. The user comes back whenever the
// credential is good, even with a NotFound (no such project, or one the
// caller may not see), so the error page can still show who is signed in. A
// bad credential is Unauthenticated; telling it from a missing project costs
// a second query, on that failure only.
func CallerIn(ctx context.Context, db bun.IDB, c account.Credential, key string, now time.Time) (*account.User, *Project, Access, error) {
	q, err := account.CallerQuery(db, c, now)
	if err != nil {
		return nil, nil, Access{}, err
	}
	var row struct {
		account.User
		account.Touched
		Project Project `bun:"embed:p_"`
		Role    Role    `bun:"member_role"`
	}
	err = q.Join("JOIN projects AS p ON p.key = ?", key).
		Join("LEFT JOIN members AS m ON m.project_id = p.id AND m.user_id = u.id").
		ColumnExpr(projectColumns(db)).
		ColumnExpr("coalesce(m.role, '') AS member_role").
		Scan(ctx, &row)
	if err != nil {
		if err = database.MapError(err); !apperr.Is(err, apperr.KindNotFound) {
			return nil, nil, Access{}, err
		}
		u, err := account.Caller(ctx, db, c, now)
		if err != nil {
			return nil, nil, Access{}, err
		}
		return u, nil, Access{}, apperr.NotFound()
	}
	account.Touch(ctx, db, c, row.Touched, now)
	u := row.User
	acc := Access{Role: row.Role, IsMember: row.Role != "", IsAdmin: u.IsAdmin}
	if !acc.IsMember && !u.IsAdmin {
		return &u, nil, Access{}, apperr.NotFound()
	}
	p := row.Project
	return &u, &p, acc, nil
}

// projectColumns is "p.id AS p_id, p.key AS p_key, …": every column of
// Project under the prefix CallerIn embeds it with, listed from the model so
// a new column needs no edit here, and the change counter.
var projectColumns = func() func(bun.IDB) string {
	var once sync.Once
	var cols string
	return func(db bun.IDB) string {
		once.Do(func() {
			var b strings.Builder
			for i, f := range db.Dialect().Tables().Get(reflect.TypeOf(Project{})).Fields {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("p." + string(f.SQLName) + " AS p_" + f.Name)
			}
			// The change counter is scan-only (no write sets it), so the
			// model's fields leave it out: read it too, or every read
			// model of the request would read it again (web.readKey).
			b.WriteString(", p.revision AS p_revision")
			cols = b.String()
		})
		return cols
	}
}()
