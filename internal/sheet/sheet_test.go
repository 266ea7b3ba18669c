package sheet

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestXLSXRoundTrip(t *testing.T) {
	w := NewWorkbook()
	if err := w.AddSheet("Goals", []string{"goal", "date", "value"}, [][]any{{"Lead conversion", "2026-03-01", 12.5}, {"线索转化率", "2026-04-01", 13}}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddSheet("Other", []string{"x"}, nil); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := Read("export.XLSX", &buf)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"goal", "date", "value"}, {"Lead conversion", "2026-03-01", "12.5"}, {"线索转化率", "2026-04-01", "13"}}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows %q", rows)
	}
}

func TestCSVInUTF8WithBOMAndInGB18030(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, []string{"目标", "日期"}, [][]string{{"重复录入", "2026-01-31"}, {" spaced ", ""}}); err != nil {
		t.Fatal(err)
	}
	rows, err := Read("a.csv", bytes.NewReader(buf.Bytes()))
	if err != nil || rows[0][0] != "目标" || rows[1][0] != "重复录入" || rows[2][0] != "spaced" {
		t.Fatalf("utf-8: %q %v", rows, err)
	}
	gbk, _ := simplifiedchinese.GB18030.NewEncoder().String("目标,日期\n重复录入,2026-01-31\n")
	rows, err = Read("a.csv", strings.NewReader(gbk))
	if err != nil || rows[1][0] != "重复录入" {
		t.Fatalf("gb18030: %q %v", rows, err)
	}
}

func TestReadRefusesWhatItCannotRead(t *testing.T) {
	if _, err := Read("notes.txt", strings.NewReader("a,b")); err != ErrFormat {
		t.Fatalf("txt: %v", err)
	}
	if _, err := Read("fake.xlsx", strings.NewReader("not a zip")); err != ErrFormat {
		t.Fatalf("fake xlsx: %v", err)
	}
	if _, err := Read("empty.csv", strings.NewReader("\n,,\n")); err != ErrEmpty {
		t.Fatalf("empty: %v", err)
	}
	big := "h\n" + strings.Repeat("x\n", MaxRows+1)
	if _, err := Read("big.csv", strings.NewReader(big)); err != ErrTooLarge {
		t.Fatalf("big: %v", err)
	}
}

func TestHeaderAliases(t *testing.T) {
	cols, missing := Header([]string{" Date ", "目标", "Value"}, map[string][]string{
		"goal": {"goal", "目标"}, "date": {"date", "日期"}, "value": {"value", "数值"}, "note": {"note", "备注"},
	}, "goal", "date", "value")
	if len(missing) != 0 || cols["goal"] != 1 || cols["date"] != 0 || cols["value"] != 2 {
		t.Fatalf("%v %v", cols, missing)
	}
	if cols.Get([]string{"d"}, "value") != "" || cols.Get([]string{"d", "g"}, "note") != "" {
		t.Fatal("Get of an absent cell")
	}
	_, missing = Header([]string{"goal"}, map[string][]string{"goal": {"goal"}, "value": {"value"}}, "goal", "value")
	if !reflect.DeepEqual(missing, []string{"value"}) {
		t.Fatalf("missing %v", missing)
	}
}

// FuzzRead feeds arbitrary bytes to both readers: they may refuse, never panic.
func FuzzRead(f *testing.F) {
	f.Add("a.csv", []byte("goal,date,value\nx,2026-01-01,1\n"))
	f.Add("a.csv", []byte("\"unterminated,\n\xff\xfe"))
	f.Add("a.xlsx", []byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		rows, err := Read(name, bytes.NewReader(data))
		if err == nil && len(rows) == 0 {
			t.Fatal("no error and no rows")
		}
	})
}

func TestReadPreferringPicksTheNamedSheet(t *testing.T) {
	w := NewWorkbook()
	if err := w.AddSheet("Goals", []string{"a"}, [][]any{{"goals"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddSheet("需求", []string{"a"}, [][]any{{"requirements"}}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		prefer []string
		want   string
	}{
		{nil, "goals"},
		{[]string{"Requirements", " 需求 "}, "requirements"},
		{[]string{"requirements"}, "goals"}, // none matches: the first sheet
		{[]string{"GOALS", "需求"}, "goals"},  // the workbook's order decides
	} {
		rows, err := ReadPreferring("x.xlsx", bytes.NewReader(buf.Bytes()), c.prefer...)
		if err != nil || len(rows) != 2 || rows[1][0] != c.want {
			t.Errorf("prefer %q: %q %v", c.prefer, rows, err)
		}
	}
	// A CSV file has one table: the names do not matter.
	rows, err := ReadPreferring("x.csv", strings.NewReader("a\nb\n"), "Requirements")
	if err != nil || len(rows) != 2 {
		t.Fatalf("csv: %q %v", rows, err)
	}
}

// Dates typed into Excel are numbers with a display format; whatever the
// format (American, Chinese, custom), they come out as YYYY-MM-DD. Other
// numbers come out as stored (1,234.50 shown is 1234.5), except percentages
// and times of day, which keep their formatted text.
func TestXLSXDateCellsComeOutAsDays(t *testing.T) {
	x := excelize.NewFile()
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	at := time.Date(2026, 3, 1, 14, 30, 0, 0, time.UTC)
	style := func(s *excelize.Style) int {
		id, err := x.NewStyle(s)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	custom := func(code string) int { return style(&excelize.Style{CustomNumFmt: &code}) }
	cells := []struct {
		value any
		style int
		want  string
	}{
		{day, style(&excelize.Style{NumFmt: 14}), "2026-03-01"},          // m/d/yy in Excel's default
		{day, style(&excelize.Style{NumFmt: 15}), "2026-03-01"},          // d-mmm-yy
		{day, style(&excelize.Style{NumFmt: 31}), "2026-03-01"},          // yyyy"年"m"月"d"日"
		{day, custom(`dd/mm/yyyy`), "2026-03-01"},                        // European
		{day, custom(`yyyy"年"m"月"d"日"`), "2026-03-01"},                   // Chinese, custom
		{day, custom(`[$-409]mmmm d, yyyy;@`), "2026-03-01"},             // with a locale
		{at, custom(`m/d/yyyy h:mm`), "2026-03-01 14:30"},                // a date and time
		{at, style(&excelize.Style{NumFmt: 22}), "2026-03-01 14:30"},     // built-in date and time
		{0.85, style(&excelize.Style{NumFmt: 9}), "85%"},                 // a percentage stays one
		{1234.5, style(&excelize.Style{NumFmt: 4}), "1234.5"},            // thousands shown, the number read
		{1500, custom(`[$¥-804]#,##0.00`), "1500"},                       // a currency too
		{0.1 + 0.2, style(&excelize.Style{NumFmt: 2}), "0.3"},            // to Excel's 15 digits
		{0.5, custom(`h:mm`), "12:00"},                                   // a time of day is no date
		{12.5, 0, "12.5"},                                                // a plain number
		{"2026/3/1", 0, "2026/3/1"},                                      // text is left alone
		{46082, custom(`"day "0`), "46082"},                              // a d inside quotes is text
		{7, custom(`0" days"`), "7"},                                     // so is this one
		{true, 0, "TRUE"},                                                // a truth value is no number
		{"yyyy-mm-dd", style(&excelize.Style{NumFmt: 14}), "yyyy-mm-dd"}, // text in a date cell
		{"46082", style(&excelize.Style{NumFmt: 14}), "46082"},           // digits typed as text
	}
	for i, c := range cells {
		cell, _ := excelize.CoordinatesToCellName(i+1, 2)
		if err := x.SetCellValue("Sheet1", cell, c.value); err != nil {
			t.Fatal(err)
		}
		if c.style != 0 {
			if err := x.SetCellStyle("Sheet1", cell, cell, c.style); err != nil {
				t.Fatal(err)
			}
		}
		head, _ := excelize.CoordinatesToCellName(i+1, 1)
		_ = x.SetCellValue("Sheet1", head, i)
	}
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := Read("dates.xlsx", &buf)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cells {
		if got := rows[1][i]; got != c.want {
			t.Errorf("cell %d (%v): %q, want %q", i, c.value, got, c.want)
		}
	}
}

func TestCustomDateFormat(t *testing.T) {
	for code, want := range map[string]dateFormat{
		"yyyy-mm-dd": dateOnly, "d-mmm": dateOnly, "mmm-yy": dateOnly, `yyyy\-mm`: dateOnly,
		"hh:mm:ss": keepShown, "mm:ss": keepShown, "0.0%": keepShown, `0.0"%"`: notDate, "0.00": notDate, `#,##0" d"`: notDate, `_(* #,##0_)`: notDate,
		"yyyy/m/d h:mm": dateAndTime, "[Red]0;[Blue]yyyy": notDate, `"unterminated`: notDate, "[unterminated": notDate,
	} {
		if got := customDateFormat(code); got != want {
			t.Errorf("%q: %v, want %v", code, got, want)
		}
	}
}
