package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"rollout/internal/account"
	"rollout/internal/budget"
	"rollout/internal/change"
	"rollout/internal/comment"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/office"
	"rollout/internal/project"
	"rollout/internal/project/projecttest"
	"rollout/internal/requirement"
	"rollout/internal/risk"
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
	"POST /projects/:key/requirements/:number/delete":        requirementEditors,
	"GET /api/v1/projects/:key/requirements":                 projectReader,
	"POST /api/v1/projects/:key/requirements":                requirementEditors,
	"GET /api/v1/projects/:key/requirements/trend":           projectReader,
	"GET /api/v1/projects/:key/requirements/:number":         projectReader,
	"PATCH /api/v1/projects/:key/requirements/:number":       requirementEditors,
	"DELETE /api/v1/projects/:key/requirements/:number":      requirementEditors,
	"POST /api/v1/projects/:key/requirements/:number/move":   requirementEditors,
	"GET /api/v1/projects/:key/requirements/:number/history": projectReader,
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
	"GET /api/v1/projects/:key/activity":                     projectReader,

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
	"GET /projects/:key/health":                projectReader,
	"POST /projects/:key/health/thresholds":    assessors,
	"GET /projects/:key/pitfalls":              projectReader,
	"POST /projects/:key/pitfalls/:code":       assessors,
	"GET /api/v1/projects/:key/pitfalls":       projectReader,
	"PUT /api/v1/projects/:key/pitfalls/:code": assessors,
	"GET /api/v1/projects/:key/health":         projectReader,

	// The plan: milestones, deliverables and gate reviews.
	"GET /projects/:key/plan":                                   projectReader,
	"POST /projects/:key/baselines":                             planners,
	"GET /projects/:key/milestones/new":                         planners,
	"POST /projects/:key/milestones":                            planners,
	"GET /projects/:key/milestones/:id":                         projectReader,
	"GET /projects/:key/milestones/:id/edit":                    planners,
	"POST /projects/:key/milestones/:id/edit":                   planners,
	"POST /projects/:key/milestones/:id/delete":                 planners,
	"POST /projects/:key/milestones/:id/deliverables":           planners,
	"POST /projects/:key/milestones/:id/deliverables/:did/tick": planners,
	"POST /projects/:key/milestones/:id/reviews":                planners,
	"GET /projects/:key/reviews/:id":                            projectReader,
	"POST /projects/:key/reviews/:id/decision":                  deciders,
	"POST /projects/:key/reviews/:id/actions/:aid":              planners,
	"GET /api/v1/projects/:key/milestones":                      projectReader,
	"GET /api/v1/projects/:key/baselines":                       projectReader,
	"POST /api/v1/projects/:key/baselines":                      planners,
	"GET /api/v1/projects/:key/baselines/:id":                   projectReader,
	"POST /api/v1/projects/:key/milestones":                     planners,
	"GET /api/v1/projects/:key/milestones/:id":                  projectReader,
	"PATCH /api/v1/projects/:key/milestones/:id":                planners,
	"DELETE /api/v1/projects/:key/milestones/:id":               planners,
	"GET /api/v1/projects/:key/milestones/:id/reviews":          projectReader,
	"POST /api/v1/projects/:key/milestones/:id/reviews":         planners,
	"GET /api/v1/projects/:key/reviews/:id":                     projectReader,
	"POST /api/v1/projects/:key/reviews/:id/decision":           deciders,

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

// matrix is the shared fixture: one browser per caller, and per route a
// project of its own so that one route's writes cannot change another's answer.
type matrix struct {
	t        *testing.T
	db       *database.DB
	browsers [numCallers]*browser
	users    [numCallers]*account.User
	target   *account.User // a member each route may change or remove
	victim   *account.User // an account the admin routes act on
	seq      int
}

func newMatrix(t *testing.T) *matrix {
	app, db := testApp(t)
	m := &matrix{t: t, db: db}
	ctx := context.Background()
	m.browsers[anonymous] = newBrowser(t, app)
	for c := disabledUser; c < numCallers; c++ {
		email := c.String() + "@example.com"
		m.users[c] = createUser(t, db, email, "User "+c.String(), c == admin)
		m.browsers[c] = signIn(t, app, email, testPassword)
	}
	m.target = createUser(t, db, "target@example.com", "Target Person", false)
	m.victim = createUser(t, db, "victim@example.com", "Victim Person", false)
	if _, err := account.SetDisabled(ctx, db, m.users[admin].ID, m.users[disabledUser].ID, true); err != nil {
		t.Fatal(err)
	}
	return m
}

// newProject makes a project with one member of each role, and returns its key.
func (m *matrix) newProject() string {
	m.t.Helper()
	ctx := context.Background()
	m.seq++
	key := "P"
	for n := m.seq; n > 0; n /= 26 { // the sequence number in letters: PB, PC, … PBA …
		key += string(rune('A' + n%26))
	}
	p, err := project.Create(ctx, m.db, m.users[projectManager].ID, project.Input{Key: key, Name: "Secret project " + key}, "en")
	if err != nil {
		m.t.Fatal(err)
	}
	for c, role := range map[caller]project.Role{viewer: project.RoleViewer, teamMember: project.RoleMember,
		steering: project.RoleSteering, businessOwner: project.RoleBusinessOwner} {
		if _, err := project.AddMember(ctx, m.db, 0, p.ID, project.MemberInput{Email: m.users[c].Email, Role: role, Department: project.DeptSales}); err != nil {
			m.t.Fatal(err)
		}
	}
	if _, err := project.AddMember(ctx, m.db, 0, p.ID, project.MemberInput{Email: m.target.Email, Role: project.RoleMember, Department: project.DeptIT}); err != nil {
		m.t.Fatal(err)
	}
	baseline, target := 20.0, 30.0
	g, err := goal.Create(ctx, m.db, 0, p.ID, goal.Input{Title: "Lead conversion", Metric: "converted ÷ leads", Baseline: &baseline,
		Target: &target, Direction: goal.Increase, Category: goal.Business, StartOn: date.New(2026, 1, 1),
		DueOn: date.New(2026, 12, 31), OwnerID: m.users[projectManager].ID})
	if err != nil {
		m.t.Fatal(err)
	}
	v := 22.0
	if _, err := goal.AddMeasurement(ctx, m.db, projecttest.Caller(m.t, m.db, p.ID, m.users[projectManager].ID), p.ID, g.ID, goal.MeasurementInput{Value: &v, MeasuredOn: date.New(2026, 2, 1)}, goal.Manual, date.New(2026, 3, 1)); err != nil {
		m.t.Fatal(err)
	}
	if _, err := risk.Create(ctx, m.db, 0, p.ID, risk.Input{Title: "Mock migration fails", Category: risk.DataMigration,
		Probability: 3, Impact: 4, OwnerID: m.users[projectManager].ID}, date.New(2026, 3, 1)); err != nil {
		m.t.Fatal(err)
	}
	if _, err := requirement.Create(ctx, m.db, 0, p.ID, requirement.Input{Title: "Lead capture", Tier: requirement.Must,
		Kind: requirement.Feature, Approach: requirement.Configuration, OwnerID: &m.users[businessOwner].ID}); err != nil {
		m.t.Fatal(err)
	}
	m.seedPlan(p.ID)
	if _, err := budget.AddLine(ctx, m.db, 0, p.ID, budget.LineInput{Category: "Licences", Planned: 1000}); err != nil {
		m.t.Fatal(err)
	}
	m.seedChange(p.ID)
	t, err := comment.FindTarget(ctx, m.db, p.ID, key, comment.Requirement, 1)
	if err != nil {
		m.t.Fatal(err)
	}
	if _, err := comment.Create(ctx, m.db, projecttest.Caller(m.t, m.db, p.ID, m.users[projectManager].ID), p.ID, t, comment.Input{Body: "Seeded comment"}); err != nil {
		m.t.Fatal(err)
	}
	return key
}

// seedChange drafts a change request, requested by the project manager,
// with one operation.
func (m *matrix) seedChange(projectID int64) {
	m.t.Helper()
	if _, err := change.Create(context.Background(), m.db, m.users[projectManager].ID, projectID, change.Input{
		Title: "Lead capture becomes important", Reason: "Phase 1 is too full",
		Operations: []change.Operation{{Op: change.OpSetTier, Number: 1, Tier: requirement.Important}}}); err != nil {
		m.t.Fatal(err)
	}
}

// seedPlan adds a gate milestone with one deliverable, a decided review with
// one action item (owned by the project manager) and a pending review.
func (m *matrix) seedPlan(projectID int64) {
	m.t.Helper()
	ctx := context.Background()
	gate, err := milestone.Create(ctx, m.db, 0, projectID, milestone.Input{Name: "Solution design approved", IsGate: true,
		PlannedOn: date.New(2026, 6, 1), Deliverables: []string{"Process map"}}, date.New(2026, 3, 1))
	if err != nil {
		m.t.Fatal(err)
	}
	sc, pm := m.users[steering].ID, m.users[projectManager].ID
	decided, err := milestone.Schedule(ctx, m.db, 0, projectID, gate.ID, milestone.ScheduleInput{ScheduledOn: date.New(2026, 5, 1), Invited: []int64{sc}})
	if err != nil {
		m.t.Fatal(err)
	}
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	if _, err := office.DecideReview(ctx, m.db, sc, projectID, decided.ID, milestone.DecisionInput{Decision: milestone.NoGo, Attendees: []int64{sc},
		Conditions: []milestone.ActionInput{{Text: "Rework the process map", OwnerID: &pm}}}, now); err != nil {
		m.t.Fatal(err)
	}
	if _, err := milestone.Schedule(ctx, m.db, 0, projectID, gate.ID, milestone.ScheduleInput{ScheduledOn: date.New(2026, 6, 1), Invited: []int64{sc}}); err != nil {
		m.t.Fatal(err)
	}
}

// itemID returns the newest item of a table in the project (measurements
// through their goal).
func (m *matrix) itemID(table, key string) int64 {
	m.t.Helper()
	q := m.db.NewSelect().TableExpr(table + " AS x").Column("x.id").OrderExpr("x.id DESC").Limit(1)
	if table == "measurements" {
		q = q.Join("JOIN goals AS g ON g.id = x.goal_id").Join("JOIN projects AS p ON p.id = g.project_id")
	} else {
		q = q.Join("JOIN projects AS p ON p.id = x.project_id")
	}
	var id int64
	if err := q.Where("p.key = ?", key).Scan(context.Background(), &id); err != nil {
		m.t.Fatalf("%s of %s: %v", table, key, err)
	}
	return id
}

// fill puts real values into a route's parameters.
func (m *matrix) fill(path, key string) string {
	m.t.Helper()
	parts := strings.Split(path, "/")
	for i, part := range parts {
		if !strings.HasPrefix(part, ":") {
			continue
		}
		switch part {
		case ":key":
			parts[i] = key
		case ":number":
			// The project's newest numbered item of the kind the path names.
			table := strings.Split(strings.TrimPrefix(strings.SplitN(path, ":key/", 2)[1], "/"), "/")[0]
			if table == "changes" {
				table = "change_requests"
			}
			var n int
			err := m.db.NewSelect().TableExpr(table+" AS x").Column("x.number").Join("JOIN projects AS p ON p.id = x.project_id").
				Where("p.key = ?", key).OrderExpr("x.id DESC").Limit(1).Scan(context.Background(), &n)
			if err != nil {
				m.t.Fatalf("%s of %s: %v", table, key, err)
			}
			parts[i] = fmt.Sprint(n)
		case ":code":
			parts[i] = "P01"
		case ":mid":
			parts[i] = fmt.Sprint(m.itemID("measurements", key))
		case ":index":
			parts[i] = "0" // the seeded change request's one operation
		case ":user_id":
			parts[i] = fmt.Sprint(m.target.ID)
		case ":did", ":aid":
			// The project's deliverable, or the decided review's action item.
			q := m.db.NewSelect().TableExpr("deliverables AS x").Join("JOIN milestones AS ms ON ms.id = x.milestone_id").
				Join("JOIN projects AS p ON p.id = ms.project_id")
			if part == ":aid" {
				q = m.db.NewSelect().TableExpr("review_actions AS x").Join("JOIN gate_reviews AS gr ON gr.id = x.review_id").
					Join("JOIN projects AS p ON p.id = gr.project_id")
			}
			var id int64
			if err := q.Column("x.id").Where("p.key = ?", key).OrderExpr("x.id DESC").Limit(1).Scan(context.Background(), &id); err != nil {
				m.t.Fatal(err)
			}
			parts[i] = fmt.Sprint(id)
		case ":id":
			switch {
			case strings.Contains(path, "/comments/:id"):
				parts[i] = fmt.Sprint(m.itemID("comments", key))
			case strings.Contains(path, "/phases/"):
				var id int64
				err := m.db.NewSelect().Table("phases").Column("phases.id").Join("JOIN projects p ON p.id = phases.project_id").
					Where("p.key = ?", key).OrderExpr("phases.position DESC").Limit(1).Scan(context.Background(), &id)
				if err != nil {
					m.t.Fatal(err)
				}
				parts[i] = fmt.Sprint(id)
			case strings.Contains(path, "/goals/"):
				parts[i] = fmt.Sprint(m.itemID("goals", key))
			case strings.Contains(path, "/budget/lines/"):
				parts[i] = fmt.Sprint(m.itemID("budget_lines", key))
			case strings.Contains(path, "/milestones/"):
				parts[i] = fmt.Sprint(m.itemID("milestones", key))
			case strings.Contains(path, "/baselines/"):
				parts[i] = fmt.Sprint(m.itemID("plan_baselines", key)) // the gate decision's
			case strings.Contains(path, "/reviews/"):
				// The pending review, or the decided one for its action items.
				q := m.db.NewSelect().TableExpr("gate_reviews AS x").Column("x.id").Join("JOIN projects AS p ON p.id = x.project_id").
					Where("p.key = ? AND (x.decision IS NULL) = ?", key, !strings.Contains(path, "/actions/")).OrderExpr("x.id DESC").Limit(1)
				var id int64
				if err := q.Scan(context.Background(), &id); err != nil {
					m.t.Fatal(err)
				}
				parts[i] = fmt.Sprint(id)
			case strings.HasPrefix(path, "/admin/users/"):
				parts[i] = fmt.Sprint(m.victim.ID)
			case strings.Contains(path, "/webhooks/"):
				// A fresh bot for each call (deleting one removes it); nothing listens at its address.
				var id int64
				err := m.db.NewRaw(`INSERT INTO project_webhooks (project_id, kind, url)
				    SELECT id, 'generic', 'http://127.0.0.1:9/hook' FROM projects WHERE key = ? RETURNING id`, key).Scan(context.Background(), &id)
				if err != nil {
					m.t.Fatal(err)
				}
				parts[i] = fmt.Sprint(id)
			default:
				parts[i] = "999999"
			}
		default:
			m.t.Fatalf("route %s: the permission test has no value for %s; add one in fill", path, part)
		}
	}
	return strings.Join(parts, "/")
}

func (m *matrix) request(c caller, method, path string) response {
	b := m.browsers[c]
	var req *http.Request
	switch {
	case method == http.MethodGet:
		req = httptest.NewRequest(method, path, nil)
	case strings.HasPrefix(path, "/api/"):
		req = httptest.NewRequest(method, path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", b.csrf())
	default:
		req = httptest.NewRequest(method, path, strings.NewReader(url.Values{"_csrf": {b.csrf()}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return b.do(req)
}

// denial is the answer a caller who may not use a route must get.
func denial(c caller, method, path string) (int, string) {
	api := strings.HasPrefix(path, "/api/")
	switch {
	case c == anonymous || c == disabledUser:
		if method == http.MethodGet && !api {
			return http.StatusSeeOther, "/signin"
		}
		return http.StatusUnauthorized, ""
	case strings.Contains(path, ":key") && c == outsider:
		return http.StatusNotFound, "" // never a hint that the project exists
	}
	return http.StatusForbidden, ""
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

func (m *matrix) checkRoute(method, path string) {
	t := m.t
	who := routeAccess[method+" "+path]
	// The refused share one project; each allowed caller gets a fresh one, so
	// one allowed write (a deletion, an archive) cannot change the next answer.
	key := m.newProject()
	target := m.fill(path, key)
	order := make([]caller, 0, numCallers)
	for c := anonymous; c < numCallers; c++ {
		if !who[c] {
			order = append(order, c)
		}
	}
	for c := anonymous; c < numCallers; c++ {
		if who[c] {
			order = append(order, c)
		}
	}
	for _, c := range order {
		if who[c] && strings.Contains(path, ":key") {
			key = m.newProject()
			target = m.fill(path, key)
		}
		r := m.request(c, method, target)
		if who[c] {
			// A public form may answer 401 to wrong credentials; that is not a refusal of the caller.
			refused := (r.StatusCode == http.StatusUnauthorized && len(who) != len(everyone)) || r.StatusCode == http.StatusForbidden ||
				(r.StatusCode == http.StatusSeeOther && strings.HasPrefix(r.location(), "/signin?")) ||
				(strings.Contains(path, ":key") && r.StatusCode == http.StatusNotFound)
			if refused {
				t.Errorf("%s %s as %s: refused with %d, want allowed\n%.400s", method, target, c, r.StatusCode, r.body)
			}
			if r.StatusCode >= 500 {
				t.Errorf("%s %s as %s: %d\n%.400s", method, target, c, r.StatusCode, r.body)
			}
			continue
		}
		status, loc := denial(c, method, path)
		if r.StatusCode != status || (loc != "" && !strings.HasPrefix(r.location(), loc)) {
			t.Errorf("%s %s as %s: %d %s, want %d %s", method, target, c, r.StatusCode, r.location(), status, loc)
		}
		if c <= outsider && strings.Contains(r.body, "Secret project") {
			t.Errorf("%s %s as %s: the refusal shows the project's name", method, target, c)
		}
	}
}
