package web

import (
	"github.com/gofiber/fiber/v2"

	"rollout/internal/goal"
)

func (s *Server) apiGoals(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	gs, err := goal.List(c.UserContext(), s.db, p.ID, s.today())
	if err != nil {
		return err
	}
	return c.JSON(listOf(gs, ""))
}

func (s *Server) apiGoalCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var in goal.Input
	if err := bindForm(c, &in); err != nil {
		return err
	}
	g, err := goal.Create(c.UserContext(), s.db, mustUser(c).ID, p.ID, in)
	if err != nil {
		return err
	}
	v, err := goal.GetView(c.UserContext(), s.db, p.ID, g.ID, s.today())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

func (s *Server) apiGoal(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	v, err := goal.GetView(c.UserContext(), s.db, p.ID, id, s.today())
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) apiGoalUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	g, err := s.goalParam(c)
	if err != nil {
		return err
	}
	in := goal.InputOf(g)
	in.Version = 0
	if err := bindPatch(c, &in); err != nil {
		return err
	}
	if _, err := goal.Update(c.UserContext(), s.db, mustUser(c).ID, p.ID, g.ID, in); err != nil {
		return err
	}
	v, err := goal.GetView(c.UserContext(), s.db, p.ID, g.ID, s.today())
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) apiGoalDelete(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	g, err := s.goalParam(c)
	if err != nil {
		return err
	}
	if err := goal.Delete(c.UserContext(), s.db, mustUser(c).ID, p.ID, g.ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiMeasurements(c *fiber.Ctx) error {
	g, err := s.goalParam(c)
	if err != nil {
		return err
	}
	ms, err := goal.Measurements(c.UserContext(), s.db, g.ID)
	if err != nil {
		return err
	}
	return c.JSON(listOf(ms, ""))
}

// apiMeasurementCreate is how a CRM's nightly job feeds figures in.
func (s *Server) apiMeasurementCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	g, err := s.goalParam(c)
	if err != nil {
		return err
	}
	var in goal.MeasurementInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	m, err := goal.AddMeasurement(c.UserContext(), s.db, callerOf(c), p.ID, g.ID, in, goal.API, s.today())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(m)
}
