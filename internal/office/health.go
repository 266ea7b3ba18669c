package office

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/pitfall"
	"rollout/internal/project"
)

// Health is a project's health as it stands today and its trend over the
// last days days: the stored daily snapshots, with today's score computed in
// memory in place of today's snapshot. It only reads: pages that show the
// score never write (snapshots are kept by SnapshotHealth and at gate
// decisions).
func Health(ctx context.Context, db database.IDB, projectID int64, today date.Date, days int) (*pitfall.Health, []pitfall.Point, error) {
	h, err := pitfall.Compute(ctx, db, projectID, today)
	if err != nil {
		return nil, nil, err
	}
	stored, err := pitfall.Trend(ctx, db, projectID, today.AddDays(-(days - 1)))
	if err != nil {
		return nil, nil, err
	}
	trend := make([]pitfall.Point, 0, len(stored)+1)
	for _, p := range stored {
		if p.Day.Before(today) {
			trend = append(trend, p)
		}
	}
	return h, append(trend, pitfall.Point{Day: today, Score: h.Score}), nil
}

// SnapshotHealth keeps today's health score of every active (not archived)
// project, for the trend and the portfolio: one query lists the projects,
// then each project costs pitfall.Compute's fixed number of queries and one
// upsert. The upsert makes a second run on the same day, by this instance or
// another one sharing the database, harmless: the last one of the day wins,
// as with any snapshot. It returns how many projects it scored.
func SnapshotHealth(ctx context.Context, db database.IDB, today date.Date) (int, error) {
	// An administrator's view lists every project, whoever belongs to it.
	ps, err := project.ListFor(ctx, db, 0, true, false)
	if err != nil {
		return 0, err
	}
	for i, p := range ps {
		h, err := pitfall.Compute(ctx, db, p.ID, today)
		if err != nil {
			return i, err
		}
		if err := pitfall.Snapshot(ctx, db, p.ID, today, h); err != nil {
			return i, err
		}
	}
	return len(ps), nil
}

// HealthSnapshotEvery is how often a running server keeps the health scores.
const HealthSnapshotEvery = time.Hour

// KeepHealthSnapshots runs SnapshotHealth now and then every interval until
// ctx ends (the server stops). A failed round is logged and retried at the
// next tick: a missing snapshot only leaves a gap in a trend.
func KeepHealthSnapshots(ctx context.Context, db database.IDB, every time.Duration, today func() date.Date, log *slog.Logger) {
	RunEvery(ctx, every, log, "keeping the health snapshots", func(ctx context.Context) error {
		n, err := SnapshotHealth(ctx, db, today())
		if err != nil {
			return fmt.Errorf("after %d projects: %w", n, err)
		}
		log.Debug("health snapshots kept", "projects", n)
		return nil
	})
}
