package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/requirement"
)

// requirementParam loads the requirement named by :number in the current project.
func (s *Server) requirementParam(c *fiber.Ctx) (*requirement.Requirement, error) {
	p, _ := currentProject(c)
	n, err := strconv.Atoi(c.Params("number"))
	if err != nil || n <= 0 {
		return nil, apperr.NotFound()
	}
	return requirement.Get(c.UserContext(), s.db, p.ID, n)
}

// requirementJSON is a requirement with its key and names, as the API shows it.
func (s *Server) requirementJSON(c *fiber.Ctx, number int) (requirement.View, error) {
	p, _ := currentProject(c)
	vs, _, err := requirement.List(c.UserContext(), s.db, p.ID, requirement.Filter{Number: number, Limit: 1})
	if err != nil {
		return requirement.View{}, err
	}
	if len(vs) == 0 {
		return requirement.View{}, apperr.NotFound()
	}
	return vs[0], nil
}

func (s *Server) apiRequirements(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	f, err := requirementFilter(c)
	if err != nil {
		return err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = backlogPageSize
	}
	vs, next, err := requirement.List(c.UserContext(), s.db, p.ID, f)
	if err != nil {
		return err
	}
	return c.JSON(listOf(vs, next))
}

func (s *Server) apiRequirementCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var in requirement.Input
	if err := bindForm(c, &in); err != nil {
		return err
	}
	r, err := requirement.Create(c.UserContext(), s.db, mustUser(c).ID, p.ID, in)
	if err != nil {
		return err
	}
	// With no owner or phase to name, the answer needs no read back: a
	// create is the guard's query and its own statement.
	if v, ok := requirement.ViewOf(r, p.Key); ok {
		return c.Status(fiber.StatusCreated).JSON(v)
	}
	v, err := s.requirementJSON(c, r.Number)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

// apiRequirement is a point read: with the guard's query, two in all.
func (s *Server) apiRequirement(c *fiber.Ctx) error {
	n, err := strconv.Atoi(c.Params("number"))
	if err != nil || n <= 0 {
		return apperr.NotFound()
	}
	v, err := s.requirementJSON(c, n)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) apiRequirementUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.editableRequirement(c) // requirement.CanEdit, before the body: 403 comes before 422
	if err != nil {
		return err
	}
	in := requirement.InputOf(r)
	in.Version = 0
	if err := bindPatch(c, &in); err != nil {
		return err
	}
	if _, err := requirement.Update(c.UserContext(), s.db, callerOf(c), p.ID, r.Number, in); err != nil {
		return err
	}
	v, err := s.requirementJSON(c, r.Number)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) apiRequirementDelete(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.requirementParam(c)
	if err != nil {
		return err
	}
	if err := requirement.Delete(c.UserContext(), s.db, mustUser(c).ID, p.ID, r.Number); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// apiRequirementMove takes {"before": n}, {"after": n}, {"top": true} or {"bottom": true}.
func (s *Server) apiRequirementMove(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.requirementParam(c)
	if err != nil {
		return err
	}
	var to requirement.Target
	if err := bindForm(c, &to); err != nil {
		return err
	}
	if err := requirement.Move(c.UserContext(), s.db, callerOf(c), p.ID, r.Number, to); err != nil {
		return err
	}
	v, err := s.requirementJSON(c, r.Number)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) apiRequirementHistory(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.requirementParam(c)
	if err != nil {
		return err
	}
	entries, err := audit.List(c.UserContext(), s.db, audit.Filter{ProjectID: p.ID, Entity: "requirement",
		EntityID: itoa64(r.ID), Limit: 500})
	if err != nil {
		return err
	}
	return c.JSON(listOf(entries, ""))
}

// apiRequirementTrend is the backlog's weekly churn; ?weeks= (default 26).
func (s *Server) apiRequirementTrend(c *fiber.Ctx) error {
	weeks, _ := strconv.Atoi(c.Query("weeks"))
	if weeks <= 0 || weeks > 260 {
		weeks = 26
	}
	ws, err := s.churn(c, weeks)
	if err != nil {
		return err
	}
	return c.JSON(listOf(ws, ""))
}
