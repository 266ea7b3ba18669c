package pitfall

import (
	"context"
	"encoding/json"

	"github.com/uptrace/bun"

	"rollout/internal/database"
)

// ProjectThresholds returns a project's thresholds: its own where it set
// them, the defaults for the rest (unknown or bad keys keep their defaults).
func ProjectThresholds(ctx context.Context, db bun.IDB, projectID int64) (Thresholds, error) {
	t := DefaultThresholds()
	var raw string
	if err := db.NewSelect().Table("projects").Column("pitfall_thresholds").Where("id = ?", projectID).Scan(ctx, &raw); err != nil {
		return t, database.MapError(err)
	}
	if len(raw) > 0 {
		_ = json.Unmarshal([]byte(raw), &t)
	}
	return t, nil
}
