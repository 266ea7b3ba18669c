package web

import (
	"context"
	"net/http"
	"testing"

	"rollout/internal/date"
	"rollout/internal/demo"
	"rollout/internal/milestone"
	"rollout/internal/office"
	"rollout/internal/report"
)

// portfolioAnswer is the part of GET /api/v1/portfolio this file reads.
type portfolioAnswer struct {
	Items []struct {
		Key      string `json:"key"`
		Slip     int    `json:"slip_days"`
		Health   *int   `json:"health"`
		Band     string `json:"health_band"`
		NextGate *struct {
			Name string `json:"name"`
			Slip int    `json:"slip_days"`
		} `json:"next_gate"`
	} `json:"items"`
}

// The portfolio shows what the project's own pages show: the combined
// health score and its band (not an older snapshot), the next gate's slip
// and the worst slip, measured against the latest baseline as the dashboard
// measures them; after a write it follows at once, before any snapshot is
// kept, and once kept the snapshot reads the same.
func TestPortfolioShowsTheProjectPagesHealthAndSlip(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	ctx, today := context.Background(), date.Today()
	if _, err := demo.Load(ctx, db, today); err != nil {
		t.Fatal(err)
	}
	pm := signIn(t, app, "pm@demo.example", demo.Password)
	bands := map[string]string{"ok": string(report.Good), "warn": string(report.Fair), "bad": string(report.Poor),
		office.NotEnoughData: string(report.NotEnoughData)}

	same := func(when string) {
		t.Helper()
		var h combinedAnswer
		r := pm.api(http.MethodGet, "/api/v1/projects/DEMO/health", nil)
		expectStatus(t, r, http.StatusOK)
		r.decode(t, &h)
		var d struct {
			NextGate *struct {
				Name string `json:"name"`
				Slip int    `json:"slip_days"`
			} `json:"next_gate"`
			Milestones struct {
				WorstSlip int `json:"worst_slip"`
			} `json:"milestones"`
			Health struct {
				Score int    `json:"score"`
				Band  string `json:"band"`
			} `json:"health"`
		}
		r = pm.api(http.MethodGet, "/api/v1/projects/DEMO/dashboard", nil)
		expectStatus(t, r, http.StatusOK)
		r.decode(t, &d)
		var p portfolioAnswer
		r = pm.api(http.MethodGet, "/api/v1/portfolio", nil)
		expectStatus(t, r, http.StatusOK)
		r.decode(t, &p)
		if len(p.Items) != 1 || h.Score == nil {
			t.Fatalf("%s: portfolio %+v, health %+v", when, p, h)
		}
		row := p.Items[0]
		if row.Health == nil || *row.Health != *h.Score || row.Band != bands[h.Band] || d.Health.Score != *h.Score || d.Health.Band != row.Band {
			t.Errorf("%s: the portfolio shows health %v (%s), the health page %d (%s), the dashboard %d (%s)",
				when, orNil(row.Health), row.Band, *h.Score, h.Band, d.Health.Score, d.Health.Band)
		}
		if d.NextGate == nil || row.NextGate == nil || row.NextGate.Name != d.NextGate.Name || row.NextGate.Slip != d.NextGate.Slip ||
			row.Slip != d.Milestones.WorstSlip {
			t.Errorf("%s: the portfolio's next gate %+v and worst slip %d, the dashboard's %+v and %d",
				when, row.NextGate, row.Slip, d.NextGate, d.Milestones.WorstSlip)
		}
	}
	same("after the demo was built")
	page := pm.get("/portfolio")
	expectContains(t, page, "Worst slip (days)")

	// A write moves the score and the next gate's slip: the portfolio follows.
	var id, projectID, pmID int64
	if err := db.NewSelect().Table("milestones").Column("id", "project_id").Where("name = 'User acceptance'").Scan(ctx, &id, &projectID); err != nil {
		t.Fatal(err)
	}
	if err := db.NewSelect().Table("users").Column("id").Where("email = 'pm@demo.example'").Scan(ctx, &pmID); err != nil {
		t.Fatal(err)
	}
	m, err := milestone.Get(ctx, db, projectID, id)
	if err != nil {
		t.Fatal(err)
	}
	in := milestone.InputOf(m)
	in.ForecastOn = m.PlannedOn.AddDays(30)
	if _, err := milestone.Update(ctx, db, pmID, projectID, id, in, today); err != nil {
		t.Fatal(err)
	}
	same("after a forecast moved")
	if _, err := office.SnapshotHealth(ctx, db, today); err != nil {
		t.Fatal(err)
	}
	same("once the snapshot was kept")
}

func orNil(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
