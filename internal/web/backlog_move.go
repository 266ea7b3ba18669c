package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/requirement"
)

// handleRequirementMove moves one requirement by a form posted to its own
// address: direction=up|down|top|bottom, and with up and down the neighbour
// the reader saw (prev, next), so the item moves past exactly that one.
// Without a neighbour, up and down step through the whole backlog. The
// backlog page itself posts handleBacklogMove.
func (s *Server) handleRequirementMove(c *fiber.Ctx) error {
	r, err := s.requirementParam(c)
	if err != nil {
		return err
	}
	neighbour := func(name string) int {
		n, _ := strconv.Atoi(c.FormValue(name))
		return max(n, 0)
	}
	return s.moveRequirement(c, r.Number, c.FormValue("direction"), neighbour("prev"), neighbour("next"))
}

// handleBacklogMove is the backlog page's one form for the rank buttons of
// every row: the button pressed sends m = "NUMBER DIRECTION [NEIGHBOUR]",
// e.g. "12 up 9" (go above 9, the row shown before it) or "12 top".
func (s *Server) handleBacklogMove(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	parts := strings.Fields(c.FormValue("m"))
	number := 0
	if len(parts) >= 2 {
		number, _ = strconv.Atoi(parts[0])
	}
	if number <= 0 || len(parts) > 3 {
		return s.moveFailed(c, apperr.InvalidField("target", "requirement.move_target"))
	}
	if _, err := requirement.Get(c.UserContext(), s.db, p.ID, number); err != nil {
		return err
	}
	neighbour := 0
	if len(parts) == 3 {
		neighbour, _ = strconv.Atoi(parts[2])
		neighbour = max(neighbour, 0)
	}
	prev, next := 0, 0
	switch parts[1] {
	case "up":
		prev = neighbour
	case "down":
		next = neighbour
	case "top", "bottom":
	default:
		parts[1] = "" // say where it goes
	}
	return s.moveRequirement(c, number, parts[1], prev, next)
}

// moveRequirement moves a requirement for the backlog page's buttons: to the
// top or the bottom, or up or down past the neighbour the reader saw (one
// step in the whole backlog when none is named), or before or after the rows
// named in the form; then back to the page the reader came from.
func (s *Server) moveRequirement(c *fiber.Ctx, number int, direction string, prev, next int) error {
	p, _ := currentProject(c)
	ctx, actor := c.UserContext(), callerOf(c)
	neighbour := func(name string) int {
		n, _ := strconv.Atoi(c.FormValue(name))
		return max(n, 0)
	}
	var err error
	switch direction {
	case "top":
		err = requirement.Move(ctx, s.db, actor, p.ID, number, requirement.Target{Top: true})
	case "bottom":
		err = requirement.Move(ctx, s.db, actor, p.ID, number, requirement.Target{Bottom: true})
	case "up":
		if prev != 0 {
			err = requirement.Move(ctx, s.db, actor, p.ID, number, requirement.Target{Before: prev})
		} else {
			err = requirement.Step(ctx, s.db, actor, p.ID, number, -1)
		}
	case "down":
		if next != 0 {
			err = requirement.Move(ctx, s.db, actor, p.ID, number, requirement.Target{After: next})
		} else {
			err = requirement.Step(ctx, s.db, actor, p.ID, number, 1)
		}
	default:
		err = requirement.Move(ctx, s.db, actor, p.ID, number, requirement.Target{Before: neighbour("before"), After: neighbour("after")})
	}
	if err != nil {
		return s.moveFailed(c, err)
	}
	return c.Redirect(backlogReturn(c, p)+"#req-"+strconv.Itoa(number), fiber.StatusSeeOther)
}

// moveFailed answers a refused move: the backlog again with the reason.
func (s *Server) moveFailed(c *fiber.Ctx, err error) error {
	f, ferr := s.formErrors(c, err)
	if ferr != nil {
		return ferr
	}
	return s.renderBacklog(c, formStatus(err), requirement.Filter{}, backlogView{projectPage: projectPage{Form: f}})
}
