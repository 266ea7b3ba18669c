package project

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/database/dbtest"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantConflict checks that err is a Conflict with this message id ("" for
// a stale version).
func wantConflict(t *testing.T, what string, err error, msgID string) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindConflict || (msgID != "" && ae.Message.ID != msgID) {
		t.Errorf("%s: got %v, want a conflict %q", what, err, msgID)
	}
}

// newProject makes the users by email and a CRM project whose manager is the first.
func newProject(t *testing.T, db *bun.DB, key string, emails ...string) (*Project, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	ids := map[string]int64{}
	for _, e := range emails {
		u, err := account.Create(ctx, db, 0, account.NewUser{Email: e, Name: e, Password: "long enough password", Language: "en"})
		must(t, err)
		ids[e] = u.ID
	}
	p, err := Create(ctx, db, ids[emails[0]], Input{Key: key, Name: key + " rollout"}, "en")
	must(t, err)
	return p, ids
}

func TestTheLastProjectManagerStays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	p, ids := newProject(t, db, "CRM", "pm@example.com", "bo@example.com")
	pm, bo := ids["pm@example.com"], ids["bo@example.com"]
	added, err := AddMember(ctx, db, pm, p.ID, MemberInput{Email: "BO@example.com", Role: RoleBusinessOwner, Department: DeptSales})
	must(t, err)

	me, err := MemberOf(ctx, db, p.ID, pm)
	must(t, err)
	if me.Role != RoleProjectManager {
		t.Fatalf("the creator is %s, want the project manager", me.Role)
	}
	_, err = UpdateMember(ctx, db, pm, p.ID, pm, MemberInput{Role: RoleMember, Department: DeptIT, Version: me.Version})
	wantConflict(t, "demoting the last project manager", err, "member.last_manager")
	wantConflict(t, "removing the last project manager", RemoveMember(ctx, db, pm, p.ID, pm), "member.last_manager")

	// A second manager lets the first one go; then that one is the last.
	_, err = UpdateMember(ctx, db, pm, p.ID, bo, MemberInput{Role: RoleProjectManager, Department: DeptSales, Version: added.Version})
	must(t, err)
	_, err = UpdateMember(ctx, db, pm, p.ID, bo, MemberInput{Role: RoleProjectManager, Department: DeptSales, Version: added.Version})
	wantConflict(t, "a change from a stale version", err, "")
	must(t, RemoveMember(ctx, db, bo, p.ID, pm))
	now, err := MemberOf(ctx, db, p.ID, bo)
	must(t, err)
	_, err = UpdateMember(ctx, db, bo, p.ID, bo, MemberInput{Role: RoleViewer, Department: DeptSales, Version: now.Version})
	wantConflict(t, "demoting the new last project manager", err, "member.last_manager")
	wantConflict(t, "removing the new last project manager", RemoveMember(ctx, db, bo, p.ID, bo), "member.last_manager")

	ms, err := Members(ctx, db, p.ID)
	must(t, err)
	if len(ms) != 1 || ms[0].UserID != bo || ms[0].Role != RoleProjectManager {
		t.Errorf("members %+v, want only bo as project manager", ms)
	}
	// Adding twice, or someone without an account, is a field error.
	_, err = AddMember(ctx, db, bo, p.ID, MemberInput{Email: "bo@example.com", Role: RoleMember, Department: DeptIT})
	if ae, ok := err.(*apperr.Error); !ok || ae.Fields["email"].ID != "member.already" {
		t.Errorf("adding a member twice: %v", err)
	}
	_, err = AddMember(ctx, db, bo, p.ID, MemberInput{Email: "nobody@example.com", Role: RoleMember, Department: DeptIT})
	if ae, ok := err.(*apperr.Error); !ok || ae.Fields["email"].ID != "member.no_such_user" {
		t.Errorf("adding an unknown email: %v", err)
	}
}

func phaseIDs(t *testing.T, db *bun.DB, projectID int64) []int64 {
	t.Helper()
	ps, err := Phases(context.Background(), db, projectID)
	must(t, err)
	out := make([]int64, len(ps))
	for i, ph := range ps {
		if ph.Position != i+1 {
			t.Errorf("phase %d is at position %d, want %d (positions stay 1..n)", ph.ID, ph.Position, i+1)
		}
		out[i] = ph.ID
	}
	return out
}

func TestPhasesMoveAndKeepTheirOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	p, ids := newProject(t, db, "CRM", "pm@example.com")
	other, _ := newProject(t, db, "ERP", "pm2@example.com")
	pm := ids["pm@example.com"]

	start := phaseIDs(t, db, p.ID)
	if len(start) != 5 {
		t.Fatalf("the CRM template has %d phases, want 5", len(start))
	}
	must(t, MovePhase(ctx, db, pm, p.ID, start[0], +1))
	if got := phaseIDs(t, db, p.ID); got[0] != start[1] || got[1] != start[0] {
		t.Errorf("after moving the first phase down: %v (from %v)", got, start)
	}
	must(t, MovePhase(ctx, db, pm, p.ID, start[0], -1))
	// At either end a move is a no-op, not an error.
	must(t, MovePhase(ctx, db, pm, p.ID, start[0], -1))
	must(t, MovePhase(ctx, db, pm, p.ID, start[4], +1))
	if got := phaseIDs(t, db, p.ID); !slices.Equal(got, start) {
		t.Errorf("after moving back and at the ends: %v, want %v", got, start)
	}
	// Another project's phase is not found here.
	otherPhases := phaseIDs(t, db, other.ID)
	if err := MovePhase(ctx, db, pm, p.ID, otherPhases[0], +1); !apperr.Is(err, apperr.KindNotFound) {
		t.Errorf("moving another project's phase: %v", err)
	}

	// Deleting closes the gap; the current phase cannot be deleted.
	must(t, DeletePhase(ctx, db, pm, p.ID, start[1]))
	if got := phaseIDs(t, db, p.ID); len(got) != 4 || got[1] != start[2] {
		t.Errorf("after deleting the second phase: %v", got)
	}
	in := InputOf(p)
	in.CurrentPhaseID = &start[2]
	_, err := Update(ctx, db, pm, p.ID, in)
	must(t, err)
	wantConflict(t, "deleting the current phase", DeletePhase(ctx, db, pm, p.ID, start[2]), "phase.is_current")

	// A new phase goes to the end.
	added, err := AddPhase(ctx, db, pm, p.ID, PhaseInput{Name: "Hypercare"})
	must(t, err)
	if got := phaseIDs(t, db, p.ID); got[len(got)-1] != added.ID {
		t.Errorf("the added phase is not last: %v", got)
	}
}

// TestForUserHidesOtherProjects: a project the caller is not in is NotFound,
// exactly like one that does not exist; admins get read access.
func TestForUserHidesOtherProjects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	p, ids := newProject(t, db, "CRM", "pm@example.com", "out@example.com")
	if _, _, err := ForUser(ctx, db, p.Key, ids["out@example.com"], false); !apperr.Is(err, apperr.KindNotFound) {
		t.Errorf("a non-member sees the project: %v", err)
	}
	if _, _, err := ForUser(ctx, db, "NOPE", ids["pm@example.com"], false); !apperr.Is(err, apperr.KindNotFound) {
		t.Errorf("a missing project: %v", err)
	}
	_, acc, err := ForUser(ctx, db, p.Key, ids["out@example.com"], true)
	must(t, err)
	if acc != (Access{IsAdmin: true}) || !acc.Can(ViewProject) || acc.Can(EditProject) {
		t.Errorf("a non-member admin gets %+v", acc)
	}
	_, acc, err = ForUser(ctx, db, p.Key, ids["pm@example.com"], false)
	must(t, err)
	if acc != (Access{Role: RoleProjectManager, IsMember: true}) {
		t.Errorf("the manager gets %+v", acc)
	}
}
