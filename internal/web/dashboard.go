package web

import (
	"context"
	"fmt"
	"math"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/budget"
	"rollout/internal/change"
	"rollout/internal/i18n"
	"rollout/internal/milestone"
	"rollout/internal/pitfall"
	"rollout/internal/project"
	"rollout/internal/report"
	"rollout/internal/requirement"
	"rollout/internal/risk"
)

// The project dashboard, the portfolio of every project a person may see,
// and their exports (dashboard_export.go). The figures come from package report (a fixed number
// of queries whatever the size of the project); the pages turn them into
// charts (chartspec.go) with a table after each, and the API answers them as
// they are.

// dashboard reads the project's figures; today's health score is computed
// in memory at the end of the stored trend (a GET never writes: snapshots
// are kept by office.KeepHealthSnapshots and at gate decisions).
func (s *Server) dashboard(ctx context.Context, projectID int64) (*report.DashboardData, error) {
	return report.Dashboard(ctx, s.db, projectID, s.today())
}

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
	Slips          []report.MilestoneSlip // the milestones the slip chart shows
	GoalGroups     []goalGroup
	HeatRows       []heatRow
	BudgetLines    []budgetLineRow
	BudgetUsed     []budgetUse
	HealthTone     string
	HasReview      bool
	CanBudget      bool
}

// goalGroup is one goal chart: outcomes, or adoption.
type goalGroup struct {
	ID, Title string
	Goals     []report.GoalLine
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
	pp := newProjectPage(c, "dashboard")
	d, err := s.dashboard(c.UserContext(), pp.Project.ID)
	if err != nil {
		return err
	}
	tr := s.translator(c)
	slips := shownSlips(d.Milestones.Items)
	titles := map[string]string{}
	for _, code := range pitfall.Codes() {
		titles[code] = pitfallTitle(code, tr.Lang)
	}
	review, err := report.LatestReview(c.UserContext(), s.db, pp.Project.ID)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "dashboard/show", tr.T("dashboard.title"), dashboardView{
		projectPage: pp, D: d, Charts: dashboardCharts(tr, d, slips), HasReview: review != nil,
		GoalGroups: []goalGroup{{"goals", tr.T("dashboard.chart.goals"), d.Goals.Outcomes}, {"adoption", tr.T("dashboard.chart.adoption"), d.Goals.Adoption}},
		HeatRows:   heatRows(d.Risks.Heat), BudgetLines: budgetLineRows(d.Budget.Lines),
		Tiers: requirement.Tiers, ChangeStatuses: change.Statuses, Levels: risk.Levels,
		Probabilities: []int{5, 4, 3, 2, 1}, Impacts: []int{1, 2, 3, 4, 5}, PitfallTitles: titles, Slips: slips,
		BudgetUsed: budgetUses(d.Budget.Totals), HealthTone: bandTone(d.Health.Band), CanBudget: pp.Access.Can(project.ManageBudget) && !pp.Project.Archived,
	}, chartsScript)
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

func phaseLabel(tr *i18n.Translator, name string) string {
	if name == "" {
		return tr.T("dashboard.no_phase")
	}
	return name
}

// dashboardCharts builds every chart of the dashboard in the reader's language.
func dashboardCharts(tr *i18n.Translator, d *report.DashboardData, slips []report.MilestoneSlip) map[string]string {
	charts := map[string]string{}

	// Phase progress: milestones done and still open, per phase.
	ph := chartSpec{Type: "bar", Title: tr.T("dashboard.chart.phases"), Horizontal: true,
		Series: []chartSeries{{Name: tr.T("dashboard.done"), Stack: "m", Color: colourOK}, {Name: tr.T("dashboard.open"), Stack: "m", Color: colourMuted}}}
	for _, p := range d.Phases {
		ph.Labels = append(ph.Labels, phaseLabel(tr, p.Name))
		ph.Series[0].Data = append(ph.Series[0].Data, float64(p.MilestonesDone))
		ph.Series[1].Data = append(ph.Series[1].Data, float64(p.MilestonesTotal-p.MilestonesDone))
	}
	charts["phases"] = ph.JSON()

	// Slips in days.
	sl := chartSpec{Type: "bar", Title: tr.T("dashboard.chart.slips"), Unit: tr.T("dashboard.days_unit"),
		Series: []chartSeries{{Name: tr.T("dashboard.slip_days"), Color: colourBad}}}
	for _, m := range slips {
		sl.Labels = append(sl.Labels, m.Name)
		sl.Series[0].Data = append(sl.Series[0].Data, float64(m.Slip))
	}
	charts["slips"] = sl.JSON()

	// Goals against target, outcomes and adoption apart.
	goalChart := func(title string, gs []report.GoalLine, colour string) string {
		g := chartSpec{Type: "bar", Title: title, Horizontal: true, Unit: "%", Min: fptr(0),
			Mark:   &chartMark{Value: 100, Name: tr.T("dashboard.target")},
			Series: []chartSeries{{Name: tr.T("dashboard.progress"), Color: colour}}}
		top := 100.0
		for _, l := range gs {
			g.Labels = append(g.Labels, l.Title)
			v := round1(l.Progress * 100)
			g.Series[0].Data = append(g.Series[0].Data, v)
			top = math.Max(top, v)
		}
		g.Max = fptr(math.Ceil(top/10) * 10)
		return g.JSON()
	}
	charts["goals"] = goalChart(tr.T("dashboard.chart.goals"), d.Goals.Outcomes, colourBlue)
	charts["adoption"] = goalChart(tr.T("dashboard.chart.adoption"), d.Goals.Adoption, colourPurple)

	// Requirement churn by tier.
	tierColours := map[requirement.Tier]string{requirement.Must: colourBad, requirement.Important: colourWarn, requirement.Optional: colourBlue}
	ch := chartSpec{Type: "bar", Title: tr.T("dashboard.chart.churn")}
	for _, t := range requirement.Tiers {
		sr := chartSeries{Name: tr.T("enum.tier." + string(t)), Stack: "t", Color: tierColours[t]}
		for _, w := range d.Backlog.Weeks {
			sr.Data = append(sr.Data, float64(w.ByTier[t]))
		}
		ch.Series = append(ch.Series, sr)
	}
	for _, w := range d.Backlog.Weeks {
		ch.Labels = append(ch.Labels, w.Week.String()[5:])
	}
	charts["churn"] = ch.JSON()

	// The heat map of the active risks, as they stand.
	hm := chartSpec{Type: "heatmap", Title: tr.T("dashboard.chart.heat"), XName: tr.T("dashboard.impact"), YName: tr.T("dashboard.probability")}
	peak := 1
	for i := 1; i <= risk.Scale; i++ {
		hm.Labels = append(hm.Labels, fmt.Sprint(i))
		hm.YLabels = append(hm.YLabels, fmt.Sprint(i))
	}
	for p := 0; p < risk.Scale; p++ {
		for i := 0; i < risk.Scale; i++ {
			n := d.Risks.Heat.Inherent[p][i]
			hm.Cells = append(hm.Cells, [3]int{i, p, n})
			peak = max(peak, n)
		}
	}
	hm.Max = fptr(float64(peak))
	charts["heat"] = hm.JSON()

	// Change requests by state.
	cs := chartSpec{Type: "bar", Title: tr.T("dashboard.chart.changes"), Series: []chartSeries{{Name: tr.T("dashboard.requests"), Color: colourBlue}}}
	for _, st := range change.Statuses {
		cs.Labels = append(cs.Labels, tr.T("enum.change_status."+string(st)))
		cs.Series[0].Data = append(cs.Series[0].Data, float64(d.Changes.ByStatus[st]))
	}
	charts["changes"] = cs.JSON()

	// Budget against plan, by line.
	charts["budget"] = budgetLinesChart(tr, d.Budget.Lines, len(d.Budget.Totals) > 1)
	if len(d.Budget.Totals) == 1 {
		charts["spend"] = spendChart(tr, d.Budget.Monthly, d.Budget.Totals[0].Planned)
	}

	// Health score and trend.
	score := float64(d.Health.Score)
	charts["health"] = chartSpec{Type: "gauge", Title: tr.T("dashboard.chart.health"), Value: &score, Max: fptr(float64(d.Health.Max))}.JSON()
	ht := chartSpec{Type: "line", Title: tr.T("dashboard.chart.health_trend"), Min: fptr(0), Max: fptr(float64(d.Health.Max)),
		Series: []chartSeries{{Name: tr.T("dashboard.score"), Color: colourBlue, Area: true}}}
	for _, p := range d.Health.Trend {
		ht.Labels = append(ht.Labels, p.Day.String())
		ht.Series[0].Data = append(ht.Series[0].Data, float64(p.Score))
	}
	charts["health_trend"] = ht.JSON()
	return charts
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
	p, err := report.Portfolio(c.UserContext(), s.db, u.ID, u.IsAdmin, s.today())
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

func (s *Server) apiDashboard(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	d, err := s.dashboard(c.UserContext(), p.ID)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Server) apiPortfolio(c *fiber.Ctx) error {
	p, _, _, err := s.portfolio(c)
	if err != nil {
		return err
	}
	return c.JSON(p)
}
