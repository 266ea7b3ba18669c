package web

import (
	"html/template"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/budget"
	"rollout/internal/change"
	"rollout/internal/i18n"
	"rollout/internal/milestone"
	"rollout/internal/pitfall"
	"rollout/internal/project"
	"rollout/internal/readcache"
	"rollout/internal/report"
	"rollout/internal/requirement"
	"rollout/internal/risk"
	"rollout/internal/web/chart"
)

// The project dashboard, the portfolio of every project a person may see,
// and their exports (dashboard_export.go). The figures come from package report (a fixed number
// of queries whatever the size of the project); the pages turn them into
// charts (package web/chart) with a table after each, the exports into
// workbooks (package web/sheets), and the API answers them as they are.

type dashboardView struct {
	projectPage
	D      *report.DashboardData
	Charts map[string]string // chart name → spec for data-chart
	// For the tables.
	Tiers          []requirement.Tier
	ChangeStatuses []change.Status
	Levels         []risk.Severity
	Probabilities  []int // heat-map rows, highest first
	Impacts        []int
	PitfallTitles  map[string]string
	Slips          []report.MilestoneSlip // the milestones the slip chart shows (boundedSlips)
	SlipsTotal     int                    // of all that slip
	SlipsMore      int                    // left out
	GoalGroups     []goalGroup
	HeatRows       []heatRow
	Heat           template.HTML // the heat map of the active risks, as the register draws it
	BudgetLines    []budgetLineRow
	BudgetUsed     []budgetUse
	HealthTone     string
	HasReview      bool
	CanBudget      bool
	Adoption       *adoptionFigures // the CRM's usage per department against the adoption goal
}

// goalGroup is one goal chart: outcomes, or adoption (boundedGoals).
type goalGroup struct {
	ID, Title string
	Goals     []report.GoalLine
	More      int // left out
	Total     int
}

// heatRow is a row of the heat map's table: one probability, its cells by impact.
type heatRow struct {
	Probability int
	Cells       []int
}

func heatRows(h risk.HeatMap) []heatRow {
	var rows []heatRow
	for p := risk.Scale; p >= 1; p-- {
		r := heatRow{Probability: p}
		for i := 1; i <= risk.Scale; i++ {
			r.Cells = append(r.Cells, h.Inherent[p-1][i-1])
		}
		rows = append(rows, r)
	}
	return rows
}

func budgetLineRows(ls []budget.Line) []budgetLineRow {
	rows := make([]budgetLineRow, 0, len(ls))
	for _, l := range ls {
		row := budgetLineRow{Line: l, Remaining: l.Planned - l.Actual, Used: share(l.Actual, l.Planned)}
		row.Tone = budgetUses([]report.BudgetTotal{{Used: row.Used}})[0].Tone
		rows = append(rows, row)
	}
	return rows
}

// budgetUse is a budget total with its share spent as a progress bar.
type budgetUse struct {
	report.BudgetTotal
	Tone string
}

func budgetUses(ts []report.BudgetTotal) []budgetUse {
	out := make([]budgetUse, len(ts))
	for i, t := range ts {
		tone := "ok"
		switch {
		case t.Used > 1:
			tone = "bad"
		case t.Used > 0.9:
			tone = "warn"
		}
		out[i] = budgetUse{t, tone}
	}
	return out
}

func (s *Server) handleDashboard(c *fiber.Ctx) error {
	if kept, err := s.servedKept(c, "dashboard"); kept || err != nil {
		return err
	}
	pp := newProjectPage(c, "dashboard")
	d, err := s.dashboard(c)
	if err != nil {
		return err
	}
	tr := s.translator(c)
	all := shownSlips(d.Milestones.Items)
	slips, slipsMore := boundedSlips(all)
	outcomes, outcomesMore := boundedGoals(d.Goals.Outcomes)
	adopted, adoptedMore := boundedGoals(d.Goals.Adoption)
	titles := map[string]string{}
	for _, code := range pitfall.Codes() {
		titles[code] = pitfallTitle(code, tr.Lang)
	}
	hasReview, err := s.hasReview(c)
	if err != nil {
		return err
	}
	usage, err := s.adoptionChart(c, adoptionGoalsOf(d.Goals.Adoption))
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "dashboard/show", tr.T("dashboard.title"), dashboardView{
		Adoption: usage, projectPage: pp, D: d, Charts: s.dashboardCharts(c, tr, d, slips, outcomes, adopted), HasReview: hasReview,
		GoalGroups: []goalGroup{{"goals", tr.T("dashboard.chart.goals"), outcomes, outcomesMore, len(d.Goals.Outcomes)},
			{"adoption", tr.T("dashboard.chart.adoption"), adopted, adoptedMore, len(d.Goals.Adoption)}},
		SlipsTotal: len(all), SlipsMore: slipsMore,
		HeatRows: heatRows(d.Risks.Heat), BudgetLines: budgetLineRows(d.Budget.Lines),
		Heat: chart.RiskHeatMap(tr, d.Risks.Heat.Inherent, risk.Inherent, projectPath(pp.Project, "/risks"),
			url.Values{"status": {risk.ActiveStatuses}}, chart.HeatCell{}),
		Tiers: requirement.Tiers, ChangeStatuses: change.Statuses, Levels: risk.Levels,
		Probabilities: []int{5, 4, 3, 2, 1}, Impacts: []int{1, 2, 3, 4, 5}, PitfallTitles: titles, Slips: slips,
		BudgetUsed: budgetUses(d.Budget.Totals), HealthTone: bandTone(d.Health.Band), CanBudget: pp.Access.Can(project.ManageBudget) && !pp.Project.Archived,
	}, chart.Script)
}

// dashboardCharts are the dashboard's chart specs in the reader's language,
// built once per state of the project (d is the request's figures; the
// slips and goals charted are bounded).
func (s *Server) dashboardCharts(c *fiber.Ctx, tr *i18n.Translator, d *report.DashboardData, slips []report.MilestoneSlip,
	outcomes, adopted []report.GoalLine) map[string]string {
	charts, _ := readcache.Get(s.cache, s.readKey(c), "dashboard-charts:"+tr.Lang, func() (map[string]string, error) {
		shown := *d // shared: only its copy's goal lists change
		shown.Goals.Outcomes, shown.Goals.Adoption = outcomes, adopted
		return chart.Dashboard(tr, &shown, slips), nil
	})
	return charts
}

// shownSlips are the milestones the slip chart draws: every one not done,
// and those done early or late (a milestone done on the day adds nothing).
func shownSlips(ms []report.MilestoneSlip) []report.MilestoneSlip {
	out := []report.MilestoneSlip{}
	for _, m := range ms {
		if m.Status != milestone.Done || m.Slip != 0 {
			out = append(out, m)
		}
	}
	return out
}

// bandTone names a health band's colour class (badge-ok, -warn, -bad, -muted).
func bandTone(b report.Band) string {
	switch b {
	case report.Good:
		return "ok"
	case report.Fair:
		return "warn"
	case report.Poor:
		return "bad"
	}
	return "muted"
}

// ---------- the portfolio ----------

type portfolioColumn struct {
	Key, Label, Href, AriaSort string
	Num                        bool
}

// portfolioRow is a row with the colour classes of its figures.
type portfolioRow struct {
	report.PortfolioRow
	HealthTone, BudgetTone string
}

type portfolioView struct {
	P       *report.PortfolioData
	Rows    []portfolioRow
	Columns []portfolioColumn
	Bands   []report.Band
	Levels  []risk.Severity
	Sort    string
	Desc    bool
}

// portfolioSort reads ?sort= and ?dir=; an unknown column is a 422.
func portfolioSort(c *fiber.Ctx) (string, bool, error) {
	col, dir := c.Query("sort", report.SortName), c.Query("dir", "asc")
	if dir != "asc" && dir != "desc" {
		return "", false, apperr.InvalidField("dir", "portfolio.bad_sort")
	}
	for _, k := range report.SortColumns {
		if k == col {
			return col, dir == "desc", nil
		}
	}
	return "", false, apperr.InvalidField("sort", "portfolio.bad_sort")
}

func (s *Server) portfolio(c *fiber.Ctx) (*report.PortfolioData, string, bool, error) {
	col, desc, err := portfolioSort(c)
	if err != nil {
		return nil, "", false, err
	}
	u := mustUser(c)
	p, err := report.Portfolio(c.UserContext(), s.db, u.ID, u.IsAdmin, s.today(), s.liveHealth)
	if err != nil {
		return nil, "", false, err
	}
	p.Sort(col, desc)
	return p, col, desc, nil
}

func (s *Server) handlePortfolio(c *fiber.Ctx) error {
	p, col, desc, err := s.portfolio(c)
	if err != nil {
		return err
	}
	tr := s.translator(c)
	var cols []portfolioColumn
	for _, k := range report.SortColumns {
		pc := portfolioColumn{Key: k, Label: tr.T("portfolio.col." + k), Href: "/portfolio?sort=" + k + "&dir=asc",
			Num: k == report.SortSlip || k == report.SortHealth || k == report.SortGoals || k == report.SortBudget}
		if k == col {
			pc.AriaSort = "ascending"
			if desc {
				pc.AriaSort = "descending"
			} else {
				pc.Href = "/portfolio?sort=" + k + "&dir=desc"
			}
		}
		cols = append(cols, pc)
	}
	rows := make([]portfolioRow, len(p.Rows))
	for i, r := range p.Rows {
		rows[i] = portfolioRow{PortfolioRow: r, HealthTone: bandTone(r.Band)}
		if r.BudgetUsed != nil {
			rows[i].BudgetTone = budgetUses([]report.BudgetTotal{{Used: *r.BudgetUsed}})[0].Tone
		}
	}
	return s.render(c, fiber.StatusOK, "portfolio/list", tr.T("portfolio.title"), portfolioView{P: p, Rows: rows, Columns: cols,
		Bands: report.Bands, Levels: risk.Levels, Sort: col, Desc: desc})
}

// ---------- the API ----------

// apiDashboard answers the dashboard's figures (the same for every reader:
// encoded once per state of the project).
func (s *Server) apiDashboard(c *fiber.Ctx) error {
	return s.sendCachedJSON(c, "dashboard", func() (any, error) { return s.dashboard(c) })
}

func (s *Server) apiPortfolio(c *fiber.Ctx) error {
	p, _, _, err := s.portfolio(c)
	if err != nil {
		return err
	}
	return c.JSON(p)
}
