package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/account"
	"rollout/internal/config"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/demo"
	"rollout/internal/project"
	"rollout/internal/readcache"
	"rollout/internal/report/reporttest"
)

// The dashboard and the portfolio cost the same number of queries whatever
// the size of a project and the number of projects: the benchmarks measure
// time and queries per request on the large demo project (demo.LoadLarge:
// 5,000 requirements, 500 risks, 50 goals × 100 measurements, 60 milestones,
// 300 change requests and a year of history; reporttest adds 12 budget lines
// with 1,200 spend entries and 90 days of health scores), and the test below
// compares a small project with the large one.
//
//	go test ./internal/web -run '^$' -bench 'Dashboard|Portfolio' -benchtime 20x

// bigDashboard is an app whose database holds the large project LARGE, a
// small project SMALL, and ten more projects of LARGE's manager, who is in
// all twelve.
type bigDashboard struct {
	tb      testing.TB
	app     *fiber.App
	queries *dbtest.Counter
	cache   *readcache.Cache // the app's read models
	pages   *readcache.Cache // and its kept pages
	session string           // LARGE's manager
	other   string           // a person in SMALL only
}

func newBigDashboard(tb testing.TB) *bigDashboard {
	tb.Helper()
	db := dbtest.New(tb)
	ctx := context.Background()
	cache, pages := readcache.New(0), readcache.NewBudget(0, pageBudget)
	app, err := New(Deps{DB: db, Config: config.Config{Addr: "127.0.0.1:0"}, Logger: slog.New(slog.DiscardHandler), Cache: cache, Pages: pages})
	if err != nil {
		tb.Fatal(err)
	}
	today := date.Of(time.Now())
	_, pmID, err := reporttest.LoadLarge(ctx, db, today)
	if err != nil {
		tb.Fatal(err)
	}
	// DEMO (46 requirements, run by the same manager): the small project
	// the aggregate pages are compared with.
	if _, err := demo.Load(ctx, db, today); err != nil {
		tb.Fatal(err)
	}
	pm, err := account.ByID(ctx, db, pmID)
	if err != nil {
		tb.Fatal(err)
	}
	other, err := account.Create(ctx, db, 0, account.NewUser{Email: "olga@example.com", Name: "Olga Other", Password: testPassword})
	if err != nil {
		tb.Fatal(err)
	}
	for i, key := range []string{"SMALL", "PA", "PB", "PC", "PD", "PE", "PF", "PG", "PH", "PI", "PJ"} {
		p, err := project.Create(ctx, db, pm.ID, project.Input{Key: key, Name: "Project " + key, Template: "crm",
			StartOn: today.AddDays(-200), TargetOn: today.AddDays(160)}, "en")
		if err != nil {
			tb.Fatal(err)
		}
		if i == 0 {
			if _, err := project.AddMember(ctx, db, pm.ID, p.ID, project.MemberInput{Email: other.Email, Role: project.RoleViewer, Department: project.DeptSales}); err != nil {
				tb.Fatal(err)
			}
		}
	}
	session := func(email, password string) string {
		_, s, err := account.SignIn(ctx, db, email, password, "127.0.0.1", "", time.Now())
		if err != nil {
			tb.Fatal(err)
		}
		return s
	}
	return &bigDashboard{tb: tb, app: app, cache: cache, pages: pages, queries: dbtest.CountQueries(db), session: session(pm.Email, demo.Password),
		other: session(other.Email, testPassword)}
}

// get fetches a path with a session and reads the whole answer.
func (bd *bigDashboard) get(session, path string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.AddCookie(&http.Cookie{Name: "rollout_session", Value: session})
	res, err := bd.app.Test(req, -1)
	if err != nil {
		bd.tb.Fatal(err)
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		bd.tb.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		bd.tb.Fatalf("%s: status %d", path, res.StatusCode)
	}
}

// count returns the queries one request makes (after a first one, which may
// do once-only work such as refreshing the session).
func (bd *bigDashboard) count(session, path string) int64 {
	bd.get(session, path)
	bd.queries.Reset()
	bd.get(session, path)
	return bd.queries.Count()
}

// countCold returns the queries of a request that finds no read model
// cached (the first view after a write), after a first request as count.
func (bd *bigDashboard) countCold(session, path string) int64 {
	bd.get(session, path)
	bd.clear()
	bd.queries.Reset()
	bd.get(session, path)
	return bd.queries.Count()
}

// clear forgets every read model and kept page: the next view is the first.
func (bd *bigDashboard) clear() {
	bd.cache.Clear()
	bd.pages.Clear()
}

// bench measures each path twice: as served (the read cache warm, as views
// between writes are) and "cold", the cache emptied before every request
// (the first view after a write: what the queries themselves cost).
func (bd *bigDashboard) bench(b *testing.B, session string, paths map[string]string) {
	for _, name := range []string{"page", "api", "page-cold", "api-cold"} {
		path, cold := paths[strings.TrimSuffix(name, "-cold")], strings.HasSuffix(name, "-cold")
		b.Run(name, func(b *testing.B) {
			bd.get(session, path) // warm up
			bd.queries.Reset()
			b.ResetTimer()
			for range b.N {
				if cold {
					bd.clear()
				}
				bd.get(session, path)
			}
			b.StopTimer()
			b.ReportMetric(float64(bd.queries.Count())/float64(b.N), "queries/op")
		})
	}
}

func BenchmarkDashboard(b *testing.B) {
	bd := newBigDashboard(b)
	bd.bench(b, bd.session, map[string]string{"page": "/projects/" + demo.LargeKey + "/dashboard", "api": "/api/v1/projects/" + demo.LargeKey + "/dashboard"})
}

func BenchmarkPortfolio(b *testing.B) {
	bd := newBigDashboard(b)
	bd.bench(b, bd.session, map[string]string{"page": "/portfolio?sort=health&dir=desc", "api": "/api/v1/portfolio"})
}

func TestDashboardQueriesDoNotGrowWithTheProject(t *testing.T) {
	t.Parallel()
	bd := newBigDashboard(t)
	for _, kind := range []string{"/projects/%s/dashboard", "/api/v1/projects/%s/dashboard"} {
		small, large := bd.count(bd.session, fmt.Sprintf(kind, "SMALL")), bd.count(bd.session, fmt.Sprintf(kind, demo.LargeKey))
		if small != large {
			t.Errorf("%s: %d queries for a small project, %d for a large one", kind, small, large)
		}
	}
	// One project for Olga, twelve (one of them large) for the manager.
	for _, path := range []string{"/portfolio", "/api/v1/portfolio"} {
		one, twelve := bd.count(bd.other, path), bd.count(bd.session, path)
		if one != twelve {
			t.Errorf("%s: %d queries for one project, %d for twelve", path, one, twelve)
		}
	}
}
