package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/demo"
	"rollout/internal/i18n"
)

// cmdDemo loads the demo project into the database and says how to sign in;
// --size large adds the project LARGE for load tests instead.
func cmdDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c := cli{getenv: getenv, stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lang := fs.String("lang", i18n.English, "`language` of the demo project: en or zh-CN (its names, texts and phases; its accounts read Rollout in it)")
	size := fs.String("size", "small", "`size` of the demo: small (the project DEMO) or large (the project LARGE: 5,000 requirements, 500 risks, a year of history)")
	cfg, err := parseWithConfig(fs, "demo", args, c)
	if err != nil {
		return err
	}
	if *lang != i18n.English && *lang != i18n.Chinese {
		return fmt.Errorf("--lang %q is not a language of the demo: use en or zh-CN", *lang)
	}
	if *size != "small" && *size != "large" {
		return fmt.Errorf("--size %q is not a demo size: use small or large", *size)
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
	if *size == "large" {
		return loadLargeDemo(ctx, db, log, stdout)
	}
	return loadDemo(ctx, db, log, stdout, *lang)
}

func loadDemo(ctx context.Context, db *database.DB, log *slog.Logger, stdout io.Writer, lang string) error {
	res, err := demo.LoadIn(ctx, db, date.Today(), lang)
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

func loadLargeDemo(ctx context.Context, db *database.DB, log *slog.Logger, stdout io.Writer) error {
	start := time.Now()
	res, err := demo.LoadLarge(ctx, db, date.Today())
	if err != nil {
		return fmt.Errorf("loading the large demo: %w", err)
	}
	if !res.Created {
		fmt.Fprintf(stdout, "The large project %s is already there.\n", demo.LargeKey)
		return nil
	}
	took := time.Since(start)
	log.Info("large demo project created", "key", demo.LargeKey, "took_ms", took.Milliseconds())
	fmt.Fprintf(stdout, "Created the large project %s in %.1f s: %d requirements, %d risks, %d goals with %d measurements each, %d milestones, %d change requests, a year of history.\n",
		demo.LargeKey, took.Seconds(), demo.LargeRequirements, demo.LargeRisks, demo.LargeGoals, demo.LargeMeasurementsPerGoal,
		demo.LargeMilestones, demo.LargeChanges)
	fmt.Fprintf(stdout, "Sign in as the demo team (password %q), e.g. %s.\n", demo.Password, demo.People[0].Email)
	return nil
}
