package web

import (
	"net/http"
	"sort"
	"strings"
	"testing"
)

// caller is one kind of person knocking on a route.
type caller int

const (
	anonymous caller = iota
	disabledUser
	outsider // signed in, not a member of the project
	viewer
	teamMember
	steering
	businessOwner
	projectManager
	admin // instance admin, not a member of the project
	numCallers
)

func (c caller) String() string {
	return [...]string{"anonymous", "disabled", "outsider", "viewer", "member", "steering",
		"business_owner", "project_manager", "admin"}[c]
}

type callers map[caller]bool

func allow(cs ...caller) callers {
	m := callers{}
	for _, c := range cs {
		m[c] = true
	}
	return m
}

var (
	everyone           = allow(anonymous, disabledUser, outsider, viewer, teamMember, steering, businessOwner, projectManager, admin)
	anySignedIn        = allow(outsider, viewer, teamMember, steering, businessOwner, projectManager, admin)
	adminsOnly         = allow(admin)
	projectReader      = allow(viewer, teamMember, steering, businessOwner, projectManager, admin)
	managers           = allow(projectManager)
	goalEditors        = allow(projectManager, businessOwner)
	requirementEditors = allow(projectManager, businessOwner)
	measurers          = allow(projectManager, businessOwner, teamMember) // and the goal's owner, tested apart
	planners           = allow(projectManager)                            // ticking: also the milestone's or action's owner, tested apart
	deciders           = allow(steering)
	riskEditors        = allow(projectManager, steering) // and the risk's owner, tested apart
	riskProposers      = allow(projectManager, businessOwner, steering, teamMember)
	exporters          = allow(projectManager, admin) // admins export any project, member or not
	changeDrafters     = allow(projectManager, businessOwner, steering, teamMember)
	changeManagers     = allow(projectManager) // and the request's requester, tested apart
	changeVoters       = allow(steering)
	assessors          = allow(projectManager, steering)
	commenters         = allow(projectManager, businessOwner, steering, teamMember)
	commentAuthor      = allow(projectManager) // the seeded comment's author; other members get 403
	adoptionRecorders  = allow(projectManager, businessOwner, teamMember)
)

// routeAccess is who may call each route: the test's own statement of the rules,
// checked against what the app does. Every route of the app must have a row.
var routeAccess = map[string]callers{
	"GET /healthz":                                           everyone,
	"GET /readyz":                                            everyone,
	"GET /":                                                  everyone,
	"POST /lang":                                             everyone,
	"POST /setup":                                            everyone,
	"GET /signin":                                            everyone,
	"POST /signin":                                           everyone,
	"POST /signout":                                          anySignedIn,
	"POST /auth/oidc/start":                                  everyone,
	"GET /auth/oidc/callback":                                everyone,
	"GET /account":                                           anySignedIn,
	"POST /account/profile":                                  anySignedIn,
	"POST /account/password":                                 anySignedIn,
	"POST /account/tokens":                                   anySignedIn,
	"POST /account/tokens/:id/revoke":                        anySignedIn,
	"GET /admin/users":                                       adminsOnly,
	"POST /admin/users":                                      adminsOnly,
	"POST /admin/users/:id/disable":                          adminsOnly,
	"POST /admin/users/:id/enable":                           adminsOnly,
	"POST /admin/users/:id/reset-password":                   adminsOnly,
	"POST /admin/settings":                                   adminsOnly,
	"GET /admin/activity":                                    adminsOnly,
	"GET /admin/deliveries":                                  adminsOnly,
	"POST /admin/deliveries/:id/retry":                       adminsOnly,
	"POST /account/notifications":                            anySignedIn,
	"GET /projects/:key/webhooks":                            managers,
	"POST /projects/:key/webhooks":                           managers,
	"POST /projects/:key/webhooks/:id/delete":                managers,
	"POST /projects/:key/webhooks/:id/test":                  managers,
	"GET /api/v1/projects/:key/webhooks":                     managers,
	"POST /api/v1/projects/:key/webhooks":                    managers,
	"DELETE /api/v1/projects/:key/webhooks/:id":              managers,
	"GET /projects":                                          anySignedIn,
	"GET /projects/new":                                      anySignedIn,
	"POST /projects":                                         anySignedIn,
	"GET /projects/:key":                                     projectReader,
	"GET /projects/:key/edit":                                managers,
	"POST /projects/:key/edit":                               managers,
	"POST /projects/:key/archive":                            managers,
	"POST /projects/:key/restore":                            managers,
	"GET /projects/:key/delete":                              adminsOnly,
	"POST /projects/:key/delete":                             adminsOnly,
	"GET /projects/:key/phases":                              projectReader,
	"POST /projects/:key/phases":                             managers,
	"POST /projects/:key/phases/:id":                         managers,
	"POST /projects/:key/phases/:id/move":                    managers,
	"POST /projects/:key/phases/:id/delete":                  managers,
	"GET /projects/:key/members":                             projectReader,
	"POST /projects/:key/members":                            managers,
	"POST /projects/:key/members/:user_id":                   managers,
	"POST /projects/:key/members/:user_id/remove":            managers,
	"GET /projects/:key/activity":                            projectReader,
	"GET /projects/:key/export":                              exporters,
	"GET /projects/:key/goals":                               projectReader,
	"GET /projects/:key/goals/new":                           goalEditors,
	"POST /projects/:key/goals":                              goalEditors,
	"GET /projects/:key/goals/export.xlsx":                   projectReader,
	"GET /projects/:key/goals/import":                        measurers,
	"POST /projects/:key/goals/import":                       measurers,
	"GET /projects/:key/goals/:id":                           projectReader,
	"GET /projects/:key/goals/:id/edit":                      goalEditors,
	"POST /projects/:key/goals/:id/edit":                     goalEditors,
	"POST /projects/:key/goals/:id/delete":                   goalEditors,
	"POST /projects/:key/goals/:id/measurements":             measurers,
	"POST /projects/:key/goals/:id/measurements/:mid/delete": goalEditors,
	"GET /projects/:key/risks":                               projectReader,
	"GET /projects/:key/risks/new":                           riskProposers,
	"POST /projects/:key/risks":                              riskProposers,
	"GET /projects/:key/risks/export.xlsx":                   projectReader,
	"GET /projects/:key/risks/import":                        riskEditors,
	"POST /projects/:key/risks/import":                       riskEditors,
	"GET /projects/:key/risks/:number":                       projectReader,
	"GET /projects/:key/risks/:number/edit":                  riskEditors,
	"POST /projects/:key/risks/:number/edit":                 riskEditors,
	"POST /projects/:key/risks/:number/delete":               riskEditors,
	"POST /projects/:key/risks/:number/reviews":              riskEditors,
	"GET /api/v1/projects/:key/goals":                        projectReader,
	"POST /api/v1/projects/:key/goals":                       goalEditors,
	"GET /api/v1/projects/:key/goals/:id":                    projectReader,
	"PATCH /api/v1/projects/:key/goals/:id":                  goalEditors,
	"DELETE /api/v1/projects/:key/goals/:id":                 goalEditors,
	"GET /api/v1/projects/:key/goals/:id/measurements":       projectReader,
	"POST /api/v1/projects/:key/goals/:id/measurements":      measurers,
	"GET /api/v1/projects/:key/risks":                        projectReader,
	"POST /api/v1/projects/:key/risks":                       riskProposers,
	"GET /api/v1/projects/:key/risks/heatmap":                projectReader,
	"GET /api/v1/projects/:key/risks/:number":                projectReader,
	"PATCH /api/v1/projects/:key/risks/:number":              riskEditors,
	"DELETE /api/v1/projects/:key/risks/:number":             riskEditors,
	"GET /api/v1/projects/:key/risks/:number/reviews":        projectReader,
	"POST /api/v1/projects/:key/risks/:number/reviews":       riskEditors,
	"GET /projects/:key/requirements":                        projectReader,
	"GET /projects/:key/requirements/new":                    requirementEditors,
	"POST /projects/:key/requirements":                       requirementEditors,
	"POST /projects/:key/requirements/bulk":                  requirementEditors,
	"GET /projects/:key/requirements/export.xlsx":            projectReader,
	"GET /projects/:key/requirements/export.csv":             projectReader,
	"GET /projects/:key/requirements/import":                 requirementEditors,
	"POST /projects/:key/requirements/import":                requirementEditors,
	"GET /projects/:key/requirements/:number":                projectReader,
	"GET /projects/:key/requirements/:number/edit":           requirementEditors, // and the member who owns it, tested apart
	"POST /projects/:key/requirements/:number/edit":          requirementEditors,
	"POST /projects/:key/requirements/:number/move":          requirementEditors,
	"POST /projects/:key/requirements/move":                  requirementEditors,
	"POST /projects/:key/requirements/:number/delete":        requirementEditors,
	"GET /api/v1/projects/:key/requirements":                 projectReader,
	"POST /api/v1/projects/:key/requirements":                requirementEditors,
	"GET /api/v1/projects/:key/requirements/trend":           projectReader,
	"GET /api/v1/projects/:key/requirements/:number":         projectReader,
	"PATCH /api/v1/projects/:key/requirements/:number":       requirementEditors,
	"DELETE /api/v1/projects/:key/requirements/:number":      requirementEditors,
	"POST /api/v1/projects/:key/requirements/:number/move":   requirementEditors,
	"GET /api/v1/projects/:key/requirements/:number/history": projectReader,
	"GET /api/v1/openapi.json":                               everyone,
	"GET /api/v1/me":                                         anySignedIn,
	"GET /api/v1/projects":                                   anySignedIn,
	"POST /api/v1/projects":                                  anySignedIn,
	"GET /api/v1/projects/:key":                              projectReader,
	"PATCH /api/v1/projects/:key":                            managers,
	"GET /api/v1/projects/:key/members":                      projectReader,
	"POST /api/v1/projects/:key/members":                     managers,
	"PATCH /api/v1/projects/:key/members/:user_id":           managers,
	"DELETE /api/v1/projects/:key/members/:user_id":          managers,
	"GET /api/v1/projects/:key/phases":                       projectReader,
	"POST /api/v1/projects/:key/phases":                      managers,
	"PATCH /api/v1/projects/:key/phases/:id":                 managers,
	"POST /api/v1/projects/:key/phases/:id/move":             managers,
	"DELETE /api/v1/projects/:key/phases/:id":                managers,

	// Adoption figures.
	"GET /projects/:key/adoption":             projectReader,
	"GET /projects/:key/adoption/export.xlsx": projectReader,
	"GET /projects/:key/adoption/import":      adoptionRecorders,
	"POST /projects/:key/adoption/import":     adoptionRecorders,
	"GET /api/v1/projects/:key/adoption":      projectReader,
	"POST /api/v1/projects/:key/adoption":     adoptionRecorders,
	"GET /api/v1/projects/:key/activity":      projectReader,

	// The dashboard, the portfolio and the budget.
	"GET /portfolio":                            anySignedIn,
	"GET /projects/:key/dashboard":              projectReader,
	"GET /projects/:key/dashboard.xlsx":         projectReader,
	"GET /projects/:key/reviews/latest.xlsx":    projectReader,
	"GET /projects/:key/budget":                 projectReader,
	"GET /projects/:key/budget/export.xlsx":     projectReader,
	"GET /projects/:key/budget/import":          managers,
	"POST /projects/:key/budget/import":         managers,
	"POST /projects/:key/budget/lines":          managers,
	"GET /projects/:key/budget/lines/:id/edit":  managers,
	"POST /projects/:key/budget/lines/:id/edit": managers,
	"POST /projects/:key/budget/entries":        managers,
	"GET /api/v1/portfolio":                     anySignedIn,
	"GET /api/v1/projects/:key/dashboard":       projectReader,
	"GET /api/v1/projects/:key/budget":          projectReader,
	"POST /api/v1/projects/:key/budget":         managers,
	"GET /api/v1/projects/:key/export":          exporters,

	// Pitfalls and health.
	"GET /projects/:key/health":                     projectReader,
	"POST /projects/:key/health/thresholds":         assessors,
	"GET /projects/:key/pitfalls":                   projectReader,
	"POST /projects/:key/pitfalls/:code":            assessors,
	"GET /api/v1/projects/:key/pitfalls":            projectReader,
	"PUT /api/v1/projects/:key/pitfalls/:code":      assessors,
	"GET /api/v1/projects/:key/pitfalls/thresholds": projectReader,
	"PUT /api/v1/projects/:key/pitfalls/thresholds": assessors,
	"GET /api/v1/projects/:key/health":              projectReader,

	// The plan: milestones, deliverables and gate reviews.
	"GET /projects/:key/plan":                                      projectReader,
	"POST /projects/:key/baselines":                                planners,
	"GET /projects/:key/milestones/new":                            planners,
	"POST /projects/:key/milestones":                               planners,
	"GET /projects/:key/milestones/:id":                            projectReader,
	"GET /projects/:key/milestones/:id/edit":                       planners,
	"POST /projects/:key/milestones/:id/edit":                      planners,
	"POST /projects/:key/milestones/:id/delete":                    planners,
	"POST /projects/:key/milestones/:id/deliverables":              planners,
	"POST /projects/:key/milestones/:id/deliverables/:did/tick":    planners,
	"POST /projects/:key/milestones/:id/reviews":                   planners,
	"GET /projects/:key/reviews/:id":                               projectReader,
	"POST /projects/:key/reviews/:id/decision":                     deciders,
	"POST /projects/:key/reviews/:id/actions/:aid":                 planners,
	"GET /api/v1/projects/:key/milestones":                         projectReader,
	"GET /api/v1/projects/:key/milestones/:id/deliverables":        projectReader,
	"POST /api/v1/projects/:key/milestones/:id/deliverables":       planners,
	"PATCH /api/v1/projects/:key/milestones/:id/deliverables/:did": planners,
	"GET /api/v1/projects/:key/reviews/:id/actions":                projectReader,
	"PATCH /api/v1/projects/:key/reviews/:id/actions/:aid":         planners,
	"GET /api/v1/projects/:key/baselines":                          projectReader,
	"POST /api/v1/projects/:key/baselines":                         planners,
	"GET /api/v1/projects/:key/baselines/:id":                      projectReader,
	"POST /api/v1/projects/:key/milestones":                        planners,
	"GET /api/v1/projects/:key/milestones/:id":                     projectReader,
	"PATCH /api/v1/projects/:key/milestones/:id":                   planners,
	"DELETE /api/v1/projects/:key/milestones/:id":                  planners,
	"GET /api/v1/projects/:key/milestones/:id/reviews":             projectReader,
	"POST /api/v1/projects/:key/milestones/:id/reviews":            planners,
	"GET /api/v1/projects/:key/reviews/:id":                        projectReader,
	"POST /api/v1/projects/:key/reviews/:id/decision":              deciders,

	// Change requests: the seeded draft was requested by the project manager.
	"GET /projects/:key/changes":                                   projectReader,
	"GET /projects/:key/changes/new":                               changeDrafters,
	"POST /projects/:key/changes":                                  changeDrafters,
	"POST /projects/:key/changes/settings":                         managers,
	"GET /projects/:key/changes/:number":                           projectReader,
	"GET /projects/:key/changes/:number/edit":                      changeManagers,
	"POST /projects/:key/changes/:number/edit":                     changeManagers,
	"POST /projects/:key/changes/:number/operations":               changeManagers,
	"POST /projects/:key/changes/:number/operations/:index/delete": changeManagers,
	"POST /projects/:key/changes/:number/submit":                   changeManagers,
	"POST /projects/:key/changes/:number/withdraw":                 changeManagers,
	"POST /projects/:key/changes/:number/vote":                     changeVoters,
	"POST /projects/:key/changes/:number/apply":                    managers,
	"GET /api/v1/projects/:key/changes":                            projectReader,
	"POST /api/v1/projects/:key/changes":                           changeDrafters,
	"GET /api/v1/projects/:key/changes/:number":                    projectReader,
	"PATCH /api/v1/projects/:key/changes/:number":                  changeManagers,
	"POST /api/v1/projects/:key/changes/:number/submit":            changeManagers,
	"POST /api/v1/projects/:key/changes/:number/withdraw":          changeManagers,
	"POST /api/v1/projects/:key/changes/:number/vote":              changeVoters,
	"POST /api/v1/projects/:key/changes/:number/apply":             managers,

	// Comments, My work.
	"POST /projects/:key/requirements/:number/comments":        commenters,
	"POST /projects/:key/risks/:number/comments":               commenters,
	"POST /projects/:key/goals/:id/comments":                   commenters,
	"POST /projects/:key/milestones/:id/comments":              commenters,
	"POST /projects/:key/reviews/:id/comments":                 commenters,
	"POST /projects/:key/changes/:number/comments":             commenters,
	"POST /projects/:key/comments/:id/edit":                    commentAuthor,
	"POST /projects/:key/comments/:id/delete":                  commentAuthor,
	"GET /api/v1/projects/:key/requirements/:number/comments":  projectReader,
	"POST /api/v1/projects/:key/requirements/:number/comments": commenters,
	"GET /api/v1/projects/:key/risks/:number/comments":         projectReader,
	"POST /api/v1/projects/:key/risks/:number/comments":        commenters,
	"GET /api/v1/projects/:key/goals/:id/comments":             projectReader,
	"POST /api/v1/projects/:key/goals/:id/comments":            commenters,
	"GET /api/v1/projects/:key/milestones/:id/comments":        projectReader,
	"POST /api/v1/projects/:key/milestones/:id/comments":       commenters,
	"GET /api/v1/projects/:key/reviews/:id/comments":           projectReader,
	"POST /api/v1/projects/:key/reviews/:id/comments":          commenters,
	"GET /api/v1/projects/:key/changes/:number/comments":       projectReader,
	"POST /api/v1/projects/:key/changes/:number/comments":      commenters,
	"PATCH /api/v1/projects/:key/comments/:id":                 commentAuthor,
	"DELETE /api/v1/projects/:key/comments/:id":                commentAuthor,
	"POST /work/read":           anySignedIn,
	"GET /api/v1/me/work":       anySignedIn,
	"POST /api/v1/me/work/read": anySignedIn,
}

// TestEveryRouteChecksWhoIsCalling walks the app's own route table and calls
// every route as every kind of caller.
func TestEveryRouteChecksWhoIsCalling(t *testing.T) {
	m := newMatrix(t)
	s := &Server{}
	routes := s.routes()
	seen := map[string]bool{}
	for _, r := range routes {
		seen[r.method+" "+r.path] = true
	}
	var missing []string
	for _, r := range routes {
		if _, ok := routeAccess[r.method+" "+r.path]; !ok {
			missing = append(missing, r.method+" "+r.path)
		}
	}
	for k := range routeAccess {
		if !seen[k] {
			missing = append(missing, "(no such route) "+k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("routes without a row in routeAccess:\n%s", strings.Join(missing, "\n"))
	}

	for _, r := range routes {
		if r.path == "/signout" {
			continue // signs the callers out: checked last
		}
		m.checkRoute(r.method, r.path)
	}
	m.checkRoute(http.MethodPost, "/signout")
}
