package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/change"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/project"
	"rollout/internal/requirement"
)

// The demo's change requests: one in each state of the workflow, raised
// over the last three months, so the list, the monthly chart and the next
// gate's pack have something to show. They go through the change package's
// own functions, and the implemented ones are applied for real, so the
// backlog and the plan carry their trace (CRM-CR-n in the history).

// demoOp is one operation of a demo request; title names the requirement
// it touches (or the one it adds), milestone the milestone it shifts.
type demoOp struct {
	op        change.OpKind
	title     string
	story     string
	tier      requirement.Tier
	kind      requirement.Kind
	phase     int
	milestone string
	days      int
}

type demoVote struct {
	by      string
	approve bool
	comment string
}

type demoRequest struct {
	daysAgo                            int // when it was raised; each later step follows a day or two after
	by                                 string
	title, reason, description, effect string
	goals                              []int
	schedule                           int
	cost, effort                       float64
	roles                              []project.Role
	departments                        []project.Department
	note                               string
	ops                                []demoOp
	submit, withdraw, apply            bool
	votes                              []demoVote
}

const (
	byChair = "sponsor@demo.example"
	byCFO   = "cfo@demo.example"
)

// demoRequests are listed in the order they were raised. The committee
// needs two approvals; one rejection rejects.
var demoRequests = []demoRequest{
	{daysAgo: 88, by: byIT, title: "Add a data-quality dashboard for the data owners",
		reason:      "The first cleansing round showed that nobody sees the duplicates until a rep complains.",
		description: "A dashboard per region: duplicate candidates, records missing required fields, records not touched for a year.",
		effect:      "Duplicate customer records fall below 3 % and stay there.", goals: []int{gDuplicateRecords},
		effort: 4, cost: 0, roles: []project.Role{project.RoleMember}, departments: []project.Department{project.DeptIT, project.DeptSales},
		note: "The three regional data owners",
		ops: []demoOp{{op: change.OpAddRequirement, title: "Data-quality dashboard for the data owners",
			story: "As a data owner I want to see my region's duplicates and incomplete records each week, so that I can get them fixed before they spread.",
			tier:  requirement.Important, kind: requirement.Report, phase: pImplementation}},
		submit: true, votes: []demoVote{{byChair, true, "Cheap, and it keeps the cleansing going after go-live."}, {byCFO, true, ""}}, apply: true},
	{daysAgo: 70, by: bySales, title: "Bring the custom commission calculator into phase 1",
		reason:      "The reps ask every week when they will see their commission in the CRM.",
		description: "Rebuild every rule of the current commission plan in the CRM, so reps see their expected commission on each deal.",
		effect:      "Reps keep their opportunities up to date because the commission depends on it.", goals: []int{gAdoption},
		schedule: 25, cost: 60000, effort: 40, roles: []project.Role{project.RoleMember}, departments: []project.Department{project.DeptSales, project.DeptFinance},
		ops: []demoOp{{op: change.OpSetPhase, title: "Custom commission calculator", phase: pImplementation},
			{op: change.OpSetTier, title: "Custom commission calculator", tier: requirement.Must}},
		submit: true, votes: []demoVote{{byCFO, false, "Commission stays in the payroll system. Custom code for it now would put go-live at risk; tie the incentive to up-to-date opportunities instead."}}},
	{daysAgo: 63, by: byAnalyst, title: "Bring the campaign sync back into phase 1",
		reason:      "Marketing wants to see which campaigns bring leads from the first day.",
		description: "Move the sync with the e-mail marketing platform back to implementation.",
		effect:      "Campaign attribution on every new lead.", goals: []int{gLeads},
		schedule: 10, cost: 15000, effort: 12, departments: []project.Department{project.DeptMarketing},
		ops:    []demoOp{{op: change.OpSetPhase, title: "Campaign sync with the e-mail marketing platform", phase: pImplementation}},
		submit: true, withdraw: true},
	{daysAgo: 24, by: byIT, title: "Shift user acceptance by a week: the second mock migration is late",
		reason:      "The second mock migration runs two weeks late: the ERP extract of open orders had to be rebuilt.",
		description: "Key users should test on migrated data, not on samples, so acceptance starts a week later. Go-live keeps its date: the buffer before cut-over absorbs the week.",
		effect:      "Acceptance tests on a full, reconciled copy of the data.", goals: []int{gDuplicateRecords},
		schedule: 7, cost: 3000, effort: 5, roles: []project.Role{project.RoleBusinessOwner, project.RoleMember}, departments: []project.Department{project.DeptSales, project.DeptService, project.DeptIT},
		note:   "Key users of the pilot region",
		ops:    []demoOp{{op: change.OpShiftMilestone, milestone: "User acceptance", days: 7}},
		submit: true, votes: []demoVote{{byChair, true, "Better a week late than testing on samples."}, {byCFO, true, "Agreed, as long as go-live holds."}}, apply: true},
	{daysAgo: 16, by: bySales, title: "Discount limits on quotes become a must for go-live",
		reason:      "Two deals went out last month at 30 % off without anyone noticing.",
		description: "Finance will not sign off go-live without margin control on quotes: the discount limits per role move from important to must.",
		effect:      "No quote above a rep's limit leaves without a manager's approval.", goals: []int{gQuote},
		effort: 2, roles: []project.Role{project.RoleMember}, departments: []project.Department{project.DeptSales, project.DeptFinance},
		ops:    []demoOp{{op: change.OpSetTier, title: "Discount limits per role on quotes", tier: requirement.Must}},
		submit: true, votes: []demoVote{{byCFO, true, "Yes. This protects the margin from day one."}, {byChair, true, ""}}},
	{daysAgo: 5, by: bySales, title: "Capture leads from our WeChat official account in phase 1",
		reason:      "Half of last quarter's enquiries came through WeChat and are copied into spreadsheets by hand.",
		description: "Leads from the WeChat official account's enquiry form arrive in the CRM like web form leads, with the campaign that brought them.",
		effect:      "Lead conversion up two points within three months of go-live; no more re-typing of WeChat enquiries.", goals: []int{gLeads, gDuplicateEntry},
		schedule: 10, cost: 25000, effort: 15, roles: []project.Role{project.RoleMember}, departments: []project.Department{project.DeptSales, project.DeptMarketing},
		note: "Inside sales and the marketing team",
		ops: []demoOp{{op: change.OpAddRequirement, title: "WeChat official account leads arrive in the CRM",
			story: "As a sales rep I want enquiries from our WeChat official account to appear as leads, so that I answer them the same day.",
			tier:  requirement.Must, kind: requirement.Integration, phase: pImplementation}},
		submit: true, votes: []demoVote{{byChair, true, "This is where our leads are now."}}},
	{daysAgo: 1, by: byService, title: "Postpone the customer self-service mini-program to Operate & improve",
		reason:      "The service team needs its first months on the CRM before customers are let in.",
		description: "Plan the mini-program for after go-live, once ticket handling is stable.",
		ops:         []demoOp{{op: change.OpSetPhase, title: "Self-service mini-program for customers", phase: pOperate}}},
}

// addChanges raises the demo's change requests and takes each through its
// workflow, dating every step (and its audit entries) to when it happened.
func addChanges(ctx context.Context, tx bun.Tx, w *words, proj *project.Project, users map[string]*account.User, today date.Date) error {
	pm := users[People[0].Email]
	if err := change.SetProjectSettings(ctx, tx, pm.ID, proj.ID, change.Settings{ApprovalsNeeded: 2, RejectionRule: change.AnyRejects}); err != nil {
		return err
	}
	phases, err := project.Phases(ctx, tx, proj.ID)
	if err != nil {
		return err
	}
	var reqs []struct {
		Number int
		Title  string
	}
	if err := tx.NewSelect().Table("requirements").Column("number", "title").Where("project_id = ?", proj.ID).Scan(ctx, &reqs); err != nil {
		return database.MapError(err)
	}
	numbers := map[string]int{}
	for _, r := range reqs {
		numbers[r.Title] = r.Number
	}
	var ms []struct {
		ID   int64
		Name string
	}
	if err := tx.NewSelect().Table("milestones").Column("id", "name").Where("project_id = ?", proj.ID).Scan(ctx, &ms); err != nil {
		return database.MapError(err)
	}
	milestones := map[string]int64{}
	for _, m := range ms {
		milestones[m.Name] = m.ID
	}
	var goalIDs []int64
	if err := tx.NewSelect().Table("goals").Column("id").Where("project_id = ?", proj.ID).OrderExpr("id").Scan(ctx, &goalIDs); err != nil {
		return database.MapError(err)
	}

	for _, d := range demoRequests {
		in := change.Input{Title: w.t(d.title), Reason: w.t(d.reason), Description: w.t(d.description), ExpectedEffect: w.t(d.effect),
			Impact: change.Impact{ScheduleDays: d.schedule, Cost: d.cost, EffortDays: d.effort,
				Affected: change.Affected{Note: w.t(d.note)}}}
		for _, g := range d.goals {
			in.GoalIDs = append(in.GoalIDs, goalIDs[g])
		}
		for _, r := range d.roles {
			in.Impact.Affected.Roles = append(in.Impact.Affected.Roles, string(r))
		}
		for _, dep := range d.departments {
			in.Impact.Affected.Departments = append(in.Impact.Affected.Departments, string(dep))
		}
		for _, o := range d.ops {
			op := change.Operation{Op: o.op, Days: o.days, Tier: o.tier}
			switch o.op {
			case change.OpAddRequirement:
				op.Tier = ""
				op.Requirement = &requirement.Input{Title: w.t(o.title), UserStory: w.t(o.story), Tier: o.tier, Kind: o.kind,
					Approach: requirement.Configuration, PhaseID: &phases[o.phase].ID, OwnerID: &users[d.by].ID, Status: requirement.Approved}
			case change.OpShiftMilestone:
				id, ok := milestones[w.t(o.milestone)]
				if !ok {
					return fmt.Errorf("demo change request %q: no milestone %q", d.title, o.milestone)
				}
				op.MilestoneID = id
			default:
				n, ok := numbers[w.t(o.title)]
				if !ok {
					return fmt.Errorf("demo change request %q: no requirement %q", d.title, o.title)
				}
				op.Number = n
				if o.op == change.OpSetPhase {
					op.PhaseID = &phases[o.phase].ID
				}
			}
			in.Operations = append(in.Operations, op)
		}

		when := at(today.AddDays(-d.daysAgo)).Add(-time.Hour) // raised at 09:00
		var number int
		steps := []func(now time.Time) error{func(time.Time) error {
			r, err := change.Create(ctx, tx, users[d.by].ID, proj.ID, in)
			if err == nil {
				number = r.Number
			}
			return err
		}}
		if d.submit {
			steps = append(steps, func(now time.Time) error {
				_, err := change.Submit(ctx, tx, member(ctx, tx, proj.ID, users[d.by].ID), proj.ID, number, now)
				return err
			})
		}
		for _, v := range d.votes {
			steps = append(steps, func(now time.Time) error {
				approve := v.approve
				_, err := change.Cast(ctx, tx, users[v.by].ID, proj.ID, number, change.VoteInput{Approve: &approve, Comment: w.t(v.comment)}, now)
				return err
			})
		}
		if d.withdraw {
			steps = append(steps, func(now time.Time) error {
				_, err := change.Withdraw(ctx, tx, member(ctx, tx, proj.ID, users[d.by].ID), proj.ID, number)
				return err
			})
		}
		if d.apply {
			steps = append(steps, func(now time.Time) error {
				_, err := change.Apply(ctx, tx, pm.ID, proj.ID, proj.Key, number, now)
				return err
			})
		}
		for i, step := range steps {
			now := when.Add(time.Duration(i) * 26 * time.Hour) // a day and a bit after the previous step
			if now.After(at(today)) {
				now = at(today)
			}
			if err := dated(ctx, tx, proj.ID, now, func() error { return step(now) }); err != nil {
				return fmt.Errorf("demo change request %q: %w", d.title, err)
			}
			if i == 0 {
				if _, err := tx.NewRaw("UPDATE change_requests SET created_at = ? WHERE project_id = ? AND number = ?", now, proj.ID, number).Exec(ctx); err != nil {
					return database.MapError(err)
				}
			}
			if _, err := tx.NewRaw("UPDATE change_requests SET updated_at = ? WHERE project_id = ? AND number = ?", now, proj.ID, number).Exec(ctx); err != nil {
				return database.MapError(err)
			}
		}
	}
	return nil
}

// dated runs one step and dates the audit entries it wrote (and the
// requirements it created) to when it happened.
func dated(ctx context.Context, tx bun.Tx, projectID int64, now time.Time, step func() error) error {
	var last int64
	if err := tx.NewSelect().Table("audit_entries").ColumnExpr("coalesce(max(id), 0)").Scan(ctx, &last); err != nil {
		return database.MapError(err)
	}
	if err := step(); err != nil {
		return err
	}
	if _, err := tx.NewRaw(`UPDATE requirements SET created_at = ?, updated_at = ? WHERE project_id = ? AND id::text IN
		(SELECT entity_id FROM audit_entries WHERE id > ? AND entity = 'requirement' AND action = 'create')`, now, now, projectID, last).Exec(ctx); err != nil {
		return database.MapError(err)
	}
	if _, err := tx.NewRaw("UPDATE audit_entries SET at = ? WHERE id > ? AND project_id = ?", now, last, projectID).Exec(ctx); err != nil {
		return database.MapError(err)
	}
	return nil
}
