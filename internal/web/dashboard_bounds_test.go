package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/project/projecttest"
	"rollout/internal/report"
)

func TestWorstKeepsTheFirstInTheirOrder(t *testing.T) {
	gs := []report.GoalLine{}
	for i, p := range []float64{0.9, 0.1, 0.5, 0.3, 0.2} {
		gs = append(gs, report.GoalLine{ID: int64(i + 1), Progress: p})
	}
	got, more := worst(gs, 3, func(a, b report.GoalLine) int { return cmp.Compare(a.Progress, b.Progress) })
	var ids []int64
	for _, g := range got {
		ids = append(ids, g.ID)
	}
	if fmt.Sprint(ids) != "[2 4 5]" || more != 2 {
		t.Fatalf("kept %v, %d left out", ids, more)
	}
	if got, more := worst(gs, 9, nil); len(got) != 5 || more != 0 {
		t.Fatal("a short list is kept whole")
	}
	ms := []report.MilestoneSlip{}
	for i := range 20 {
		ms = append(ms, report.MilestoneSlip{ID: int64(i + 1), Slip: i - 5})
	}
	slips, more := boundedSlips(ms)
	if len(slips) != dashboardListCap || more != 20-dashboardListCap || slips[len(slips)-1].Slip != 14 {
		t.Fatalf("slips %+v", slips)
	}
}

// The dashboard charts the goals furthest from their target, at most
// twelve, says how many there are and links to the goals page; its API
// answers every goal.
func TestDashboardChartsTheWorstGoals(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := projectWithMembers(t, app, db, nil)
	me := userID(t, db, adminEmail)
	ctx, today, p := context.Background(), date.Of(time.Now()), projectID(t, db, "CRM")
	for i := 1; i <= 14; i++ {
		b, tg, v := 0.0, 100.0, float64(i*5)
		g, err := goal.Create(ctx, db, me, p, goal.Input{Title: fmt.Sprintf("Goal number %02d", i), Metric: "m", Baseline: &b, Target: &tg,
			Direction: goal.Increase, Category: goal.Business, StartOn: today.AddDays(-100), DueOn: today.AddDays(100), OwnerID: me})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := goal.AddMeasurement(ctx, db, projecttest.Caller(t, db, p, me), p, g.ID, goal.MeasurementInput{Value: &v, MeasuredOn: today.AddDays(-1)}, goal.Manual, today); err != nil {
			t.Fatal(err)
		}
	}
	r := admin.get("/projects/CRM/dashboard")
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "The 12 goals furthest from their target, of 14.", `<a href="/projects/CRM/goals">Goals lists them all.</a>`,
		"Goal number 01", "Goal number 12")
	// The two closest to their target are neither charted nor in the table.
	if strings.Contains(r.body, "Goal number 13") || strings.Contains(r.body, "Goal number 14") {
		t.Fatal("the dashboard page charts more than the twelve goals furthest from their target")
	}
	var d report.DashboardData
	admin.api(http.MethodGet, "/api/v1/projects/CRM/dashboard", nil).decode(t, &d)
	if len(d.Goals.Outcomes) != 14 {
		t.Fatalf("the API answers %d goals", len(d.Goals.Outcomes))
	}
}
