package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"rollout/internal/date"
	"rollout/internal/demo"
)

// amount is a money amount as the pages write it: thousands separators,
// and what stands right before it.
var amount = regexp.MustCompile(`(.{0,3})\b\d{1,3}(?:,\d{3})+(?:\.\d+)?\b`)

// Every amount of money a page shows comes with its currency, written one
// way per language as the charts write it (CN¥25,000 in English, ¥25,000
// in Chinese): the change requests' costs, the budget's tables, the
// amounts in the activity, the pack of a gate review.
func TestMoneyShowsItsCurrencyOneWayPerLanguage(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	ctx := context.Background()
	if _, err := demo.Load(ctx, db, date.Today()); err != nil {
		t.Fatal(err)
	}
	var reviewID, changeNumber int64
	if err := db.NewSelect().Table("gate_reviews").Column("id").Where("decision IS NULL").Limit(1).Scan(ctx, &reviewID); err != nil {
		t.Fatal(err)
	}
	if err := db.NewSelect().Table("change_requests").Column("number").OrderExpr("cost DESC").Limit(1).Scan(ctx, &changeNumber); err != nil {
		t.Fatal(err)
	}
	pm := signIn(t, app, "pm@demo.example", demo.Password)
	pages := []string{"/projects/DEMO/changes", "/projects/DEMO/changes/" + itoa64(changeNumber), "/projects/DEMO/budget",
		"/projects/DEMO/dashboard", "/projects/DEMO/activity?kind=spend_entry", "/projects/DEMO/activity", "/portfolio",
		"/projects/DEMO/reviews/" + itoa64(reviewID)}
	for lang, sign := range map[string]string{"en": "CN¥", "zh-CN": "¥"} {
		expectStatus(t, pm.post("/lang", url.Values{"lang": {lang}, "back": {"/"}}), http.StatusSeeOther)
		seen := 0
		for _, p := range pages {
			r := pm.get(p)
			expectStatus(t, r, http.StatusOK)
			for _, m := range amount.FindAllStringSubmatch(r.body, -1) {
				seen++
				if !strings.HasSuffix(m[1], sign) || (lang == "zh-CN" && strings.HasSuffix(m[1], "CN¥")) {
					t.Errorf("%s %s: %q is not written %s…", lang, p, m[0], sign)
				}
			}
		}
		if seen < 20 {
			t.Errorf("%s: only %d amounts on the pages", lang, seen)
		}
	}
	// The Chinese sentence on the budget's delivery signal reads naturally
	// (in Chinese whichever language the loop above, in map order, ended on).
	expectStatus(t, pm.post("/lang", url.Values{"lang": {"zh-CN"}, "back": {"/"}}), http.StatusSeeOther)
	expectContains(t, pm.get("/projects/DEMO/health"), "预算已支出")
}
