package sheet

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// The seeds every reader's fuzz test starts from: NUL bytes, huge numbers,
// byte order marks, ragged rows, broken quotes (committed in testdata/fuzz
// too).
var fuzzSeeds = []string{
	"goal,date,value\nLead conversion,2026-03-01,12\n",
	"\xef\xbb\xbfgoal,date,value\n线索,2026/3/1,\"1,234.5\"\n",
	"a,b\x00,c\nx\x00y\n",
	"title,amount\nx,1e308\ny,-1e308\nz,179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\n",
	"a\n1,2,3,4,5,6\n\n,,,\n7\n",
	"\"unterminated,\n\xff\xfe\x00",
	"a;b\r\nc;d\r\n",
	"\xfe\xff\x00a\x00,\x00b",
}

// FuzzReadCSV: any bytes are read or refused, never a panic, and what is
// read keeps the limits.
func FuzzReadCSV(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := Read("a.csv", bytes.NewReader(data))
		if err != nil {
			return
		}
		checkRows(t, rows)
	})
}

// FuzzReadXLSX: any bytes named .xlsx are read or refused, never a panic.
// The seeds are real workbooks holding the hostile cells.
func FuzzReadXLSX(f *testing.F) {
	f.Add(workbook(f, bombHead, bombRow, 3, nil))
	f.Add(workbook(f, `<row><c t="inlineStr"><is><t>a&#0;</t></is></c><c><v>1e308</v></c><c><v>-1E309</v></c><c t="b"><v>1</v></c></row>`,
		`<row r="5"><c r="C5"><v>NaN</v></c><c r="A5" s="99"><v>46082</v></c></row>`, 1, nil))
	f.Add(workbook(f, `<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>`, "", 0, nil))
	f.Add(workbook(f, `<row><c t="s"><v>7</v></c></row>`, "", 0, map[string]string{"xl/sharedStrings.xml": `<sst><si><t>x</t></si></sst>`}))
	w := NewWorkbook()
	if err := w.AddSheet("Goals", []string{"goal", "date", "value"}, [][]any{{"线索", "2026-03-01", math.MaxFloat64}, {"x\x00", nil, -1e308}}); err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := Read("a.xlsx", bytes.NewReader(data))
		if err != nil {
			return
		}
		checkRows(t, rows)
	})
}

// checkRows checks what a reader returned: rows, the last with a value,
// within the limits, trimmed, without control characters.
func checkRows(t *testing.T, rows [][]string) {
	t.Helper()
	if len(rows) == 0 || blankTrimmed(rows[len(rows)-1]) {
		t.Fatalf("no rows, or a blank last row: %q", rows)
	}
	counted := 0
	for _, r := range rows {
		if len(r) > MaxColumns {
			t.Fatalf("%d columns", len(r))
		}
		if !blankTrimmed(r) {
			counted++
		}
		for _, c := range r {
			if c != strings.TrimSpace(c) || hasControl(c) {
				t.Fatalf("cell %q", c)
			}
		}
	}
	if counted > MaxRows+1 {
		t.Fatalf("%d rows", counted)
	}
}

// FuzzReadTable: any rows give a table whose rows are the non-blank rows
// after the header, in order, with their lines.
func FuzzReadTable(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Add("\n\n|goal|date\n\nx|y|z|w\n")
	f.Fuzz(func(t *testing.T, s string) {
		var rows [][]string
		for _, line := range strings.Split(s, "\n") {
			rows = append(rows, strings.Split(line, ","))
		}
		names := map[string][]string{"goal": {"goal", "目标"}, "date": {"date"}, "value": {"value"}}
		tab, missing := ReadTable(rows, names, "goal", "date")
		if tab.Header == nil && (len(tab.Rows) > 0 || len(missing) > 0) {
			t.Fatal("rows or missing columns without a header")
		}
		last := 0
		for _, r := range tab.Rows {
			if r.Line <= last || r.Line > len(rows) || blankTrimmed(rows[r.Line-1]) {
				t.Fatalf("line %d after %d of %d", r.Line, last, len(rows))
			}
			last = r.Line
			for key := range tab.Columns {
				_ = tab.Cell(r, key)
			}
		}
	})
}

// FuzzParseQuantity: a number read is finite, whatever is typed.
func FuzzParseQuantity(f *testing.F) {
	for _, s := range []string{"1,500", "1,5", "１,５", "1e308", "-1e309", "NaN", "Inf", "0x1p-2", "1_000", "\x00", "−3.5", ",5", "1,234,567.89"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []Commas{Thousands, DecimalComma} {
			if v, err := ParseQuantity(s, c); err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
				t.Fatalf("%q read as %v", s, v)
			}
		}
		if d, err := ParseDay(s); err == nil && d.Time().Year() < 1900 {
			t.Fatalf("%q read as %v", s, d)
		}
	})
}
