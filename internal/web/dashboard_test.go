package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"rollout/internal/budget"
	"rollout/internal/change"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/office"
	"rollout/internal/project"
	"rollout/internal/project/projecttest"
	"rollout/internal/requirement"
	"rollout/internal/risk"
)

// dashProject is project CRM (from the CRM template), run by the signed-up
// admin, with goals, requirements, risks, milestones, change requests and a
// budget whose figures the tests state by hand.
type dashProject struct {
	app   *fiber.App
	db    *database.DB
	pm    *browser
	id    int64
	pmID  int64
	today date.Date
	lines map[string]int64
}

func newDashProject(t *testing.T) *dashProject {
	t.Helper()
	app, db := testApp(t)
	pm := signUpAdmin(t, app)
	expectStatus(t, pm.post("/projects", url.Values{"key": {"CRM"}, "name": {"Customer 360"}, "template": {"crm"}}), http.StatusSeeOther)
	d := &dashProject{app: app, db: db, pm: pm, id: projectID(t, db, "CRM"), pmID: userID(t, db, adminEmail),
		today: date.Of(time.Now()), lines: map[string]int64{}}
	d.seed(t)
	return d
}

func (d *dashProject) seed(t *testing.T) {
	t.Helper()
	ctx, db, pm, p, today := context.Background(), d.db, d.pmID, d.id, d.today
	check := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	phases, err := project.Phases(ctx, db, p)
	if err != nil {
		t.Fatal(err)
	}
	// Goals: a business goal achieved, an efficiency goal far behind, an adoption goal on track.
	for _, g := range []struct {
		title            string
		cat              goal.Category
		baseline, target float64
		value            float64
	}{{"Lead conversion", goal.Business, 10, 20, 21}, {"Quote cycle", goal.Efficiency, 0, 100, 5}, {"Weekly active use", goal.Adoption, 0, 80, 39}} {
		b, tg, v := g.baseline, g.target, g.value
		created, err := goal.Create(ctx, db, pm, p, goal.Input{Title: g.title, Metric: "m", Baseline: &b, Target: &tg,
			Direction: goal.Increase, Category: g.cat, StartOn: today.AddDays(-100), DueOn: today.AddDays(100), OwnerID: pm})
		check(created, err)
		check(goal.AddMeasurement(ctx, db, projecttest.Caller(t, db, p, pm), p, created.ID, goal.MeasurementInput{Value: &v, MeasuredOn: today.AddDays(-1)}, goal.Manual, today))
	}
	for i, tier := range []requirement.Tier{requirement.Must, requirement.Must, requirement.Important, requirement.Optional} {
		check(requirement.Create(ctx, db, pm, p, requirement.Input{Title: fmt.Sprint("Requirement ", i), Tier: tier,
			Kind: requirement.Feature, Approach: requirement.Configuration, PhaseID: &phases[2].ID}))
	}
	check(nil, requirement.Delete(ctx, db, pm, p, 2))
	check(risk.Create(ctx, db, pm, p, risk.Input{Title: "Dirty customer data", Category: risk.DataMigration, Probability: 4, Impact: 5, OwnerID: pm}, today))
	check(risk.Create(ctx, db, pm, p, risk.Input{Title: "Vendor staff leaves", Category: risk.Vendor, Probability: 2, Impact: 2, OwnerID: pm, Status: risk.Mitigating}, today))
	check(risk.Create(ctx, db, pm, p, risk.Input{Title: "Licences late", Category: risk.Vendor, Probability: 5, Impact: 5, OwnerID: pm, Status: risk.Closed}, today))
	check(milestone.Create(ctx, db, pm, p, milestone.Input{Name: "Design signed off", PhaseID: &phases[2].ID, PlannedOn: today.AddDays(-10),
		IsGate: true, Deliverables: []string{"Process map", "Data model"}}, today))
	check(milestone.Create(ctx, db, pm, p, milestone.Input{Name: "Vendor chosen", PhaseID: &phases[1].ID, PlannedOn: today.AddDays(-30),
		ActualOn: today.AddDays(-26)}, today))
	check(milestone.Create(ctx, db, pm, p, milestone.Input{Name: "Go-live", PhaseID: &phases[3].ID, PlannedOn: today.AddDays(60), IsGate: true}, today))
	for _, title := range []string{"Add a field", "Drop a report", "Move go-live"} {
		check(change.Create(ctx, db, pm, p, change.Input{Title: title, Description: "why"}))
	}
	check(change.Submit(ctx, db, projecttest.Caller(t, db, p, pm), p, 3, time.Now()))
	for _, l := range []budget.LineInput{{Category: "Licences", Planned: 1000}, {Category: "Services", Planned: 500}} {
		line, err := budget.AddLine(ctx, db, pm, p, l)
		check(line, err)
		d.lines[l.Category] = line.ID
	}
	a, b, c := 300.0, 200.0, 100.0
	check(budget.AddEntries(ctx, db, pm, p, []budget.EntryInput{
		{LineID: d.lines["Licences"], SpentOn: date.New(2026, 1, 15), Amount: &a},
		{LineID: d.lines["Licences"], SpentOn: date.New(2026, 2, 3), Amount: &b},
		{LineID: d.lines["Services"], SpentOn: date.New(2026, 2, 20), Amount: &c, Note: "workshop"},
	}, ""))
}

// count runs a count or a sum over the project's rows.
func (d *dashProject) count(t *testing.T, query string) float64 {
	t.Helper()
	var n float64
	if err := d.db.NewRaw("SELECT coalesce(("+query+")::float8, 0)", d.id).Scan(context.Background(), &n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// dashboardJSON is the part of the dashboard API the tests read.
type dashboardJSON struct {
	Project struct {
		Key          string `json:"key"`
		CurrentPhase string `json:"current_phase"`
	} `json:"project"`
	Phases []struct {
		MilestonesTotal int `json:"milestones_total"`
	} `json:"phases"`
	NextGate *struct {
		Name string `json:"name"`
		Slip int    `json:"slip_days"`
	} `json:"next_gate"`
	Milestones struct {
		Total     int `json:"total"`
		Slipping  int `json:"slipping"`
		WorstSlip int `json:"worst_slip"`
	} `json:"milestones"`
	Goals struct {
		Total    int              `json:"total"`
		OnTrack  int              `json:"on_track"`
		Outcomes []map[string]any `json:"outcomes"`
		Adoption []map[string]any `json:"adoption"`
	} `json:"goals"`
	Backlog struct {
		Total int            `json:"total"`
		Tiers map[string]int `json:"by_tier"`
		Churn map[string]int `json:"churn_by_tier"`
	} `json:"backlog"`
	Risks struct {
		Active  int    `json:"active"`
		Highest string `json:"highest_level"`
		Heat    struct {
			Inherent [5][5]int `json:"inherent"`
		} `json:"heat"`
		Top []struct{ Score int } `json:"top"`
	} `json:"risks"`
	Changes struct {
		Total    int            `json:"total"`
		Pending  int            `json:"pending"`
		ByStatus map[string]int `json:"by_status"`
	} `json:"changes"`
	Budget struct {
		Lines  []struct{ Actual float64 } `json:"lines"`
		Totals []struct {
			Currency string  `json:"currency"`
			Planned  float64 `json:"planned"`
			Actual   float64 `json:"actual"`
			Used     float64 `json:"used"`
		} `json:"totals"`
		Monthly []struct {
			Month      string  `json:"month"`
			Cumulative float64 `json:"cumulative"`
		} `json:"monthly"`
	} `json:"budget"`
	Health struct {
		Score int                    `json:"score"`
		Trend []struct{ Day string } `json:"trend"`
	} `json:"health"`
}

func TestDashboardShowsTheItemsFigures(t *testing.T) {
	t.Parallel()
	d := newDashProject(t)
	var got dashboardJSON
	r := d.pm.api(http.MethodGet, "/api/v1/projects/CRM/dashboard", nil)
	expectStatus(t, r, http.StatusOK)
	r.decode(t, &got)

	// Counted from the items themselves.
	active := int(d.count(t, `SELECT count(*) FROM risks WHERE project_id = ? AND status IN ('open', 'mitigating')`))
	heat := 0
	for _, row := range got.Risks.Heat.Inherent {
		for _, n := range row {
			heat += n
		}
	}
	if got.Risks.Active != active || heat != active || active != 2 || got.Risks.Highest != "critical" || got.Risks.Top[0].Score != 20 {
		t.Errorf("risks %+v, %d active in the table", got.Risks, active)
	}
	// The next gate: the first gate not done, in phase order, then by date.
	var next string
	if err := d.db.NewRaw(`SELECT m.name FROM milestones AS m LEFT JOIN phases AS ph ON ph.id = m.phase_id
		WHERE m.project_id = ? AND m.is_gate AND m.actual_on IS NULL ORDER BY coalesce(ph.position, 1000000), m.planned_on, m.id LIMIT 1`,
		d.id).Scan(context.Background(), &next); err != nil {
		t.Fatal(err)
	}
	if n := int(d.count(t, `SELECT count(*) FROM milestones WHERE project_id = ?`)); got.Milestones.Total != n ||
		got.Milestones.Slipping != 1 || got.Milestones.WorstSlip != 10 || got.NextGate == nil || got.NextGate.Name != next {
		t.Errorf("milestones %+v next gate %+v (%d in the table, next gate %q)", got.Milestones, got.NextGate, n, next)
	}
	sumPhases := 0
	for _, ph := range got.Phases {
		sumPhases += ph.MilestonesTotal
	}
	if sumPhases != got.Milestones.Total || got.Project.CurrentPhase == "" {
		t.Errorf("phases hold %d milestones of %d; current phase %q", sumPhases, got.Milestones.Total, got.Project.CurrentPhase)
	}
	if n := int(d.count(t, `SELECT count(*) FROM goals WHERE project_id = ?`)); got.Goals.Total != n || got.Goals.OnTrack != 2 ||
		len(got.Goals.Outcomes) != 2 || len(got.Goals.Adoption) != 1 {
		t.Errorf("goals %+v (%d in the table)", got.Goals, n)
	}
	if n := int(d.count(t, `SELECT count(*) FROM requirements WHERE project_id = ? AND status <> 'rejected'`)); got.Backlog.Total != n ||
		got.Backlog.Tiers["must"] != 1 || got.Backlog.Churn["must"] != 3 {
		t.Errorf("backlog %+v (%d in the table)", got.Backlog, n)
	}
	if n := int(d.count(t, `SELECT count(*) FROM change_requests WHERE project_id = ?`)); got.Changes.Total != n || got.Changes.Pending != 1 ||
		got.Changes.ByStatus["draft"] != 2 {
		t.Errorf("changes %+v (%d in the table)", got.Changes, n)
	}
	planned := d.count(t, `SELECT sum(planned) FROM budget_lines WHERE project_id = ?`)
	spent := d.count(t, `SELECT sum(amount) FROM spend_entries WHERE project_id = ?`)
	if b := got.Budget; len(b.Totals) != 1 || b.Totals[0].Planned != planned || b.Totals[0].Actual != spent || b.Totals[0].Used != spent/planned ||
		len(b.Monthly) != 2 || b.Monthly[1].Cumulative != spent {
		t.Errorf("budget %+v; planned %v, spent %v", b, planned, spent)
	}
	// Today's health score ends the trend, computed as the page is read
	// (reading keeps no snapshot: the server keeps them).
	if trend := got.Health.Trend; len(trend) == 0 || trend[len(trend)-1].Day != d.today.String() {
		t.Errorf("health %+v", got.Health)
	}

	// The page: every chart with its table, and the same figures.
	page := d.pm.get("/projects/CRM/dashboard")
	expectStatus(t, page, http.StatusOK)
	expectContains(t, page, `src="/static/charts-`, `aria-current="page">Dashboard</a>`,
		`id="stat-goals"`, `<span class="stat">2<span class="small muted"> / 3</span>`,
		`<span class="stat">2</span>`, // active risks
		`Design signed off`, `40%`, `¥600 / ¥1,500`)
	// Ten charts drawn by ECharts, and the heat map the register draws.
	charts := strings.Count(page.body, `data-chart="`) + strings.Count(page.body, `<svg class="heatmap"`)
	if tables := strings.Count(page.body, `<details class="chart-table">`); charts != 11 || tables != charts {
		t.Errorf("%d charts, %d tables", charts, tables)
	}
	for _, name := range []string{"Phase progress", "Milestone slips", "Business goals against target", "Adoption goals against target",
		"Requirement changes per week", "Heat map of inherent risk", "Change requests by state", "Planned against spent", "Spend over time",
		"Health score over time"} {
		if !strings.Contains(page.body, `aria-label="`+name) {
			t.Errorf("no chart %q", name)
		}
	}
	// Only pages with charts load the charts bundle.
	for _, path := range []string{"/projects/CRM/goals", "/projects/CRM", "/projects"} {
		if r := d.pm.get(path); strings.Contains(r.body, "/static/charts-") {
			t.Errorf("%s loads charts.js", path)
		}
	}
	// Chinese readers get the chart labels in Chinese.
	expectStatus(t, d.pm.post("/lang", url.Values{"lang": {"zh-CN"}, "back": {"/"}}), http.StatusSeeOther)
	expectContains(t, d.pm.get("/projects/CRM/dashboard"), `风险热力图（未关闭的风险）`, `<svg class="heatmap"`, `以表格查看数据`)
}

func TestPortfolioSortsAndShowsOnlyVisibleProjects(t *testing.T) {
	t.Parallel()
	d := newDashProject(t)
	ctx := context.Background()
	// Another person's project, which the PM does not see, and a second project of the PM's.
	other := createUser(t, d.db, "olga@example.com", "Olga Other", false)
	if _, err := project.Create(ctx, d.db, other.ID, project.Input{Key: "SECRET", Name: "Secret rollout"}, "en"); err != nil {
		t.Fatal(err)
	}
	olga := signIn(t, d.app, "olga@example.com", testPassword)
	// The admin (the PM here) sees every project; a plain member only their own.
	member := createUser(t, d.db, "mia@example.com", "Mia Member", false)
	if _, err := project.AddMember(ctx, d.db, d.pmID, d.id, project.MemberInput{Email: member.Email, Role: project.RoleMember, Department: project.DeptSales}); err != nil {
		t.Fatal(err)
	}
	mia := signIn(t, d.app, "mia@example.com", testPassword)
	expectStatus(t, d.pm.get("/projects/CRM/dashboard"), http.StatusOK) // scores CRM today

	r := mia.get("/portfolio")
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "Customer 360", `href="/projects/CRM/dashboard"`, `id="portfolio-summary"`, `aria-sort="ascending"`)
	if strings.Contains(r.body, "Secret rollout") {
		t.Fatal("a member sees another project in the portfolio")
	}
	r = olga.get("/portfolio")
	if !strings.Contains(r.body, "Secret rollout") || strings.Contains(r.body, "Customer 360") {
		t.Fatalf("olga's portfolio:\n%s", r.body)
	}
	var api struct {
		Items []struct {
			Key          string   `json:"key"`
			Slip         int      `json:"slip_days"`
			Health       *int     `json:"health"`
			HighestRisk  string   `json:"highest_risk_level"`
			GoalsOnTrack int      `json:"goals_on_track"`
			GoalsTotal   int      `json:"goals_total"`
			BudgetUsed   *float64 `json:"budget_used"`
		} `json:"items"`
		Summary struct {
			Projects int `json:"projects"`
			WithSlip int `json:"with_slip"`
		} `json:"summary"`
	}
	// The portfolio shows the health scores the server keeps each day.
	if _, err := office.SnapshotHealth(ctx, d.db, d.today); err != nil {
		t.Fatal(err)
	}
	ra := mia.api(http.MethodGet, "/api/v1/portfolio", nil)
	expectStatus(t, ra, http.StatusOK)
	ra.decode(t, &api)
	if len(api.Items) != 1 || api.Items[0].Key != "CRM" || api.Items[0].Slip != 10 || api.Items[0].Health == nil ||
		api.Items[0].HighestRisk != "critical" || api.Items[0].GoalsOnTrack != 2 || api.Items[0].GoalsTotal != 3 ||
		api.Items[0].BudgetUsed == nil || *api.Items[0].BudgetUsed != 0.4 || api.Summary.Projects != 1 || api.Summary.WithSlip != 1 {
		t.Fatalf("portfolio API %+v", api)
	}

	// The admin sees both; sorting by key descending puts SECRET first, ascending CRM.
	order := func(r response) []string {
		return regexp.MustCompile(`<td class="mono"><a href="/projects/([A-Z]+)/dashboard">`).FindAllString(r.body, -1)
	}
	desc := d.pm.get("/portfolio?sort=key&dir=desc")
	expectStatus(t, desc, http.StatusOK)
	expectContains(t, desc, `aria-sort="descending"><a href="/portfolio?sort=key&amp;dir=asc">Key</a>`)
	if o := order(desc); len(o) != 2 || !strings.Contains(o[0], "SECRET") {
		t.Fatalf("descending by key: %v", o)
	}
	if o := order(d.pm.get("/portfolio?sort=key&dir=asc")); len(o) != 2 || !strings.Contains(o[0], "CRM") {
		t.Fatalf("ascending by key: %v", o)
	}
	// Slip descending: CRM slips, SECRET has no milestones.
	if o := order(d.pm.get("/portfolio?sort=slip&dir=desc")); len(o) != 2 || !strings.Contains(o[0], "CRM") {
		t.Fatalf("by slip: %v", o)
	}
	expectStatus(t, d.pm.get("/portfolio?sort=password"), http.StatusUnprocessableEntity)
	expectStatus(t, d.pm.api(http.MethodGet, "/api/v1/portfolio?dir=sideways", nil), http.StatusUnprocessableEntity)
	// The project list and the main navigation lead there.
	expectContains(t, d.pm.get("/projects"), `<a class="btn" href="/portfolio">Portfolio</a>`, `<a href="/portfolio">Portfolio</a>`)
}

func TestDashboardExportsAreWorkbooks(t *testing.T) {
	t.Parallel()
	d := newDashProject(t)
	b := d.pm
	r := b.get("/projects/CRM/dashboard.xlsx")
	expectStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != xlsxType {
		t.Fatalf("content type %q", ct)
	}
	x, err := excelize.OpenReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Phases", "Milestones", "Goals", "Requirement churn", "Risk heat map", "Top risks", "Change requests", "Budget", "Spend by month", "Health"}
	if names := x.GetSheetList(); strings.Join(names, "|") != strings.Join(want, "|") {
		t.Fatalf("sheets %v", names)
	}
	goals, _ := x.GetRows("Goals")
	budgetRows, _ := x.GetRows("Budget")
	if len(goals) != 4 || len(budgetRows) != 4 || budgetRows[3][0] != "Total" || budgetRows[3][3] != "600" {
		t.Fatalf("goals %q budget %q", goals, budgetRows)
	}
	x.Close()

	// No review yet: the latest pack is a clear 404.
	r = b.get("/projects/CRM/reviews/latest.xlsx")
	expectStatus(t, r, http.StatusNotFound)
	expectContains(t, r, "no gate review yet")
	// After a decided review, the pack is the frozen one, one sheet per section.
	ctx := context.Background()
	var gateID int64
	if err := d.db.NewSelect().Table("milestones").Column("id").Where("project_id = ? AND name = 'Design signed off'", d.id).Scan(ctx, &gateID); err != nil {
		t.Fatal(err)
	}
	rv, err := milestone.Schedule(ctx, d.db, d.pmID, d.id, gateID, milestone.ScheduleInput{ScheduledOn: d.today})
	if err != nil {
		t.Fatal(err)
	}
	// Scheduled, not decided: the pack as the project stands now.
	r = b.get("/projects/CRM/reviews/latest.xlsx")
	expectStatus(t, r, http.StatusOK)
	live, err := excelize.OpenReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if gate, _ := live.GetRows("Gate"); len(gate) < 9 || gate[8][0] != "Decision" || len(gate[8]) != 1 {
		t.Fatalf("live pack's gate sheet %q", gate)
	}
	live.Close()
	if _, err := office.DecideReview(ctx, d.db, d.pmID, d.id, rv.ID, milestone.DecisionInput{Decision: milestone.Go, Attendees: []int64{d.pmID}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	r = b.get("/projects/CRM/reviews/latest.xlsx")
	expectStatus(t, r, http.StatusOK)
	x, err = excelize.OpenReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	names := strings.Join(x.GetSheetList(), "|")
	for _, s := range []string{"Gate", "Deliverables", "Goals", "Risks", "Requirements", "Change requests"} {
		if !strings.Contains(names, s) {
			t.Fatalf("pack sheets %s lack %s", names, s)
		}
	}
	gate, _ := x.GetRows("Gate")
	risks, _ := x.GetRows("Risks")
	if len(gate) < 9 || gate[1][1] != "Design signed off" || len(gate[8]) != 2 || gate[8][1] != "Go" || len(risks) != 3 {
		t.Fatalf("gate %q risks %q", gate, risks)
	}
	// In Chinese, the sheets are named in Chinese.
	expectStatus(t, b.post("/lang", url.Values{"lang": {"zh-CN"}, "back": {"/"}}), http.StatusSeeOther)
	r = b.get("/projects/CRM/dashboard.xlsx")
	x2, err := excelize.OpenReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	defer x2.Close()
	if names := x2.GetSheetList(); names[0] != "阶段" || names[len(names)-1] != "健康" {
		t.Fatalf("Chinese sheets %v", names)
	}
}
