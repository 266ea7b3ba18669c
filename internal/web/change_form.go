package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/change"
	"rollout/internal/goal"
	"rollout/internal/project"
)

// The form that drafts or edits a change request, and the small forms on the
// request's page that add or remove one of its operations.

// changeFormInput is the request form: every field but the operations,
// which are edited on the request's page.
type changeFormInput struct {
	Title          string   `form:"title"`
	Reason         string   `form:"reason"`
	Description    string   `form:"description"`
	ExpectedEffect string   `form:"expected_effect"`
	GoalIDs        []int64  `form:"goal_ids"`
	ScheduleDays   int      `form:"schedule_days"`
	Cost           float64  `form:"cost"`
	EffortDays     float64  `form:"effort_days"`
	Roles          []string `form:"roles"`
	Departments    []string `form:"departments"`
	Note           string   `form:"note"`
	Version        int      `form:"version"`
}

func (f changeFormInput) input(ops []change.Operation) change.Input {
	return change.Input{Title: f.Title, Reason: f.Reason, Description: f.Description, ExpectedEffect: f.ExpectedEffect,
		GoalIDs: f.GoalIDs, Impact: change.Impact{ScheduleDays: f.ScheduleDays, Cost: f.Cost, EffortDays: f.EffortDays,
			Affected: change.Affected{Roles: f.Roles, Departments: f.Departments, Note: f.Note}},
		Operations: ops, Version: f.Version}
}

type changeFormView struct {
	projectPage
	In          change.Input
	Request     *change.Request // nil when drafting
	Key         string
	Goals       []goal.View
	Roles       []changeChoice
	Departments []changeChoice
}

func (s *Server) renderChangeForm(c *fiber.Ctx, status int, in change.Input, r *change.Request, f form) error {
	pp := newProjectPage(c, "changes")
	pp.Form = f
	goals, err := goal.List(c.UserContext(), s.db, pp.Project.ID, s.today())
	if err != nil {
		return err
	}
	tr := s.translator(c)
	title, key := tr.T("change.new"), ""
	if r != nil {
		key = change.KeyOf(pp.Project.Key, r.Number)
		title = tr.T("change.edit") + " " + key
	}
	return s.render(c, status, "changes/form", title, changeFormView{projectPage: pp, In: in, Request: r, Key: key, Goals: goals,
		Roles: changeChoices(project.Roles, in.Impact.Affected.Roles), Departments: changeChoices(project.Departments, in.Impact.Affected.Departments)})
}

func (s *Server) handleChangeNew(c *fiber.Ctx) error {
	return s.renderChangeForm(c, fiber.StatusOK, change.Input{}, nil, form{})
}

func (s *Server) handleChangeCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var fi changeFormInput
	if err := bindForm(c, &fi); err != nil {
		return err
	}
	in := fi.input(nil)
	r, err := change.Create(c.UserContext(), s.db, mustUser(c).ID, p.ID, in)
	if err != nil {
		f, ferr := s.formErrors(c, s.changeErr(c, err))
		if ferr != nil {
			return ferr
		}
		return s.renderChangeForm(c, formStatus(err), in, nil, f)
	}
	return s.redirectWith(c, projectPath(p, "/changes/"+strconv.Itoa(r.Number)), "success", "flash.change_created")
}

func (s *Server) handleChangeEdit(c *fiber.Ctx) error {
	r, err := s.managedChange(c)
	if err != nil {
		return err
	}
	if r.Status != change.Draft {
		return apperr.Conflict("change.not_draft")
	}
	return s.renderChangeForm(c, fiber.StatusOK, change.InputOf(r), r, form{})
}

func (s *Server) handleChangeUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.managedChange(c)
	if err != nil {
		return err
	}
	var fi changeFormInput
	if err := bindForm(c, &fi); err != nil {
		return err
	}
	in := fi.input(r.Operations)
	if _, err := change.Update(c.UserContext(), s.db, callerOf(c), p.ID, r.Number, in); err != nil {
		f, ferr := s.formErrors(c, s.changeErr(c, err))
		if ferr != nil {
			return ferr
		}
		return s.renderChangeForm(c, formStatus(err), in, r, f)
	}
	return s.redirectWith(c, projectPath(p, "/changes/"+strconv.Itoa(r.Number)), "success", "flash.saved")
}

// handleChangeOperationAdd adds the operation one of the request page's
// small forms describes; the change package reads and checks it.
func (s *Server) handleChangeOperationAdd(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.managedChange(c)
	if err != nil {
		return err
	}
	var op change.OperationInput
	if err := bindForm(c, &op); err != nil {
		return err
	}
	version, _ := strconv.Atoi(c.FormValue("version"))
	if _, err := change.AddOperation(c.UserContext(), s.db, callerOf(c), p.ID, r.Number, version, op.Operation()); err != nil {
		f, ferr := s.formErrors(c, s.changeErr(c, err))
		if ferr != nil {
			return ferr
		}
		return s.renderChange(c, formStatus(err), r.Number, changeExtras{Form: f, Op: op})
	}
	return s.redirectWith(c, projectPath(p, "/changes/"+strconv.Itoa(r.Number)+"#operations"), "success", "flash.change_op_added")
}

func (s *Server) handleChangeOperationDelete(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.managedChange(c)
	if err != nil {
		return err
	}
	i, err := strconv.Atoi(c.Params("index"))
	if err != nil {
		return apperr.NotFound()
	}
	version, _ := strconv.Atoi(c.FormValue("version"))
	if _, err := change.RemoveOperation(c.UserContext(), s.db, callerOf(c), p.ID, r.Number, version, i); err != nil {
		if apperr.Is(err, apperr.KindNotFound) {
			return err
		}
		f, ferr := s.formErrors(c, s.changeErr(c, err))
		if ferr != nil {
			return ferr
		}
		return s.renderChange(c, formStatus(err), r.Number, changeExtras{Form: f})
	}
	return s.redirectWith(c, projectPath(p, "/changes/"+strconv.Itoa(r.Number)+"#operations"), "success", "flash.change_op_removed")
}
