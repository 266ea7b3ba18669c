package archive

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/adoption"
	"rollout/internal/apperr"
	"rollout/internal/budget"
	"rollout/internal/change"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/demo"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/office"
	"rollout/internal/pitfall"
	"rollout/internal/project"
	"rollout/internal/project/projecttest"
	"rollout/internal/requirement"
	"rollout/internal/risk"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// people of the rich project; "former" leaves the project but stays in its history.
var richPeople = []struct {
	email, name string
	role        project.Role
	dept        project.Department
}{
	{"pm@example.com", "Pat Manager", project.RoleProjectManager, project.DeptOperations},
	{"Owner@Example.com", "Olivia Owner", project.RoleBusinessOwner, project.DeptSales},
	{"sc1@example.com", "Sam Steering", project.RoleSteering, project.DeptSales},
	{"sc2@example.com", "Sue Steering", project.RoleSteering, project.DeptFinance},
	{"dev@example.com", "Dev Eloper", project.RoleMember, project.DeptIT},
	{"former@example.com", "Fred Former", project.RoleMember, project.DeptVendor},
}

// buildRich makes a project with something of everything, through the domain
// functions, including deleted items that only the trail remembers.
func buildRich(t *testing.T, db *bun.DB) (int64, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	today := date.New(2026, 6, 1)
	now := time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC)
	users := map[string]int64{}
	for _, p := range richPeople {
		u, err := account.Create(ctx, db, 0, account.NewUser{Email: p.email, Name: p.name, Password: "long enough password", Language: "zh-CN"})
		must(t, err)
		users[p.email] = u.ID
	}
	pm := users["pm@example.com"]
	owner, sc1, sc2, dev := users["Owner@Example.com"], users["sc1@example.com"], users["sc2@example.com"], users["dev@example.com"]
	p, err := project.Create(ctx, db, pm, project.Input{Key: "CRM", Name: "Customer 360", Sponsor: "VP Sales",
		SponsorDepartment: project.DeptSales, StartOn: date.New(2026, 1, 5), TargetOn: date.New(2026, 12, 20),
		ScopeIn: "Leads, accounts, service tickets", ScopeOut: "Orders stay in the ERP", Description: "Two phases.",
		Department: project.DeptOperations}, "en", milestone.TemplateMilestones(today))
	must(t, err)
	for _, x := range richPeople[1:] {
		_, err := project.AddMember(ctx, db, pm, p.ID, project.MemberInput{Email: x.email, Role: x.role, Department: x.dept})
		must(t, err)
	}
	phases, err := project.Phases(ctx, db, p.ID)
	must(t, err)
	in := project.InputOf(p)
	in.CurrentPhaseID = &phases[2].ID
	_, err = project.Update(ctx, db, pm, p.ID, in)
	must(t, err)
	must(t, change.SetProjectSettings(ctx, db, pm, p.ID, change.Settings{ApprovalsNeeded: 2, RejectionRule: change.MajorityRejects}))
	th := pitfall.DefaultThresholds()
	th.RiskScore = 12
	must(t, pitfall.SetThresholds(ctx, db, pm, p.ID, th))

	// Goals and measurements; the third goal is deleted later.
	var goals []int64
	for i, title := range []string{"Lead conversion +20 %", "Weekly active use 85 %", "Quote cycle −2 days"} {
		b, tg := 10.0+float64(i), 20.0+float64(i)
		g, err := goal.Create(ctx, db, pm, p.ID, goal.Input{Title: title, Metric: "m" + fmt.Sprint(i), Unit: "%",
			Baseline: &b, Target: &tg, Direction: goal.Increase, Category: goal.Business, StartOn: date.New(2026, 1, 5),
			DueOn: date.New(2026, 12, 1), OwnerID: owner, Notes: "note"})
		must(t, err)
		goals = append(goals, g.ID)
		for w := 1; w <= 4; w++ {
			v := b + float64(w)*0.7
			_, err := goal.AddMeasurement(ctx, db, projecttest.Caller(t, db, p.ID, dev), p.ID, g.ID, goal.MeasurementInput{Value: &v,
				MeasuredOn: date.New(2026, 2, 7*w), Note: "weekly"}, goal.Manual, today)
			must(t, err)
		}
	}

	// The backlog: goals, criteria, an edit, a move and a deletion.
	est := 3.5
	for i, title := range []string{"Lead capture form", "Quote approval", "Service queue", "Partner portal", "Data cleansing", "Sales training"} {
		_, err := requirement.Create(ctx, db, owner, p.ID, requirement.Input{Title: title, UserStory: "As a rep I want " + title,
			AcceptanceCriteria: []string{"works", "is fast"}, Tier: requirement.Tiers[i%3], PhaseID: &phases[2+i%2].ID,
			Kind: requirement.Kinds[i%len(requirement.Kinds)], Approach: requirement.Configuration, OwnerID: &owner,
			Status: requirement.Proposed, EstimateDays: &est, GoalIDs: goals[:1+i%3]})
		must(t, err)
	}
	r2, err := requirement.Get(ctx, db, p.ID, 2)
	must(t, err)
	rin := requirement.InputOf(r2)
	rin.Tier, rin.Status = requirement.Must, requirement.Approved
	_, err = requirement.Update(ctx, db, projecttest.Caller(t, db, p.ID, owner), p.ID, 2, rin)
	must(t, err)
	must(t, requirement.Move(ctx, db, projecttest.Caller(t, db, p.ID, owner), p.ID, 5, requirement.Target{Top: true}))
	must(t, requirement.Delete(ctx, db, owner, p.ID, 4))

	// The plan: a deliverable ticked, a gate decided with conditions.
	ms, err := milestone.List(ctx, db, p.ID, today)
	must(t, err)
	var gate, other milestone.View
	for _, m := range ms {
		if m.IsGate && gate.ID == 0 {
			gate = m
		} else if !m.IsGate && other.ID == 0 {
			other = m
		}
	}
	dl, err := milestone.AddDeliverable(ctx, db, pm, p.ID, other.ID, "Signed process map")
	must(t, err)
	must(t, milestone.Tick(ctx, db, projecttest.Caller(t, db, p.ID, pm), p.ID, other.ID, dl.ID, true, now))
	doomed, err := milestone.Create(ctx, db, pm, p.ID, milestone.Input{Name: "Dropped pilot", PlannedOn: date.New(2026, 7, 1),
		OwnerID: &dev, Deliverables: []string{"Pilot report"}}, today)
	must(t, err)

	// Risks with reviews, one threatening the gate.
	for i, title := range []string{"Mock migration fails", "ERP interface late", "Reps keep spreadsheets"} {
		_, err := risk.Create(ctx, db, pm, p.ID, risk.Input{Title: title, Category: risk.Categories[i], Probability: 3 + i%2,
			Impact: 4, OwnerID: []int64{pm, dev, owner}[i], Mitigation: "rehearse", MilestoneID: &gate.ID,
			IdentifiedOn: date.New(2026, 2, 1+i)}, today)
		must(t, err)
		_, err = risk.AddReview(ctx, db, projecttest.Caller(t, db, p.ID, sc1), p.ID, i+1, risk.ReviewInput{ReviewedOn: date.New(2026, 4, 1), Probability: 2,
			Impact: 4, NextReviewOn: date.New(2026, 7, 1), Note: "better"}, today)
		must(t, err)
	}

	// The gate's pack names its deliverables, one ticked, the goals (one
	// deleted below), the risks, and the delivery items of its health.
	checklist, err := milestone.AddDeliverable(ctx, db, pm, p.ID, gate.ID, "Go-live checklist signed")
	must(t, err)
	must(t, milestone.Tick(ctx, db, projecttest.Caller(t, db, p.ID, pm), p.ID, gate.ID, checklist.ID, true, now.Add(-time.Hour)))
	sched, err := milestone.Schedule(ctx, db, pm, p.ID, gate.ID, milestone.ScheduleInput{ScheduledOn: date.New(2026, 5, 20), Invited: []int64{sc1, sc2}})
	must(t, err)
	build := func(ctx context.Context, tx bun.Tx, r *milestone.Review) (*milestone.Pack, error) {
		return milestone.BuildPack(ctx, tx, r, now, office.PackSections()...)
	}
	decided, err := milestone.Decide(ctx, db, sc1, p.ID, sched.ID, milestone.DecisionInput{Decision: milestone.GoWithConditions,
		Attendees: []int64{sc1, sc2}, Notes: "Go, with two rehearsals first",
		Conditions: []milestone.ActionInput{{Text: "Second mock migration", OwnerID: &dev, DueOn: date.New(2026, 6, 15)}}}, now, build)
	must(t, err)
	// Baselines of the plan: the gate's, and a project manager's with a label.
	_, err = milestone.TakeGateBaseline(ctx, db, sc1, decided, now)
	must(t, err)
	_, err = milestone.TakeBaseline(ctx, db, projecttest.Caller(t, db, p.ID, pm), p.ID, milestone.BaselineInput{Label: "Signed plan"}, now.Add(time.Hour))
	must(t, err)
	acts, err := milestone.Actions(ctx, db, decided.ID)
	must(t, err)
	must(t, milestone.SetActionStatus(ctx, db, projecttest.Caller(t, db, p.ID, dev), p.ID, decided.ID, acts[0].ID, true))
	_, err = milestone.Schedule(ctx, db, pm, p.ID, gate.ID, milestone.ScheduleInput{ScheduledOn: date.New(2026, 8, 1), Invited: []int64{sc1}})
	must(t, err)

	// Change requests in every state; one names the goal deleted below, one the milestone deleted below.
	draft := func(title string, by int64, ops []change.Operation, goalIDs []int64) int {
		r, err := change.Create(ctx, db, by, p.ID, change.Input{Title: title, Reason: "because", Description: "what changes",
			GoalIDs: goalIDs, Impact: change.Impact{ScheduleDays: 5, Cost: 1200.5, EffortDays: 3,
				Affected: change.Affected{Roles: []string{"member"}, Departments: []string{"sales"}, Note: "reps"}},
			Operations: ops})
		must(t, err)
		return r.Number
	}
	yes, no := true, false
	draft("Still a draft", dev, nil, []int64{goals[2]})
	n := draft("Waiting for the committee", owner, []change.Operation{{Op: change.OpShiftMilestone, MilestoneID: doomed.ID, Days: 7}}, nil)
	_, err = change.Submit(ctx, db, projecttest.Caller(t, db, p.ID, pm), p.ID, n, now)
	must(t, err)
	n = draft("Rejected idea", owner, nil, goals[:1])
	_, err = change.Submit(ctx, db, projecttest.Caller(t, db, p.ID, pm), p.ID, n, now)
	must(t, err)
	for _, v := range []int64{sc1, sc2} {
		_, err = change.Cast(ctx, db, v, p.ID, n, change.VoteInput{Approve: &no, Comment: "not now"}, now)
		must(t, err)
	}
	n = draft("Withdrawn idea", owner, nil, nil)
	_, err = change.Withdraw(ctx, db, projecttest.Caller(t, db, p.ID, owner), p.ID, n)
	must(t, err)
	approvedOps := []change.Operation{
		{Op: change.OpSetTier, Number: 3, Tier: requirement.Optional},
		{Op: change.OpSetPhase, Number: 1, PhaseID: &phases[4].ID},
		{Op: change.OpShiftMilestone, MilestoneID: gate.ID, Days: 3},
	}
	n = draft("Approved, not applied", owner, approvedOps, goals[:2])
	_, err = change.Submit(ctx, db, projecttest.Caller(t, db, p.ID, pm), p.ID, n, now)
	must(t, err)
	for _, v := range []int64{sc1, sc2} {
		_, err = change.Cast(ctx, db, v, p.ID, n, change.VoteInput{Approve: &yes}, now)
		must(t, err)
	}
	n = draft("Implemented", owner, []change.Operation{
		{Op: change.OpAddRequirement, Requirement: &requirement.Input{Title: "WeChat leads", Tier: requirement.Must,
			Kind: requirement.Integration, Approach: requirement.Configuration, PhaseID: &phases[2].ID, OwnerID: &owner,
			Status: requirement.Approved, GoalIDs: goals[:1]}},
		{Op: change.OpSetTier, Number: 6, Tier: requirement.Important},
		{Op: change.OpShiftMilestone, MilestoneID: other.ID, Days: 10},
	}, nil)
	_, err = change.Submit(ctx, db, projecttest.Caller(t, db, p.ID, pm), p.ID, n, now)
	must(t, err)
	for _, v := range []int64{sc1, sc2} {
		_, err = change.Cast(ctx, db, v, p.ID, n, change.VoteInput{Approve: &yes, Comment: "fine"}, now)
		must(t, err)
	}
	_, err = change.Apply(ctx, db, pm, p.ID, "CRM", n, now)
	must(t, err)

	// Weekly reports: last week's sent, this week's a draft with a summary,
	// both naming the goal deleted below; and the schedule.
	buildWeekly(t, db, p.ID, projecttest.Caller(t, db, p.ID, pm), now)

	must(t, goal.Delete(ctx, db, pm, p.ID, goals[2]))
	must(t, milestone.Delete(ctx, db, pm, p.ID, doomed.ID))
	must(t, project.RemoveMember(ctx, db, pm, p.ID, users["former@example.com"]))

	// Pitfalls, health, budget.
	_, err = pitfall.Assess(ctx, db, sc1, p.ID, "P01", pitfall.Input{Status: pitfall.AtRisk, Answers: []string{"yes", "no"},
		Notes: "two goals lack owners", OwnerID: &owner, NextReviewOn: date.New(2026, 7, 1)})
	must(t, err)
	_, err = pitfall.Assess(ctx, db, pm, p.ID, pitfall.SymptomsCode, pitfall.Input{Status: pitfall.Clear})
	must(t, err)
	h, err := pitfall.Compute(ctx, db, p.ID, today)
	must(t, err)
	must(t, pitfall.Snapshot(ctx, db, p.ID, today, h))
	line, err := budget.AddLine(ctx, db, pm, p.ID, budget.LineInput{Category: "Licences", Planned: 120000, Currency: "CNY"})
	must(t, err)
	amounts := []float64{30000, 12500.25}
	_, err = budget.AddEntries(ctx, db, pm, p.ID, []budget.EntryInput{
		{LineID: line.ID, SpentOn: date.New(2026, 3, 1), Amount: &amounts[0], Note: "first year"},
		{LineID: line.ID, SpentOn: date.New(2026, 4, 1), Amount: &amounts[1]}}, "")
	must(t, err)
	// Adoption figures: one week sent twice (the second replaces it), one with no completeness.
	lic, act, act2, filled := int64(40), int64(28), int64(31), 86.5
	leads, opps, follow := int64(120), int64(14), int64(75)
	rows := []adoption.Input{{Week: "2026-W10", Department: "sales", Role: "rep", LicensedUsers: &lic, ActiveUsers: &act, RequiredFilled: &filled,
		LeadsCreated: &leads, OpportunitiesCreated: &opps, FollowUpsCreated: &follow},
		{Week: "2026-W10", Department: "service", LicensedUsers: &lic, ActiveUsers: &act}}
	_, err = adoption.Record(ctx, db, projecttest.Caller(t, db, p.ID, pm), p.ID, rows, adoption.API, today)
	must(t, err)
	rows[0].ActiveUsers = &act2
	_, err = adoption.Record(ctx, db, projecttest.Caller(t, db, p.ID, dev), p.ID, rows[:1], adoption.Import, today)
	must(t, err)
	return p.ID, users
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// normalised is an archive without what must differ between two copies of
// one project: the export time, the key, and the entry recording the import.
func normalised(t *testing.T, a *Archive) map[string]json.RawMessage {
	t.Helper()
	c := *a
	c.ExportedAt = time.Time{}
	key := c.Project.Key
	c.Project.Key = "KEY"
	c.Audit = nil
	for _, e := range a.Audit {
		if e.Entity == "project" && e.Action == "import" {
			continue
		}
		for _, s := range []*string{&e.EntityID, &e.Ref} {
			if *s == key || strings.HasPrefix(*s, key+"-") {
				*s = "KEY" + strings.TrimPrefix(*s, key)
			}
		}
		c.Audit = append(c.Audit, e)
	}
	raw, err := json.Marshal(c)
	must(t, err)
	var sections map[string]json.RawMessage
	must(t, json.Unmarshal(raw, &sections))
	return sections
}

// sameProject compares two archives section by section, and item by item
// inside a section, so a failure names what differs.
func sameProject(t *testing.T, label string, want, got *Archive) {
	t.Helper()
	w, g := normalised(t, want), normalised(t, got)
	for name, wraw := range w {
		if bytes.Equal(wraw, g[name]) {
			continue
		}
		var wl, gl []json.RawMessage
		if json.Unmarshal(wraw, &wl) == nil && json.Unmarshal(g[name], &gl) == nil {
			if len(wl) != len(gl) {
				t.Errorf("%s: %s has %d items, want %d", label, name, len(gl), len(wl))
				continue
			}
			for i := range wl {
				if !bytes.Equal(wl[i], gl[i]) {
					t.Errorf("%s: %s[%d] differs:\n got %s\nwant %s", label, name, i, gl[i], wl[i])
					break
				}
			}
			continue
		}
		t.Errorf("%s: %s differs:\n got %s\nwant %s", label, name, g[name], wraw)
	}
}

// personID finds a reference to a person by number instead of by email.
var personID = regexp.MustCompile(`"(owner_id|user_id|entered_by|reviewer_id|requested_by|decided_by|voter_id|applied_by|built_by|sent_by)":[0-9]`)

func TestRoundTripInSameAndEmptyDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	pid, users := buildRich(t, db)
	orig, err := Export(ctx, db, pid)
	must(t, err)

	// The archive is rich: every kind of item and history is there.
	c := orig.Count()
	if c.Goals != 2 || c.Measurements != 8 || c.Requirements != 6 || c.Risks != 3 || c.GateReviews != 2 ||
		c.ChangeRequests != 6 || c.BudgetLines != 1 || len(orig.PitfallAssessments) != 2 || len(orig.HealthSnapshots) != 1 ||
		len(orig.Members) != 5 || len(orig.People) != 6 || c.AuditEntries < 50 {
		t.Fatalf("archive counts %+v, %d assessments, %d snapshots, %d members, %d people",
			c, len(orig.PitfallAssessments), len(orig.HealthSnapshots), len(orig.Members), len(orig.People))
	}
	// No database id of this installation leaks: references are archive ids and emails.
	raw, err := json.Marshal(orig)
	must(t, err)
	if m := personID.Find(raw); m != nil {
		t.Errorf("a person is named by a database id: %s", m)
	}
	if !bytes.Contains(raw, []byte(`"owner":"Owner@Example.com"`)) {
		t.Error("owners are not named by email")
	}

	// The same project again in this database, under a new key.
	res, err := Import(ctx, db, orig, ImportOptions{Key: "COPY", ActorID: users["pm@example.com"]})
	must(t, err)
	if res.Key != "COPY" || len(res.CreatedUsers) != 0 || res.Counts.Requirements != 6 {
		t.Fatalf("result %+v", res)
	}
	copied, err := Export(ctx, db, res.ProjectID)
	must(t, err)
	if copied.Project.Key != "COPY" {
		t.Fatalf("key %s", copied.Project.Key)
	}
	// A copy does not send its weekly report by itself (checked below by
	// weeklyMoved); the rest of it is the original.
	if copied.WeeklySettings != nil {
		copied.WeeklySettings.AutoSend = orig.WeeklySettings.AutoSend
	}
	sameProject(t, "same database", orig, copied)
	// Here the restored items' ids differ from the original ones, so the
	// weekly reports' links are seen to move with them.
	weeklyMoved(t, db, pid, db, res.ProjectID, users["pm@example.com"], true)
	if !res.WeeklyPaused {
		t.Error("the copy's result does not say its weekly report no longer sends by itself")
	}
	packMoved(t, db, pid, db, res.ProjectID)

	// And in an empty installation, through the file format, keeping the key.
	var file bytes.Buffer
	must(t, json.NewEncoder(&file).Encode(orig))
	var read Archive
	must(t, json.NewDecoder(&file).Decode(&read))
	db2 := dbtest.New(t)
	res2, err := Import(ctx, db2, &read, ImportOptions{})
	must(t, err)
	if res2.Key != "CRM" || len(res2.CreatedUsers) != 6 {
		t.Fatalf("result %+v", res2)
	}
	moved, err := Export(ctx, db2, res2.ProjectID)
	must(t, err)
	sameProject(t, "empty database", orig, moved)
	if len(orig.WeeklyReports) != 2 || orig.WeeklySettings == nil || orig.WeeklyReports[0].SentBy != "pm@example.com" {
		t.Fatalf("weekly reports in the archive %+v, settings %+v", orig.WeeklyReports, orig.WeeklySettings)
	}

	// The baselines of the plan came along: the gate's names its review, and
	// slip is measured against the latest one in the restored project.
	if len(orig.Baselines) != 2 || orig.Baselines[0].Source != milestone.BaselineAtGate || orig.Baselines[0].ReviewID == nil ||
		orig.Baselines[1].Label != "Signed plan" || len(orig.Baselines[1].Dates) == 0 || orig.Baselines[1].TakenBy != "pm@example.com" {
		t.Fatalf("baselines in the archive %+v", orig.Baselines)
	}
	bs, err := milestone.Baselines(ctx, db2, res2.ProjectID)
	must(t, err)
	if len(bs) != 2 || bs[0].Label != "Signed plan" || bs[0].Milestones != len(orig.Baselines[1].Dates) || bs[1].ReviewID == nil {
		t.Fatalf("baselines after the move %+v", bs)
	}
	vs, err := milestone.List(ctx, db2, res2.ProjectID, date.New(2026, 6, 1))
	must(t, err)
	withDate := 0
	for _, v := range vs {
		if !v.BaselineOn.IsZero() {
			withDate++
		}
	}
	if withDate != bs[0].Milestones {
		t.Fatalf("%d milestones with a baseline date after the move, want %d", withDate, bs[0].Milestones)
	}

	// Nobody gains access: the accounts made for the history are disabled.
	for _, email := range res2.CreatedUsers {
		u, err := account.ByEmail(ctx, db2, email)
		must(t, err)
		if !u.Disabled || u.IsAdmin {
			t.Errorf("%s: disabled %v admin %v", email, u.Disabled, u.IsAdmin)
		}
		if _, _, err := account.SignIn(ctx, db2, email, "long enough password", "192.0.2.1", "", time.Now()); err == nil {
			t.Errorf("%s signs in with the old password", email)
		}
	}

	// The restored project works: counters go on, the approved request applies.
	p2, err := project.ByID(ctx, db2, res2.ProjectID)
	must(t, err)
	pm2, err := account.ByEmail(ctx, db2, "pm@example.com")
	must(t, err)
	_, err = account.SetDisabled(ctx, db2, 0, pm2.ID, false)
	must(t, err)
	r, err := requirement.Create(ctx, db2, pm2.ID, p2.ID, requirement.Input{Title: "Next", Tier: requirement.Must,
		Kind: requirement.Feature, Approach: requirement.Configuration, Status: requirement.Proposed})
	must(t, err)
	if r.Number != orig.Project.RequirementSeq+1 {
		t.Errorf("new requirement number %d, want %d", r.Number, orig.Project.RequirementSeq+1)
	}
	rk, err := risk.Create(ctx, db2, pm2.ID, p2.ID, risk.Input{Title: "New", Category: risk.Vendor, Probability: 1, Impact: 1,
		OwnerID: pm2.ID}, date.New(2026, 6, 1))
	must(t, err)
	if rk.Number != orig.Project.RiskSeq+1 {
		t.Errorf("new risk number %d", rk.Number)
	}
	applied, err := change.Apply(ctx, db2, pm2.ID, p2.ID, p2.Key, 5, time.Now())
	must(t, err)
	if applied.Status != change.Implemented {
		t.Errorf("status %s", applied.Status)
	}
	third, err := requirement.Get(ctx, db2, p2.ID, 3)
	must(t, err)
	if third.Tier != requirement.Optional {
		t.Errorf("the applied request did not reach requirement 3: %s", third.Tier)
	}
	// History reads back with its original authors and times.
	hist, err := requirement.Get(ctx, db2, p2.ID, 2)
	must(t, err)
	var entries []auditRow
	must(t, db2.NewSelect().Model(&entries).Where("project_id = ? AND entity = 'requirement' AND entity_id = ?", p2.ID,
		fmt.Sprint(hist.ID)).OrderExpr("id").Scan(ctx))
	if len(entries) != 2 || entries[1].Action != "update" || entries[1].ActorID == nil {
		t.Fatalf("history of requirement 2: %+v", entries)
	}
	owner2, _ := account.ByEmail(ctx, db2, "owner@example.com")
	if *entries[1].ActorID != owner2.ID || !entries[1].At.Equal(orig.Audit[indexOf(orig, "requirement", "update")].At) {
		t.Errorf("actor %d at %s", *entries[1].ActorID, entries[1].At)
	}

	// The weekly reports read the same, the sent one stays as it was sent.
	weeklyMoved(t, db, pid, db2, p2.ID, pm2.ID, false)
	packMoved(t, db, pid, db2, p2.ID)
}

func indexOf(a *Archive, entity, action string) int {
	for i, e := range a.Audit {
		if e.Entity == entity && e.Action == action {
			return i
		}
	}
	return -1
}

func TestImportRefusesTakenKeyAndWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	pid, _ := buildRich(t, db)
	a, err := Export(ctx, db, pid)
	must(t, err)
	count := func() (int, int) {
		p, err := db.NewSelect().Table("projects").Count(ctx)
		must(t, err)
		u, err := db.NewSelect().Table("users").Count(ctx)
		must(t, err)
		return int(p), int(u)
	}
	p0, u0 := count()
	a.People = append(a.People, Person{Email: "newcomer@example.com", Name: "New Comer"})
	_, err = Import(ctx, db, a, ImportOptions{})
	if !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("taken key: %v", err)
	}
	var ae *apperr.Error
	if !asApp(err, &ae) || ae.Fields["key"].ID != "archive.key_taken" {
		t.Fatalf("message %+v", err)
	}
	if p, u := count(); p != p0 || u != u0 {
		t.Fatalf("something was written: projects %d→%d, users %d→%d", p0, p, u0, u)
	}
	for _, bad := range []string{"x", "TOOLONGAKEYX", "A1"} {
		if _, err := Import(ctx, db, a, ImportOptions{Key: bad}); !apperr.Is(err, apperr.KindInvalid) {
			t.Errorf("key %q: %v", bad, err)
		}
	}
	// A damaged archive: a requirement names a phase the archive lacks.
	a.Requirements[0].PhaseID = new(int64)
	*a.Requirements[0].PhaseID = 99
	if _, err := Import(ctx, db, a, ImportOptions{Key: "OTHER"}); !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("damaged: %v", err)
	}
	if _, err := Import(ctx, db, &Archive{}, ImportOptions{Key: "OTHER"}); !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("empty: %v", err)
	}
	if p, u := count(); p != p0 || u != u0 {
		t.Fatalf("something was written: projects %d→%d, users %d→%d", p0, p, u0, u)
	}
}

func asApp(err error, target **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	if ok {
		*target = e
	}
	return ok
}

// Export reads each table once, whatever the size of the project.
func TestExportQueryCountIsFixed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	pid, users := buildRich(t, db)
	counter := dbtest.CountQueries(db)
	_, err := Export(ctx, db, pid)
	must(t, err)
	small := counter.Count()
	for i := 0; i < 20; i++ {
		_, err := requirement.Create(ctx, db, users["pm@example.com"], pid, requirement.Input{Title: fmt.Sprint("More ", i),
			Tier: requirement.Optional, Kind: requirement.Report, Approach: requirement.Configuration, Status: requirement.Proposed})
		must(t, err)
	}
	counter.Reset()
	_, err = Export(ctx, db, pid)
	must(t, err)
	if got := counter.Count(); got != small || got > 32 { // a query per table the archive carries (30)
		t.Fatalf("%d queries for a larger project, %d for the smaller one", got, small)
	}
}

// loadLarge fills db with the large demo project and returns its id.
func loadLarge(tb testing.TB, db *bun.DB) int64 {
	tb.Helper()
	ctx := context.Background()
	if _, err := demo.LoadLarge(ctx, db, date.Today()); err != nil {
		tb.Fatal(err)
	}
	var id int64
	if err := db.NewSelect().Table("projects").Column("id").Where("key = ?", demo.LargeKey).Scan(ctx, &id); err != nil {
		tb.Fatal(err)
	}
	return id
}

// The generated large project, with deleted requirements in its trail,
// survives the round trip too.
func TestLargeProjectRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 5,000 requirements")
	}
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	orig, err := Export(ctx, db, loadLarge(t, db))
	must(t, err)
	if c := orig.Count(); c.Requirements != demo.LargeRequirements || c.Measurements != demo.LargeGoals*demo.LargeMeasurementsPerGoal {
		t.Fatalf("counts %+v", c)
	}
	res, err := Import(ctx, db, orig, ImportOptions{Key: "BIG"})
	must(t, err)
	copied, err := Export(ctx, db, res.ProjectID)
	must(t, err)
	sameProject(t, "large", orig, copied)
}

// go test ./internal/archive -run '^$' -bench Large -benchtime 3x
func BenchmarkExportLarge(b *testing.B) {
	db := dbtest.New(b)
	id := loadLarge(b, db)
	for b.Loop() {
		if _, err := Export(context.Background(), db, id); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkImportLarge(b *testing.B) {
	db := dbtest.New(b)
	a, err := Export(context.Background(), db, loadLarge(b, db))
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		n++
		if _, err := Import(context.Background(), db, a, ImportOptions{Key: "COPY" + strings.Repeat("X", n%5) + string(rune('A'+n%26))}); err != nil {
			b.Fatal(err)
		}
	}
}
