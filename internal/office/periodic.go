package office

import (
	"context"
	"log/slog"
	"time"

	"rollout/internal/account"
	"rollout/internal/database"
)

// RunEvery calls job at once and then every interval until ctx ends (the
// server stops). A failed round is logged as a warning, with what names the
// job, and tried again at the next tick; a round still running when ctx ends
// is abandoned. The jobs a server runs this way (KeepHealthSnapshots,
// KeepSessionsTidy) are harmless when several instances share a database and
// run them at the same moment.
func RunEvery(ctx context.Context, every time.Duration, log *slog.Logger, what string, job func(context.Context) error) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		err := job(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Warn(what, "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// CleanUpEvery is how often a running server deletes expired sessions and
// spent sign-in throttle rows.
const CleanUpEvery = time.Hour

// KeepSessionsTidy deletes expired sessions and spent sign-in throttle rows
// (account.CleanUp) now and then every interval until ctx ends. Expired rows
// are refused anyway; deleting them keeps the tables small.
func KeepSessionsTidy(ctx context.Context, db database.IDB, every time.Duration, now func() time.Time, log *slog.Logger) {
	RunEvery(ctx, every, log, "deleting expired sessions and spent sign-in throttles", func(ctx context.Context) error {
		sessions, throttles, err := account.CleanUp(ctx, db, now())
		if err == nil && sessions+throttles > 0 {
			log.Info("deleted expired sessions and spent sign-in throttles", "sessions", sessions, "throttles", throttles)
		}
		return err
	})
}
