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

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"

	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/project"
	"rollout/internal/project/projecttest"
	"rollout/internal/requirement"
)

// backlog is a project CRM made from the CRM template (five phases), run by
// the first admin, with the given members (email → role).
type backlog struct {
	app     *fiber.App
	db      *database.DB
	admin   *browser
	adminID int64
	project int64
	phases  []project.Phase
}

func newBacklog(t *testing.T, members map[string]string) *backlog {
	t.Helper()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	expectStatus(t, admin.post("/projects", url.Values{"key": {"CRM"}, "name": {"CRM rollout"}, "template": {"crm"}}), http.StatusSeeOther)
	for email, role := range members {
		createUser(t, db, email, strings.Split(email, "@")[0], false)
		expectStatus(t, admin.post("/projects/CRM/members", url.Values{"email": {email}, "role": {role}, "department": {"sales"}}), http.StatusSeeOther)
	}
	b := &backlog{app: app, db: db, admin: admin, adminID: userID(t, db, adminEmail), project: projectID(t, db, "CRM")}
	var err error
	if b.phases, err = project.Phases(context.Background(), db, b.project); err != nil || len(b.phases) < 3 {
		t.Fatalf("phases %v %v", b.phases, err)
	}
	return b
}

// add creates a requirement directly; change adjusts the input first.
func (b *backlog) add(t *testing.T, title string, tier requirement.Tier, change ...func(*requirement.Input)) *requirement.Requirement {
	t.Helper()
	in := requirement.Input{Title: title, Tier: tier, Kind: requirement.Feature, Approach: requirement.Configuration}
	for _, c := range change {
		c(&in)
	}
	r, err := requirement.Create(context.Background(), b.db, b.adminID, b.project, in)
	if err != nil {
		t.Fatalf("create %q: %v", title, err)
	}
	return r
}

func (b *backlog) goal(t *testing.T, title string) int64 {
	t.Helper()
	base, target := 20.0, 30.0
	g, err := goal.Create(context.Background(), b.db, b.adminID, b.project, goal.Input{Title: title, Metric: "converted ÷ leads",
		Baseline: &base, Target: &target, Direction: goal.Increase, Category: goal.Business,
		StartOn: date.New(2026, 1, 1), DueOn: date.New(2026, 12, 31), OwnerID: b.adminID})
	if err != nil {
		t.Fatal(err)
	}
	return g.ID
}

// order returns the backlog's numbers in rank order, through the API.
func (b *backlog) order(t *testing.T) []int {
	t.Helper()
	var l list[requirement.View]
	r := b.admin.api(http.MethodGet, "/api/v1/projects/CRM/requirements?limit=500", nil)
	expectStatus(t, r, http.StatusOK)
	r.decode(t, &l)
	out := make([]int, len(l.Items))
	for i, v := range l.Items {
		out[i] = v.Number
	}
	return out
}

func (b *backlog) get(t *testing.T, number int) *requirement.Requirement {
	t.Helper()
	r, err := requirement.Get(context.Background(), b.db, b.project, number)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (b *backlog) count(t *testing.T) int {
	t.Helper()
	n, err := b.db.NewSelect().Table("requirements").Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

var rowIDs = regexp.MustCompile(`<tr id="req-(\d+)"`)

// rowsShown returns the numbers of the backlog rows of a page, in page order.
func rowsShown(r response) []int {
	var out []int
	for _, m := range rowIDs.FindAllStringSubmatch(r.body, -1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, n)
	}
	return out
}

// mainOf is the page's <main>, without the header's forms (language, sign-out).
func mainOf(r response) string {
	body := r.body
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	if i := strings.Index(body, "</main>"); i >= 0 {
		body = body[:i]
	}
	return body
}

var cell = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)

// tableRow returns the cells' texts of the first row of part whose header
// cell reads header.
func tableRow(t *testing.T, part, header string) []string {
	t.Helper()
	start := strings.Index(part, `<th scope="row">`+header+`</th>`)
	if start < 0 {
		t.Fatalf("no row %q in:\n%s", header, part)
	}
	row := part[start:]
	row = row[:strings.Index(row, "</tr>")]
	var out []string
	for _, m := range cell.FindAllStringSubmatch(row, -1) {
		out = append(out, strings.TrimSpace(html.UnescapeString(m[1])))
	}
	return out
}

// section returns the part of a page between two markers.
func section(t *testing.T, body, from, to string) string {
	t.Helper()
	i := strings.Index(body, from)
	if i < 0 {
		t.Fatalf("no %q in page", from)
	}
	body = body[i:]
	if j := strings.Index(body, to); j >= 0 {
		body = body[:j]
	}
	return body
}

func requirementForm(extra ...string) url.Values {
	v := url.Values{
		"title":               {"Capture leads from the website"},
		"user_story":          {"As a sales rep I want web leads in the CRM so that none is lost"},
		"acceptance_criteria": {"A form submission creates a lead\r\n\r\n  Duplicates are flagged  \n"},
		"tier":                {"must"},
		"kind":                {"integration"},
		"approach":            {"configuration"},
		"status":              {"proposed"},
		"estimate_days":       {"2.5"},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

func TestRequirementCreateAndRefusals(t *testing.T) {
	t.Parallel()
	b := newBacklog(t, nil)
	stranger := createUser(t, b.db, "stranger@example.com", "Stranger", false)
	gid := b.goal(t, "Raise lead conversion")

	for _, c := range []struct {
		extra []string
		want  string
	}{
		{[]string{"title", "  "}, "This field is required."},
		{[]string{"estimate_days", "abc"}, "Enter the estimate as a number of days, zero or more."},
		{[]string{"estimate_days", "-1"}, "Enter the estimate as a number of days, zero or more."},
		{[]string{"tier", "urgent"}, "Choose one of: must, important, optional."},
		{[]string{"owner_id", itoa64(stranger.ID)}, "The owner must be a member of this project."},
		{[]string{"goal_ids", "999999"}, "Choose goals of this project only."},
		{[]string{"phase_id", "999999"}, "Choose one of this project&#39;s phases."},
	} {
		r := b.admin.post("/projects/CRM/requirements", requirementForm(c.extra...))
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r, c.want, `aria-invalid="true"`)
		// What was typed comes back.
		expectContains(t, r, "As a sales rep I want web leads", "A form submission creates a lead\nDuplicates are flagged")
	}
	if n := b.count(t); n != 0 {
		t.Fatalf("%d requirements written by refused forms", n)
	}

	form := requirementForm("phase_id", itoa64(b.phases[2].ID), "owner_id", itoa64(b.adminID))
	form.Add("goal_ids", itoa64(gid))
	r := b.admin.post("/projects/CRM/requirements", form)
	expectStatus(t, r, http.StatusSeeOther)
	if r.location() != "/projects/CRM/requirements/1" {
		t.Fatalf("created, then sent to %q", r.location())
	}
	got := b.get(t, 1)
	if !slices.Equal(got.AcceptanceCriteria, []string{"A form submission creates a lead", "Duplicates are flagged"}) ||
		got.EstimateDays == nil || *got.EstimateDays != 2.5 || !slices.Equal(got.GoalIDs, []int64{gid}) ||
		got.Tier != requirement.Must || got.Kind != requirement.Integration || deref(got.PhaseID) != b.phases[2].ID {
		t.Fatalf("created %+v", got)
	}
	page := b.admin.get("/projects/CRM/requirements/1")
	expectStatus(t, page, http.StatusOK)
	expectContains(t, page, "Requirement created.", "CRM-1", "Capture leads from the website", "As a sales rep I want web leads",
		`<li class="prose">A form submission creates a lead</li>`, `<li class="prose">Duplicates are flagged</li>`,
		`href="/projects/CRM/goals/`+itoa64(gid)+`">Raise lead conversion</a>`, "Implementation", "Integration", "2.5", "Ada Admin")
	// The new form offers the project's phases, members and goals.
	expectContains(t, b.admin.get("/projects/CRM/requirements/new"), "As a … I want … so that …", "Initiation", "Ada Admin",
		`name="goal_ids" value="`+itoa64(gid)+`"`)
}

func TestRequirementEditStaleAndDelete(t *testing.T) {
	t.Parallel()
	b := newBacklog(t, nil)
	b.add(t, "Quote approval", requirement.Important)
	edit := b.admin.get("/projects/CRM/requirements/1/edit")
	expectStatus(t, edit, http.StatusOK)
	expectContains(t, edit, `name="version" value="1"`, "Quote approval")

	r := b.admin.post("/projects/CRM/requirements/1/edit", requirementForm("title", "Quote approval by discount", "version", "1"))
	expectStatus(t, r, http.StatusSeeOther)
	expectContains(t, b.admin.get(r.location()), "Saved.", "Quote approval by discount")
	// The same form sent again names a version that moved on: refused, nothing changed.
	r = b.admin.post("/projects/CRM/requirements/1/edit", requirementForm("title", "Overwritten", "version", "1"))
	expectStatus(t, r, http.StatusConflict)
	expectContains(t, r, "Someone else changed this item after you opened it.")
	if got := b.get(t, 1); got.Title != "Quote approval by discount" || got.Version != 2 {
		t.Fatalf("after the stale edit %+v", got)
	}

	r = b.admin.post("/projects/CRM/requirements/1/delete", nil)
	expectStatus(t, r, http.StatusSeeOther)
	expectContains(t, b.admin.get(r.location()), "Requirement deleted.", "The backlog is empty.")
	expectStatus(t, b.admin.get("/projects/CRM/requirements/1"), http.StatusNotFound)
}

// A team member may edit the requirements they own, and only those; a
// viewer edits nothing and sees no form that changes anything.
func TestRequirementOwnersAndViewers(t *testing.T) {
	t.Parallel()
	b := newBacklog(t, map[string]string{"mei@example.com": "member", "li@example.com": "member", "vic@example.com": "viewer"})
	mei, li := userID(t, b.db, "mei@example.com"), userID(t, b.db, "li@example.com")
	b.add(t, "Mei's report", requirement.Important, func(in *requirement.Input) { in.OwnerID = &mei })
	b.add(t, "Li's integration", requirement.Must, func(in *requirement.Input) { in.OwnerID = &li })

	m := signIn(t, b.app, "mei@example.com", testPassword)
	expectStatus(t, m.get("/projects/CRM/requirements/1/edit"), http.StatusOK)
	expectContains(t, m.get("/projects/CRM/requirements/1"), `href="/projects/CRM/requirements/1/edit"`)
	r := m.post("/projects/CRM/requirements/1/edit", requirementForm("title", "Mei's weekly report", "owner_id", itoa64(mei), "version", "1"))
	expectStatus(t, r, http.StatusSeeOther)
	if got := b.get(t, 1); got.Title != "Mei's weekly report" {
		t.Fatalf("owner's edit not saved: %+v", got)
	}
	expectStatus(t, m.get("/projects/CRM/requirements/2/edit"), http.StatusForbidden)
	expectStatus(t, m.post("/projects/CRM/requirements/2/edit", requirementForm("version", "1")), http.StatusForbidden)
	if !strings.Contains(m.get("/projects/CRM/requirements/2").body, "Li&#39;s integration") ||
		strings.Contains(m.get("/projects/CRM/requirements/2").body, "/requirements/2/edit") {
		t.Fatal("the page of someone else's requirement offers the member an edit link")
	}
	// Owning is not ranking or deleting.
	expectStatus(t, m.post("/projects/CRM/requirements/1/move", url.Values{"direction": {"top"}}), http.StatusForbidden)
	expectStatus(t, m.post("/projects/CRM/requirements/1/delete", nil), http.StatusForbidden)
	if got := b.get(t, 2); got.Title != "Li's integration" || got.Version != 1 {
		t.Fatalf("someone else's requirement changed: %+v", got)
	}
	if strings.Contains(mainOf(m.get("/projects/CRM/requirements")), "drag-handle") {
		t.Fatal("a member gets drag handles")
	}

	v := signIn(t, b.app, "vic@example.com", testPassword)
	expectStatus(t, v.get("/projects/CRM/requirements/1/edit"), http.StatusForbidden)
	for _, path := range []string{"/projects/CRM/requirements", "/projects/CRM/requirements/1", "/projects/CRM/requirements?group=phase"} {
		page := v.get(path)
		expectStatus(t, page, http.StatusOK)
		main := mainOf(page)
		for _, no := range []string{`method="post"`, "drag-handle", "data-sortable", "/requirements/new", "/edit\"", `name="numbers"`} {
			if strings.Contains(main, no) {
				t.Fatalf("%s shows the viewer %s", path, no)
			}
		}
	}
	expectContains(t, v.get("/projects/CRM/requirements"), "Mei&#39;s weekly report", `method="get"`)
}

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

func TestRequirementHistory(t *testing.T) {
	t.Parallel()
	b := newBacklog(t, map[string]string{"mei@example.com": "business_owner"})
	b.add(t, "Lead capture", requirement.Must)
	b.add(t, "Quote approval", requirement.Must)
	form := requirementForm("title", "Lead capture from the website", "tier", "important", "phase_id", itoa64(b.phases[2].ID),
		"owner_id", itoa64(userID(t, b.db, "mei@example.com")), "version", "1")
	expectStatus(t, b.admin.post("/projects/CRM/requirements/1/edit", form), http.StatusSeeOther)
	expectStatus(t, b.admin.post("/projects/CRM/requirements/1/move", url.Values{"direction": {"bottom"}}), http.StatusSeeOther)
	expectStatus(t, b.admin.post("/projects/CRM/requirements/bulk", url.Values{"numbers": {"1"}, "status": {"approved"}}), http.StatusSeeOther)

	page := b.admin.get("/projects/CRM/requirements/1")
	expectStatus(t, page, http.StatusOK)
	history := section(t, page.body, `id="history"`, "</section>")
	expectContains(t, response{body: history}, "Ada Admin", "Created", "Changed", "Moved",
		"Moved to the bottom of the backlog", "bulk change",
		"<strong class=\"history-field\">Tier</strong>: <del>Must</del> → Important",
		"<strong class=\"history-field\">Title</strong>: <del>Lead capture</del> → Lead capture from the website",
		"<strong class=\"history-field\">Phase</strong>: <span class=\"muted\">—</span> → Implementation",
		"<strong class=\"history-field\">Owner</strong>: <span class=\"muted\">—</span> → mei",
		"<strong class=\"history-field\">Status</strong>: <del>Proposed</del> → Approved",
		"<strong class=\"history-field\">Estimate (days)</strong>: <span class=\"muted\">—</span> → 2.5")
	// Newest first: the bulk change above the move above the edit above the creation.
	order := []string{"bulk change", "Moved to the bottom", "<del>Must</del> → Important", "Created"}
	for i := 1; i < len(order); i++ {
		if strings.Index(history, order[i-1]) > strings.Index(history, order[i]) {
			t.Fatalf("%q listed after %q:\n%s", order[i-1], order[i], history)
		}
	}
	if strings.Contains(history, "rank") {
		t.Fatal("the history shows raw ranks")
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
		if !strings.Contains(churn, "</title>") || !strings.Contains(churn, " · "+label+": ") {
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
	page := b.admin.get("/projects/CRM/requirements")
	expectContains(t, page, "Showing 200 of 250 requirements.")
	if rows := rowsShown(page); len(rows) != 200 {
		t.Fatalf("%d rows on the first page", len(rows))
	}
	next := regexp.MustCompile(`href="([^"]*)" rel="next"`).FindStringSubmatch(page.body)
	if next == nil {
		t.Fatal("no link to the next page")
	}
	second := b.admin.get(html.UnescapeString(next[1]))
	expectContains(t, second, "Showing 50 of 250 requirements.", `rel="first"`)
	if strings.Contains(second.body, `rel="next"`) {
		t.Fatal("the last page links to a next one")
	}
	seen := map[int]bool{}
	for _, n := range append(rowsShown(page), rowsShown(second)...) {
		seen[n] = true
	}
	if len(seen) != 250 {
		t.Fatalf("%d different requirements on the two pages", len(seen))
	}
	// Filters and grouping travel with the page link.
	page = b.admin.get("/projects/CRM/requirements?group=phase&tier=must&q=Requirement")
	expectContains(t, page, "Showing 200 of 200 requirements.")
	page = b.admin.get("/projects/CRM/requirements?tier=optional&q=Requirement")
	expectContains(t, page, "Showing 50 of 50 requirements.")
	b.add(t, "Requirement 251", requirement.Must)
	page = b.admin.get("/projects/CRM/requirements?group=phase&tier=must")
	next = regexp.MustCompile(`href="([^"]*)" rel="next"`).FindStringSubmatch(page.body)
	if next == nil || !strings.Contains(next[1], "group=phase") || !strings.Contains(next[1], "tier=must") || !strings.Contains(next[1], "cursor=") {
		t.Fatalf("next page link %v", next)
	}
	expectContains(t, b.admin.get(html.UnescapeString(next[1])), "Showing 1 of 201 requirements.", "Requirement 251")
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
	expectContains(t, b.admin.get("/projects/CRM/requirements/1"), "变更记录", "验收标准", "创建")
}

// TestBrowserBacklogDragAndDrop: a business owner drags the fourth must
// requirement above the first; the new order is saved and survives a reload.
func TestBrowserBacklogDragAndDrop(t *testing.T) {
	b := newBacklog(t, map[string]string{"bo@example.com": "business_owner"})
	for _, title := range []string{"Lead capture", "Quote approval", "Contract archive", "Duplicate check"} {
		b.add(t, title, requirement.Must)
	}
	b.add(t, "Partner portal", requirement.Optional)
	u := newUI(t, serve(t, b.app))
	u.open("/signin")
	u.do(fill("#email", "bo@example.com", "#password", testPassword), submit(`form[action="/signin"]`, ".user-menu summary"))
	u.open("/projects/CRM/requirements")
	u.do(chromedp.WaitVisible(chromedp.CSS(`#req-4 .drag-handle`)))

	shown := func() []int {
		t.Helper()
		var got []int
		nums, err := chromedp.Run(u.ctx, chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll('tbody[data-sortable="tier-must"] tr')).map(r => r.dataset.number)`))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range nums {
			i, _ := strconv.Atoi(n)
			got = append(got, i)
		}
		return got
	}
	if got := shown(); !slices.Equal(got, []int{1, 2, 3, 4}) {
		t.Fatalf("must rows before the drag %v", got)
	}
	// Drag the handle of the fourth row onto the top part of the first row.
	u.do(handDrag(`#req-4 .drag-handle`, `#req-1 .drag-handle`, `#req-1`))
	u.do(chromedp.WaitVisible(chromedp.CSS(`#backlog-status.flash-success`)))
	if got := u.text("#backlog-status"); got != "New order saved." {
		t.Fatalf("status after the drag %q", got)
	}
	if got := b.order(t); !slices.Equal(got, []int{4, 1, 2, 3, 5}) {
		t.Fatalf("order saved %v", got)
	}
	// The buttons of the moved rows name their new neighbours.
	if n := u.count(`#req-4 button[value="4 up"]:disabled`) + u.count(`#req-1 button[value="1 up 4"]`); n != 2 {
		t.Fatal("the new first row can still move up")
	}
	u.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#req-4 .drag-handle`)))
	if got := shown(); !slices.Equal(got, []int{4, 1, 2, 3}) {
		t.Fatalf("must rows after reload %v", got)
	}
	// A drop into another group is not taken: the optional row stays where it is.
	u.do(handDrag(`#req-5 .drag-handle`, `#req-1 .drag-handle`, `#req-1`))
	u.do(chromedp.Sleep(300 * time.Millisecond))
	if got := b.order(t); !slices.Equal(got, []int{4, 1, 2, 3, 5}) {
		t.Fatalf("order after a drop across groups %v", got)
	}
	if got := shown(); !slices.Equal(got, []int{4, 1, 2, 3}) || u.count(`tbody[data-sortable="tier-optional"] #req-5`) != 1 {
		t.Fatalf("must rows after a drop across groups %v", got)
	}
}

// handDrag drags like a hand: it presses the mouse on the element from,
// moves in small steps with pauses to the x of the element toX and a quarter
// down the element toY, and releases there. The pauses matter: after each
// swap SortableJS ignores the pointer for 30 ms, and chromedp.DragAndDrop
// sends all its moves within a few milliseconds, so the drop lands on a
// place that depends on timing. Once the browser starts a native drag (HTML5
// drag and drop, as Sortable uses on desktops), headless Chromium no longer
// turns mouse moves into drag events: the drag is intercepted and continued
// with Input.dispatchDragEvent, as DragAndDrop does.
func handDrag(from, toX, toY string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		pts, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(`(() => {
			const a = document.querySelector(%q), b = document.querySelector(%q), c = document.querySelector(%q);
			c.scrollIntoView({block: "center"});
			const ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect(), rc = c.getBoundingClientRect();
			return [ra.x + ra.width / 2, ra.y + ra.height / 2, rb.x + rb.width / 2, rc.y + rc.height / 4];
		})()`, from, toX, toY)))
		if err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, t, input.SetInterceptDrags, input.SetInterceptDragsParams{Enabled: true}); err != nil {
			return err
		}
		defer func() {
			_, _ = cdp.Call(context.WithoutCancel(ctx), t, input.SetInterceptDrags, input.SetInterceptDragsParams{Enabled: false})
		}()
		intercepted, cancel := t.Subscribe(input.DragIntercepted.Method)
		defer cancel()
		mouse := func(typ input.DispatchMouseEventType, x, y float64, buttons int64) error {
			_, err := cdp.Call(ctx, t, input.DispatchMouseEvent, input.DispatchMouseEventParams{Type: typ, X: x, Y: y,
				Button: input.MouseButtonLeft, Buttons: buttons, ClickCount: 1})
			return err
		}
		drag := func(typ input.DispatchDragEventType, x, y float64, data *input.DragData) error {
			_, err := cdp.Call(ctx, t, input.DispatchDragEvent, input.DispatchDragEventParams{Type: typ, X: x, Y: y, Data: data})
			return err
		}
		pause := func(d time.Duration) error {
			select {
			case <-time.After(d):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		fx, fy, tx, ty := pts[0], pts[1], pts[2], pts[3]
		if err := mouse(chromedp.MousePressed, fx, fy, 1); err != nil {
			return err
		}
		var data *input.DragData
		const steps = 24
		for i := 1; i <= steps; i++ {
			x, y := fx+(tx-fx)*float64(i)/steps, fy+(ty-fy)*float64(i)/steps
			if data != nil {
				if err := drag(input.DispatchDragEventTypeDragOver, x, y, data); err != nil {
					return err
				}
			} else if err := mouse(chromedp.MouseMoved, x, y, 1); err != nil {
				return err
			}
			select {
			case raw := <-intercepted:
				var ev input.EventDragIntercepted
				if err := jsonv2.Unmarshal(raw, &ev, chromedp.DefaultUnmarshalOptions); err != nil {
					return err
				}
				data = ev.Data
				if err := drag(input.DispatchDragEventTypeDragEnter, x, y, data); err != nil {
					return err
				}
			default:
			}
			if err := pause(40 * time.Millisecond); err != nil {
				return err
			}
		}
		if data != nil {
			for range 3 { // rest on the spot a moment, as a hand does before letting go
				if err := drag(input.DispatchDragEventTypeDragOver, tx, ty, data); err != nil {
					return err
				}
				if err := pause(40 * time.Millisecond); err != nil {
					return err
				}
			}
			if err := drag(input.DispatchDragEventTypeDrop, tx, ty, data); err != nil {
				return err
			}
		}
		return mouse(chromedp.MouseReleased, tx, ty, 0)
	})
}
