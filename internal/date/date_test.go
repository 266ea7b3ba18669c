package date

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseAndFormats(t *testing.T) {
	d, err := Parse(" 2026-03-01 ")
	if err != nil || d.String() != "2026-03-01" || d != New(2026, 3, 1) {
		t.Fatalf("%v %v", d, err)
	}
	for _, bad := range []string{"2026-13-01", "01/03/2026", "tomorrow", "2026-02-30"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if z, err := Parse(""); err != nil || !z.IsZero() || z.String() != "" {
		t.Fatalf("empty: %v %v", z, err)
	}
	raw, _ := json.Marshal(struct {
		A, B Date
	}{d, Date{}})
	if string(raw) != `{"A":"2026-03-01","B":null}` {
		t.Fatalf("json %s", raw)
	}
	var back struct{ A, B Date }
	if err := json.Unmarshal([]byte(`{"A":"2026-03-01","B":null}`), &back); err != nil || back.A != d || !back.B.IsZero() {
		t.Fatalf("unmarshal %+v %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"A":20260301}`), &back); err == nil {
		t.Fatal("a number is not a date")
	}
}

func TestArithmeticAndScan(t *testing.T) {
	a, b := New(2026, 2, 27), New(2026, 3, 2)
	if a.AddDays(3) != b || a.DaysUntil(b) != 3 || b.DaysUntil(a) != -3 || !a.Before(b) || !b.After(a) {
		t.Fatal("arithmetic")
	}
	var d Date
	if err := d.Scan(time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)); err != nil || d != New(2026, 5, 4) {
		t.Fatalf("scan time: %v %v", d, err)
	}
	if err := d.Scan(nil); err != nil || !d.IsZero() {
		t.Fatal("scan nil")
	}
	if v, _ := (Date{}).Value(); v != nil {
		t.Fatal("zero date must store NULL")
	}
	if err := d.Scan(42); err == nil {
		t.Fatal("scan int")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("2026-03-01")
	f.Add("")
	f.Add("9999-12-31")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(d.String())
		if err != nil || again != d {
			t.Fatalf("%q → %v → %v (%v)", s, d, again, err)
		}
	})
}
