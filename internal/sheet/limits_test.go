package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// workbook writes a minimal .xlsx by hand: one sheet, whose <sheetData>
// holds head and then row repeated n times, streamed into the zip so that a
// million rows never sit in memory. extra parts are added as they are.
func workbook(t testing.TB, head string, row string, n int, extra map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	put := func(name, body string) {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, body); err != nil {
			t.Fatal(err)
		}
	}
	put("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`)
	put("_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	put("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	put("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`)
	for name, body := range extra {
		put(name, body)
	}
	w, err := z.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	bw := func(s string) {
		if _, err := io.WriteString(w, s); err != nil {
			t.Fatal(err)
		}
	}
	bw(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	bw(head)
	if n >= 1000 {
		chunk := strings.Repeat(row, 1000)
		for i := 0; i < n/1000; i++ {
			bw(chunk)
		}
	}
	bw(strings.Repeat(row, n%1000))
	bw(`</sheetData></worksheet>`)
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	bombHead = `<row><c t="inlineStr"><is><t>title</t></is></c><c t="inlineStr"><is><t>tier</t></is></c></row>`
	bombRow  = `<row><c t="inlineStr"><is><t>Lead</t></is></c><c><v>1</v></c></row>`
)

// unpacked is what a workbook declares it unpacks to.
func unpacked(t testing.TB, raw []byte) uint64 {
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, f := range zr.File {
		n += f.UncompressedSize64
	}
	return n
}

// A small workbook holding a million identical rows is refused for its rows
// as soon as the row past the limit is read: the reader sees MaxRows and a
// header and one more, and allocates a few megabytes, not the sheet.
func TestMillionRowWorkbookIsRefusedWhileStreaming(t *testing.T) {
	raw := workbook(t, bombHead, bombRow, 1_000_000, nil)
	size := unpacked(t, raw)
	if size > MaxUnpackedBytes {
		t.Fatalf("the bomb unpacks to %d bytes, past the ceiling: it would not test the row limit", size)
	}
	t.Logf("%d KB unpacking to %d MB", len(raw)>>10, size>>20)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rows, st, err := read("bomb.xlsx", bytes.NewReader(raw), nil)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) || rows != nil {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	if st.rowsSeen != MaxRows+2 {
		t.Errorf("read %d rows, want it to stop at the header, %d rows and one more", st.rowsSeen, MaxRows)
	}
	if extra := after.TotalAlloc - before.TotalAlloc; extra > 50<<20 {
		t.Errorf("allocated %d MB reading it", extra>>20)
	}
	// The limit is on the data rows: MaxRows of them are taken.
	ok := workbook(t, bombHead, bombRow, MaxRows, nil)
	rows, err = Read("ok.xlsx", bytes.NewReader(ok))
	if err != nil || len(rows) != MaxRows+1 || rows[MaxRows][0] != "Lead" {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
}

// BenchmarkHostileXLSX reads the million-row workbook: time and memory per
// refusal.
func BenchmarkHostileXLSX(b *testing.B) {
	raw := workbook(b, bombHead, bombRow, 1_000_000, nil)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Read("bomb.xlsx", bytes.NewReader(raw)); !errors.Is(err, ErrTooLarge) {
			b.Fatal(err)
		}
	}
}

// A workbook that unpacks past the ceiling is refused from the sizes its
// archive declares, before anything is unpacked; so is a settings part
// (styles here) too large for a real workbook.
func TestWorkbookUnpackingPastTheCeilingIsRefused(t *testing.T) {
	raw := workbook(t, "", strings.Repeat(" ", 1<<20), MaxUnpackedBytes>>20+1, nil)
	t.Logf("%d KB unpacking to %d MB", len(raw)>>10, unpacked(t, raw)>>20)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, st, err := read("huge.xlsx", bytes.NewReader(raw), nil)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrUnpacked) || st.rowsSeen != 0 {
		t.Fatalf("%v after %d rows", err, st.rowsSeen)
	}
	if extra := after.TotalAlloc - before.TotalAlloc; extra > 10<<20 {
		t.Errorf("allocated %d MB refusing it", extra>>20)
	}

	styles := workbook(t, bombHead, bombRow, 1, map[string]string{"xl/styles.xml": strings.Repeat(" ", maxPartBytes+1)})
	if _, err := Read("styles.xlsx", bytes.NewReader(styles)); !errors.Is(err, ErrUnpacked) {
		t.Fatalf("styles: %v", err)
	}
}

// A zip entry that unpacks to more than it declares is cut off by the zip
// reader: the workbook is refused as unreadable.
func TestWorkbookLyingAboutItsSizeIsRefused(t *testing.T) {
	good := workbook(t, bombHead, bombRow, 200_000, nil)
	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, f := range zr.File {
		h := f.FileHeader
		if h.Name == "xl/worksheets/sheet1.xml" {
			h.UncompressedSize64 = 1 << 10 // claims a kilobyte
		}
		w, err := z.CreateRaw(&h)
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.OpenRaw()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	rows, st, err := read("liar.xlsx", bytes.NewReader(buf.Bytes()), nil)
	if err == nil || st.rowsSeen > 100 {
		t.Fatalf("%d rows read, %d seen, %v", len(rows), st.rowsSeen, err)
	}
}

// Rows, columns and cells past the limits, in both formats, are refused
// where they are, naming the line.
func TestLimitsOfRowsColumnsAndCells(t *testing.T) {
	lineOf := func(_ [][]string, err error) *LineError {
		t.Helper()
		var le *LineError
		if !errors.As(err, &le) {
			t.Fatalf("%v, want an error on a line", err)
		}
		return le
	}
	wide := strings.Repeat("x,", MaxColumns) + "x"
	if le := lineOf(Read("wide.csv", strings.NewReader("a\nb\n"+wide+"\n"))); le.Line != 3 || !errors.Is(le, ErrTooWide) {
		t.Errorf("wide: %v", le)
	}
	long := strings.Repeat("长", MaxCellChars+1)
	if le := lineOf(Read("long.csv", strings.NewReader("a\n"+long+"\n"))); le.Line != 2 || !errors.Is(le, ErrCellTooLong) {
		t.Errorf("long cell: %v", le)
	}
	// Exactly the limit is a cell (Excel's longest).
	if rows, err := Read("edge.csv", strings.NewReader("a\n"+strings.Repeat("长", MaxCellChars)+"\n")); err != nil || len(rows) != 2 {
		t.Fatalf("longest cell: %v", err)
	}
	line := strings.Repeat("x", maxLineBytes+1)
	if le := lineOf(Read("line.csv", strings.NewReader("a\nb\nc\n"+line))); le.Line != 4 || !errors.Is(le, ErrLineTooLong) {
		t.Errorf("long line: %v", le)
	}
	for _, nul := range []string{"a\nx\x00y\n", "a\n\"q\x01\"\n", "a\nb\x7f\n"} {
		if le := lineOf(Read("nul.csv", strings.NewReader(nul))); le.Line != 2 || !errors.Is(le, ErrControl) {
			t.Errorf("%q: %v", nul, le)
		}
	}
	if _, err := Read("tab.csv", strings.NewReader("a\n\"x\ty\r\nz\"\n")); err != nil {
		t.Fatalf("tabs and line breaks are text: %v", err)
	}
	cells := `<row><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="HZ1"><v>1</v></c></row>`
	if le := lineOf(Read("wide.xlsx", bytes.NewReader(workbook(t, cells, "", 0, nil)))); le.Line != 1 || !errors.Is(le, ErrTooWide) {
		t.Errorf("wide xlsx: %v", le)
	}
	cell := fmt.Sprintf(`<row><c t="inlineStr"><is><t>a</t></is></c></row><row><c t="inlineStr"><is><t>%s</t></is></c></row>`, long)
	if le := lineOf(Read("long.xlsx", bytes.NewReader(workbook(t, cell, "", 0, nil)))); le.Line != 2 || !errors.Is(le, ErrCellTooLong) {
		t.Errorf("long xlsx cell: %v", le)
	}
}

// A CSV of more rows than the limit stops at the first one past it;
// blank rows do not count, and a flood of them is refused too.
func TestCSVRowsAreCountedWhileReading(t *testing.T) {
	big := "h\n" + strings.Repeat("x\n", 10*MaxRows)
	_, st, err := read("big.csv", strings.NewReader(big), nil)
	if !errors.Is(err, ErrTooLarge) || st.rowsSeen != MaxRows+2 {
		t.Fatalf("%v after %d rows", err, st.rowsSeen)
	}
	spaced := "h\n" + strings.Repeat(",\nx\n", MaxRows)
	if rows, err := Read("spaced.csv", strings.NewReader(spaced)); err != nil || len(rows) != 2*MaxRows+1 {
		t.Fatalf("blank rows between: %d %v", len(rows), err)
	}
	_, st, err = read("blanks.csv", strings.NewReader("h\n"+strings.Repeat(",\n", 10*MaxRows)), nil)
	if !errors.Is(err, ErrTooLarge) || st.rowsSeen != maxRowsSeen+1 {
		t.Fatalf("blank flood: %v after %d rows", err, st.rowsSeen)
	}
	tooBig := io.MultiReader(strings.NewReader("h\n"), strings.NewReader(strings.Repeat("x", MaxFileBytes)))
	if _, err := Read("huge.csv", tooBig); !errors.Is(err, ErrFileTooLarge) {
		t.Fatalf("huge file: %v", err)
	}
}
