package web

import (
	"github.com/gofiber/fiber/v2"

	"rollout/internal/milestone"
	"rollout/internal/office"
)

// milestoneJSON is one milestone with its checklist.
type milestoneJSON struct {
	*milestone.View
	Deliverables []milestone.Deliverable `json:"deliverables"`
}

func (s *Server) milestoneJSON(c *fiber.Ctx, projectID, id int64) (*milestoneJSON, error) {
	v, err := milestone.GetView(c.UserContext(), s.db, projectID, id, s.today())
	if err != nil {
		return nil, err
	}
	ds, err := milestone.Deliverables(c.UserContext(), s.db, id)
	if err != nil {
		return nil, err
	}
	if ds == nil {
		ds = []milestone.Deliverable{}
	}
	return &milestoneJSON{View: v, Deliverables: ds}, nil
}

// apiMilestones lists the plan; slip_days is measured against ?against= (a
// baseline id, or "current" for the current plan; the latest by default).
func (s *Server) apiMilestones(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	against, err := againstParam(c)
	if err != nil {
		return err
	}
	if against > 0 {
		if _, err := milestone.GetBaseline(c.UserContext(), s.db, p.ID, against); err != nil {
			return err
		}
	}
	vs, err := s.milestones(c, against)
	if err != nil {
		return err
	}
	return c.JSON(listOf(vs, ""))
}

// baselineJSON is a baseline with every milestone's planned date in it.
type baselineJSON struct {
	*milestone.Baseline
	Dates []milestone.BaselineDate `json:"dates"`
}

func (s *Server) baselineJSON(c *fiber.Ctx, projectID, id int64) (*baselineJSON, error) {
	b, err := milestone.GetBaseline(c.UserContext(), s.db, projectID, id)
	if err != nil {
		return nil, err
	}
	ds, err := milestone.BaselineDates(c.UserContext(), s.db, id)
	if err != nil {
		return nil, err
	}
	if ds == nil {
		ds = []milestone.BaselineDate{}
	}
	return &baselineJSON{Baseline: b, Dates: ds}, nil
}

func (s *Server) apiBaselines(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	bs, err := milestone.Baselines(c.UserContext(), s.db, p.ID)
	if err != nil {
		return err
	}
	return c.JSON(listOf(bs, ""))
}

// apiBaselineTake takes a baseline of the plan: {"label": "…"} (optional).
func (s *Server) apiBaselineTake(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var in milestone.BaselineInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	b, err := milestone.TakeBaseline(c.UserContext(), s.db, callerOf(c), p.ID, in, s.now())
	if err != nil {
		return err
	}
	out, err := s.baselineJSON(c, p.ID, b.ID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) apiBaseline(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.baselineJSON(c, p.ID, id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) apiMilestoneCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var in milestone.Input
	if err := bindForm(c, &in); err != nil {
		return err
	}
	m, err := milestone.Create(c.UserContext(), s.db, mustUser(c).ID, p.ID, in, s.today())
	if err != nil {
		return err
	}
	out, err := s.milestoneJSON(c, p.ID, m.ID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) apiMilestone(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.milestoneJSON(c, p.ID, id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) apiMilestoneUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	m, err := s.milestoneParam(c)
	if err != nil {
		return err
	}
	in := milestone.InputOf(m)
	in.Version = 0
	if err := bindPatch(c, &in); err != nil {
		return err
	}
	in.Deliverables = nil // a PATCH edits the milestone, not its checklist
	if _, err := milestone.Update(c.UserContext(), s.db, mustUser(c).ID, p.ID, m.ID, in, s.today()); err != nil {
		return err
	}
	out, err := s.milestoneJSON(c, p.ID, m.ID)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) apiMilestoneDelete(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	m, err := s.milestoneParam(c)
	if err != nil {
		return err
	}
	if err := milestone.Delete(c.UserContext(), s.db, mustUser(c).ID, p.ID, m.ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiMilestoneReviews(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	m, err := s.milestoneParam(c)
	if err != nil {
		return err
	}
	rs, err := milestone.Reviews(c.UserContext(), s.db, p.ID, m.ID)
	if err != nil {
		return err
	}
	return c.JSON(listOf(rs, ""))
}

func (s *Server) apiReviewSchedule(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	m, err := s.milestoneParam(c)
	if err != nil {
		return err
	}
	var in milestone.ScheduleInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	r, err := office.ScheduleReview(c.UserContext(), s.db, mustUser(c).ID, p.ID, m.ID, in)
	if err != nil {
		return err
	}
	out, err := s.reviewJSON(c, r.ID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

// reviewJSON is a review with its pack (frozen once decided, else as the
// project stands now) and its action items.
type reviewJSON struct {
	*milestone.Review
	Pack       *milestone.Pack    `json:"pack"`
	PackFrozen bool               `json:"pack_frozen"`
	Actions    []milestone.Action `json:"actions"`
}

func (s *Server) reviewJSON(c *fiber.Ctx, id int64) (*reviewJSON, error) {
	p, _ := currentProject(c)
	ctx := c.UserContext()
	r, err := milestone.GetReview(ctx, s.db, p.ID, id)
	if err != nil {
		return nil, err
	}
	pack, frozen, err := office.ReviewPack(ctx, s.db, r, s.now())
	if err != nil {
		return nil, err
	}
	as, err := milestone.Actions(ctx, s.db, r.ID)
	if err != nil {
		return nil, err
	}
	if as == nil {
		as = []milestone.Action{}
	}
	return &reviewJSON{Review: r, Pack: pack, PackFrozen: frozen, Actions: as}, nil
}

func (s *Server) apiReview(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.reviewJSON(c, id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// apiReviewDecide records the committee's decision:
// {decision, attendees, notes, conditions: [{text, owner_id, due_on}]}.
func (s *Server) apiReviewDecide(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.reviewParam(c)
	if err != nil {
		return err
	}
	var in milestone.DecisionInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	if _, err := office.DecideReview(c.UserContext(), s.db, mustUser(c).ID, p.ID, r.ID, in, s.now()); err != nil {
		return err
	}
	out, err := s.reviewJSON(c, r.ID)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
