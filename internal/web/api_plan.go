package web

import (
	"slices"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/milestone"
	"rollout/internal/pitfall"
	"rollout/internal/project"
	"rollout/internal/validate"
)

// The whole plan through the API: phases, a milestone's deliverables, a gate
// review's action items (its conditions) and the pitfall thresholds. Each
// handler calls the domain function its page calls; the rules (who may tick,
// stale versions, bounds) are the domain's.

// phaseParam is the project's phase named by :id.
func (s *Server) phaseParam(c *fiber.Ctx) (*project.Phase, error) {
	p, _ := currentProject(c)
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	ps, err := project.Phases(c.UserContext(), s.db, p.ID)
	if err != nil {
		return nil, err
	}
	for i := range ps {
		if ps[i].ID == id {
			return &ps[i], nil
		}
	}
	return nil, apperr.NotFound()
}

func (s *Server) apiPhaseCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var in project.PhaseInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	ph, err := project.AddPhase(c.UserContext(), s.db, mustUser(c).ID, p.ID, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ph)
}

func (s *Server) apiPhaseUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	ph, err := s.phaseParam(c)
	if err != nil {
		return err
	}
	in := project.PhaseInput{Name: ph.Name, PlannedStartOn: ph.PlannedStartOn, PlannedEndOn: ph.PlannedEndOn}
	if err := bindPatch(c, &in); err != nil {
		return err
	}
	out, err := project.UpdatePhase(c.UserContext(), s.db, mustUser(c).ID, p.ID, ph.ID, in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// phaseMove moves a phase one place earlier (-1) or later (+1).
type phaseMove struct {
	By int `json:"by" validate:"required,oneof=-1 1"`
}

func (s *Server) apiPhaseMove(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	ph, err := s.phaseParam(c)
	if err != nil {
		return err
	}
	var in phaseMove
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := validate.Struct(&in); err != nil {
		return err
	}
	if err := project.MovePhase(c.UserContext(), s.db, mustUser(c).ID, p.ID, ph.ID, in.By); err != nil {
		return err
	}
	ps, err := project.Phases(c.UserContext(), s.db, p.ID)
	if err != nil {
		return err
	}
	return c.JSON(listOf(ps, ""))
}

func (s *Server) apiPhaseDelete(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	ph, err := s.phaseParam(c)
	if err != nil {
		return err
	}
	if err := project.DeletePhase(c.UserContext(), s.db, mustUser(c).ID, p.ID, ph.ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// Deliverables.

func (s *Server) apiDeliverables(c *fiber.Ctx) error {
	m, err := s.milestoneParam(c)
	if err != nil {
		return err
	}
	ds, err := milestone.Deliverables(c.UserContext(), s.db, m.ID)
	if err != nil {
		return err
	}
	return c.JSON(listOf(ds, ""))
}

type deliverableInput struct {
	Title string `json:"title"`
}

func (s *Server) apiDeliverableAdd(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	m, err := s.milestoneParam(c)
	if err != nil {
		return err
	}
	var in deliverableInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	d, err := milestone.AddDeliverable(c.UserContext(), s.db, mustUser(c).ID, p.ID, m.ID, in.Title)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(d)
}

// doneInput ticks or unticks a deliverable, or marks an action item done or open.
type doneInput struct {
	Done *bool `json:"done" validate:"required"`
}

func bindDone(c *fiber.Ctx) (bool, error) {
	var in doneInput
	if err := bindJSON(c, &in); err != nil {
		return false, err
	}
	if err := validate.Struct(&in); err != nil {
		return false, err
	}
	return *in.Done, nil
}

// apiDeliverableTick: {"done": true|false}; milestone.Tick decides who may
// (project managers and the milestone's owner).
func (s *Server) apiDeliverableTick(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	m, err := s.milestoneParam(c)
	if err != nil {
		return err
	}
	did, err := paramID(c, "did")
	if err != nil {
		return err
	}
	if !milestone.CanTick(callerOf(c), m) {
		return apperr.Forbidden() // not allowed is said before what is wrong with the body
	}
	done, err := bindDone(c)
	if err != nil {
		return err
	}
	if err := milestone.Tick(c.UserContext(), s.db, callerOf(c), p.ID, m.ID, did, done, s.now()); err != nil {
		return err
	}
	ds, err := milestone.Deliverables(c.UserContext(), s.db, m.ID)
	if err != nil {
		return err
	}
	for _, d := range ds {
		if d.ID == did {
			return c.JSON(d)
		}
	}
	return apperr.NotFound()
}

// Action items of a gate review (the conditions of its decision).

func (s *Server) apiActions(c *fiber.Ctx) error {
	r, err := s.reviewParam(c)
	if err != nil {
		return err
	}
	as, err := milestone.Actions(c.UserContext(), s.db, r.ID)
	if err != nil {
		return err
	}
	return c.JSON(listOf(as, ""))
}

// actionStatus sets an action item's status.
type actionStatus struct {
	Status string `json:"status" validate:"required,oneof=open done"`
}

// apiActionStatus: {"status": "open"|"done"}; milestone.SetActionStatus
// decides who may (project managers and the item's owner).
func (s *Server) apiActionStatus(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.reviewParam(c)
	if err != nil {
		return err
	}
	aid, err := paramID(c, "aid")
	if err != nil {
		return err
	}
	as, err := milestone.Actions(c.UserContext(), s.db, r.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(as, func(a milestone.Action) bool { return a.ID == aid })
	if i < 0 {
		return apperr.NotFound()
	}
	if !milestone.CanSetActionStatus(callerOf(c), &as[i]) {
		return apperr.Forbidden() // not allowed is said before what is wrong with the body
	}
	var in actionStatus
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := validate.Struct(&in); err != nil {
		return err
	}
	if err := milestone.SetActionStatus(c.UserContext(), s.db, callerOf(c), p.ID, r.ID, aid, in.Status == "done"); err != nil {
		return err
	}
	as, err = milestone.Actions(c.UserContext(), s.db, r.ID)
	if err != nil {
		return err
	}
	for _, a := range as {
		if a.ID == aid {
			return c.JSON(a)
		}
	}
	return apperr.NotFound()
}

// Pitfall thresholds.

type thresholdsJSON struct {
	Thresholds pitfall.Thresholds `json:"thresholds"`
	Defaults   pitfall.Thresholds `json:"defaults"`
}

func (s *Server) apiThresholds(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	t, err := pitfall.ProjectThresholds(c.UserContext(), s.db, p.ID)
	if err != nil {
		return err
	}
	return c.JSON(thresholdsJSON{Thresholds: t, Defaults: pitfall.DefaultThresholds()})
}

// apiThresholdsPut changes the thresholds named in the body (shares as
// 0–1, as GET shows them); the others keep their values. They are one
// setting with no version: the last write wins, and the trail keeps both.
func (s *Server) apiThresholdsPut(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	t, err := pitfall.ProjectThresholds(c.UserContext(), s.db, p.ID)
	if err != nil {
		return err
	}
	if err := bindJSON(c, &t); err != nil {
		return err
	}
	if err := pitfall.SetThresholds(c.UserContext(), s.db, mustUser(c).ID, p.ID, t); err != nil {
		return err
	}
	return c.JSON(thresholdsJSON{Thresholds: t, Defaults: pitfall.DefaultThresholds()})
}
