package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/project"
	"rollout/internal/requirement"
)

const reqImportPath = "/projects/CRM/requirements/import"

// backlogProject is project CRM (the CRM template's phases) run by the
// signed-up admin, with Li Na as business owner, Vera as viewer, and goals.
type backlogProject struct {
	app    *fiber.App
	db     *database.DB
	admin  *browser
	id     int64
	phases []project.Phase
	goals  []*goal.Goal
}

func newBacklogProject(t *testing.T) *backlogProject {
	t.Helper()
	app, db := testApp(t)
	admin := projectWithMembers(t, app, db, map[string]string{"li.na@example.com": "business_owner", "vera@example.com": "viewer"})
	p := &backlogProject{app: app, db: db, admin: admin, id: projectID(t, db, "CRM")}
	ctx := context.Background()
	var err error
	if p.phases, err = project.Phases(ctx, db, p.id); err != nil || len(p.phases) != 5 {
		t.Fatalf("phases %v %v", p.phases, err)
	}
	owner := userID(t, db, adminEmail)
	for _, title := range []string{"Lead conversion", "线索重复录入"} {
		b, tg := 10.0, 20.0
		g, err := goal.Create(ctx, db, owner, p.id, goal.Input{Title: title, Metric: title, Unit: "%", Baseline: &b, Target: &tg,
			Direction: goal.Increase, Category: goal.Business, StartOn: date.New(2026, 1, 1), DueOn: date.New(2026, 12, 31), OwnerID: owner})
		if err != nil {
			t.Fatal(err)
		}
		p.goals = append(p.goals, g)
	}
	return p
}

// add creates a requirement directly.
func (p *backlogProject) add(t *testing.T, in requirement.Input) *requirement.Requirement {
	t.Helper()
	r, err := requirement.Create(context.Background(), p.db, userID(t, p.db, adminEmail), p.id, in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// backlog is the backlog as the API lists it.
type backlogJSON struct {
	Items []struct {
		Key                string   `json:"key"`
		Title              string   `json:"title"`
		UserStory          string   `json:"user_story"`
		AcceptanceCriteria []string `json:"acceptance_criteria"`
		Tier               string   `json:"tier"`
		Kind               string   `json:"kind"`
		Approach           string   `json:"approach"`
		Status             string   `json:"status"`
		PhaseName          string   `json:"phase_name"`
		OwnerName          string   `json:"owner_name"`
		GoalIDs            []int64  `json:"goal_ids"`
		EstimateDays       *float64 `json:"estimate_days"`
		Version            int      `json:"version"`
	} `json:"items"`
}

func (p *backlogProject) backlog(t *testing.T) backlogJSON {
	t.Helper()
	var b backlogJSON
	r := p.admin.api(http.MethodGet, "/api/v1/projects/CRM/requirements?limit=500", nil)
	expectStatus(t, r, http.StatusOK)
	r.decode(t, &b)
	return b
}

func (p *backlogProject) count(t *testing.T, table, where string) int {
	t.Helper()
	n, err := p.db.NewSelect().Table(table).Where(where).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func TestRequirementImportPreviewShowsProblemsAndOffersNoConfirm(t *testing.T) {
	t.Parallel()
	p := newBacklogProject(t)
	csv := "title,tier,phase,kind,approach,owner email,goals,estimate\n" +
		"Lead capture from the website,must,implementation,feature,configuration,li.na@example.com,Lead conversion,3\n" +
		"Lead scoring,urgent,Phase 9,feature,configuration,nobody@example.com,Churn,three\n" +
		"Quote approval,important,,feature,configuration,admin@example.com,,\n"
	r := p.admin.uploadFile(reqImportPath, "backlog.csv", []byte(csv), nil)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "1 of 3 rows have problems", "nothing was imported", "backlog.csv", `class="is-invalid"`,
		"Tier: “urgent” is not one of Must, Important, Optional (必须, 重要, 可选).",
		"Phase: This project has no phase named “Phase 9”. Its phases: Initiation, Selection, Implementation, Rollout, Operate &amp; improve.",
		"Owner email: Nobody has an account with the email nobody@example.com.",
		"Goals: This project has no goal titled “Churn”.",
		"Estimate (days): “three” is not a number of days.",
		"Lead capture from the website", "badge-ok")
	if previewRows(r) != "" || strings.Contains(r.body, `name="confirm"`) {
		t.Fatal("a preview with problems offers to import")
	}
	if n := p.count(t, "requirements", "true"); n != 0 {
		t.Fatalf("%d requirements written by a preview", n)
	}

	// In Chinese, with Chinese headers and words, the problems speak Chinese.
	p.admin.cookies[langCookie] = "zh-CN"
	csv = "标题,优先级,阶段,类型,实现方式,负责人邮箱\n线索评分,紧急,,功能,配置,vera@example.com\n"
	r = p.admin.uploadFile(reqImportPath, "需求.csv", []byte(csv), nil)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "共 1 行，其中 1 行有问题", "优先级：“紧急”不是有效取值")
	// Vera is a member (a viewer): she may own a requirement. An outsider may not.
	if strings.Contains(r.body, "不是本项目成员") {
		t.Fatal("a viewer refused as owner")
	}
	createUser(t, p.db, "olga@example.com", "Olga", false)
	r = p.admin.uploadFile(reqImportPath, "a.csv", []byte("标题,优先级,类型,实现方式,负责人邮箱\n线索评分,必须,功能,配置,olga@example.com\n"), nil)
	expectContains(t, r, "负责人邮箱：olga@example.com 不是本项目成员")
}

func TestRequirementImportXLSXPreviewThenConfirm(t *testing.T) {
	t.Parallel()
	p := newBacklogProject(t)
	p.add(t, requirement.Input{Title: "Customer 360 view", Tier: requirement.Must, Kind: requirement.Feature, Approach: requirement.Configuration})
	file := xlsxFile(t, []string{"编号", "标题", "用户故事", "验收标准", "优先级", "阶段", "类型", "实现方式", "负责人邮箱", "服务的目标", "状态", "估算（人天）"},
		[][]any{
			{"", "Lead capture from the website", "As a rep I want web leads in the CRM", "leads land within a minute\nduplicates are flagged",
				"必须", "Implementation", "功能", "配置", "LI.NA@example.com", "Lead conversion; 线索重复录入", "", 3},
			{"", "ERP order sync", "", "orders; invoices", "Important", "rollout", "系统集成", "Customisation", "", "", "approved", "12.5"},
			{"", "Sales training by role", "", "", "可选", "", "training", "configuration", "", "#" + itoa64(p.goals[0].ID), "", ""},
		})
	r := p.admin.uploadFile(reqImportPath, "backlog.xlsx", file, nil)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "Ready: 3 new requirements, 0 updated.", "Import: 3 new, 0 updated", ">li.na<", "Implementation", ">Must<")
	rows := previewRows(r)
	if rows == "" {
		t.Fatalf("no rows to confirm in:\n%s", r.body)
	}
	if n := p.count(t, "requirements", "true"); n != 1 {
		t.Fatalf("%d requirements after the preview", n)
	}

	r = p.admin.post(reqImportPath, url.Values{"confirm": {"1"}, "rows": {rows}})
	expectStatus(t, r, http.StatusSeeOther)
	if r.location() != "/projects/CRM/requirements" || p.admin.cookies["rollout_flash"] != "success:flash.reqimport_done" {
		t.Fatalf("redirect %q, flash %q", r.location(), p.admin.cookies["rollout_flash"])
	}
	b := p.backlog(t)
	if len(b.Items) != 4 {
		t.Fatalf("%d requirements", len(b.Items))
	}
	lead, erp, training := b.Items[1], b.Items[2], b.Items[3]
	if lead.Key != "CRM-2" || lead.Tier != "must" || lead.PhaseName != "Implementation" || lead.OwnerName != "li.na" ||
		!slices.Equal(lead.AcceptanceCriteria, []string{"leads land within a minute", "duplicates are flagged"}) ||
		!slices.Equal(lead.GoalIDs, []int64{p.goals[0].ID, p.goals[1].ID}) || *lead.EstimateDays != 3 || lead.Status != "proposed" {
		t.Fatalf("lead capture %+v", lead)
	}
	if erp.Key != "CRM-3" || erp.Kind != "integration" || erp.Approach != "customization" || erp.Status != "approved" ||
		erp.PhaseName != "Rollout" || *erp.EstimateDays != 12.5 || !slices.Equal(erp.AcceptanceCriteria, []string{"orders", "invoices"}) {
		t.Fatalf("erp %+v", erp)
	}
	if training.Key != "CRM-4" || training.Tier != "optional" || training.PhaseName != "" || !slices.Equal(training.GoalIDs, []int64{p.goals[0].ID}) {
		t.Fatalf("training %+v", training)
	}
	if n := p.count(t, "audit_entries", "entity = 'requirement' AND ref = 'import'"); n != 3 {
		t.Fatalf("%d audit entries of the import", n)
	}
	// Sending the confirmation again adds nothing twice.
	r = p.admin.post(reqImportPath, url.Values{"confirm": {"1"}, "rows": {rows}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "since this file was checked", `name="file"`)
	if n := p.count(t, "requirements", "true"); n != 4 {
		t.Fatalf("%d requirements after a second confirmation", n)
	}
}

// export downloads the backlog and returns its rows, header first.
func (p *backlogProject) export(t *testing.T, b *browser, format, query string) (response, [][]string) {
	t.Helper()
	r := b.get("/projects/CRM/requirements/export." + format + query)
	expectStatus(t, r, http.StatusOK)
	if format == "csv" {
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\xef\xbb\xbf"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return r, rows
	}
	x, err := excelize.OpenReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return r, rows
}

func TestRequirementImportRefusesAStaleRowAndWritesNothing(t *testing.T) {
	t.Parallel()
	p := newBacklogProject(t)
	for _, title := range []string{"Lead capture", "Lead scoring"} {
		p.add(t, requirement.Input{Title: title, Tier: requirement.Must, Kind: requirement.Feature, Approach: requirement.Configuration})
	}
	_, rows := p.export(t, p.admin, "xlsx", "")
	// The business owner edits both titles in Excel…
	rows[1][1], rows[2][1] = "Lead capture from the website", "Lead scoring by territory"
	header := rows[0]
	data := make([][]any, len(rows)-1)
	for i, r := range rows[1:] {
		data[i] = make([]any, len(r))
		for j, c := range r {
			data[i][j] = c
		}
	}
	file := xlsxFile(t, header, data)
	r := p.admin.uploadFile(reqImportPath, "edited.xlsx", file, nil)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "Ready: 0 new requirements, 2 updated.", "Changes: Title")
	rows0 := previewRows(r)

	// …while the project manager changes CRM-1 in Rollout.
	patch := p.admin.api(http.MethodPatch, "/api/v1/projects/CRM/requirements/1", map[string]any{"tier": "important", "version": 1})
	expectStatus(t, patch, http.StatusOK)

	// The confirmation is refused, for that row, and nothing is written.
	r = p.admin.post(reqImportPath, url.Values{"confirm": {"1"}, "rows": {rows0}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "CRM-1 was changed by someone after the export; export again", "1 of 2 rows have problems")
	if previewRows(r) != "" {
		t.Fatal("a refused import offers to confirm")
	}
	// Uploading the same file again says the same.
	r = p.admin.uploadFile(reqImportPath, "edited.xlsx", file, nil)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "Key: CRM-1 was changed by someone after the export")
	b := p.backlog(t)
	if b.Items[0].Title != "Lead capture" || b.Items[1].Title != "Lead scoring" || b.Items[1].Version != 1 {
		t.Fatalf("written by a refused import: %+v", b.Items)
	}
	if n := p.count(t, "audit_entries", "ref = 'import'"); n != 0 {
		t.Fatalf("%d audit entries of a refused import", n)
	}
}

func TestRequirementExportOfAFilteredViewImportsBackUnchanged(t *testing.T) {
	t.Parallel()
	p := newBacklogProject(t)
	impl, rollout := p.phases[2].ID, p.phases[3].ID
	li := userID(t, p.db, "li.na@example.com")
	est := 2.5
	p.add(t, requirement.Input{Title: "Lead capture", UserStory: "As a rep, I want web leads, so that none is lost",
		AcceptanceCriteria: []string{"=1+1 is text", "arrives in a minute"}, Tier: requirement.Must, PhaseID: &impl,
		Kind: requirement.Feature, Approach: requirement.Configuration, OwnerID: &li, GoalIDs: []int64{p.goals[0].ID}, EstimateDays: &est})
	p.add(t, requirement.Input{Title: "ERP order sync", Tier: requirement.Must, PhaseID: &rollout, Kind: requirement.Integration,
		Approach: requirement.Customization, Status: requirement.Approved})
	p.add(t, requirement.Input{Title: "Win/loss report", Tier: requirement.Optional, PhaseID: &impl, Kind: requirement.Report,
		Approach: requirement.Configuration, GoalIDs: []int64{p.goals[1].ID}})
	p.add(t, requirement.Input{Title: "Must-have dashboard", Tier: requirement.Important, Kind: requirement.Report, Approach: requirement.Configuration})

	today := date.Of(time.Now()).String()
	// The filtered view: must items in Implementation. The paging of the API
	// (cursor, limit) does not apply.
	r, rows := p.export(t, p.admin, "csv", "?tier=must&phase="+itoa64(impl)+"&limit=1&cursor=1")
	if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="CRM-requirements-`+today+`.csv"` {
		t.Fatalf("content disposition %q", cd)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %q", ct)
	}
	want := [][]string{
		{"Key", "Title", "User story", "Acceptance criteria", "Tier", "Phase", "Kind", "Approach", "Owner email", "Goals", "Status", "Estimate (days)", "Version"},
		{"CRM-1", "Lead capture", "As a rep, I want web leads, so that none is lost", "'=1+1 is text\narrives in a minute", "Must", "Implementation",
			"Feature", "Configuration", "li.na@example.com", "Lead conversion", "Proposed", "2.5", "1"},
	}
	if !slicesEqual(rows, want) {
		t.Fatalf("csv export\n got %q\nwant %q", rows, want)
	}
	// Text search and the report kind: two rows, in backlog order, as a workbook.
	r, rows = p.export(t, p.admin, "xlsx", "?kind=report")
	if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="CRM-requirements-`+today+`.xlsx"` || r.Header.Get("Content-Type") != xlsxType {
		t.Fatalf("xlsx headers %q %q", cd, r.Header.Get("Content-Type"))
	}
	if len(rows) != 3 || rows[1][0] != "CRM-3" || rows[2][0] != "CRM-4" || rows[1][9] != "线索重复录入" || rows[1][3] != "" {
		t.Fatalf("xlsx export %q", rows)
	}
	if _, rows = p.export(t, p.admin, "csv", "?q=ERP"); len(rows) != 2 || rows[1][1] != "ERP order sync" {
		t.Fatalf("search export %q", rows)
	}
	// The backlog page's export links carry its filters.
	page := p.admin.get("/projects/CRM/requirements?kind=report&q=" + url.QueryEscape("win/LOSS"))
	expectStatus(t, page, http.StatusOK)
	link := regexp.MustCompile(`href="(/projects/CRM/requirements/export\.csv[^"]*)"`).FindStringSubmatch(page.body)
	if link == nil {
		t.Fatalf("no export link on the filtered page")
	}
	if _, rows = p.export(t, p.admin, "csv", strings.TrimPrefix(html.UnescapeString(link[1]), "/projects/CRM/requirements/export.csv")); len(rows) != 2 || rows[1][1] != "Win/loss report" {
		t.Fatalf("export from the page's link %q: %q", link[1], rows)
	}

	// The whole backlog, exported in Chinese and uploaded as it is, changes nothing.
	p.admin.cookies[langCookie] = "zh-CN"
	for _, format := range []string{"xlsx", "csv"} {
		r, rows = p.export(t, p.admin, format, "")
		if len(rows) != 5 || rows[0][0] != "编号" || rows[2][7] != "定制开发" || rows[2][10] != "已批准" {
			t.Fatalf("chinese %s export %q", format, rows)
		}
		up := p.admin.uploadFile(reqImportPath, "导出."+format, []byte(r.body), nil)
		expectStatus(t, up, http.StatusOK)
		expectContains(t, up, "全部 4 行都与需求清单完全一致", "无变化")
		if previewRows(up) != "" {
			t.Fatalf("%s: nothing to change, yet confirming is offered", format)
		}
	}
}

func slicesEqual(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

func TestRequirementImportRefusesBadFilesAndTamperedRows(t *testing.T) {
	t.Parallel()
	p := newBacklogProject(t)
	for _, c := range []struct {
		name, content, want string
	}{
		{"notes.txt", "title\n", "This file could not be read."},
		{"empty.csv", "\n,,\n", "The file is empty."},
		{"columns.csv", "title,kind\nx,feature\n", "missing: Tier (优先级), Approach (实现方式)."},
		{"header.csv", "title,tier,kind,approach\n", "no requirements below them"},
	} {
		r := p.admin.uploadFile(reqImportPath, c.name, []byte(c.content), nil)
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r, c.want, `aria-invalid="true"`, `enctype="multipart/form-data"`)
	}
	expectContains(t, p.admin.post(reqImportPath, url.Values{}), "Choose an .xlsx or .csv file")
	for _, rows := range []string{"", "not json", `{"columns":["title"],"rows":[]}`, `[{"line":2}]`} {
		r := p.admin.post(reqImportPath, url.Values{"confirm": {"1"}, "rows": {rows}})
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r, "could not be read. Upload the file again.")
	}
	// Rows edited on their way back are checked again.
	tampered, _ := json.Marshal(requirement.ImportFile{Columns: []string{"title", "tier", "kind", "approach"},
		Rows: []requirement.ImportRow{{Line: 2, Title: "x", Tier: "must", Kind: "feature", Approach: "configuration"},
			{Line: 3, Title: "y", Tier: "sometimes", Kind: "feature", Approach: "configuration"}}})
	r := p.admin.post(reqImportPath, url.Values{"confirm": {"1"}, "rows": {string(tampered)}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "“sometimes” is not one of", "1 of 2 rows have problems")
	noTier, _ := json.Marshal(requirement.ImportFile{Columns: []string{"title"}, Rows: []requirement.ImportRow{{Line: 2, Title: "x"}}})
	expectContains(t, p.admin.post(reqImportPath, url.Values{"confirm": {"1"}, "rows": {string(noTier)}}), "missing: Tier (优先级)")
	if n := p.count(t, "requirements", "true"); n != 0 {
		t.Fatalf("%d requirements written", n)
	}
}
