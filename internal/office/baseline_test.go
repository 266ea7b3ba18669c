package office

import (
	"context"
	"testing"
	"time"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/milestone"
	"rollout/internal/project"
)

// Deciding a gate takes a baseline of the plan named after the gate, in the
// decision's transaction; a decision refused takes none.
func TestDecidingAGateTakesABaseline(t *testing.T) {
	t.Parallel()
	ctx, db := context.Background(), dbtest.New(t)
	pm := newUser(t, db)
	sc, err := account.Create(ctx, db, 0, account.NewUser{Email: "sc@example.com", Name: "Sam", Password: "a long password 1"})
	if err != nil {
		t.Fatal(err)
	}
	today := date.New(2026, 3, 2)
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	p, err := CreateProject(ctx, db, pm.ID, project.Input{Key: "CRM", Name: "CRM", Template: "crm", StartOn: date.New(2026, 1, 1),
		TargetOn: date.New(2026, 12, 31)}, "en", today)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := project.AddMember(ctx, db, pm.ID, p.ID, project.MemberInput{Email: sc.Email, Role: project.RoleSteering, Department: project.DeptSales}); err != nil {
		t.Fatal(err)
	}
	ms, _ := milestone.List(ctx, db, p.ID, today)
	gate := ms[1]
	r, err := ScheduleReview(ctx, db, pm.ID, p.ID, gate.ID, milestone.ScheduleInput{ScheduledOn: today, Invited: []int64{sc.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecideReview(ctx, db, sc.ID, p.ID, r.ID, milestone.DecisionInput{Decision: milestone.GoWithConditions,
		Attendees: []int64{sc.ID}}, now); !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("a decision without its conditions: %v", err)
	}
	if bs, _ := milestone.Baselines(ctx, db, p.ID); len(bs) != 0 {
		t.Fatalf("a refused decision took %d baselines", len(bs))
	}
	if _, err := DecideReview(ctx, db, sc.ID, p.ID, r.ID, milestone.DecisionInput{Decision: milestone.Go, Attendees: []int64{sc.ID}}, now); err != nil {
		t.Fatal(err)
	}
	bs, err := milestone.Baselines(ctx, db, p.ID)
	if err != nil || len(bs) != 1 {
		t.Fatalf("%d baselines %v", len(bs), err)
	}
	b := bs[0]
	if b.Source != milestone.BaselineAtGate || b.Label != gate.Name || b.ReviewID == nil || *b.ReviewID != r.ID ||
		!b.TakenAt.Equal(now) || b.TakenBy == nil || *b.TakenBy != sc.ID || b.Milestones != len(ms) {
		t.Fatalf("gate baseline %+v", b)
	}
	// The plan now measures slip against it: go-live moved 10 days is 10 days late.
	golive := ms[6]
	in := milestone.InputOf(&golive.Milestone)
	in.PlannedOn = golive.PlannedOn.AddDays(10)
	if _, err := milestone.Update(ctx, db, pm.ID, p.ID, golive.ID, in, today); err != nil {
		t.Fatal(err)
	}
	v, err := milestone.GetView(ctx, db, p.ID, golive.ID, today)
	if err != nil || v.Slip != 10 || v.BaselineOn != golive.PlannedOn {
		t.Fatalf("go-live against the gate's baseline: %+v %v", v, err)
	}
}
