package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/risk"
)

// riskForm is a complete risk as the form posts it, with fields replaced by extra.
func riskForm(owner int64, extra ...string) url.Values {
	v := url.Values{"title": {"Mock migration fails"}, "category": {"data_migration"}, "probability": {"4"},
		"impact": {"5"}, "owner_id": {itoa64(owner)}, "status": {"open"}, "mitigation": {"Two full rehearsals"},
		"next_review_on": {date.Of(time.Now()).AddDays(14).String()}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

func riskCount(t *testing.T, db database.IDB) int {
	t.Helper()
	n, err := db.NewSelect().Table("risks").Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// addRisk writes a risk of project CRM directly, as the admin.
func addRisk(t *testing.T, db database.IDB, owner int64, title string, p, i int, residual ...int) *risk.Risk {
	t.Helper()
	in := risk.Input{Title: title, Category: risk.Integration, Probability: p, Impact: i, OwnerID: owner}
	if len(residual) == 2 {
		in.ResidualProbability, in.ResidualImpact = &residual[0], &residual[1]
	}
	r, err := risk.Create(context.Background(), db, owner, projectID(t, db, "CRM"), in, date.Of(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRiskPagesAndRefusals(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := projectWithMembers(t, app, db, map[string]string{"v@example.com": "viewer"})
	me := userID(t, db, adminEmail)
	outsider := createUser(t, db, "out@example.com", "Out Sider", false)

	// Every refusal comes back on the form with its message, and writes nothing.
	for _, c := range []struct {
		extra []string
		want  string
	}{
		{[]string{"probability", ""}, "Rate the probability from 1 (rare) to 5 (almost certain)."},
		{[]string{"probability", "0"}, "Rate the probability from 1 (rare) to 5 (almost certain)."},
		{[]string{"impact", "6"}, "Rate the impact from 1 (negligible) to 5 (severe)."},
		{[]string{"owner_id", "0"}, "A risk needs an owner who watches it and acts on it."},
		{[]string{"owner_id", itoa64(outsider.ID)}, "The owner must be a member of this project."},
		{[]string{"owner_id", itoa64(userID(t, db, "v@example.com"))}, "A viewer cannot own a risk"},
		{[]string{"category", "weather"}, "Choose one of: data_migration"},
		{[]string{"residual_probability", "2"}, "Give both the residual probability and the residual impact, or neither."},
		{[]string{"title", " "}, "This field is required."},
	} {
		r := admin.post("/projects/CRM/risks", riskForm(me, c.extra...))
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r, c.want)
	}
	if n := riskCount(t, db); n != 0 {
		t.Fatalf("%d risks written", n)
	}

	r := admin.post("/projects/CRM/risks", riskForm(me, "residual_probability", "2", "residual_impact", "3"))
	expectStatus(t, r, http.StatusSeeOther)
	if r.location() != "/projects/CRM/risks/1" {
		t.Fatalf("created at %q", r.location())
	}
	page := admin.get("/projects/CRM/risks/1")
	expectStatus(t, page, http.StatusOK)
	expectContains(t, page, "CRM-R-1", "Mock migration fails", "badge-critical", ">20<", "Two full rehearsals",
		`<svg class="chart"`, "Identified", `action="/projects/CRM/risks/1/reviews"`, `data-confirm="Delete this risk`)
	list := admin.get("/projects/CRM/risks")
	expectStatus(t, list, http.StatusOK)
	expectContains(t, list, `<svg class="heatmap"`, `data-map="inherent"`, `data-map="residual"`, "CRM-R-1",
		"20 · Critical", "6 · Medium", "1–4 low, 5–9 medium, 10–16 high, 20–25 critical", `href="/projects/CRM/risks"`)

	// A review through the form moves the rating; a bad one shows its message.
	r = admin.post("/projects/CRM/risks/1/reviews", url.Values{"reviewed_on": {date.Of(time.Now()).String()}, "probability": {"2"}, "impact": {"5"}, "note": {"Rehearsal reconciled"}})
	expectStatus(t, r, http.StatusSeeOther)
	r = admin.post("/projects/CRM/risks/1/reviews", url.Values{"probability": {"9"}, "impact": {"5"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "Rate the probability from 1")
	page = admin.get("/projects/CRM/risks/1")
	expectContains(t, page, "Rehearsal reconciled", "2 × 5 = <span class=\"badge badge-high\">10</span>", "Ada Admin")

	// The edit form keeps what it was given; a stale version is refused.
	r = admin.post("/projects/CRM/risks/1/edit", riskForm(me, "title", "Mock migration fails twice", "version", "1"))
	expectStatus(t, r, http.StatusConflict)
	expectContains(t, r, "changed this item after you opened it", `value="Mock migration fails twice"`)
	expectStatus(t, admin.post("/projects/CRM/risks/1/edit", riskForm(me, "title", "Mock migration fails twice", "version", "2", "status", "mitigating")), http.StatusSeeOther)
	expectContains(t, admin.get("/projects/CRM/risks/1"), "Mock migration fails twice", "Mitigating")

	expectStatus(t, admin.post("/projects/CRM/risks/1/delete", nil), http.StatusSeeOther)
	expectStatus(t, admin.get("/projects/CRM/risks/1"), http.StatusNotFound)
	// The number is not given out again.
	expectStatus(t, admin.post("/projects/CRM/risks", riskForm(me)), http.StatusSeeOther)
	expectStatus(t, admin.get("/projects/CRM/risks/2"), http.StatusOK)
}

// Steering and the project manager edit every risk; a risk's owner edits and
// reviews it whatever their role, but no one else's; members propose.
func TestRiskOwnerEditsOnlyTheirOwn(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := projectWithMembers(t, app, db, map[string]string{"li@example.com": "member", "wang@example.com": "member",
		"sc@example.com": "steering", "bo@example.com": "business_owner", "v@example.com": "viewer"})
	li, wang := userID(t, db, "li@example.com"), userID(t, db, "wang@example.com")
	mine := addRisk(t, db, li, "ERP interface slips", 3, 4)
	theirs := addRisk(t, db, wang, "Lead source duplicates", 2, 3)
	path := func(r *risk.Risk, rest string) string { return "/projects/CRM/risks/" + itoa64(int64(r.Number)) + rest }
	// A fresh form each time: posting one fills in the poster's CSRF token.
	review := func() url.Values { return url.Values{"probability": {"2"}, "impact": {"4"}, "note": {"checked"}} }

	liB := signIn(t, app, "li@example.com", testPassword)
	expectStatus(t, liB.get(path(mine, "/edit")), http.StatusOK)
	expectStatus(t, liB.post(path(mine, "/edit"), riskForm(li, "title", "ERP interface slips a month", "version", "1")), http.StatusSeeOther)
	expectStatus(t, liB.post(path(mine, "/reviews"), review()), http.StatusSeeOther)
	expectStatus(t, liB.api(http.MethodPatch, "/api/v1"+path(mine, ""), map[string]any{"status": "mitigating", "version": 3}), http.StatusOK)
	expectContains(t, liB.get(path(mine, "")), `href="/projects/CRM/risks/`+itoa64(int64(mine.Number))+`/edit"`)
	// Not another's risk, and no deletion.
	expectStatus(t, liB.get(path(theirs, "/edit")), http.StatusForbidden)
	expectStatus(t, liB.post(path(theirs, "/edit"), riskForm(li, "version", "1")), http.StatusForbidden)
	expectStatus(t, liB.post(path(theirs, "/reviews"), review()), http.StatusForbidden)
	expectStatus(t, liB.api(http.MethodPatch, "/api/v1"+path(theirs, ""), map[string]any{"title": "x", "version": 1}), http.StatusForbidden)
	expectStatus(t, liB.post(path(mine, "/delete"), nil), http.StatusForbidden)
	if page := liB.get(path(theirs, "")); strings.Contains(page.body, "/reviews\"") || strings.Contains(page.body, "/edit\"") {
		t.Fatal("another's risk offers the member a review form or an edit link")
	}

	// Steering edits anyone's; a business owner does not (unless they own it).
	sc := signIn(t, app, "sc@example.com", testPassword)
	expectStatus(t, sc.post(path(theirs, "/reviews"), review()), http.StatusSeeOther)
	bo := signIn(t, app, "bo@example.com", testPassword)
	expectStatus(t, bo.post(path(theirs, "/reviews"), review()), http.StatusForbidden)

	// A member proposes: the risk starts open and belongs to them.
	r := liB.api(http.MethodPost, "/api/v1/projects/CRM/risks", map[string]any{"title": "Key users too busy", "category": "adoption",
		"probability": 3, "impact": 3, "status": "closed"})
	expectStatus(t, r, http.StatusCreated)
	var v risk.View
	r.decode(t, &v)
	if v.Status != risk.Open || v.OwnerID != li || v.Key != "CRM-R-3" {
		t.Fatalf("proposal %+v", v)
	}
	expectContains(t, liB.get("/projects/CRM/risks/new"), "Propose a risk", "Your proposal starts as open")
	// A viewer proposes nothing and edits nothing.
	vb := signIn(t, app, "v@example.com", testPassword)
	expectStatus(t, vb.post("/projects/CRM/risks", riskForm(li)), http.StatusForbidden)
	expectStatus(t, vb.post(path(mine, "/reviews"), review()), http.StatusForbidden)
	if n := riskCount(t, db); n != 3 {
		t.Fatalf("%d risks", n)
	}
	_ = admin
}

func TestRisksAPI(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := projectWithMembers(t, app, db, map[string]string{"li@example.com": "member"})
	me, li := userID(t, db, adminEmail), userID(t, db, "li@example.com")
	today := date.Of(time.Now())

	r := admin.api(http.MethodPost, "/api/v1/projects/CRM/risks", map[string]any{"title": "Users resist", "category": "adoption",
		"probability": 4, "impact": 5, "residual_probability": 2, "residual_impact": 3, "owner_id": me,
		"next_review_on": today.AddDays(-1).String(), "trigger": "Weekly use below 60 %"})
	expectStatus(t, r, http.StatusCreated)
	var v risk.View
	r.decode(t, &v)
	if v.Key != "CRM-R-1" || v.Number != 1 || v.Score != 20 || v.Level != risk.Critical || *v.ResidualScore != 6 ||
		!v.Overdue || v.OwnerName != "Ada Admin" || v.Status != risk.Open || v.MilestoneID != nil || v.Trigger != "Weekly use below 60 %" {
		t.Fatalf("created %+v", v)
	}
	// The JSON names of the issue.
	for _, field := range []string{`"key":`, `"number":`, `"probability":`, `"impact":`, `"score":`, `"level":`, `"residual_probability":`,
		`"residual_impact":`, `"residual_score":`, `"owner_id":`, `"owner_name":`, `"mitigation":`, `"contingency":`, `"trigger":`,
		`"status":`, `"next_review_on":`, `"milestone_id":`, `"version":`, `"overdue":`, `"category":`, `"description":`, `"title":`} {
		expectContains(t, r, field)
	}
	addRisk(t, db, li, "ERP interface slips", 3, 4)
	addRisk(t, db, li, "Vendor capacity", 2, 2, 1, 1)

	// Refusals carry field messages, in the caller's language.
	r = admin.api(http.MethodPost, "/api/v1/projects/CRM/risks", map[string]any{"title": "x", "category": "weather", "probability": 6, "residual_impact": 2})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	var p problem
	r.decode(t, &p)
	if p.Errors["category"] == "" || p.Errors["probability"] == "" || p.Errors["impact"] == "" || p.Errors["owner_id"] == "" ||
		!strings.Contains(p.Errors["residual_probability"], "both") {
		t.Fatalf("problem %+v", p)
	}

	keys := func(query string) string {
		t.Helper()
		var l list[risk.View]
		r := admin.api(http.MethodGet, "/api/v1/projects/CRM/risks"+query, nil)
		expectStatus(t, r, http.StatusOK)
		r.decode(t, &l)
		var out []string
		for _, v := range l.Items {
			out = append(out, v.Key)
		}
		return strings.Join(out, " ")
	}
	for query, want := range map[string]string{
		"":                           "CRM-R-1 CRM-R-2 CRM-R-3",
		"?sort=key":                  "CRM-R-1 CRM-R-2 CRM-R-3",
		"?category=integration":      "CRM-R-2 CRM-R-3",
		"?level=high":                "CRM-R-2",
		"?level=critical":            "CRM-R-1",
		"?owner_id=" + itoa64(li):    "CRM-R-2 CRM-R-3",
		"?overdue=true":              "CRM-R-1",
		"?status=open&level=low":     "CRM-R-3",
		"?p=2&i=3&map=residual":      "CRM-R-1",
		"?p=3&i=4":                   "CRM-R-2",
		"?status=closed":             "",
		"?category=adoption&p=4&i=5": "CRM-R-1",
	} {
		if got := keys(query); got != want {
			t.Errorf("%s: %q, want %q", query, got, want)
		}
	}
	expectStatus(t, admin.api(http.MethodGet, "/api/v1/projects/CRM/risks?level=huge", nil), http.StatusUnprocessableEntity)

	var h risk.HeatMap
	r = admin.api(http.MethodGet, "/api/v1/projects/CRM/risks/heatmap", nil)
	expectStatus(t, r, http.StatusOK)
	r.decode(t, &h)
	if h.Total != 3 || h.Unassessed != 1 || h.Inherent[3][4] != 1 || h.Inherent[2][3] != 1 || h.Inherent[1][1] != 1 ||
		h.Residual[1][2] != 1 || h.Residual[0][0] != 1 || !strings.Contains(r.body, `"inherent":[[0,0,0,0,0],[0,1,0,0,0]`) {
		t.Fatalf("heat map %s", r.body)
	}
	admin.api(http.MethodGet, "/api/v1/projects/CRM/risks/heatmap?owner_id="+itoa64(li), nil).decode(t, &h)
	if h.Total != 2 || h.Inherent[3][4] != 0 {
		t.Fatalf("filtered heat map %+v", h)
	}

	base := "/api/v1/projects/CRM/risks/1"
	// A review moves the rating and clears the overdue review.
	r = admin.api(http.MethodPost, base+"/reviews", map[string]any{"probability": 3, "impact": 5, "note": "Champions named",
		"next_review_on": today.AddDays(14).String()})
	expectStatus(t, r, http.StatusCreated)
	var rv risk.Review
	r.decode(t, &rv)
	if rv.ReviewedOn != today || rv.Score != 15 || rv.ReviewerName != "Ada Admin" {
		t.Fatalf("review %+v", rv)
	}
	admin.api(http.MethodGet, base, nil).decode(t, &v)
	if v.Probability != 3 || v.Score != 15 || v.Overdue || v.Version != 2 || v.ReviewCount != 1 {
		t.Fatalf("after review %+v", v)
	}
	var rvs list[risk.Review]
	admin.api(http.MethodGet, base+"/reviews", nil).decode(t, &rvs)
	if len(rvs.Items) != 1 || rvs.Items[0].Note != "Champions named" {
		t.Fatalf("reviews %+v", rvs)
	}
	// PATCH needs the version; a stale one is refused and changes nothing.
	expectStatus(t, admin.api(http.MethodPatch, base, map[string]any{"impact": 4}), http.StatusUnprocessableEntity)
	expectStatus(t, admin.api(http.MethodPatch, base, map[string]any{"impact": 4, "residual_probability": nil, "residual_impact": nil, "version": 2}), http.StatusOK)
	expectStatus(t, admin.api(http.MethodPatch, base, map[string]any{"impact": 1, "version": 2}), http.StatusConflict)
	admin.api(http.MethodGet, base, nil).decode(t, &v)
	if v.Impact != 4 || v.ResidualScore != nil || v.Title != "Users resist" || v.Version != 3 {
		t.Fatalf("after patch %+v", v)
	}
	expectStatus(t, admin.api(http.MethodPatch, base, map[string]any{"residual_impact": 2, "version": 3}), http.StatusUnprocessableEntity)
	expectStatus(t, admin.api(http.MethodDelete, base, nil), http.StatusNoContent)
	expectStatus(t, admin.api(http.MethodGet, base, nil), http.StatusNotFound)
	expectStatus(t, admin.api(http.MethodGet, "/api/v1/projects/CRM/risks/abc", nil), http.StatusNotFound)
}

func TestNewProjectOffersStarterRisks(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	page := admin.get("/projects/new")
	expectStatus(t, page, http.StatusOK)
	if n := strings.Count(page.body, `name="starter_risks"`); n != 6 || strings.Count(page.body, `name="starter_risks" value="`) != 6 {
		t.Fatalf("%d starter checkboxes", n)
	}
	if n := len(regexp.MustCompile(`name="starter_risks" value="[a-z_]+" checked>`).FindAllString(page.body, -1)); n != 6 {
		t.Fatalf("%d starter risks checked by default", n)
	}
	expectContains(t, page, "A mock data migration fails", "Users resist the new system", "Scope creeps into phase one")

	// In Chinese, two kept, four dropped.
	admin.post("/lang", url.Values{"lang": {"zh-CN"}})
	r := admin.post("/projects", url.Values{"key": {"CRM"}, "name": {"客户360"}, "template": {"crm"},
		"starter_risks": {"dirty_data", "vendor_capacity"}})
	expectStatus(t, r, http.StatusSeeOther)
	var l list[risk.View]
	admin.api(http.MethodGet, "/api/v1/projects/CRM/risks?sort=key", nil).decode(t, &l)
	if len(l.Items) != 2 || l.Items[0].Title != "供应商本地实施能力不足" || l.Items[1].Title != "数据比预想的更脏" ||
		l.Items[0].OwnerName != "Ada Admin" || l.Items[0].Status != risk.Open {
		t.Fatalf("starter risks %+v", l.Items)
	}
	// The blank template adds none; an unknown code refuses the project.
	expectStatus(t, admin.post("/projects", url.Values{"key": {"BLANK"}, "name": {"Blank"}, "template": {"blank"},
		"starter_risks": {"dirty_data"}}), http.StatusSeeOther)
	r = admin.api(http.MethodPost, "/api/v1/projects", map[string]any{"key": "API", "name": "API", "starter_risks": []string{"scope_creep", "meteor"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	r = admin.api(http.MethodPost, "/api/v1/projects", map[string]any{"key": "API", "name": "API", "starter_risks": []string{"scope_creep"}})
	expectStatus(t, r, http.StatusCreated)
	if n := riskCount(t, db); n != 3 {
		t.Fatalf("%d risks in all", n)
	}
}

// TestBrowserRiskHeatMapFiltersTheList: a register with risks in several
// cells; clicking a cell of a heat map lists exactly the risks in it.
func TestBrowserRiskHeatMapFiltersTheList(t *testing.T) {
	app, db := testApp(t)
	projectWithMembers(t, app, db, nil)
	me := userID(t, db, adminEmail)
	addRisk(t, db, me, "ERP order interface slips", 4, 5, 2, 3) // CRM-R-1
	addRisk(t, db, me, "Lead source sends duplicates", 4, 5)    // CRM-R-2
	addRisk(t, db, me, "Vendor consultant leaves", 2, 4, 2, 3)  // CRM-R-3
	addRisk(t, db, me, "Quote screen over budget", 3, 3, 1, 2)  // CRM-R-4
	addRisk(t, db, me, "Users keep their spreadsheets", 5, 4)   // CRM-R-5
	u := newUI(t, serve(t, app))
	u.open("/signin")
	u.do(fill("#email", adminEmail, "#password", testPassword), submit(`form[action="/signin"]`, ".user-menu summary"))
	u.open("/projects/CRM/risks")
	if n := u.count("table.risk-list tbody tr"); n != 5 {
		t.Fatalf("%d risks listed before filtering", n)
	}
	// SVG text has no innerText: read its textContent.
	c, err := chromedp.Run(u.ctx, chromedp.Evaluate[string](`document.querySelector('.heat-inherent svg a[data-p="4"][data-i="5"] text').textContent`))
	if err != nil || c != "2" {
		t.Fatalf("inherent cell 4×5 shows %q (%v)", c, err)
	}
	listed := func() string {
		t.Helper()
		keys, err := chromedp.Run(u.ctx, chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll("table.risk-list tbody tr")).map(r => r.dataset.key)`))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(keys, " ")
	}
	clickCell := func(sel string) {
		t.Helper()
		u.do(chromedp.Evaluate[chromedp.Void](`document.body.dataset.stale = "1"`),
			chromedp.Click(chromedp.CSS(sel)),
			chromedp.WaitVisible(chromedp.CSS(`body:not([data-stale]) .cell-filter`)))
	}
	clickCell(`.heat-inherent svg a[data-p="4"][data-i="5"]`)
	if got := listed(); got != "CRM-R-1 CRM-R-2" {
		t.Fatalf("inherent 4×5 lists %q", got)
	}
	if s := u.text(".cell-filter"); !strings.Contains(s, "probability 4 × impact 5 in the inherent map") {
		t.Fatalf("filter note %q", s)
	}
	// The residual map counts the residual ratings: CRM-R-1 and CRM-R-3 sit at 2×3.
	clickCell(`.heat-residual svg a[data-p="2"][data-i="3"]`)
	if got := listed(); got != "CRM-R-1 CRM-R-3" {
		t.Fatalf("residual 2×3 lists %q", got)
	}
	// "Show all" returns to the whole register.
	u.do(chromedp.Evaluate[chromedp.Void](`document.body.dataset.stale = "1"`),
		chromedp.Click(chromedp.CSS(".cell-filter a")),
		chromedp.WaitVisible(chromedp.CSS(`body:not([data-stale]) table.risk-list`)))
	if got := listed(); got != "CRM-R-1 CRM-R-2 CRM-R-5 CRM-R-4 CRM-R-3" {
		t.Fatalf("whole register %q", got)
	}
}
