// Package jobs puts work on Rollout's durable job queue: River
// (github.com/riverqueue/river) in the same PostgreSQL database, reached
// through River's database/sql driver over the *sql.DB that bun already uses.
//
// Publish inserts a notification event inside the caller's transaction
// (River's InsertTx on the *sql.Tx under bun's Tx), so the event exists
// exactly when the write that caused it commits: a rolled-back write sends
// nothing, and a committed one is never forgotten. The workers that fan an
// event out to e-mail and group bots live in internal/notify.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/uptrace/bun"

	"rollout/internal/database"
)

// Kinds of events. They name what happened; the workers decide who hears of it.
const (
	VoteRequested       = "vote_requested"        // a change request was submitted: the steering committee votes
	ChangeApproved      = "change_approved"       // the committee approved a change request
	ChangeRejected      = "change_rejected"       // the committee rejected a change request
	ChangeApplied       = "change_applied"        // a project manager applied an approved change
	GateReviewScheduled = "gate_review_scheduled" // a gate review was scheduled: the invited decide
	GateReviewDecided   = "gate_review_decided"   // a gate review was decided
	Mention             = "mention"               // a comment mentions members
	RiskReviewDue       = "risk_review_due"       // a risk's review date came (sweep)
	MeasurementDue      = "measurement_due"       // a goal's next measurement is due (sweep)
	ConditionDue        = "condition_due"         // a gate condition passed its due date (sweep)
	WeeklyReport        = "weekly_report"         // a project manager (or the schedule) sent the weekly report
)

// EventKinds lists every kind, in the order pages show them.
var EventKinds = []string{VoteRequested, ChangeApproved, ChangeRejected, ChangeApplied, GateReviewScheduled,
	GateReviewDecided, Mention, RiskReviewDue, MeasurementDue, ConditionDue, WeeklyReport}

// Event is one thing that happened in a project, as River job arguments.
type Event struct {
	Event     string `json:"event"`
	ProjectID int64  `json:"project_id"`
	ActorID   int64  `json:"actor_id,omitempty"`  // who did it; never notified of their own act
	EntityID  int64  `json:"entity_id,omitempty"` // the change request, gate review, comment, risk, goal, condition or report id
	// Key names the event for idempotency when the same fact may be found
	// twice (a sweep: "risk_review_due:42:2025-06-01"); empty, the job's id does.
	Key string `json:"key,omitempty"`
}

// Kind is River's name for the job that fans an event out.
func (Event) Kind() string { return "notify_event" }

// InsertOpts: events wait in their own queue and are tried a few times.
func (Event) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueNotify, MaxAttempts: 5}
}

// QueueNotify is the queue of events and deliveries.
const QueueNotify = "notify"

// inserter is an insert-only River client: it has no workers and no pool,
// and only ever inserts on a transaction the caller holds. It keeps no
// state beyond its configuration, so one serves the whole process.
var inserter = sync.OnceValues(func() (*river.Client[*sql.Tx], error) {
	return river.NewClient(riverdatabasesql.New(nil), &river.Config{Logger: slog.New(slog.DiscardHandler)})
})

// Publish enqueues events in db's transaction (or in a transaction of its
// own when db is not one). Call it with the transaction of the write.
func Publish(ctx context.Context, db bun.IDB, evs ...Event) error {
	if len(evs) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(evs))
	for i := range evs {
		params[i] = river.InsertManyParams{Args: evs[i]}
	}
	return InsertTx(ctx, db, params...)
}

// InsertTx inserts River jobs in db's transaction (or in one of its own).
func InsertTx(ctx context.Context, db bun.IDB, params ...river.InsertManyParams) error {
	client, err := inserter()
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := client.InsertManyTx(ctx, tx.Tx, params); err != nil {
			return database.MapError(fmt.Errorf("jobs: enqueueing: %w", err))
		}
		return nil
	})
}

// FromWrite names the event an audited write is, if any: the one place that
// says which writes notify (audit.RecordMany asks it for every entry it
// records, in the write's transaction). Events the data only reveals with
// time (reviews, measurements and conditions falling due) come from the
// sweeps instead.
func FromWrite(entity, action string, projectID, actorID int64, entityID any) (Event, bool) {
	id, ok := entityID.(int64)
	if !ok || projectID == 0 {
		return Event{}, false
	}
	kind := ""
	switch entity + "." + action {
	case "change_request.submit":
		kind = VoteRequested
	case "change_request.approved":
		kind = ChangeApproved
	case "change_request.rejected":
		kind = ChangeRejected
	case "change_request.apply":
		kind = ChangeApplied
	case "gate_review.create":
		kind = GateReviewScheduled
	case "gate_review.decide":
		kind = GateReviewDecided
	case "comment.create":
		kind = Mention
	case "weekly_report.send":
		kind = WeeklyReport
	default:
		return Event{}, false
	}
	return Event{Event: kind, ProjectID: projectID, ActorID: actorID, EntityID: id}, true
}

// OpenPool opens the *sql.DB River's workers run on (fetching, completing,
// electing a leader), through pgx's database/sql driver, to the database at
// dsn (the DSN Rollout's own pool uses; a unix socket file in host= is
// turned into pgx's socket folder and port).
//
// Why not bun's pgdriver, which Rollout's pool uses: pgdriver substitutes
// arguments into the query text itself, and its scanner takes an apostrophe
// inside a SQL comment for the start of a string, so River's leader-election
// query (whose comment says "doesn't") reaches PostgreSQL with $2 unreplaced.
// River's inserts have no such comment and run on bun's transactions
// (InsertTx), which the tests check.
func OpenPool(dsn string) (*sql.DB, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("jobs: the database URL is not valid")
	}
	q := u.Query()
	if h := q.Get("host"); strings.Contains(h, "/.s.PGSQL.") {
		dir, file := path.Split(h)
		q.Set("host", strings.TrimSuffix(dir, "/"))
		q.Set("port", strings.TrimPrefix(file, ".s.PGSQL."))
		u.RawQuery = q.Encode()
	}
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("jobs: the database URL is not valid for pgx: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(6)
	db.SetMaxIdleConns(2)
	db.SetConnMaxLifetime(30 * time.Minute)
	return db, nil
}
