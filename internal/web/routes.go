package web

import (
	"github.com/gofiber/fiber/v2"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/comment"
	"rollout/internal/project"
)

// access says who may call a route. The guard enforces it before the handler
// runs, so no handler can forget it; the route-table test walks every row.
type access struct {
	kind   accessKind
	action project.Action // for inProject: what the caller must be allowed to do
	// orOwner lets any member through the guard when the item's owner may act
	// whatever their role; the domain write then decides on the item (its
	// CanEdit-style rule, with the caller passed in).
	orOwner bool
}

type accessKind int

const (
	kindPublic       accessKind = iota // anyone, signed in or not
	kindUser                           // any signed-in, enabled user
	kindAdmin                          // instance administrators
	kindInProject                      // a member whose role allows action (admins may view)
	kindAdminProject                   // an admin, on any project
)

var (
	public       = access{kind: kindPublic}
	signedIn     = access{kind: kindUser}
	adminOnly    = access{kind: kindAdmin}
	adminProject = access{kind: kindAdminProject}
)

func in(a project.Action) access { return access{kind: kindInProject, action: a} }

func inOrOwner(a project.Action) access { return access{kind: kindInProject, action: a, orOwner: true} }

// route is one row of the route table.
type route struct {
	method string
	path   string
	access access
	handle fiber.Handler
}

const (
	get   = fiber.MethodGet
	post  = fiber.MethodPost
	patch = fiber.MethodPatch
	put   = fiber.MethodPut
	del   = fiber.MethodDelete
)

// routes is every route Rollout serves, HTML pages and the JSON API alike.
func (s *Server) routes() []route {
	return []route{
		// Health and the frame.
		{get, "/healthz", public, s.handleHealthz},
		{get, "/readyz", public, s.handleReadyz},
		{get, "/", public, s.handleHome},
		{post, "/lang", public, s.handleLanguage},

		// Accounts.
		{post, "/setup", public, s.handleSetup},
		{get, "/signin", public, s.handleSignInPage},
		{post, "/signin", public, s.handleSignIn},
		{post, "/signout", signedIn, s.handleSignOut},
		{post, "/auth/oidc/start", public, s.handleOIDCStart},
		{get, "/auth/oidc/callback", public, s.handleOIDCCallback},
		{get, "/account", signedIn, s.handleAccount},
		{post, "/account/profile", signedIn, s.handleProfileUpdate},
		{post, "/account/password", signedIn, s.handlePasswordChange},
		{post, "/account/tokens", signedIn, s.handleTokenCreate},
		{post, "/account/tokens/:id/revoke", signedIn, s.handleTokenRevoke},
		{post, "/account/notifications", signedIn, s.handleNotifyPrefs},

		// Instance administration.
		{get, "/admin/users", adminOnly, s.handleAdminUsers},
		{post, "/admin/users", adminOnly, s.handleAdminUserCreate},
		{post, "/admin/users/:id/disable", adminOnly, s.handleAdminUserDisable},
		{post, "/admin/users/:id/enable", adminOnly, s.handleAdminUserEnable},
		{post, "/admin/users/:id/reset-password", adminOnly, s.handleAdminUserResetPassword},
		{post, "/admin/settings", adminOnly, s.handleAdminSettings},
		{get, "/admin/activity", adminOnly, s.handleAdminActivity},
		{get, "/admin/deliveries", adminOnly, s.handleAdminDeliveries},
		{post, "/admin/deliveries/:id/retry", adminOnly, s.handleAdminDeliveryRetry},

		// Projects.
		{get, "/projects", signedIn, s.handleProjects},
		{get, "/projects/new", signedIn, s.handleProjectNew},
		{post, "/projects", signedIn, s.handleProjectCreate},
		{get, "/projects/:key", in(project.ViewProject), s.handleProject},
		{get, "/projects/:key/edit", in(project.EditProject), s.handleProjectEdit},
		{post, "/projects/:key/edit", in(project.EditProject), s.handleProjectUpdate},
		{post, "/projects/:key/archive", in(project.ArchiveProject), s.handleProjectArchive},
		{post, "/projects/:key/restore", in(project.ArchiveProject), s.handleProjectRestore},
		{get, "/projects/:key/delete", adminProject, s.handleProjectDeletePage},
		{post, "/projects/:key/delete", adminProject, s.handleProjectDelete},
		{get, "/projects/:key/phases", in(project.ViewProject), s.handlePhases},
		{post, "/projects/:key/phases", in(project.ManagePhases), s.handlePhaseCreate},
		{post, "/projects/:key/phases/:id", in(project.ManagePhases), s.handlePhaseUpdate},
		{post, "/projects/:key/phases/:id/move", in(project.ManagePhases), s.handlePhaseMove},
		{post, "/projects/:key/phases/:id/delete", in(project.ManagePhases), s.handlePhaseDelete},
		{get, "/projects/:key/members", in(project.ViewProject), s.handleMembers},
		// Notifications: the project's group bots and webhooks (project managers).
		{get, "/projects/:key/webhooks", in(project.EditProject), s.handleWebhooks},
		{post, "/projects/:key/webhooks", in(project.EditProject), s.handleWebhookCreate},
		{post, "/projects/:key/webhooks/:id/delete", in(project.EditProject), s.handleWebhookDelete},
		{post, "/projects/:key/webhooks/:id/test", in(project.EditProject), s.handleWebhookTest},
		{get, "/api/v1/projects/:key/webhooks", in(project.EditProject), s.apiWebhooks},
		{post, "/api/v1/projects/:key/webhooks", in(project.EditProject), s.apiWebhookCreate},
		{del, "/api/v1/projects/:key/webhooks/:id", in(project.EditProject), s.apiWebhookDelete},
		{post, "/projects/:key/members", in(project.ManageMembers), s.handleMemberAdd},
		{post, "/projects/:key/members/:user_id", in(project.ManageMembers), s.handleMemberUpdate},
		{post, "/projects/:key/members/:user_id/remove", in(project.ManageMembers), s.handleMemberRemove},
		{get, "/projects/:key/activity", in(project.ViewProject), s.handleActivity},

		// The dashboard, the portfolio and the budget.
		{get, "/portfolio", signedIn, s.handlePortfolio},
		{get, "/projects/:key/dashboard", in(project.ViewProject), s.handleDashboard},
		{get, "/projects/:key/dashboard.xlsx", in(project.ViewProject), s.handleDashboardExport},
		{get, "/projects/:key/budget", in(project.ViewProject), s.handleBudget},
		{get, "/projects/:key/budget/export.xlsx", in(project.ViewProject), s.handleBudgetExport},
		{get, "/projects/:key/budget/import", in(project.ManageBudget), s.handleBudgetImportPage},
		{post, "/projects/:key/budget/import", in(project.ManageBudget), s.handleBudgetImport},
		{post, "/projects/:key/budget/lines", in(project.ManageBudget), s.handleBudgetLineCreate},
		{get, "/projects/:key/budget/lines/:id/edit", in(project.ManageBudget), s.handleBudgetLineEdit},
		{post, "/projects/:key/budget/lines/:id/edit", in(project.ManageBudget), s.handleBudgetLineUpdate},
		{post, "/projects/:key/budget/entries", in(project.ManageBudget), s.handleSpendCreate},
		{get, "/projects/:key/export", in(project.ExportProject), s.handleProjectExport},

		// Goals and measurements.
		{get, "/projects/:key/goals", in(project.ViewProject), s.handleGoals},
		{get, "/projects/:key/goals/new", in(project.ManageGoals), s.handleGoalNew},
		{post, "/projects/:key/goals", in(project.ManageGoals), s.handleGoalCreate},
		{get, "/projects/:key/goals/export.xlsx", in(project.ViewProject), s.handleGoalExport},
		{get, "/projects/:key/goals/import", in(project.RecordMeasurement), s.handleGoalImportPage},
		{post, "/projects/:key/goals/import", in(project.RecordMeasurement), s.handleGoalImport},
		{get, "/projects/:key/goals/:id", in(project.ViewProject), s.handleGoal},
		{get, "/projects/:key/goals/:id/edit", in(project.ManageGoals), s.handleGoalEdit},
		{post, "/projects/:key/goals/:id/edit", in(project.ManageGoals), s.handleGoalUpdate},
		{post, "/projects/:key/goals/:id/delete", in(project.ManageGoals), s.handleGoalDelete},
		{post, "/projects/:key/goals/:id/measurements", inOrOwner(project.RecordMeasurement), s.handleMeasurementCreate},
		{post, "/projects/:key/goals/:id/measurements/:mid/delete", in(project.ManageGoals), s.handleMeasurementDelete},

		// Adoption: the CRM's usage figures. Everyone reads; project managers,
		// business owners and team members import them.
		{get, "/projects/:key/adoption", in(project.ViewProject), s.handleAdoption},
		{get, "/projects/:key/adoption/export.xlsx", in(project.ViewProject), s.handleAdoptionExport},
		{get, "/projects/:key/adoption/import", in(project.RecordAdoption), s.handleAdoptionImportPage},
		{post, "/projects/:key/adoption/import", in(project.RecordAdoption), s.handleAdoptionImport},

		// The risk register (fixed paths before /:number).
		{get, "/projects/:key/risks", in(project.ViewProject), s.handleRisks},
		{get, "/projects/:key/risks/new", in(project.ProposeRisk), s.handleRiskNew},
		{post, "/projects/:key/risks", in(project.ProposeRisk), s.handleRiskCreate},
		{get, "/projects/:key/risks/export.xlsx", in(project.ViewProject), s.handleRiskExport},
		{get, "/projects/:key/risks/import", in(project.ManageRisks), s.handleRiskImportPage},
		{post, "/projects/:key/risks/import", in(project.ManageRisks), s.handleRiskImport},
		{get, "/projects/:key/risks/:number", in(project.ViewProject), s.handleRisk},
		{get, "/projects/:key/risks/:number/edit", inOrOwner(project.ManageRisks), s.handleRiskEdit},
		{post, "/projects/:key/risks/:number/edit", inOrOwner(project.ManageRisks), s.handleRiskUpdate},
		{post, "/projects/:key/risks/:number/delete", in(project.ManageRisks), s.handleRiskDelete},
		{post, "/projects/:key/risks/:number/reviews", inOrOwner(project.ManageRisks), s.handleRiskReviewCreate},

		// The requirement backlog.
		{get, "/projects/:key/requirements", in(project.ViewProject), s.handleRequirements},
		{get, "/projects/:key/requirements/new", in(project.ManageRequirements), s.handleRequirementNew},
		{post, "/projects/:key/requirements", in(project.ManageRequirements), s.handleRequirementCreate},
		{post, "/projects/:key/requirements/bulk", in(project.ManageRequirements), s.handleRequirementBulk},
		{post, "/projects/:key/requirements/move", in(project.ManageRequirements), s.handleBacklogMove},
		{get, "/projects/:key/requirements/export.xlsx", in(project.ViewProject), s.handleRequirementExportXLSX},
		{get, "/projects/:key/requirements/export.csv", in(project.ViewProject), s.handleRequirementExportCSV},
		{get, "/projects/:key/requirements/import", in(project.ManageRequirements), s.handleRequirementImportPage},
		{post, "/projects/:key/requirements/import", in(project.ManageRequirements), s.handleRequirementImport},
		{get, "/projects/:key/requirements/:number", in(project.ViewProject), s.handleRequirement},
		{get, "/projects/:key/requirements/:number/edit", inOrOwner(project.ManageRequirements), s.handleRequirementEdit},
		{post, "/projects/:key/requirements/:number/edit", inOrOwner(project.ManageRequirements), s.handleRequirementUpdate},
		{post, "/projects/:key/requirements/:number/move", in(project.ManageRequirements), s.handleRequirementMove},
		{post, "/projects/:key/requirements/:number/delete", in(project.ManageRequirements), s.handleRequirementDelete},

		// The plan: milestones, deliverables and gate reviews.
		{get, "/projects/:key/plan", in(project.ViewProject), s.handlePlan},
		{post, "/projects/:key/baselines", in(project.ManageMilestones), s.handleBaselineTake},
		{get, "/projects/:key/milestones/new", in(project.ManageMilestones), s.handleMilestoneNew},
		{post, "/projects/:key/milestones", in(project.ManageMilestones), s.handleMilestoneCreate},
		{get, "/projects/:key/milestones/:id", in(project.ViewProject), s.handleMilestone},
		{get, "/projects/:key/milestones/:id/edit", in(project.ManageMilestones), s.handleMilestoneEdit},
		{post, "/projects/:key/milestones/:id/edit", in(project.ManageMilestones), s.handleMilestoneUpdate},
		{post, "/projects/:key/milestones/:id/delete", in(project.ManageMilestones), s.handleMilestoneDelete},
		{post, "/projects/:key/milestones/:id/deliverables", in(project.ManageMilestones), s.handleDeliverableAdd},
		{post, "/projects/:key/milestones/:id/deliverables/:did/tick", inOrOwner(project.ManageMilestones), s.handleDeliverableTick},
		{post, "/projects/:key/milestones/:id/reviews", in(project.ManageMilestones), s.handleReviewSchedule},
		{get, "/projects/:key/reviews/latest.xlsx", in(project.ViewProject), s.handleReviewPackExport},
		{get, "/projects/:key/reviews/:id", in(project.ViewProject), s.handleReview},
		{post, "/projects/:key/reviews/:id/decision", in(project.RecordDecision), s.handleReviewDecide},
		{post, "/projects/:key/reviews/:id/actions/:aid", inOrOwner(project.ManageMilestones), s.handleActionStatus},

		// Change requests (fixed paths before /:number). Submitting, editing a
		// draft and withdrawing are for project managers and the requester:
		// the guard lets members through, the handler checks who asked.
		{get, "/projects/:key/changes", in(project.ViewProject), s.handleChanges},
		{get, "/projects/:key/changes/new", in(project.DraftChange), s.handleChangeNew},
		{post, "/projects/:key/changes", in(project.DraftChange), s.handleChangeCreate},
		{post, "/projects/:key/changes/settings", in(project.ManageChanges), s.handleChangeSettings},
		{get, "/projects/:key/changes/:number", in(project.ViewProject), s.handleChange},
		{get, "/projects/:key/changes/:number/edit", inOrOwner(project.ManageChanges), s.handleChangeEdit},
		{post, "/projects/:key/changes/:number/edit", inOrOwner(project.ManageChanges), s.handleChangeUpdate},
		{post, "/projects/:key/changes/:number/operations", inOrOwner(project.ManageChanges), s.handleChangeOperationAdd},
		{post, "/projects/:key/changes/:number/operations/:index/delete", inOrOwner(project.ManageChanges), s.handleChangeOperationDelete},
		{post, "/projects/:key/changes/:number/submit", inOrOwner(project.ManageChanges), s.handleChangeSubmit},
		{post, "/projects/:key/changes/:number/withdraw", inOrOwner(project.ManageChanges), s.handleChangeWithdraw},
		{post, "/projects/:key/changes/:number/vote", in(project.VoteChange), s.handleChangeVote},
		{post, "/projects/:key/changes/:number/apply", in(project.ApplyChange), s.handleChangeApply},

		// Comments on items: every member but a viewer writes them; the
		// domain lets only a comment's author edit or delete it.
		{post, "/projects/:key/requirements/:number/comments", in(project.Comment), s.handleCommentCreate(comment.Requirement)},
		{post, "/projects/:key/risks/:number/comments", in(project.Comment), s.handleCommentCreate(comment.Risk)},
		{post, "/projects/:key/goals/:id/comments", in(project.Comment), s.handleCommentCreate(comment.Goal)},
		{post, "/projects/:key/milestones/:id/comments", in(project.Comment), s.handleCommentCreate(comment.Milestone)},
		{post, "/projects/:key/reviews/:id/comments", in(project.Comment), s.handleCommentCreate(comment.Review)},
		{post, "/projects/:key/changes/:number/comments", in(project.Comment), s.handleCommentCreate(comment.Change)},
		{post, "/projects/:key/comments/:id/edit", in(project.Comment), s.handleCommentUpdate},
		{post, "/projects/:key/comments/:id/delete", in(project.Comment), s.handleCommentDelete},

		// My work: what waits for the signed-in user across their projects
		// (the home page shows it); marking an item done or read.
		{post, "/work/read", signedIn, s.handleWorkRead},

		// Pitfalls and health: everyone reads; project managers and the
		// steering committee assess and set the thresholds.
		{get, "/projects/:key/health", in(project.ViewProject), s.handleHealth},
		{post, "/projects/:key/health/thresholds", in(project.AssessPitfalls), s.handleThresholds},
		{get, "/projects/:key/pitfalls", in(project.ViewProject), s.handlePitfalls},
		{post, "/projects/:key/pitfalls/:code", in(project.AssessPitfalls), s.handlePitfallAssess},

		// JSON API. Its OpenAPI document (internal/web/openapi) names every
		// /api/v1 route below; a test fails when the two differ.
		{get, "/api/v1/openapi.json", public, s.apiOpenAPI},
		{get, "/api/v1/me", signedIn, s.apiMe},
		{get, "/api/v1/projects", signedIn, s.apiProjects},
		{post, "/api/v1/projects", signedIn, s.apiProjectCreate},
		{get, "/api/v1/projects/:key", in(project.ViewProject), s.apiProject},
		{patch, "/api/v1/projects/:key", in(project.EditProject), s.apiProjectUpdate},
		{get, "/api/v1/projects/:key/members", in(project.ViewProject), s.apiMembers},
		{post, "/api/v1/projects/:key/members", in(project.ManageMembers), s.apiMemberAdd},
		{patch, "/api/v1/projects/:key/members/:user_id", in(project.ManageMembers), s.apiMemberUpdate},
		{del, "/api/v1/projects/:key/members/:user_id", in(project.ManageMembers), s.apiMemberRemove},
		{get, "/api/v1/projects/:key/phases", in(project.ViewProject), s.apiPhases},
		{post, "/api/v1/projects/:key/phases", in(project.ManagePhases), s.apiPhaseCreate},
		{patch, "/api/v1/projects/:key/phases/:id", in(project.ManagePhases), s.apiPhaseUpdate},
		{post, "/api/v1/projects/:key/phases/:id/move", in(project.ManagePhases), s.apiPhaseMove},
		{del, "/api/v1/projects/:key/phases/:id", in(project.ManagePhases), s.apiPhaseDelete},
		{get, "/api/v1/projects/:key/activity", in(project.ViewProject), s.apiActivity},
		{get, "/api/v1/portfolio", signedIn, s.apiPortfolio},
		{get, "/api/v1/projects/:key/dashboard", in(project.ViewProject), s.apiDashboard},
		{get, "/api/v1/projects/:key/budget", in(project.ViewProject), s.apiBudget},
		{post, "/api/v1/projects/:key/budget", in(project.ManageBudget), s.apiBudgetPost},
		{get, "/api/v1/projects/:key/export", in(project.ExportProject), s.apiProjectExport},
		{get, "/api/v1/projects/:key/requirements", in(project.ViewProject), s.apiRequirements},
		{post, "/api/v1/projects/:key/requirements", in(project.ManageRequirements), s.apiRequirementCreate},
		{get, "/api/v1/projects/:key/requirements/trend", in(project.ViewProject), s.apiRequirementTrend},
		{get, "/api/v1/projects/:key/requirements/:number", in(project.ViewProject), s.apiRequirement},
		{patch, "/api/v1/projects/:key/requirements/:number", inOrOwner(project.ManageRequirements), s.apiRequirementUpdate},
		{del, "/api/v1/projects/:key/requirements/:number", in(project.ManageRequirements), s.apiRequirementDelete},
		{post, "/api/v1/projects/:key/requirements/:number/move", in(project.ManageRequirements), s.apiRequirementMove},
		{get, "/api/v1/projects/:key/requirements/:number/history", in(project.ViewProject), s.apiRequirementHistory},
		{get, "/api/v1/projects/:key/goals", in(project.ViewProject), s.apiGoals},
		{post, "/api/v1/projects/:key/goals", in(project.ManageGoals), s.apiGoalCreate},
		{get, "/api/v1/projects/:key/goals/:id", in(project.ViewProject), s.apiGoal},
		{patch, "/api/v1/projects/:key/goals/:id", in(project.ManageGoals), s.apiGoalUpdate},
		{del, "/api/v1/projects/:key/goals/:id", in(project.ManageGoals), s.apiGoalDelete},
		{get, "/api/v1/projects/:key/goals/:id/measurements", in(project.ViewProject), s.apiMeasurements},
		{post, "/api/v1/projects/:key/goals/:id/measurements", inOrOwner(project.RecordMeasurement), s.apiMeasurementCreate},
		{get, "/api/v1/projects/:key/adoption", in(project.ViewProject), s.apiAdoption},
		{post, "/api/v1/projects/:key/adoption", in(project.RecordAdoption), s.apiAdoptionPost},
		{get, "/api/v1/projects/:key/milestones", in(project.ViewProject), s.apiMilestones},
		{get, "/api/v1/projects/:key/baselines", in(project.ViewProject), s.apiBaselines},
		{post, "/api/v1/projects/:key/baselines", in(project.ManageMilestones), s.apiBaselineTake},
		{get, "/api/v1/projects/:key/baselines/:id", in(project.ViewProject), s.apiBaseline},
		{post, "/api/v1/projects/:key/milestones", in(project.ManageMilestones), s.apiMilestoneCreate},
		{get, "/api/v1/projects/:key/milestones/:id", in(project.ViewProject), s.apiMilestone},
		{patch, "/api/v1/projects/:key/milestones/:id", in(project.ManageMilestones), s.apiMilestoneUpdate},
		{del, "/api/v1/projects/:key/milestones/:id", in(project.ManageMilestones), s.apiMilestoneDelete},
		{get, "/api/v1/projects/:key/milestones/:id/deliverables", in(project.ViewProject), s.apiDeliverables},
		{post, "/api/v1/projects/:key/milestones/:id/deliverables", in(project.ManageMilestones), s.apiDeliverableAdd},
		{patch, "/api/v1/projects/:key/milestones/:id/deliverables/:did", inOrOwner(project.ManageMilestones), s.apiDeliverableTick},
		{get, "/api/v1/projects/:key/milestones/:id/reviews", in(project.ViewProject), s.apiMilestoneReviews},
		{post, "/api/v1/projects/:key/milestones/:id/reviews", in(project.ManageMilestones), s.apiReviewSchedule},
		{get, "/api/v1/projects/:key/reviews/:id", in(project.ViewProject), s.apiReview},
		{post, "/api/v1/projects/:key/reviews/:id/decision", in(project.RecordDecision), s.apiReviewDecide},
		{get, "/api/v1/projects/:key/reviews/:id/actions", in(project.ViewProject), s.apiActions},
		{patch, "/api/v1/projects/:key/reviews/:id/actions/:aid", inOrOwner(project.ManageMilestones), s.apiActionStatus},
		{get, "/api/v1/projects/:key/risks", in(project.ViewProject), s.apiRisks},
		{post, "/api/v1/projects/:key/risks", in(project.ProposeRisk), s.apiRiskCreate},
		{get, "/api/v1/projects/:key/risks/heatmap", in(project.ViewProject), s.apiRiskHeatmap},
		{get, "/api/v1/projects/:key/risks/:number", in(project.ViewProject), s.apiRisk},
		{patch, "/api/v1/projects/:key/risks/:number", inOrOwner(project.ManageRisks), s.apiRiskUpdate},
		{del, "/api/v1/projects/:key/risks/:number", in(project.ManageRisks), s.apiRiskDelete},
		{get, "/api/v1/projects/:key/risks/:number/reviews", in(project.ViewProject), s.apiRiskReviews},
		{post, "/api/v1/projects/:key/risks/:number/reviews", inOrOwner(project.ManageRisks), s.apiRiskReviewCreate},
		{get, "/api/v1/projects/:key/changes", in(project.ViewProject), s.apiChanges},
		{post, "/api/v1/projects/:key/changes", in(project.DraftChange), s.apiChangeCreate},
		{get, "/api/v1/projects/:key/changes/:number", in(project.ViewProject), s.apiChange},
		{patch, "/api/v1/projects/:key/changes/:number", inOrOwner(project.ManageChanges), s.apiChangeUpdate},
		{post, "/api/v1/projects/:key/changes/:number/submit", inOrOwner(project.ManageChanges), s.apiChangeSubmit},
		{post, "/api/v1/projects/:key/changes/:number/withdraw", inOrOwner(project.ManageChanges), s.apiChangeWithdraw},
		{post, "/api/v1/projects/:key/changes/:number/vote", in(project.VoteChange), s.apiChangeVote},
		{post, "/api/v1/projects/:key/changes/:number/apply", in(project.ApplyChange), s.apiChangeApply},
		{get, "/api/v1/projects/:key/pitfalls", in(project.ViewProject), s.apiPitfalls},
		{get, "/api/v1/projects/:key/pitfalls/thresholds", in(project.ViewProject), s.apiThresholds},
		{put, "/api/v1/projects/:key/pitfalls/thresholds", in(project.AssessPitfalls), s.apiThresholdsPut}, // before /:code
		{put, "/api/v1/projects/:key/pitfalls/:code", in(project.AssessPitfalls), s.apiPitfallAssess},
		{get, "/api/v1/projects/:key/health", in(project.ViewProject), s.apiHealth},
		{get, "/api/v1/projects/:key/requirements/:number/comments", in(project.ViewProject), s.apiComments(comment.Requirement)},
		{post, "/api/v1/projects/:key/requirements/:number/comments", in(project.Comment), s.apiCommentCreate(comment.Requirement)},
		{get, "/api/v1/projects/:key/risks/:number/comments", in(project.ViewProject), s.apiComments(comment.Risk)},
		{post, "/api/v1/projects/:key/risks/:number/comments", in(project.Comment), s.apiCommentCreate(comment.Risk)},
		{get, "/api/v1/projects/:key/goals/:id/comments", in(project.ViewProject), s.apiComments(comment.Goal)},
		{post, "/api/v1/projects/:key/goals/:id/comments", in(project.Comment), s.apiCommentCreate(comment.Goal)},
		{get, "/api/v1/projects/:key/milestones/:id/comments", in(project.ViewProject), s.apiComments(comment.Milestone)},
		{post, "/api/v1/projects/:key/milestones/:id/comments", in(project.Comment), s.apiCommentCreate(comment.Milestone)},
		{get, "/api/v1/projects/:key/reviews/:id/comments", in(project.ViewProject), s.apiComments(comment.Review)},
		{post, "/api/v1/projects/:key/reviews/:id/comments", in(project.Comment), s.apiCommentCreate(comment.Review)},
		{get, "/api/v1/projects/:key/changes/:number/comments", in(project.ViewProject), s.apiComments(comment.Change)},
		{post, "/api/v1/projects/:key/changes/:number/comments", in(project.Comment), s.apiCommentCreate(comment.Change)},
		{patch, "/api/v1/projects/:key/comments/:id", in(project.Comment), s.apiCommentUpdate},
		{del, "/api/v1/projects/:key/comments/:id", in(project.Comment), s.apiCommentDelete},
		{get, "/api/v1/me/work", signedIn, s.apiMyWork},
		{post, "/api/v1/me/work/read", signedIn, s.apiWorkRead},
	}
}

func (s *Server) register(app *fiber.App) {
	for _, r := range s.routes() {
		app.Add(r.method, r.path, s.guard(r.access), r.handle)
	}
	// Anything else is a 404 through the one error handler.
	app.Use(func(c *fiber.Ctx) error {
		if err := s.authenticate(c); err != nil {
			return err
		}
		return fiber.ErrNotFound
	})
}

// guard finds the caller and enforces a route's access rule before its
// handler runs. On a project route the caller, the project and their
// membership come from one query (project.CallerIn).
func (s *Server) guard(a access) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if a.kind == kindInProject || a.kind == kindAdminProject {
			return s.guardProject(c, a)
		}
		if err := s.authenticate(c); err != nil {
			return err
		}
		if a.kind == kindPublic {
			return c.Next()
		}
		u := currentUser(c)
		if u == nil {
			if !isAPI(c) && c.Method() == fiber.MethodGet {
				return signInRedirect(c)
			}
			return apperr.Unauthenticated()
		}
		switch a.kind {
		case kindUser:
			return c.Next()
		case kindAdmin:
			if !u.IsAdmin {
				return apperr.Forbidden()
			}
			return c.Next()
		}
		return apperr.Forbidden()
	}
}

// guardProject is the guard of a project route.
func (s *Server) guardProject(c *fiber.Ctx, a access) error {
	cred, err := s.credential(c)
	if err != nil {
		return err
	}
	var (
		u   *account.User
		p   *project.Project
		acc project.Access
	)
	if !cred.Anonymous() {
		u, p, acc, err = project.CallerIn(c.UserContext(), s.db, cred, c.Params("key"), s.now())
		if err := s.signedIn(c, cred, u, err); err != nil {
			return err
		}
	}
	if u == nil {
		if !isAPI(c) && c.Method() == fiber.MethodGet {
			return signInRedirect(c)
		}
		return apperr.Unauthenticated()
	}
	allowed := u.IsAdmin
	if a.kind == kindInProject {
		allowed = acc.Can(a.action) || (a.orOwner && acc.IsMember)
		// An archived project is read-only until it is restored.
		if allowed && p.Archived && a.action != project.ViewProject && a.action != project.ArchiveProject && a.action != project.ExportProject {
			return &apperr.Error{Kind: apperr.KindForbidden, Message: apperr.Msg("project.archived_readonly")}
		}
	}
	if !allowed {
		return apperr.Forbidden()
	}
	c.Locals(localProject, p)
	c.Locals(localAccess, acc)
	return c.Next()
}
