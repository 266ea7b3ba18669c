package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rollout/internal/project"
)

func (d *dashProject) spend(t *testing.T) (int, float64) {
	t.Helper()
	return int(d.count(t, `SELECT count(*) FROM spend_entries WHERE project_id = ?`)), d.count(t, `SELECT coalesce(sum(amount), 0) FROM spend_entries WHERE project_id = ?`)
}

func TestBudgetLinesAndSpend(t *testing.T) {
	t.Parallel()
	d := newDashProject(t)
	b := d.pm
	page := b.get("/projects/CRM/budget")
	expectStatus(t, page, http.StatusOK)
	expectContains(t, page, `src="/static/charts-`, "Licences", "Services", `id="spend-form"`, `id="line-form"`, "workshop", "1,000")
	if n := strings.Count(page.body, `data-chart="`); n != 2 {
		t.Errorf("%d charts on the budget page", n)
	}

	// A line.
	expectStatus(t, b.post("/projects/CRM/budget/lines", url.Values{"category": {"Training"}, "planned": {"2,500"}, "currency": {"cny"}}), http.StatusSeeOther)
	if n := d.count(t, `SELECT planned FROM budget_lines WHERE project_id = ? AND category = 'Training' AND currency = 'CNY'`); n != 2500 {
		t.Fatalf("training line planned %v", n)
	}
	// Refusals say why and write nothing.
	lines := d.count(t, `SELECT count(*) FROM budget_lines WHERE project_id = ?`)
	for _, c := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"category": {"Travel"}, "planned": {"lots"}}, "Enter a number."},
		{url.Values{"category": {"Travel"}, "planned": {""}}, "Enter the planned amount"},
		{url.Values{"category": {"Licences"}, "planned": {"5"}}, "already has a line with this category"},
		{url.Values{"category": {"Travel"}, "planned": {"5"}, "currency": {"EURO"}}, "three capital letters"},
		{url.Values{"category": {""}, "planned": {"5"}}, "This field is required."},
	} {
		r := b.post("/projects/CRM/budget/lines", c.form)
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r, c.want)
	}
	if n := d.count(t, `SELECT count(*) FROM budget_lines WHERE project_id = ?`); n != lines {
		t.Fatalf("refused lines wrote something: %v → %v", lines, n)
	}

	// Spend.
	lic := fmt.Sprint(d.lines["Licences"])
	expectStatus(t, b.post("/projects/CRM/budget/entries", url.Values{"line_id": {lic}, "spent_on": {"2026-03-01"}, "amount": {"¥1,200.50"}, "note": {"Q1 licences"}}), http.StatusSeeOther)
	n, sum := d.spend(t)
	if n != 4 || sum != 1800.5 {
		t.Fatalf("%d entries, %v spent", n, sum)
	}
	for _, c := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"line_id": {lic}, "spent_on": {"2026-03-01"}, "amount": {"0"}}, "Enter an amount other than 0"},
		{url.Values{"line_id": {lic}, "spent_on": {"2026-03-01"}, "amount": {"abc"}}, "Enter an amount other than 0"},
		{url.Values{"line_id": {lic}, "spent_on": {"yesterday"}, "amount": {"10"}}, "Enter the date of the spend"},
		{url.Values{"line_id": {""}, "spent_on": {"2026-03-01"}, "amount": {"10"}}, "Choose the budget line"},
		{url.Values{"line_id": {"999999"}, "spent_on": {"2026-03-01"}, "amount": {"10"}}, "This project has no such budget line."},
	} {
		r := b.post("/projects/CRM/budget/entries", c.form)
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r, c.want)
	}
	if n2, _ := d.spend(t); n2 != n {
		t.Fatalf("refused spend wrote %d entries", n2-n)
	}

	// Editing a line names the version it read.
	edit := "/projects/CRM/budget/lines/" + lic + "/edit"
	expectContains(t, b.get(edit), `name="version" value="1"`, `value="Licences"`)
	expectStatus(t, b.post(edit, url.Values{"category": {"Licences"}, "planned": {"1200"}, "currency": {"CNY"}, "version": {"1"}}), http.StatusSeeOther)
	r := b.post(edit, url.Values{"category": {"Licences"}, "planned": {"9999"}, "currency": {"CNY"}, "version": {"1"}})
	expectStatus(t, r, http.StatusConflict)
	if p := d.count(t, `SELECT planned FROM budget_lines WHERE project_id = ? AND category = 'Licences'`); p != 1200 {
		t.Fatalf("stale edit wrote %v", p)
	}
	expectStatus(t, b.get("/projects/CRM/budget/lines/999999/edit"), http.StatusNotFound)

	// A viewer reads the budget but gets no forms.
	createUser(t, d.db, "vic@example.com", "Vic Viewer", false)
	if _, err := project.AddMember(context.Background(), d.db, d.pmID, d.id, project.MemberInput{Email: "vic@example.com", Role: project.RoleViewer, Department: project.DeptVendor}); err != nil {
		t.Fatal(err)
	}
	vic := signIn(t, d.app, "vic@example.com", testPassword)
	vp := vic.get("/projects/CRM/budget")
	expectStatus(t, vp, http.StatusOK)
	if strings.Contains(vp.body, `id="spend-form"`) || strings.Contains(vp.body, `id="line-form"`) || strings.Contains(vp.body, "/budget/import") {
		t.Fatal("a viewer is offered the budget forms")
	}
	expectStatus(t, vic.post("/projects/CRM/budget/entries", url.Values{"line_id": {lic}, "spent_on": {"2026-03-01"}, "amount": {"10"}}), http.StatusForbidden)
}

func TestBudgetImportAllOrNothing(t *testing.T) {
	t.Parallel()
	d := newDashProject(t)
	b := d.pm
	const path = "/projects/CRM/budget/import"
	expectContains(t, b.get(path), "预算科目", "Licences", `enctype="multipart/form-data"`)
	n0, sum0 := d.spend(t)

	// One bad row: a preview with a message on each bad row, nothing written, no confirm.
	bad := "日期,金额,预算科目,备注\n2026-03-01,300,licences,March\n2026/3/5,abc,Services,\n2026-03-09,10,Travel,\n"
	r := b.uploadFile(path, "spend.csv", []byte(bad), nil)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "2 of 3 rows have problems", "“abc” is not an amount", "no budget line “Travel”")
	if previewRows(r) != "" {
		t.Fatal("a bad preview offers to confirm")
	}
	if n, _ := d.spend(t); n != n0 {
		t.Fatal("a bad upload wrote spend")
	}

	// A good workbook: preview, then confirm records all rows.
	good := xlsxFile(t, []string{"Date", "Amount", "Category", "Note"}, [][]any{
		{"2026-03-01", 300, "licences", "March"}, {"2026/3/5", "1,200.50", "Services", ""}})
	r = b.uploadFile(path, "spend.xlsx", good, nil)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "2 rows are ready to be recorded", "1,200.5", "2026-03-05")
	rows := previewRows(r)
	if rows == "" {
		t.Fatal("no rows to confirm")
	}
	if n, _ := d.spend(t); n != n0 {
		t.Fatal("the preview wrote spend")
	}
	r = b.post(path, url.Values{"confirm": {"1"}, "rows": {rows}})
	expectStatus(t, r, http.StatusSeeOther)
	n, sum := d.spend(t)
	if n != n0+2 || sum != sum0+1500.5 {
		t.Fatalf("%d entries, %v spent after the import", n, sum)
	}
	// Confirming again records nothing twice.
	r = b.post(path, url.Values{"confirm": {"1"}, "rows": {rows}})
	expectStatus(t, r, http.StatusSeeOther)
	if n2, _ := d.spend(t); n2 != n {
		t.Fatal("a second confirmation recorded the rows again")
	}
	// Tampered rows are checked again on confirmation.
	r = b.post(path, url.Values{"confirm": {"1"}, "rows": {`[{"line":2,"date":"2026-04-01","amount":"9","category":"Nope"}]`}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "no budget line “Nope”")
	// Missing columns and empty files are refused with what to do.
	expectContains(t, b.uploadFile(path, "x.csv", []byte("date,note\n2026-01-01,x\n"), nil), "missing: amount, category")
	expectContains(t, b.uploadFile(path, "x.csv", []byte(""), nil), "The file is empty")

	// The export's Spend sheet uploads again: every row a duplicate.
	x := b.get("/projects/CRM/budget/export.xlsx")
	expectStatus(t, x, http.StatusOK)
	r = b.uploadFile(path, "CRM-budget.xlsx", []byte(x.body), nil)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, fmt.Sprintf("All %d rows are already recorded", n))
}

func TestBudgetAPI(t *testing.T) {
	t.Parallel()
	d := newDashProject(t)
	b := d.pm
	var got budgetJSON
	r := b.api(http.MethodGet, "/api/v1/projects/CRM/budget", nil)
	expectStatus(t, r, http.StatusOK)
	r.decode(t, &got)
	if len(got.Lines) != 2 || len(got.Entries) != 3 || len(got.Totals) != 1 || got.Totals[0].Actual != 600 || len(got.Monthly) != 2 {
		t.Fatalf("budget %+v", got)
	}
	n0, _ := d.spend(t)
	// All or nothing: one bad entry refuses the whole batch, with the item named.
	r = b.api(http.MethodPost, "/api/v1/projects/CRM/budget", map[string]any{
		"lines":   []map[string]any{{"category": "Travel", "planned": 800}},
		"entries": []map[string]any{{"category": "Travel", "spent_on": "2026-04-01", "amount": 120}, {"line_id": d.lines["Licences"], "spent_on": "2026-04-02"}},
	})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, `"entries[1].amount"`, "Enter an amount other than 0")
	if n, _ := d.spend(t); n != n0 || d.count(t, `SELECT count(*) FROM budget_lines WHERE project_id = ? AND category = 'Travel'`) != 0 {
		t.Fatal("a refused batch wrote something")
	}
	r = b.api(http.MethodPost, "/api/v1/projects/CRM/budget", map[string]any{
		"lines":   []map[string]any{{"category": "Travel", "planned": 800, "currency": "CNY"}},
		"entries": []map[string]any{{"category": "Travel", "spent_on": "2026-04-01", "amount": 120, "note": "flights"}, {"line_id": d.lines["Licences"], "spent_on": "2026-04-02", "amount": 50}},
	})
	expectStatus(t, r, http.StatusCreated)
	if n, sum := d.spend(t); n != n0+2 || sum != 770 {
		t.Fatalf("%d entries, %v spent", n, sum)
	}
	// Viewers read but may not write.
	createUser(t, d.db, "vic@example.com", "Vic Viewer", false)
	if _, err := project.AddMember(context.Background(), d.db, d.pmID, d.id, project.MemberInput{Email: "vic@example.com", Role: project.RoleViewer, Department: project.DeptVendor}); err != nil {
		t.Fatal(err)
	}
	vic := signIn(t, d.app, "vic@example.com", testPassword)
	expectStatus(t, vic.api(http.MethodGet, "/api/v1/projects/CRM/budget", nil), http.StatusOK)
	expectStatus(t, vic.api(http.MethodPost, "/api/v1/projects/CRM/budget", map[string]any{"lines": []map[string]any{{"category": "X", "planned": 1}}}), http.StatusForbidden)
}
