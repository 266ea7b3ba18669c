package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/milestone"
	"rollout/internal/office"
	"rollout/internal/project"
	"rollout/internal/risk"
)

// demoMilestone is a milestone of the demo plan; days count from today.
type demoMilestone struct {
	phase        int // index of the CRM template's phases
	name         string
	gate         bool
	typ          milestone.Type // what the milestone is: the health checks read it
	owner        string
	planned      int
	forecast     int  // 0: none
	actual       *int // nil: not reached yet
	deliverables []string
	ticked       int // how many deliverables are done
	decision     milestone.Decision
	conditions   []demoCondition
	review       int // for an open gate: a review scheduled this many days from today (0: none)
}

type demoCondition struct {
	text, owner string
	due         int // days after the decision
	done        bool
}

func day(n int) *int { return &n }

// plan is five months into the project: the first three gates passed (the
// solution design with conditions), one mock migration done, the second
// running late, acceptance under review soon, go-live and the value review ahead.
var plan = []demoMilestone{
	{phase: 0, name: "Goals signed off", gate: true, owner: "pm@demo.example", planned: -138, actual: day(-136),
		deliverables: []string{"Measurable goals with owners", "Scope boundary with ERP, finance and OA", "Business sponsor named"},
		ticked:       3, decision: milestone.Go},
	{phase: 1, name: "Vendor chosen", gate: true, owner: "pm@demo.example", planned: -95, actual: day(-88),
		deliverables: []string{"Demo scripts scored by the business", "Reference visits", "Contract signed"},
		ticked:       3, decision: milestone.Go},
	{phase: 2, name: "Solution design approved", gate: true, owner: "pm@demo.example", planned: -45, actual: day(-38),
		deliverables: []string{"Customer lifecycle process map", "Phase 1 backlog ranked", "Data owners and cleansing rules"},
		ticked:       3, decision: milestone.GoWithConditions,
		conditions: []demoCondition{
			{"Name a data owner for each sales region before the first mock migration", "it.lead@demo.example", 21, true},
			{"Keep phase one to two integrations: the ERP order feed and the web lead form", "pm@demo.example", 60, false},
		}},
	{phase: 2, name: "First mock migration", typ: milestone.Rehearsal, owner: "it.lead@demo.example", planned: -12, actual: day(-9),
		deliverables: []string{"Migration run on a copy", "Error report reviewed by data owners"}, ticked: 2},
	{phase: 2, name: "Second mock migration", typ: milestone.Rehearsal, owner: "it.lead@demo.example", planned: 20, forecast: 34,
		deliverables: []string{"Migration run on a copy", "Counts reconciled with the old systems"}},
	{phase: 2, name: "User acceptance", typ: milestone.UAT, gate: true, owner: "sales.owner@demo.example", planned: 60,
		deliverables: []string{"Acceptance tests by key users", "Open defects triaged"}, review: 58},
	{phase: 3, name: "Go-live readiness review", typ: milestone.ReadinessReview, owner: "pm@demo.example", planned: 88},
	{phase: 3, name: "Go-live", typ: milestone.GoLive, gate: true, owner: "pm@demo.example", planned: 120,
		deliverables: []string{"Role-based training done", "Cut-over rehearsed", "Support rota in place"}},
	{phase: 4, name: "90-day value review", typ: milestone.ValueReview, gate: true, owner: "pm@demo.example", planned: 215,
		deliverables: []string{"Goals re-measured against baselines", "Usage reviewed (lead entry, follow-ups, stage changes)", "Next iteration planned"}},
}

// at is a moment of a demo day (10:00 UTC).
func at(d date.Date) time.Time { return d.Time().Add(10 * time.Hour) }

// addPlan adds the milestones, ticks what is done, lets the steering committee
// decide the passed gates on real packs, and links risks to the milestones
// they threaten.
func addPlan(ctx context.Context, tx bun.Tx, proj *project.Project, users map[string]*account.User, today date.Date) error {
	phases, err := project.Phases(ctx, tx, proj.ID)
	if err != nil {
		return err
	}
	pm := users[People[0].Email]
	var committee []int64
	for _, p := range People {
		if p.Role == project.RoleSteering {
			committee = append(committee, users[p.Email].ID)
		}
	}
	chair := committee[0]
	// The project came with the template's milestones: the plan gives them
	// owners and dates, as a project manager would on the plan page.
	template, err := milestone.List(ctx, tx, proj.ID, today)
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	for _, v := range template {
		ids[v.Name] = v.ID
	}
	for _, d := range plan {
		in := milestone.Input{Name: d.name, PhaseID: &phases[d.phase].ID, OwnerID: &users[d.owner].ID, PlannedOn: today.AddDays(d.planned),
			IsGate: d.gate, Type: d.typ, Deliverables: d.deliverables}
		if d.forecast != 0 {
			in.ForecastOn = today.AddDays(d.forecast)
		}
		var m *milestone.Milestone
		if id, ok := ids[d.name]; ok {
			if m, err = milestone.Get(ctx, tx, proj.ID, id); err != nil {
				return err
			}
			in.Deliverables, in.Version = nil, m.Version // the template's checklist is the demo's
			m, err = milestone.Update(ctx, tx, pm.ID, proj.ID, id, in, today)
		} else {
			m, err = milestone.Create(ctx, tx, pm.ID, proj.ID, in, today)
		}
		if err != nil {
			return fmt.Errorf("demo milestone %q: %w", d.name, err)
		}
		ids[d.name] = m.ID
		ds, err := milestone.Deliverables(ctx, tx, m.ID)
		if err != nil {
			return err
		}
		reached := today
		if d.actual != nil {
			reached = today.AddDays(*d.actual)
		}
		for i := 0; i < d.ticked && i < len(ds); i++ {
			when := at(reached.AddDays(i - len(ds) - 2))
			if err := milestone.Tick(ctx, tx, member(ctx, tx, proj.ID, users[d.owner].ID), proj.ID, m.ID, ds[i].ID, true, when); err != nil {
				return err
			}
		}
	}
	// Then the gates are decided in order. Every date is set first, so the
	// baseline a decision takes holds the plan the demo tells.
	for _, d := range plan {
		m, err := milestone.Get(ctx, tx, proj.ID, ids[d.name])
		if err != nil {
			return err
		}
		reached := today
		if d.actual != nil {
			reached = today.AddDays(*d.actual)
		}
		if d.decision != "" {
			if err := decideGate(ctx, tx, proj.ID, m.ID, pm.ID, chair, committee, users, d, reached.AddDays(-1)); err != nil {
				return fmt.Errorf("demo decision on %q: %w", d.name, err)
			}
		}
		if d.review != 0 {
			if _, err := office.ScheduleReview(ctx, tx, pm.ID, proj.ID, m.ID, milestone.ScheduleInput{ScheduledOn: today.AddDays(d.review), Invited: committee}); err != nil {
				return err
			}
		}
		if d.actual != nil {
			m, err = milestone.Get(ctx, tx, proj.ID, m.ID)
			if err != nil {
				return err
			}
			in := milestone.InputOf(m)
			in.ActualOn = reached
			if _, err := milestone.Update(ctx, tx, pm.ID, proj.ID, m.ID, in, today); err != nil {
				return fmt.Errorf("demo milestone %q reached: %w", d.name, err)
			}
		}
	}
	return linkRisks(ctx, tx, proj.ID, pm.ID, today, []threat{
		{risk.DataMigration, ids["Second mock migration"]}, {risk.Integration, ids["Go-live"]}, {risk.Adoption, ids["90-day value review"]}})
}

// decideGate schedules a gate's review and records the committee's decision
// the day before the gate was reached, on the pack as the project stands.
func decideGate(ctx context.Context, tx bun.Tx, projectID, milestoneID, pmID, chair int64, committee []int64,
	users map[string]*account.User, d demoMilestone, on date.Date) error {
	r, err := office.ScheduleReview(ctx, tx, pmID, projectID, milestoneID, milestone.ScheduleInput{ScheduledOn: on, Invited: committee})
	if err != nil {
		return err
	}
	in := milestone.DecisionInput{Decision: d.decision, Attendees: committee,
		Notes: "Pack reviewed with the project manager; deliverables checked."}
	for _, c := range d.conditions {
		owner := users[c.owner].ID
		in.Conditions = append(in.Conditions, milestone.ActionInput{Text: c.text, OwnerID: &owner, DueOn: on.AddDays(c.due)})
	}
	if d.decision == milestone.GoWithConditions {
		in.Notes = "The design holds, but data ownership is not settled and the integration list keeps growing: go, on two conditions."
	}
	if _, err := office.DecideReview(ctx, tx, chair, projectID, r.ID, in, at(on)); err != nil {
		return err
	}
	actions, err := milestone.Actions(ctx, tx, r.ID)
	if err != nil {
		return err
	}
	for i, c := range d.conditions {
		if c.done && i < len(actions) {
			if err := milestone.SetActionStatus(ctx, tx, member(ctx, tx, projectID, users[c.owner].ID), projectID, r.ID, actions[i].ID, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// threat says which milestone the risks of a category threaten.
type threat struct {
	category    risk.Category
	milestoneID int64
}

// linkRisks points the highest-scored active risk of each category at the
// milestone it threatens.
func linkRisks(ctx context.Context, tx bun.Tx, projectID, actorID int64, today date.Date, threats []threat) error {
	for _, th := range threats {
		category, milestoneID := th.category, th.milestoneID
		var number int
		err := tx.NewSelect().Table("risks").Column("number").
			Where("project_id = ? AND category = ? AND status IN (?, ?)", projectID, category, risk.Open, risk.Mitigating).
			OrderExpr("probability * impact DESC, number").Limit(1).Scan(ctx, &number)
		if err != nil {
			if apperr.Is(database.MapError(err), apperr.KindNotFound) {
				continue
			}
			return database.MapError(err)
		}
		r, err := risk.Get(ctx, tx, projectID, number)
		if err != nil {
			return err
		}
		in := risk.InputOf(r)
		in.MilestoneID = &milestoneID
		if _, err := risk.Update(ctx, tx, member(ctx, tx, projectID, actorID), projectID, number, in, today); err != nil {
			return fmt.Errorf("demo risk %d: %w", number, err)
		}
	}
	return nil
}
