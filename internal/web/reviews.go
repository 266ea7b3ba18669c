package web

import (
	"context"
	"html/template"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/comment"
	"rollout/internal/date"
	"rollout/internal/i18n"
	"rollout/internal/milestone"
	"rollout/internal/office"
	"rollout/internal/project"
	"rollout/internal/requirement"
	"rollout/internal/risk"
	"rollout/internal/web/chart"
)

// Gate reviews: scheduling one from the milestone page, the review page with
// the committee's pack (office.ReviewPack) and the decision form
// (office.DecideReview), and the action items a decision sets.

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
	r, err := office.ScheduleReview(c.UserContext(), s.db, mustUser(c).ID, p.ID, m.ID, in)
	if err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderMilestone(c, formStatus(err), m.ID, &in, "", f)
	}
	return s.redirectWith(c, projectPath(p, "/reviews/"+itoa64(r.ID)), "success", "flash.review_scheduled")
}

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
	Comments  *commentsView
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
	// The heat map of the pack's risks, as every heat map is drawn; empty
	// for a pack kept before packs held each risk's probability and impact.
	Heat   template.HTML
	Levels []risk.Severity
}

// packHeat draws the heat map of a pack's risks with the register's own
// heat map: a cell links to the register filtered to it (the active risks).
func packHeat(tr *i18n.Translator, p *project.Project, pack *milestone.Pack) template.HTML {
	var ratings [][2]int
	for _, s := range pack.Sections {
		for _, l := range s.Risks {
			if l.Probability == 0 || l.Impact == 0 {
				return ""
			}
			ratings = append(ratings, [2]int{l.Probability, l.Impact})
		}
	}
	return chart.RiskHeatMap(tr, chart.RiskGrid(ratings), risk.Inherent, projectPath(p, "/risks"),
		url.Values{"status": {risk.ActiveStatuses}}, chart.HeatCell{})
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
	pp.Crumbs = append(pp.Crumbs, crumb{Label: m.Name, Href: projectPath(pp.Project, "/milestones/"+itoa64(m.ID))})
	pack, frozen, err := office.ReviewPack(ctx, s.db, r, s.now())
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
	comments, err := s.loadComments(c, &comment.Target{Kind: comment.Review, ID: r.ID, Ref: r.ID})
	if err != nil {
		return err
	}
	writable := !pp.Project.Archived
	tr := s.translator(c)
	return s.render(c, status, "milestones/review", tr.T("review.title", "Name", r.MilestoneName), reviewView{
		projectPage: pp, Comments: comments, Review: r, Milestone: m, Pack: pack, Frozen: frozen, Actions: actions, Members: ms, Names: names,
		In: in, Decisions: milestone.Decisions, Tiers: requirement.Tiers, Statuses: requirement.Statuses,
		CanDecide: writable && !r.Decided() && pp.Access.Can(project.RecordDecision),
		CanManage: writable && pp.Access.Can(project.ManageMilestones),
		Writable:  writable, UserID: mustUser(c).ID,
		Heat: packHeat(tr, pp.Project, pack), Levels: risk.Levels})
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
		_, err = office.DecideReview(c.UserContext(), s.db, mustUser(c).ID, p.ID, r.ID, in, s.now())
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
	// The action item's owner may, whatever their role: the domain decides.
	if err := milestone.SetActionStatus(c.UserContext(), s.db, callerOf(c), p.ID, r.ID, aid, c.FormValue("done") == "true"); err != nil {
		return err
	}
	return s.redirectWith(c, projectPath(p, "/reviews/"+itoa64(r.ID)+"#decision"), "success", "flash.saved")
}
