package office

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"rollout/internal/account"
	"rollout/internal/database"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/milestone"
	"rollout/internal/pitfall"
	"rollout/internal/project"
	"rollout/internal/risk"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func newUser(t *testing.T, db database.IDB) *account.User {
	t.Helper()
	u, err := account.Create(context.Background(), db, 0, account.NewUser{Email: "pm@example.com", Name: "Pat", Password: "a long password 1"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestCreateProjectFromTheCRMTemplate(t *testing.T) {
	t.Parallel()
	ctx, db := context.Background(), dbtest.New(t)
	u := newUser(t, db)
	today := date.Today()
	p, err := CreateProject(ctx, db, u.ID, project.Input{Key: "CRM", Name: "CRM", Template: "crm", StarterRisks: []string{"dirty_data"}}, "zh-CN", today)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := milestone.List(ctx, db, p.ID, today)
	if err != nil || len(ms) != 8 || ms[0].Name != "目标签署" {
		t.Fatalf("%d milestones %v", len(ms), err)
	}
	rs, err := risk.List(ctx, db, p.ID, risk.Filter{}, today)
	if err != nil || len(rs) != 1 {
		t.Fatalf("%d risks %v", len(rs), err)
	}
	// A blank project gets neither, and an unknown starter refuses the whole project.
	blank, err := CreateProject(ctx, db, u.ID, project.Input{Key: "BLANK", Name: "Blank", Template: "blank", StarterRisks: []string{"dirty_data"}}, "en", today)
	if err != nil {
		t.Fatal(err)
	}
	if ms, _ := milestone.List(ctx, db, blank.ID, today); len(ms) != 0 {
		t.Fatalf("a blank project has %d milestones", len(ms))
	}
	if _, err := CreateProject(ctx, db, u.ID, project.Input{Key: "BAD", Name: "Bad", StarterRisks: []string{"nope"}}, "en", today); err == nil {
		t.Fatal("an unknown starter risk was accepted")
	}
	if n, _ := db.NewSelect().Table("projects").Where("key = 'BAD'").Count(ctx); n != 0 {
		t.Fatal("the refused project was kept")
	}
}

func TestHealthSnapshotsKeepOneRowADayForActiveProjects(t *testing.T) {
	t.Parallel()
	ctx, db := context.Background(), dbtest.New(t)
	u := newUser(t, db)
	today := date.Today()
	// Started 200 days ago: its first template milestones are due, so it is judged.
	active, err := CreateProject(ctx, db, u.ID, project.Input{Key: "ACT", Name: "Active", StartOn: today.AddDays(-200),
		TargetOn: today.AddDays(100)}, "en", today)
	if err != nil {
		t.Fatal(err)
	}
	archived, err := CreateProject(ctx, db, u.ID, project.Input{Key: "OLD", Name: "Old"}, "en", today)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := project.SetArchived(ctx, db, u.ID, archived.ID, true); err != nil {
		t.Fatal(err)
	}
	// Several instances, or several rounds a day, keep one row a project.
	for range 3 {
		if n, err := SnapshotHealth(ctx, db, today); err != nil || n != 1 {
			t.Fatalf("%d scored (%v)", n, err)
		}
	}
	var rows []struct {
		ProjectID int64 `bun:"project_id"`
	}
	if err := db.NewSelect().Table("health_snapshots").Column("project_id").Scan(ctx, &rows); err != nil || len(rows) != 1 || rows[0].ProjectID != active.ID {
		t.Fatalf("snapshots %+v (%v)", rows, err)
	}

	// The trend is the stored days, with today's score computed in memory
	// in place of a stale snapshot of today.
	if err := pitfall.Snapshot(ctx, db, active.ID, today.AddDays(-2), &pitfall.Health{Score: 12}); err != nil {
		t.Fatal(err)
	}
	if err := pitfall.Snapshot(ctx, db, active.ID, today, &pitfall.Health{Score: 1}); err != nil {
		t.Fatal(err)
	}
	h, trend, err := Health(ctx, db, active.ID, today, 90)
	if err != nil || len(trend) != 2 || trend[0].Score != 12 || trend[1].Day != today || h.Score == nil || trend[1].Score != *h.Score || *h.Score == 1 {
		t.Fatalf("health %v, trend %+v (%v)", h, trend, err)
	}
}

func TestKeepHealthSnapshotsStopsWithItsContext(t *testing.T) {
	t.Parallel()
	ctx, db := context.Background(), dbtest.New(t)
	u := newUser(t, db)
	if _, err := CreateProject(ctx, db, u.ID, project.Input{Key: "ACT", Name: "Active"}, "en", date.Today()); err != nil {
		t.Fatal(err)
	}
	loopCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	days := make(chan date.Date)
	go func() {
		defer close(done)
		KeepHealthSnapshots(loopCtx, db, time.Hour, func() date.Date { d := date.Today(); days <- d; return d },
			slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	<-days // the first round starts at once, not after an hour
	stop()
	<-done // and the loop ends when its context does
}
