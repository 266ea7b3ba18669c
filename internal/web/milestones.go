package web

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/comment"
	"rollout/internal/milestone"
	"rollout/internal/project"
)

// Milestones: creating and editing them, the milestone page with its
// deliverables, threatening risks and gate reviews. The plan page and its
// baselines are in plan.go; the review page and the decision in reviews.go.

// Creating and editing.

type milestoneFormView struct {
	projectPage
	In           milestone.Input
	Deliverables string // one title a line, on creation
	Milestone    *milestone.Milestone
	Phases       []project.Phase
	Members      []project.Member
	Types        []milestone.Type
	Readiness    []readinessBox
}

// readinessBox is one item of the go-live readiness checklist on the form.
type readinessBox struct {
	Key     string
	Checked bool
}

func readinessBoxes(met []string) []readinessBox {
	out := make([]readinessBox, len(milestone.ReadinessItems))
	for i, it := range milestone.ReadinessItems {
		out[i] = readinessBox{Key: string(it), Checked: slices.Contains(met, string(it))}
	}
	return out
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
		Deliverables: strings.Join(in.Deliverables, "\n"), Milestone: m, Phases: phases, Members: ms,
		Types: milestone.Types, Readiness: readinessBoxes(in.Readiness)})
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
	Comments       *commentsView
	M              *milestone.View
	Deliverables   []milestone.Deliverable
	Trail          []historyEntry
	Threats        []milestone.Threat
	Reviews        []milestone.Review
	Members        []project.Member
	Schedule       milestone.ScheduleInput
	NewDeliverable string
	SlipText       string // "N days late against baseline …"
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
	baseline, err := s.latestBaselineName(c, pp.Project.ID)
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
	trail, err := s.itemHistory(c, pp.Project.ID, "milestone", itoa64(id))
	if err != nil {
		return err
	}
	comments, err := s.loadComments(c, &comment.Target{Kind: comment.Milestone, ID: v.ID, Ref: v.ID})
	if err != nil {
		return err
	}
	writable := !pp.Project.Archived
	return s.render(c, status, "milestones/show", v.Name, milestoneView{projectPage: pp, M: v, Deliverables: ds, Trail: trail, Comments: comments,
		Threats: threats, Reviews: rs, Members: ms, Schedule: *sched, NewDeliverable: newDeliverable,
		SlipText:  slipText(s.translator(c), v, baseline),
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
