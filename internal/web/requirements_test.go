package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/project"
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
