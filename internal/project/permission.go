package project

// Role is a member's part in one project.
type Role string

// The roles of DOMAIN.md.
const (
	RoleProjectManager Role = "project_manager"
	RoleBusinessOwner  Role = "business_owner"
	RoleSteering       Role = "steering"
	RoleMember         Role = "member"
	RoleViewer         Role = "viewer"
)

// Roles lists every role, most powerful first (the order of forms and tables).
var Roles = []Role{RoleProjectManager, RoleBusinessOwner, RoleSteering, RoleMember, RoleViewer}

// Action is something a caller may want to do in a project.
type Action string

// Actions. Later features add theirs here, next to the table below.
const (
	ViewProject    Action = "project.view"
	EditProject    Action = "project.edit"
	ArchiveProject Action = "project.archive"
	ManageMembers  Action = "members.manage"
	ManagePhases   Action = "phases.manage"
	// Goals: business owners and project managers define them; the goal's
	// owner may also record measurements, whatever their role.
	ManageGoals       Action = "goals.manage"
	RecordMeasurement Action = "goals.measure"
	// Risks: project managers and the steering committee manage the register
	// (edit, review, delete, import); a risk's owner may also edit and review
	// it, whatever their role (risk.CanEdit); members propose new risks.
	ManageRisks Action = "risks.manage"
	ProposeRisk Action = "risks.propose"
	// Requirements: business owners and project managers create, edit, rank
	// and delete; a member may edit the requirements they own.
	ManageRequirements Action = "requirements.manage"
	// Milestones: project managers plan them (create, edit, delete, schedule
	// gate reviews); a milestone's owner may also tick its deliverables, and an
	// action item's owner mark it done, whatever their role. Only the steering
	// committee records a gate decision.
	ManageMilestones Action = "milestones.manage"
	RecordDecision   Action = "reviews.decide"
	// Change requests: any member but a viewer drafts one; project managers
	// (and the request's requester: change.CanManage) submit, edit the
	// draft and withdraw it; the steering committee votes; project managers
	// apply an approved request and set how many approvals one needs.
	DraftChange   Action = "changes.draft"
	ManageChanges Action = "changes.manage"
	VoteChange    Action = "changes.vote"
	ApplyChange   Action = "changes.apply"
	// Pitfalls: project managers and the steering committee assess the
	// pitfalls and tune the detectors' thresholds; everyone in the project reads.
	AssessPitfalls Action = "pitfalls.assess"
	// Budget: project managers keep the budget lines and record the spend
	// (by hand or from a spreadsheet); everyone in the project reads.
	ManageBudget Action = "budget.manage"
	// Export: project managers download the whole project as an archive;
	// so do instance admins, member or not (it is a read of everything,
	// which they have anyway).
	ExportProject Action = "project.export"
	// Adoption: the CRM's usage figures come from whoever runs its reports
	// or its nightly job: project managers, business owners and team members
	// import them or post them through the API; everyone in the project
	// (viewers and the steering committee too) reads them.
	RecordAdoption Action = "adoption.record"
	// Comments: every member but a viewer comments on the project's items
	// and mentions other members; authors edit and delete their own
	// (comment.CanChange).
	Comment Action = "comments.write"
)

// permissions is the one table of who may do what: action × roles allowed.
// Every HTML and API handler goes through Can; the route-table test checks
// each route against it for every role.
var permissions = map[Action][]Role{
	ViewProject:    {RoleProjectManager, RoleBusinessOwner, RoleSteering, RoleMember, RoleViewer},
	EditProject:    {RoleProjectManager},
	ArchiveProject: {RoleProjectManager},
	ManageMembers:  {RoleProjectManager},
	ManagePhases:   {RoleProjectManager},

	ManageGoals:       {RoleProjectManager, RoleBusinessOwner},
	RecordMeasurement: {RoleProjectManager, RoleBusinessOwner, RoleMember},

	ManageRisks: {RoleProjectManager, RoleSteering},
	ProposeRisk: {RoleProjectManager, RoleBusinessOwner, RoleSteering, RoleMember},

	ManageRequirements: {RoleProjectManager, RoleBusinessOwner},

	ManageMilestones: {RoleProjectManager},
	RecordDecision:   {RoleSteering},

	DraftChange:   {RoleProjectManager, RoleBusinessOwner, RoleSteering, RoleMember},
	ManageChanges: {RoleProjectManager},
	VoteChange:    {RoleSteering},
	ApplyChange:   {RoleProjectManager},

	AssessPitfalls: {RoleProjectManager, RoleSteering},

	ManageBudget: {RoleProjectManager},

	ExportProject: {RoleProjectManager},

	Comment: {RoleProjectManager, RoleBusinessOwner, RoleSteering, RoleMember},

	RecordAdoption: {RoleProjectManager, RoleBusinessOwner, RoleMember},
}

// Access is what a caller is in a project: a member with a role, or an
// instance admin who is not a member (admins see every project but, unless
// they are members, only read it).
type Access struct {
	Role     Role // "" when not a member
	IsAdmin  bool
	IsMember bool
}

// Can reports whether the caller may take the action.
func (a Access) Can(act Action) bool {
	if a.IsAdmin && act == ExportProject {
		return true
	}
	if !a.IsMember {
		return a.IsAdmin && act == ViewProject
	}
	for _, r := range permissions[act] {
		if r == a.Role {
			return true
		}
	}
	return false
}

// CanOrOwns reports whether the caller may take the action, either by role or
// because they own the item (a member whose user id is ownerID).
// Viewers change nothing, even what they own.
func (a Access) CanOrOwns(act Action, userID, ownerID int64) bool {
	return a.Can(act) || (a.IsMember && a.Role != RoleViewer && userID != 0 && userID == ownerID)
}

// RolesAllowed returns the roles that may take an action (for tests and help pages).
func RolesAllowed(act Action) []Role { return permissions[act] }

// Department is the part of the company a member comes from; pitfall 3 looks at
// whether the business, not only IT, is on the project.
type Department string

// Departments.
const (
	DeptSales      Department = "sales"
	DeptService    Department = "service"
	DeptMarketing  Department = "marketing"
	DeptOperations Department = "operations"
	DeptFinance    Department = "finance"
	DeptIT         Department = "it"
	DeptVendor     Department = "vendor"
	DeptOther      Department = "other"
)

// Departments lists every department in form order.
var Departments = []Department{DeptSales, DeptService, DeptMarketing, DeptOperations, DeptFinance, DeptIT, DeptVendor, DeptOther}
