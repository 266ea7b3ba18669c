package risk

import (
	"context"
	"slices"

	"github.com/uptrace/bun"

	"rollout/internal/database"
	"rollout/internal/date"
)

// ActiveAsOf returns the project's active risks rated as they stood at the
// end of day, highest score first: risks identified on or before day, each
// with the rating of its latest review dated on or before day (else the
// rating it was identified with). When no review is dated after day and the
// risk was last changed on or before day, its current rating is the one
// that stood then (it may come from an edit rather than a review). A gate
// pack built for a past decision reads risks this way, so a review recorded
// after the decision never shows in it.
//
// What the register keeps no history of is as it stands: status (a risk
// closed since counts as closed), title, owner and residual rating. The
// review is overdue when the next review date had passed on day, known only
// when no review came after day (such a review would have moved the date).
// One query whatever the number of risks and reviews.
func ActiveAsOf(ctx context.Context, db bun.IDB, projectID int64, day date.Date) ([]View, error) {
	var rows []struct {
		View          `bun:",extend"`
		AsOfP         int  `bun:"as_of_probability"`
		AsOfI         int  `bun:"as_of_impact"`
		ReviewedSince bool `bun:"reviewed_since"`
	}
	err := selectViews(db, &rows).
		ColumnExpr("EXISTS (SELECT 1 FROM risk_reviews AS rs WHERE rs.risk_id = r.id AND rs.reviewed_on > ?) AS reviewed_since", day).
		ColumnExpr(`CASE WHEN NOT EXISTS (SELECT 1 FROM risk_reviews AS rs WHERE rs.risk_id = r.id AND rs.reviewed_on > ?)
			AND (r.updated_at AT TIME ZONE 'UTC')::date <= ? THEN r.probability
			ELSE coalesce(ra.probability, r.initial_probability) END AS as_of_probability`, day, day).
		ColumnExpr(`CASE WHEN NOT EXISTS (SELECT 1 FROM risk_reviews AS rs WHERE rs.risk_id = r.id AND rs.reviewed_on > ?)
			AND (r.updated_at AT TIME ZONE 'UTC')::date <= ? THEN r.impact
			ELSE coalesce(ra.impact, r.initial_impact) END AS as_of_impact`, day, day).
		Join(`LEFT JOIN LATERAL (SELECT probability, impact FROM risk_reviews AS rl WHERE rl.risk_id = r.id AND rl.reviewed_on <= ?
			ORDER BY reviewed_on DESC, id DESC LIMIT 1) AS ra ON true`, day).
		Where("r.project_id = ? AND r.identified_on <= ? AND r.status IN (?, ?)", projectID, day, Open, Mitigating).
		Scan(ctx)
	if err != nil {
		return nil, database.MapError(err)
	}
	vs := make([]View, len(rows))
	for i, row := range rows {
		v := row.View
		v.Probability, v.Impact = row.AsOfP, row.AsOfI
		v.evaluate(day)
		v.Overdue = v.Overdue && !row.ReviewedSince
		vs[i] = v
	}
	slices.SortStableFunc(vs, func(a, b View) int {
		if a.Score != b.Score {
			return b.Score - a.Score
		}
		if a.Impact != b.Impact {
			return b.Impact - a.Impact
		}
		return a.Number - b.Number
	})
	return vs, nil
}
