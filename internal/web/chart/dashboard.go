package chart

import (
	"math"

	"rollout/internal/budget"
	"rollout/internal/change"
	"rollout/internal/i18n"
	"rollout/internal/report"
	"rollout/internal/requirement"
)

// The dashboard's and the budget page's charts, drawn in the browser from
// these specs (see spec.go).

// PhaseLabel is a phase's name, or the words for "no phase".
func PhaseLabel(tr *i18n.Translator, name string) string {
	if name == "" {
		return tr.T("dashboard.no_phase")
	}
	return name
}

// Dashboard builds every chart of the dashboard in the reader's language.
func Dashboard(tr *i18n.Translator, d *report.DashboardData, slips []report.MilestoneSlip) map[string]string {
	charts := map[string]string{}

	// Phase progress: milestones done and still open, per phase.
	ph := Spec{Type: "bar", Title: tr.T("dashboard.chart.phases"), Horizontal: true,
		Series: []Series{{Name: tr.T("dashboard.done"), Stack: "m", Color: OK}, {Name: tr.T("dashboard.open"), Stack: "m", Color: Muted}}}
	for _, p := range d.Phases {
		ph.Labels = append(ph.Labels, PhaseLabel(tr, p.Name))
		ph.Series[0].Data = append(ph.Series[0].Data, float64(p.MilestonesDone))
		ph.Series[1].Data = append(ph.Series[1].Data, float64(p.MilestonesTotal-p.MilestonesDone))
	}
	charts["phases"] = ph.JSON()

	// Slips in days.
	sl := Spec{Type: "bar", Title: tr.T("dashboard.chart.slips"), Unit: tr.T("dashboard.days_unit"),
		Series: []Series{{Name: tr.T("dashboard.slip_days"), Color: Bad}}}
	for _, m := range slips {
		sl.Labels = append(sl.Labels, m.Name)
		sl.Series[0].Data = append(sl.Series[0].Data, float64(m.Slip))
	}
	charts["slips"] = sl.JSON()

	// Goals against target, outcomes and adoption apart.
	goalChart := func(title string, gs []report.GoalLine, colour string) string {
		g := Spec{Type: "bar", Title: title, Horizontal: true, Unit: "%", Min: Ptr(0),
			Mark:   &Mark{Value: 100, Name: tr.T("dashboard.target")},
			Series: []Series{{Name: tr.T("dashboard.progress"), Color: colour}}}
		top := 100.0
		for _, l := range gs {
			g.Labels = append(g.Labels, l.Title)
			v := Round1(l.Progress * 100)
			g.Series[0].Data = append(g.Series[0].Data, v)
			top = math.Max(top, v)
		}
		g.Max = Ptr(math.Ceil(top/10) * 10)
		return g.JSON()
	}
	charts["goals"] = goalChart(tr.T("dashboard.chart.goals"), d.Goals.Outcomes, Blue)
	charts["adoption"] = goalChart(tr.T("dashboard.chart.adoption"), d.Goals.Adoption, Purple)

	// Requirement churn by tier.
	tierColours := map[requirement.Tier]string{requirement.Must: Bad, requirement.Important: Warn, requirement.Optional: Blue}
	ch := Spec{Type: "bar", Title: tr.T("dashboard.chart.churn")}
	for _, t := range requirement.Tiers {
		sr := Series{Name: tr.T("enum.tier." + string(t)), Stack: "t", Color: tierColours[t]}
		for _, w := range d.Backlog.Weeks {
			sr.Data = append(sr.Data, float64(w.ByTier[t]))
		}
		ch.Series = append(ch.Series, sr)
	}
	for _, w := range d.Backlog.Weeks {
		ch.Labels = append(ch.Labels, w.Week.String()[5:])
	}
	charts["churn"] = ch.JSON()

	// The heat map of the active risks is not drawn here: it is the risk
	// register's own (RiskHeatMap, drawn on the server), so that every heat
	// map colours a cell by its level and links it to the register.

	// Change requests by state.
	cs := Spec{Type: "bar", Title: tr.T("dashboard.chart.changes"), Series: []Series{{Name: tr.T("dashboard.requests"), Color: Blue}}}
	for _, st := range change.Statuses {
		cs.Labels = append(cs.Labels, tr.T("enum.change_status."+string(st)))
		cs.Series[0].Data = append(cs.Series[0].Data, float64(d.Changes.ByStatus[st]))
	}
	charts["changes"] = cs.JSON()

	// Budget against plan, by line.
	charts["budget"] = BudgetLines(tr, d.Budget.Lines, len(d.Budget.Totals) > 1)
	if len(d.Budget.Totals) == 1 {
		charts["spend"] = Spend(tr, d.Budget.Monthly, d.Budget.Totals[0].Planned, d.Budget.Totals[0].Currency)
	}

	// Health score and trend.
	score := float64(d.Health.Score)
	charts["health"] = Spec{Type: "gauge", Title: tr.T("dashboard.chart.health"), Value: &score, Max: Ptr(float64(d.Health.Max))}.JSON()
	ht := Spec{Type: "line", Title: tr.T("dashboard.chart.health_trend"), Min: Ptr(0), Max: Ptr(float64(d.Health.Max)),
		Series: []Series{{Name: tr.T("dashboard.score"), Color: Blue, Area: true}}}
	for _, p := range d.Health.Trend {
		ht.Labels = append(ht.Labels, p.Day.String())
		ht.Series[0].Data = append(ht.Series[0].Data, float64(p.Score))
	}
	charts["health_trend"] = ht.JSON()
	return charts
}

// BudgetLines draws planned against actual for each line; with lines in
// several currencies each label names its currency, with one the axis does.
func BudgetLines(tr *i18n.Translator, lines []budget.Line, currencies bool) string {
	c := Spec{Type: "bar", Title: tr.T("budget.chart.lines"), Series: []Series{
		{Name: tr.T("budget.planned"), Color: Planned}, {Name: tr.T("budget.actual"), Color: Blue}}}
	if !currencies && len(lines) > 0 {
		c.Currency = lines[0].Currency
	}
	for _, l := range lines {
		label := l.Category
		if currencies {
			label += " (" + l.Currency + ")"
		}
		c.Labels = append(c.Labels, label)
		c.Series[0].Data = append(c.Series[0].Data, l.Planned)
		c.Series[1].Data = append(c.Series[1].Data, math.Round(l.Actual*100)/100)
	}
	return c.JSON()
}

// Spend draws the spend of each month and its running total against
// the whole plan (one currency only).
func Spend(tr *i18n.Translator, ms []budget.MonthSpend, planned float64, currency string) string {
	c := Spec{Type: "line", Title: tr.T("budget.chart.spend"), Currency: currency, Series: []Series{
		{Name: tr.T("budget.cumulative"), Color: Blue, Area: true},
		{Name: tr.T("budget.monthly"), Color: Warn, Dashed: true}}}
	if planned > 0 {
		c.Mark = &Mark{Value: planned, Name: tr.T("budget.planned_total")}
		c.Max = Ptr(niceCeil(math.Max(planned, lastCumulative(ms)) * 1.1))
	}
	for _, m := range ms {
		c.Labels = append(c.Labels, m.Month)
		c.Series[0].Data = append(c.Series[0].Data, math.Round(m.Cumulative*100)/100)
		c.Series[1].Data = append(c.Series[1].Data, math.Round(m.Amount*100)/100)
	}
	return c.JSON()
}

// niceCeil rounds up to two significant digits (1,650 → 1,700), for an axis's top.
func niceCeil(f float64) float64 {
	if f <= 0 {
		return f
	}
	step := math.Pow(10, math.Floor(math.Log10(f))-1)
	return math.Ceil(f/step) * step
}

func lastCumulative(ms []budget.MonthSpend) float64 {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Cumulative
}
