// Package notify tells people what happened in their projects: by e-mail
// (SMTP, HTML and text, in each reader's language, as it happens or in a
// daily digest) and through each project's group bots (WeCom, DingTalk,
// Feishu/Lark) and generic webhooks.
//
// Events are enqueued by internal/jobs inside the transaction of the write
// that causes them. This package holds the River workers that act on them:
//   - notify_event fans an event out into one delivery per recipient and
//     channel, each with an idempotency key (event × recipient × channel,
//     unique in the deliveries table), and enqueues a notify_deliver job for
//     each, all in one transaction;
//   - notify_deliver sends one delivery unless its row says it was sent,
//     records the outcome after, and fails so River retries with backoff;
//     after the last attempt the row is "failed" and admins see it
//     (/admin/deliveries) with the error and a retry button;
//   - notify_sweep (periodic) finds reviews, measurements and conditions
//     falling due and publishes their events, keyed by item and due date so
//     each is told once; notify_digest (periodic) sends the daily digests.
//
// Periodic jobs are enqueued by River's elected leader only, so with
// several Rollout instances on one database each runs once.
package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/uptrace/bun"

	"rollout/internal/i18n"
	"rollout/internal/jobs"
)

// Config is how a Service sends.
type Config struct {
	Mailer  Mailer
	BaseURL string       // links back (ROLLOUT_BASE_URL); empty: relative links
	HTTP    *http.Client // nil: a client with a 15 s timeout
	Logger  *slog.Logger
	I18n    *i18n.Bundle
	Now     func() time.Time
	// RetryPolicy spaces retries; nil: River's default (attempt⁴ seconds).
	RetryPolicy river.ClientRetryPolicy
	// PollInterval is how often an idle worker looks for jobs (River's
	// database/sql driver has no LISTEN); 0: one second.
	PollInterval time.Duration
	SweepEvery   time.Duration // 0: an hour
	DigestHour   int           // local hour of the daily digest; 0: 8
	// DeliverAttempts is how often a delivery is tried before it is failed; 0: 8.
	DeliverAttempts int
	// ID names this instance in River (leader election); empty: River's.
	ID string
	// Delivered, if set, hears of every attempt to send a delivery: its
	// channel and "sent", "retry" (failed, to be tried again) or "failed"
	// (for good). The metrics count them.
	Delivered func(channel, outcome string)
}

// Service runs the notification workers of one Rollout process.
type Service struct {
	db     *bun.DB
	pool   *sql.DB // River's own, through pgx (jobs.OpenPool)
	cfg    Config
	client *river.Client[*sql.Tx]
}

// New builds the River client with the workers and periodic jobs; Start runs
// it. db is Rollout's pool; dsn names the same database for River's own pool.
func New(db *bun.DB, dsn string, cfg Config) (*Service, error) {
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.I18n == nil {
		b, err := i18n.Load()
		if err != nil {
			return nil, err
		}
		cfg.I18n = b
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = time.Hour
	}
	if cfg.DigestHour <= 0 {
		cfg.DigestHour = 8
	}
	if cfg.DeliverAttempts <= 0 {
		cfg.DeliverAttempts = 8
	}
	pool, err := jobs.OpenPool(dsn)
	if err != nil {
		return nil, err
	}
	s := &Service{db: db, pool: pool, cfg: cfg}
	workers := river.NewWorkers()
	river.AddWorker(workers, &eventWorker{s: s})
	river.AddWorker(workers, &deliverWorker{s: s})
	river.AddWorker(workers, &sweepWorker{s: s})
	river.AddWorker(workers, &digestWorker{s: s})
	client, err := river.NewClient(riverdatabasesql.New(pool), &river.Config{
		ID:                cfg.ID,
		Logger:            cfg.Logger.With("component", "river"),
		Queues:            map[string]river.QueueConfig{jobs.QueueNotify: {MaxWorkers: 4}, river.QueueDefault: {MaxWorkers: 2}},
		Workers:           workers,
		FetchPollInterval: cfg.PollInterval,
		FetchCooldown:     min(cfg.PollInterval, 100*time.Millisecond),
		RetryPolicy:       cfg.RetryPolicy,
		JobTimeout:        time.Minute,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(cfg.SweepEvery), func() (river.JobArgs, *river.InsertOpts) {
				return Sweep{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true, ID: "notify_sweep"}),
			river.NewPeriodicJob(dailyAt(cfg.DigestHour), func() (river.JobArgs, *river.InsertOpts) {
				return Digest{}, nil
			}, &river.PeriodicJobOpts{ID: "notify_digest"}),
		},
	})
	if err != nil {
		_ = pool.Close()
		return nil, fmt.Errorf("notify: %w", err)
	}
	s.client = client
	return s, nil
}

// Start runs the workers until ctx ends or Stop.
func (s *Service) Start(ctx context.Context) error { return s.client.Start(ctx) }

// Stop lets running jobs finish (within ctx) and stops.
func (s *Service) Stop(ctx context.Context) error {
	err := s.client.Stop(ctx)
	_ = s.pool.Close()
	return err
}

// Pool is the connection pool River's workers use (for the metrics).
func (s *Service) Pool() *sql.DB { return s.pool }

// Client is the River client, for tests that watch it.
func (s *Service) Client() *river.Client[*sql.Tx] { return s.client }

// dailySchedule fires once a day at a local hour.
type dailySchedule struct{ hour int }

func dailyAt(hour int) river.PeriodicSchedule { return dailySchedule{hour} }

func (d dailySchedule) Next(t time.Time) time.Time {
	next := time.Date(t.Year(), t.Month(), t.Day(), d.hour, 0, 0, 0, t.Location())
	if !next.After(t) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}

// Deliver is the job that sends one delivery.
type Deliver struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind is River's name for the job.
func (Deliver) Kind() string { return "notify_deliver" }

// InsertOpts puts deliveries on the notify queue.
func (Deliver) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: jobs.QueueNotify} }

type deliverWorker struct {
	river.WorkerDefaults[Deliver]
	s *Service
}

// errSkip ends a delivery that must not be sent (gone, or sent already).
var errSkip = errors.New("nothing to send")

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[Deliver]) error {
	err := w.s.deliver(ctx, job.Args.DeliveryID, job.Attempt >= w.s.cfg.DeliverAttempts)
	if errors.Is(err, errSkip) {
		return nil
	}
	return err // River retries with backoff until the job's MaxAttempts (DeliverAttempts)
}
