package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"rollout/internal/i18n"
	"rollout/internal/requirement"
)

func TestRequirementImportPageExplainsTheColumns(t *testing.T) {
	t.Parallel()
	p := newBacklogProject(t)
	r := p.admin.get(reqImportPath)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, `enctype="multipart/form-data"`, `name="file"`, `name="_csrf"`, "Owner email, 负责人邮箱",
		"Must / 必须, Important / 重要, Optional / 可选", "Initiation, Selection, Implementation", "All or nothing",
		`href="/projects/CRM/requirements/export.xlsx"`, `href="/projects/CRM/requirements/export.csv"`)
	p.admin.cookies[langCookie] = "zh-CN"
	expectContains(t, p.admin.get(reqImportPath), "导入需求", "全部导入或全部不导入", "负责人邮箱")
}

func TestRequirementImportIsForbiddenToViewers(t *testing.T) {
	t.Parallel()
	p := newBacklogProject(t)
	p.add(t, requirement.Input{Title: "Lead capture", Tier: requirement.Must, Kind: requirement.Feature, Approach: requirement.Configuration})
	viewer := signIn(t, p.app, "vera@example.com", testPassword)
	expectStatus(t, viewer.get(reqImportPath), http.StatusForbidden)
	csv := "title,tier,kind,approach\nLead scoring,must,feature,configuration\n"
	expectStatus(t, viewer.uploadFile(reqImportPath, "a.csv", []byte(csv), nil), http.StatusForbidden)
	rows, _ := json.Marshal(requirement.ImportFile{Columns: []string{"title", "tier", "kind", "approach"},
		Rows: []requirement.ImportRow{{Line: 2, Title: "Lead scoring", Tier: "must", Kind: "feature", Approach: "configuration"}}})
	expectStatus(t, viewer.post(reqImportPath, url.Values{"confirm": {"1"}, "rows": {string(rows)}}), http.StatusForbidden)
	if n := p.count(t, "requirements", "true"); n != 1 {
		t.Fatalf("%d requirements after a viewer's import", n)
	}
	// Reading, and so exporting, is for everyone in the project.
	if _, rows := p.export(t, viewer, "csv", ""); len(rows) != 2 {
		t.Fatalf("viewer's export %q", rows)
	}
	createUser(t, p.db, "olga@example.com", "Olga Outsider", false)
	outsider := signIn(t, p.app, "olga@example.com", testPassword)
	expectStatus(t, outsider.get("/projects/CRM/requirements/export.csv"), http.StatusNotFound)
	expectStatus(t, outsider.get("/projects/CRM/requirements/export.xlsx"), http.StatusNotFound)
}

// The words the pages show for tiers, kinds, approaches and statuses, in
// both languages, are words the import understands, and the export writes
// them.
func TestRequirementImportUnderstandsTheWordsThePagesShow(t *testing.T) {
	t.Parallel()
	b := i18n.MustLoad()
	for enum, msg := range map[string]string{"tier": "tier", "kind": "requirement_kind", "approach": "approach", "status": "requirement_status"} {
		codes, _, _ := requirement.Labels(enum)
		for _, code := range codes {
			for _, lang := range i18n.Languages {
				word := b.For(lang).T("enum." + msg + "." + code)
				if got, ok := requirement.ParseLabel(enum, word); !ok || got != code {
					t.Errorf("%s: the page's word %q (%s) reads as %q", enum, word, lang, got)
				}
				if exported := requirement.Label(enum, code, lang == i18n.Chinese); exported != word {
					t.Errorf("%s %s: the export writes %q, the pages show %q", enum, code, exported, word)
				}
			}
		}
	}
}

// One reader of estimates: the form and the import both take 1,5 as 1.5
// days and refuse 1,500 (fifteen hundred, or one and a half?) with the same
// message, writing nothing.
func TestEstimateIsReadAlikeByTheFormAndTheImport(t *testing.T) {
	t.Parallel()
	p := newBacklogProject(t)
	const ambiguous = "“1,500” is ambiguous: the comma may separate thousands or decimals."

	// The form: 1,500 comes back with the message at its field and what was typed.
	r := p.admin.post("/projects/CRM/requirements", requirementForm("title", "Lead capture", "estimate_days", "1,500"))
	expectStatus(t, r, http.StatusUnprocessableEntity)
	field := section(t, r.body, `id="estimate_days"`, "</div>")
	expectContains(t, response{body: field}, `value="1,500"`, `aria-invalid="true"`, ambiguous)
	if n := p.count(t, "requirements", "true"); n != 0 {
		t.Fatalf("%d requirements written by a refused form", n)
	}
	p.admin.cookies[langCookie] = "zh-CN"
	expectContains(t, p.admin.post("/projects/CRM/requirements", requirementForm("estimate_days", "1,500")), "“1,500”有歧义")
	p.admin.cookies[langCookie] = "en"
	expectStatus(t, p.admin.post("/projects/CRM/requirements", requirementForm("title", "Lead capture", "estimate_days", "1,5")), http.StatusSeeOther)

	// The import: the same message on the row, and nothing written.
	csv := "title,tier,kind,approach,estimate\n" +
		"Lead scoring,must,feature,configuration,\"1,500\"\n" +
		"Quote approval,must,feature,configuration,\"2,5\"\n"
	r = p.admin.uploadFile(reqImportPath, "estimates.csv", []byte(csv), nil)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "1 of 2 rows have problems", "Estimate (days): "+ambiguous)
	if previewRows(r) != "" || p.count(t, "requirements", "true") != 1 {
		t.Fatal("an ambiguous estimate was offered for import or written")
	}
	csv = "title,tier,kind,approach,estimate\nQuote approval,must,feature,configuration,\"2,5\"\n"
	r = p.admin.uploadFile(reqImportPath, "estimates.csv", []byte(csv), nil)
	expectStatus(t, r, http.StatusOK)
	expectStatus(t, p.admin.post(reqImportPath, url.Values{"confirm": {"1"}, "rows": {previewRows(r)}}), http.StatusSeeOther)

	b := p.backlog(t)
	if len(b.Items) != 2 || *b.Items[0].EstimateDays != 1.5 || b.Items[1].Title != "Quote approval" || *b.Items[1].EstimateDays != 2.5 {
		t.Fatalf("backlog %+v", b.Items)
	}
}
