package project

import "github.com/uptrace/bun"

// NextNumber is the UPDATE that takes the project's next number from one of
// its key counters (change_seq, risk_seq), for a create statement to name
// next_number among its CTEs: its columns are n and key (the project's key),
// and the insert takes `(SELECT n FROM next_number)` as its number. The
// counter's row lock, which lasts until commit, is then taken as late as it
// can be: concurrent creates in one project wait for the rest of each
// other's statement only, not for their checks and reads.
func NextNumber(db bun.IDB, projectID int64, counter string) *bun.UpdateQuery {
	return db.NewUpdate().Table("projects").Set("? = ? + 1", bun.Ident(counter), bun.Ident(counter)).
		Where("id = ?", projectID).Returning("? AS n, key", bun.Ident(counter))
}
