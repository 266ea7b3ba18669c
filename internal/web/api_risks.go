package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/risk"
)

// apiRisks lists the register, filtered like the page: category, level,
// status (or "active"), owner_id, overdue=true, p and i (a heat-map cell) with
// map=inherent|residual, and sort=score|key|review; a page at a time:
// limit (1–500, default 50) risks from cursor (the next_cursor of the page
// before), with the total in "total" and the X-Total-Count header.
func (s *Server) apiRisks(c *fiber.Ctx) error {
	f, err := riskFilter(c)
	if err != nil {
		return err
	}
	q := newQueryReader(c)
	offset, limit := offsetWindow(q, riskAPILimit, riskAPILimitMax)
	if err := q.err(); err != nil {
		return err
	}
	vs, _, err := s.risks(c, f)
	if err != nil {
		return err
	}
	return sendPage(s, c, fmt.Sprintf("risks:%+v", f), vs, offset, limit)
}

// apiRiskHeatmap counts the filtered risks per cell:
// {"inherent": [[…5]…5], "residual": […], "total": n, "unassessed": n}, where
// inherent[p-1][i-1] counts the risks rated probability p and impact i.
func (s *Server) apiRiskHeatmap(c *fiber.Ctx) error {
	f, err := riskFilter(c)
	if err != nil {
		return err
	}
	_, h, err := s.risks(c, f)
	if err != nil {
		return err
	}
	return c.JSON(h)
}

func (s *Server) apiRiskCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var in risk.Input
	if err := bindForm(c, &in); err != nil {
		return err
	}
	r, _, err := s.createRisk(c, in)
	if err != nil {
		return err
	}
	v, err := risk.GetView(c.UserContext(), s.db, p.ID, r.Number, s.today())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

func (s *Server) apiRisk(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	n, err := paramID(c, "number")
	if err != nil || n > 1<<30 {
		return apperr.NotFound()
	}
	v, err := risk.GetView(c.UserContext(), s.db, p.ID, int(n), s.today())
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) apiRiskUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.editableRisk(c) // the rule is risk.CanEdit; checked before the body so 403 comes before 422
	if err != nil {
		return err
	}
	in := risk.InputOf(r)
	in.Version = 0
	if err := bindPatch(c, &in); err != nil {
		return err
	}
	if _, err := risk.Update(c.UserContext(), s.db, callerOf(c), p.ID, r.Number, in, s.today()); err != nil {
		return err
	}
	v, err := risk.GetView(c.UserContext(), s.db, p.ID, r.Number, s.today())
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) apiRiskDelete(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.riskParam(c)
	if err != nil {
		return err
	}
	if err := risk.Delete(c.UserContext(), s.db, mustUser(c).ID, p.ID, r.Number); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiRiskReviews(c *fiber.Ctx) error {
	r, err := s.riskParam(c)
	if err != nil {
		return err
	}
	rvs, err := risk.Reviews(c.UserContext(), s.db, r.ID)
	if err != nil {
		return err
	}
	return c.JSON(listOf(rvs, ""))
}

// apiRiskReviewCreate records a review by the caller:
// {reviewed_on, probability, impact, next_review_on, note}.
func (s *Server) apiRiskReviewCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.editableRisk(c)
	if err != nil {
		return err
	}
	var in risk.ReviewInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	rv, err := risk.AddReview(c.UserContext(), s.db, callerOf(c), p.ID, r.Number, in, s.today())
	if err != nil {
		return err
	}
	rv.ReviewerName = mustUser(c).Name
	return c.Status(fiber.StatusCreated).JSON(rv)
}
