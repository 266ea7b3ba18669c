package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
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
			case strings.Contains(path, "/reports/"):
				// A fresh draft for each call (sending one makes it final), each of its own week.
				var id int64
				err := m.db.NewRaw(`INSERT INTO weekly_reports (project_id, week_start, content, built_at)
				    SELECT id, date '2001-01-01' + 7 * (SELECT count(*) FROM weekly_reports)::int,
				      '{"week_start": "2001-01-01", "week_end": "2001-01-07", "as_of": "2001-01-01", "health": {"band": "not_enough_data"}}', now()
				    FROM projects WHERE key = ? RETURNING id`, key).
					Scan(context.Background(), &id)
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
