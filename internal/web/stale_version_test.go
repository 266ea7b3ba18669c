package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/account"
	"rollout/internal/budget"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/project"
	"rollout/internal/project/projecttest"
	"rollout/internal/requirement"
	"rollout/internal/risk"
)

// staleTeam is project CRM with one item of every editable kind, each edited
// once already (version 2), so that a form or an API body naming version 1
// is stale.
type staleTeam struct {
	admin     *browser
	db        *database.DB
	projectID int64
	adminID   int64
	memberID  int64
	goalID    int64
	milestone int64
	lineID    int64
	phaseID   int64
}

func newStaleTeam(t *testing.T) *staleTeam {
	t.Helper()
	app, db := testApp(t)
	st := &staleTeam{db: db}
	st.admin = projectWithMembers(t, app, db, map[string]string{"tm@example.com": "member"})
	ctx := context.Background()
	if err := db.NewSelect().Table("projects").Column("id").Where("key = 'CRM'").Scan(ctx, &st.projectID); err != nil {
		t.Fatal(err)
	}
	st.adminID, st.memberID = userID(t, db, adminEmail), userID(t, db, "tm@example.com")
	today := date.Of(time.Now())
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	rq := requirement.Input{Title: "Lead capture", Tier: requirement.Must, Kind: requirement.Feature,
		Approach: requirement.Configuration, Status: requirement.Proposed}
	r, err := requirement.Create(ctx, db, st.adminID, st.projectID, rq)
	must(err)
	rq.Title, rq.Version = "Lead capture v2", r.Version
	_, err = requirement.Update(ctx, db, projecttest.Caller(t, db, st.projectID, st.adminID), st.projectID, r.Number, rq)
	must(err)

	rk, err := risk.Create(ctx, db, st.adminID, st.projectID, risk.Input{Title: "Dirty data", Category: risk.Category("data_quality"),
		Probability: 3, Impact: 3, OwnerID: st.adminID}, today)
	must(err)
	in := risk.InputOf(rk)
	in.Title = "Dirty data v2"
	_, err = risk.Update(ctx, db, projecttest.Caller(t, db, st.projectID, st.adminID), st.projectID, rk.Number, in, today)
	must(err)

	b, tg := 20.0, 30.0
	gi := goal.Input{Title: "Conversion", Metric: "converted ÷ leads", Baseline: &b, Target: &tg, Direction: goal.Increase,
		Category: goal.Business, StartOn: today.AddDays(-30), DueOn: today.AddDays(60), OwnerID: st.adminID}
	g, err := goal.Create(ctx, db, st.adminID, st.projectID, gi)
	must(err)
	gi.Title, gi.Version = "Conversion v2", g.Version
	_, err = goal.Update(ctx, db, st.adminID, st.projectID, g.ID, gi)
	must(err)
	st.goalID = g.ID

	mi := milestone.Input{Name: "Pilot", PlannedOn: today.AddDays(30)}
	m, err := milestone.Create(ctx, db, st.adminID, st.projectID, mi, today)
	must(err)
	mi.Name, mi.Version = "Pilot v2", m.Version
	_, err = milestone.Update(ctx, db, st.adminID, st.projectID, m.ID, mi, today)
	must(err)
	st.milestone = m.ID

	l, err := budget.AddLine(ctx, db, st.adminID, st.projectID, budget.LineInput{Category: "Licences", Planned: 100})
	must(err)
	_, err = budget.UpdateLine(ctx, db, st.adminID, st.projectID, l.ID, budget.LineInput{Category: "Licences v2",
		Planned: 100, Currency: l.Currency, Version: l.Version})
	must(err)
	st.lineID = l.ID

	ph, err := project.AddPhase(ctx, db, st.adminID, st.projectID, project.PhaseInput{Name: "Hypercare"})
	must(err)
	_, err = project.UpdatePhase(ctx, db, st.adminID, st.projectID, ph.ID, project.PhaseInput{Name: "Hypercare v2", Version: ph.Version})
	must(err)
	st.phaseID = ph.ID

	mb, err := project.MemberOf(ctx, db, st.projectID, st.memberID)
	must(err)
	_, err = project.UpdateMember(ctx, db, st.adminID, st.projectID, st.memberID, project.MemberInput{Role: project.RoleMember,
		Department: project.DeptService, Version: mb.Version})
	must(err)
	return st
}

// trail counts the project's audit entries: a refused write adds none.
func (st *staleTeam) trail(t *testing.T) int {
	t.Helper()
	n, err := st.db.NewSelect().Table("audit_entries").Where("project_id = ?", st.projectID).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// text reads one column of one row, to show it did not change.
func (st *staleTeam) text(t *testing.T, query string, args ...any) string {
	t.Helper()
	var s string
	if err := st.db.QueryRowContext(context.Background(), query, args...).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStaleVersionIsConflictFromAPIAndForm posts version 1 of items already at
// version 2, through the API and through the HTML forms: each answer is 409
// and nothing is written (same content, no audit entry).
func TestStaleVersionIsConflictFromAPIAndForm(t *testing.T) {
	t.Parallel()
	st := newStaleTeam(t)
	today := date.Of(time.Now())
	cases := []struct {
		name        string
		send        func() response
		query       string
		arg         any
		wantUnmoved string
	}{
		{"requirement API", func() response {
			return st.admin.api(http.MethodPatch, "/api/v1/projects/CRM/requirements/1", map[string]any{"title": "Stale", "version": 1})
		}, "SELECT title FROM requirements WHERE project_id = ?", st.projectID, "Lead capture v2"},
		{"requirement form", func() response {
			return st.admin.post("/projects/CRM/requirements/1/edit", url.Values{"title": {"Stale"}, "tier": {"must"},
				"kind": {"feature"}, "approach": {"configuration"}, "status": {"proposed"}, "version": {"1"}})
		}, "SELECT title FROM requirements WHERE project_id = ?", st.projectID, "Lead capture v2"},
		{"risk API", func() response {
			return st.admin.api(http.MethodPatch, "/api/v1/projects/CRM/risks/1", map[string]any{"title": "Stale", "version": 1})
		}, "SELECT title FROM risks WHERE project_id = ?", st.projectID, "Dirty data v2"},
		{"risk form", func() response {
			return st.admin.post("/projects/CRM/risks/1/edit", url.Values{"title": {"Stale"}, "category": {"data_quality"},
				"probability": {"3"}, "impact": {"3"}, "owner_id": {itoa64(st.adminID)}, "version": {"1"}})
		}, "SELECT title FROM risks WHERE project_id = ?", st.projectID, "Dirty data v2"},
		{"goal API", func() response {
			return st.admin.api(http.MethodPatch, "/api/v1/projects/CRM/goals/"+itoa64(st.goalID), map[string]any{"title": "Stale", "version": 1})
		}, "SELECT title FROM goals WHERE id = ?", st.goalID, "Conversion v2"},
		{"goal form", func() response {
			return st.admin.post("/projects/CRM/goals/"+itoa64(st.goalID)+"/edit", goalForm(st.adminID, "title", "Stale", "version", "1"))
		}, "SELECT title FROM goals WHERE id = ?", st.goalID, "Conversion v2"},
		{"milestone API", func() response {
			return st.admin.api(http.MethodPatch, "/api/v1/projects/CRM/milestones/"+itoa64(st.milestone), map[string]any{"name": "Stale", "version": 1})
		}, "SELECT name FROM milestones WHERE id = ?", st.milestone, "Pilot v2"},
		{"milestone form", func() response {
			return st.admin.post("/projects/CRM/milestones/"+itoa64(st.milestone)+"/edit", url.Values{"name": {"Stale"},
				"planned_on": {today.AddDays(30).String()}, "version": {"1"}})
		}, "SELECT name FROM milestones WHERE id = ?", st.milestone, "Pilot v2"},
		{"budget line form", func() response {
			return st.admin.post("/projects/CRM/budget/lines/"+itoa64(st.lineID)+"/edit", url.Values{"category": {"Stale"},
				"planned": {"100"}, "version": {"1"}})
		}, "SELECT category FROM budget_lines WHERE id = ?", st.lineID, "Licences v2"},
		{"phase form", func() response {
			return st.admin.post("/projects/CRM/phases/"+itoa64(st.phaseID), url.Values{"name": {"Stale"}, "version": {"1"}})
		}, "SELECT name FROM phases WHERE id = ?", st.phaseID, "Hypercare v2"},
		{"member API", func() response {
			return st.admin.api(http.MethodPatch, "/api/v1/projects/CRM/members/"+itoa64(st.memberID),
				map[string]any{"role": "steering", "department": "it", "version": 1})
		}, "SELECT role || '/' || department FROM members WHERE user_id = ?", st.memberID, "member/service"},
		{"member form", func() response {
			return st.admin.post("/projects/CRM/members/"+itoa64(st.memberID), url.Values{"role": {"steering"},
				"department": {"it"}, "version": {"1"}})
		}, "SELECT role || '/' || department FROM members WHERE user_id = ?", st.memberID, "member/service"},
	}
	for _, tc := range cases {
		before := st.trail(t)
		r := tc.send()
		if r.StatusCode != http.StatusConflict {
			t.Fatalf("%s: status %d, want 409; body:\n%s", tc.name, r.StatusCode, r.body)
		}
		if got := st.text(t, tc.query, tc.arg); got != tc.wantUnmoved {
			t.Errorf("%s: stored %q after a stale write, want %q", tc.name, got, tc.wantUnmoved)
		}
		if after := st.trail(t); after != before {
			t.Errorf("%s: %d audit entries added by a refused write", tc.name, after-before)
		}
	}
}

// TestFirstPitfallAssessmentsRace fires 16 first assessments (version 0) of
// one pitfall at once through the API, for each of the ten pitfalls: the
// database lets exactly one in, the others are told the assessment moved on
// (409), and one row and one audit entry are stored per pitfall.
func TestFirstPitfallAssessmentsRace(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	projectWithMembers(t, app, db, nil)
	ctx := context.Background()
	secret, _, err := account.CreateToken(ctx, db, userID(t, db, adminEmail), account.NewToken{Name: "race"})
	if err != nil {
		t.Fatal(err)
	}
	const callers = 16
	for p := 1; p <= 10; p++ {
		code := fmt.Sprintf("P%02d", p)
		count := firstAssessments(app, secret, code, callers)
		if count[fiber.StatusOK] != 1 || count[fiber.StatusConflict] != callers-1 {
			t.Fatalf("%s: answers %v, want one 200 and %d 409", code, count, callers-1)
		}
		rows, err := db.NewSelect().Table("pitfall_assessments").Where("code = ?", code).Count(ctx)
		if err != nil || rows != 1 {
			t.Fatalf("%s: %d assessment rows (%v), want 1", code, rows, err)
		}
		entries, err := db.NewSelect().Table("audit_entries").Where("entity = 'pitfall' AND entity_id = ?", code).Count(ctx)
		if err != nil || entries != 1 {
			t.Fatalf("%s: %d audit entries (%v), want 1", code, entries, err)
		}
	}

	// Later updates name the version they read; a stale one is refused.
	b := newBrowser(t, app)
	b.bearer = secret
	expectStatus(t, b.api(http.MethodPut, "/api/v1/projects/CRM/pitfalls/P06", map[string]any{"status": "clear", "version": 1}), http.StatusOK)
	expectStatus(t, b.api(http.MethodPut, "/api/v1/projects/CRM/pitfalls/P06", map[string]any{"status": "at_risk", "version": 1}), http.StatusConflict)
	expectStatus(t, b.api(http.MethodPut, "/api/v1/projects/CRM/pitfalls/P06", map[string]any{"status": "at_risk", "version": 0}), http.StatusConflict)
}

// firstAssessments sends callers first assessments of code at the same
// moment and counts the answers by status (0: no answer).
func firstAssessments(app *fiber.App, secret, code string, callers int) map[int]int {
	statuses := make(chan int, callers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := `{"status":"at_risk","notes":"caller ` + strconv.Itoa(i) + `","version":0}`
			req := httptest.NewRequest(http.MethodPut, "/api/v1/projects/CRM/pitfalls/"+code, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+secret)
			<-start
			res, err := app.Test(req, -1)
			if err != nil {
				statuses <- 0
				return
			}
			res.Body.Close()
			statuses <- res.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	return count
}
