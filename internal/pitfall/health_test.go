package pitfall

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/milestone"
	"rollout/internal/project"
)

type fixture struct {
	db      *bun.DB
	project *project.Project
	pm      *account.User
	today   date.Date
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	db := dbtest.New(t)
	ctx := context.Background()
	pm, err := account.Create(ctx, db, 0, account.NewUser{Email: "pm@example.com", Name: "PM", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	today := date.New(2026, 6, 1)
	p, err := project.Create(ctx, db, pm.ID, project.Input{Key: "CRM", Name: "CRM", StartOn: today.AddDays(-60)}, "en", milestone.TemplateMilestones(today))
	if err != nil {
		t.Fatal(err)
	}
	return fixture{db: db, project: p, pm: pm, today: today}
}

func TestComputeAssessAndTrend(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	h, err := Compute(ctx, f.db, f.project.ID, f.today)
	if err != nil {
		t.Fatal(err)
	}
	// A fresh project: no goals, no scope, no sponsor, no business members…
	got := detectorsOf(h.Findings)
	for _, want := range []string{"P01/no_goals", "P02/scope_boundary_empty", "P03/no_sponsor", "P03/no_business_members", "P04/no_adoption_goal"} {
		found := false
		for _, g := range got {
			found = found || g == want
		}
		if !found {
			t.Fatalf("findings %v lack %s", got, want)
		}
	}
	if h.Score >= 100 || h.Score < 0 {
		t.Fatalf("score %d", h.Score)
	}
	// Assessing a pitfall as fallen in takes its points.
	if _, err := Assess(ctx, f.db, f.pm.ID, f.project.ID, "P06", Input{Status: FallenIn, Answers: []string{"no", "", "unsure"}, Version: 0}); err != nil {
		t.Fatal(err)
	}
	if _, err := Assess(ctx, f.db, f.pm.ID, f.project.ID, "P06", Input{Status: Clear, Version: 0}); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("stale assessment: %v", err)
	}
	if _, err := Assess(ctx, f.db, f.pm.ID, f.project.ID, "P99", Input{Status: Clear}); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("unknown code: %v", err)
	}
	if _, err := Assess(ctx, f.db, f.pm.ID, f.project.ID, "P06", Input{Status: "maybe", Version: 1}); !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("bad status: %v", err)
	}
	h2, _ := Compute(ctx, f.db, f.project.ID, f.today)
	if h2.Score != h.Score-10 || h2.Pitfalls[5].Status != FallenIn {
		t.Fatalf("score %d → %d, P06 %+v", h.Score, h2.Score, h2.Pitfalls[5])
	}
	if err := Snapshot(ctx, f.db, f.project.ID, f.today.AddDays(-1), h); err != nil {
		t.Fatal(err)
	}
	if err := Snapshot(ctx, f.db, f.project.ID, f.today, h2); err != nil {
		t.Fatal(err)
	}
	trend, err := Trend(ctx, f.db, f.project.ID, f.today.AddDays(-30))
	if err != nil || len(trend) != 2 || trend[1].Score != h2.Score {
		t.Fatalf("trend %+v %v", trend, err)
	}
	// Thresholds are per project and refused when out of range.
	th := DefaultThresholds()
	th.RiskScore = 30
	if err := SetThresholds(ctx, f.db, f.pm.ID, f.project.ID, th); !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("bad threshold: %v", err)
	}
	th.RiskScore = 12
	if err := SetThresholds(ctx, f.db, f.pm.ID, f.project.ID, th); err != nil {
		t.Fatal(err)
	}
	h3, _ := Compute(ctx, f.db, f.project.ID, f.today)
	if h3.Thresholds.RiskScore != 12 || h3.Thresholds.NoGoalShare != 0.2 {
		t.Fatalf("thresholds %+v", h3.Thresholds)
	}
}

// seedLarge fills a project with 5,000 requirements, 500 risks and 50 goals of
// 100 measurements each, in a few statements.
func seedLarge(t testing.TB, f fixture) {
	t.Helper()
	ctx := context.Background()
	p, pm := f.project.ID, f.pm.ID
	stmts := []string{
		fmt.Sprintf(`INSERT INTO goals (project_id, title, metric, baseline, target, direction, category, start_on, due_on, owner_id)
			SELECT %d, 'Goal ' || g, 'metric', 10, 20, 'increase', (ARRAY['business','adoption','data_quality','efficiency'])[1 + g %% 4],
			'2026-01-01', '2026-12-31', %d FROM generate_series(1, 50) AS g`, p, pm),
		`INSERT INTO measurements (goal_id, value, measured_on) SELECT g.id, 10 + m * 0.05, DATE '2026-01-01' + m
			FROM goals AS g, generate_series(1, 100) AS m`,
		fmt.Sprintf(`INSERT INTO requirements (project_id, number, title, tier, rank, phase_id, kind, approach, status)
			SELECT %[1]d, n, 'Requirement ' || n, (ARRAY['must','important','optional'])[1 + n %% 3], n * 65536,
			(SELECT id FROM phases WHERE project_id = %[1]d ORDER BY position OFFSET 1 + n %% 3 LIMIT 1),
			(ARRAY['process','feature','report','integration','data_migration','training','change_management','other'])[1 + n %% 8],
			(ARRAY['configuration','configuration','customization'])[1 + n %% 3], 'approved' FROM generate_series(1, 5000) AS n`, p),
		`INSERT INTO requirement_goals (requirement_id, goal_id) SELECT r.id, (SELECT min(id) FROM goals) + r.number % 50
			FROM requirements AS r WHERE r.number % 5 <> 0`,
		fmt.Sprintf(`INSERT INTO risks (project_id, number, title, category, probability, impact, initial_probability, initial_impact, owner_id, identified_on)
			SELECT %d, n, 'Risk ' || n, (ARRAY['data_migration','integration','adoption','vendor','scope'])[1 + n %% 5], 1 + n %% 5, 1 + (n / 5) %% 5,
			1 + n %% 5, 1 + (n / 5) %% 5, %d, '2026-01-01' FROM generate_series(1, 500) AS n`, p, pm),
	}
	for _, s := range stmts {
		if _, err := f.db.ExecContext(ctx, s); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
	}
}

// The number of queries of a health computation does not depend on the size of the project.
func TestComputeRunsAFixedNumberOfQueries(t *testing.T) {
	t.Parallel()
	small, large := newFixture(t), newFixture(t)
	seedLarge(t, large)
	ctx := context.Background()
	count := func(f fixture) (int64, *Health) {
		c := dbtest.CountQueries(f.db)
		h, err := Compute(ctx, f.db, f.project.ID, f.today)
		if err != nil {
			t.Fatal(err)
		}
		return c.Count(), h
	}
	ns, _ := count(small)
	nl, h := count(large)
	if ns != nl {
		t.Fatalf("%d queries on an empty project, %d on a large one", ns, nl)
	}
	if len(h.Findings) == 0 {
		t.Fatal("the large project trips nothing")
	}
}

// BenchmarkHealthLargeProject: go test ./internal/pitfall -run '^$' -bench Health -benchtime 20x
func BenchmarkHealthLargeProject(b *testing.B) {
	f := newFixture(b)
	seedLarge(b, f)
	ctx := context.Background()
	c := dbtest.CountQueries(f.db)
	for b.Loop() {
		if _, err := Compute(ctx, f.db, f.project.ID, f.today); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.Count())/float64(b.N), "queries/op")
}
