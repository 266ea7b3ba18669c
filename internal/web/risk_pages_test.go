package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"rollout/internal/date"
	"rollout/internal/risk"
)

func TestRiskRegisterIsShownAPageAtATime(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := projectWithMembers(t, app, db, nil)
	me := userID(t, db, adminEmail)
	ctx, today, pid := context.Background(), date.Of(time.Now()), projectID(t, db, "CRM")
	const n = 120
	for k := 1; k <= n; k++ {
		in := risk.Input{Title: fmt.Sprintf("Risk number %d", k), Category: risk.Integration, Probability: 1 + k%5, Impact: 1 + (k/5)%5, OwnerID: me}
		if k%2 == 0 {
			in.Category = risk.Adoption
		}
		if _, err := risk.Create(ctx, db, me, pid, in, today); err != nil {
			t.Fatal(err)
		}
	}
	// The order of the whole register, as one read gives it.
	all, _, err := risk.Register(ctx, db, pid, risk.Filter{}, today)
	if err != nil {
		t.Fatal(err)
	}
	keysOf := func(vs []risk.View) string {
		var out []string
		for _, v := range vs {
			out = append(out, v.Key)
		}
		return strings.Join(out, " ")
	}

	// The page: 50 risks, the count and heat maps of all 120, links to the pages.
	r := admin.get("/projects/CRM/risks")
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "120 risks", "Showing 1–50 of 120.", `aria-label="Pages"`, `href="/projects/CRM/risks?page=2#risk-list"`,
		`href="/projects/CRM/risks?page=3#risk-list"`, `rel="next"`, `<span aria-current="page">1</span>`)
	if got := strings.Count(r.body, `<tr data-key=`); got != 50 {
		t.Fatalf("page 1 shows %d risks", got)
	}
	if !strings.Contains(r.body, `data-key="`+all[0].Key+`"`) || !strings.Contains(r.body, `data-key="`+all[49].Key+`"`) ||
		strings.Contains(r.body, `data-key="`+all[50].Key+`"`) {
		t.Fatal("page 1 is not the first 50 of the register")
	}
	r = admin.get("/projects/CRM/risks?page=3")
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "120 risks", "Showing 101–120 of 120.", `rel="prev"`, `href="/projects/CRM/risks?page=2#risk-list"`)
	if got := strings.Count(r.body, `<tr data-key=`); got != 20 || !strings.Contains(r.body, `data-key="`+all[119].Key+`"`) {
		t.Fatalf("page 3 shows %d risks", got)
	}
	// Filters keep their pages, and page links keep the filters.
	r = admin.get("/projects/CRM/risks?category=adoption&sort=key&page=2")
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "60 risks", "Showing 51–60 of 60.", `href="/projects/CRM/risks?category=adoption&amp;sort=key#risk-list"`)
	if got := strings.Count(r.body, `<tr data-key=`); got != 10 || !strings.Contains(r.body, `data-key="CRM-R-120"`) {
		t.Fatalf("filtered page 2 shows %d risks", got)
	}
	// Past the end: a clear state with the way back, not an empty table.
	r = admin.get("/projects/CRM/risks?page=9")
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "There is no page 9: this list ends at page 3.", `id="beyond-last-page"`, `href="/projects/CRM/risks#risk-list"`)
	if strings.Contains(r.body, `<tr data-key=`) || strings.Contains(r.body, "No risk matches these filters.") {
		t.Fatal("a page past the end lists risks or says nothing matches")
	}
	for _, bad := range []string{"0", "-1", "two"} {
		r = admin.get("/projects/CRM/risks?page=" + bad)
		expectStatus(t, r, http.StatusUnprocessableEntity)
	}
	// A register of one page shows no page links.
	r = admin.get("/projects/CRM/risks?category=adoption&level=critical")
	expectStatus(t, r, http.StatusOK)
	if strings.Contains(r.body, `aria-label="Pages"`) || strings.Contains(r.body, "Showing ") {
		t.Fatal("a one-page list shows page links")
	}

	// The API: 50 by default, limit and cursor, next_cursor and the total.
	type page struct {
		Items      []risk.View `json:"items"`
		NextCursor string      `json:"next_cursor"`
		Total      int         `json:"total"`
	}
	get := func(query string) (page, response) {
		t.Helper()
		var p page
		r := admin.api(http.MethodGet, "/api/v1/projects/CRM/risks"+query, nil)
		expectStatus(t, r, http.StatusOK)
		r.decode(t, &p)
		return p, r
	}
	p, r := get("")
	if len(p.Items) != 50 || p.Total != 120 || p.NextCursor != "50" || r.Header.Get("X-Total-Count") != "120" || keysOf(p.Items) != keysOf(all[:50]) {
		t.Fatalf("first page: %d items, total %d, next %q, header %q", len(p.Items), p.Total, p.NextCursor, r.Header.Get("X-Total-Count"))
	}
	var walked []risk.View
	for query := "?limit=45"; ; {
		p, _ := get(query)
		walked = append(walked, p.Items...)
		if p.NextCursor == "" {
			break
		}
		query = "?limit=45&cursor=" + p.NextCursor
	}
	if keysOf(walked) != keysOf(all) {
		t.Fatal("walking the pages by next_cursor does not give the register in its order")
	}
	if p, _ := get("?category=adoption&limit=500"); len(p.Items) != 60 || p.Total != 60 || p.NextCursor != "" {
		t.Fatalf("filtered, one page: %d items, total %d, next %q", len(p.Items), p.Total, p.NextCursor)
	}
	if p, r := get("?cursor=500"); len(p.Items) != 0 || p.Total != 120 || p.NextCursor != "" || !strings.Contains(r.body, `"items":[]`) {
		t.Fatalf("past the end: %s", r.body)
	}
	for _, bad := range []string{"?limit=0", "?limit=501", "?cursor=-1", "?cursor=x"} {
		r := admin.api(http.MethodGet, "/api/v1/projects/CRM/risks"+bad, nil)
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r, strings.Split(strings.TrimPrefix(bad, "?"), "=")[0])
	}
}
