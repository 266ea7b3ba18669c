package change

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/milestone"
	"rollout/internal/project"
	"rollout/internal/project/projecttest"
	"rollout/internal/requirement"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type fixture struct {
	db           *bun.DB
	project      *project.Project
	pm, sc1, sc2 *account.User
	milestoneID  int64
	phases       []project.Phase
	now          time.Time
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	db := dbtest.New(t)
	ctx := context.Background()
	user := func(email string) *account.User {
		u, err := account.Create(ctx, db, 0, account.NewUser{Email: email, Name: email, Password: "long enough password"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f := fixture{db: db, pm: user("pm@example.com"), sc1: user("sc1@example.com"), sc2: user("sc2@example.com"),
		now: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
	p, err := project.Create(ctx, db, f.pm.ID, project.Input{Key: "CRM", Name: "CRM"}, "en", milestone.TemplateMilestones(date.Of(f.now)))
	if err != nil {
		t.Fatal(err)
	}
	f.project = p
	for _, u := range []*account.User{f.sc1, f.sc2} {
		if _, err := project.AddMember(ctx, db, f.pm.ID, p.ID, project.MemberInput{Email: u.Email, Role: project.RoleSteering, Department: project.DeptSales}); err != nil {
			t.Fatal(err)
		}
	}
	f.phases, _ = project.Phases(ctx, db, p.ID)
	ms, _ := milestone.List(ctx, db, p.ID, date.Of(f.now))
	f.milestoneID = ms[6].ID // go-live
	for _, title := range []string{"Lead capture", "Quote approval", "Partner portal"} {
		if _, err := requirement.Create(ctx, db, f.pm.ID, p.ID, requirement.Input{Title: title, Tier: requirement.Must,
			Kind: requirement.Feature, Approach: requirement.Configuration, PhaseID: &f.phases[2].ID}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f fixture) draft(t *testing.T, by int64) *Request {
	t.Helper()
	r, err := Create(context.Background(), f.db, by, f.project.ID, Input{
		Title: "Add WeChat lead capture, drop the partner portal", Reason: "Half our leads come from WeChat",
		Impact: Impact{ScheduleDays: 10, Cost: 12000, EffortDays: 15, Affected: Affected{Departments: []string{"sales"}}},
		Operations: []Operation{
			{Op: OpAddRequirement, Requirement: &requirement.Input{Title: "WeChat lead capture", Tier: requirement.Must,
				Kind: requirement.Integration, Approach: requirement.Configuration, PhaseID: &f.phases[2].ID}},
			{Op: OpRemoveRequirement, Number: 3},
			{Op: OpSetTier, Number: 2, Tier: requirement.Important},
			{Op: OpSetPhase, Number: 1, PhaseID: &f.phases[3].ID},
			{Op: OpShiftMilestone, MilestoneID: f.milestoneID, Days: 10},
		}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func TestWorkflowByState(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r := f.draft(t, f.pm.ID)
	if r.Number != 1 || r.Status != Draft {
		t.Fatalf("%+v", r)
	}
	// Votes and apply are refused on a draft.
	if _, err := Cast(ctx, f.db, f.sc1.ID, f.project.ID, 1, VoteInput{Approve: yes()}, f.now); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("vote on draft: %v", err)
	}
	if _, err := Apply(ctx, f.db, f.pm.ID, f.project.ID, "CRM", 1, f.now); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("apply draft: %v", err)
	}
	if _, err := Submit(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.pm.ID), f.project.ID, 1, f.now); err != nil {
		t.Fatal(err)
	}
	if _, err := Submit(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.pm.ID), f.project.ID, 1, f.now); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("submit twice: %v", err)
	}
	in := InputOf(r)
	in.Version = 2
	if _, err := Update(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.pm.ID), f.project.ID, 1, in); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("edit after submit: %v", err)
	}
	// A rejection rejects (default rule).
	got, err := Cast(ctx, f.db, f.sc1.ID, f.project.ID, 1, VoteInput{Approve: no(), Comment: "not now"}, f.now)
	if err != nil || got.Status != Rejected {
		t.Fatalf("after rejection %+v %v", got, err)
	}
	if _, err := Withdraw(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.pm.ID), f.project.ID, 1); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("withdraw rejected: %v", err)
	}
	// Another draft is withdrawn.
	f.draft(t, f.pm.ID)
	if w, err := Withdraw(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.pm.ID), f.project.ID, 2); err != nil || w.Status != Withdrawn {
		t.Fatalf("withdraw: %+v %v", w, err)
	}
}

func TestRequesterNeverApprovesOwnRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.draft(t, f.sc1.ID)
	if _, err := Submit(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.sc1.ID), f.project.ID, 1, f.now); err != nil {
		t.Fatal(err)
	}
	_, err := Cast(ctx, f.db, f.sc1.ID, f.project.ID, 1, VoteInput{Approve: yes()}, f.now)
	if !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("self approval: %v", err)
	}
	if vs, _ := Votes(ctx, f.db, 1); len(vs) != 0 {
		t.Fatalf("votes written: %+v", vs)
	}
	got, err := Cast(ctx, f.db, f.sc2.ID, f.project.ID, 1, VoteInput{Approve: yes()}, f.now)
	if err != nil || got.Status != Approved {
		t.Fatalf("other member approves: %+v %v", got, err)
	}
}

// Two steering members vote at the same moment: both votes count and the
// request is decided once.
func TestSimultaneousVotes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if err := SetProjectSettings(ctx, f.db, f.pm.ID, f.project.ID, Settings{ApprovalsNeeded: 2, RejectionRule: MajorityRejects}); err != nil {
		t.Fatal(err)
	}
	f.draft(t, f.pm.ID)
	if _, err := Submit(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.pm.ID), f.project.ID, 1, f.now); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	start := make(chan struct{})
	for i, u := range []*account.User{f.sc1, f.sc2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = Cast(ctx, f.db, u.ID, f.project.ID, 1, VoteInput{Approve: yes()}, f.now)
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	r, _ := Get(ctx, f.db, f.project.ID, 1)
	vs, _ := Votes(ctx, f.db, r.ID)
	if r.Status != Approved || len(vs) != 2 {
		t.Fatalf("status %s with %d votes", r.Status, len(vs))
	}
	decisions, _ := audit.List(ctx, f.db, audit.Filter{ProjectID: f.project.ID, Entity: "change_request"})
	approvals := 0
	for _, e := range decisions {
		if e.Action == string(Approved) {
			approvals++
		}
	}
	if approvals != 1 {
		t.Fatalf("decided %d times", approvals)
	}
}

func TestApplyChangesBacklogAndMilestones(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.draft(t, f.pm.ID)
	Submit(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.pm.ID), f.project.ID, 1, f.now)
	if _, err := Cast(ctx, f.db, f.sc1.ID, f.project.ID, 1, VoteInput{Approve: yes()}, f.now); err != nil {
		t.Fatal(err)
	}
	before, _ := milestone.Get(ctx, f.db, f.project.ID, f.milestoneID)
	r, err := Apply(ctx, f.db, f.pm.ID, f.project.ID, "CRM", 1, f.now)
	if err != nil || r.Status != Implemented || len(r.ApplyResult) != 5 || r.ApplyResult[0].Subject != "CRM-4" {
		t.Fatalf("apply %+v %v", r, err)
	}
	added, err := requirement.Get(ctx, f.db, f.project.ID, 4)
	if err != nil || added.Title != "WeChat lead capture" {
		t.Fatalf("added %+v %v", added, err)
	}
	if _, err := requirement.Get(ctx, f.db, f.project.ID, 3); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("removed requirement still there: %v", err)
	}
	two, _ := requirement.Get(ctx, f.db, f.project.ID, 2)
	one, _ := requirement.Get(ctx, f.db, f.project.ID, 1)
	after, _ := milestone.Get(ctx, f.db, f.project.ID, f.milestoneID)
	if two.Tier != requirement.Important || *one.PhaseID != f.phases[3].ID || before.PlannedOn.DaysUntil(after.PlannedOn) != 10 {
		t.Fatalf("tier %s phase %v milestone %s → %s", two.Tier, *one.PhaseID, before.PlannedOn, after.PlannedOn)
	}
	if res := r.ApplyResult; res[0].Number != 4 || res[1].Number != 3 || res[2].Tier != requirement.Important ||
		res[4].PlannedOn != after.PlannedOn || res[4].Number != 0 {
		t.Fatalf("typed results %+v", res)
	}
	// Every write names the request.
	entries, _ := audit.List(ctx, f.db, audit.Filter{ProjectID: f.project.ID, Limit: 10})
	refs := 0
	for _, e := range entries {
		if e.Ref == "CRM-CR-1" {
			refs++
		}
	}
	if refs != 5 {
		t.Fatalf("%d entries name the request", refs)
	}
}

func TestApplyMeetsConflictsAndChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.draft(t, f.pm.ID)
	Submit(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.pm.ID), f.project.ID, 1, f.now)
	Cast(ctx, f.db, f.sc1.ID, f.project.ID, 1, VoteInput{Approve: yes()}, f.now)
	// After the approval someone edits requirement 2 and the go-live milestone.
	r2, _ := requirement.Get(ctx, f.db, f.project.ID, 2)
	in := requirement.InputOf(r2)
	in.Title = "Quote approval with discounts"
	if _, err := requirement.Update(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.pm.ID), f.project.ID, 2, in); err != nil {
		t.Fatal(err)
	}
	m, _ := milestone.Get(ctx, f.db, f.project.ID, f.milestoneID)
	mi := milestone.InputOf(m)
	mi.Notes = "moved by the vendor"
	if _, err := milestone.Update(ctx, f.db, f.pm.ID, f.project.ID, m.ID, mi, date.Of(f.now)); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		n, _ := f.db.NewSelect().Table("requirements").Where("project_id = ?", f.project.ID).Count(ctx)
		return int(n)
	}
	n := count()
	_, err := Apply(ctx, f.db, f.pm.ID, f.project.ID, "CRM", 1, f.now)
	var ce *ConflictError
	if !errors.As(err, &ce) || len(ce.Conflicts) != 2 || !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("apply with conflicts: %v", err)
	}
	r, _ := Get(ctx, f.db, f.project.ID, 1)
	after, _ := milestone.Get(ctx, f.db, f.project.ID, f.milestoneID)
	if count() != n || r.Status != Approved || after.PlannedOn != m.PlannedOn {
		t.Fatalf("something was applied: %d→%d requirements, status %s", n, count(), r.Status)
	}
}

func TestRefusalsOnDraft(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, err := Create(ctx, f.db, f.pm.ID, f.project.ID, Input{Title: "Bad ops", Operations: []Operation{
		{Op: OpSetTier, Number: 99, Tier: requirement.Must},
		{Op: OpShiftMilestone, MilestoneID: f.milestoneID, Days: 0},
		{Op: "teleport"},
	}})
	ae, ok := err.(*apperr.Error)
	if !ok || ae.Fields["operations.0"].ID != "change.op_no_requirement" || ae.Fields["operations.1"].ID != "change.op_bad_days" ||
		ae.Fields["operations.2"].ID != "change.op_unknown" {
		t.Fatalf("refusals %v", err)
	}
	if n, _ := f.db.NewSelect().Table("change_requests").Count(ctx); n != 0 {
		t.Fatalf("%d requests written", n)
	}
}

func TestMonthlyAndPackSection(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.draft(t, f.pm.ID)
	f.draft(t, f.pm.ID)
	Submit(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.pm.ID), f.project.ID, 2, f.now)
	today := date.Of(time.Now())
	months, err := Monthly(ctx, f.db, f.project.ID, today.AddDays(-60), today)
	if err != nil || len(months) < 2 {
		t.Fatalf("%v %v", months, err)
	}
	last := months[len(months)-1]
	if last.Total != 2 || last.ByStatus[Draft] != 1 || last.ByStatus[Submitted] != 1 {
		t.Fatalf("this month %+v", last)
	}
	s, err := PackSection(ctx, f.db, f.project.ID, time.Time{}, today)
	if err != nil || len(s.Changes) != 1 || s.Changes[0].Key != "CRM-CR-2" {
		t.Fatalf("pack section %+v %v", s, err)
	}
}

// The requester manages their own request; another member, or the requester
// once they are only a viewer, may not: the domain write refuses them.
func TestOnlyManagersAndTheRequesterManageARequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	member := func(email string, role project.Role) *account.User {
		u, err := account.Create(ctx, f.db, 0, account.NewUser{Email: email, Name: email, Password: "long enough password"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := project.AddMember(ctx, f.db, f.pm.ID, f.project.ID, project.MemberInput{Email: email, Role: role, Department: project.DeptSales}); err != nil {
			t.Fatal(err)
		}
		return u
	}
	asker, other := member("asker@example.com", project.RoleMember), member("other@example.com", project.RoleMember)
	r := f.draft(t, asker.ID)
	as := func(u *account.User) project.Caller { return projecttest.Caller(t, f.db, f.project.ID, u.ID) }
	edit := InputOf(r)
	edit.Title = "Edited by someone else"
	if _, err := Update(ctx, f.db, as(other), f.project.ID, r.Number, edit); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("another member's edit: %v", err)
	}
	if _, err := Submit(ctx, f.db, as(other), f.project.ID, r.Number, f.now); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("another member's submit: %v", err)
	}
	if _, err := Withdraw(ctx, f.db, as(other), f.project.ID, r.Number); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("another member's withdrawal: %v", err)
	}
	if got, _ := Get(ctx, f.db, f.project.ID, r.Number); got.Status != Draft || got.Version != r.Version {
		t.Fatalf("refused writes changed the request: %+v", got)
	}
	in := InputOf(r)
	in.Title = "Edited by its requester"
	if _, err := Update(ctx, f.db, as(asker), f.project.ID, r.Number, in); err != nil {
		t.Fatalf("the requester's edit: %v", err)
	}
	m, err := project.MemberOf(ctx, f.db, f.project.ID, asker.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := project.UpdateMember(ctx, f.db, f.pm.ID, f.project.ID, asker.ID, project.MemberInput{Role: project.RoleViewer, Department: project.DeptSales, Version: m.Version}); err != nil {
		t.Fatal(err)
	}
	if _, err := Withdraw(ctx, f.db, as(asker), f.project.ID, r.Number); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("a requester who is now a viewer withdrew: %v", err)
	}
}
