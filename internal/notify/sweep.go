package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"rollout/internal/jobs"
)

// Sweep is the periodic job that finds what fell due: risk reviews,
// goal measurements and overdue gate conditions.
type Sweep struct{}

// Kind is River's name for the job.
func (Sweep) Kind() string { return "notify_sweep" }

// InsertOpts: the sweep runs on the notify queue.
func (Sweep) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueNotify, UniqueOpts: river.UniqueOpts{ByPeriod: 5 * time.Minute}}
}

type sweepWorker struct {
	river.WorkerDefaults[Sweep]
	s *Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[Sweep]) error {
	_, err := w.s.SweepDue(ctx)
	return err
}

// dueSQL finds every item that fell due by ?0 (today), with its due date:
// active risks whose review date came, goals whose next measurement is due
// (their cadence after the last measurement, as My work counts it), and open
// conditions past their date. One query whatever the number of projects.
const dueSQL = `
SELECT 'risk_review_due' AS event, r.project_id, r.id AS entity_id, r.next_review_on::text AS due
FROM risks AS r JOIN projects AS p ON p.id = r.project_id
WHERE NOT p.archived AND r.status IN ('open', 'mitigating') AND r.owner_id IS NOT NULL AND r.next_review_on <= ?0
UNION ALL
SELECT 'measurement_due', g.project_id, g.id, n.due_on::text
FROM goals AS g JOIN projects AS p ON p.id = g.project_id
     CROSS JOIN LATERAL (SELECT max(x.measured_on) AS last FROM measurements AS x WHERE x.goal_id = g.id) AS lm
     CROSS JOIN LATERAL (SELECT (coalesce(lm.last, g.start_on) + CASE g.cadence WHEN 'weekly' THEN interval '7 days'
       WHEN 'quarterly' THEN interval '3 months' ELSE interval '1 month' END)::date AS due_on) AS n
WHERE NOT p.archived AND g.start_on <= ?0 AND n.due_on <= ?0 AND n.due_on <= g.due_on
UNION ALL
SELECT 'condition_due', gr.project_id, ra.id, ra.due_on::text
FROM review_actions AS ra JOIN gate_reviews AS gr ON gr.id = ra.review_id JOIN projects AS p ON p.id = gr.project_id
WHERE NOT p.archived AND ra.status = 'open' AND ra.owner_id IS NOT NULL AND ra.due_on < ?0`

// SweepDue publishes an event for each item that fell due, keyed by the
// item and its due date: a sweep that runs again (next hour, or on another
// instance) finds the same keys and tells no one twice. It returns how many
// items it found.
func (s *Service) SweepDue(ctx context.Context) (int, error) {
	var due []struct {
		Event     string `bun:"event"`
		ProjectID int64  `bun:"project_id"`
		EntityID  int64  `bun:"entity_id"`
		Due       string `bun:"due"`
	}
	today := s.cfg.Now().Format(time.DateOnly)
	if err := s.db.NewRaw(dueSQL, today).Scan(ctx, &due); err != nil {
		return 0, err
	}
	if len(due) == 0 {
		return 0, nil
	}
	params := make([]river.InsertManyParams, len(due))
	for i, d := range due {
		ev := jobs.Event{Event: d.Event, ProjectID: d.ProjectID, EntityID: d.EntityID,
			Key: fmt.Sprintf("%s:%d:%s", d.Event, d.EntityID, d.Due)}
		opts := ev.InsertOpts()
		opts.UniqueOpts = river.UniqueOpts{ByArgs: true}
		params[i] = river.InsertManyParams{Args: ev, InsertOpts: &opts}
	}
	return len(due), s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return jobs.InsertTx(ctx, tx, params...)
	})
}
