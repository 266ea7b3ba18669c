package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rollout/internal/date"
	"rollout/internal/project/projecttest"
	"rollout/internal/requirement"
)

func TestBacklogFilters(t *testing.T) {
	t.Parallel()
	b := newBacklog(t, nil)
	gid := b.goal(t, "Raise lead conversion")
	ph := b.phases[2].ID
	b.add(t, "线索自动分配给销售", requirement.Must, func(in *requirement.Input) { in.PhaseID = &ph; in.GoalIDs = []int64{gid} }) // 1
	b.add(t, "Quote approval", requirement.Important)                                                                    // 2
	b.add(t, "Lead scoring report", requirement.Optional, func(in *requirement.Input) {                                  // 3
		in.PhaseID, in.Kind, in.Status = &ph, requirement.Report, requirement.Approved
		in.AcceptanceCriteria = []string{"按线索来源统计转化率"}
	})
	b.add(t, "ERP order sync", requirement.Must, func(in *requirement.Input) { // 4
		in.Kind, in.Approach, in.GoalIDs = requirement.Integration, requirement.Customization, []int64{gid}
	})

	for _, c := range []struct {
		query url.Values
		want  []int
	}{
		{nil, []int{1, 4, 2, 3}}, // grouped by tier: must, important, optional
		{url.Values{"group": {"phase"}}, []int{1, 3, 2, 4}},
		{url.Values{"tier": {"must"}}, []int{1, 4}},
		{url.Values{"phase": {"none"}}, []int{4, 2}},
		{url.Values{"phase": {itoa64(ph)}}, []int{1, 3}},
		{url.Values{"q": {"线索"}}, []int{1, 3}}, // title, and acceptance criteria
		{url.Values{"q": {"quote"}}, []int{2}},
		{url.Values{"goal": {itoa64(gid)}}, []int{1, 4}},
		{url.Values{"kind": {"report"}, "status": {"approved"}}, []int{3}},
		{url.Values{"approach": {"customization"}}, []int{4}},
		{url.Values{"owner": {itoa64(b.adminID)}}, nil},
	} {
		r := b.admin.get("/projects/CRM/requirements?" + c.query.Encode())
		expectStatus(t, r, http.StatusOK)
		if got := rowsShown(r); !slices.Equal(got, c.want) {
			t.Errorf("%s: rows %v, want %v", c.query.Encode(), got, c.want)
		}
	}
	// A filter that names nothing or does not parse is refused, not ignored:
	// the unfiltered backlog would look like an answer.
	for _, q := range []string{"tier=urgent", "phase=abc", "cursor=x", "owner=zzz"} {
		r := b.admin.get("/projects/CRM/requirements?" + q)
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r, "is not a value this filter accepts")
	}
	// The form keeps what was asked for.
	r := b.admin.get("/projects/CRM/requirements?" + url.Values{"q": {"线索"}, "tier": {"must"}, "phase": {"none"}, "group": {"phase"}}.Encode())
	expectContains(t, r, `value="线索"`, `<option value="must" selected>`, `<option value="none" selected>`,
		`<input type="hidden" name="group" value="phase">`, "No requirement matches these filters.", "Clear filters")
	// Chinese text finds its row in the Chinese interface too.
	b.admin.post("/lang", url.Values{"lang": {"zh-CN"}})
	r = b.admin.get("/projects/CRM/requirements?" + url.Values{"q": {"线索"}}.Encode())
	expectContains(t, r, "线索自动分配给销售", "显示 2 条，共 2 条需求。")
}

func TestBacklogBulkChange(t *testing.T) {
	t.Parallel()
	b := newBacklog(t, nil)
	for _, title := range []string{"Lead capture", "Quote approval", "Contract archive"} {
		b.add(t, title, requirement.Must)
	}
	ph := itoa64(b.phases[1].ID)
	bulk := func(numbers []string, kv ...string) response {
		v := url.Values{"numbers": numbers, "back": {"/projects/CRM/requirements?group=phase"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return b.admin.post("/projects/CRM/requirements/bulk", v)
	}
	// Refusals: the page again with the reason, the selection kept, nothing written.
	for _, c := range []struct {
		numbers []string
		kv      []string
		want    string
	}{
		{nil, []string{"tier", "optional"}, "Tick at least one requirement to change."},
		{[]string{"1", "2"}, nil, "Choose at least one thing to change: tier, phase or status."},
		{[]string{"1", "99"}, []string{"tier", "optional"}, "Some of the selected requirements no longer exist."},
		{[]string{"1"}, []string{"phase", "999999"}, "Choose one of this project&#39;s phases."},
		{[]string{"1"}, []string{"status", "finished"}, "Choose one of: proposed, approved"},
	} {
		r := bulk(c.numbers, c.kv...)
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r, c.want)
		if len(c.numbers) > 0 {
			expectContains(t, r, `name="numbers" value="1" form="bulk" aria-label="Select CRM-1" checked`)
		}
	}
	for n := 1; n <= 3; n++ {
		if got := b.get(t, n); got.Version != 1 {
			t.Fatalf("refused bulk changes wrote %+v", got)
		}
	}

	r := bulk([]string{"1", "3"}, "tier", "optional", "phase", ph, "status", "approved")
	expectStatus(t, r, http.StatusSeeOther)
	if r.location() != "/projects/CRM/requirements?changed=2&group=phase" {
		t.Fatalf("bulk change sent to %q", r.location())
	}
	expectContains(t, b.admin.get(r.location()), "Requirements changed: 2.")
	for n, want := range map[int]requirement.Tier{1: requirement.Optional, 2: requirement.Must, 3: requirement.Optional} {
		got := b.get(t, n)
		if got.Tier != want || (want == requirement.Optional && (deref(got.PhaseID) != b.phases[1].ID || got.Status != requirement.Approved)) {
			t.Fatalf("after bulk change %d: %+v", n, got)
		}
	}
	var bulkEntries int
	if err := b.db.NewSelect().Table("audit_entries").ColumnExpr("count(*)").Where("entity = 'requirement' AND ref = 'bulk'").
		Scan(context.Background(), &bulkEntries); err != nil || bulkEntries != 2 {
		t.Fatalf("%d audit entries of the bulk change (%v)", bulkEntries, err)
	}
	// Clearing the phase; items already without one do not count as changed.
	r = bulk([]string{"1", "2", "3"}, "phase", "none")
	expectStatus(t, r, http.StatusSeeOther)
	expectContains(t, b.admin.get(r.location()), "Requirements changed: 2.")
	if got := b.get(t, 3); got.PhaseID != nil {
		t.Fatalf("phase not cleared: %+v", got)
	}
}

func TestBacklogMoveButtons(t *testing.T) {
	t.Parallel()
	b := newBacklog(t, nil)
	for _, title := range []string{"a", "b", "c", "d"} {
		b.add(t, title, requirement.Must)
	}
	b.add(t, "e", requirement.Optional) // another group: the must buttons never cross into it
	page := b.admin.get("/projects/CRM/requirements")
	// The first row cannot go up, the last of its group cannot go down; the
	// buttons name the neighbours the reader sees.
	first := section(t, page.body, `<tr id="req-1"`, `</tr>`)
	if !strings.Contains(first, `name="m" value="1 up" aria-label="Move CRM-1 up" disabled`) ||
		!strings.Contains(first, `name="m" value="1 down 2" aria-label="Move CRM-1 down">`) {
		t.Fatalf("first row:\n%s", first)
	}
	last := section(t, page.body, `<tr id="req-4"`, `</tr>`)
	if !strings.Contains(last, `name="m" value="4 down" aria-label="Move CRM-4 down" disabled`) ||
		!strings.Contains(last, `name="m" value="4 up 3" aria-label="Move CRM-4 up">`) {
		t.Fatalf("last must row:\n%s", last)
	}
	// The buttons of every row belong to the page's one form.
	if n := strings.Count(page.body, `<form id="mv" method="post" action="/projects/CRM/requirements/move"`); n != 1 ||
		strings.Contains(page.body, `class="move-form"`) {
		t.Fatalf("%d page forms for the rank buttons", n)
	}

	back := "/projects/CRM/requirements?tier=must"
	move := func(number int, kv ...string) response {
		v := url.Values{"back": {back}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return b.admin.post(fmt.Sprintf("/projects/CRM/requirements/%d/move", number), v)
	}
	for i, s := range []struct {
		number int
		kv     []string
		want   []int
	}{
		{4, []string{"direction", "up", "prev", "3"}, []int{1, 2, 4, 3, 5}},
		{4, []string{"direction", "top"}, []int{4, 1, 2, 3, 5}},
		{4, []string{"direction", "bottom"}, []int{1, 2, 3, 5, 4}},
		{1, []string{"direction", "down", "next", "2"}, []int{2, 1, 3, 5, 4}},
		{3, []string{"direction", "up"}, []int{2, 3, 1, 5, 4}}, // no neighbour named: one step in the whole backlog
		{2, []string{"direction", "down"}, []int{3, 2, 1, 5, 4}},
	} {
		r := move(s.number, s.kv...)
		expectStatus(t, r, http.StatusSeeOther)
		if want := back + "#req-" + strconv.Itoa(s.number); r.Header.Get("Location") != want {
			t.Fatalf("step %d: sent to %q, want %q", i, r.Header.Get("Location"), want)
		}
		if got := b.order(t); !slices.Equal(got, s.want) {
			t.Fatalf("step %d: order %v, want %v", i, got, s.want)
		}
	}
	// The page shows the new order.
	if got := rowsShown(b.admin.get(back)); !slices.Equal(got, []int{3, 2, 1, 4}) {
		t.Fatalf("must rows shown %v", got)
	}
	// A neighbour that is gone: the reason, and the order stays.
	r := move(1, "direction", "up", "prev", "99")
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "Requirement number 99 is no longer in the backlog.")
	r = move(1)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "Say where the requirement goes")
	if got := b.order(t); !slices.Equal(got, []int{3, 2, 1, 5, 4}) {
		t.Fatalf("refused moves changed the order: %v", got)
	}
	// Only the backlog is a place to go back to.
	back = "https://evil.example.com/"
	r = move(1, "direction", "top")
	if r.Header.Get("Location") != "/projects/CRM/requirements#req-1" {
		t.Fatalf("sent to %q", r.Header.Get("Location"))
	}
}

func TestBacklogChurnAndPhaseSummary(t *testing.T) {
	t.Parallel()
	b := newBacklog(t, nil)
	gid := b.goal(t, "Raise lead conversion")
	first := b.phases[0].ID
	est := func(d float64) *float64 { return &d }
	b.add(t, "Lead capture", requirement.Must, func(in *requirement.Input) { // 1
		in.PhaseID, in.Approach, in.EstimateDays = &first, requirement.Customization, est(4)
	})
	b.add(t, "ERP order sync", requirement.Must, func(in *requirement.Input) { // 2
		in.PhaseID, in.Kind, in.EstimateDays, in.GoalIDs = &first, requirement.Integration, est(3), []int64{gid}
	})
	b.add(t, "Marketing sync", requirement.Optional, func(in *requirement.Input) { // 3
		in.PhaseID, in.Kind, in.EstimateDays = &first, requirement.Integration, est(2.5)
	})
	b.add(t, "Quote approval", requirement.Important)                                // 4
	b.add(t, "Social listening", requirement.Optional, func(in *requirement.Input) { // 5
		in.PhaseID, in.Status = &first, requirement.Rejected
	})
	b.add(t, "Old report", requirement.Optional) // 6

	// One tier move (must → important), two phase moves, one removal.
	in := requirement.InputOf(b.get(t, 1))
	in.Tier = requirement.Important
	if _, err := requirement.Update(context.Background(), b.db, projecttest.Caller(t, b.db, b.project, b.adminID), b.project, 1, in); err != nil {
		t.Fatal(err)
	}
	in = requirement.InputOf(b.get(t, 1))
	in.Tier = requirement.Must
	if _, err := requirement.Update(context.Background(), b.db, projecttest.Caller(t, b.db, b.project, b.adminID), b.project, 1, in); err != nil {
		t.Fatal(err)
	}
	r := b.admin.post("/projects/CRM/requirements/bulk", url.Values{"numbers": {"4", "5"}, "phase": {itoa64(b.phases[1].ID)}})
	expectStatus(t, r, http.StatusSeeOther)
	expectStatus(t, b.admin.post("/projects/CRM/requirements/6/delete", nil), http.StatusSeeOther)
	expectStatus(t, b.admin.post("/projects/CRM/requirements/2/move", url.Values{"direction": {"top"}}), http.StatusSeeOther) // not churn

	page := b.admin.get("/projects/CRM/requirements")
	expectStatus(t, page, http.StatusOK)
	churn := section(t, page.body, `id="churn"`, `id="phase-summary"`)
	expectContains(t, response{body: churn}, `<svg class="chart" viewBox="0 0 640 240" role="img" aria-label="Weekly changes to the backlog over the last 26 weeks">`,
		"<details", "Moved between tiers")
	if n := strings.Count(churn, `<th scope="row" class="nowrap">`); n != 26 {
		t.Fatalf("%d weeks in the churn table", n)
	}
	// Columns: all tiers (added, removed, tier moves, phase moves), then must, important, optional.
	total := tableRow(t, churn, "Total")
	want := []string{"Total", "6", "1", "2", "2", "2", "0", "1", "0", "1", "0", "1", "1", "3", "1", "0", "1"}
	if !slices.Equal(total, want) {
		t.Fatalf("churn totals %v, want %v", total, want)
	}
	// All of it happened this week: the last row holds the same figures.
	monday := date.Of(time.Now())
	for monday.Time().Weekday() != time.Monday {
		monday = monday.AddDays(-1)
	}
	if week := tableRow(t, strings.Replace(churn, `<th scope="row" class="nowrap">`+monday.String(), `<th scope="row">this week`, 1), "this week"); !slices.Equal(week[1:], want[1:]) {
		t.Fatalf("this week %v, want %v", week, want)
	}
	for _, label := range []string{"Added", "Removed"} {
		if !strings.Contains(churn, "</title>") || !strings.Contains(churn, " · "+label+" ") {
			t.Fatalf("no %s bar in the chart", label)
		}
	}

	summary := section(t, page.body, `id="phase-summary"`, "</section>")
	// Phase, requirements, must, important, optional, share of must, share of
	// customisation, integrations, estimate, serving no goal. Rejected items are left out.
	for _, c := range []struct {
		phase string
		want  []string
	}{
		{"Initiation", []string{"Initiation", "3", "2", "0", "1", "67%", "33%", "2", "9.5", "2"}},
		{"Selection", []string{"Selection", "1", "0", "1", "0", "0%", "0%", "0", "0", "1"}},
		{"Implementation", []string{"Implementation", "0", "0", "0", "0", "0%", "0%", "0", "0", "0"}},
		{"Total", []string{"Total", "4", "2", "1", "1", "50%", "25%", "2", "9.5", "3"}},
	} {
		if got := tableRow(t, summary, c.phase); !slices.Equal(got, c.want) {
			t.Errorf("phase summary %s: %v, want %v", c.phase, got, c.want)
		}
	}
	if strings.Contains(summary, "Not planned") {
		t.Error("a 'not planned' line with nothing in it")
	}
}

func TestBacklogPaging(t *testing.T) {
	t.Parallel()
	b := newBacklog(t, nil)
	for i := 1; i <= 250; i++ {
		tier := requirement.Must
		if i%5 == 0 {
			tier = requirement.Optional
		}
		b.add(t, fmt.Sprintf("Requirement %03d", i), tier)
	}
	// walk follows the next-page links from a page and returns every page.
	walk := func(first response) []response {
		t.Helper()
		pages := []response{first}
		for len(pages) < 20 {
			next := regexp.MustCompile(`href="([^"]*)" rel="next"`).FindStringSubmatch(pages[len(pages)-1].body)
			if next == nil {
				return pages
			}
			pages = append(pages, b.admin.get(html.UnescapeString(next[1])))
		}
		t.Fatal("no last page")
		return nil
	}
	page := b.admin.get("/projects/CRM/requirements")
	expectContains(t, page, "Showing 50 of 250 requirements.")
	if rows := rowsShown(page); len(rows) != backlogPageSize {
		t.Fatalf("%d rows on the first page", len(rows))
	}
	pages := walk(page)
	if len(pages) != 5 {
		t.Fatalf("%d pages of 50", len(pages))
	}
	seen := map[int]bool{}
	for i, p := range pages {
		expectContains(t, p, "Showing 50 of 250 requirements.")
		if i > 0 {
			expectContains(t, p, `rel="first"`)
		}
		for _, n := range rowsShown(p) {
			seen[n] = true
		}
	}
	if len(seen) != 250 {
		t.Fatalf("%d different requirements on the five pages", len(seen))
	}
	// Filters and grouping travel with the page link.
	page = b.admin.get("/projects/CRM/requirements?group=phase&tier=must&q=Requirement")
	expectContains(t, page, "Showing 50 of 200 requirements.")
	page = b.admin.get("/projects/CRM/requirements?tier=optional&q=Requirement")
	expectContains(t, page, "Showing 50 of 50 requirements.")
	if strings.Contains(page.body, `rel="next"`) {
		t.Fatal("the only page links to a next one")
	}
	b.add(t, "Requirement 251", requirement.Must)
	page = b.admin.get("/projects/CRM/requirements?group=phase&tier=must")
	next := regexp.MustCompile(`href="([^"]*)" rel="next"`).FindStringSubmatch(page.body)
	if next == nil || !strings.Contains(next[1], "group=phase") || !strings.Contains(next[1], "tier=must") || !strings.Contains(next[1], "cursor=") {
		t.Fatalf("next page link %v", next)
	}
	pages = walk(page)
	expectContains(t, pages[len(pages)-1], "Showing 1 of 201 requirements.", "Requirement 251")
}

func TestBacklogInChinese(t *testing.T) {
	t.Parallel()
	b := newBacklog(t, nil)
	b.admin.post("/lang", url.Values{"lang": {"zh-CN"}})
	empty := b.admin.get("/projects/CRM/requirements")
	expectContains(t, empty, "需求池还是空的", "需求变动趋势", "阶段汇总", `aria-current="page">需求池</a>`)
	r := b.admin.post("/projects/CRM/requirements", requirementForm("title", "线索查重", "estimate_days", "三天"))
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "请用数字填写估算的人天数，不能小于 0。", "作为……，我希望……，以便……")
	expectStatus(t, b.admin.post("/projects/CRM/requirements", requirementForm("title", "线索查重")), http.StatusSeeOther)
	page := b.admin.get("/projects/CRM/requirements")
	expectContains(t, page, "线索查重", "必须", "系统集成", "配置", "已提出", "批量修改", "将 CRM-1 上移", "显示 1 条，共 1 条需求。")
	expectContains(t, b.admin.get("/projects/CRM/requirements/1"), "修改记录", "验收标准", "创建")
}
