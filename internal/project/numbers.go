package project

import (
	"context"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
)

// CreateNumbered creates a numbered item (a risk, a change request) in one
// statement, its own transaction when db is not one: a CTE next_number takes
// the project's next number from counter (change_seq, risk_seq; its columns
// are n and key, the project's key), the CTE created runs insert, which takes
// `(SELECT n FROM next_number)` as its number and returns the row, and the
// item's audit entry reads created (entry.From is set here). The created row
// is scanned into dest.
//
// The counter's row lock, which lasts until commit, is taken as late as it
// can be: concurrent creates in one project wait for the rest of each
// other's statement only, not for their checks and reads.
func CreateNumbered(ctx context.Context, db bun.IDB, projectID int64, counter string, insert *bun.InsertQuery, entry audit.Created, dest any) error {
	entry.From = "created"
	record, err := entry.Query(db)
	if err != nil {
		return apperr.Internal(err)
	}
	next := db.NewUpdate().Table("projects").Set("? = ? + 1", bun.Ident(counter), bun.Ident(counter)).
		Where("id = ?", projectID).Returning("? AS n, key", bun.Ident(counter))
	err = db.NewSelect().With("next_number", next).With("created", insert).With("entry", record).
		Table("created").ColumnExpr("created.*").Scan(ctx, dest)
	return database.MapError(err)
}
