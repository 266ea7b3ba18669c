// Package reporttest completes the large demo project (demo.LoadLarge: 5,000
// requirements, 500 risks, 50 goals × 100 measurements, 60 milestones, 300
// change requests) with what the dashboard also reads and the generator does
// not write: a budget with a year of spend, and daily health scores. The
// tests and benchmarks that show that the dashboard and the portfolio run
// the same number of queries whatever the size of a project use it
// (internal/report, internal/web). A few set-based statements: the point is
// volume, so the rows bypass the domain functions.
package reporttest

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/demo"
)

// Sizes of what Complete adds.
const (
	BudgetLines  = 12
	SpendEntries = 1200
	HealthDays   = 90
)

// LoadLarge creates the large demo project (unless it exists), completes it,
// and returns its id and the id of its project manager.
func LoadLarge(ctx context.Context, db *bun.DB, today date.Date) (projectID, pmID int64, err error) {
	if _, err := demo.LoadLarge(ctx, db, today); err != nil {
		return 0, 0, err
	}
	err = db.NewSelect().TableExpr("projects AS p").ColumnExpr("p.id, m.user_id").
		Join("JOIN members AS m ON m.project_id = p.id AND m.role = 'project_manager'").
		Where("p.key = ?", demo.LargeKey).OrderExpr("m.user_id").Limit(1).Scan(ctx, &projectID, &pmID)
	if err != nil {
		return 0, 0, database.MapError(err)
	}
	return projectID, pmID, Complete(ctx, db, projectID, pmID, today)
}

// Complete adds budget lines with a year of spend, and 90 days of health
// scores, to a project.
func Complete(ctx context.Context, db bun.IDB, projectID, ownerID int64, today date.Date) error {
	t := today.String()
	for _, s := range []string{
		fmt.Sprintf(`INSERT INTO budget_lines (project_id, category, planned, currency)
			SELECT %d, 'Budget line ' || n, 100000 * n, 'CNY' FROM generate_series(1, %d) AS n`, projectID, BudgetLines),
		fmt.Sprintf(`INSERT INTO spend_entries (project_id, line_id, spent_on, amount, note, entered_by)
			SELECT %d, l.ids[1 + n %% %d], DATE '%s' - (n %% 365), 500 + n %% 1000, 'Invoice ' || n, %d
			FROM generate_series(1, %d) AS n,
			     (SELECT array_agg(id ORDER BY id) AS ids FROM budget_lines WHERE project_id = %d) AS l`,
			projectID, BudgetLines, t, ownerID, SpendEntries, projectID),
		fmt.Sprintf(`INSERT INTO health_snapshots (project_id, day, score, breakdown)
			SELECT %d, DATE '%s' - d, 40 + d %% 50, '[]' FROM generate_series(1, %d) AS d
			ON CONFLICT DO NOTHING`, projectID, t, HealthDays),
		`ANALYZE budget_lines, spend_entries, health_snapshots`,
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("complete the large project: %w\n%s", err, s)
		}
	}
	return nil
}
