package web

import (
	"github.com/gofiber/fiber/v2"

	"rollout/internal/notify"
	"rollout/internal/office"
	"rollout/internal/pitfall"
	"rollout/internal/project"
	"rollout/internal/web/chart"
	"rollout/internal/weekly"
)

// The weekly report (周报) pages: the project's reports with the button that
// builds this week's, a report with its sections (each item linked), the
// summary form, the send form (roles, with a confirmation) and the A4
// print view. Building and sending are office's (office.BuildWeeklyReport,
// office.SendWeeklyReport); a report's content is frozen when built.

// reportsView is the list of a project's reports.
type reportsView struct {
	projectPage
	Reports   []weekly.Report
	ThisWeek  *weekly.Report // this week's report, if built
	WeekStart string
	CanManage bool
	Settings  *weekly.Settings
	Weekdays  []int
	Hours     []int
	Roles     []project.Role
}

func (s *Server) renderReports(c *fiber.Ctx, status int, settings *weekly.Settings, f form) error {
	p, _ := currentProject(c)
	ctx := c.UserContext()
	rs, err := weekly.List(ctx, s.db, p.ID)
	if err != nil {
		return err
	}
	week := weekly.WeekOf(s.today())
	v := reportsView{projectPage: newProjectPage(c, "reports"), Reports: rs, WeekStart: week.String(),
		CanManage: weekly.CanManage(callerOf(c)), Weekdays: []int{1, 2, 3, 4, 5, 6, 7}, Roles: project.Roles}
	v.Form = f
	for i := range rs {
		if rs[i].WeekStart == week {
			v.ThisWeek = &rs[i]
		}
	}
	for h := range 24 {
		v.Hours = append(v.Hours, h)
	}
	if v.CanManage {
		if settings == nil {
			if settings, err = weekly.SettingsOf(ctx, s.db, p.ID); err != nil {
				return err
			}
		}
		v.Settings = settings
	}
	return s.render(c, status, "weekly/list", s.translator(c).T("weekly.title"), v)
}

// handleReports lists the project's weekly reports.
func (s *Server) handleReports(c *fiber.Ctx) error {
	return s.renderReports(c, fiber.StatusOK, nil, form{})
}

// handleReportBuild builds this week's report now (or builds its draft
// again) and opens it.
func (s *Server) handleReportBuild(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := office.BuildWeeklyReport(c.UserContext(), s.db, callerOf(c), p.ID, s.now())
	if err != nil {
		return err
	}
	return s.redirectWith(c, projectPath(p, "/reports/"+itoa64(r.ID)), "success", "flash.weekly.built")
}

// handleReportSettings saves when the report goes out by itself.
func (s *Server) handleReportSettings(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var in weekly.SettingsInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	if _, err := weekly.SaveSettings(c.UserContext(), s.db, callerOf(c), p.ID, in); err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		typed := &weekly.Settings{ProjectID: p.ID, AutoSend: in.AutoSend, Weekday: in.Weekday, Hour: in.Hour, Roles: in.Roles, Version: in.Version}
		return s.renderReports(c, formStatus(err), typed, f)
	}
	return s.redirectWith(c, projectPath(p, "/reports"), "success", "flash.weekly.settings_saved")
}

// reportView is one report's page (and its print view).
type reportView struct {
	projectPage
	Report    *weekly.Report
	C         *weekly.Content
	Health    string // the health sentence
	Trend     any    // the sparkline of the week's scores
	CanManage bool
	Summary   weekly.SummaryInput
	SendRoles []string
	Roles     []project.Role
	SendForm  form
	SentTo    string // the roles it was sent to, in words
}

func (s *Server) reportParam(c *fiber.Ctx) (*weekly.Report, error) {
	p, _ := currentProject(c)
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	return weekly.Get(c.UserContext(), s.db, p.ID, id)
}

func (s *Server) renderReport(c *fiber.Ctx, status int, name string, r *weekly.Report, v reportView) error {
	p, _ := currentProject(c)
	tr := s.translator(c)
	form := v.Form
	v.projectPage = newProjectPage(c, "reports")
	v.Form = form
	v.Report, v.C, v.Roles = r, &r.Content, project.Roles
	v.CanManage = weekly.CanManage(callerOf(c))
	v.Health = notify.HealthText(tr, r.Content.Health)
	for i, role := range r.SentRoles {
		if i > 0 {
			v.SentTo += tr.T("weekly.comma")
		}
		v.SentTo += tr.T("enum.role." + role)
	}
	if len(r.Content.Health.Trend) > 1 {
		vals := make([]float64, len(r.Content.Health.Trend))
		for i, pt := range r.Content.Health.Trend {
			vals[i] = float64(pt.Score)
		}
		v.Trend = chart.Sparkline(vals, vals[0], float64(pitfall.HealthyFrom)) // the dotted line: healthy from here
	}
	if v.Form.Errors == nil && v.Summary.Version == 0 {
		v.Summary = weekly.SummaryInput{Summary: r.Summary, Version: r.Version}
	}
	if v.SendRoles == nil {
		settings, err := weekly.SettingsOf(c.UserContext(), s.db, p.ID)
		if err != nil {
			return err
		}
		v.SendRoles = settings.Roles
	}
	title := tr.T("weekly.report_title", "Start", r.WeekStart.String(), "End", r.WeekEnd().String())
	return s.render(c, status, name, title, v)
}

// handleReport shows one report.
func (s *Server) handleReport(c *fiber.Ctx) error {
	r, err := s.reportParam(c)
	if err != nil {
		return err
	}
	return s.renderReport(c, fiber.StatusOK, "weekly/show", r, reportView{})
}

// handleReportPrint is the report laid out for A4.
func (s *Server) handleReportPrint(c *fiber.Ctx) error {
	r, err := s.reportParam(c)
	if err != nil {
		return err
	}
	return s.renderReport(c, fiber.StatusOK, "weekly/print", r, reportView{})
}

// handleReportSummary saves the summary of a draft; bad input or a stale
// version shows the form again with what was typed.
func (s *Server) handleReportSummary(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.reportParam(c)
	if err != nil {
		return err
	}
	var in weekly.SummaryInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	if _, err := weekly.UpdateSummary(c.UserContext(), s.db, callerOf(c), p.ID, r.ID, in); err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		v := reportView{Summary: in}
		v.Form = f
		return s.renderReport(c, formStatus(err), "weekly/show", r, v)
	}
	return s.redirectWith(c, projectPath(p, "/reports/"+itoa64(r.ID)), "success", "flash.weekly.summary_saved")
}

// handleReportSend sends the draft to the chosen roles and the project's bots.
func (s *Server) handleReportSend(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.reportParam(c)
	if err != nil {
		return err
	}
	var in weekly.SendInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	if _, err := office.SendWeeklyReport(c.UserContext(), s.db, callerOf(c), p.ID, r.ID, in, s.now()); err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		roles := in.Roles
		if roles == nil {
			roles = []string{}
		}
		return s.renderReport(c, formStatus(err), "weekly/show", r, reportView{SendRoles: roles, SendForm: f})
	}
	return s.redirectWith(c, projectPath(p, "/reports/"+itoa64(r.ID)), "success", "flash.weekly.sent")
}
