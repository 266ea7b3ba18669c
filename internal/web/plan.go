package web

import (
	"html/template"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/date"
	"rollout/internal/i18n"
	"rollout/internal/milestone"
	"rollout/internal/project"
	"rollout/internal/web/chart"
)

// The plan page: milestones by phase on a timeline and a board, with slip
// measured against the baseline the reader chooses (?against=ID, or
// "current" for the current plan; the latest baseline by default), and the
// project manager's button that takes a baseline.

type planView struct {
	projectPage
	Board      []milestone.PhaseBoard
	Milestones []milestone.View
	Chart      template.HTML
	Today      date.Date
	CanManage  bool
	// Baselines are the choices of the select, latest first; Against is the
	// chosen one's value ("current" for the current plan).
	Baselines   []baselineChoice
	Against     string
	AgainstName string           // the chosen baseline's name, "" for the current plan
	SlipTexts   map[int64]string // per milestone: "N days late against baseline …"
	CanBaseline bool             // the caller may take a baseline
	Label       string           // the label as submitted, after a refusal
	Chosen      *milestone.Baseline
	// Types are the filter's choices; TypeFilter is the chosen one ("" for
	// all), AgainstParam the baseline choice the filter keeps.
	Types        []milestone.Type
	TypeFilter   string
	AgainstParam string
}

// typeParam reads the plan's type filter: "" for every type.
func typeParam(c *fiber.Ctx) (milestone.Type, error) {
	v := milestone.Type(c.Query("type"))
	if v == "" || slices.Contains(milestone.Types, v) {
		return v, nil
	}
	return "", apperr.InvalidField("type", "milestone.type_unknown")
}

// baselineChoice is one baseline as the plan page lists it.
type baselineChoice struct {
	milestone.Baseline
	Value string
	Name  string
}

// againstCurrent is the select's value for the current plan.
const againstCurrent = "current"

// againstParam reads ?against=: a baseline id, "current", or nothing (the latest).
func againstParam(c *fiber.Ctx) (int64, error) {
	switch v := c.Query("against"); v {
	case "":
		return milestone.LatestBaseline, nil
	case againstCurrent:
		return milestone.CurrentPlan, nil
	default:
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return 0, apperr.NotFound()
		}
		return id, nil
	}
}

// baselineName is how a baseline is called in the reader's language: the
// gate it was taken at, or the project manager's label, with its day.
func baselineName(tr *i18n.Translator, b *milestone.Baseline) string {
	day := date.Of(b.TakenAt.UTC()).String()
	switch {
	case b.Source == milestone.BaselineAtGate:
		return tr.T("baseline.name_gate", "Gate", b.Label, "Day", day)
	case b.Label != "":
		return tr.T("baseline.name_label", "Label", b.Label, "Day", day)
	}
	return tr.T("baseline.name_untitled", "Day", day)
}

// slipText says how late a milestone is and against what: the baseline's
// name when the milestone has a date in it, else the current plan.
func slipText(tr *i18n.Translator, v *milestone.View, baseline string) string {
	days := v.Slip
	if days < 0 {
		days = -days
	}
	against := "baseline."
	if baseline == "" || v.BaselineOn.IsZero() {
		against = "baseline.plan_"
	}
	one := ""
	if days == 1 {
		one = "_one"
	}
	switch {
	case v.Slip > 0:
		return tr.T(against+"late"+one, "Days", days, "Name", baseline)
	case v.Slip < 0:
		return tr.T(against+"early"+one, "Days", days, "Name", baseline)
	}
	return tr.T(against+"on_time", "Name", baseline)
}

func (s *Server) handlePlan(c *fiber.Ctx) error {
	return s.renderPlan(c, fiber.StatusOK, "", form{})
}

// renderPlan shows the plan page; label and f are the baseline form as
// submitted, after a refusal.
func (s *Server) renderPlan(c *fiber.Ctx, status int, label string, f form) error {
	pp := newProjectPage(c, "plan")
	pp.Form = f
	ctx, today, tr := c.UserContext(), s.today(), s.translator(c)
	against, err := againstParam(c)
	if err != nil {
		return err
	}
	bs, err := milestone.Baselines(ctx, s.db, pp.Project.ID)
	if err != nil {
		return err
	}
	chosen, err := milestone.Chosen(bs, against)
	if err != nil {
		return err
	}
	if chosen == nil {
		against = milestone.CurrentPlan
	} else {
		against = chosen.ID
	}
	typ, err := typeParam(c)
	if err != nil {
		return err
	}
	vs, err := s.milestones(c, against)
	if err != nil {
		return err
	}
	if typ != "" {
		vs = slices.DeleteFunc(vs, func(v milestone.View) bool { return v.Type != typ })
	}
	phases, err := project.Phases(ctx, s.db, pp.Project.ID)
	if err != nil {
		return err
	}
	view := planView{projectPage: pp, Board: milestone.Board(phases, vs), Milestones: vs, Today: today,
		Against: againstCurrent, SlipTexts: map[int64]string{}, Label: label, Chosen: chosen,
		CanManage:   pp.Access.Can(project.ManageMilestones) && !pp.Project.Archived,
		CanBaseline: milestone.CanTakeBaseline(callerOf(c)) && !pp.Project.Archived,
		Types:       milestone.Types, TypeFilter: string(typ), AgainstParam: c.Query("against")}
	for i := range bs {
		view.Baselines = append(view.Baselines, baselineChoice{Baseline: bs[i], Value: itoa64(bs[i].ID), Name: baselineName(tr, &bs[i])})
	}
	if chosen != nil {
		view.Against, view.AgainstName = itoa64(chosen.ID), baselineName(tr, chosen)
	}
	for i := range vs {
		view.SlipTexts[vs[i].ID] = slipText(tr, &vs[i], view.AgainstName)
	}
	view.Chart = chart.Plan(vs, today, func(id int64) string { return projectPath(pp.Project, "/milestones/"+itoa64(id)) },
		chart.PlanLabels{Title: tr.T("plan.chart_title"), Baseline: tr.T("baseline.legend"), Planned: tr.T("milestone.planned_on"),
			Forecast: tr.T("milestone.forecast_on"), Actual: tr.T("milestone.actual_on"), Gate: tr.T("milestone.gate"),
			Today: tr.T("plan.today"), NoPhase: tr.T("plan.no_phase"), Days: tr.T("plan.days"), Tick: tickLabel(tr)})
	return s.render(c, status, "milestones/plan", tr.T("plan.title"), view)
}

// tickLabel writes the timeline's axis labels in the reader's language.
func tickLabel(tr *i18n.Translator) func(int, time.Month, chart.TickKind) string {
	return func(year int, month time.Month, kind chart.TickKind) string {
		id := map[chart.TickKind]string{chart.TickMonth: "plan.tick_month", chart.TickMonthYear: "plan.tick_month_year",
			chart.TickYear: "plan.tick_year"}[kind]
		return tr.T(id, "Year", strconv.Itoa(year), "Month", int(month), "Name", tr.T("plan.month."+strconv.Itoa(int(month))))
	}
}

// handleBaselineTake takes a baseline of the plan with the project
// manager's optional label.
func (s *Server) handleBaselineTake(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var in milestone.BaselineInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	if _, err := milestone.TakeBaseline(c.UserContext(), s.db, callerOf(c), p.ID, in, s.now()); err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderPlan(c, formStatus(err), in.Label, f)
	}
	return s.redirectWith(c, projectPath(p, "/plan"), "success", "flash.baseline_taken")
}

// latestBaselineName is the name of the project's latest baseline, "" when
// it has none: what the milestone page measures slip against.
func (s *Server) latestBaselineName(c *fiber.Ctx, projectID int64) (string, error) {
	bs, err := milestone.Baselines(c.UserContext(), s.db, projectID)
	if err != nil || len(bs) == 0 {
		return "", err
	}
	return baselineName(s.translator(c), &bs[0]), nil
}
