package sheet

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

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
