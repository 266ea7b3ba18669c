package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"rollout/internal/risk"
)

const riskImportPath = "/projects/CRM/risks/import"

// exportedRisks downloads the register and returns the file and its first sheet.
func exportedRisks(t *testing.T, b *browser) ([]byte, [][]string) {
	t.Helper()
	r := b.get("/projects/CRM/risks/export.xlsx")
	expectStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != xlsxType {
		t.Fatalf("content type %q", ct)
	}
	x, err := excelize.OpenReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if len(sheets) != 2 {
		t.Fatalf("sheets %v", sheets)
	}
	rows, err := x.GetRows(sheets[0])
	if err != nil {
		t.Fatal(err)
	}
	return []byte(r.body), rows
}

func TestRiskImportAllOrNothing(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := projectWithMembers(t, app, db, map[string]string{"li@example.com": "member", "v@example.com": "viewer"})
	addRisk(t, db, userID(t, db, adminEmail), "ERP interface slips", 3, 4)

	header := []string{"key", "title", "category", "probability", "impact", "residual probability", "residual impact", "owner email", "status", "next review"}
	bad := xlsxFile(t, header, [][]any{
		{"", "Users resist", "adoption", 4, 4, "", "", "li@example.com", "", "2026-07-01"},
		{"", "Rain on go-live day", "weather", 0, 3, 2, "", "nobody@example.com", "", "soon"},
		{"CRM-R-9", "Ghost", "vendor", 2, 2, "", "", "li@example.com", "", ""},
		{"", "Viewer owns it", "scope", 2, 2, "", "", "v@example.com", "", ""},
	})
	r := admin.uploadFile(riskImportPath, "register.xlsx", bad, nil)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "3 of 4 rows have problems", "nothing was imported", "register.xlsx",
		"Category: “weather” is not a category.", "Probability: Rate the probability from 1",
		"Residual impact: Give both the residual probability and the residual impact, or neither.",
		"Owner email: No member of this project has the email nobody@example.com.",
		"Next review: “soon” is not a date.", "Key: This project has no risk CRM-R-9.",
		"Owner email: A viewer cannot own a risk", `class="is-invalid"`)
	if previewRows(r) != "" || strings.Contains(r.body, `name="confirm"`) {
		t.Fatal("a preview with problems offers to import")
	}
	if n := riskCount(t, db); n != 1 {
		t.Fatalf("%d risks after a refused upload", n)
	}

	// Chinese headers and names; a row with a key updates that risk.
	good := xlsxFile(t, []string{"编号", "标题", "类别", "可能性", "影响", "剩余可能性", "剩余影响", "负责人邮箱", "状态", "缓解措施"}, [][]any{
		{"CRM-R-1", "ERP 接口延期", "系统集成", 4, 4, 2, 3, "li@example.com", "缓解中", "先用每晚文件交换"},
		{"", "用户抵触新系统", "用户采纳", 4, 5, "", "", "admin@example.com", "", ""},
	})
	r = admin.uploadFile(riskImportPath, "登记册.xlsx", good, nil)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "1 new risks and 1 updates are ready to import.", "Updates CRM-R-1", "New risk", "4 × 5 = 20", "badge-critical")
	rows := previewRows(r)
	if rows == "" {
		t.Fatalf("no rows to confirm:\n%s", r.body)
	}
	// Tampered rows are checked again: nothing is written.
	tampered := strings.Replace(rows, `"4"`, `"9"`, 1)
	r = admin.post(riskImportPath, url.Values{"confirm": {"1"}, "rows": {tampered}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "Impact: Rate the impact from 1")
	if n := riskCount(t, db); n != 1 {
		t.Fatalf("%d risks after a refused confirmation", n)
	}
	r = admin.post(riskImportPath, url.Values{"confirm": {"1"}, "rows": {rows}})
	expectStatus(t, r, http.StatusSeeOther)
	var l list[risk.View]
	admin.api(http.MethodGet, "/api/v1/projects/CRM/risks?sort=key", nil).decode(t, &l)
	if len(l.Items) != 2 || l.Items[0].Title != "ERP 接口延期" || l.Items[0].Status != risk.Mitigating || *l.Items[0].ResidualScore != 6 ||
		l.Items[0].OwnerName != "li" || l.Items[0].Mitigation != "先用每晚文件交换" || l.Items[1].Key != "CRM-R-2" || l.Items[1].Score != 20 {
		t.Fatalf("after import %+v", l.Items)
	}
	// Every write is in the trail, marked as an import.
	var entries []struct{ Action, Ref string }
	if err := db.NewSelect().Table("audit_entries").Column("action", "ref").Where("entity = 'risk' AND ref = 'import'").
		OrderExpr("id").Scan(t.Context(), &entries); err != nil || len(entries) != 2 || entries[0].Action != "update" || entries[1].Action != "create" {
		t.Fatalf("trail %+v %v", entries, err)
	}
}

func TestRiskExportImportsAgain(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := projectWithMembers(t, app, db, map[string]string{"li@example.com": "member"})
	li := userID(t, db, "li@example.com")
	addRisk(t, db, li, "ERP interface slips", 3, 4, 2, 2)
	addRisk(t, db, li, "Vendor capacity", 2, 4)
	expectStatus(t, admin.api(http.MethodPost, "/api/v1/projects/CRM/risks/1/reviews", map[string]any{"probability": 2, "impact": 4, "note": "spec signed"}), http.StatusCreated)

	for _, lang := range []string{"en", "zh-CN"} {
		admin.post("/lang", url.Values{"lang": {lang}})
		file, rows := exportedRisks(t, admin)
		// The headers are ones the import reads, in either language.
		irows, err := risk.ReadRows(rows)
		if err != nil || len(irows) != 2 || irows[0].Cells["key"] != "CRM-R-1" || irows[0].Cells["owner_email"] != "li@example.com" {
			t.Fatalf("%s export read back: %+v %v\n%v", lang, irows, err, rows[0])
		}
		// Uploaded unchanged, it updates each risk with what it already has.
		r := admin.uploadFile(riskImportPath, "export.xlsx", file, nil)
		expectStatus(t, r, http.StatusOK)
		if previewRows(r) == "" || strings.Contains(r.body, "is-invalid") {
			t.Fatalf("%s: the export does not import again:\n%s", lang, r.body)
		}
	}
	admin.post("/lang", url.Values{"lang": {"en"}})
	file, rows := exportedRisks(t, admin)
	if !strings.HasPrefix(strings.Join(rows[0], "|"), "Key|Title|Category|Probability|Impact|Residual probability|Residual impact|Owner email|Status|Next review") ||
		rows[1][2] != "Integration" || rows[1][3] != "2" || rows[1][8] != "Open" {
		t.Fatalf("export rows %v", rows)
	}
	// Changed in Rollout since the export: the file's row is refused, not written over it.
	expectStatus(t, admin.api(http.MethodPatch, "/api/v1/projects/CRM/risks/1", map[string]any{"title": "Changed meanwhile", "version": 2}), http.StatusOK)
	r := admin.uploadFile(riskImportPath, "old.xlsx", file, nil)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "CRM-R-1 was changed in Rollout after this file was exported")
	// The reviews sheet lists every review.
	x, err := excelize.OpenReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	reviews, _ := x.GetRows(x.GetSheetList()[1])
	if len(reviews) != 2 || reviews[1][0] != "CRM-R-1" || reviews[1][8] != "spec signed" {
		t.Fatalf("reviews sheet %v", reviews)
	}
}
