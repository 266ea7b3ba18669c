package web

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/change"
	"rollout/internal/date"
)

// changeJSON is a change request as the API shows it: its key, impact and
// operations, the vote counts and the votes themselves.
type changeJSON struct {
	change.View
	// Operations shadows the request's own, adding what each changes.
	Operations []changeOperationJSON `json:"operations"`
	Votes      []change.Vote         `json:"votes"`
}

// changeOperationJSON is an operation with the item it changes as it stands
// now; Target is absent for an operation that adds a requirement.
type changeOperationJSON struct {
	change.Operation
	Target *changeTargetJSON `json:"target,omitempty"`
}

type changeTargetJSON struct {
	Kind      change.TargetKind `json:"kind"`
	Title     string            `json:"title"`               // a requirement's title, a milestone's name
	PlannedOn date.Date         `json:"planned_on,omitzero"` // a milestone's planned day
	Exists    bool              `json:"exists"`              // false: deleted since
}

func (s *Server) changeJSON(c *fiber.Ctx, number int) (*changeJSON, error) {
	p, _ := currentProject(c)
	vs, err := change.List(c.UserContext(), s.db, p.ID, change.Filter{Number: number})
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, apperr.NotFound()
	}
	votes, err := change.Votes(c.UserContext(), s.db, vs[0].ID)
	if err != nil {
		return nil, err
	}
	if votes == nil {
		votes = []change.Vote{}
	}
	ops := vs[0].Operations
	labels, err := change.Labels(c.UserContext(), s.db, p.ID, change.Targets(ops))
	if err != nil {
		return nil, err
	}
	out := &changeJSON{View: vs[0], Operations: make([]changeOperationJSON, len(ops)), Votes: votes}
	for i, op := range ops {
		out.Operations[i].Operation = op
		if t, ok := op.Target(); ok {
			label, exists := labels[t]
			out.Operations[i].Target = &changeTargetJSON{Kind: t.Kind, Title: label.Title, PlannedOn: label.PlannedOn, Exists: exists}
		}
	}
	return out, nil
}

// sendChange answers with the request as it now stands.
func (s *Server) sendChange(c *fiber.Ctx, status, number int) error {
	v, err := s.changeJSON(c, number)
	if err != nil {
		return err
	}
	return c.Status(status).JSON(v)
}

// apiChanges lists the project's requests, newest first; ?status=,
// ?requester_id=, ?month=YYYY-MM.
func (s *Server) apiChanges(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	f, err := changeFilter(c, "requester_id")
	if err != nil {
		return err
	}
	vs, err := change.List(c.UserContext(), s.db, p.ID, f)
	if err != nil {
		return err
	}
	return c.JSON(listOf(vs, ""))
}

func (s *Server) apiChangeCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var in change.Input
	if err := bindForm(c, &in); err != nil {
		return err
	}
	r, err := change.Create(c.UserContext(), s.db, mustUser(c).ID, p.ID, in)
	if err != nil {
		return s.changeErr(c, err)
	}
	return s.sendChange(c, fiber.StatusCreated, r.Number)
}

func (s *Server) apiChange(c *fiber.Ctx) error {
	r, err := s.changeParam(c)
	if err != nil {
		return err
	}
	return s.sendChange(c, fiber.StatusOK, r.Number)
}

// apiChangeUpdate edits a draft: the fields the body names, with the version read.
func (s *Server) apiChangeUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.managedChange(c)
	if err != nil {
		return err
	}
	in := change.InputOf(r)
	in.Version = 0
	// A list in the body replaces the stored one whole: decoding into the
	// old elements would mix the fields of two operations.
	var fields map[string]json.RawMessage
	if json.Unmarshal(c.Body(), &fields) == nil {
		if _, ok := fields["operations"]; ok {
			in.Operations = nil
		}
	}
	if err := bindPatch(c, &in); err != nil {
		return err
	}
	if _, err := change.Update(c.UserContext(), s.db, callerOf(c), p.ID, r.Number, in); err != nil {
		return s.changeErr(c, err)
	}
	return s.sendChange(c, fiber.StatusOK, r.Number)
}

func (s *Server) apiChangeSubmit(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.managedChange(c)
	if err != nil {
		return err
	}
	if _, err := change.Submit(c.UserContext(), s.db, callerOf(c), p.ID, r.Number, s.now()); err != nil {
		return s.changeErr(c, err)
	}
	return s.sendChange(c, fiber.StatusOK, r.Number)
}

func (s *Server) apiChangeWithdraw(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.managedChange(c)
	if err != nil {
		return err
	}
	if _, err := change.Withdraw(c.UserContext(), s.db, callerOf(c), p.ID, r.Number); err != nil {
		return s.changeErr(c, err)
	}
	return s.sendChange(c, fiber.StatusOK, r.Number)
}

// apiChangeVote takes {"approve": true|false, "comment": "..."}.
func (s *Server) apiChangeVote(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.changeParam(c)
	if err != nil {
		return err
	}
	var in change.VoteInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	if _, err := change.Cast(c.UserContext(), s.db, mustUser(c).ID, p.ID, r.Number, in, s.now()); err != nil {
		return s.changeErr(c, err)
	}
	return s.sendChange(c, fiber.StatusOK, r.Number)
}

// apiChangeApply applies an approved request; when items moved on since the
// approval it answers 409 with a "conflicts" list and changes nothing.
func (s *Server) apiChangeApply(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.changeParam(c)
	if err != nil {
		return err
	}
	if _, err := change.Apply(c.UserContext(), s.db, mustUser(c).ID, p.ID, p.Key, r.Number, s.now()); err != nil {
		return s.changeErr(c, err)
	}
	return s.sendChange(c, fiber.StatusOK, r.Number)
}
