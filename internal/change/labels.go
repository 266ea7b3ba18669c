package change

import (
	"context"

	"github.com/uptrace/bun"

	"rollout/internal/database"
	"rollout/internal/date"
)

// Label is how a page names an item an operation changes.
type Label struct {
	Title     string    // a requirement's title, a milestone's name
	PlannedOn date.Date // a milestone's planned day
}

// Labels returns the label of each target that still exists in the project:
// a target missing from the map no longer exists. It asks for exactly these
// items, one query per kind of target, whatever the size of the backlog.
func Labels(ctx context.Context, db bun.IDB, projectID int64, targets []Target) (map[Target]Label, error) {
	out := make(map[Target]Label, len(targets))
	numbers, milestones := targetIDs(targets)
	if len(numbers) > 0 {
		var rows []struct {
			Number int    `bun:"number"`
			Title  string `bun:"title"`
		}
		if err := db.NewSelect().Table("requirements").Column("number", "title").
			Where("project_id = ? AND number IN (?)", projectID, bun.List(numbers)).Scan(ctx, &rows); err != nil {
			return nil, database.MapError(err)
		}
		for _, r := range rows {
			out[RequirementTarget(r.Number)] = Label{Title: r.Title}
		}
	}
	if len(milestones) > 0 {
		var rows []struct {
			ID        int64     `bun:"id"`
			Name      string    `bun:"name"`
			PlannedOn date.Date `bun:"planned_on"`
		}
		if err := db.NewSelect().Table("milestones").Column("id", "name", "planned_on").
			Where("project_id = ? AND id IN (?)", projectID, bun.List(milestones)).Scan(ctx, &rows); err != nil {
			return nil, database.MapError(err)
		}
		for _, r := range rows {
			out[MilestoneTarget(r.ID)] = Label{Title: r.Name, PlannedOn: r.PlannedOn}
		}
	}
	return out, nil
}
