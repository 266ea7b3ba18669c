package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/account"
	"rollout/internal/config"
	"rollout/internal/database"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/project"
)

// The backlog page and the backlog API must cost the same number of queries
// whatever the size of the backlog: the benchmarks measure time and queries
// per request on 2,000 requirements, and the test below compares the query
// counts of a small and a large backlog.
//
//	go test ./internal/web -run '^$' -bench Backlog -benchtime 20x

// idArray writes ids as a PostgreSQL array literal, for a ?::bigint[] argument.
func idArray(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// bigBacklog is an app whose database holds projects with generated
// backlogs, and a signed-in project manager.
type bigBacklog struct {
	tb      testing.TB
	app     *fiber.App
	db      *database.DB
	queries *dbtest.Counter
	user    *account.User
	session string // the session cookie's value
	token   string // an API token
	sample  string // a backlog row's markup, for a test's log
}

func newBigBacklog(tb testing.TB) *bigBacklog {
	tb.Helper()
	db := dbtest.New(tb)
	q := dbtest.CountQueries(db)
	app, err := New(Deps{DB: db, Config: config.Config{Addr: "127.0.0.1:0"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	u, err := account.Create(ctx, db, 0, account.NewUser{Email: "pm@example.com", Name: "Pat Manager", Password: testPassword})
	if err != nil {
		tb.Fatal(err)
	}
	_, session, err := account.SignIn(ctx, db, u.Email, testPassword, "127.0.0.1", "", time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	token, _, err := account.CreateToken(ctx, db, u.ID, account.NewToken{Name: "bench"})
	if err != nil {
		tb.Fatal(err)
	}
	return &bigBacklog{tb: tb, app: app, db: db, queries: q, user: u, session: session, token: token}
}

// seed creates project key with n requirements, inserted in one statement:
// spread over the five phases, tiers, kinds, statuses and five owners, three
// in four serving one or two of six goals, each with the audit entry of its
// creation spread over the last twenty weeks (what the churn chart reads).
func (bb *bigBacklog) seed(key string, n int) {
	tb := bb.tb
	tb.Helper()
	ctx := context.Background()
	p, err := project.Create(ctx, bb.db, bb.user.ID, project.Input{Key: key, Name: "Backlog of " + fmt.Sprint(n), Template: "crm"}, "en")
	if err != nil {
		tb.Fatal(err)
	}
	phases, err := project.Phases(ctx, bb.db, p.ID)
	if err != nil {
		tb.Fatal(err)
	}
	phaseIDs := make([]int64, len(phases))
	for i, ph := range phases {
		phaseIDs[i] = ph.ID
	}
	owners := []int64{bb.user.ID}
	for i := range 4 {
		email := fmt.Sprintf("owner%d.%s@example.com", i, strings.ToLower(key))
		u, err := account.Create(ctx, bb.db, 0, account.NewUser{Email: email, Name: fmt.Sprintf("Owner %d", i), Password: testPassword})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := project.AddMember(ctx, bb.db, 0, p.ID, project.MemberInput{Email: email, Role: project.RoleBusinessOwner, Department: project.DeptSales}); err != nil {
			tb.Fatal(err)
		}
		owners = append(owners, u.ID)
	}
	var goalIDs []int64
	for i := range 6 {
		b, t := 10.0, 20.0
		g, err := goal.Create(ctx, bb.db, bb.user.ID, p.ID, goal.Input{Title: fmt.Sprintf("Goal %d", i), Metric: "m", Unit: "%",
			Baseline: &b, Target: &t, Direction: goal.Increase, Category: goal.Business,
			StartOn: date.New(2026, 1, 1), DueOn: date.New(2026, 12, 31), OwnerID: bb.user.ID})
		if err != nil {
			tb.Fatal(err)
		}
		goalIDs = append(goalIDs, g.ID)
	}
	_, err = bb.db.NewRaw(`INSERT INTO requirements (project_id, number, title, user_story, acceptance_criteria, tier, rank,
			phase_id, kind, approach, owner_id, status, estimate_days)
		SELECT ?, g, 'Requirement ' || g, 'As a user I want requirement ' || g || ', so that the backlog is large',
			ARRAY['first criterion of ' || g, 'second criterion'],
			(ARRAY['must', 'important', 'optional'])[1 + g % 3], g * 65536,
			(?::bigint[])[1 + g % 5],
			(ARRAY['process', 'feature', 'report', 'integration', 'data_migration', 'training', 'change_management', 'other'])[1 + g % 8],
			CASE WHEN g % 7 = 0 THEN 'customization' ELSE 'configuration' END,
			(?::bigint[])[1 + g % 5],
			(ARRAY['proposed', 'approved', 'in_progress', 'done', 'rejected', 'deferred'])[1 + g % 6],
			(g % 10) + 0.5
		FROM generate_series(1, ?) AS g`, p.ID, idArray(phaseIDs), idArray(owners), n).Exec(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE projects SET requirement_seq = ? WHERE id = ?`,
		`INSERT INTO requirement_goals (requirement_id, goal_id)
			SELECT r.id, (?::bigint[])[1 + r.number % 6] FROM requirements AS r WHERE r.project_id = ? AND r.number % 4 <> 0
			UNION
			SELECT r.id, (?::bigint[])[1 + (r.number + 1) % 6] FROM requirements AS r WHERE r.project_id = ? AND r.number % 5 = 0`,
		`INSERT INTO audit_entries (project_id, actor_id, at, entity, entity_id, action, after, ref)
			SELECT r.project_id, ?, now() - (r.number % 140) * interval '1 day', 'requirement', r.id::text, 'create',
				jsonb_build_object('title', r.title, 'tier', r.tier), ''
			FROM requirements AS r WHERE r.project_id = ?`,
	} {
		var args []any
		switch {
		case strings.HasPrefix(stmt, "UPDATE"):
			args = []any{n, p.ID}
		case strings.Contains(stmt, "requirement_goals"):
			args = []any{idArray(goalIDs), p.ID, idArray(goalIDs), p.ID}
		default:
			args = []any{bb.user.ID, p.ID}
		}
		if _, err := bb.db.NewRaw(stmt, args...).Exec(ctx); err != nil {
			tb.Fatal(err)
		}
	}
}

// page fetches the backlog page with the session cookie.
func (bb *bigBacklog) page(key string) int {
	req := httptest.NewRequest(http.MethodGet, "/projects/"+key+"/requirements", nil)
	req.AddCookie(&http.Cookie{Name: "rollout_session", Value: bb.session})
	return bb.send(req)
}

// api lists 200 requirements with the API token.
func (bb *bigBacklog) api(key string) int {
	req := httptest.NewRequest(http.MethodGet, "/api/v1/projects/"+key+"/requirements?limit=200", nil)
	req.Header.Set("Authorization", "Bearer "+bb.token)
	return bb.send(req)
}

func (bb *bigBacklog) send(req *http.Request) int {
	res, err := bb.app.Test(req, -1)
	if err != nil {
		bb.tb.Fatal(err)
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		bb.tb.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		bb.tb.Fatalf("%s: status %d", req.URL, res.StatusCode)
	}
	return res.StatusCode
}

// count returns the queries one call makes (after a first call, which may
// do once-only work such as refreshing the session).
func (bb *bigBacklog) count(call func(string) int, key string) int64 {
	call(key)
	before := bb.queries.Count()
	call(key)
	return bb.queries.Count() - before
}

func BenchmarkBacklog(b *testing.B) {
	bb := newBigBacklog(b)
	bb.seed("BIG", 2000)
	for _, c := range []struct {
		name string
		call func(string) int
	}{{"page", bb.page}, {"api", bb.api}} {
		b.Run(c.name, func(b *testing.B) {
			c.call("BIG") // warm up
			before := bb.queries.Count()
			b.ResetTimer()
			for range b.N {
				c.call("BIG")
			}
			b.StopTimer()
			b.ReportMetric(float64(bb.queries.Count()-before)/float64(b.N), "queries/op")
		})
	}
}

func TestBacklogQueriesDoNotGrowWithTheBacklog(t *testing.T) {
	t.Parallel()
	bb := newBigBacklog(t)
	bb.seed("SMALL", 50)
	bb.seed("BIG", 2000)
	for _, c := range []struct {
		name string
		call func(string) int
	}{{"backlog page", bb.page}, {"backlog API", bb.api}} {
		small, big := bb.count(c.call, "SMALL"), bb.count(c.call, "BIG")
		t.Logf("%s: %d queries at 50 requirements, %d at 2,000", c.name, small, big)
		if small != big || small == 0 {
			t.Errorf("%s: %d queries at 50 requirements, %d at 2,000", c.name, small, big)
		}
	}
}
