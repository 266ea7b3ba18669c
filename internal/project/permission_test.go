package project

import (
	"slices"
	"testing"
)

// documented is the README's table "Who may do what", written out again by
// hand: the permission table must say what users were told, role by role.
// An action added to permission.go without a row here fails
// TestEveryActionIsDocumented.
var documented = map[Action][]Role{
	// read everything in the project
	ViewProject: {RoleProjectManager, RoleBusinessOwner, RoleSteering, RoleMember, RoleViewer},
	// edit, archive the project; manage phases and members
	EditProject:    {RoleProjectManager},
	ArchiveProject: {RoleProjectManager},
	ManagePhases:   {RoleProjectManager},
	ManageMembers:  {RoleProjectManager},
	// create and edit goals; record measurements
	ManageGoals:       {RoleProjectManager, RoleBusinessOwner},
	RecordMeasurement: {RoleProjectManager, RoleBusinessOwner, RoleMember},
	// create, rank, bulk-change and delete requirements; edit any requirement
	ManageRequirements: {RoleProjectManager, RoleBusinessOwner},
	// edit, review, delete and import risks; propose a risk
	ManageRisks: {RoleProjectManager, RoleSteering},
	ProposeRisk: {RoleProjectManager, RoleBusinessOwner, RoleSteering, RoleMember},
	// plan milestones, schedule gate reviews; record a gate decision
	ManageMilestones: {RoleProjectManager},
	RecordDecision:   {RoleSteering},
	// change requests: draft; edit, submit, withdraw; vote; apply
	DraftChange:   {RoleProjectManager, RoleBusinessOwner, RoleSteering, RoleMember},
	ManageChanges: {RoleProjectManager},
	VoteChange:    {RoleSteering},
	ApplyChange:   {RoleProjectManager},
	// assess the pitfalls; change the detectors' thresholds
	AssessPitfalls: {RoleProjectManager, RoleSteering},
	// keep the budget
	ManageBudget: {RoleProjectManager},
	// export the whole project (admins too, see TestAdmins)
	ExportProject: {RoleProjectManager},
	// comment on items and mention members
	Comment: {RoleProjectManager, RoleBusinessOwner, RoleSteering, RoleMember},
	// import or post the CRM's adoption figures
	RecordAdoption: {RoleProjectManager, RoleBusinessOwner, RoleMember},
}

func actions() []Action {
	out := make([]Action, 0, len(documented))
	for a := range documented {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

func TestEveryRoleAndAction(t *testing.T) {
	for _, act := range actions() {
		for _, role := range Roles {
			want := slices.Contains(documented[act], role)
			a := Access{Role: role, IsMember: true}
			if got := a.Can(act); got != want {
				t.Errorf("%s may %s: %v, the README says %v", role, act, got, want)
			}
			// Being an admin as well adds the export, nothing else.
			admin := Access{Role: role, IsMember: true, IsAdmin: true}
			if got := admin.Can(act); got != (want || act == ExportProject) {
				t.Errorf("%s who is an admin may %s: %v", role, act, got)
			}
		}
	}
}

func TestEveryActionIsDocumented(t *testing.T) {
	for act, roles := range permissions {
		if _, ok := documented[act]; !ok {
			t.Errorf("action %s has no row in the documented table (README and this test)", act)
		}
		for _, r := range roles {
			if !slices.Contains(Roles, r) {
				t.Errorf("action %s allows an unknown role %q", act, r)
			}
		}
		if !slices.Equal(RolesAllowed(act), roles) {
			t.Errorf("RolesAllowed(%s) = %v, want %v", act, RolesAllowed(act), roles)
		}
	}
	for act := range documented {
		if _, ok := permissions[act]; !ok {
			t.Errorf("documented action %s is missing from the permission table", act)
		}
	}
	// The viewer's row: reads everything, changes nothing.
	for _, act := range actions() {
		if act != ViewProject && (Access{Role: RoleViewer, IsMember: true}).Can(act) {
			t.Errorf("a viewer may %s", act)
		}
	}
}

// TestAdmins: an admin who is not a member reads any project and exports
// it, and does nothing else; someone who is neither may do nothing at all.
func TestAdmins(t *testing.T) {
	admin := Access{IsAdmin: true}
	stranger := Access{}
	for _, act := range actions() {
		want := act == ViewProject || act == ExportProject
		if got := admin.Can(act); got != want {
			t.Errorf("a non-member admin may %s: %v, want %v", act, got, want)
		}
		if stranger.Can(act) {
			t.Errorf("a non-member may %s", act)
		}
		// A role without membership (never built by ForUser) grants nothing.
		if (Access{Role: RoleProjectManager}).Can(act) {
			t.Errorf("a role without membership may %s", act)
		}
		// Membership with an unknown role grants nothing.
		if (Access{Role: "sponsor", IsMember: true}).Can(act) {
			t.Errorf("an unknown role may %s", act)
		}
	}
}

// TestCanOrOwns: owning an item lets any member but a viewer act on it;
// viewers change nothing, even what they own, and a non-member owns nothing.
func TestCanOrOwns(t *testing.T) {
	const me, other = int64(7), int64(8)
	for _, role := range Roles {
		a := Access{Role: role, IsMember: true}
		for _, act := range actions() {
			byRole := a.Can(act)
			if got := a.CanOrOwns(act, me, other); got != byRole {
				t.Errorf("%s, not the owner, may %s: %v, want %v (the role alone)", role, act, got, byRole)
			}
			wantOwner := byRole || role != RoleViewer
			if got := a.CanOrOwns(act, me, me); got != wantOwner {
				t.Errorf("%s who owns the item may %s: %v, want %v", role, act, got, wantOwner)
			}
			// No caller id (0) never matches an item without owner (0).
			if got := a.CanOrOwns(act, 0, 0); got != byRole {
				t.Errorf("%s with user id 0 on an ownerless item may %s: %v", role, act, got)
			}
		}
	}
	for _, act := range []Action{ManageRisks, ManageRequirements, RecordMeasurement} {
		if (Access{IsAdmin: true}).CanOrOwns(act, me, me) {
			t.Errorf("a non-member admin who owns the item may %s", act)
		}
		if (Access{Role: RoleViewer, IsMember: true, IsAdmin: true}).CanOrOwns(act, me, me) {
			t.Errorf("a viewer who is an admin and owns the item may %s", act)
		}
	}
}
