package project_test

import (
	"context"
	"testing"

	"rollout/internal/account"
	"rollout/internal/database/dbtest"
	"rollout/internal/project"
)

// TestMain stops the throwaway PostgreSQL after the package's tests.

// TestCheckRefs: a phase, goal or milestone of another project, an owner who
// is not a member, and an owner who is a viewer are each told apart, by the
// input's field and in the words of the domain that asks; good references
// give no problem.
func TestCheckRefs(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	user := func(email string) int64 {
		u, err := account.Create(ctx, db, 0, account.NewUser{Email: email, Name: email, Password: "long enough password"})
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	pm, viewer, outsider := user("pm@example.com"), user("viewer@example.com"), user("out@example.com")
	mine, err := project.Create(ctx, db, pm, project.Input{Key: "CRM", Name: "CRM"}, "en")
	if err != nil {
		t.Fatal(err)
	}
	other, err := project.Create(ctx, db, pm, project.Input{Key: "ERP", Name: "ERP"}, "en")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := project.AddMember(ctx, db, pm, mine.ID, project.MemberInput{Email: "viewer@example.com",
		Role: project.RoleViewer, Department: project.DeptSales}); err != nil {
		t.Fatal(err)
	}
	phase := func(p int64) int64 {
		ph, err := project.AddPhase(ctx, db, pm, p, project.PhaseInput{Name: "Build"})
		if err != nil {
			t.Fatal(err)
		}
		return ph.ID
	}
	row := func(query string, args ...any) int64 {
		var id int64
		if err := db.QueryRowContext(ctx, query, args...).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	goal := func(p int64) int64 {
		return row(`INSERT INTO goals (project_id, title, metric, baseline, target, direction, category, start_on, due_on, owner_id)
			VALUES (?, 'g', 'm', 0, 1, 'increase', 'business', '2026-01-01', '2026-12-31', ?) RETURNING id`, p, pm)
	}
	milestone := func(p int64) int64 {
		return row(`INSERT INTO milestones (project_id, name, planned_on) VALUES (?, 'm', '2026-06-01') RETURNING id`, p)
	}
	ownPhase, foreignPhase := phase(mine.ID), phase(other.ID)
	ownGoal, foreignGoal := goal(mine.ID), goal(other.ID)
	ownMilestone, foreignMilestone := milestone(mine.ID), milestone(other.ID)

	cases := []struct {
		name string
		refs project.Refs
		want map[string]string
	}{
		{"none", project.Refs{}, map[string]string{}},
		{"all the project's own", project.Refs{PhaseID: &ownPhase, OwnerID: &pm, GoalIDs: []int64{ownGoal, ownGoal},
			MilestoneID: &ownMilestone}, map[string]string{}},
		{"another project's", project.Refs{PhaseID: &foreignPhase, GoalIDs: []int64{ownGoal, foreignGoal}, MilestoneID: &foreignMilestone},
			map[string]string{"phase_id": "risk.no_such_phase", "goal_ids": "risk.no_such_goal", "milestone_id": "risk.no_such_milestone"}},
		{"owner not a member", project.Refs{OwnerID: &outsider}, map[string]string{"owner_id": "risk.owner_not_member"}},
		{"owner a viewer", project.Refs{OwnerID: &viewer}, map[string]string{"owner_id": "risk.owner_viewer"}},
	}
	for _, tc := range cases {
		got, err := project.CheckRefs(ctx, db, mine.ID, "risk", tc.refs)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: problems %v, want %v", tc.name, got, tc.want)
		}
		for field, id := range tc.want {
			if got[field].ID != id {
				t.Errorf("%s: %s is %q, want %q", tc.name, field, got[field].ID, id)
			}
		}
	}
}
