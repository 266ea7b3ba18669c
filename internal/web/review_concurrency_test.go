package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"rollout/internal/date"
	"rollout/internal/milestone"
)

// raceSize is how many people press the button at the same moment.
const raceSize = 8

// race runs call(i) for i in 0..raceSize-1 at once (released together) and
// returns the answers by i. Each caller has a browser of its own: a browser
// keeps cookies and is not shared between goroutines.
func race(call func(i int) response) []response {
	out := make([]response, raceSize)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range raceSize {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = call(i)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

func TestEightDecidersOneWinner(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	members := map[string]string{}
	for i := range raceSize {
		members[fmt.Sprintf("sc%d@example.com", i)] = "steering"
	}
	admin := planProject(t, app, db, members)
	_, review := scheduledGate(t, admin, db, "sc0@example.com")
	ids := make([]int64, raceSize)
	deciders := make([]*browser, raceSize)
	for i := range raceSize {
		email := fmt.Sprintf("sc%d@example.com", i)
		ids[i] = userID(t, db, email)
		deciders[i] = signIn(t, app, email, testPassword)
		deciders[i].csrf() // before the race: the browser fetches its token once
	}
	answers := race(func(i int) response {
		return deciders[i].api(http.MethodPost, "/api/v1"+review+"/decision", map[string]any{
			"decision": "go_with_conditions", "attendees": []int64{ids[i]}, "notes": fmt.Sprintf("Notes of sc%d", i),
			"conditions": []map[string]any{
				{"text": fmt.Sprintf("First condition of sc%d", i), "owner_id": ids[i]},
				{"text": fmt.Sprintf("Second condition of sc%d", i)},
			}, "version": 1})
	})
	winner := -1
	for i, r := range answers {
		switch r.StatusCode {
		case http.StatusOK:
			if winner >= 0 {
				t.Fatalf("sc%d and sc%d both recorded a decision", winner, i)
			}
			winner = i
		case http.StatusConflict:
		default:
			t.Fatalf("sc%d: status %d: %s", i, r.StatusCode, r.body)
		}
	}
	if winner < 0 {
		t.Fatal("nobody recorded the decision")
	}

	ctx := context.Background()
	reviewID := milestoneIDOf(t, review)
	r, err := milestone.GetReview(ctx, db, projectID(t, db, "CRM"), reviewID)
	if err != nil {
		t.Fatal(err)
	}
	if r.DecidedBy == nil || *r.DecidedBy != ids[winner] || r.Notes != fmt.Sprintf("Notes of sc%d", winner) ||
		len(r.Attendees) != 1 || r.Attendees[0] != ids[winner] || r.Version != 2 {
		t.Fatalf("stored %+v, winner sc%d", r, winner)
	}
	actions, err := milestone.Actions(ctx, db, reviewID)
	if err != nil || len(actions) != 2 {
		t.Fatalf("%d actions (%v), want the winner's 2", len(actions), err)
	}
	for _, a := range actions {
		if !strings.HasSuffix(a.Text, fmt.Sprintf(" of sc%d", winner)) {
			t.Errorf("action %q is not the winner's (sc%d)", a.Text, winner)
		}
	}
	var actors []int64
	if err := db.NewSelect().Table("audit_entries").Column("actor_id").
		Where("entity = 'gate_review' AND action = 'decide'").Scan(ctx, &actors); err != nil {
		t.Fatal(err)
	}
	if len(actors) != 1 || actors[0] != ids[winner] {
		t.Fatalf("decide entries by %v, want one by the winner %d", actors, ids[winner])
	}
}

func TestEightSchedulersOnePendingReview(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	// Half the schedulers read Chinese: the refusal is clear in both languages.
	admin := planProject(t, app, db, map[string]string{"sc@example.com": "steering", "pm.zh@example.com": "project_manager"})
	today := date.Of(time.Now())
	gate := newMilestone(t, admin, "name", "Go-live", "planned_on", today.AddDays(30).String(), "is_gate", "true")
	managers := make([]*browser, raceSize)
	for i := range raceSize {
		if i%2 == 0 {
			managers[i] = signIn(t, app, adminEmail, testPassword)
		} else {
			managers[i] = signIn(t, app, "pm.zh@example.com", testPassword)
			managers[i].post("/lang", url.Values{"lang": {"zh-CN"}})
		}
		managers[i].csrf()
	}
	answers := race(func(i int) response {
		return managers[i].api(http.MethodPost, "/api/v1"+gate+"/reviews", map[string]any{
			"scheduled_on": today.AddDays(29 - i).String(), "invited": []int64{userID(t, db, "sc@example.com")}})
	})
	created := 0
	for i, r := range answers {
		switch r.StatusCode {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
			var problem struct{ Detail string }
			r.decode(t, &problem)
			want := "A review of this gate is already scheduled: decide it first."
			if i%2 == 1 {
				want = "这个关口已经安排了一次评审，请先对其作出决议。"
			}
			if problem.Detail != want {
				t.Errorf("scheduler %d: detail %q, want %q", i, problem.Detail, want)
			}
		default:
			t.Fatalf("scheduler %d: status %d: %s", i, r.StatusCode, r.body)
		}
	}
	pending, err := db.NewSelect().Table("gate_reviews").Where("milestone_id = ? AND decision IS NULL", milestoneIDOf(t, gate)).Count(context.Background())
	if err != nil || created != 1 || pending != 1 {
		t.Fatalf("%d created, %d pending reviews (%v); want one", created, pending, err)
	}
	creates, err := db.NewSelect().Table("audit_entries").Where("entity = 'gate_review' AND action = 'create'").Count(context.Background())
	if err != nil || creates != 1 {
		t.Fatalf("%d audit entries for a scheduled review (%v), want 1", creates, err)
	}
}
