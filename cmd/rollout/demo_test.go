package main

import (
	"context"
	"strings"
	"testing"

	"rollout/internal/database"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/project"
	"rollout/internal/requirement"
)

func TestDemoLoadsOnceWithRealisticData(t *testing.T) {
	dsn := dbtest.DSN(t)
	code, out, errOut := runOnce(t, map[string]string{"DATABASE_URL": dsn}, "demo")
	if code != 0 || !strings.Contains(out, "Created the demo project DEMO") || !strings.Contains(out, "pm@demo.example") {
		t.Fatalf("%d %q %q", code, out, errOut)
	}
	code, out, _ = runOnce(t, map[string]string{"DATABASE_URL": dsn}, "demo")
	if code != 0 || !strings.Contains(out, "already there") {
		t.Fatalf("second run: %d %q", code, out)
	}

	ctx := context.Background()
	db, err := database.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var p project.Project
	if err := db.NewSelect().Model(&p).Where("key = 'DEMO'").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	members, _ := project.Members(ctx, db, p.ID)
	goals, err := goal.List(ctx, db, p.ID, date.Today())
	if err != nil || len(members) != 8 || len(goals) != 6 {
		t.Fatalf("%d members, %d goals (%v)", len(members), len(goals), err)
	}
	statuses := map[goal.Status]int{}
	for _, g := range goals {
		if g.Count < 8 {
			t.Errorf("%s has only %d measurements", g.Title, g.Count)
		}
		statuses[g.Status]++
	}
	// A demo worth looking at has goals in more than one state.
	if len(statuses) < 2 {
		t.Fatalf("statuses %v", statuses)
	}

	// A backlog the size of a real one, with weeks of history for the churn chart.
	if n, err := db.NewSelect().Table("requirements").Where("project_id = ?", p.ID).Count(ctx); err != nil || n < 40 {
		t.Fatalf("%d requirements (%v)", n, err)
	}
	weeks, err := requirement.Churn(ctx, db, p.ID, date.Today().AddDays(-7*25), date.Today())
	if err != nil {
		t.Fatal(err)
	}
	var total requirement.Counts
	active := 0
	for _, w := range weeks {
		if w.Total != (requirement.Counts{}) {
			active++
		}
		total.Added += w.Total.Added
		total.Removed += w.Total.Removed
		total.TierMoves += w.Total.TierMoves
		total.PhaseMoves += w.Total.PhaseMoves
	}
	if active < 12 || total.Added < 41 || total.Removed < 1 || total.TierMoves < 5 || total.PhaseMoves < 5 {
		t.Fatalf("churn over %d active weeks: %+v", active, total)
	}
}

// rollout demo --lang zh-CN writes the demo project in Chinese: its team's
// names and its phases; another language is refused before anything is written.
func TestDemoInChinese(t *testing.T) {
	dsn := dbtest.DSN(t)
	code, out, errOut := runOnce(t, map[string]string{"DATABASE_URL": dsn}, "demo", "--lang", "fr")
	if code == 0 || !strings.Contains(errOut, `--lang "fr" is not a language of the demo`) {
		t.Fatalf("--lang fr: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runOnce(t, map[string]string{"DATABASE_URL": dsn}, "demo", "--lang", "zh-CN")
	if code != 0 || !strings.Contains(out, "Created the demo project DEMO") || !strings.Contains(out, "张敏") {
		t.Fatalf("%d %q %q", code, out, errOut)
	}
	ctx := context.Background()
	db, err := database.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var p project.Project
	if err := db.NewSelect().Model(&p).Where("key = 'DEMO'").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	phases, err := project.Phases(ctx, db, p.ID)
	if err != nil || len(phases) != 5 || phases[0].Name != "立项" || !strings.Contains(p.Name, "客户") {
		t.Fatalf("project %q, phases %+v (%v)", p.Name, phases, err)
	}
}
