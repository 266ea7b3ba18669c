package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rollout/internal/date"
	"rollout/internal/risk"
)

// The health lists the first five of each kind of what costs points and of
// each kind of finding, then says how many more and links to them all: its
// page and API do not grow with the project.
func TestHealthListsAFewOfEachKindAndLinksToTheRest(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := projectWithMembers(t, app, db, nil)
	me := userID(t, db, adminEmail)
	ctx, today, pid := context.Background(), date.Of(time.Now()), projectID(t, db, "CRM")
	// Eight data-migration risks rated 20 (findings of P07) whose review is overdue.
	for k := 1; k <= 8; k++ {
		if _, err := risk.Create(ctx, db, me, pid, risk.Input{Title: fmt.Sprintf("Load fails %d", k), Category: risk.DataMigration,
			Probability: 4, Impact: 5, OwnerID: me, Mitigation: "Rehearse", NextReviewOn: today.AddDays(-3)}, today); err != nil {
			t.Fatal(err)
		}
	}
	type more struct {
		Kind  string `json:"kind"`
		Count int    `json:"count"`
		Text  string `json:"text"`
		Href  string `json:"href"`
	}
	var h struct {
		Items []struct {
			Kind string `json:"kind"`
		} `json:"delivery_items"`
		ItemsMore []more `json:"delivery_more"`
		Findings  []struct {
			Detector string `json:"detector"`
		} `json:"findings"`
		FindingsMore []more `json:"findings_more"`
	}
	r := admin.api(http.MethodGet, "/api/v1/projects/CRM/health", nil)
	expectStatus(t, r, http.StatusOK)
	r.decode(t, &h)
	overdue, dataRisks := 0, 0
	for _, it := range h.Items {
		if it.Kind == "risk_review_overdue" {
			overdue++
		}
	}
	for _, f := range h.Findings {
		if f.Detector == "data_risk_high" {
			dataRisks++
		}
	}
	if overdue != 5 || dataRisks != 5 {
		t.Fatalf("%d overdue reviews and %d data-risk findings listed, want 5 and 5: %s", overdue, dataRisks, r.body)
	}
	wantItems := more{Kind: "risk_review_overdue", Count: 3, Text: "Overdue risk reviews: 3 more not listed here. See them all",
		Href: "/projects/CRM/risks?overdue=1#risk-list"}
	if len(h.ItemsMore) != 1 || h.ItemsMore[0] != wantItems {
		t.Fatalf("delivery_more %+v", h.ItemsMore)
	}
	if len(h.FindingsMore) != 1 || h.FindingsMore[0].Kind != "data_risk_high" || h.FindingsMore[0].Count != 3 ||
		h.FindingsMore[0].Href != "/projects/CRM/pitfalls#P07" || !strings.HasPrefix(h.FindingsMore[0].Text, "P07 ") {
		t.Fatalf("findings_more %+v", h.FindingsMore)
	}

	// The page: the same five, and the links to the rest, in both languages.
	r = admin.get("/projects/CRM/health")
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, `<a href="/projects/CRM/risks?overdue=1#risk-list">Overdue risk reviews: 3 more not listed here. See them all</a>`,
		`<a href="/projects/CRM/pitfalls#P07">P07 `)
	if n := strings.Count(r.body, `data-kind="risk_review_overdue"`); n != 6 { // five items and the line of the rest
		t.Fatalf("the page lists %d overdue reviews", n)
	}
	// The checklist still lists every finding.
	r = admin.get("/projects/CRM/pitfalls")
	if n := strings.Count(r.body, "Load fails "); n < 8 {
		t.Fatalf("the checklist lists %d of the 8 findings", n)
	}
	expectStatus(t, admin.post("/lang", url.Values{"lang": {"zh-CN"}, "back": {"/"}}), http.StatusSeeOther)
	expectContains(t, admin.get("/projects/CRM/health"), "复核逾期的风险：另有 3 项未在此列出，查看全部")
}
