package web

import (
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/budget"
	"rollout/internal/change"
	"rollout/internal/comment"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/project"
	"rollout/internal/requirement"
)

// A change request's own page: its impact, its operations (with what they did
// once applied), the votes, and the forms of the steps its reader may take.

// changeRequirementChoices is how many requirements the operation forms offer
// in a list; a bigger backlog is chosen by number.
const changeRequirementChoices = 1000

// changeOpLine is one operation as the request page describes it, with what it
// did once the request was applied.
type changeOpLine struct {
	Index     int // in the request's list; Pos = Index + 1 for people
	Pos       int
	Op        change.OpKind
	Key       string // the requirement's key (CRM-42), when it names one
	Number    int    // and its number
	Title     string // that requirement's title, or the new requirement's
	Gone      bool   // the requirement or milestone it names no longer exists
	Tier      requirement.Tier
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
	Op        change.OperationInput
	Conflicts []change.Conflict
}

type changeView struct {
	projectPage
	Currency    string // of the cost (budget.MainCurrency)
	Comments    *commentsView
	Request     *change.View
	Votes       []change.Vote
	Trail       []historyEntry
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
	Op           change.OperationInput
	OpKinds      []change.OpKind
	Requirements []requirement.View
	// ByNumber: the backlog is too big to list, requirements are typed by number.
	ByNumber   bool
	Phases     []project.Phase
	Milestones []milestone.View
	Tiers      []requirement.Tier
	Kinds      []requirement.Kind
	Approaches []requirement.Approach
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
	phases, err := project.Phases(ctx, s.db, p.ID)
	if err != nil {
		return err
	}
	targets := change.Targets(r.Operations)
	for _, cf := range x.Conflicts {
		targets = append(targets, cf.Item)
	}
	labels, err := change.Labels(ctx, s.db, p.ID, targets)
	if err != nil {
		return err
	}

	v := changeView{projectPage: pp, Request: r, Votes: votes, Settings: settings, Op: x.Op, OpKinds: change.OpKinds,
		Phases: phases, Tiers: requirement.Tiers, Kinds: requirement.Kinds, Approaches: requirement.Approaches}
	if v.Op.Op == "" {
		v.Op = change.OperationInput{Tier: string(requirement.Important), Kind: string(requirement.Feature),
			Approach: string(requirement.Configuration)}
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
	v.CanManage = writable && change.CanManage(callerOf(c), &r.Request)
	v.CanVote = writable && pp.Access.Can(project.VoteChange) && r.Status == change.Submitted
	v.CanApply = writable && pp.Access.Can(project.ApplyChange) && r.Status == change.Approved
	if r.AppliedBy != nil {
		v.AppliedBy = s.changePersonName(c, members, *r.AppliedBy)
	}
	if v.CanManage && r.Status == change.Draft {
		// Only the operation forms need the backlog and the milestones.
		reqs, more, err := requirement.List(ctx, s.db, p.ID, requirement.Filter{Limit: changeRequirementChoices})
		if err != nil {
			return err
		}
		if v.Milestones, err = milestone.List(ctx, s.db, p.ID, s.today()); err != nil {
			return err
		}
		v.Requirements, v.ByNumber = reqs, more != ""
	}

	phaseName := map[int64]string{}
	for _, ph := range phases {
		phaseName[ph.ID] = ph.Name
	}
	for i, op := range r.Operations {
		v.Ops = append(v.Ops, newChangeOpLine(p.Key, i, op, labels, phaseName, r.ApplyResult))
	}
	for _, cf := range x.Conflicts {
		line := changeConflictLine{Label: cf.Item.String(), Approved: cf.Approved, Now: cf.Now}
		label, ok := labels[cf.Item]
		switch cf.Item.Kind {
		case change.TargetRequirement:
			line.Label = p.Key + "-" + strconv.Itoa(cf.Item.Number)
			if ok {
				line.Label += " " + label.Title
			}
		case change.TargetMilestone:
			if ok {
				line.Label = label.Title
			}
		}
		v.Conflicts = append(v.Conflicts, line)
	}
	if v.Trail, err = s.itemHistory(c, p.ID, "change_request", itoa64(r.ID)); err != nil {
		return err
	}
	if v.Comments, err = s.loadComments(c, &comment.Target{Kind: comment.Change, ID: r.ID, Ref: int64(r.Number)}); err != nil {
		return err
	}
	if v.Currency, err = budget.MainCurrency(c.UserContext(), s.db, p.ID); err != nil {
		return err
	}
	return s.render(c, status, "changes/show", r.Key+" "+r.Title, v)
}

// newChangeOpLine describes the operation at index i, naming the item it
// changes by its label (none: the item no longer exists).
func newChangeOpLine(projectKey string, i int, op change.Operation, labels map[change.Target]change.Label,
	phaseName map[int64]string, results []change.Result) changeOpLine {
	line := changeOpLine{Index: i, Pos: i + 1, Op: op.Op, Tier: op.Tier, Days: op.Days, New: op.Requirement}
	target, changesItem := op.Target()
	label, exists := labels[target]
	switch {
	case op.Op == change.OpAddRequirement:
		if op.Requirement != nil {
			line.Title, line.Tier = op.Requirement.Title, op.Requirement.Tier
			if op.Requirement.PhaseID != nil {
				line.Phase = phaseName[*op.Requirement.PhaseID]
			}
		}
	case changesItem && target.Kind == change.TargetRequirement:
		line.Key, line.Number = projectKey+"-"+strconv.Itoa(target.Number), target.Number
		line.Title, line.Gone = label.Title, !exists
		if op.PhaseID != nil {
			line.Phase = phaseName[*op.PhaseID]
		}
	case changesItem && target.Kind == change.TargetMilestone:
		line.Milestone, line.PlannedOn, line.Gone = label.Title, label.PlannedOn, !exists
	}
	if i < len(results) {
		line.Result = &results[i]
	}
	return line
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
