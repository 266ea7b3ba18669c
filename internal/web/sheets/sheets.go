// Package sheets lays out the spreadsheets of Rollout's reports, with no
// HTTP in it: which sheets a workbook has, their columns and rows, in the
// reader's language. It is presentation, as package web/chart is for
// charts, so it lives beside web rather than in report (which computes the
// figures and knows no language); package sheet writes the bytes. The
// spreadsheets of the import flows (goal, requirement and risk exports that
// import reads back) stay with their import code.
package sheets

import (
	"fmt"
	"math"

	"rollout/internal/budget"
	"rollout/internal/change"
	"rollout/internal/i18n"
	"rollout/internal/milestone"
	"rollout/internal/report"
	"rollout/internal/requirement"
	"rollout/internal/risk"
	"rollout/internal/sheet"
	"rollout/internal/web/chart"
)

// PitfallTitle names a pitfall (or the symptoms check) by its code, in the
// reader's language.
type PitfallTitle func(code string) string

// Dashboard is the dashboard as a workbook, one sheet per group of figures.
func Dashboard(tr *i18n.Translator, d *report.DashboardData, pitfallTitle PitfallTitle) (*sheet.Workbook, error) {
	w := sheet.NewWorkbook()
	add := func(titleID string, header []string, rows [][]any) error {
		if rows == nil {
			rows = [][]any{}
		}
		return w.AddSheet(tr.T(titleID), header, rows)
	}
	cols := func(ids ...string) []string { return names(tr, ids...) }
	pct := func(f float64) float64 { return math.Round(f*1000) / 10 }

	var rows [][]any
	for _, ph := range d.Phases {
		gate := ""
		if ph.NextGate != nil {
			gate = ph.NextGate.Name
		}
		rows = append(rows, []any{chart.PhaseLabel(tr, ph.Name), yesNo(tr, ph.Current), ph.MilestonesDone, ph.MilestonesTotal,
			ph.DeliverablesDone, ph.DeliverablesTotal, pct(ph.Share), gate})
	}
	if err := add("dashboard.sheet.phases", cols("dashboard.col.phase", "dashboard.col.current", "dashboard.col.milestones_done",
		"dashboard.col.milestones_total", "dashboard.col.deliverables_done", "dashboard.col.deliverables_total",
		"dashboard.col.share_pct", "dashboard.col.next_gate"), rows); err != nil {
		return nil, err
	}

	rows = nil
	for _, m := range d.Milestones.Items {
		rows = append(rows, []any{m.Name, chart.PhaseLabel(tr, m.PhaseName), yesNo(tr, m.IsGate), m.PlannedOn.String(), m.ForecastOn.String(),
			m.ActualOn.String(), tr.T("enum.milestone_status." + string(m.Status)), m.Slip})
	}
	if err := add("dashboard.sheet.milestones", cols("dashboard.col.milestone", "dashboard.col.phase", "dashboard.col.gate",
		"dashboard.col.planned_on", "dashboard.col.forecast_on", "dashboard.col.actual_on", "dashboard.col.status", "dashboard.col.slip_days"), rows); err != nil {
		return nil, err
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
		return nil, err
	}

	rows = nil
	for _, wk := range d.Backlog.Weeks {
		rows = append(rows, []any{wk.Week.String(), wk.ByTier[requirement.Must], wk.ByTier[requirement.Important], wk.ByTier[requirement.Optional],
			wk.Counts.Added, wk.Counts.Removed, wk.Counts.TierMoves, wk.Counts.PhaseMoves, wk.Total})
	}
	if err := add("dashboard.sheet.churn", cols("dashboard.col.week", "enum.tier.must", "enum.tier.important", "enum.tier.optional",
		"dashboard.col.added", "dashboard.col.removed", "dashboard.col.tier_moves", "dashboard.col.phase_moves", "dashboard.col.total"), rows); err != nil {
		return nil, err
	}

	heatHeader, rows := heatSheet(tr, d.Risks.Heat.Inherent)
	if err := add("dashboard.sheet.heat", heatHeader, rows); err != nil {
		return nil, err
	}
	rows = nil
	for _, r := range d.Risks.Top {
		rows = append(rows, []any{r.Key, r.Title, tr.T("enum.risk_category." + string(r.Category)), r.Probability, r.Impact, r.Score,
			tr.T("enum.risk_level." + string(r.Level)), tr.T("enum.risk_status." + string(r.Status)), r.OwnerName})
	}
	if err := add("dashboard.sheet.top_risks", cols("dashboard.col.key", "dashboard.col.risk", "dashboard.col.category", "dashboard.col.probability",
		"dashboard.col.impact", "dashboard.col.score", "dashboard.col.level", "dashboard.col.status", "dashboard.col.owner"), rows); err != nil {
		return nil, err
	}

	rows = nil
	for _, st := range change.Statuses {
		rows = append(rows, []any{tr.T("enum.change_status." + string(st)), d.Changes.ByStatus[st]})
	}
	if err := add("dashboard.sheet.changes", cols("dashboard.col.status", "dashboard.col.requests"), rows); err != nil {
		return nil, err
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
		return nil, err
	}
	rows = nil
	for _, m := range d.Budget.Monthly {
		rows = append(rows, []any{m.Month, m.Amount, m.Cumulative})
	}
	if err := add("dashboard.sheet.spend", cols("dashboard.col.month", "dashboard.col.spent", "dashboard.col.cumulative"), rows); err != nil {
		return nil, err
	}

	var score any = d.Health.Score
	if !d.Health.Judged {
		score = ""
	}
	rows = [][]any{{tr.T("dashboard.score"), score, tr.T("dashboard.band." + string(d.Health.Band))},
		{tr.T("dashboard.method"), d.Health.Method, ""}, {tr.T("dashboard.delivery"), d.Health.Delivery, ""}}
	for _, ph := range d.Health.Pitfalls {
		rows = append(rows, []any{ph.Code + " " + pitfallTitle(ph.Code), ph.Points, tr.T("enum.pitfall_status." + string(ph.Status))})
	}
	for _, pt := range d.Health.Trend {
		rows = append(rows, []any{pt.Day.String(), pt.Score, ""})
	}
	if err := add("dashboard.sheet.health", cols("dashboard.col.item", "dashboard.col.points", "dashboard.col.note"), rows); err != nil {
		return nil, err
	}
	return w, nil
}

// heatSheet is a heat map as a sheet, the same in every workbook: the count
// of risks per cell, highest probability first as on the pages, then the
// level of each cell (the colour the pages give it, chart.RiskHeatCells).
func heatSheet(tr *i18n.Translator, grid [risk.Scale][risk.Scale]int) ([]string, [][]any) {
	header := []string{tr.T("dashboard.col.probability_impact")}
	for i := 1; i <= risk.Scale; i++ {
		header = append(header, fmt.Sprint(i))
	}
	var counts, levels [][]any
	for p := risk.Scale; p >= 1; p-- {
		count, level := []any{p}, []any{p}
		for i := 1; i <= risk.Scale; i++ {
			count = append(count, grid[p-1][i-1])
			level = append(level, tr.T("enum.risk_level."+string(risk.Level(risk.Score(p, i)))))
		}
		counts, levels = append(counts, count), append(levels, level)
	}
	rows := append(counts, []any{}, []any{tr.T("dashboard.col.level")})
	return header, append(rows, levels...)
}

// ReviewPack is a gate review's pack as a workbook, one sheet per section
// after the gate's own facts.
func ReviewPack(tr *i18n.Translator, r *milestone.Review, pack *milestone.Pack, pitfallTitle PitfallTitle) (*sheet.Workbook, error) {
	w := sheet.NewWorkbook()
	m := pack.Milestone
	decision := ""
	if r.Decision != nil {
		decision = tr.T("enum.decision." + string(*r.Decision))
	}
	if err := w.AddSheet(tr.T("pack.sheet.gate"), names(tr, "dashboard.col.item", "dashboard.col.value"), [][]any{
		{tr.T("dashboard.col.milestone"), m.Name}, {tr.T("dashboard.col.phase"), chart.PhaseLabel(tr, m.PhaseName)},
		{tr.T("dashboard.col.planned_on"), m.PlannedOn.String()}, {tr.T("dashboard.col.forecast_on"), m.ForecastOn.String()},
		{tr.T("dashboard.col.status"), tr.T("enum.milestone_status." + string(m.Status))}, {tr.T("dashboard.col.slip_days"), m.Slip},
		{tr.T("pack.scheduled_on"), r.ScheduledOn.String()}, {tr.T("pack.decision"), decision},
		{tr.T("pack.built_at"), pack.BuiltAt.UTC().Format("2006-01-02 15:04 UTC")},
	}); err != nil {
		return nil, err
	}
	for _, sec := range pack.Sections {
		var err error
		switch {
		case sec.Kind == milestone.SectionDeliverables:
			rows := [][]any{}
			for _, dl := range sec.Deliverables {
				rows = append(rows, []any{dl.Title, yesNo(tr, dl.Done)})
			}
			err = w.AddSheet(tr.T("pack.sheet.deliverables"), names(tr, "pack.col.deliverable", "pack.col.done"), rows)
		case sec.Kind == milestone.SectionGoals:
			rows := [][]any{}
			for _, g := range sec.Goals {
				rows = append(rows, []any{g.ID, g.Title, g.Unit, g.Baseline, g.Target, g.Current, math.Round(g.Progress*1000) / 10,
					tr.T("enum.goal_status." + string(g.Status)), g.OwnerName, g.DueOn.String()})
			}
			err = w.AddSheet(tr.T("pack.sheet.goals"), names(tr, "dashboard.col.id", "dashboard.col.goal", "dashboard.col.unit",
				"dashboard.col.baseline", "dashboard.col.target", "dashboard.col.current", "dashboard.col.progress_pct",
				"dashboard.col.status", "dashboard.col.owner", "dashboard.col.due_on"), rows)
		case sec.Kind == milestone.SectionRisks:
			rows := [][]any{}
			for _, k := range sec.Risks {
				delta := chart.Signed(k.Change)
				if k.New {
					delta = tr.T("pack.new")
				}
				rows = append(rows, []any{k.Key, k.Title, tr.T("enum.risk_category." + string(k.Category)), k.Score,
					tr.T("enum.risk_level." + string(k.Level)), tr.T("enum.risk_status." + string(k.Status)), k.OwnerName, delta, yesNo(tr, k.Overdue)})
			}
			err = w.AddSheet(tr.T("pack.sheet.risks"), names(tr, "dashboard.col.key", "dashboard.col.risk", "dashboard.col.category",
				"dashboard.col.score", "dashboard.col.level", "dashboard.col.status", "dashboard.col.owner", "pack.col.change", "pack.col.overdue"), rows)
			var ratings [][2]int
			for _, k := range sec.Risks {
				ratings = append(ratings, [2]int{k.Probability, k.Impact})
			}
			if err == nil && len(sec.Risks) > 0 && sec.Risks[0].Probability > 0 { // older packs hold no ratings
				header, heat := heatSheet(tr, chart.RiskGrid(ratings))
				err = w.AddSheet(tr.T("dashboard.sheet.heat"), header, heat)
			}
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
			err = w.AddSheet(tr.T("pack.sheet.changes"), names(tr, "dashboard.col.key", "pack.col.change_title", "dashboard.col.status",
				"pack.col.requester", "pack.col.schedule_days", "pack.col.cost", "pack.col.decided_on"), rows)
		case sec.Health != nil:
			h := sec.Health
			rows := [][]any{{tr.T("dashboard.score"), h.Score, ""}}
			if c := h.Combined; c != nil {
				// Since delivery counts: the combined score, then its two parts.
				var score any = tr.T("dashboard.band.not_enough_data")
				if c.Score != nil {
					score = *c.Score
				}
				rows = [][]any{{tr.T("dashboard.score"), score, ""}, {tr.T("dashboard.method"), c.Method, ""},
					{tr.T("dashboard.delivery"), c.Delivery, ""}}
				for _, it := range c.Items {
					rows = append(rows, []any{tr.T("dashboard.delivery"), -it.Cost, tr.TData("delivery."+it.Kind, it.Data)})
				}
			}
			for _, ph := range h.Pitfalls {
				rows = append(rows, []any{ph.Code + " " + pitfallTitle(ph.Code), ph.Points, tr.T("enum.pitfall_status." + ph.Status)})
			}
			for _, f := range h.Findings {
				rows = append(rows, []any{f.Pitfall, tr.T("enum.finding_severity." + f.Severity), tr.TData(f.Message, f.Data)})
			}
			err = w.AddSheet(tr.T("pack.sheet.health"), names(tr, "dashboard.col.item", "dashboard.col.points", "dashboard.col.note"), rows)
		}
		if err != nil {
			return nil, err
		}
	}
	return w, nil
}

// Budget is the budget lines and the spend entries; the spend sheet reads
// back through the budget import.
func Budget(tr *i18n.Translator, lines []budget.Line, entries []budget.Entry) (*sheet.Workbook, error) {
	w := sheet.NewWorkbook()
	rows := make([][]any, len(lines))
	for i, l := range lines {
		rows[i] = []any{l.Category, l.Currency, l.Planned, l.Actual, l.Planned - l.Actual, math.Round(share(l.Actual, l.Planned)*1000) / 10}
	}
	if err := w.AddSheet(tr.T("budget.sheet_lines"), names(tr, "budget.col.category", "budget.col.currency", "budget.col.planned",
		"budget.col.actual", "budget.col.remaining", "budget.col.used_pct"), rows); err != nil {
		return nil, err
	}
	rows = make([][]any, len(entries))
	for i, e := range entries {
		rows[i] = []any{e.SpentOn.String(), e.Amount, e.Category, e.Note}
	}
	// These headers must stay names budget.ReadRows knows (tested in both languages).
	if err := w.AddSheet(tr.T("budget.sheet_spend"), names(tr, "budget.col.date", "budget.col.amount", "budget.col.category",
		"budget.col.note"), rows); err != nil {
		return nil, err
	}
	return w, nil
}

func names(tr *i18n.Translator, ids ...string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = tr.T(id)
	}
	return out
}

func yesNo(tr *i18n.Translator, b bool) string {
	if b {
		return tr.T("dashboard.yes")
	}
	return ""
}

// share is part ÷ whole, 0 when there is no whole.
func share(part, whole float64) float64 {
	if whole == 0 {
		return 0
	}
	return part / whole
}
