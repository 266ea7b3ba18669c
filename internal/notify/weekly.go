package notify

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"rollout/internal/i18n"
	"rollout/internal/jobs"
	"rollout/internal/office"
	"rollout/internal/weekly"
)

// The weekly report goes out as one message per reader: the summary and the
// health as lines, then a section per part of the report, in the reader's
// language, from the report's frozen content (the same message ids as its
// page). WeeklyDue is the hourly job that sends the reports a project set to
// go out by themselves.

// WeeklyDue is the periodic job that sends the weekly reports due this hour.
type WeeklyDue struct{}

// Kind is River's name for the job.
func (WeeklyDue) Kind() string { return "weekly_due" }

// InsertOpts: one round per hour even if two leaders overlapped.
func (WeeklyDue) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueNotify, UniqueOpts: river.UniqueOpts{ByPeriod: 30 * time.Minute}}
}

type weeklyDueWorker struct {
	river.WorkerDefaults[WeeklyDue]
	s *Service
}

func (w *weeklyDueWorker) Work(ctx context.Context, _ *river.Job[WeeklyDue]) error {
	n, err := office.SendDueWeeklyReports(ctx, w.s.db, w.s.cfg.Now())
	if n > 0 {
		w.s.cfg.Logger.Info("weekly reports sent by schedule", "reports", n)
	}
	return err
}

// hourly fires at the top of every hour.
type hourly struct{}

func (hourly) Next(t time.Time) time.Time { return t.Truncate(time.Hour).Add(time.Hour) }

// weeklyMessage words report r of the project in it for a reader of lang.
func (s *Service) weeklyMessage(r *weekly.Report, it *item, lang string) Message {
	t := s.cfg.I18n.For(lang)
	c := &r.Content
	msg := Message{Event: jobs.WeeklyReport, ProjectKey: it.ProjectKey, ProjectName: it.ProjectName,
		Title: t.T("weekly.mail.title", "Start", c.WeekStart.String(), "End", c.WeekEnd.String()),
		Link:  s.link(it.path()), LinkText: t.T("weekly.mail.open"), Footer: t.T("notify.footer"),
		At: s.cfg.Now().UTC(), Lang: t.Lang}
	for _, p := range strings.Split(r.Summary, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			msg.Lines = append(msg.Lines, p)
		}
	}
	msg.Lines = append(msg.Lines, HealthText(t, c.Health))
	msg.Sections = WeeklySections(t, c)
	return msg
}

// HealthText says the health score, its band and its move over the week.
func HealthText(t *i18n.Translator, h weekly.HealthLine) string {
	if h.Score == nil {
		return t.T("weekly.health.none")
	}
	band := t.T("health.band." + h.Band)
	if !h.HasTrend() {
		return t.T("weekly.health.line", "Score", *h.Score, "Band", band)
	}
	return t.T("weekly.health.line_trend", "Score", *h.Score, "Band", band, "Change", signed(h.Change()), "Since", h.PreviousOn.String())
}

// WeeklySections are the report's parts as headed lists of sentences.
func WeeklySections(t *i18n.Translator, c *weekly.Content) []Section {
	none := []string{t.T("weekly.none")}
	or := func(items []string) []string {
		if len(items) == 0 {
			return none
		}
		return items
	}
	var done, slipping, risks, closed, decisions, changes, goals []string
	for _, m := range c.Done {
		done = append(done, t.T("weekly.line.done", "Name", m.Name, "On", m.ActualOn.String()))
	}
	for _, m := range c.Slipping {
		slipping = append(slipping, SlipText(t, m))
	}
	for _, r := range c.Risks {
		risks = append(risks, RiskText(t, r))
	}
	for _, r := range c.Closed {
		closed = append(closed, t.T("weekly.line.closed", "Key", r.Key, "Title", r.Title, "Status", t.T("enum.risk_status."+r.Status)))
	}
	for _, d := range c.Decisions {
		decisions = append(decisions, DecisionText(t, d))
	}
	for _, ch := range c.Changes {
		changes = append(changes, t.T("weekly.line.change", "Key", ch.Key, "Title", ch.Title,
			"Outcome", t.T("weekly.outcome."+ch.Outcome), "On", ch.At.UTC().Format(time.DateOnly)))
	}
	for _, g := range c.Goals {
		goals = append(goals, GoalText(t, g))
	}
	out := []Section{
		{t.T("weekly.section.done"), or(done)},
		{t.T("weekly.section.slipping"), or(slipping)},
		{t.T("weekly.section.risks"), or(risks)},
	}
	if len(closed) > 0 {
		out = append(out, Section{t.T("weekly.section.closed"), closed})
	}
	return append(out,
		Section{t.T("weekly.section.decisions"), or(decisions)},
		Section{t.T("weekly.section.changes"), or(changes)},
		Section{t.T("weekly.section.goals"), or(goals)})
}

// SlipText says how late a slipping milestone is and against what.
func SlipText(t *i18n.Translator, m weekly.MilestoneLine) string {
	ref := m.BaselineOn
	if ref.IsZero() {
		ref = m.PlannedOn
	}
	if m.Kind == string(office.MilestoneLate) {
		return t.T("weekly.line.late", "Name", m.Name, "Days", m.Slip, "Ref", ref.String())
	}
	lands := m.ForecastOn
	if lands.IsZero() || lands.Before(m.PlannedOn) {
		lands = m.PlannedOn
	}
	return t.T("weekly.line.forecast_late", "Name", m.Name, "Days", m.Slip, "Ref", ref.String(), "Forecast", lands.String())
}

// RiskText says a risk's score and what changed this week.
func RiskText(t *i18n.Translator, r weekly.RiskLine) string {
	s := t.T("weekly.line.risk", "Key", r.Key, "Title", r.Title, "Score", r.Score, "Level", t.T("enum.risk_level."+r.Level))
	var moves []string
	switch {
	case r.New:
		moves = append(moves, t.T("weekly.risk.new"))
	case r.Change() > 0:
		moves = append(moves, t.T("weekly.risk.up", "Before", *r.ScoreBefore))
	case r.Change() < 0:
		moves = append(moves, t.T("weekly.risk.down", "Before", *r.ScoreBefore))
	}
	if r.StatusBefore != "" {
		moves = append(moves, t.T("weekly.risk.status", "Before", t.T("enum.risk_status."+r.StatusBefore), "Now", t.T("enum.risk_status."+r.Status)))
	}
	if len(moves) == 0 {
		moves = append(moves, t.T("weekly.risk.same"))
	}
	return s + t.T("weekly.sep") + strings.Join(moves, t.T("weekly.comma"))
}

// DecisionText says a gate decision.
func DecisionText(t *i18n.Translator, d weekly.DecisionLine) string {
	s := t.T("weekly.line.decision", "Milestone", d.MilestoneName, "Decision", t.T("enum.decision."+d.Decision),
		"On", d.DecidedAt.UTC().Format(time.DateOnly))
	if d.Conditions > 0 {
		s += t.T("weekly.sep") + t.T("weekly.conditions", "Count", d.Conditions)
	}
	return s
}

// GoalText says a goal's latest value against its target.
func GoalText(t *i18n.Translator, g weekly.GoalLine) string {
	if g.CurrentOn.IsZero() {
		return t.T("weekly.line.goal_none", "Title", g.Title, "Target", num(g.Target, t.Unit(g.Unit)))
	}
	unit := t.Unit(g.Unit)
	return t.T("weekly.line.goal", "Title", g.Title, "Current", num(g.Current, unit), "Target", num(g.Target, unit),
		"Baseline", num(g.Baseline, unit), "On", g.CurrentOn.String(), "Status", t.T("enum.goal_status."+g.Status))
}

// num is a figure with its unit: 42 %, 3.5 days.
func num(v float64, unit string) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i > 3 {
		s = strconv.FormatFloat(v, 'f', 2, 64)
	}
	if unit == "" {
		return s
	}
	return s + " " + unit
}

func signed(n int) string {
	if n > 0 {
		return "+" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
