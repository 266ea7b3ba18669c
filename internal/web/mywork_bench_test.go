package web

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"rollout/internal/account"
	"rollout/internal/comment"
	"rollout/internal/config"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/demo"
	"rollout/internal/office"
	"rollout/internal/project"
	"rollout/internal/risk"
)

// BenchmarkMyWork measures My work (the signed-in home page and
// GET /api/v1/me/work) for a steering member of the large demo project
// LARGE (300 change requests in every state, 500 risks, 60 milestones) who
// also manages 20 more projects, each with a risk review due and a comment
// mentioning them: one query for the items (and one for the top bar's count
// on the page), whatever the number of projects.
//
//	go test ./internal/web -run '^$' -bench MyWork -benchtime 20x
func BenchmarkMyWork(b *testing.B) {
	db := dbtest.New(b)
	ctx := context.Background()
	app, err := New(Deps{DB: db, Config: config.Config{Addr: "127.0.0.1:0"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	today := date.Of(time.Now())
	if _, err := demo.LoadLarge(ctx, db, today); err != nil {
		b.Fatal(err)
	}
	var userID int64
	if err := db.NewSelect().TableExpr("members AS m").Column("m.user_id").Join("JOIN projects AS p ON p.id = m.project_id").
		Where("p.key = ? AND m.role = 'steering'", demo.LargeKey).OrderExpr("m.user_id").Limit(1).Scan(ctx, &userID); err != nil {
		b.Fatal(err)
	}
	u, err := account.ByID(ctx, db, userID)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 20 {
		key := fmt.Sprintf("W%c%c", 'A'+i/26, 'A'+i%26)
		p, err := project.Create(ctx, db, u.ID, project.Input{Key: key, Name: "Project " + key, Template: "crm",
			StartOn: today.AddDays(-200), TargetOn: today.AddDays(160)}, "en")
		if err != nil {
			b.Fatal(err)
		}
		r, err := risk.Create(ctx, db, u.ID, p.ID, risk.Input{Title: "Vendor slips " + key, Category: risk.Vendor, Probability: 3,
			Impact: 4, OwnerID: u.ID, NextReviewOn: today.AddDays(-3)}, today.AddDays(-30))
		if err != nil {
			b.Fatal(err)
		}
		t, err := comment.FindTarget(ctx, db, p.ID, key, comment.Risk, int64(r.Number))
		if err != nil {
			b.Fatal(err)
		}
		caller := project.Caller{UserID: u.ID, Access: project.Access{Role: project.RoleProjectManager, IsMember: true}}
		if _, err := comment.Create(ctx, db, caller, p.ID, t, comment.Input{Body: "@" + u.Name + " note to self", Mentions: []int64{u.ID}}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	_, session, err := account.SignIn(ctx, db, u.Email, demo.Password, "127.0.0.1", "", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	bd := &bigDashboard{tb: b, app: app, queries: dbtest.CountQueries(db), session: session}
	var n int
	if err := db.NewRaw("SELECT count(*) FROM (SELECT 1 FROM members WHERE user_id = ?) AS x", u.ID).Scan(ctx, &n); err != nil {
		b.Fatal(err)
	}
	items, err := office.MyWork(ctx, db, u.ID, today)
	if err != nil {
		b.Fatal(err)
	}
	kinds := map[office.WorkKind]int{}
	for _, w := range items {
		kinds[w.Kind]++
	}
	b.Logf("%d projects, %d items %v; page: %d queries, api: %d queries", n, len(items), kinds, bd.count(session, "/"), bd.count(session, "/api/v1/me/work"))
	bd.bench(b, session, map[string]string{"page": "/", "api": "/api/v1/me/work"})
}
