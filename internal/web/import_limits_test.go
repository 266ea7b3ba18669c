package web

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rollout/internal/sheet"
)

// hostileWorkbook is a small .xlsx whose one sheet holds a header and then
// the same row n times, written by hand into the zip.
func hostileWorkbook(t *testing.T, row string, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	put := func(name string, parts ...string) {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range parts {
			if _, err := io.WriteString(w, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	const rels = `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`
	put("[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`)
	put("_rels/.rels", rels+`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	put("xl/workbook.xml", `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	put("xl/_rels/workbook.xml.rels", rels+`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`)
	rows := strings.Repeat(row, 1000)
	parts := []string{`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`,
		`<row><c t="inlineStr"><is><t>goal_id</t></is></c><c t="inlineStr"><is><t>date</t></is></c><c t="inlineStr"><is><t>value</t></is></c></row>`}
	for range n / 1000 {
		parts = append(parts, rows)
	}
	put("xl/worksheets/sheet1.xml", append(parts, `</sheetData></worksheet>`)...)
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A spreadsheet bomb sent to the import gets the upload page again with
// 413 and the limit, in the user's language, and nothing is written; so
// does a workbook unpacking past the ceiling. A NUL in a CSV cell is a 422.
func TestImportRefusesSpreadsheetBombs(t *testing.T) {
	t.Parallel()
	p := newImportProject(t)
	bomb := hostileWorkbook(t, `<row><c><v>1</v></c><c><v>46082</v></c><c><v>1</v></c></row>`, 1_000_000)
	r := p.admin.uploadFile(importPath, "bomb.xlsx", bomb, nil)
	expectStatus(t, r, http.StatusRequestEntityTooLarge)
	expectContains(t, r, "The file has more than 10000 rows.", `aria-invalid="true"`, `enctype="multipart/form-data"`)

	expectStatus(t, p.admin.post("/lang", url.Values{"lang": {"zh-CN"}, "back": {"/"}}), http.StatusSeeOther)
	r = p.admin.uploadFile(importPath, "炸弹.xlsx", bomb, nil)
	expectStatus(t, r, http.StatusRequestEntityTooLarge)
	expectContains(t, r, "文件超过 10000 行。")
	expectStatus(t, p.admin.post("/lang", url.Values{"lang": {"en"}, "back": {"/"}}), http.StatusSeeOther)

	var big bytes.Buffer
	z := zip.NewWriter(&big)
	w, err := z.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	blanks := strings.Repeat(" ", 1<<20)
	for range sheet.MaxUnpackedBytes>>20 + 1 {
		if _, err := io.WriteString(w, blanks); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	r = p.admin.uploadFile(reqImportPathFor("CRM"), "unpacks.xlsx", big.Bytes(), nil)
	expectStatus(t, r, http.StatusRequestEntityTooLarge)
	expectContains(t, r, "This workbook unpacks to more than 64 MB")

	r = p.admin.uploadFile(importPath, "wide.csv", []byte("goal,date,value\n"+strings.Repeat("x,", sheet.MaxColumns)+"\n"), nil)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "Line 2 has more than 200 columns.")

	if n := p.measurementCount(t); n != 0 {
		t.Fatalf("%d measurements written", n)
	}
	// The same file within the limit is read and previewed.
	ok := `<row><c><v>1</v></c><c t="inlineStr"><is><t>2026-03-01</t></is></c><c><v>1</v></c></row>`
	r = p.admin.uploadFile(importPath, "ok.xlsx", hostileWorkbook(t, ok, 1000), nil)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "ok.xlsx")
}

func reqImportPathFor(key string) string { return "/projects/" + key + "/requirements/import" }
