package demo

import (
	"fmt"
	"strings"
	"unicode"

	"rollout/internal/i18n"
)

// words gives the demo's texts in its language. The tables of the demo are
// written once, in English; another language is a table of translations
// (zhCN), so both demos have one structure: the same counts, states and
// dates. A text without a translation is an error rather than English left
// on a Chinese screen.
type words struct {
	table   map[string]string
	missing []string
}

// Languages are the languages the demo is written in.
var Languages = []string{i18n.English, i18n.Chinese}

func wordsFor(lang string) (*words, error) {
	switch lang {
	case "", i18n.English:
		return &words{}, nil
	case i18n.Chinese:
		return &words{table: zhCN}, nil
	}
	return nil, fmt.Errorf("the demo is written in %s, not %q", strings.Join(Languages, " and "), lang)
}

// t is s in the demo's language. Texts without letters (units like %) stay.
func (w *words) t(s string) string {
	if w.table == nil || !strings.ContainsFunc(s, unicode.IsLetter) {
		return s
	}
	if v, ok := w.table[s]; ok {
		return v
	}
	w.missing = append(w.missing, s)
	return s
}

// all is t of each text.
func (w *words) all(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = w.t(s)
	}
	return out
}

// people is the demo team with their names in the demo's language.
func (w *words) people() []Person {
	out := make([]Person, len(People))
	for i, p := range People {
		p.Name = w.t(p.Name)
		out[i] = p
	}
	return out
}

// complete fails when a text had no translation.
func (w *words) complete() error {
	if len(w.missing) > 0 {
		return fmt.Errorf("the demo has no translation of %d texts, e.g. %q", len(w.missing), w.missing[0])
	}
	return nil
}
