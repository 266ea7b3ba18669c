package i18n

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// Messages with a number read right for one and for many: English has two
// forms, Chinese one; the count may have another name than Count.
func TestPluralForms(t *testing.T) {
	b := MustLoad()
	en, zh := b.For(English), b.For(Chinese)
	for _, c := range []struct {
		id   string
		kv   []any
		want string
	}{
		{"risks.count", []any{"Count", 1}, "1 risk"},
		{"risks.count", []any{"Count", 3}, "3 risks"},
		{"risks.count", []any{"Count", 0}, "0 risks"},
		{"changes.op_count", []any{"Count", 1}, "1 operation on the plan"},
		{"changes.op_count", []any{"Count", 2}, "2 operations on the plan"},
		{"dashboard.slip", []any{"Days", 1}, "1 day late"},
		{"dashboard.slip", []any{"Days", 14}, "14 days late"},
		{"dashboard.slips_lead", []any{"Slipping", 2, "Worst", 1}, "Open milestones that slip: 2; the worst by 1 day. Milestones done on their day are left out."},
		// A message of one form takes any count.
		{"requirements.count", []any{"Shown", 1, "Total", 1, "Count", 1}, en.T("requirements.count", "Shown", 1, "Total", 1)},
	} {
		if got := en.T(c.id, c.kv...); got != c.want {
			t.Errorf("%s %v: %q, want %q", c.id, c.kv, got, c.want)
		}
	}
	if one, many := zh.T("risks.count", "Count", 1), zh.T("risks.count", "Count", 3); one == "risks.count" || strings.Replace(one, "1", "3", 1) != many {
		t.Errorf("Chinese: %q and %q", one, many)
	}
}

// No English message leaves its plural to the reader ("operation(s)").
func TestNoLazyPlurals(t *testing.T) {
	lazy := regexp.MustCompile(`[a-z]\(s\)`)
	files, _ := fs.Glob(locales, "locales/*.en.json")
	for _, f := range files {
		raw, _ := locales.ReadFile(f)
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		for id, v := range m {
			text, _ := json.Marshal(v)
			if lazy.Match(text) {
				t.Errorf("%s %s: %s", f, id, text)
			}
		}
	}
}
