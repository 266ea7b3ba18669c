package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/uptrace/bun"

	"rollout/internal/config"
	"rollout/internal/date"
	"rollout/internal/demo"
)

// cmdDemo loads the demo project into the database and says how to sign in.
func cmdDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load("demo", args, getenv, stderr)
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
	return loadDemo(ctx, db, log, stdout)
}

func loadDemo(ctx context.Context, db *bun.DB, log *slog.Logger, stdout io.Writer) error {
	res, err := demo.Load(ctx, db, date.Today())
	if err != nil {
		return fmt.Errorf("loading the demo: %w", err)
	}
	if !res.Created {
		fmt.Fprintf(stdout, "The demo project %s is already there.\n", demo.Key)
	} else {
		log.Info("demo project created", "key", demo.Key)
		fmt.Fprintf(stdout, "Created the demo project %s. Sign in as one of these, password %q:\n", demo.Key, demo.Password)
	}
	for _, p := range res.People {
		fmt.Fprintf(stdout, "  %-28s %-18s %s\n", p.Email, p.Name, p.Role)
	}
	return nil
}
