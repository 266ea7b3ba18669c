package web

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/project/projecttest"
	"rollout/internal/sheet"
)

const importPath = "/projects/CRM/goals/import"

// uploadFile posts a file as the import form does: multipart, with the CSRF
// token and any other fields.
func (b *browser) uploadFile(path, fileName string, content []byte, fields url.Values) response {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if err := w.WriteField("_csrf", b.csrf()); err != nil {
		b.t.Fatal(err)
	}
	for k, vs := range fields {
		for _, v := range vs {
			if err := w.WriteField(k, v); err != nil {
				b.t.Fatal(err)
			}
		}
	}
	fw, err := w.CreateFormFile("file", fileName)
	if err != nil {
		b.t.Fatal(err)
	}
	if _, err := fw.Write(content); err != nil {
		b.t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

// importProject is project CRM, run by the signed-up admin, with goals.
type importProject struct {
	app   *fiber.App
	db    *database.DB
	admin *browser
	id    int64
	goals []*goal.Goal
}

// The goals of the import tests; the same titles in the same order give the
// same ids in every fresh database.
var importGoalTitles = []string{"Lead conversion", "线索重复录入", "Weekly active use"}

func newImportProject(t *testing.T) *importProject {
	t.Helper()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	expectStatus(t, admin.post("/projects", url.Values{"key": {"CRM"}, "name": {"CRM rollout"}, "template": {"blank"}}), http.StatusSeeOther)
	p := &importProject{app: app, db: db, admin: admin, id: projectID(t, db, "CRM")}
	owner := userID(t, db, adminEmail)
	for i, title := range importGoalTitles {
		b, tg := float64(10*i+10), float64(10*i+30)
		g, err := goal.Create(context.Background(), db, owner, p.id, goal.Input{Title: title, Metric: title, Unit: "%",
			Baseline: &b, Target: &tg, Direction: goal.Increase, Category: goal.Adoption,
			StartOn: date.New(2025, 1, 1), DueOn: date.New(2027, 12, 31), OwnerID: owner})
		if err != nil {
			t.Fatalf("goal %s: %v", title, err)
		}
		p.goals = append(p.goals, g)
	}
	return p
}

func (p *importProject) measurementCount(t *testing.T) int64 {
	t.Helper()
	n, err := p.db.NewSelect().Table("measurements").Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// measurementsJSON is a goal's measurements as the API lists them.
type measurementsJSON struct {
	Items []struct {
		Value      float64 `json:"value"`
		MeasuredOn string  `json:"measured_on"`
		Note       string  `json:"note"`
		Source     string  `json:"source"`
	} `json:"items"`
}

var rowsField = regexp.MustCompile(`name="rows" value="([^"]*)"`)

// previewRows returns the rows the preview holds for confirming, or "".
func previewRows(r response) string {
	m := rowsField.FindStringSubmatch(r.body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func xlsxFile(t *testing.T, header []string, rows [][]any) []byte {
	t.Helper()
	w := sheet.NewWorkbook()
	if err := w.AddSheet("Sheet1", header, rows); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGoalImportPreviewShowsProblemsAndOffersNoConfirm(t *testing.T) {
	t.Parallel()
	p := newImportProject(t)
	csv := "goal,date,value,note\n" +
		"Lead conversion,2025-03-01,22.5,first month\n" +
		"Churn rate,2025-03-01,4,\n" +
		"Lead conversion,2025-04-01,about 24,\n"
	r := p.admin.uploadFile(importPath, "march.csv", []byte(csv), nil)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "2 of 3 rows have problems", "nothing was imported",
		"This project has no goal titled “Churn rate”.", "“about 24” is not a number.",
		`class="is-invalid"`, "badge-bad", "first month", "march.csv")
	if previewRows(r) != "" || strings.Contains(r.body, `name="confirm"`) {
		t.Fatal("a preview with problems offers to import")
	}
	if n := p.measurementCount(t); n != 0 {
		t.Fatalf("%d measurements written by a preview", n)
	}

	// In Chinese, with Chinese headers, the same problems speak Chinese.
	p.admin.cookies[langCookie] = "zh-CN"
	csv = "目标,日期,数值,备注\n线索重复录入,2025/3/1,12,\n线索重复录入,03/01/25,11,\n"
	r = p.admin.uploadFile(importPath, "三月.csv", []byte(csv), nil)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "共 2 行，其中 1 行有问题", "“03/01/25”不是有效日期")
}

func TestGoalImportGoodFilePreviewsThenConfirms(t *testing.T) {
	t.Parallel()
	p := newImportProject(t)
	lead, use := p.goals[0], p.goals[2]
	file := xlsxFile(t, []string{"Goal ID", "Goal", "Date", "Value", "Note"}, [][]any{
		{"", "lead conversion", "2025-03-01", 21, "CRM report"},
		{lead.ID, "", "2025-04-01", "23.5", ""},
		{use.ID, "Weekly active use", "2025-04-01", "85%", "all regions"},
	})
	r := p.admin.uploadFile(importPath, "figures.xlsx", file, nil)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "3 rows are ready to import.", "Import 3 measurements", ">85<", "badge-ok")
	rows := previewRows(r)
	if rows == "" {
		t.Fatalf("no rows to confirm in:\n%s", r.body)
	}
	if n := p.measurementCount(t); n != 0 {
		t.Fatalf("%d measurements written by the preview", n)
	}

	r = p.admin.post(importPath, url.Values{"confirm": {"1"}, "rows": {rows}})
	expectStatus(t, r, http.StatusSeeOther)
	if r.location() != "/projects/CRM/goals" || p.admin.cookies["rollout_flash"] != "success:flash.measurements_imported" {
		t.Fatalf("redirect %q, flash %q", r.location(), p.admin.cookies["rollout_flash"])
	}
	var ms measurementsJSON
	p.admin.api(http.MethodGet, "/api/v1/projects/CRM/goals/"+itoa64(lead.ID)+"/measurements", nil).decode(t, &ms)
	if len(ms.Items) != 2 || ms.Items[0].Value != 23.5 || ms.Items[0].MeasuredOn != "2025-04-01" || ms.Items[0].Source != "import" ||
		ms.Items[1].Note != "CRM report" {
		t.Fatalf("lead conversion measurements %+v", ms.Items)
	}
	var g struct {
		Current float64 `json:"current"`
	}
	p.admin.api(http.MethodGet, "/api/v1/projects/CRM/goals/"+itoa64(use.ID), nil).decode(t, &g)
	if g.Current != 85 {
		t.Fatalf("weekly active use now %v, want 85", g.Current)
	}

	// Sending the confirmation again records nothing twice.
	delete(p.admin.cookies, "rollout_flash")
	r = p.admin.post(importPath, url.Values{"confirm": {"1"}, "rows": {rows}})
	expectStatus(t, r, http.StatusSeeOther)
	if p.admin.cookies["rollout_flash"] != "info:flash.measurements_nothing_new" || p.measurementCount(t) != 3 {
		t.Fatalf("second confirmation: flash %q, %d measurements", p.admin.cookies["rollout_flash"], p.measurementCount(t))
	}
}

func TestGoalImportRefusesBadFiles(t *testing.T) {
	t.Parallel()
	p := newImportProject(t)
	for _, c := range []struct {
		name, content, want string
	}{
		{"notes.txt", "goal,date,value\n", "This file could not be read."},
		{"fake.xlsx", "not a workbook", "This file could not be read."},
		{"empty.csv", "\n,,\n", "The file is empty."},
		{"columns.csv", "goal,date\nLead conversion,2025-03-01\n", "missing: value."},
		{"titles.csv", "title,when,amount\nLead conversion,2025-03-01,3\n", "missing: goal, date, value."},
		{"header.csv", "goal,date,value\n", "no measurements below them"},
		{"nul.csv", "goal,date,value\nLead\x00conversion,2025-03-01,1\n", "line 2 holds an invisible control character"},
	} {
		r := p.admin.uploadFile(importPath, c.name, []byte(c.content), nil)
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r, c.want, `aria-invalid="true"`, `enctype="multipart/form-data"`)
	}
	// A form without a file.
	r := p.admin.post(importPath, url.Values{})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "Choose an .xlsx or .csv file")
	if n := p.measurementCount(t); n != 0 {
		t.Fatalf("%d measurements written", n)
	}
}

func TestGoalImportPageExplainsTheColumns(t *testing.T) {
	t.Parallel()
	p := newImportProject(t)
	r := p.admin.get(importPath)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, `enctype="multipart/form-data"`, `name="file"`, `accept=".xlsx,.csv`, `name="_csrf"`,
		"goal_id, 目标编号", "date, 日期", "value, 数值", "note, 备注", "All or nothing",
		`href="/projects/CRM/goals/export.xlsx"`, "Weekly active use")
	p.admin.cookies[langCookie] = "zh-CN"
	expectContains(t, p.admin.get(importPath), "导入测量值", "全部导入或全部不导入")
}

func TestGoalImportTamperedRowsAreRefused(t *testing.T) {
	t.Parallel()
	p := newImportProject(t)
	lead := p.goals[0]
	good := goal.ImportRow{Line: 2, GoalID: itoa64(lead.ID), Date: "2025-03-01", Value: "22"}
	for _, c := range []struct {
		rows []goal.ImportRow
		want string
	}{
		{[]goal.ImportRow{good, {Line: 3, GoalID: "424242", Date: "2025-03-02", Value: "23"}}, "This project has no goal number 424242."},
		{[]goal.ImportRow{good, {Line: 3, GoalID: itoa64(lead.ID), Date: "2025-03-02", Value: "NaN"}}, "“NaN” is not a number."},
		{[]goal.ImportRow{good, {Line: 3, GoalID: itoa64(lead.ID), Date: "2999-01-01", Value: "1"}}, "1 of 2 rows have problems"},
	} {
		raw, _ := json.Marshal(c.rows)
		r := p.admin.post(importPath, url.Values{"confirm": {"1"}, "rows": {string(raw)}})
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r, c.want, "is-invalid")
		if previewRows(r) != "" {
			t.Fatal("a refused import offers to confirm")
		}
	}
	for _, rows := range []string{"", "not json", "[]", `{"line":1}`, `[{"line":"x"}]`} {
		r := p.admin.post(importPath, url.Values{"confirm": {"1"}, "rows": {rows}})
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r, "could not be read. Upload the file again.")
	}
	if n := p.measurementCount(t); n != 0 {
		t.Fatalf("%d measurements written by refused imports", n)
	}
	// Without the CSRF token nothing happens either.
	raw, _ := json.Marshal([]goal.ImportRow{good})
	expectStatus(t, p.admin.postRaw(importPath, url.Values{"confirm": {"1"}, "rows": {string(raw)}}), http.StatusForbidden)
	if n := p.measurementCount(t); n != 0 {
		t.Fatalf("%d measurements written without a CSRF token", n)
	}
}

func TestGoalImportIsForbiddenToViewers(t *testing.T) {
	t.Parallel()
	p := newImportProject(t)
	createUser(t, p.db, "vera@example.com", "Vera Viewer", false)
	expectStatus(t, p.admin.post("/projects/CRM/members", url.Values{"email": {"vera@example.com"}, "role": {"viewer"}, "department": {"vendor"}}), http.StatusSeeOther)
	viewer := signIn(t, p.app, "vera@example.com", testPassword)

	expectStatus(t, viewer.get(importPath), http.StatusForbidden)
	csv := "goal,date,value\nLead conversion,2025-03-01,22\n"
	expectStatus(t, viewer.uploadFile(importPath, "a.csv", []byte(csv), nil), http.StatusForbidden)
	raw, _ := json.Marshal([]goal.ImportRow{{Line: 2, Goal: "Lead conversion", Date: "2025-03-01", Value: "22"}})
	expectStatus(t, viewer.post(importPath, url.Values{"confirm": {"1"}, "rows": {string(raw)}}), http.StatusForbidden)
	if n := p.measurementCount(t); n != 0 {
		t.Fatalf("%d measurements written by a viewer", n)
	}
	// Reading, and so exporting, is for everyone in the project.
	expectStatus(t, viewer.get("/projects/CRM/goals/export.xlsx"), http.StatusOK)
	// Outsiders see nothing.
	createUser(t, p.db, "olga@example.com", "Olga Outsider", false)
	expectStatus(t, signIn(t, p.app, "olga@example.com", testPassword).get("/projects/CRM/goals/export.xlsx"), http.StatusNotFound)
}

func TestGoalExportRoundTrip(t *testing.T) {
	t.Parallel()
	src := newImportProject(t)
	ctx := context.Background()
	owner := userID(t, src.db, adminEmail)
	today := date.Of(time.Now())
	for _, m := range []struct {
		goal  int
		on    date.Date
		value float64
		note  string
	}{
		{0, date.New(2025, 2, 1), 12.5, "baseline check"},
		{0, date.New(2025, 3, 1), 14, ""},
		{1, date.New(2025, 3, 1), 1234.75, "首月, 含逗号"},
		{2, date.New(2025, 3, 15), 85, `quoted "note"`},
	} {
		v := m.value
		if _, err := goal.AddMeasurement(ctx, src.db, projecttest.Caller(t, src.db, src.id, owner), src.id, src.goals[m.goal].ID,
			goal.MeasurementInput{Value: &v, MeasuredOn: m.on, Note: m.note}, goal.Manual, today); err != nil {
			t.Fatal(err)
		}
	}

	r := src.admin.get("/projects/CRM/goals/export.xlsx")
	expectStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != xlsxType {
		t.Fatalf("content type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="CRM-goals-`+today.String()+`.xlsx"` {
		t.Fatalf("content disposition %q", cd)
	}
	x, err := excelize.OpenReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if names := x.GetSheetList(); len(names) != 2 || names[0] != "Goals" || names[1] != "Measurements" {
		t.Fatalf("sheets %v", names)
	}
	goalRows, _ := x.GetRows("Goals")
	if len(goalRows) != 4 || goalRows[0][0] != "ID" || goalRows[0][10] != "Progress %" ||
		goalRows[1][1] != "Lead conversion" || goalRows[1][8] != "14" || goalRows[1][14] != "Ada Admin" {
		t.Fatalf("goals sheet %q", goalRows)
	}
	for _, row := range goalRows[1:] {
		for _, col := range []int{4, 5, 11} { // category, direction, status: in words
			if row[col] == "" || strings.HasPrefix(row[col], "enum.") {
				t.Fatalf("untranslated %q in goals sheet row %q", row[col], row)
			}
		}
	}
	mRows, _ := x.GetRows("Measurements")
	if len(mRows) != 5 || strings.Join(mRows[0], "|") != "Goal ID|Goal|Date|Value|Note|Source|Entered by" ||
		mRows[3][1] != "线索重复录入" || mRows[3][3] != "1234.75" || mRows[3][4] != "首月, 含逗号" || mRows[1][6] != "Ada Admin" {
		t.Fatalf("measurements sheet %q", mRows)
	}

	// The exported workbook, uploaded as it is to another installation with
	// the same goals, records the same measurements.
	dst := newImportProject(t)
	r = dst.admin.uploadFile(importPath, "CRM-goals.xlsx", []byte(r.body), nil)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "4 rows are ready to import.")
	expectStatus(t, dst.admin.post(importPath, url.Values{"confirm": {"1"}, "rows": {previewRows(r)}}), http.StatusSeeOther)
	same := func(rows []goal.ExportRow) string {
		var b strings.Builder
		for _, m := range rows {
			b.WriteString(itoa64(m.GoalID) + "|" + m.GoalTitle + "|" + m.MeasuredOn.String() + "|" + fmtNum(m.Value) + "|" + m.Note + "\n")
		}
		return b.String()
	}
	want, err := goal.AllMeasurements(ctx, src.db, src.id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := goal.AllMeasurements(ctx, dst.db, dst.id)
	if err != nil {
		t.Fatal(err)
	}
	if same(got) != same(want) {
		t.Fatalf("round trip:\n got %s\nwant %s", same(got), same(want))
	}

	// The Chinese export has Chinese sheet and column names, which import
	// too: everything in it is already recorded.
	src.admin.cookies[langCookie] = "zh-CN"
	r = src.admin.get("/projects/CRM/goals/export.xlsx")
	expectStatus(t, r, http.StatusOK)
	zx, err := excelize.OpenReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	defer zx.Close()
	zRows, _ := zx.GetRows("测量记录")
	if len(zRows) != 5 || strings.Join(zRows[0][:5], "|") != "目标编号|目标|日期|数值|备注" {
		t.Fatalf("chinese measurements sheet %q", zRows)
	}
	dst.admin.cookies[langCookie] = "zh-CN"
	r = dst.admin.uploadFile(importPath, "导出.xlsx", []byte(r.body), nil)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "全部 4 行都已记录过")
	if previewRows(r) != "" {
		t.Fatal("nothing new, yet confirming is offered")
	}
}
