package sheets

import (
	"bytes"
	"strings"
	"testing"

	"rollout/internal/budget"
	"rollout/internal/date"
	"rollout/internal/i18n"
	"rollout/internal/report"
	"rollout/internal/sheet"
)

func read(t *testing.T, w *sheet.Workbook, name string) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := w.Write(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := sheet.ReadPreferring("x.xlsx", &buf, name)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// The spend sheet is what the budget import reads back, in both languages.
func TestBudgetWorkbook(t *testing.T) {
	bundle := i18n.MustLoad()
	for _, lang := range []string{"en", "zh-CN"} {
		tr := bundle.For(lang)
		w, err := Budget(tr, []budget.Line{{Category: "Licences", Currency: "CNY", Planned: 1000, Actual: 250}},
			[]budget.Entry{{SpentOn: date.New(2026, 3, 1), Amount: 250, Category: "Licences", Note: "=1+1"}})
		if err != nil {
			t.Fatal(err)
		}
		lines := read(t, w, tr.T("budget.sheet_lines"))
		if len(lines) != 2 || lines[1][0] != "Licences" || lines[1][5] != "25" {
			t.Errorf("%s: lines %q", lang, lines)
		}
		spend := read(t, w, tr.T("budget.sheet_spend"))
		if len(spend) != 2 || spend[0][0] != tr.T("budget.col.date") || spend[1][3] != "=1+1" {
			t.Errorf("%s: spend %q", lang, spend)
		}
	}
}

// An empty project still gets every sheet, each with its header.
func TestDashboardWorkbookOfAnEmptyProject(t *testing.T) {
	tr := i18n.MustLoad().For("en")
	d := &report.DashboardData{Today: date.New(2026, 6, 1)}
	w, err := Dashboard(tr, d, func(code string) string { return "title of " + code })
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"dashboard.sheet.phases", "dashboard.sheet.milestones", "dashboard.sheet.goals", "dashboard.sheet.churn",
		"dashboard.sheet.heat", "dashboard.sheet.top_risks", "dashboard.sheet.changes", "dashboard.sheet.budget",
		"dashboard.sheet.spend", "dashboard.sheet.health"} {
		rows := read(t, w, tr.T(id))
		if len(rows) == 0 || strings.Join(rows[0], "") == "" {
			t.Errorf("sheet %s has no header: %q", id, rows)
		}
	}
	// The heat map lists the highest probability first, as the page does:
	// the counts, then each cell's level (probability 5 × impact 5 is critical).
	heat := read(t, w, tr.T("dashboard.sheet.heat"))
	if len(heat) != 13 || heat[1][0] != "5" || heat[5][0] != "1" || heat[8][0] != "5" || heat[8][5] != "Critical" {
		t.Errorf("heat sheet %q", heat)
	}
}
