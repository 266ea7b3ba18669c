package i18n

import (
	"slices"
	"testing"
)

// Every message exists in both languages, so no page shows a raw ID.
func TestLanguagesHaveTheSameMessages(t *testing.T) {
	en, err := Keys(English)
	if err != nil {
		t.Fatal(err)
	}
	zh, err := Keys(Chinese)
	if err != nil {
		t.Fatal(err)
	}
	for lang, keys := range map[string][]string{English: en, Chinese: zh} {
		seen := map[string]bool{}
		for _, k := range keys {
			if seen[k] {
				t.Errorf("%s: %s is defined in two files", lang, k)
			}
			seen[k] = true
		}
	}
	for _, k := range en {
		if !slices.Contains(zh, k) {
			t.Errorf("%s: missing in %s", k, Chinese)
		}
	}
	for _, k := range zh {
		if !slices.Contains(en, k) {
			t.Errorf("%s: missing in %s", k, English)
		}
	}
}

func TestMatch(t *testing.T) {
	for _, c := range []struct{ choice, accept, want string }{
		{"", "", English},
		{"zh-CN", "en-US", Chinese},
		{"", "zh-CN,zh;q=0.9", Chinese},
		{"", "zh-TW", Chinese},
		{"", "de-DE,fr;q=0.8", English},
		{"fr", "zh", Chinese},
		{"", "garbage;;;", English},
	} {
		if got := Match(c.choice, c.accept); got != c.want {
			t.Errorf("Match(%q, %q) = %q, want %q", c.choice, c.accept, got, c.want)
		}
	}
}

func TestTranslateWithData(t *testing.T) {
	b := MustLoad()
	if got := b.For(Chinese).T("nav.home"); got != "首页" {
		t.Fatalf("zh nav.home = %q", got)
	}
	if got := b.For("xx").T("nav.home"); got != "Home" {
		t.Fatalf("fallback = %q", got)
	}
	if got := b.For(English).T("no.such.key"); got != "no.such.key" {
		t.Fatalf("missing key shows %q", got)
	}
}
