package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"rollout/internal/date"
	"rollout/internal/demo"
	"rollout/internal/office"
)

// combinedAnswer is the part of GET …/health this file reads.
type combinedAnswer struct {
	Score    *int   `json:"score"`
	Band     string `json:"band"`
	Method   int    `json:"method"`
	Delivery int    `json:"delivery"`
	Rule     struct {
		Combined string `json:"combined"`
		Delivery struct {
			MilestoneLate     int `json:"milestone_late"`
			RiskReviewOverdue int `json:"risk_review_overdue"`
		} `json:"delivery"`
	} `json:"rule"`
	Items []struct {
		Kind string `json:"kind"`
		Cost int    `json:"cost"`
		Name string `json:"name"`
		Text string `json:"text"`
		Href string `json:"href"`
	} `json:"delivery_items"`
	Trend []struct {
		Day   string `json:"day"`
		Score int    `json:"score"`
	} `json:"trend"`
}

// A project just made from the template has not enough data to judge: the
// API answers score null and band not_enough_data, and the health page, the
// project home, the dashboard and the portfolio say so in both languages
// instead of showing a number.
func TestEmptyProjectSaysNotEnoughData(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	expectStatus(t, admin.post("/projects", url.Values{"key": {"FRESH"}, "name": {"New rollout"}, "template": {"crm"}}), http.StatusSeeOther)

	r := admin.api(http.MethodGet, "/api/v1/projects/FRESH/health", nil)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, `"score":null`, `"band":"not_enough_data"`)
	var h combinedAnswer
	r.decode(t, &h)
	if h.Score != nil || h.Band != office.NotEnoughData || len(h.Trend) != 0 {
		t.Fatalf("health %+v", h)
	}
	// The portfolio reads the kept snapshot: keep today's.
	if _, err := office.SnapshotHealth(context.Background(), db, date.Today()); err != nil {
		t.Fatal(err)
	}
	for lang, words := range map[string]string{"en": "Not enough data to judge", "zh-CN": "数据不足，无法评判"} {
		expectStatus(t, admin.post("/lang", url.Values{"lang": {lang}, "back": {"/"}}), http.StatusSeeOther)
		for _, path := range []string{"/projects/FRESH/health", "/projects/FRESH", "/projects/FRESH/dashboard", "/portfolio"} {
			page := admin.get(path)
			expectStatus(t, page, http.StatusOK)
			expectContains(t, page, words)
		}
		expectContains(t, admin.get("/projects/FRESH/health"), `id="not-enough-data"`)
	}
	var d struct {
		Health struct {
			Judged bool   `json:"judged"`
			Band   string `json:"band"`
		} `json:"health"`
	}
	admin.api(http.MethodGet, "/api/v1/projects/FRESH/dashboard", nil).decode(t, &d)
	if d.Health.Judged || d.Health.Band != "not_enough_data" {
		t.Fatalf("dashboard health %+v", d.Health)
	}
}

var deliveryLink = regexp.MustCompile(`<li class="finding finding-delivery" data-kind="([a-z_]+)">\s*<span class="badge[^"]*">−(\d+)</span>\s*<span class="finding-text"><a href="(/projects/DEMO/[a-z]+/\d+|/projects/DEMO/budget)">`)

// The demo project, with a milestone forecast 14 days late and three risk
// reviews overdue, is not healthy although its method part is: the health
// page shows both parts, the rule with its weights and each delivery item
// that costs points with a link to it; the API, the dashboard, the project
// home, the portfolio and the gate pack show the same combined score.
func TestDemoHealthShowsDeliveryWithLinks(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	ctx, today := context.Background(), date.Today()
	if _, err := demo.Load(ctx, db, today); err != nil {
		t.Fatal(err)
	}
	pm := signIn(t, app, "pm@demo.example", demo.Password)

	var h combinedAnswer
	r := pm.api(http.MethodGet, "/api/v1/projects/DEMO/health", nil)
	expectStatus(t, r, http.StatusOK)
	r.decode(t, &h)
	if h.Score == nil || *h.Score != min(h.Method, h.Delivery) || h.Band == "ok" || h.Band == office.NotEnoughData ||
		h.Method < 80 || h.Delivery >= 80 || h.Rule.Combined != "min(method, delivery)" ||
		h.Rule.Delivery.MilestoneLate != office.MilestoneLateCost || h.Rule.Delivery.RiskReviewOverdue != office.RiskReviewOverdueCost {
		t.Fatalf("demo health %+v", h)
	}
	late, overdue := false, 0
	for _, it := range h.Items {
		switch it.Kind {
		case string(office.MilestoneForecastLate):
			late = it.Name == "Second mock migration" && it.Text == "Milestone Second mock migration is forecast 14 days late"
		case string(office.RiskReviewOverdue):
			overdue++
		}
	}
	if !late || overdue != 3 || len(h.Trend) == 0 || h.Trend[len(h.Trend)-1].Score != *h.Score {
		t.Fatalf("items %+v, trend %+v", h.Items, h.Trend)
	}

	page := pm.get("/projects/DEMO/health")
	expectStatus(t, page, http.StatusOK)
	expectContains(t, page, fmt.Sprintf(`<span class="stat">%d `, *h.Score), "Sliding", `id="health-parts"`, "Method", "Delivery",
		"The health score is the lower of its two parts", `id="delivery-rule"`,
		fmt.Sprintf("A milestone not done after its planned date: %d points", office.MilestoneLateCost),
		"Milestone Second mock migration is forecast 14 days late", "The review of risk DEMO-R-")
	links := deliveryLink.FindAllStringSubmatch(page.body, -1)
	if len(links) != len(h.Items) {
		t.Fatalf("%d delivery items with a cost and a link on the page, %d in the API", len(links), len(h.Items))
	}
	for _, l := range links {
		expectStatus(t, pm.get(l[3]), http.StatusOK) // each link leads to its item
	}

	// The same score on the project home, the dashboard and (once kept) the portfolio.
	expectContains(t, pm.get("/projects/DEMO"), fmt.Sprintf(`class="score-value">%d</text>`, *h.Score),
		fmt.Sprintf("Method %d · delivery %d", h.Method, h.Delivery), "forecast 14 days late")
	expectContains(t, pm.get("/projects/DEMO/dashboard"), fmt.Sprintf(`<a href="/projects/DEMO/health">%d</a>`, *h.Score))
	if _, err := office.SnapshotHealth(ctx, db, today); err != nil {
		t.Fatal(err)
	}
	expectContains(t, pm.get("/portfolio"), fmt.Sprintf(`href="/projects/DEMO/health" title="Why: the health page lists what costs points">%d</a>`, *h.Score))

	// The pending gate review's pack shows the combined score with both parts.
	var reviewID int64
	if err := db.NewSelect().Table("gate_reviews").Column("id").Where("decision IS NULL").Limit(1).Scan(ctx, &reviewID); err != nil {
		t.Fatal(err)
	}
	pack := pm.get(fmt.Sprintf("/projects/DEMO/reviews/%d", reviewID))
	expectContains(t, pack, fmt.Sprintf("Project health: %d of 100 (method %d, delivery %d)", *h.Score, h.Method, h.Delivery),
		`id="pack-delivery"`, "Second mock migration")
	expectStatus(t, pm.post("/lang", url.Values{"lang": {"zh-CN"}, "back": {"/"}}), http.StatusSeeOther)
	expectContains(t, pm.get("/projects/DEMO/health"), "有所下滑", "里程碑“Second mock migration”预计延误 14 天", "健康分取方法与交付两部分")
}
