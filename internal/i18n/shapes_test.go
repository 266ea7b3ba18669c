package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestPlaceholdersArePlain: withStrings is right only while every message's
// placeholders are plain {{.Name}}; a condition or a function in a message
// fails here.
func TestPlaceholdersArePlain(t *testing.T) {
	files, err := filepath.Glob("locales/*.json")
	if err != nil || len(files) == 0 {
		t.Fatal("no locale files", err)
	}
	action := regexp.MustCompile(`{{[^}]*}}`)
	plain := regexp.MustCompile(`^{{\.[A-Za-z][A-Za-z0-9]*}}$`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range action.FindAllString(string(b), -1) {
			if !plain.MatchString(a) {
				t.Errorf("%s: %s is not a plain placeholder", f, a)
			}
		}
	}
}

// TestStringValuesReadAsTheLongWay: the shortcut gives what go-i18n gives,
// for one value, several, a value used twice, an empty one, and a value
// that looks like a marker or a template.
func TestStringValuesReadAsTheLongWay(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{English, Chinese} {
		tr := b.For(lang)
		for _, c := range []struct {
			id string
			kv []any
		}{
			{"backlog.move_up", []any{"Key", "DEMO-12"}},
			{"backlog.move_up", []any{"Key", ""}},
			{"backlog.move_up", []any{"Key", "{{.Key}} \x000\x00 <b>"}},
			{"phases.delete_confirm", []any{"Name", "Rollout & improve"}},
			{"requirements.count", []any{"Shown", "5", "Total", "7"}},
		} {
			data := map[string]any{}
			for i := 0; i < len(c.kv); i += 2 {
				data[c.kv[i].(string)] = c.kv[i+1]
			}
			want := tr.TData(c.id, data)
			if want == c.id {
				t.Fatalf("%s: no such message", c.id)
			}
			for range 2 { // the second time from the kept shape
				if got := tr.T(c.id, c.kv...); got != want {
					t.Errorf("%s %s %q: %q, want %q", lang, c.id, c.kv, got, want)
				}
			}
		}
	}
}
