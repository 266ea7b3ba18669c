package web

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/comment"
	"rollout/internal/goal"
	"rollout/internal/project"
	"rollout/internal/requirement"
)

// One requirement: its page with its history, and its form (new, edit,
// delete). The backlog of many is in requirements.go.

type goalOption struct {
	ID      int64
	Title   string
	Checked bool
}

type requirementFormView struct {
	projectPage
	In         requirement.Input
	Criteria   string // the acceptance criteria, one a line
	Estimate   string // as typed
	Req        *requirement.Requirement
	Key        string
	CanDelete  bool
	Phases     []project.Phase
	Members    []project.Member
	Goals      []goalOption
	Tiers      []requirement.Tier
	Kinds      []requirement.Kind
	Approaches []requirement.Approach
	Statuses   []requirement.Status
}

func (s *Server) renderRequirementForm(c *fiber.Ctx, status int, in requirement.Input, estimate string, r *requirement.Requirement, f form) error {
	ctx := c.UserContext()
	pp := newProjectPage(c, "backlog")
	pp.Form = f
	p := pp.Project
	v := requirementFormView{projectPage: pp, In: in, Criteria: strings.Join(in.AcceptanceCriteria, "\n"), Estimate: estimate, Req: r,
		Tiers: requirement.Tiers, Kinds: requirement.Kinds, Approaches: requirement.Approaches, Statuses: requirement.Statuses}
	var err error
	if v.Phases, err = project.Phases(ctx, s.db, p.ID); err != nil {
		return err
	}
	if v.Members, err = project.Members(ctx, s.db, p.ID); err != nil {
		return err
	}
	gs, err := goal.List(ctx, s.db, p.ID, s.today())
	if err != nil {
		return err
	}
	for _, g := range gs {
		v.Goals = append(v.Goals, goalOption{ID: g.ID, Title: g.Title, Checked: slices.Contains(in.GoalIDs, g.ID)})
	}
	tr := s.translator(c)
	title := tr.T("requirement.new")
	if r != nil {
		v.Key = p.Key + "-" + strconv.Itoa(r.Number)
		v.CanDelete = pp.Access.Can(project.ManageRequirements) && !p.Archived
		title = tr.T("requirement.edit_title", "Key", v.Key)
	}
	return s.render(c, status, "requirements/form", title, v)
}

// requirementInput reads the form. Acceptance criteria come one a line; the
// estimate and the references are parsed here so that a typo is reported on
// its field instead of failing the whole form.
func requirementInput(c *fiber.Ctx) (requirement.Input, string, map[string]apperr.Message) {
	bad := map[string]apperr.Message{}
	in := requirement.Input{
		Title:     c.FormValue("title"),
		UserStory: c.FormValue("user_story"),
		Tier:      requirement.Tier(c.FormValue("tier")),
		Kind:      requirement.Kind(c.FormValue("kind")),
		Approach:  requirement.Approach(c.FormValue("approach")),
		Status:    requirement.Status(c.FormValue("status")),
	}
	for _, line := range strings.Split(strings.ReplaceAll(c.FormValue("acceptance_criteria"), "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			in.AcceptanceCriteria = append(in.AcceptanceCriteria, line)
		}
	}
	id := func(field, msg string) *int64 {
		raw := strings.TrimSpace(c.FormValue(field))
		if raw == "" || raw == "0" {
			return nil
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n <= 0 {
			bad[field] = apperr.Msg(msg)
			return nil
		}
		return &n
	}
	in.PhaseID = id("phase_id", "requirement.no_such_phase")
	in.OwnerID = id("owner_id", "requirement.owner_not_member")
	estimate := strings.TrimSpace(c.FormValue("estimate_days"))
	if estimate != "" {
		if d, m := requirement.ParseEstimate(estimate); m != nil {
			bad["estimate_days"] = *m
		} else {
			in.EstimateDays = &d
		}
	}
	for _, raw := range c.Request().PostArgs().PeekMulti("goal_ids") {
		g, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			bad["goal_ids"] = apperr.Msg("requirement.no_such_goal")
			continue
		}
		in.GoalIDs = append(in.GoalIDs, g)
	}
	in.Version, _ = strconv.Atoi(c.FormValue("version"))
	return in, estimate, bad
}

func (s *Server) handleRequirementNew(c *fiber.Ctx) error {
	in := requirement.Input{Tier: requirement.Important, Kind: requirement.Feature, Approach: requirement.Configuration,
		Status: requirement.Proposed, OwnerID: &mustUser(c).ID}
	if t := requirement.Tier(c.Query("tier")); slices.Contains(requirement.Tiers, t) {
		in.Tier = t
	}
	return s.renderRequirementForm(c, fiber.StatusOK, in, "", nil, form{})
}

func (s *Server) handleRequirementCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	in, estimate, bad := requirementInput(c)
	var err error
	var r *requirement.Requirement
	if len(bad) > 0 {
		err = apperr.Invalid(bad)
	} else {
		r, err = requirement.Create(c.UserContext(), s.db, mustUser(c).ID, p.ID, in)
	}
	if err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderRequirementForm(c, formStatus(err), in, estimate, nil, f)
	}
	return s.redirectWith(c, projectPath(p, "/requirements/"+strconv.Itoa(r.Number)), "success", "flash.requirement_created")
}

// editableRequirement loads :number for the edit page and the API update
// (403 before 422), asking the domain's rule (requirement.CanEdit), which
// requirement.Update enforces itself.
func (s *Server) editableRequirement(c *fiber.Ctx) (*requirement.Requirement, error) {
	r, err := s.requirementParam(c)
	if err != nil {
		return nil, err
	}
	if !requirement.CanEdit(callerOf(c), r) {
		return nil, apperr.Forbidden()
	}
	return r, nil
}

func (s *Server) handleRequirementEdit(c *fiber.Ctx) error {
	r, err := s.editableRequirement(c)
	if err != nil {
		return err
	}
	estimate := ""
	if r.EstimateDays != nil {
		estimate = fmtNum(*r.EstimateDays)
	}
	return s.renderRequirementForm(c, fiber.StatusOK, requirement.InputOf(r), estimate, r, form{})
}

func (s *Server) handleRequirementUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.requirementParam(c)
	if err != nil {
		return err
	}
	in, estimate, bad := requirementInput(c)
	if len(bad) > 0 {
		err = apperr.Invalid(bad)
	} else {
		_, err = requirement.Update(c.UserContext(), s.db, callerOf(c), p.ID, r.Number, in)
	}
	if err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderRequirementForm(c, formStatus(err), in, estimate, r, f)
	}
	return s.redirectWith(c, projectPath(p, "/requirements/"+strconv.Itoa(r.Number)), "success", "flash.saved")
}

func (s *Server) handleRequirementDelete(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.requirementParam(c)
	if err != nil {
		return err
	}
	if err := requirement.Delete(c.UserContext(), s.db, mustUser(c).ID, p.ID, r.Number); err != nil {
		return err
	}
	return s.redirectWith(c, projectPath(p, "/requirements"), "success", "flash.requirement_deleted")
}

type requirementView struct {
	projectPage
	Req       requirement.View
	Goals     []goal.View
	History   []historyEntry
	CanEdit   bool
	CanManage bool
	Comments  *commentsView
}

func (s *Server) handleRequirement(c *fiber.Ctx) error {
	ctx := c.UserContext()
	pp := newProjectPage(c, "backlog")
	p := pp.Project
	r, err := s.requirementParam(c)
	if err != nil {
		return err
	}
	v, err := s.requirementJSON(c, r.Number)
	if err != nil {
		return err
	}
	gs, err := goal.List(ctx, s.db, p.ID, s.today())
	if err != nil {
		return err
	}
	entries, err := audit.List(ctx, s.db, audit.Filter{ProjectID: p.ID, Entity: "requirement", EntityID: itoa64(r.ID), Limit: 500})
	if err != nil {
		return err
	}
	history, err := renderHistory(ctx, s.db, s.translator(c), entries)
	if err != nil {
		return err
	}
	served := slices.DeleteFunc(slices.Clone(gs), func(g goal.View) bool { return !slices.Contains(r.GoalIDs, g.ID) })
	comments, err := s.loadComments(c, &comment.Target{Kind: comment.Requirement, ID: r.ID, Ref: int64(r.Number)})
	if err != nil {
		return err
	}
	writable := !p.Archived
	return s.render(c, fiber.StatusOK, "requirements/show", v.Key+" "+v.Title, requirementView{projectPage: pp, Req: v,
		Goals: served, History: history, Comments: comments, CanEdit: writable && requirement.CanEdit(callerOf(c), r),
		CanManage: writable && pp.Access.Can(project.ManageRequirements)})
}
