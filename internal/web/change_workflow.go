package web

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/change"
)

// The workflow steps taken from a change request's page: submit, withdraw,
// vote and apply.

// transitionChange runs one workflow step from the request page: on
// success it returns to the page with a flash; a refusal (wrong state, bad
// operations, conflicts on apply) shows the page again with the reason.
func (s *Server) transitionChange(c *fiber.Ctx, number int, flashID string, step func() error) error {
	p, _ := currentProject(c)
	err := s.changeErr(c, step())
	if err == nil {
		return s.redirectWith(c, projectPath(p, "/changes/"+strconv.Itoa(number)), "success", flashID)
	}
	f, ferr := s.formErrors(c, err)
	if ferr != nil {
		return ferr
	}
	var ce *change.ConflictError
	extras := changeExtras{Form: f}
	if errors.As(err, &ce) {
		extras.Conflicts = ce.Conflicts
	}
	return s.renderChange(c, formStatus(err), number, extras)
}

func (s *Server) handleChangeSubmit(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.managedChange(c)
	if err != nil {
		return err
	}
	return s.transitionChange(c, r.Number, "flash.change_submitted", func() error {
		_, err := change.Submit(c.UserContext(), s.db, callerOf(c), p.ID, r.Number, s.now())
		return err
	})
}

func (s *Server) handleChangeWithdraw(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.managedChange(c)
	if err != nil {
		return err
	}
	return s.transitionChange(c, r.Number, "flash.change_withdrawn", func() error {
		_, err := change.Withdraw(c.UserContext(), s.db, callerOf(c), p.ID, r.Number)
		return err
	})
}

func (s *Server) handleChangeVote(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.changeParam(c)
	if err != nil {
		return err
	}
	var in change.VoteInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	_, err = change.Cast(c.UserContext(), s.db, mustUser(c).ID, p.ID, r.Number, in, s.now())
	if apperr.Is(err, apperr.KindForbidden) {
		return err // a requester approving their own request: the error page says why
	}
	return s.transitionChange(c, r.Number, "flash.change_voted", func() error { return err })
}

func (s *Server) handleChangeApply(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.changeParam(c)
	if err != nil {
		return err
	}
	return s.transitionChange(c, r.Number, "flash.change_applied", func() error {
		_, err := change.Apply(c.UserContext(), s.db, mustUser(c).ID, p.ID, p.Key, r.Number, s.now())
		return err
	})
}
