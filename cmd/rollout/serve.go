package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"rollout/internal/config"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/metrics"
	"rollout/internal/notify"
	"rollout/internal/office"
	"rollout/internal/pglocal"
	"rollout/internal/web"
)

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load("serve", args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)

	// Listen before starting PostgreSQL, so a taken port fails at once.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return listenError(cfg.Addr, err)
	}
	defer ln.Close()
	// The metrics have a listener of their own, off unless asked for.
	var metricsLn net.Listener
	if cfg.MetricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			return fmt.Errorf("cannot listen on %s for the metrics: %v; check ROLLOUT_METRICS_ADDR", cfg.MetricsAddr, err)
		}
		defer metricsLn.Close()
	}

	// The embedded PostgreSQL is restarted if it dies; pgFailed closes when
	// that keeps failing (nil, never closing, with DATABASE_URL).
	db, closeDB, pg, dsn, err := openDatabaseFor(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer closeDB()
	var pgFailed <-chan struct{}
	if pg != nil {
		pgFailed = pg.Failed()
	}
	if err := migrate(ctx, db, log); err != nil {
		return err
	}

	if cfg.Demo {
		if err := loadDemo(ctx, db, log, stdout, cfg.DemoLang); err != nil {
			return err
		}
	}
	var mx *metrics.Metrics
	if metricsLn != nil {
		mx = metrics.New()
	}
	app, err := web.New(web.Deps{DB: db, Config: cfg, Logger: log, Metrics: mx})
	if err != nil {
		return err
	}
	// Notifications: River's workers, sweeps and digests, until shutdown.
	ncfg := notify.Config{
		Mailer:  notify.Mailer{URL: cfg.SMTPURL, From: cfg.MailFrom},
		BaseURL: cfg.BaseURL, Logger: log,
	}
	if mx != nil {
		ncfg.Delivered = mx.Delivered
	}
	notifier, err := notify.New(db, dsn, ncfg)
	if err != nil {
		return err
	}
	if mx != nil {
		mx.WatchPool("app", db.DB)
		mx.WatchPool("jobs", notifier.Pool())
		mx.WatchJobs(db.DB)
		metricsCtx, stopMetrics := context.WithCancel(ctx)
		metricsDone := make(chan struct{})
		go func() {
			defer close(metricsDone)
			if err := mx.Serve(metricsCtx, metricsLn); err != nil {
				log.Error("the metrics listener stopped", "error", err.Error())
			}
		}()
		defer func() { stopMetrics(); <-metricsDone }()
		fmt.Fprintf(stdout, "Metrics are served at http://%s/metrics\n", metricsLn.Addr())
	}
	if err := notifier.Start(ctx); err != nil {
		return fmt.Errorf("starting the notification workers: %w", err)
	}
	defer func() {
		stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := notifier.Stop(stop); err != nil {
			log.Warn("stopping the notification workers", "error", err.Error())
		}
	}()
	// The health trend and the portfolio read daily snapshots; pages never
	// write them, so the server keeps them. It also deletes expired sessions
	// and spent sign-in throttles. Both run until ctx ends (shutdown).
	loopCtx, stopLoops := context.WithCancel(ctx)
	var loops sync.WaitGroup
	loops.Add(2)
	go func() {
		defer loops.Done()
		office.KeepHealthSnapshots(loopCtx, db, office.HealthSnapshotEvery, date.Today, log)
	}()
	go func() {
		defer loops.Done()
		office.KeepSessionsTidy(loopCtx, db, office.CleanUpEvery, time.Now, log)
	}()
	defer func() { stopLoops(); loops.Wait() }() // before the database closes

	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	fmt.Fprintf(stdout, "Rollout is running at http://%s (press Ctrl-C to stop)\n", ln.Addr())

	select {
	case err := <-served:
		return fmt.Errorf("the web server stopped: %w", err)
	case <-pgFailed:
		// Exit non-zero: a service manager restarting Rollout may get further.
		log.Error("the embedded PostgreSQL cannot be kept running; stopping", "error", pg.Err().Error())
		if err := app.ShutdownWithTimeout(10 * time.Second); err != nil {
			log.Warn("shutdown", "error", err.Error())
		}
		return fmt.Errorf("the embedded PostgreSQL cannot be kept running: %w", pg.Err())
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	if err := app.ShutdownWithTimeout(10 * time.Second); err != nil {
		log.Warn("shutdown", "error", err.Error())
	}
	return nil
}

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load("migrate", args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	db, closeDB, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := migrate(ctx, db, log); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "The database is up to date.")
	return nil
}

func migrate(ctx context.Context, db *database.DB, log *slog.Logger) error {
	group, err := database.Migrate(ctx, db)
	if err != nil {
		return fmt.Errorf("cannot migrate the database: %w", err)
	}
	if group != nil && !group.IsZero() {
		log.Info("migrations applied", "group", group.String())
	}
	return nil
}

// openDatabase connects to DATABASE_URL, or starts the embedded PostgreSQL in the
// data folder and connects to its "rollout" database. The returned func closes
// the connection and stops the embedded server.
func openDatabase(ctx context.Context, cfg config.Config, log *slog.Logger) (*database.DB, func(), error) {
	db, closeDB, _, _, err := openDatabaseFor(ctx, cfg, log, false)
	return db, closeDB, err
}

// openDatabaseFor is openDatabase that also returns the embedded server (nil
// with DATABASE_URL), which restarts itself after an unexpected exit when
// restart is set (serve: a long-running process; the short commands just
// fail), and the DSN it connected with (the job queue opens its own pool).
func openDatabaseFor(ctx context.Context, cfg config.Config, log *slog.Logger, restart bool) (*database.DB, func(), *pglocal.Server, string, error) {
	if cfg.DatabaseURL != "" {
		db, err := database.Open(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, nil, nil, "", err
		}
		return db, func() { _ = db.Close() }, nil, cfg.DatabaseURL, nil
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, nil, nil, "", fmt.Errorf("data folder %q: %w", cfg.DataDir, err)
	}
	start := time.Now()
	pg, err := pglocal.Start(ctx, pglocal.Options{DataDir: dir, Persistent: true, Logger: log, BinDir: cfg.PGBin, Restart: restart})
	if err != nil {
		return nil, nil, nil, "", err
	}
	stopPG := func() {
		if err := pg.Stop(); err != nil {
			log.Warn("stopping the embedded PostgreSQL", "error", err.Error())
		}
	}
	if err := ensureDatabase(ctx, pg.DSN("postgres"), "rollout"); err != nil {
		stopPG()
		return nil, nil, nil, "", err
	}
	db, err := database.Open(ctx, pg.DSN("rollout"))
	if err != nil {
		stopPG()
		return nil, nil, nil, "", err
	}
	log.Info("embedded PostgreSQL started", "data_dir", dir, "took_ms", time.Since(start).Milliseconds())
	return db, func() { _ = db.Close(); stopPG() }, pg, pg.DSN("rollout"), nil
}

func listenError(addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("cannot listen on %s: the address is already in use; stop the other program or choose another address with ROLLOUT_ADDR", addr)
	}
	if errors.Is(err, syscall.EACCES) || errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("cannot listen on %s: permission denied; choose a port above 1024 with ROLLOUT_ADDR", addr)
	}
	return fmt.Errorf("cannot listen on %s: %v; check ROLLOUT_ADDR", addr, err)
}

// ensureDatabase creates the named database on the embedded server the first time.
func ensureDatabase(ctx context.Context, adminDSN, name string) error {
	admin, err := database.Open(ctx, adminDSN)
	if err != nil {
		return err
	}
	defer admin.Close()
	exists, err := admin.NewSelect().Table("pg_database").Where("datname = ?", name).Exists(ctx)
	if err != nil {
		return fmt.Errorf("embedded PostgreSQL: %w", err)
	}
	if exists {
		return nil
	}
	// An identifier in double quotes, its own quotes doubled (CREATE DATABASE takes no parameter).
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE "`+strings.ReplaceAll(name, `"`, `""`)+`"`); err != nil {
		return fmt.Errorf("embedded PostgreSQL: creating database %s: %w", name, err)
	}
	return nil
}
