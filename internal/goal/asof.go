package goal

import (
	"context"

	"github.com/uptrace/bun"

	"rollout/internal/database"
	"rollout/internal/date"
)

// ListAsOf returns the project's goals with their figures as they stood at
// the end of day: the current value is the latest measurement dated on or
// before day (else the baseline), the sparkline and the count hold only
// those measurements, and progress and status are evaluated on day. A gate
// pack built for a past decision reads goals this way, so a measurement
// recorded later for a later day never shows under "as the committee saw it".
//
// The goal's own fields (title, target, owner) are as they stand: goals keep
// no history of them besides the activity log. One query whatever the number
// of goals or measurements.
func ListAsOf(ctx context.Context, db bun.IDB, projectID int64, day date.Date) ([]View, error) {
	var vs []View
	err := db.NewSelect().Model(&vs).
		ColumnExpr("g.*").
		ColumnExpr("u.name AS owner_name").
		ColumnExpr("coalesce(lm.value, g.baseline) AS current_value").
		ColumnExpr("lm.measured_on AS current_on").
		ColumnExpr("(SELECT count(*) FROM measurements AS mc WHERE mc.goal_id = g.id AND mc.measured_on <= ?) AS measurement_count", day).
		ColumnExpr(`(SELECT coalesce(array_agg(r.value ORDER BY r.measured_on, r.id), '{}') FROM
			(SELECT value, measured_on, id FROM measurements AS mr WHERE mr.goal_id = g.id AND mr.measured_on <= ?
			 ORDER BY measured_on DESC, id DESC LIMIT ?) AS r) AS recent`, day, sparkPoints).
		Join("JOIN users AS u ON u.id = g.owner_id").
		Join(`LEFT JOIN LATERAL (SELECT value, measured_on FROM measurements AS ml WHERE ml.goal_id = g.id AND ml.measured_on <= ?
			ORDER BY measured_on DESC, id DESC LIMIT 1) AS lm ON true`, day).
		Where("g.project_id = ?", projectID).OrderExpr("g.due_on, g.id").Scan(ctx)
	if err != nil {
		return nil, database.MapError(err)
	}
	for i := range vs {
		vs[i].evaluate(day)
	}
	return vs, nil
}
