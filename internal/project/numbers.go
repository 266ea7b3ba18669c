package project

import "github.com/uptrace/bun"

// InsertNumbered makes an insert take the row's number from one of the
// project's key counters (change_seq, risk_seq) in the insert statement
// itself. The counter's row lock, which lasts until commit, is then taken
// as late as it can be: concurrent creates in one project wait for each
// other's insert and audit entry only, not for their checks and reads.
func InsertNumbered(q *bun.InsertQuery, db bun.IDB, projectID int64, counter string) *bun.InsertQuery {
	next := db.NewUpdate().Table("projects").Set("? = ? + 1", bun.Ident(counter), bun.Ident(counter)).
		Where("id = ?", projectID).Returning("? AS n", bun.Ident(counter))
	return q.With("next_number", next).Value("number", "(SELECT n FROM next_number)")
}
