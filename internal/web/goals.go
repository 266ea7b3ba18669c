package web

import (
	"maps"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/width"

	"rollout/internal/apperr"
	"rollout/internal/comment"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/project"
	"rollout/internal/sheet"
	"rollout/internal/web/chart"
)

func (s *Server) today() date.Date { return date.Of(s.now()) }

type goalsView struct {
	projectPage
	Goals     []goal.View
	Today     date.Date
	CanManage bool
	CanImport bool
	UserID    int64
	// Rule numbers for the explanation on the page.
	OnTrackSlack, AtRiskSlack int
	// Quick is a quick entry refused, shown again in its row as typed.
	Quick quickEntry
}

// quickEntry is a measurement typed into a row of the goals list, kept as
// typed so a refused one comes back with its message next to it.
type quickEntry struct {
	GoalID            int64
	Value, MeasuredOn string
	Error             string
}

func (s *Server) handleGoals(c *fiber.Ctx) error {
	return s.renderGoals(c, fiber.StatusOK, quickEntry{})
}

func (s *Server) renderGoals(c *fiber.Ctx, status int, quick quickEntry) error {
	pp := newProjectPage(c, "goals")
	gs, err := goal.List(c.UserContext(), s.db, pp.Project.ID, s.today())
	if err != nil {
		return err
	}
	return s.render(c, status, "goals/list", s.translator(c).T("goals.title"), goalsView{
		projectPage: pp, Goals: gs, Today: s.today(), UserID: mustUser(c).ID, Quick: quick,
		CanManage:    pp.Access.Can(project.ManageGoals) && !pp.Project.Archived,
		CanImport:    pp.Access.Can(project.RecordMeasurement) && !pp.Project.Archived,
		OnTrackSlack: int(goal.OnTrackSlack * 100), AtRiskSlack: int(goal.AtRiskSlack * 100)})
}

type goalFormView struct {
	projectPage
	In         goal.Input
	Goal       *goal.Goal // nil when creating
	Members    []project.Member
	Categories []goal.Category
	Cadences   []goal.Cadence
}

func (s *Server) renderGoalForm(c *fiber.Ctx, status int, in goal.Input, g *goal.Goal, f form) error {
	pp := newProjectPage(c, "goals")
	pp.Form = f
	ms, err := project.Members(c.UserContext(), s.db, pp.Project.ID)
	if err != nil {
		return err
	}
	title := s.translator(c).T("goal.new")
	if g != nil {
		title = s.translator(c).T("goal.edit")
	}
	return s.render(c, status, "goals/form", title, goalFormView{projectPage: pp, In: in, Goal: g, Members: ms, Categories: goal.Categories, Cadences: goal.Cadences})
}

func (s *Server) handleGoalNew(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	start := p.StartOn
	if start.IsZero() {
		start = s.today()
	}
	return s.renderGoalForm(c, fiber.StatusOK, goal.Input{Direction: goal.Increase, Category: goal.Business,
		StartOn: start, DueOn: p.TargetOn, OwnerID: mustUser(c).ID}, nil, form{})
}

func (s *Server) handleGoalCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var in goal.Input
	if err := bindForm(c, &in); err != nil {
		return err
	}
	g, err := goal.Create(c.UserContext(), s.db, mustUser(c).ID, p.ID, in)
	if err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderGoalForm(c, formStatus(err), in, nil, f)
	}
	return s.redirectWith(c, projectPath(p, "/goals/"+itoa64(g.ID)), "success", "flash.goal_created")
}

// goalParam reads :id and loads the goal of the current project.
func (s *Server) goalParam(c *fiber.Ctx) (*goal.Goal, error) {
	p, _ := currentProject(c)
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	return goal.Get(c.UserContext(), s.db, p.ID, id)
}

type goalView struct {
	projectPage
	Goal         *goal.View
	Measurements []goal.Measurement
	Trail        []historyEntry
	Chart        any
	Today        date.Date
	CanManage    bool
	CanMeasure   bool
	New          goal.MeasurementInput
	Typed        string // the value as typed, when it was refused
	Comments     *commentsView
}

func (s *Server) renderGoal(c *fiber.Ctx, status int, goalID int64, in goal.MeasurementInput, typed string, f form) error {
	pp := newProjectPage(c, "goals")
	pp.Form = f
	ctx := c.UserContext()
	v, err := goal.GetView(ctx, s.db, pp.Project.ID, goalID, s.today())
	if err != nil {
		return err
	}
	ms, err := goal.Measurements(ctx, s.db, goalID)
	if err != nil {
		return err
	}
	if in.MeasuredOn.IsZero() {
		in.MeasuredOn = s.today()
	}
	comments, err := s.loadComments(c, &comment.Target{Kind: comment.Goal, ID: v.ID, Ref: v.ID})
	if err != nil {
		return err
	}
	tr := s.translator(c)
	trail, err := s.itemHistory(c, pp.Project.ID, "goal", itoa64(goalID))
	if err != nil {
		return err
	}
	writable := !pp.Project.Archived
	return s.render(c, status, "goals/show", v.Title, goalView{projectPage: pp, Goal: v, Measurements: ms, Trail: trail, Comments: comments,
		Chart:      chart.GoalTrend(v, ms, tr.T("goal.chart_title", "Title", v.Title), tr.T("goal.baseline"), tr.T("goal.target"), tr.Unit(v.Unit)),
		Today:      s.today(),
		CanManage:  writable && pp.Access.Can(project.ManageGoals),
		CanMeasure: writable && goal.CanMeasure(callerOf(c), &v.Goal),
		New:        in, Typed: typed})
}

func (s *Server) handleGoal(c *fiber.Ctx) error {
	g, err := s.goalParam(c)
	if err != nil {
		return err
	}
	return s.renderGoal(c, fiber.StatusOK, g.ID, goal.MeasurementInput{}, "", form{})
}

func (s *Server) handleGoalEdit(c *fiber.Ctx) error {
	g, err := s.goalParam(c)
	if err != nil {
		return err
	}
	return s.renderGoalForm(c, fiber.StatusOK, goal.InputOf(g), g, form{})
}

func (s *Server) handleGoalUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	g, err := s.goalParam(c)
	if err != nil {
		return err
	}
	var in goal.Input
	if err := bindForm(c, &in); err != nil {
		return err
	}
	if _, err := goal.Update(c.UserContext(), s.db, mustUser(c).ID, p.ID, g.ID, in); err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderGoalForm(c, formStatus(err), in, g, f)
	}
	return s.redirectWith(c, projectPath(p, "/goals/"+itoa64(g.ID)), "success", "flash.saved")
}

func (s *Server) handleGoalDelete(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	g, err := s.goalParam(c)
	if err != nil {
		return err
	}
	if err := goal.Delete(c.UserContext(), s.db, mustUser(c).ID, p.ID, g.ID); err != nil {
		return err
	}
	return s.redirectWith(c, projectPath(p, "/goals"), "success", "flash.goal_deleted")
}

// handleMeasurementCreate records a value from the goal page or the quick
// entry on the list (back=list returns there). A value that is not a number
// ("abc", "20,6") or that the goal refuses comes back on the page it was
// typed on, as typed, with the message next to it.
func (s *Server) handleMeasurementCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	g, err := s.goalParam(c)
	if err != nil {
		return err
	}
	var in goal.MeasurementInput
	typed := ""
	if isJSONBody(c) {
		if err := bindForm(c, &in); err != nil {
			return err
		}
	} else {
		var raw struct {
			Value      string    `form:"value"`
			MeasuredOn date.Date `form:"measured_on"`
			Note       string    `form:"note"`
		}
		if err := bindForm(c, &raw); err != nil {
			return err
		}
		in.MeasuredOn, in.Note = raw.MeasuredOn, raw.Note
		if typed = strings.TrimSpace(raw.Value); typed != "" {
			v, perr := sheet.ParseNumber(strings.TrimSuffix(strings.TrimSpace(width.Narrow.String(typed)), "%"))
			if perr != nil {
				err = apperr.InvalidField("value", "import.bad_number", "Value", typed)
			} else {
				in.Value = &v
			}
		}
	}
	if err == nil {
		_, err = goal.AddMeasurement(c.UserContext(), s.db, callerOf(c), p.ID, g.ID, in, goal.Manual, s.today())
	}
	if err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		if c.FormValue("back") == "list" {
			msg := f.Summary
			if len(f.Errors) > 0 {
				msg = strings.Join(slices.Sorted(maps.Values(f.Errors)), " ")
			}
			return s.renderGoals(c, formStatus(err), quickEntry{GoalID: g.ID, Value: typed, MeasuredOn: c.FormValue("measured_on"), Error: msg})
		}
		return s.renderGoal(c, formStatus(err), g.ID, in, typed, f)
	}
	back := projectPath(p, "/goals/"+itoa64(g.ID))
	if c.FormValue("back") == "list" {
		back = projectPath(p, "/goals")
	}
	return s.redirectWith(c, back, "success", "flash.measurement_added")
}

func (s *Server) handleMeasurementDelete(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	g, err := s.goalParam(c)
	if err != nil {
		return err
	}
	mid, err := paramID(c, "mid")
	if err != nil {
		return err
	}
	if err := goal.DeleteMeasurement(c.UserContext(), s.db, mustUser(c).ID, p.ID, g.ID, mid); err != nil {
		return err
	}
	return s.redirectWith(c, projectPath(p, "/goals/"+itoa64(g.ID)), "success", "flash.measurement_deleted")
}
