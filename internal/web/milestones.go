package web

import (
	"context"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/change"
	"rollout/internal/date"
	"rollout/internal/milestone"
	"rollout/internal/pitfall"
	"rollout/internal/project"
	"rollout/internal/requirement"
)

// The plan: milestones by phase on a timeline and a board, the milestone
// page with its deliverables, threatening risks and gate reviews, and the
// review page with the committee's pack and decision.

type planView struct {
	projectPage
	Board      []milestone.PhaseBoard
	Milestones []milestone.View
	Chart      template.HTML
	Today      date.Date
	CanManage  bool
}

func (s *Server) handlePlan(c *fiber.Ctx) error {
	pp := newProjectPage(c, "plan")
	ctx, today := c.UserContext(), s.today()
	vs, err := milestone.List(ctx, s.db, pp.Project.ID, today)
	if err != nil {
		return err
	}
	phases, err := project.Phases(ctx, s.db, pp.Project.ID)
	if err != nil {
		return err
	}
	tr := s.translator(c)
	chart := planChart(vs, today, func(id int64) string { return projectPath(pp.Project, "/milestones/"+itoa64(id)) },
		planLabels{Title: tr.T("plan.chart_title"), Planned: tr.T("milestone.planned_on"), Forecast: tr.T("milestone.forecast_on"),
			Actual: tr.T("milestone.actual_on"), Gate: tr.T("milestone.gate"), Today: tr.T("plan.today"),
			NoPhase: tr.T("plan.no_phase"), Days: tr.T("plan.days")})
	return s.render(c, fiber.StatusOK, "milestones/plan", tr.T("plan.title"), planView{projectPage: pp,
		Board: milestone.Board(phases, vs), Milestones: vs, Chart: chart, Today: today,
		CanManage: pp.Access.Can(project.ManageMilestones) && !pp.Project.Archived})
}

// Creating and editing.

type milestoneFormView struct {
	projectPage
	In           milestone.Input
	Deliverables string // one title a line, on creation
	Milestone    *milestone.Milestone
	Phases       []project.Phase
	Members      []project.Member
}

func (s *Server) renderMilestoneForm(c *fiber.Ctx, status int, in milestone.Input, m *milestone.Milestone, f form) error {
	pp := newProjectPage(c, "plan")
	pp.Form = f
	ctx := c.UserContext()
	phases, err := project.Phases(ctx, s.db, pp.Project.ID)
	if err != nil {
		return err
	}
	ms, err := project.Members(ctx, s.db, pp.Project.ID)
	if err != nil {
		return err
	}
	title := s.translator(c).T("milestone.new")
	if m != nil {
		title = s.translator(c).T("milestone.edit")
	}
	return s.render(c, status, "milestones/form", title, milestoneFormView{projectPage: pp, In: in,
		Deliverables: strings.Join(in.Deliverables, "\n"), Milestone: m, Phases: phases, Members: ms})
}

func (s *Server) handleMilestoneNew(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	uid := mustUser(c).ID
	return s.renderMilestoneForm(c, fiber.StatusOK, milestone.Input{PhaseID: p.CurrentPhaseID, OwnerID: &uid}, nil, form{})
}

// milestoneForm reads the milestone form; deliverables come one per line.
func milestoneForm(c *fiber.Ctx) (milestone.Input, error) {
	var in milestone.Input
	if err := bindForm(c, &in); err != nil {
		return in, err
	}
	in.Deliverables = nil
	for _, line := range strings.Split(c.FormValue("deliverables"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			in.Deliverables = append(in.Deliverables, line)
		}
	}
	return in, nil
}

func (s *Server) handleMilestoneCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	in, err := milestoneForm(c)
	if err != nil {
		return err
	}
	m, err := milestone.Create(c.UserContext(), s.db, mustUser(c).ID, p.ID, in, s.today())
	if err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderMilestoneForm(c, formStatus(err), in, nil, f)
	}
	return s.redirectWith(c, projectPath(p, "/milestones/"+itoa64(m.ID)), "success", "flash.milestone_created")
}

// milestoneParam reads :id and loads the milestone of the current project.
func (s *Server) milestoneParam(c *fiber.Ctx) (*milestone.Milestone, error) {
	p, _ := currentProject(c)
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	return milestone.Get(c.UserContext(), s.db, p.ID, id)
}

func (s *Server) handleMilestoneEdit(c *fiber.Ctx) error {
	m, err := s.milestoneParam(c)
	if err != nil {
		return err
	}
	return s.renderMilestoneForm(c, fiber.StatusOK, milestone.InputOf(m), m, form{})
}

func (s *Server) handleMilestoneUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	m, err := s.milestoneParam(c)
	if err != nil {
		return err
	}
	in, err := milestoneForm(c)
	if err != nil {
		return err
	}
	in.Deliverables = nil // added one by one on the milestone page
	if _, err := milestone.Update(c.UserContext(), s.db, mustUser(c).ID, p.ID, m.ID, in, s.today()); err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderMilestoneForm(c, formStatus(err), in, m, f)
	}
	return s.redirectWith(c, projectPath(p, "/milestones/"+itoa64(m.ID)), "success", "flash.saved")
}

func (s *Server) handleMilestoneDelete(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	m, err := s.milestoneParam(c)
	if err != nil {
		return err
	}
	if err := milestone.Delete(c.UserContext(), s.db, mustUser(c).ID, p.ID, m.ID); err != nil {
		return err
	}
	return s.redirectWith(c, projectPath(p, "/plan"), "success", "flash.milestone_deleted")
}

// The milestone page.

type milestoneView struct {
	projectPage
	M              *milestone.View
	Deliverables   []milestone.Deliverable
	Threats        []milestone.Threat
	Reviews        []milestone.Review
	Members        []project.Member
	Schedule       milestone.ScheduleInput
	NewDeliverable string
	CanManage      bool
	CanTick        bool
}

// renderMilestone shows the milestone page; sched is the review form as
// submitted, nil for its defaults.
func (s *Server) renderMilestone(c *fiber.Ctx, status int, id int64, sched *milestone.ScheduleInput, newDeliverable string, f form) error {
	pp := newProjectPage(c, "plan")
	pp.Form = f
	ctx, today := c.UserContext(), s.today()
	v, err := milestone.GetView(ctx, s.db, pp.Project.ID, id, today)
	if err != nil {
		return err
	}
	ds, err := milestone.Deliverables(ctx, s.db, id)
	if err != nil {
		return err
	}
	threats, err := milestone.ThreateningRisks(ctx, s.db, pp.Project.ID, id)
	if err != nil {
		return err
	}
	rs, err := milestone.Reviews(ctx, s.db, pp.Project.ID, id)
	if err != nil {
		return err
	}
	ms, err := project.Members(ctx, s.db, pp.Project.ID)
	if err != nil {
		return err
	}
	if sched == nil {
		// By default the review falls on the gate's date and invites the committee.
		sched = &milestone.ScheduleInput{ScheduledOn: v.PlannedOn}
		if sched.ScheduledOn.Before(today) {
			sched.ScheduledOn = today
		}
		for _, m := range ms {
			if m.Role == project.RoleSteering {
				sched.Invited = append(sched.Invited, m.UserID)
			}
		}
	}
	writable := !pp.Project.Archived
	return s.render(c, status, "milestones/show", v.Name, milestoneView{projectPage: pp, M: v, Deliverables: ds,
		Threats: threats, Reviews: rs, Members: ms, Schedule: *sched, NewDeliverable: newDeliverable,
		CanManage: writable && pp.Access.Can(project.ManageMilestones),
		CanTick:   writable && milestone.CanTick(callerOf(c), &v.Milestone)})
}

func (s *Server) handleMilestone(c *fiber.Ctx) error {
	m, err := s.milestoneParam(c)
	if err != nil {
		return err
	}
	return s.renderMilestone(c, fiber.StatusOK, m.ID, nil, "", form{})
}

func (s *Server) handleDeliverableAdd(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	m, err := s.milestoneParam(c)
	if err != nil {
		return err
	}
	title := c.FormValue("title")
	if _, err := milestone.AddDeliverable(c.UserContext(), s.db, mustUser(c).ID, p.ID, m.ID, title); err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderMilestone(c, formStatus(err), m.ID, nil, title, f)
	}
	return s.redirectWith(c, projectPath(p, "/milestones/"+itoa64(m.ID)+"#deliverables"), "success", "flash.deliverable_added")
}

// handleDeliverableTick ticks or unticks a deliverable; milestone.Tick
// decides who may (milestone.CanTick).
func (s *Server) handleDeliverableTick(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	m, err := s.milestoneParam(c)
	if err != nil {
		return err
	}
	did, err := paramID(c, "did")
	if err != nil {
		return err
	}
	done := c.FormValue("done") == "true"
	if err := milestone.Tick(c.UserContext(), s.db, callerOf(c), p.ID, m.ID, did, done, s.now()); err != nil {
		return err
	}
	return s.redirectWith(c, projectPath(p, "/milestones/"+itoa64(m.ID)+"#deliverables"), "", "")
}

func (s *Server) handleReviewSchedule(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	m, err := s.milestoneParam(c)
	if err != nil {
		return err
	}
	var in milestone.ScheduleInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	r, err := milestone.Schedule(c.UserContext(), s.db, mustUser(c).ID, p.ID, m.ID, in)
	if err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderMilestone(c, formStatus(err), m.ID, &in, "", f)
	}
	return s.redirectWith(c, projectPath(p, "/reviews/"+itoa64(r.ID)), "success", "flash.review_scheduled")
}

// Gate reviews.

// conditionRows is how many condition rows the decision form offers; it
// works without JavaScript, and empty rows are ignored.
const conditionRows = 5

type conditionRow struct {
	Text    string
	OwnerID int64
	DueOn   date.Date
}

type decisionForm struct {
	Decision   milestone.Decision
	Attendees  []int64
	Notes      string
	Conditions []conditionRow
}

type reviewView struct {
	projectPage
	Review    *milestone.Review
	Milestone *milestone.Milestone
	Pack      *milestone.Pack
	Frozen    bool
	Actions   []milestone.Action
	Members   []project.Member
	Names     map[int64]string
	In        decisionForm
	Decisions []milestone.Decision
	Tiers     []requirement.Tier
	Statuses  []requirement.Status
	CanDecide bool
	CanManage bool
	Writable  bool
	UserID    int64
}

// reviewParam reads :id and loads the review of the current project.
func (s *Server) reviewParam(c *fiber.Ctx) (*milestone.Review, error) {
	p, _ := currentProject(c)
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	return milestone.GetReview(c.UserContext(), s.db, p.ID, id)
}

// packBuilders are the sections other features add to every pack (change
// requests, pitfall findings): the one place to plug them in.
func (s *Server) packBuilders() []milestone.SectionBuilder {
	return []milestone.SectionBuilder{change.PackSection, pitfall.PackSection}
}

// buildPack assembles a review's pack as of now, inside the decision's
// transaction.
func (s *Server) buildPack(now time.Time) func(ctx context.Context, tx bun.Tx, r *milestone.Review) (*milestone.Pack, error) {
	return func(ctx context.Context, tx bun.Tx, r *milestone.Review) (*milestone.Pack, error) {
		return milestone.BuildPack(ctx, tx, r, now, s.packBuilders()...)
	}
}

// reviewPack is the pack a review shows: the frozen one once decided, else
// built from the project as it stands.
func (s *Server) reviewPack(ctx context.Context, r *milestone.Review) (*milestone.Pack, bool, error) {
	if r.Decided() {
		p, err := r.FrozenPack()
		if err != nil || p != nil {
			return p, true, err
		}
	}
	p, err := milestone.BuildPack(ctx, s.db, r, s.now(), s.packBuilders()...)
	return p, false, err
}

// peopleNames maps user ids to names: members, and anyone named by the
// review who has left the project since.
func (s *Server) peopleNames(ctx context.Context, ms []project.Member, ids ...[]int64) (map[int64]string, error) {
	names := make(map[int64]string, len(ms))
	for _, m := range ms {
		names[m.UserID] = m.Name
	}
	for _, list := range ids {
		for _, id := range list {
			if _, ok := names[id]; ok {
				continue
			}
			u, err := account.ByID(ctx, s.db, id)
			if err != nil {
				if apperr.Is(err, apperr.KindNotFound) {
					names[id] = "#" + itoa64(id)
					continue
				}
				return nil, err
			}
			names[id] = u.Name
		}
	}
	return names, nil
}

func (s *Server) renderReview(c *fiber.Ctx, status int, r *milestone.Review, in decisionForm, f form) error {
	pp := newProjectPage(c, "plan")
	pp.Form = f
	ctx := c.UserContext()
	m, err := milestone.Get(ctx, s.db, pp.Project.ID, r.MilestoneID)
	if err != nil {
		return err
	}
	pack, frozen, err := s.reviewPack(ctx, r)
	if err != nil {
		return err
	}
	actions, err := milestone.Actions(ctx, s.db, r.ID)
	if err != nil {
		return err
	}
	ms, err := project.Members(ctx, s.db, pp.Project.ID)
	if err != nil {
		return err
	}
	names, err := s.peopleNames(ctx, ms, r.Invited, r.Attendees)
	if err != nil {
		return err
	}
	if in.Attendees == nil {
		in.Attendees = r.Invited
	}
	for len(in.Conditions) < conditionRows {
		in.Conditions = append(in.Conditions, conditionRow{})
	}
	writable := !pp.Project.Archived
	tr := s.translator(c)
	return s.render(c, status, "milestones/review", tr.T("review.title", "Name", r.MilestoneName), reviewView{
		projectPage: pp, Review: r, Milestone: m, Pack: pack, Frozen: frozen, Actions: actions, Members: ms, Names: names,
		In: in, Decisions: milestone.Decisions, Tiers: requirement.Tiers, Statuses: requirement.Statuses,
		CanDecide: writable && !r.Decided() && pp.Access.Can(project.RecordDecision),
		CanManage: writable && pp.Access.Can(project.ManageMilestones),
		Writable:  writable, UserID: mustUser(c).ID})
}

func (s *Server) handleReview(c *fiber.Ctx) error {
	r, err := s.reviewParam(c)
	if err != nil {
		return err
	}
	return s.renderReview(c, fiber.StatusOK, r, decisionForm{}, form{})
}

// decisionFromForm reads the decision form: the decision, attendees, notes and
// the condition rows (condition_text, condition_owner, condition_due in step).
func decisionFromForm(c *fiber.Ctx) (milestone.DecisionInput, decisionForm, error) {
	var in milestone.DecisionInput
	if err := bindForm(c, &in); err != nil {
		return in, decisionForm{}, err
	}
	back := decisionForm{Decision: in.Decision, Attendees: in.Attendees, Notes: in.Notes}
	if back.Attendees == nil {
		back.Attendees = []int64{}
	}
	args := c.Request().PostArgs()
	texts, owners, dues := args.PeekMulti("condition_text"), args.PeekMulti("condition_owner"), args.PeekMulti("condition_due")
	fields := map[string]apperr.Message{}
	for i, raw := range texts {
		row := conditionRow{Text: string(raw)}
		if i < len(owners) {
			row.OwnerID, _ = strconv.ParseInt(string(owners[i]), 10, 64)
		}
		if i < len(dues) && strings.TrimSpace(string(dues[i])) != "" {
			d, err := date.Parse(strings.TrimSpace(string(dues[i])))
			if err != nil {
				fields["conditions"] = apperr.Msg("validation.date")
			}
			row.DueOn = d
		}
		back.Conditions = append(back.Conditions, row)
		if strings.TrimSpace(row.Text) == "" {
			continue
		}
		ai := milestone.ActionInput{Text: row.Text, DueOn: row.DueOn}
		if row.OwnerID != 0 {
			owner := row.OwnerID
			ai.OwnerID = &owner
		}
		in.Conditions = append(in.Conditions, ai)
	}
	if len(fields) > 0 {
		return in, back, apperr.Invalid(fields)
	}
	return in, back, nil
}

func (s *Server) handleReviewDecide(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.reviewParam(c)
	if err != nil {
		return err
	}
	in, back, err := decisionFromForm(c)
	if err == nil {
		now := s.now()
		_, err = milestone.Decide(c.UserContext(), s.db, mustUser(c).ID, p.ID, r.ID, in, now, s.buildPack(now))
	}
	if err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		if apperr.Is(err, apperr.KindConflict) {
			// Decided meanwhile: show what was decided.
			if fresh, gerr := s.reviewParam(c); gerr == nil {
				r = fresh
			}
		}
		return s.renderReview(c, formStatus(err), r, back, f)
	}
	return s.redirectWith(c, projectPath(p, "/reviews/"+itoa64(r.ID)), "success", "flash.decision_recorded")
}

// handleActionStatus marks an action item done or open again: its owner may,
// and so may project managers.
func (s *Server) handleActionStatus(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	r, err := s.reviewParam(c)
	if err != nil {
		return err
	}
	aid, err := paramID(c, "aid")
	if err != nil {
		return err
	}
	actions, err := milestone.Actions(c.UserContext(), s.db, r.ID)
	if err != nil {
		return err
	}
	var action *milestone.Action
	for i := range actions {
		if actions[i].ID == aid {
			action = &actions[i]
		}
	}
	if action == nil {
		return apperr.NotFound()
	}
	// The rule lives in the domain; SetActionStatus (gate reviews) takes no
	// caller yet, so it is asked here.
	caller := callerOf(c)
	if !milestone.CanSetActionStatus(caller, action) {
		return apperr.Forbidden()
	}
	if err := milestone.SetActionStatus(c.UserContext(), s.db, caller.UserID, p.ID, r.ID, aid, c.FormValue("done") == "true"); err != nil {
		return err
	}
	return s.redirectWith(c, projectPath(p, "/reviews/"+itoa64(r.ID)+"#decision"), "success", "flash.saved")
}
