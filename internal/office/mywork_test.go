package office

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/change"
	"rollout/internal/comment"
	"rollout/internal/database"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/project"
	"rollout/internal/requirement"
	"rollout/internal/risk"
)

// workFixture is a project with one member of each role and a second
// steering member, and the day My work is asked for.
type workFixture struct {
	t                                             *testing.T
	db                                            database.IDB
	p                                             *project.Project
	pm, owner, sc1, sc2, member, viewer, outsider *account.User
	today                                         date.Date
	now                                           time.Time
}

func newWorkFixture(t *testing.T) *workFixture {
	t.Helper()
	ctx, db := context.Background(), dbtest.New(t)
	f := &workFixture{t: t, db: db, today: date.New(2026, 6, 10), now: time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC)}
	user := func(email, name string) *account.User {
		u, err := account.Create(ctx, db, 0, account.NewUser{Email: email, Name: name, Password: "a long password 1"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.pm, f.owner, f.sc1, f.sc2 = user("pm@x.cn", "Pat"), user("bo@x.cn", "Bo"), user("sc1@x.cn", "Sam"), user("sc2@x.cn", "Sue")
	f.member, f.viewer, f.outsider = user("mo@x.cn", "Mo"), user("vi@x.cn", "Vi"), user("out@x.cn", "Out")
	var err error
	f.p, err = project.Create(ctx, db, f.pm.ID, project.Input{Key: "CRM", Name: "CRM"}, "en")
	if err != nil {
		t.Fatal(err)
	}
	for u, role := range map[*account.User]project.Role{f.owner: project.RoleBusinessOwner, f.sc1: project.RoleSteering,
		f.sc2: project.RoleSteering, f.member: project.RoleMember, f.viewer: project.RoleViewer} {
		f.addMember(f.p.ID, u, role)
	}
	return f
}

func (f *workFixture) addMember(projectID int64, u *account.User, role project.Role) {
	f.t.Helper()
	if _, err := project.AddMember(context.Background(), f.db, 0, projectID, project.MemberInput{Email: u.Email, Role: role, Department: project.DeptSales}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *workFixture) caller(u *account.User) project.Caller {
	f.t.Helper()
	c, err := project.CallerFor(context.Background(), f.db, f.p.ID, u.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// work returns a user's items of one kind, as "title" strings.
func (f *workFixture) work(u *account.User, kind WorkKind) []string {
	f.t.Helper()
	items, err := MyWork(context.Background(), f.db, u.ID, f.today)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, w := range items {
		if w.Kind == kind {
			out = append(out, w.Title)
		}
	}
	return out
}

// expect checks who sees an item of a kind: exactly the users in who.
func (f *workFixture) expect(kind WorkKind, title string, who ...*account.User) {
	f.t.Helper()
	for _, u := range []*account.User{f.pm, f.owner, f.sc1, f.sc2, f.member, f.viewer, f.outsider} {
		sees := slices.Contains(f.work(u, kind), title)
		if want := slices.Contains(who, u); sees != want {
			f.t.Errorf("%s: %s sees %q: %v, want %v", kind, u.Name, title, sees, want)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestVotesAndApplyReachExactlyThoseWhoAct(t *testing.T) {
	t.Parallel()
	f := newWorkFixture(t)
	ctx := context.Background()
	_, err := requirement.Create(ctx, f.db, f.pm.ID, f.p.ID, requirement.Input{Title: "Lead capture", Tier: requirement.Must,
		Kind: requirement.Feature, Approach: requirement.Configuration})
	must(t, err)
	ops := []change.Operation{{Op: change.OpSetTier, Number: 1, Tier: requirement.Important}}
	// The business owner asks; a steering member asks too.
	_, err = change.Create(ctx, f.db, f.owner.ID, f.p.ID, change.Input{Title: "Owner's request", Reason: "r", Operations: ops})
	must(t, err)
	_, err = change.Submit(ctx, f.db, f.caller(f.owner), f.p.ID, 1, f.now)
	must(t, err)
	_, err = change.Create(ctx, f.db, f.sc2.ID, f.p.ID, change.Input{Title: "Steering's request", Reason: "r", Operations: ops})
	must(t, err)
	// A draft waits for nobody.
	_, err = change.Create(ctx, f.db, f.owner.ID, f.p.ID, change.Input{Title: "Draft", Reason: "r"})
	must(t, err)
	_, err = change.Submit(ctx, f.db, f.caller(f.sc2), f.p.ID, 2, f.now)
	must(t, err)

	f.expect(WorkVote, "Owner's request", f.sc1, f.sc2)
	f.expect(WorkVote, "Steering's request", f.sc1) // the requester never votes on their own
	f.expect(WorkVote, "Draft")
	items, err := MyWork(ctx, f.db, f.sc1.ID, f.today)
	must(t, err)
	if w := items[0]; w.Path() != "/projects/CRM/changes/1" || w.Label() != "CRM-CR-1" || w.Person != "Bo" || w.ProjectKey != "CRM" {
		t.Fatalf("vote item %+v", w)
	}

	// Sam votes: it leaves Sam's list; one approval approves it, so the
	// vote leaves Sue's too, and the project manager may now apply it.
	yes := true
	_, err = change.Cast(ctx, f.db, f.sc1.ID, f.p.ID, 1, change.VoteInput{Approve: &yes}, f.now)
	must(t, err)
	f.expect(WorkVote, "Owner's request")
	f.expect(WorkApply, "Owner's request", f.pm)
	_, err = change.Apply(ctx, f.db, f.pm.ID, f.p.ID, "CRM", 1, f.now)
	must(t, err)
	f.expect(WorkApply, "Owner's request")
}

func TestGateDecisionsAndConditions(t *testing.T) {
	t.Parallel()
	f := newWorkFixture(t)
	ctx := context.Background()
	gate, err := milestone.Create(ctx, f.db, f.pm.ID, f.p.ID, milestone.Input{Name: "Design approved", IsGate: true,
		PlannedOn: date.New(2026, 6, 20)}, f.today)
	must(t, err)
	r, err := ScheduleReview(ctx, f.db, f.pm.ID, f.p.ID, gate.ID, milestone.ScheduleInput{ScheduledOn: date.New(2026, 6, 20),
		Invited: []int64{f.sc1.ID, f.viewer.ID}})
	must(t, err)
	// Invited and on the committee: Sam; Sue is not invited; the viewer never decides.
	f.expect(WorkGateDecision, "Design approved", f.sc1)
	items, _ := MyWork(ctx, f.db, f.sc1.ID, f.today)
	if items[0].Path() != fmt.Sprintf("/projects/CRM/reviews/%d", r.ID) || items[0].DueOn.String() != "2026-06-20" {
		t.Fatalf("gate item %+v", items[0])
	}

	mo, vi := f.member.ID, f.viewer.ID
	_, err = DecideReview(ctx, f.db, f.sc1.ID, f.p.ID, r.ID, milestone.DecisionInput{Decision: milestone.GoWithConditions,
		Attendees: []int64{f.sc1.ID}, Conditions: []milestone.ActionInput{{Text: "Sign the data rules", OwnerID: &mo, DueOn: date.New(2026, 6, 1)},
			{Text: "Viewer's condition", OwnerID: &vi}}}, f.now)
	must(t, err)
	f.expect(WorkGateDecision, "Design approved")
	f.expect(WorkCondition, "Sign the data rules", f.member)
	f.expect(WorkCondition, "Viewer's condition") // a viewer never sees actions
	items, _ = MyWork(ctx, f.db, f.member.ID, f.today)
	if !items[0].Overdue || items[0].Detail != "Design approved" {
		t.Fatalf("condition item %+v", items[0])
	}
	actions, err := milestone.Actions(ctx, f.db, r.ID)
	must(t, err)
	must(t, milestone.SetActionStatus(ctx, f.db, f.caller(f.member), f.p.ID, r.ID, actions[0].ID, true))
	f.expect(WorkCondition, "Sign the data rules")
}

func TestRiskReviewsMeasurementsAndRequirements(t *testing.T) {
	t.Parallel()
	f := newWorkFixture(t)
	ctx := context.Background()
	mo := f.member.ID
	for _, x := range []struct {
		title string
		next  date.Date
	}{{"Overdue risk", date.New(2026, 6, 1)}, {"Due this week", date.New(2026, 6, 15)}, {"Later", date.New(2026, 7, 30)}} {
		_, err := risk.Create(ctx, f.db, f.pm.ID, f.p.ID, risk.Input{Title: x.title, Category: risk.DataMigration, Probability: 3,
			Impact: 4, OwnerID: mo, NextReviewOn: x.next}, date.New(2026, 5, 1))
		must(t, err)
	}
	f.expect(WorkRiskReview, "Overdue risk", f.member)
	f.expect(WorkRiskReview, "Due this week", f.member)
	f.expect(WorkRiskReview, "Later")
	// Reviewed, with the next review in a month: it leaves.
	r, err := risk.Get(ctx, f.db, f.p.ID, 1)
	must(t, err)
	_, err = risk.AddReview(ctx, f.db, f.caller(f.member), f.p.ID, r.Number, risk.ReviewInput{ReviewedOn: f.today, Probability: 2,
		Impact: 4, NextReviewOn: date.New(2026, 7, 10)}, f.today)
	must(t, err)
	if got := f.work(f.member, WorkRiskReview); slices.Contains(got, r.Title) || len(got) != 1 {
		t.Fatalf("after the review: %v", got)
	}
	// An owner who became a viewer sees no action.
	_, err = project.UpdateMember(ctx, f.db, f.pm.ID, f.p.ID, mo, project.MemberInput{Role: project.RoleViewer, Department: project.DeptSales, Version: 1})
	must(t, err)
	if got := f.work(f.member, WorkRiskReview); len(got) != 0 {
		t.Fatalf("a viewer sees %v", got)
	}

	// Goals: weekly, last measured ten days ago → due; quarterly, measured a
	// month ago → not yet; monthly with no measurement since its start in April → due.
	base, target := 10.0, 20.0
	newGoal := func(title string, cadence goal.Cadence) *goal.Goal {
		g, err := goal.Create(ctx, f.db, f.pm.ID, f.p.ID, goal.Input{Title: title, Metric: "m", Baseline: &base, Target: &target,
			Direction: goal.Increase, Category: goal.Business, StartOn: date.New(2026, 4, 1), DueOn: date.New(2026, 12, 31),
			OwnerID: f.owner.ID, Cadence: cadence})
		must(t, err)
		return g
	}
	measure := func(g *goal.Goal, on date.Date) {
		v := 12.0
		_, err := goal.AddMeasurement(ctx, f.db, f.caller(f.owner), f.p.ID, g.ID, goal.MeasurementInput{Value: &v, MeasuredOn: on}, goal.Manual, f.today)
		must(t, err)
	}
	weekly, quarterly, monthly := newGoal("Weekly", goal.Weekly), newGoal("Quarterly", goal.Quarterly), newGoal("Monthly", "")
	measure(weekly, date.New(2026, 5, 31))
	measure(quarterly, date.New(2026, 5, 10))
	if monthly.Cadence != goal.Monthly {
		t.Fatalf("default cadence %q", monthly.Cadence)
	}
	f.expect(WorkMeasurement, "Weekly", f.owner)
	f.expect(WorkMeasurement, "Quarterly")
	f.expect(WorkMeasurement, "Monthly", f.owner)
	measure(weekly, f.today)
	f.expect(WorkMeasurement, "Weekly")

	// Requirements: a proposed one waits for its owner's acceptance.
	bo := f.owner.ID
	_, err = requirement.Create(ctx, f.db, f.pm.ID, f.p.ID, requirement.Input{Title: "Lead scoring", Tier: requirement.Must,
		Kind: requirement.Feature, Approach: requirement.Configuration, OwnerID: &bo, Status: requirement.Proposed})
	must(t, err)
	f.expect(WorkRequirement, "Lead scoring", f.owner)
	q, err := requirement.Get(ctx, f.db, f.p.ID, 1)
	must(t, err)
	in := requirement.InputOf(q)
	in.Status = requirement.Approved
	_, err = requirement.Update(ctx, f.db, f.caller(f.owner), f.p.ID, 1, in)
	must(t, err)
	f.expect(WorkRequirement, "Lead scoring")
}

func TestMentionsAndMarkingDone(t *testing.T) {
	t.Parallel()
	f := newWorkFixture(t)
	ctx := context.Background()
	_, err := risk.Create(ctx, f.db, f.pm.ID, f.p.ID, risk.Input{Title: "Vendor slips", Category: risk.Vendor, Probability: 3,
		Impact: 4, OwnerID: f.member.ID, NextReviewOn: date.New(2026, 6, 1)}, date.New(2026, 5, 1))
	must(t, err)
	target, err := comment.FindTarget(ctx, f.db, f.p.ID, "CRM", comment.Risk, 1)
	must(t, err)
	c, err := comment.Create(ctx, f.db, f.caller(f.pm), f.p.ID, target, comment.Input{Body: "@Vi @Sam have a look",
		Mentions: []int64{f.viewer.ID, f.sc1.ID}})
	must(t, err)
	f.expect(WorkMention, "Vendor slips", f.viewer, f.sc1) // a mention is news, not an action: viewers see theirs
	items, _ := MyWork(ctx, f.db, f.sc1.ID, f.today)
	if items[0].Path() != fmt.Sprintf("/projects/CRM/risks/1#comment-%d", c.ID) || items[0].Person != "Pat" || items[0].Detail != "@Vi @Sam have a look" {
		t.Fatalf("mention %+v", items[0])
	}

	// Marked read, it is gone for Sam only; marking again changes nothing.
	must(t, MarkDone(ctx, f.db, f.sc1.ID, WorkMention, c.ID, f.today))
	must(t, MarkDone(ctx, f.db, f.sc1.ID, WorkMention, c.ID, f.today))
	f.expect(WorkMention, "Vendor slips", f.viewer)
	// Nobody marks what is not on their list.
	if err := MarkDone(ctx, f.db, f.outsider.ID, WorkMention, c.ID, f.today); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("outsider marks: %v", err)
	}
	if err := MarkDone(ctx, f.db, f.sc1.ID, "nap", 1, f.today); !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("bad kind: %v", err)
	}

	// A risk review marked done comes back once its next review is due.
	must(t, MarkDone(ctx, f.db, f.member.ID, WorkRiskReview, 1, f.today))
	f.expect(WorkRiskReview, "Vendor slips")
	_, err = risk.AddReview(ctx, f.db, f.caller(f.member), f.p.ID, 1, risk.ReviewInput{ReviewedOn: f.today, Probability: 3,
		Impact: 4, NextReviewOn: date.New(2026, 6, 12)}, f.today)
	must(t, err)
	f.expect(WorkRiskReview, "Vendor slips", f.member)
	// An archived project asks nothing of anyone.
	_, err = project.SetArchived(ctx, f.db, f.pm.ID, f.p.ID, true)
	must(t, err)
	f.expect(WorkRiskReview, "Vendor slips")
	f.expect(WorkMention, "Vendor slips")
}

// TestMyWorkIsOneQueryWhateverTheProjects counts the queries behind My work
// for a user in one project and in twenty.
func TestMyWorkIsOneQueryWhateverTheProjects(t *testing.T) {
	t.Parallel()
	f := newWorkFixture(t)
	ctx := context.Background()
	seed := func(projectID int64, key string) {
		_, err := risk.Create(ctx, f.db, f.pm.ID, projectID, risk.Input{Title: "Risk " + key, Category: risk.Vendor, Probability: 2,
			Impact: 2, OwnerID: f.pm.ID, NextReviewOn: date.New(2026, 6, 1)}, date.New(2026, 5, 1))
		must(t, err)
		_, err = change.Create(ctx, f.db, f.pm.ID, projectID, change.Input{Title: "Change " + key, Reason: "r"})
		must(t, err)
	}
	seed(f.p.ID, "CRM")
	db := f.db.(*database.DB)
	count := func() (int64, int) {
		c := dbtest.CountQueries(db)
		items, err := MyWork(ctx, db, f.pm.ID, f.today)
		must(t, err)
		_, err = MyWorkCount(ctx, db, f.pm.ID, f.today)
		must(t, err)
		return c.Count(), len(items)
	}
	one, n1 := count()
	for i := range 19 {
		key := fmt.Sprintf("P%c%c", 'A'+i/26, 'A'+i%26)
		p, err := project.Create(ctx, db, f.pm.ID, project.Input{Key: key, Name: key}, "en")
		must(t, err)
		seed(p.ID, key)
	}
	twenty, n20 := count()
	if one != 2 || twenty != one || n20 != 20*n1 {
		t.Fatalf("queries %d for one project (%d items), %d for twenty (%d items)", one, n1, twenty, n20)
	}
}
