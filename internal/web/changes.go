package web

import (
	"errors"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/change"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/project"
	"rollout/internal/requirement"
	"rollout/internal/web/chart"
)

// The change request pages: the list (filters, the monthly chart by outcome,
// the approval settings), the form that drafts or edits a request, and the
// request's own page, where its operations are edited while it is a draft
// and where it is submitted, voted on, withdrawn and applied. Everything
// works without JavaScript. The API (api_changes.go) calls the same domain
// functions.

// changeMonths is how many months the monthly chart covers.
const changeMonths = 12

// changeStatusColours are the monthly chart's colours, in the order of change.Statuses.
var changeStatusColours = []string{"#94a3b8", "#d97706", "#2563eb", "#dc2626", "#64748b", "#16a34a"}

// changeParam loads the request named by :number in the current project.
func (s *Server) changeParam(c *fiber.Ctx) (*change.Request, error) {
	p, _ := currentProject(c)
	n, err := strconv.Atoi(c.Params("number"))
	if err != nil || n <= 0 {
		return nil, apperr.NotFound()
	}
	return change.Get(c.UserContext(), s.db, p.ID, n)
}

// canManageChange: project managers, or the member who requested it (a
// viewer never writes, even one who once drafted it).
func canManageChange(c *fiber.Ctx, r *change.Request) bool {
	_, acc := currentProject(c)
	if acc.Can(project.ManageChanges) {
		return true
	}
	return acc.Can(project.DraftChange) && r.RequestedBy != nil && *r.RequestedBy == mustUser(c).ID
}

// managedChange loads :number for a caller who submits, edits or withdraws it.
func (s *Server) managedChange(c *fiber.Ctx) (*change.Request, error) {
	r, err := s.changeParam(c)
	if err != nil {
		return nil, err
	}
	if !canManageChange(c, r) {
		return nil, apperr.Forbidden()
	}
	return r, nil
}

// changeFilter reads the list's filters; requesterParam is "requester" on
// the page and "requester_id" in the API.
func changeFilter(c *fiber.Ctx, requesterParam string) change.Filter {
	var f change.Filter
	if st := change.Status(c.Query("status")); slices.Contains(change.Statuses, st) {
		f.Status = change.Status(strings.Clone(string(st)))
	}
	f.RequesterID, _ = strconv.ParseInt(c.Query(requesterParam), 10, 64)
	if m := c.Query("month"); m != "" {
		if _, err := time.Parse("2006-01", m); err == nil {
			f.Month = strings.Clone(m)
		}
	}
	return f
}

// changeErr puts words into the codes a change request's error carries (a
// status, a field name), so its message reads naturally in either language.
func (s *Server) changeErr(c *fiber.Ctx, err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return err
	}
	tr := s.translator(c)
	word := func(m apperr.Message, key, prefix string) {
		if code, ok := m.Data[key].(string); ok {
			if w := tr.T(prefix + code); w != prefix+code {
				m.Data[key] = w
			}
		}
	}
	fix := func(m apperr.Message) {
		switch m.ID {
		case "change.wrong_state":
			word(m, "Status", "enum.change_status.")
		case "change.op_requirement_invalid":
			word(m, "Field", "requirement.field.")
		}
	}
	fix(ae.Message)
	for _, m := range ae.Fields {
		fix(m)
	}
	return err
}

// changeChoice is one checkbox of a set.
type changeChoice struct {
	Value   string
	Checked bool
}

func changeChoices[T ~string](all []T, checked []string) []changeChoice {
	out := make([]changeChoice, len(all))
	for i, v := range all {
		out[i] = changeChoice{Value: string(v), Checked: slices.Contains(checked, string(v))}
	}
	return out
}

type changeListView struct {
	projectPage
	Changes     []change.View
	Filter      change.Filter
	Filtered    bool
	Statuses    []change.Status
	Members     []project.Member
	Chart       template.HTML
	Months      []change.Month
	Settings    change.Settings
	Rules       []change.Rule
	CanDraft    bool
	CanSettings bool
}

func (s *Server) handleChanges(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	st, err := change.ProjectSettings(c.UserContext(), s.db, p.ID)
	if err != nil {
		return err
	}
	return s.renderChanges(c, fiber.StatusOK, st, form{})
}

func (s *Server) renderChanges(c *fiber.Ctx, status int, settings change.Settings, f form) error {
	ctx := c.UserContext()
	pp := newProjectPage(c, "changes")
	pp.Form = f
	p := pp.Project
	tr := s.translator(c)
	filter := changeFilter(c, "requester")
	vs, err := change.List(ctx, s.db, p.ID, filter)
	if err != nil {
		return err
	}
	members, err := project.Members(ctx, s.db, p.ID)
	if err != nil {
		return err
	}
	today := s.today()
	t := today.Time()
	months, err := change.Monthly(ctx, s.db, p.ID, date.New(t.Year(), t.Month()-(changeMonths-1), 1), today)
	if err != nil {
		return err
	}
	periods := make([]string, len(months))
	series := make([][]int, len(change.Statuses))
	names := make([]string, len(change.Statuses))
	for k, st := range change.Statuses {
		names[k] = tr.T("enum.change_status." + string(st))
		series[k] = make([]int, len(months))
		for i, m := range months {
			series[k][i] = m.ByStatus[st]
		}
	}
	for i, m := range months {
		periods[i] = m.Month
	}
	writable := !p.Archived
	return s.render(c, status, "changes/list", tr.T("changes.title"), changeListView{
		projectPage: pp, Changes: vs, Filter: filter,
		Filtered: filter.Status != "" || filter.RequesterID != 0 || filter.Month != "",
		Statuses: change.Statuses, Members: members,
		Chart:  chart.StackedBars(periods, series, names, changeStatusColours, tr.T("changes.chart_title", "Months", changeMonths)),
		Months: months, Settings: settings, Rules: []change.Rule{change.AnyRejects, change.MajorityRejects},
		CanDraft:    writable && pp.Access.Can(project.DraftChange),
		CanSettings: writable && pp.Access.Can(project.ManageChanges)})
}

func (s *Server) handleChangeSettings(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var st change.Settings
	if err := bindForm(c, &st); err != nil {
		return err
	}
	if err := change.SetProjectSettings(c.UserContext(), s.db, mustUser(c).ID, p.ID, st); err != nil {
		f, ferr := s.formErrors(c, s.changeErr(c, err))
		if ferr != nil {
			return ferr
		}
		return s.renderChanges(c, formStatus(err), st, f)
	}
	return s.redirectWith(c, projectPath(p, "/changes"), "success", "flash.change_settings_saved")
}

// changeFormInput is the request form: every field but the operations,
// which are edited on the request's page.
type changeFormInput struct {
	Title          string   `form:"title"`
	Reason         string   `form:"reason"`
	Description    string   `form:"description"`
	ExpectedEffect string   `form:"expected_effect"`
	GoalIDs        []int64  `form:"goal_ids"`
	ScheduleDays   int      `form:"schedule_days"`
	Cost           float64  `form:"cost"`
	EffortDays     float64  `form:"effort_days"`
	Roles          []string `form:"roles"`
	Departments    []string `form:"departments"`
	Note           string   `form:"note"`
	Version        int      `form:"version"`
}

func (f changeFormInput) input(ops []change.Operation) change.Input {
	return change.Input{Title: f.Title, Reason: f.Reason, Description: f.Description, ExpectedEffect: f.ExpectedEffect,
		GoalIDs: f.GoalIDs, Impact: change.Impact{ScheduleDays: f.ScheduleDays, Cost: f.Cost, EffortDays: f.EffortDays,
			Affected: change.Affected{Roles: f.Roles, Departments: f.Departments, Note: f.Note}},
		Operations: ops, Version: f.Version}
}

type changeFormView struct {
	projectPage
	In          change.Input
	Request     *change.Request // nil when drafting
	Key         string
	Goals       []goal.View
	Roles       []changeChoice
	Departments []changeChoice
}

func (s *Server) renderChangeForm(c *fiber.Ctx, status int, in change.Input, r *change.Request, f form) error {
	pp := newProjectPage(c, "changes")
	pp.Form = f
	goals, err := goal.List(c.UserContext(), s.db, pp.Project.ID, s.today())
	if err != nil {
		return err
	}
	tr := s.translator(c)
	title, key := tr.T("change.new"), ""
	if r != nil {
		key = change.KeyOf(pp.Project.Key, r.Number)
		title = tr.T("change.edit") + " " + key
	}
	return s.render(c, status, "changes/form", title, changeFormView{projectPage: pp, In: in, Request: r, Key: key, Goals: goals,
		Roles: changeChoices(project.Roles, in.Impact.Affected.Roles), Departments: changeChoices(project.Departments, in.Impact.Affected.Departments)})
}

func (s *Server) handleChangeNew(c *fiber.Ctx) error {
	return s.renderChangeForm(c, fiber.StatusOK, change.Input{}, nil, form{})
}

func (s *Server) handleChangeCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var fi changeFormInput
	if err := bindForm(c, &fi); err != nil {
		return err
	}
	in := fi.input(nil)
	r, err := change.Create(c.UserContext(), s.db, mustUser(c).ID, p.ID, in)
	if err != nil {
		f, ferr := s.formErrors(c, s.changeErr(c, err))
		if ferr != nil {
			return ferr
		}
		return s.renderChangeForm(c, formStatus(err), in, nil, f)
	}
	return s.redirectWith(c, projectPath(p, "/changes/"+strconv.Itoa(r.Number)), "success", "flash.change_created")
}

func (s *Server) handleChangeEdit(c *fiber.Ctx) error {
	r, err := s.managedChange(c)
	if err != nil {
		return err
	}
	if r.Status != change.Draft {
		return apperr.Conflict("change.not_draft")
	}
	return s.renderChangeForm(c, fiber.StatusOK, change.InputOf(r), r, form{})
}

func (s *Server) handleChangeUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.managedChange(c)
	if err != nil {
		return err
	}
	var fi changeFormInput
	if err := bindForm(c, &fi); err != nil {
		return err
	}
	in := fi.input(r.Operations)
	if _, err := change.Update(c.UserContext(), s.db, mustUser(c).ID, p.ID, r.Number, in); err != nil {
		f, ferr := s.formErrors(c, s.changeErr(c, err))
		if ferr != nil {
			return ferr
		}
		return s.renderChangeForm(c, formStatus(err), in, r, f)
	}
	return s.redirectWith(c, projectPath(p, "/changes/"+strconv.Itoa(r.Number)), "success", "flash.saved")
}

// changeOpForm is one "add operation" form of the request page; each kind of
// operation has its own small form, posting op with the fields it needs.
type changeOpForm struct {
	Op          string  `form:"op"`
	Number      int     `form:"number"`
	Tier        string  `form:"tier"`
	PhaseID     int64   `form:"phase_id"`
	MilestoneID int64   `form:"milestone_id"`
	Days        int     `form:"days"`
	Title       string  `form:"title"`
	UserStory   string  `form:"user_story"`
	Kind        string  `form:"kind"`
	Approach    string  `form:"approach"`
	Estimate    float64 `form:"estimate_days"`
	Version     int     `form:"version"`
}

// operation turns the form into the operation it describes.
func (f changeOpForm) operation() change.Operation {
	var phase *int64
	if f.PhaseID != 0 {
		id := f.PhaseID
		phase = &id
	}
	op := change.Operation{Op: f.Op}
	switch f.Op {
	case change.OpAddRequirement:
		in := &requirement.Input{Title: f.Title, UserStory: f.UserStory, Tier: requirement.Tier(f.Tier),
			Kind: requirement.Kind(f.Kind), Approach: requirement.Approach(f.Approach), PhaseID: phase,
			// The steering committee's approval is the requirement's approval.
			Status: requirement.Approved}
		if f.Estimate > 0 {
			e := f.Estimate
			in.EstimateDays = &e
		}
		op.Requirement = in
	case change.OpRemoveRequirement:
		op.Number = f.Number
	case change.OpSetTier:
		op.Number, op.Tier = f.Number, requirement.Tier(f.Tier)
	case change.OpSetPhase:
		op.Number, op.PhaseID = f.Number, phase
	case change.OpShiftMilestone:
		op.MilestoneID, op.Days = f.MilestoneID, f.Days
	}
	return op
}

func (s *Server) handleChangeOperationAdd(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.managedChange(c)
	if err != nil {
		return err
	}
	var of changeOpForm
	if err := bindForm(c, &of); err != nil {
		return err
	}
	in := change.InputOf(r)
	in.Operations = append(in.Operations, of.operation())
	in.Version = of.Version
	if _, err := change.Update(c.UserContext(), s.db, mustUser(c).ID, p.ID, r.Number, in); err != nil {
		f, ferr := s.formErrors(c, s.changeErr(c, err))
		if ferr != nil {
			return ferr
		}
		return s.renderChange(c, formStatus(err), r.Number, changeExtras{Form: f, Op: of})
	}
	return s.redirectWith(c, projectPath(p, "/changes/"+strconv.Itoa(r.Number)+"#operations"), "success", "flash.change_op_added")
}

func (s *Server) handleChangeOperationDelete(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.managedChange(c)
	if err != nil {
		return err
	}
	i, err := strconv.Atoi(c.Params("index"))
	if err != nil || i < 0 || i >= len(r.Operations) {
		return apperr.NotFound()
	}
	in := change.InputOf(r)
	in.Operations = slices.Delete(in.Operations, i, i+1)
	in.Version, _ = strconv.Atoi(c.FormValue("version"))
	if _, err := change.Update(c.UserContext(), s.db, mustUser(c).ID, p.ID, r.Number, in); err != nil {
		f, ferr := s.formErrors(c, s.changeErr(c, err))
		if ferr != nil {
			return ferr
		}
		return s.renderChange(c, formStatus(err), r.Number, changeExtras{Form: f})
	}
	return s.redirectWith(c, projectPath(p, "/changes/"+strconv.Itoa(r.Number)+"#operations"), "success", "flash.change_op_removed")
}

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
		_, err := change.Submit(c.UserContext(), s.db, mustUser(c).ID, p.ID, r.Number, s.now())
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
		_, err := change.Withdraw(c.UserContext(), s.db, mustUser(c).ID, p.ID, r.Number)
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

// changeOpLine is one operation as the request page describes it, with what it
// did once the request was applied.
type changeOpLine struct {
	Index     int // in the request's list; Pos = Index + 1 for people
	Pos       int
	Op        string
	Key       string // the requirement's key (CRM-42), when it names one
	Number    int    // and its number
	Created   int    // the number of the requirement it added, once applied
	Title     string // that requirement's title, or the new requirement's
	Gone      bool   // the requirement or milestone it names no longer exists
	Tier      string
	Phase     string // a phase's name; "" for none
	Milestone string
	PlannedOn date.Date
	Days      int
	New       *requirement.Input
	Result    *change.Result
}

// changeConflictLine is an item that moved on after the approval.
type changeConflictLine struct {
	Label    string
	Approved int
	Now      int
}

// changeExtras is what the request page shows after a refused action.
type changeExtras struct {
	Form      form
	Op        changeOpForm
	Conflicts []change.Conflict
}

type changeView struct {
	projectPage
	Request     *change.View
	Votes       []change.Vote
	Settings    change.Settings
	Committee   int
	Goals       []goal.View
	Ops         []changeOpLine
	Conflicts   []changeConflictLine
	AppliedBy   string
	IsRequester bool
	CanManage   bool // edit the draft, its operations; submit; withdraw
	CanVote     bool
	CanApply    bool
	MyVote      *change.Vote
	// The operation forms' choices and last input.
	Op           changeOpForm
	OpKinds      []string
	Requirements []requirement.View
	Phases       []project.Phase
	Milestones   []milestone.View
	Tiers        []requirement.Tier
	Kinds        []requirement.Kind
	Approaches   []requirement.Approach
}

func (s *Server) handleChange(c *fiber.Ctx) error {
	r, err := s.changeParam(c)
	if err != nil {
		return err
	}
	return s.renderChange(c, fiber.StatusOK, r.Number, changeExtras{})
}

// renderChange shows a request with everything about it.
func (s *Server) renderChange(c *fiber.Ctx, status, number int, x changeExtras) error {
	ctx := c.UserContext()
	pp := newProjectPage(c, "changes")
	pp.Form = x.Form
	p := pp.Project
	u := mustUser(c)
	vs, err := change.List(ctx, s.db, p.ID, change.Filter{Number: number})
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return apperr.NotFound()
	}
	r := &vs[0]
	votes, err := change.Votes(ctx, s.db, r.ID)
	if err != nil {
		return err
	}
	settings, err := change.ProjectSettings(ctx, s.db, p.ID)
	if err != nil {
		return err
	}
	members, err := project.Members(ctx, s.db, p.ID)
	if err != nil {
		return err
	}
	goals, err := goal.List(ctx, s.db, p.ID, s.today())
	if err != nil {
		return err
	}
	reqs, _, err := requirement.List(ctx, s.db, p.ID, requirement.Filter{Limit: 1000})
	if err != nil {
		return err
	}
	phases, err := project.Phases(ctx, s.db, p.ID)
	if err != nil {
		return err
	}
	milestones, err := milestone.List(ctx, s.db, p.ID, s.today())
	if err != nil {
		return err
	}

	v := changeView{projectPage: pp, Request: r, Votes: votes, Settings: settings, Op: x.Op, OpKinds: change.OpKinds,
		Requirements: reqs, Phases: phases, Milestones: milestones,
		Tiers: requirement.Tiers, Kinds: requirement.Kinds, Approaches: requirement.Approaches}
	if v.Op.Op == "" {
		v.Op = changeOpForm{Tier: string(requirement.Important), Kind: string(requirement.Feature), Approach: string(requirement.Configuration)}
	}
	for _, m := range members {
		if m.Role == project.RoleSteering {
			v.Committee++
		}
	}
	for _, g := range goals {
		if slices.Contains(r.GoalIDs, g.ID) {
			v.Goals = append(v.Goals, g)
		}
	}
	for i := range votes {
		if votes[i].VoterID == u.ID {
			v.MyVote = &votes[i]
		}
	}
	v.IsRequester = r.RequestedBy != nil && *r.RequestedBy == u.ID
	writable := !p.Archived
	v.CanManage = writable && canManageChange(c, &r.Request)
	v.CanVote = writable && pp.Access.Can(project.VoteChange) && r.Status == change.Submitted
	v.CanApply = writable && pp.Access.Can(project.ApplyChange) && r.Status == change.Approved
	if r.AppliedBy != nil {
		v.AppliedBy = s.changePersonName(c, members, *r.AppliedBy)
	}

	byNumber := map[int]requirement.View{}
	for _, q := range reqs {
		byNumber[q.Number] = q
	}
	phaseName := map[int64]string{}
	for _, ph := range phases {
		phaseName[ph.ID] = ph.Name
	}
	byMilestone := map[int64]milestone.View{}
	for _, m := range milestones {
		byMilestone[m.ID] = m
	}
	for i, op := range r.Operations {
		line := changeOpLine{Index: i, Pos: i + 1, Op: op.Op, Tier: string(op.Tier), Days: op.Days, New: op.Requirement}
		switch op.Op {
		case change.OpAddRequirement:
			if op.Requirement != nil {
				line.Title, line.Tier = op.Requirement.Title, string(op.Requirement.Tier)
				if op.Requirement.PhaseID != nil {
					line.Phase = phaseName[*op.Requirement.PhaseID]
				}
			}
		case change.OpRemoveRequirement, change.OpSetTier, change.OpSetPhase:
			line.Key, line.Number = p.Key+"-"+strconv.Itoa(op.Number), op.Number
			q, ok := byNumber[op.Number]
			line.Title, line.Gone = q.Title, !ok
			if op.PhaseID != nil {
				line.Phase = phaseName[*op.PhaseID]
			}
		case change.OpShiftMilestone:
			m, ok := byMilestone[op.MilestoneID]
			line.Milestone, line.PlannedOn, line.Gone = m.Name, m.PlannedOn, !ok
		}
		if i < len(r.ApplyResult) {
			line.Result = &r.ApplyResult[i]
			if op.Op == change.OpAddRequirement {
				line.Created, _ = strconv.Atoi(strings.TrimPrefix(line.Result.Subject, p.Key+"-"))
			}
		}
		v.Ops = append(v.Ops, line)
	}
	for _, cf := range x.Conflicts {
		line := changeConflictLine{Label: cf.Item, Approved: cf.Approved, Now: cf.Now}
		kind, id, _ := strings.Cut(cf.Item, ":")
		switch kind {
		case "requirement":
			n, _ := strconv.Atoi(id)
			line.Label = p.Key + "-" + id
			if q, ok := byNumber[n]; ok {
				line.Label += " " + q.Title
			}
		case "milestone":
			mid, _ := strconv.ParseInt(id, 10, 64)
			if m, ok := byMilestone[mid]; ok {
				line.Label = m.Name
			}
		}
		v.Conflicts = append(v.Conflicts, line)
	}
	return s.render(c, status, "changes/show", r.Key+" "+r.Title, v)
}

// changePersonName is a member's name, or the account's for someone who left the project.
func (s *Server) changePersonName(c *fiber.Ctx, members []project.Member, userID int64) string {
	for _, m := range members {
		if m.UserID == userID {
			return m.Name
		}
	}
	if a, err := account.ByID(c.UserContext(), s.db, userID); err == nil {
		return a.Name
	}
	return ""
}
