package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"rollout/internal/config"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/project"
	"rollout/internal/readcache"
)

// TestAggregatesAreFreshAfterAnotherInstanceWrites runs two Rollout
// instances (two apps built by New, each with its own read cache) on one
// database: what A has cached is not served once B has committed a write.
func TestAggregatesAreFreshAfterAnotherInstanceWrites(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	logger := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cacheA := readcache.New(0)
	appA, err := New(Deps{DB: db, Config: config.Config{Addr: "127.0.0.1:0"}, Logger: logger, Cache: cacheA})
	if err != nil {
		t.Fatal(err)
	}
	appB, err := New(Deps{DB: db, Config: config.Config{Addr: "127.0.0.1:0"}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	a := signUpAdmin(t, appA)
	expectStatus(t, a.post("/projects", url.Values{"key": {"CRM"}, "name": {"CRM rollout"}, "template": {"crm"}}), http.StatusSeeOther)
	b := &browser{t: t, app: appB, cookies: a.cookies}
	ctx := context.Background()
	p, _, err := project.ForUser(ctx, db, "CRM", 1, true)
	if err != nil {
		t.Fatal(err)
	}

	type dashboard struct {
		Backlog struct {
			Total int `json:"total"`
		} `json:"backlog"`
		Risks struct {
			Active int `json:"active"`
		} `json:"risks"`
		Milestones struct {
			Total int `json:"total"`
		} `json:"milestones"`
	}
	var list struct{ Items []any }
	read := func() (d dashboard, risks, milestones int) {
		a.get("/api/v1/projects/CRM/dashboard").decode(t, &d)
		a.get("/api/v1/projects/CRM/risks").decode(t, &list)
		risks = len(list.Items)
		a.get("/api/v1/projects/CRM/milestones").decode(t, &list)
		milestones = len(list.Items)
		return d, risks, milestones
	}
	before, risksBefore, msBefore := read()
	if cacheA.Len() != 1 {
		t.Fatalf("A caches %d projects after reading one", cacheA.Len())
	}
	// A second read on A is served from its cache: the dashboard's figures
	// cost no query.
	counter := dbtest.CountQueries(db)
	read()
	cached := counter.Count()

	// B writes: a requirement (one transaction: the counter moves once).
	rev, _ := project.Revision(ctx, db, p.ID)
	expectStatus(t, b.post("/projects/CRM/requirements", requirementForm()), http.StatusSeeOther)
	if next, _ := project.Revision(ctx, db, p.ID); next != rev+1 {
		t.Fatalf("a create moved the revision from %d to %d", rev, next)
	}
	after, _, _ := read()
	if after.Backlog.Total != before.Backlog.Total+1 {
		t.Fatalf("A shows %d requirements after B added one to %d", after.Backlog.Total, before.Backlog.Total)
	}
	// A risk and a milestone, through B's API and forms.
	expectStatus(t, b.post("/projects/CRM/risks", riskForm(1)), http.StatusSeeOther)
	expectStatus(t, b.post("/projects/CRM/milestones", url.Values{"name": {"Pilot live"},
		"planned_on": {date.Of(time.Now()).AddDays(30).String()}}), http.StatusSeeOther)
	after, risksAfter, msAfter := read()
	if after.Risks.Active != before.Risks.Active+1 || risksAfter != risksBefore+1 {
		t.Fatalf("A shows %d active risks (%d listed) after B added one to %d (%d)", after.Risks.Active, risksAfter, before.Risks.Active, risksBefore)
	}
	if after.Milestones.Total != before.Milestones.Total+1 || msAfter != msBefore+1 {
		t.Fatalf("A shows %d milestones (%d listed) after B added one to %d (%d)", after.Milestones.Total, msAfter, before.Milestones.Total, msBefore)
	}
	// And once read, A serves them from its cache again.
	counter.Reset()
	read()
	if n := counter.Count(); n != cached {
		t.Fatalf("%d queries for a cached read, %d before", n, cached)
	}
}
