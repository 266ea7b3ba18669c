package report

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/budget"
	"rollout/internal/change"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/demo"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/office"
	"rollout/internal/pitfall"
	"rollout/internal/project"
	"rollout/internal/project/projecttest"
	"rollout/internal/report/reporttest"
	"rollout/internal/requirement"
	"rollout/internal/risk"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type fixture struct {
	db    *bun.DB
	pm    *account.User
	today date.Date
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	db := dbtest.New(t)
	pm, err := account.Create(context.Background(), db, 0, account.NewUser{Email: "pm@example.com", Name: "Pat Manager", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	// The churn reads the audit trail, written at the real time: the day is today.
	return fixture{db: db, pm: pm, today: date.Of(time.Now().UTC())}
}

func must[T any](t testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ptr[T any](v T) *T { return &v }

// newProject creates a project from the CRM template (five phases), managed by owner.
func (f fixture) newProject(t testing.TB, key string, owner *account.User) *project.Project {
	t.Helper()
	return must[*project.Project](t)(project.Create(context.Background(), f.db, owner.ID,
		project.Input{Key: key, Name: "Project " + key, Template: "crm", StartOn: f.today.AddDays(-100), TargetOn: f.today.AddDays(200)}, "en"))
}

// known fills a project with items whose figures the test states by hand.
func (f fixture) known(t *testing.T, p *project.Project) {
	t.Helper()
	ctx, db, pm, today := context.Background(), f.db, f.pm.ID, f.today
	phases := must[[]project.Phase](t)(project.Phases(ctx, db, p.ID))

	// Goals: an outcome achieved, an outcome far behind, an adoption goal on track.
	addGoal := func(title string, cat goal.Category, baseline, target float64, values ...float64) *goal.Goal {
		g := must[*goal.Goal](t)(goal.Create(ctx, db, pm, p.ID, goal.Input{Title: title, Metric: "m", Baseline: &baseline, Target: &target,
			Direction: goal.Increase, Category: cat, StartOn: today.AddDays(-100), DueOn: today.AddDays(100), OwnerID: pm}))
		for i, v := range values {
			must[*goal.Measurement](t)(goal.AddMeasurement(ctx, db, projecttest.Caller(t, db, p.ID, pm), p.ID, g.ID,
				goal.MeasurementInput{Value: ptr(v), MeasuredOn: today.AddDays(-len(values) + i)}, goal.Manual, today))
		}
		return g
	}
	addGoal("Conversion", goal.Business, 10, 20, 12, 21)   // progress 1.1: achieved
	addGoal("Quote cycle", goal.Efficiency, 0, 100, 5)     // 5 % at half time: off track
	addGoal("Weekly active use", goal.Adoption, 0, 80, 39) // 48.75 % at half time: on track

	// Requirements: two must, one important, one optional; one must is deleted.
	for i, tier := range []requirement.Tier{requirement.Must, requirement.Must, requirement.Important, requirement.Optional} {
		must[*requirement.Requirement](t)(requirement.Create(ctx, db, pm, p.ID, requirement.Input{Title: "R" + string(rune('A'+i)),
			Tier: tier, Kind: requirement.Feature, Approach: requirement.Configuration, PhaseID: &phases[2].ID}))
	}
	if err := requirement.Delete(ctx, db, pm, p.ID, 2); err != nil {
		t.Fatal(err)
	}

	// Risks: critical open, low mitigating, a closed one that no longer counts.
	addRisk := func(title string, prob, impact int, status risk.Status) {
		must[*risk.Risk](t)(risk.Create(ctx, db, pm, p.ID, risk.Input{Title: title, Category: risk.DataMigration,
			Probability: prob, Impact: impact, OwnerID: pm, Status: status}, today))
	}
	addRisk("Dirty customer data", 4, 5, risk.Open)
	addRisk("Vendor staff leaves", 2, 2, risk.Mitigating)
	addRisk("Licences late", 5, 5, risk.Closed)

	// Milestones: a gate of phase 3 ten days late, a milestone of phase 2 done
	// four days late, a gate of phase 4 in the future.
	must[*milestone.Milestone](t)(milestone.Create(ctx, db, pm, p.ID, milestone.Input{Name: "Design signed off", PhaseID: &phases[2].ID,
		PlannedOn: today.AddDays(-10), IsGate: true, Deliverables: []string{"Process map", "Data model"}}, today))
	must[*milestone.Milestone](t)(milestone.Create(ctx, db, pm, p.ID, milestone.Input{Name: "Vendor chosen", PhaseID: &phases[1].ID,
		PlannedOn: today.AddDays(-30), ActualOn: today.AddDays(-26)}, today))
	must[*milestone.Milestone](t)(milestone.Create(ctx, db, pm, p.ID, milestone.Input{Name: "Go-live", PhaseID: &phases[3].ID,
		PlannedOn: today.AddDays(60), IsGate: true}, today))

	// Change requests: two drafts, one submitted.
	for _, title := range []string{"Add a field", "Drop a report", "Move go-live"} {
		must[*change.Request](t)(change.Create(ctx, db, pm, p.ID, change.Input{Title: title, Description: "why"}))
	}
	must[*change.Request](t)(change.Submit(ctx, db, projecttest.Caller(t, db, p.ID, pm), p.ID, 3, time.Now()))

	// Budget: two CNY lines and one USD line; spend in two months.
	lic := must[*budget.Line](t)(budget.AddLine(ctx, db, pm, p.ID, budget.LineInput{Category: "Licences", Planned: 1000, Currency: "CNY"}))
	svc := must[*budget.Line](t)(budget.AddLine(ctx, db, pm, p.ID, budget.LineInput{Category: "Services", Planned: 500}))
	must[*budget.Line](t)(budget.AddLine(ctx, db, pm, p.ID, budget.LineInput{Category: "Travel", Planned: 200, Currency: "USD"}))
	must[[]budget.Entry](t)(budget.AddEntries(ctx, db, pm, p.ID, []budget.EntryInput{
		{LineID: lic.ID, SpentOn: date.New(2026, 1, 15), Amount: ptr(300.0)},
		{LineID: lic.ID, SpentOn: date.New(2026, 2, 3), Amount: ptr(200.0)},
		{LineID: svc.ID, SpentOn: date.New(2026, 2, 20), Amount: ptr(100.0), Note: "workshop"},
	}, ""))
}

func TestDashboardFiguresEqualTheItems(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p := f.newProject(t, "CRM", f.pm)
	f.known(t, p)
	h := must[*pitfall.Health](t)(pitfall.Compute(ctx, f.db, p.ID, f.today.AddDays(-1)))
	if err := pitfall.Snapshot(ctx, f.db, p.ID, f.today.AddDays(-1), h); err != nil {
		t.Fatal(err)
	}

	d := must[*DashboardData](t)(Dashboard(ctx, f.db, p.ID, f.today))

	// The project and its phases.
	phases := must[[]project.Phase](t)(project.Phases(ctx, f.db, p.ID))
	if d.Project.Key != "CRM" || d.Project.CurrentPhase != phases[0].Name || len(d.Phases) != 5 || !d.Phases[0].Current {
		t.Fatalf("project %+v phases %+v", d.Project, d.Phases)
	}
	if ph := d.Phases[1]; ph.MilestonesDone != 1 || ph.MilestonesTotal != 1 || ph.Share != 1 {
		t.Errorf("phase 2 %+v", ph)
	}
	if ph := d.Phases[2]; ph.MilestonesDone != 0 || ph.MilestonesTotal != 1 || ph.DeliverablesTotal != 2 || ph.NextGate == nil {
		t.Errorf("phase 3 %+v", ph)
	}
	if g := d.NextGate; g == nil || g.Name != "Design signed off" || g.Slip != 10 || g.Status != milestone.Missed || g.DaysToGo != -10 {
		t.Errorf("next gate %+v", d.NextGate)
	}
	ms := d.Milestones
	if ms.Total != 3 || ms.Slipping != 1 || ms.WorstSlip != 10 || ms.ByStatus[milestone.Done] != 1 || ms.ByStatus[milestone.Missed] != 1 ||
		ms.ByStatus[milestone.Planned] != 1 {
		t.Errorf("milestones %+v", ms)
	}
	for _, m := range ms.Items {
		if m.Name == "Vendor chosen" && m.Slip != 4 {
			t.Errorf("done milestone slip %d, want 4", m.Slip)
		}
	}

	// Goals: adoption apart.
	gs := d.Goals
	if gs.Total != 3 || len(gs.Outcomes) != 2 || len(gs.Adoption) != 1 || gs.OnTrack != 2 ||
		gs.ByStatus[goal.Achieved] != 1 || gs.ByStatus[goal.OnTrack] != 1 || gs.ByStatus[goal.OffTrack] != 1 {
		t.Errorf("goals %+v", gs)
	}
	if a := gs.Adoption[0]; a.Title != "Weekly active use" || a.Current != 39 || math.Abs(a.Progress-39.0/80) > 1e-9 {
		t.Errorf("adoption goal %+v", a)
	}

	// The backlog and its churn (this week: four added, one removed).
	if b := d.Backlog; b.Total != 3 || b.Tiers[requirement.Must] != 1 || b.Tiers[requirement.Important] != 1 || b.Tiers[requirement.Optional] != 1 {
		t.Errorf("backlog %+v", b)
	}
	if n := len(d.Backlog.Weeks); n != ChurnWeeks {
		t.Fatalf("%d churn weeks", n)
	}
	last := d.Backlog.Weeks[len(d.Backlog.Weeks)-1]
	if last.Counts.Added != 4 || last.Counts.Removed != 1 || last.Total != 5 || last.ByTier[requirement.Must] != 3 ||
		d.Backlog.Churn[requirement.Must] != 3 || d.Backlog.Churn[requirement.Optional] != 1 {
		t.Errorf("churn %+v by tier %+v", last, d.Backlog.Churn)
	}

	// Risks: only the active ones, checked against the table itself.
	var active int
	if err := f.db.NewSelect().Table("risks").ColumnExpr("count(*)").Where("project_id = ? AND status IN ('open', 'mitigating')", p.ID).Scan(ctx, &active); err != nil {
		t.Fatal(err)
	}
	r := d.Risks
	if r.Active != active || active != 2 || r.Heat.Total != 2 || r.Heat.Inherent[3][4] != 1 || r.Heat.Inherent[1][1] != 1 ||
		r.Highest != risk.Critical || r.ByLevel[risk.Critical] != 1 || r.ByLevel[risk.Low] != 1 || len(r.Top) != 2 || r.Top[0].Score != 20 {
		t.Errorf("risks %+v", r)
	}

	// Change requests by state.
	if c := d.Changes; c.Total != 3 || c.Pending != 1 || c.ByStatus[change.Draft] != 2 || c.ByStatus[change.Submitted] != 1 || len(c.Months) != ChangeMonths ||
		c.Months[len(c.Months)-1].Total != 3 {
		t.Errorf("changes %+v", c)
	}

	// Budget: per line, per currency, per month.
	var spent float64
	if err := f.db.NewSelect().Table("spend_entries").ColumnExpr("sum(amount)").Where("project_id = ?", p.ID).Scan(ctx, &spent); err != nil {
		t.Fatal(err)
	}
	b := d.Budget
	if len(b.Lines) != 3 || len(b.Totals) != 2 {
		t.Fatalf("budget %+v", b)
	}
	byCurrency := map[string]BudgetTotal{}
	for _, tot := range b.Totals {
		byCurrency[tot.Currency] = tot
	}
	if cny := byCurrency["CNY"]; cny.Planned != 1500 || cny.Actual != 600 || cny.Actual != spent || cny.Remaining != 900 || cny.Used != 0.4 {
		t.Errorf("CNY %+v (spent %v)", cny, spent)
	}
	if usd := byCurrency["USD"]; usd.Planned != 200 || usd.Actual != 0 {
		t.Errorf("USD %+v", usd)
	}
	if len(b.Monthly) != 2 || b.Monthly[0].Month != "2026-01" || b.Monthly[0].Amount != 300 || b.Monthly[1].Amount != 300 || b.Monthly[1].Cumulative != 600 {
		t.Errorf("monthly %+v", b.Monthly)
	}

	// Health: pitfall.Compute's score, and a trend ending today.
	want := must[*pitfall.Health](t)(pitfall.Compute(ctx, f.db, p.ID, f.today))
	hf := d.Health
	if hf.Score != want.Score || hf.Band != BandOf(want.Score) || hf.Findings != len(want.Findings) || hf.Critical+hf.Warnings != hf.Findings ||
		len(hf.Pitfalls) != 10 || hf.Max != 100 {
		t.Errorf("health %+v, want score %d with %d findings", hf, want.Score, len(want.Findings))
	}
	if len(hf.Trend) != 2 || hf.Trend[0].Day != f.today.AddDays(-1) || hf.Trend[1].Day != f.today || hf.Trend[1].Score != want.Score {
		t.Errorf("trend %+v", hf.Trend)
	}
}

func TestBandOf(t *testing.T) {
	for score, want := range map[int]Band{100: Good, 80: Good, 79: Fair, 60: Fair, 59: Poor, 0: Poor} {
		if got := BandOf(score); got != want {
			t.Errorf("BandOf(%d) = %s, want %s", score, got, want)
		}
	}
}

func TestPortfolioListsOnlyVisibleProjects(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	crm := f.newProject(t, "CRM", f.pm)
	f.known(t, crm)
	other := must[*account.User](t)(account.Create(ctx, f.db, 0, account.NewUser{Email: "o@example.com", Name: "Other", Password: "long enough password"}))
	admin := must[*account.User](t)(account.Create(ctx, f.db, 0, account.NewUser{Email: "a@example.com", Name: "Admin", Password: "long enough password", IsAdmin: true}))
	oth := f.newProject(t, "OTH", other)
	must[*budget.Line](t)(budget.AddLine(ctx, f.db, other.ID, oth.ID, budget.LineInput{Category: "All", Planned: 400}))
	line := must[[]budget.Line](t)(budget.Lines(ctx, f.db, oth.ID))[0]
	must[[]budget.Entry](t)(budget.AddEntries(ctx, f.db, other.ID, oth.ID, []budget.EntryInput{{LineID: line.ID, SpentOn: f.today, Amount: ptr(100.0)}}, ""))
	if err := pitfall.Snapshot(ctx, f.db, oth.ID, f.today, &pitfall.Health{Score: 42}); err != nil {
		t.Fatal(err)
	}
	// An archived project is not in the portfolio.
	arch := f.newProject(t, "ARC", other)
	must[*project.Project](t)(project.SetArchived(ctx, f.db, other.ID, arch.ID, true))

	keys := func(d *PortfolioData) []string {
		var out []string
		for _, r := range d.Rows {
			out = append(out, r.Key)
		}
		return out
	}
	pm := must[*PortfolioData](t)(Portfolio(ctx, f.db, f.pm.ID, false, f.today, nil))
	if k := keys(pm); len(k) != 1 || k[0] != "CRM" {
		t.Fatalf("the project manager sees %v", k)
	}
	o := must[*PortfolioData](t)(Portfolio(ctx, f.db, other.ID, false, f.today, nil))
	if k := keys(o); len(k) != 1 || k[0] != "OTH" {
		t.Fatalf("the other user sees %v", k)
	}
	a := must[*PortfolioData](t)(Portfolio(ctx, f.db, admin.ID, true, f.today, nil))
	if k := keys(a); len(k) != 2 {
		t.Fatalf("the admin sees %v", k)
	}
	nobody := must[*account.User](t)(account.Create(ctx, f.db, 0, account.NewUser{Email: "n@example.com", Name: "Nobody", Password: "long enough password"}))
	if n := must[*PortfolioData](t)(Portfolio(ctx, f.db, nobody.ID, false, f.today, nil)); len(n.Rows) != 0 || n.Summary.Projects != 0 {
		t.Fatalf("a user in no project sees %+v", n)
	}

	// The row's figures match the dashboard's.
	row := pm.Rows[0]
	d := must[*DashboardData](t)(Dashboard(ctx, f.db, crm.ID, f.today))
	if row.Phase != d.Project.CurrentPhase || row.NextGate == nil || row.NextGate.Name != d.NextGate.Name || row.Slip != d.Milestones.WorstSlip ||
		row.HighestRisk != d.Risks.Highest || row.GoalsOnTrack != d.Goals.OnTrack || row.GoalsTotal != d.Goals.Total ||
		row.Role != project.RoleProjectManager {
		t.Errorf("row %+v against dashboard", row)
	}
	if row.BudgetCurrency != Mixed || row.BudgetUsed != nil || row.Health != nil || row.Band != Unknown {
		t.Errorf("CRM budget %q %v, health %v %s", row.BudgetCurrency, row.BudgetUsed, row.Health, row.Band)
	}
	orow := o.Rows[0]
	if orow.BudgetCurrency != "CNY" || orow.BudgetUsed == nil || *orow.BudgetUsed != 0.25 || orow.Health == nil || *orow.Health != 42 || orow.Band != Poor ||
		orow.HighestRisk != "" || orow.NextGate != nil || orow.Slip != 0 {
		t.Errorf("OTH row %+v", orow)
	}

	// The admin's summary covers both projects.
	s := a.Summary
	if s.Projects != 2 || s.ByBand[Unknown] != 1 || s.ByBand[Poor] != 1 || s.WithSlip != 1 || s.ByRisk[risk.Critical] != 1 ||
		s.GoalsTotal != 3 || s.GoalsOnTrack != 2 || len(s.Budget) != 2 || s.Budget[0].Currency != "CNY" || s.Budget[0].Planned != 1900 ||
		s.Budget[0].Actual != 700 || s.Budget[1].Currency != "USD" {
		t.Errorf("summary %+v", s)
	}
}

func TestPortfolioSort(t *testing.T) {
	five, ninety := 5, 90
	used := 0.5
	d := &PortfolioData{Rows: []PortfolioRow{
		{Key: "BB", Name: "beta", Health: &ninety, Slip: 3, HighestRisk: risk.Low},
		{Key: "AA", Name: "Alpha", Health: &five, Slip: 10, HighestRisk: risk.Critical, BudgetUsed: &used},
		{Key: "CC", Name: "gamma"},
	}}
	order := func() string {
		s := ""
		for _, r := range d.Rows {
			s += r.Key
		}
		return s
	}
	for _, c := range []struct {
		col  string
		desc bool
		want string
	}{
		{"name", false, "AABBCC"}, {"name", true, "CCBBAA"}, {"health", false, "AABBCC"}, {"health", true, "BBAACC"},
		{"slip", true, "AABBCC"}, {"slip", false, "CCBBAA"}, {"risk", true, "AABBCC"}, {"budget", true, "AABBCC"}, {"budget", false, "AABBCC"},
	} {
		if !d.Sort(c.col, c.desc) {
			t.Fatalf("sort by %s refused", c.col)
		}
		if got := order(); got != c.want {
			t.Errorf("sort by %s desc=%v: %s, want %s", c.col, c.desc, got, c.want)
		}
	}
	if d.Sort("password", false) {
		t.Error("an unknown column was accepted")
	}
}

// The dashboard and the portfolio run as many queries for a large project as
// for a small one, and the portfolio as many for three projects as for one.
func TestQueriesDoNotGrowWithTheProject(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	small := f.newProject(t, "SMALL", f.pm)
	f.known(t, small)
	largeID, pmID, err := reporttest.LoadLarge(ctx, f.db, f.today)
	if err != nil {
		t.Fatal(err)
	}
	// The large project's manager runs two more projects.
	for _, key := range []string{"THIRD", "FOURTH"} {
		p := f.newProject(t, key, f.pm)
		if _, err := project.AddMember(ctx, f.db, f.pm.ID, p.ID, project.MemberInput{Email: "pm@demo.example", Role: project.RoleProjectManager,
			Department: project.DeptOperations}); err != nil {
			t.Fatal(err)
		}
	}
	count := dbtest.CountQueries(f.db)

	dashboard := func(id int64) int64 {
		count.Reset()
		d := must[*DashboardData](t)(Dashboard(ctx, f.db, id, f.today))
		if id == largeID && (d.Risks.Active < 100 || d.Milestones.Total != demo.LargeMilestones || d.Goals.Total != demo.LargeGoals ||
			d.Backlog.Total < 4000 || len(d.Budget.Lines) != reporttest.BudgetLines) {
			t.Fatalf("the large project looks small: %d risks, %d milestones, %d goals, %d requirements",
				d.Risks.Active, d.Milestones.Total, d.Goals.Total, d.Backlog.Total)
		}
		return count.Count()
	}
	if s, l := dashboard(small.ID), dashboard(largeID); s != l {
		t.Errorf("dashboard: %d queries on a small project, %d on a large one", s, l)
	}
	portfolio := func(userID int64, rows int) int64 {
		count.Reset()
		p := must[*PortfolioData](t)(Portfolio(ctx, f.db, userID, false, f.today, nil))
		if len(p.Rows) != rows {
			t.Fatalf("%d rows, want %d", len(p.Rows), rows)
		}
		return count.Count()
	}
	if s, l := portfolio(f.pm.ID, 3), portfolio(pmID, 3); s != l || s != 7 {
		t.Errorf("portfolio: %d queries for three small projects, %d for a large one and two more (want 7)", s, l)
	}
	if one := portfolio(must[*account.User](t)(account.ByEmail(ctx, f.db, "consultant@demo.example")).ID, 1); one != 7 {
		t.Errorf("portfolio: %d queries for one project (want 7)", one)
	}

	// With today's snapshots kept at the projects' revisions, the live
	// score is asked for no project: still seven queries.
	if _, err := office.SnapshotHealth(ctx, f.db, f.today); err != nil {
		t.Fatal(err)
	}
	asked := 0
	live := func(context.Context, int64, int64) (*int, error) { asked++; return nil, nil }
	count.Reset()
	if p := must[*PortfolioData](t)(Portfolio(ctx, f.db, pmID, false, f.today, live)); len(p.Rows) != 3 || asked != 0 || count.Count() != 7 {
		t.Errorf("portfolio with fresh snapshots: %d rows, %d live scores, %d queries (want 3, 0, 7)", len(p.Rows), asked, count.Count())
	}
}

// The demo project fills every part of the dashboard, its budget included.
func TestDemoDashboardHasEveryFigure(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	today := date.Of(time.Now().UTC())
	if _, err := demo.Load(ctx, db, today); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := db.NewSelect().Table("projects").Column("id").Where("key = ?", demo.Key).Scan(ctx, &id); err != nil {
		t.Fatal(err)
	}
	d := must[*DashboardData](t)(Dashboard(ctx, db, id, today))
	if len(d.Budget.Lines) < 5 || len(d.Budget.Totals) != 1 || len(d.Budget.Monthly) < 3 || d.Budget.Totals[0].Used <= 0 || d.Budget.Totals[0].Used >= 1 {
		t.Errorf("budget %+v", d.Budget)
	}
	if len(d.Goals.Outcomes) == 0 || len(d.Goals.Adoption) == 0 || d.Risks.Active == 0 || d.Backlog.Total == 0 || d.Milestones.Total == 0 ||
		d.Changes.Total == 0 || d.NextGate == nil || d.Project.CurrentPhase == "" {
		t.Errorf("dashboard of the demo lacks figures: %+v", d)
	}
	churn := 0
	for _, w := range d.Backlog.Weeks {
		churn += w.Total
	}
	if churn == 0 {
		t.Error("the demo's backlog has no churn in the dashboard's weeks")
	}
}
