package web

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/budget"
	"rollout/internal/change"
	"rollout/internal/i18n"
	"rollout/internal/milestone"
	"rollout/internal/office"
	"rollout/internal/pitfall"
	"rollout/internal/project"
	"rollout/internal/report"
	"rollout/internal/requirement"
	"rollout/internal/risk"
	"rollout/internal/sheet"
)

// The project dashboard, the portfolio of every project a person may see,
// and their exports. The figures come from package report (a fixed number
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

// ---------- exports ----------

// sendWorkbook sends a workbook as a download.
func sendWorkbook(c *fiber.Ctx, w *sheet.Workbook, name string) error {
	var buf bytes.Buffer
	if err := w.Write(&buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, xlsxType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(buf.Bytes())
}

// handleDashboardExport writes the dashboard as a workbook, one sheet per
// group of figures, in the reader's language.
func (s *Server) handleDashboardExport(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	d, err := s.dashboard(c.UserContext(), p.ID)
	if err != nil {
		return err
	}
	tr := s.translator(c)
	w := sheet.NewWorkbook()
	add := func(titleID string, header []string, rows [][]any) error {
		if rows == nil {
			rows = [][]any{}
		}
		return w.AddSheet(tr.T(titleID), header, rows)
	}
	cols := func(ids ...string) []string { return columnNames(tr, ids...) }
	pct := func(f float64) float64 { return math.Round(f*1000) / 10 }

	var rows [][]any
	for _, ph := range d.Phases {
		gate := ""
		if ph.NextGate != nil {
			gate = ph.NextGate.Name
		}
		rows = append(rows, []any{phaseLabel(tr, ph.Name), yesNo(tr, ph.Current), ph.MilestonesDone, ph.MilestonesTotal,
			ph.DeliverablesDone, ph.DeliverablesTotal, pct(ph.Share), gate})
	}
	if err := add("dashboard.sheet.phases", cols("dashboard.col.phase", "dashboard.col.current", "dashboard.col.milestones_done",
		"dashboard.col.milestones_total", "dashboard.col.deliverables_done", "dashboard.col.deliverables_total",
		"dashboard.col.share_pct", "dashboard.col.next_gate"), rows); err != nil {
		return err
	}

	rows = nil
	for _, m := range d.Milestones.Items {
		rows = append(rows, []any{m.Name, phaseLabel(tr, m.PhaseName), yesNo(tr, m.IsGate), m.PlannedOn.String(), m.ForecastOn.String(),
			m.ActualOn.String(), tr.T("enum.milestone_status." + string(m.Status)), m.Slip})
	}
	if err := add("dashboard.sheet.milestones", cols("dashboard.col.milestone", "dashboard.col.phase", "dashboard.col.gate",
		"dashboard.col.planned_on", "dashboard.col.forecast_on", "dashboard.col.actual_on", "dashboard.col.status", "dashboard.col.slip_days"), rows); err != nil {
		return err
	}

	rows = nil
	for _, group := range [][]report.GoalLine{d.Goals.Outcomes, d.Goals.Adoption} {
		for _, g := range group {
			rows = append(rows, []any{g.ID, g.Title, tr.T("enum.goal_category." + string(g.Category)), g.Unit, g.Baseline, g.Target,
				g.Current, g.CurrentOn.String(), pct(g.Progress), tr.T("enum.goal_status." + string(g.Status)), g.DueOn.String()})
		}
	}
	if err := add("dashboard.sheet.goals", cols("dashboard.col.id", "dashboard.col.goal", "dashboard.col.category", "dashboard.col.unit",
		"dashboard.col.baseline", "dashboard.col.target", "dashboard.col.current", "dashboard.col.current_on",
		"dashboard.col.progress_pct", "dashboard.col.status", "dashboard.col.due_on"), rows); err != nil {
		return err
	}

	rows = nil
	for _, wk := range d.Backlog.Weeks {
		rows = append(rows, []any{wk.Week.String(), wk.ByTier[requirement.Must], wk.ByTier[requirement.Important], wk.ByTier[requirement.Optional],
			wk.Counts.Added, wk.Counts.Removed, wk.Counts.TierMoves, wk.Counts.PhaseMoves, wk.Total})
	}
	if err := add("dashboard.sheet.churn", cols("dashboard.col.week", "enum.tier.must", "enum.tier.important", "enum.tier.optional",
		"dashboard.col.added", "dashboard.col.removed", "dashboard.col.tier_moves", "dashboard.col.phase_moves", "dashboard.col.total"), rows); err != nil {
		return err
	}

	rows = nil
	for _, hr := range heatRows(d.Risks.Heat) {
		row := []any{hr.Probability}
		for _, n := range hr.Cells {
			row = append(row, n)
		}
		rows = append(rows, row)
	}
	heatHeader := []string{tr.T("dashboard.col.probability_impact")}
	for i := 1; i <= risk.Scale; i++ {
		heatHeader = append(heatHeader, fmt.Sprint(i))
	}
	if err := add("dashboard.sheet.heat", heatHeader, rows); err != nil {
		return err
	}
	rows = nil
	for _, r := range d.Risks.Top {
		rows = append(rows, []any{r.Key, r.Title, tr.T("enum.risk_category." + string(r.Category)), r.Probability, r.Impact, r.Score,
			tr.T("enum.risk_level." + string(r.Level)), tr.T("enum.risk_status." + string(r.Status)), r.OwnerName})
	}
	if err := add("dashboard.sheet.top_risks", cols("dashboard.col.key", "dashboard.col.risk", "dashboard.col.category", "dashboard.col.probability",
		"dashboard.col.impact", "dashboard.col.score", "dashboard.col.level", "dashboard.col.status", "dashboard.col.owner"), rows); err != nil {
		return err
	}

	rows = nil
	for _, st := range change.Statuses {
		rows = append(rows, []any{tr.T("enum.change_status." + string(st)), d.Changes.ByStatus[st]})
	}
	if err := add("dashboard.sheet.changes", cols("dashboard.col.status", "dashboard.col.requests"), rows); err != nil {
		return err
	}

	rows = nil
	for _, l := range d.Budget.Lines {
		rows = append(rows, []any{l.Category, l.Currency, l.Planned, l.Actual, l.Planned - l.Actual, pct(share(l.Actual, l.Planned))})
	}
	for _, t := range d.Budget.Totals {
		rows = append(rows, []any{tr.T("dashboard.total"), t.Currency, t.Planned, t.Actual, t.Remaining, pct(t.Used)})
	}
	if err := add("dashboard.sheet.budget", cols("dashboard.col.category", "dashboard.col.currency", "dashboard.col.planned",
		"dashboard.col.actual", "dashboard.col.remaining", "dashboard.col.used_pct"), rows); err != nil {
		return err
	}
	rows = nil
	for _, m := range d.Budget.Monthly {
		rows = append(rows, []any{m.Month, m.Amount, m.Cumulative})
	}
	if err := add("dashboard.sheet.spend", cols("dashboard.col.month", "dashboard.col.spent", "dashboard.col.cumulative"), rows); err != nil {
		return err
	}

	rows = [][]any{{tr.T("dashboard.score"), d.Health.Score, tr.T("dashboard.band." + string(d.Health.Band))}}
	for _, ph := range d.Health.Pitfalls {
		rows = append(rows, []any{ph.Code + " " + pitfallTitle(ph.Code, tr.Lang), ph.Points, tr.T("enum.pitfall_status." + string(ph.Status))})
	}
	for _, pt := range d.Health.Trend {
		rows = append(rows, []any{pt.Day.String(), pt.Score, ""})
	}
	if err := add("dashboard.sheet.health", cols("dashboard.col.item", "dashboard.col.points", "dashboard.col.note"), rows); err != nil {
		return err
	}
	return sendWorkbook(c, w, p.Key+"-dashboard-"+d.Today.String()+".xlsx")
}

func yesNo(tr *i18n.Translator, b bool) string {
	if b {
		return tr.T("dashboard.yes")
	}
	return ""
}

func share(part, whole float64) float64 {
	if whole == 0 {
		return 0
	}
	return part / whole
}

// handleReviewPackExport writes the latest gate pack as a workbook, one
// sheet per section: the pack the committee decided on last (frozen), else
// the pack of the review scheduled last as the project stands now.
func (s *Server) handleReviewPackExport(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	ctx := c.UserContext()
	r, err := report.LatestReview(ctx, s.db, p.ID)
	if err != nil {
		return err
	}
	if r == nil {
		return &apperr.Error{Kind: apperr.KindNotFound, Message: apperr.Msg("dashboard.no_review")}
	}
	pack, _, err := office.ReviewPack(ctx, s.db, r, s.now())
	if err != nil {
		return err
	}
	tr := s.translator(c)
	w := sheet.NewWorkbook()
	m := pack.Milestone
	decision := ""
	if r.Decision != nil {
		decision = tr.T("enum.decision." + string(*r.Decision))
	}
	if err := w.AddSheet(tr.T("pack.sheet.gate"), columnNames(tr, "dashboard.col.item", "dashboard.col.value"), [][]any{
		{tr.T("dashboard.col.milestone"), m.Name}, {tr.T("dashboard.col.phase"), phaseLabel(tr, m.PhaseName)},
		{tr.T("dashboard.col.planned_on"), m.PlannedOn.String()}, {tr.T("dashboard.col.forecast_on"), m.ForecastOn.String()},
		{tr.T("dashboard.col.status"), tr.T("enum.milestone_status." + string(m.Status))}, {tr.T("dashboard.col.slip_days"), m.Slip},
		{tr.T("pack.scheduled_on"), r.ScheduledOn.String()}, {tr.T("pack.decision"), decision},
		{tr.T("pack.built_at"), pack.BuiltAt.UTC().Format("2006-01-02 15:04 UTC")},
	}); err != nil {
		return err
	}
	for _, sec := range pack.Sections {
		var err error
		switch {
		case sec.Kind == milestone.SectionDeliverables:
			rows := [][]any{}
			for _, dl := range sec.Deliverables {
				rows = append(rows, []any{dl.Title, yesNo(tr, dl.Done)})
			}
			err = w.AddSheet(tr.T("pack.sheet.deliverables"), columnNames(tr, "pack.col.deliverable", "pack.col.done"), rows)
		case sec.Kind == milestone.SectionGoals:
			rows := [][]any{}
			for _, g := range sec.Goals {
				rows = append(rows, []any{g.ID, g.Title, g.Unit, g.Baseline, g.Target, g.Current, math.Round(g.Progress*1000) / 10,
					tr.T("enum.goal_status." + string(g.Status)), g.OwnerName, g.DueOn.String()})
			}
			err = w.AddSheet(tr.T("pack.sheet.goals"), columnNames(tr, "dashboard.col.id", "dashboard.col.goal", "dashboard.col.unit",
				"dashboard.col.baseline", "dashboard.col.target", "dashboard.col.current", "dashboard.col.progress_pct",
				"dashboard.col.status", "dashboard.col.owner", "dashboard.col.due_on"), rows)
		case sec.Kind == milestone.SectionRisks:
			rows := [][]any{}
			for _, k := range sec.Risks {
				delta := fmtSigned(k.Change)
				if k.New {
					delta = tr.T("pack.new")
				}
				rows = append(rows, []any{k.Key, k.Title, tr.T("enum.risk_category." + string(k.Category)), k.Score,
					tr.T("enum.risk_level." + string(k.Level)), tr.T("enum.risk_status." + string(k.Status)), k.OwnerName, delta, yesNo(tr, k.Overdue)})
			}
			err = w.AddSheet(tr.T("pack.sheet.risks"), columnNames(tr, "dashboard.col.key", "dashboard.col.risk", "dashboard.col.category",
				"dashboard.col.score", "dashboard.col.level", "dashboard.col.status", "dashboard.col.owner", "pack.col.change", "pack.col.overdue"), rows)
		case sec.Kind == milestone.SectionRequirements && sec.Requirements != nil:
			t := sec.Requirements
			header := []string{tr.T("pack.col.tier")}
			for _, st := range requirement.Statuses {
				header = append(header, tr.T("enum.requirement_status."+string(st)))
			}
			rows := [][]any{}
			for _, tier := range requirement.Tiers {
				row := []any{tr.T("enum.tier." + string(tier))}
				for _, st := range requirement.Statuses {
					row = append(row, t.Counts[tier][st])
				}
				rows = append(rows, row)
			}
			rows = append(rows, []any{tr.T("dashboard.total"), t.Total}, []any{})
			rows = append(rows, []any{tr.T("pack.col.must_items")})
			for _, l := range t.Must {
				rows = append(rows, []any{l.Key, l.Title, tr.T("enum.requirement_status." + string(l.Status))})
			}
			err = w.AddSheet(tr.T("pack.sheet.requirements"), header, rows)
		case sec.Kind == milestone.SectionChanges:
			rows := [][]any{}
			for _, ch := range sec.Changes {
				decided := ""
				if ch.DecidedAt != nil {
					decided = ch.DecidedAt.UTC().Format("2006-01-02")
				}
				rows = append(rows, []any{ch.Key, ch.Title, tr.T("enum.change_status." + ch.Status), ch.Requester, ch.ScheduleDays, ch.Cost, decided})
			}
			err = w.AddSheet(tr.T("pack.sheet.changes"), columnNames(tr, "dashboard.col.key", "pack.col.change_title", "dashboard.col.status",
				"pack.col.requester", "pack.col.schedule_days", "pack.col.cost", "pack.col.decided_on"), rows)
		case sec.Health != nil:
			h := sec.Health
			rows := [][]any{{tr.T("dashboard.score"), h.Score, ""}}
			for _, ph := range h.Pitfalls {
				rows = append(rows, []any{ph.Code + " " + pitfallTitle(ph.Code, tr.Lang), ph.Points, tr.T("enum.pitfall_status." + ph.Status)})
			}
			for _, f := range h.Findings {
				rows = append(rows, []any{f.Pitfall, tr.T("enum.finding_severity." + f.Severity), tr.TData(f.Message, f.Data)})
			}
			err = w.AddSheet(tr.T("pack.sheet.health"), columnNames(tr, "dashboard.col.item", "dashboard.col.points", "dashboard.col.note"), rows)
		}
		if err != nil {
			return err
		}
	}
	name := strings.NewReplacer(" ", "-", "/", "-").Replace(p.Key + "-gate-pack-" + s.today().String() + ".xlsx")
	return sendWorkbook(c, w, name)
}
