package web

import (
	"github.com/gofiber/fiber/v2"

	"rollout/internal/office"
	"rollout/internal/weekly"
)

// The weekly report in the API: GET|POST /api/v1/projects/{key}/reports,
// GET|PATCH /api/v1/projects/{key}/reports/{id} and POST
// /api/v1/projects/{key}/reports/{id}/send.

// apiReports lists the project's reports, newest week first, without their
// content (GET one for it).
func (s *Server) apiReports(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	rs, err := weekly.List(c.UserContext(), s.db, p.ID)
	if err != nil {
		return err
	}
	return c.JSON(listOf(rs, ""))
}

// apiReportBuild builds this week's report now: 201 with a new one, 200
// with this week's draft built again, 409 when this week's was sent.
func (s *Server) apiReportBuild(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	if len(c.Body()) > 0 {
		var none struct{}
		if err := bindJSON(c, &none); err != nil {
			return err
		}
	}
	r, err := office.BuildWeeklyReport(c.UserContext(), s.db, callerOf(c), p.ID, s.now())
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if r.Version == 1 {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(weekly.ViewOf(r))
}

// apiReport answers one report with its content.
func (s *Server) apiReport(c *fiber.Ctx) error {
	r, err := s.reportParam(c)
	if err != nil {
		return err
	}
	return c.JSON(weekly.ViewOf(r))
}

// apiReportUpdate changes a draft's summary: {"summary", "version"}.
func (s *Server) apiReportUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.reportParam(c)
	if err != nil {
		return err
	}
	in := weekly.SummaryInput{Summary: r.Summary}
	if err := bindPatch(c, &in); err != nil {
		return err
	}
	if _, err := weekly.UpdateSummary(c.UserContext(), s.db, callerOf(c), p.ID, r.ID, in); err != nil {
		return err
	}
	if r, err = weekly.Get(c.UserContext(), s.db, p.ID, r.ID); err != nil {
		return err
	}
	return c.JSON(weekly.ViewOf(r))
}

// apiReportSend sends a draft: {"roles": ["steering", …]}.
func (s *Server) apiReportSend(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.reportParam(c)
	if err != nil {
		return err
	}
	var in weekly.SendInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if _, err := office.SendWeeklyReport(c.UserContext(), s.db, callerOf(c), p.ID, r.ID, in, s.now()); err != nil {
		return err
	}
	if r, err = weekly.Get(c.UserContext(), s.db, p.ID, r.ID); err != nil {
		return err
	}
	return c.JSON(weekly.ViewOf(r))
}
