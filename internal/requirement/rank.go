package requirement

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/project"
)

// Target says where a requirement moves: just before or after another one
// (by number), or to the top or bottom of the backlog.
type Target struct {
	Before int  `json:"before" form:"before"`
	After  int  `json:"after" form:"after"`
	Top    bool `json:"top" form:"top"`
	Bottom bool `json:"bottom" form:"bottom"`
}

// Move changes a requirement's place in the backlog. Usually that is one
// small write: the midpoint between its new neighbours' ranks. Only when
// there is no integer left between them is the whole backlog renumbered, in
// one statement. Moves of one project are serialised on the project row, so
// two people moving at once both get their move, in some order.
// A move is not an edit of the content: it does not bump the version.
// Only those who manage the backlog rank it, owners included.
func Move(ctx context.Context, db bun.IDB, caller project.Caller, projectID int64, number int, to Target) error {
	if !caller.Can(project.ManageRequirements) {
		return apperr.Forbidden()
	}
	actorID := caller.UserID
	set := 0
	for _, b := range []bool{to.Before != 0, to.After != 0, to.Top, to.Bottom} {
		if b {
			set++
		}
	}
	if set != 1 {
		return apperr.InvalidField("target", "requirement.move_target")
	}
	if to.Before == number || to.After == number {
		return nil
	}
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewRaw("SELECT id FROM projects WHERE id = ? FOR UPDATE", projectID).Exec(ctx); err != nil {
			return database.MapError(err)
		}
		r, err := Get(ctx, tx, projectID, number)
		if err != nil {
			return err
		}
		for attempt := 0; attempt < 2; attempt++ {
			lo, hi, err := neighbours(ctx, tx, projectID, r.ID, to)
			if err != nil {
				return err
			}
			if hi-lo > 1 {
				rank := lo + (hi-lo)/2
				if _, err := tx.NewUpdate().With("tail", raiseTail(tx, projectID, rank)).
					Table("requirements").Set("rank = ?", rank).Where("id = ?", r.ID).Exec(ctx); err != nil {
					return database.MapError(err)
				}
				return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "requirement",
					EntityID: r.ID, Action: "move", Before: map[string]int64{"rank": r.Rank}, After: map[string]int64{"rank": rank}})
			}
			if err := renumber(ctx, tx, projectID); err != nil {
				return err
			}
		}
		return apperr.Internal(nil)
	})
}

// neighbours returns the ranks the moved item must fall strictly between.
func neighbours(ctx context.Context, tx bun.Tx, projectID, selfID int64, to Target) (int64, int64, error) {
	var lo, hi int64
	q := func(expr string, args ...any) *bun.SelectQuery {
		return tx.NewSelect().Table("requirements").ColumnExpr(expr, args...).
			Where("project_id = ? AND id <> ?", projectID, selfID)
	}
	var err error
	switch {
	case to.Top:
		err = q("coalesce(min(rank), ?)", 2*gap).Scan(ctx, &hi)
		lo = 0
	case to.Bottom:
		err = q("coalesce(max(rank), 0)").Scan(ctx, &lo)
		hi = lo + 2*gap
	case to.Before != 0:
		var anchor int64
		if anchor, err = rankOf(ctx, tx, projectID, to.Before); err == nil {
			hi = anchor
			err = q("coalesce(max(rank), 0)").Where("rank < ?", anchor).Scan(ctx, &lo)
		}
	default:
		var anchor int64
		if anchor, err = rankOf(ctx, tx, projectID, to.After); err == nil {
			lo = anchor
			err = q("coalesce(min(rank), ?)", anchor+2*gap).Where("rank > ?", anchor).Scan(ctx, &hi)
		}
	}
	return lo, hi, database.MapError(err)
}

func rankOf(ctx context.Context, tx bun.Tx, projectID int64, number int) (int64, error) {
	var rank int64
	err := tx.NewSelect().Table("requirements").Column("rank").Where("project_id = ? AND number = ?", projectID, number).Scan(ctx, &rank)
	if err != nil {
		if err = database.MapError(err); apperr.Is(err, apperr.KindNotFound) {
			return 0, apperr.InvalidField("target", "requirement.move_no_anchor", "Number", number)
		}
	}
	return rank, err
}

// renumber spaces the whole backlog out again, keeping its order.
func renumber(ctx context.Context, tx bun.Tx, projectID int64) error {
	_, err := tx.NewRaw(`WITH o AS (SELECT id, row_number() OVER (ORDER BY rank, id) AS n FROM requirements WHERE project_id = ?),
		tail AS (?)
		UPDATE requirements AS r SET rank = o.n * ? FROM o WHERE r.id = o.id`,
		projectID, raiseTail(tx, projectID, bun.Safe(fmt.Sprintf("(SELECT count(*) * %d FROM o)", gap))), gap).Exec(ctx)
	return database.MapError(err)
}

// raiseTail is the UPDATE, added as a CTE to a statement that writes a rank
// of at most top (a value or an SQL expression), that keeps the project's
// rank tail above every rank: creates take theirs from the tail (see
// insert). Its caller holds the project row lock.
func raiseTail(db bun.IDB, projectID int64, top any) *bun.UpdateQuery {
	return db.NewUpdate().Table("projects").Set("requirement_rank_tail = greatest(requirement_rank_tail, ?)", top).
		Where("id = ?", projectID)
}

// Step moves a requirement one place up (delta -1) or down (+1) in the whole
// backlog: the keyboard alternative to dragging.
func Step(ctx context.Context, db bun.IDB, caller project.Caller, projectID int64, number, delta int) error {
	r, err := Get(ctx, db, projectID, number)
	if err != nil {
		return err
	}
	var neighbour int
	q := db.NewSelect().Table("requirements").Column("number").Where("project_id = ?", projectID).Limit(1)
	if delta < 0 {
		q = q.Where("rank < ?", r.Rank).OrderExpr("rank DESC")
	} else {
		q = q.Where("rank > ?", r.Rank).OrderExpr("rank")
	}
	if err := q.Scan(ctx, &neighbour); err != nil {
		if err = database.MapError(err); apperr.Is(err, apperr.KindNotFound) {
			return nil // already first or last
		}
		return err
	}
	if delta < 0 {
		return Move(ctx, db, caller, projectID, number, Target{Before: neighbour})
	}
	return Move(ctx, db, caller, projectID, number, Target{After: neighbour})
}
