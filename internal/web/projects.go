package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/office"
	"rollout/internal/project"
	"rollout/internal/risk"
)

// paramID reads a numeric path parameter; anything else is a 404.
func paramID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.NotFound()
	}
	return id, nil
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// projectPath is the address of a project page.
func projectPath(p *project.Project, rest string) string { return "/projects/" + p.Key + rest }

type projectsView struct {
	Projects  []project.Listed
	Archived  bool
	CanCreate bool
}

func (s *Server) canCreateProject(c *fiber.Ctx, u *account.User) (bool, error) {
	if u.IsAdmin {
		return true, nil
	}
	restricted, err := project.CreationRestricted(c.UserContext(), s.db)
	return !restricted, err
}

func (s *Server) handleProjects(c *fiber.Ctx) error {
	u := mustUser(c)
	archived := c.Query("archived") == "1"
	ps, err := project.ListFor(c.UserContext(), s.db, u.ID, u.IsAdmin, archived)
	if err != nil {
		return err
	}
	can, err := s.canCreateProject(c, u)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "projects/list", s.translator(c).T("projects.title"),
		projectsView{Projects: ps, Archived: archived, CanCreate: can})
}

type projectFormView struct {
	In          project.Input
	Form        form
	Project     *project.Project // nil when creating
	Phases      []project.Phase
	Roles       []project.Role
	Departments []project.Department
	// StarterRisks are the CRM template's starter risks, offered on creation.
	StarterRisks []starterOption
}

func (s *Server) handleProjectNew(c *fiber.Ctx) error {
	if ok, err := s.canCreateProject(c, mustUser(c)); err != nil || !ok {
		if err == nil {
			err = &apperr.Error{Kind: apperr.KindForbidden, Message: apperr.Msg("project.creation_admins_only")}
		}
		return err
	}
	return s.renderProjectForm(c, fiber.StatusOK, project.Input{Template: "crm", Department: project.DeptOther,
		StarterRisks: risk.StarterCodes()}, form{}, nil, nil)
}

func (s *Server) renderProjectForm(c *fiber.Ctx, status int, in project.Input, f form, p *project.Project, phases []project.Phase) error {
	tr := s.translator(c)
	title := tr.T("project.new")
	name := "projects/new"
	if p != nil {
		title, name = tr.T("project.edit"), "projects/edit"
	}
	return s.render(c, status, name, title, projectFormView{In: in, Form: f, Project: p, Phases: phases,
		Roles: project.Roles, Departments: project.Departments, StarterRisks: starterOptions(c, in.StarterRisks)})
}

func (s *Server) handleProjectCreate(c *fiber.Ctx) error {
	u := mustUser(c)
	if ok, err := s.canCreateProject(c, u); err != nil || !ok {
		if err == nil {
			err = &apperr.Error{Kind: apperr.KindForbidden, Message: apperr.Msg("project.creation_admins_only")}
		}
		return err
	}
	var in project.Input
	if err := bindForm(c, &in); err != nil {
		return err
	}
	p, err := office.CreateProject(c.UserContext(), s.db, u.ID, in, lang(c), s.today())
	if err != nil {
		f, err := s.formErrors(c, err)
		if err != nil {
			return err
		}
		return s.renderProjectForm(c, fiber.StatusUnprocessableEntity, in, f, nil, nil)
	}
	return s.redirectWith(c, projectPath(p, ""), "success", "flash.project_created")
}

// projectPage is what every page inside a project shows in its header.
type projectPage struct {
	Project *project.Project
	Access  project.Access
	Tab     string // the current tab
	Form    form   // errors of a form on the page, if any
	// Crumbs are the way back shown above the title of a page below a tab (an
	// item, its edit form, an import): Projects › KEY › the tab's section ›
	// Via. One pattern on every such page; nil on a tab's own page.
	Crumbs []crumb
}

// crumb is one step of a page's trail: a message ID or a text, and its link.
type crumb struct {
	LabelID, Label, Href string
}

// tabPaths are the tabs' own pages, below /projects/KEY.
var tabPaths = map[string]struct{ path, label string }{
	"dashboard": {"/dashboard", "project.tab.dashboard"}, "goals": {"/goals", "project.tab.goals"},
	"risks": {"/risks", "project.tab.risks"}, "backlog": {"/requirements", "project.tab.backlog"},
	"plan": {"/plan", "project.tab.plan"}, "changes": {"/changes", "project.tab.changes"},
	"budget": {"/budget", "project.tab.budget"}, "health": {"/health", "project.tab.health"},
	"phases": {"/phases", "project.tab.phases"}, "members": {"/members", "project.tab.members"},
	"activity": {"/activity", "project.tab.activity"}, "reports": {"/reports", "weekly.tab"},
}

func newProjectPage(c *fiber.Ctx, tab string) projectPage {
	p, acc := currentProject(c)
	pp := projectPage{Project: p, Access: acc, Tab: tab}
	if t, ok := tabPaths[tab]; ok && p != nil && c.Path() != projectPath(p, t.path) {
		pp.Crumbs = []crumb{{LabelID: t.label, Href: projectPath(p, t.path)}}
	}
	return pp
}

type projectView struct {
	projectPage
	Phases  []project.Phase
	Members []project.Member
	Health  *healthCard
}

func (s *Server) handleProject(c *fiber.Ctx) error {
	if kept, err := s.servedKept(c, "overview"); kept || err != nil {
		return err
	}
	p, acc := currentProject(c)
	lists, err := s.overviewLists(c)
	if err != nil {
		return err
	}
	health, err := s.healthCard(c, p, acc)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "projects/show", p.Name,
		projectView{projectPage: newProjectPage(c, "overview"), Phases: lists.phases, Members: lists.members, Health: health})
}

func (s *Server) handleProjectEdit(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	phases, err := project.Phases(c.UserContext(), s.db, p.ID)
	if err != nil {
		return err
	}
	return s.renderProjectForm(c, fiber.StatusOK, project.InputOf(p), form{}, p, phases)
}

func (s *Server) handleProjectUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var in project.Input
	if err := bindForm(c, &in); err != nil {
		return err
	}
	if _, err := project.Update(c.UserContext(), s.db, mustUser(c).ID, p.ID, in); err != nil {
		f, err2 := s.formErrors(c, err)
		if err2 != nil {
			return err2
		}
		phases, perr := project.Phases(c.UserContext(), s.db, p.ID)
		if perr != nil {
			return perr
		}
		return s.renderProjectForm(c, formStatus(err), in, f, p, phases)
	}
	return s.redirectWith(c, projectPath(p, ""), "success", "flash.saved")
}

func (s *Server) handleProjectArchive(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	if _, err := project.SetArchived(c.UserContext(), s.db, mustUser(c).ID, p.ID, true); err != nil {
		return err
	}
	return s.redirectWith(c, projectPath(p, ""), "success", "flash.project_archived")
}

func (s *Server) handleProjectRestore(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	if _, err := project.SetArchived(c.UserContext(), s.db, mustUser(c).ID, p.ID, false); err != nil {
		return err
	}
	return s.redirectWith(c, projectPath(p, ""), "success", "flash.project_restored")
}

type deleteView struct {
	Project *project.Project
	Form    form
}

func (s *Server) handleProjectDeletePage(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	return s.render(c, fiber.StatusOK, "projects/delete", s.translator(c).T("project.delete"), deleteView{Project: p})
}

func (s *Server) handleProjectDelete(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	if err := project.Delete(c.UserContext(), s.db, mustUser(c).ID, p.ID, c.FormValue("confirm_key")); err != nil {
		f, err := s.formErrors(c, err)
		if err != nil {
			return err
		}
		return s.render(c, fiber.StatusUnprocessableEntity, "projects/delete", s.translator(c).T("project.delete"), deleteView{Project: p, Form: f})
	}
	return s.redirectWith(c, "/projects", "success", "flash.project_deleted")
}

// Activity.

type projectActivityView struct {
	projectPage
	Entries  []historyEntry
	Members  []project.Member
	Entity   string
	ActorID  int64
	Entities []string
	Older    int64 // id for the "older entries" link, 0 when there are no more
}

// activityPage is how many entries one page of the trail shows.
const activityPage = 50

// projectEntities are the kinds of item the activity filter offers.
var projectEntities = []string{"project", "phase", "member", "goal", "measurement", "requirement", "risk", "risk_review",
	"milestone", "deliverable", "gate_review", "review_action", "change_request", "change_vote", "pitfall", "budget_line", "spend", "setting", "comment", "weekly_report"}

func (s *Server) handleActivity(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	ctx := c.UserContext()
	q := newQueryReader(c)
	f := audit.Filter{ProjectID: p.ID, Entity: q.text("entity"), Limit: activityPage + 1, ActorID: q.id("actor"), Before: q.id("before")}
	if err := q.err(); err != nil {
		return err
	}
	entries, err := audit.List(ctx, s.db, f)
	if err != nil {
		return err
	}
	var older int64
	if len(entries) > activityPage {
		entries = entries[:activityPage]
		older = entries[len(entries)-1].ID
	}
	ms, err := project.Members(ctx, s.db, p.ID)
	if err != nil {
		return err
	}
	history, err := renderHistory(ctx, s.db, s.translator(c), entries)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "projects/activity", s.translator(c).T("activity.title"), projectActivityView{
		projectPage: newProjectPage(c, "activity"), Entries: history, Members: ms, Entity: f.Entity, ActorID: f.ActorID,
		Entities: projectEntities, Older: older})
}
