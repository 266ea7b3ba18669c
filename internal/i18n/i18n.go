// Package i18n translates Rollout's interface into English and Simplified Chinese.
// Messages live in locales/AREA.LANG.json (embedded), one file per area of the
// product and language, each a flat map of message ID to text; texts may use Go
// template data such as {{.Name}}. Domain packages speak in message
// IDs (apperr.Message); only the web layer turns them into sentences.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"strings"
	"sync"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var locales embed.FS

// The languages Rollout speaks, in the order the language switch shows them.
const (
	English = "en"
	Chinese = "zh-CN"
)

// Languages lists the supported language tags.
var Languages = []string{English, Chinese}

var matcher = language.NewMatcher([]language.Tag{language.English, language.SimplifiedChinese})

// Bundle holds every message in every language.
type Bundle struct {
	bundle      *goi18n.Bundle
	translators map[string]*Translator
}

// Plural forms. A message whose wording depends on a number is an object of
// go-i18n plural forms instead of a string, in every language that needs
// them: {"one": "{{.Count}} risk", "other": "{{.Count}} risks"} in English,
// just {"other": "{{.Count}} 个风险"} in Chinese, which has one form. The
// number that chooses the form is the data's Count; a message whose number
// has another name says so in its description: "description": "count: Days".
const pluralKey = "Count"

// Load reads the embedded message files.
func Load() (*Bundle, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	files, err := fs.Glob(locales, "locales/*.json")
	if err != nil {
		return nil, err
	}
	counts := map[string]string{}
	for _, f := range files {
		mf, err := b.LoadMessageFileFS(locales, f)
		if err != nil {
			return nil, fmt.Errorf("load messages %s: %w", f, err)
		}
		for _, m := range mf.Messages {
			if name, ok := strings.CutPrefix(m.Description, "count: "); ok {
				counts[m.ID] = strings.TrimSpace(name)
			}
		}
	}
	bb := &Bundle{bundle: b, translators: map[string]*Translator{}}
	for _, lang := range Languages {
		bb.translators[lang] = &Translator{Lang: lang, loc: goi18n.NewLocalizer(b, lang), counts: counts}
	}
	return bb, nil
}

// MustLoad is Load for tests and start-up, where a broken message file is a bug.
func MustLoad() *Bundle {
	b, err := Load()
	if err != nil {
		panic(err)
	}
	return b
}

// For returns the translator of a supported language, English otherwise.
func (b *Bundle) For(lang string) *Translator {
	if t, ok := b.translators[lang]; ok {
		return t
	}
	return b.translators[English]
}

// Match picks the language: the user's explicit choice when it is supported,
// else the best match of the Accept-Language header, else English.
func Match(choice, acceptLanguage string) string {
	if Supported(choice) {
		return choice
	}
	if acceptLanguage == "" {
		return English
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return English
	}
	_, idx, conf := matcher.Match(tags...)
	if conf == language.No {
		return English
	}
	return Languages[idx]
}

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Translator renders message IDs in one language.
type Translator struct {
	Lang   string
	loc    *goi18n.Localizer
	counts map[string]string // message ID → the data key of its plural count, when not Count
	// plain holds the messages translated without data (labels, headings,
	// enum names): they always read the same, and pages ask for the same
	// few hundred of them on every view, once per row for a list's labels.
	plain sync.Map // message ID → string
	// shapes holds messages whose data are all strings, translated once
	// with markers in the values' places (see withStrings).
	shapes sync.Map // message ID and data keys → *shape
}

// T translates id with template data given as alternating key/value pairs.
// A missing message shows its ID, so a gap is visible rather than blank.
func (t *Translator) T(id string, kv ...any) string {
	if len(kv) < 2 {
		if s, ok := t.plain.Load(id); ok {
			return s.(string)
		}
		s := t.TData(id, nil)
		if s != id {
			// Only messages that exist: an ID built from stored data
			// that has no message must not grow the map.
			t.plain.Store(id, s)
		}
		return s
	}
	if s, ok := t.withStrings(id, kv); ok {
		return s
	}
	var data map[string]any
	if len(kv) > 1 {
		data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			data[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return t.TData(id, data)
}

// TData translates id with a data map.
// A number in the data (Count, or the key the message's description names)
// picks the message's plural form.
func (t *Translator) TData(id string, data map[string]any) string {
	key := pluralKey
	if k, ok := t.counts[id]; ok {
		key = k
	}
	if n, ok := data[key]; ok && isNumber(n) {
		// A whole number read back from JSON (a kept pack) is a float64:
		// go-i18n would take 1.0 for "other" ("1 days").
		if f, ok := n.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1e15 {
			n = int64(f)
		}
		// A message of one form (a plain string) has no "one": it reads the same.
		if s, err := t.loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: n}); err == nil && s != "" {
			return s
		}
	}
	s, err := t.loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil || s == "" {
		return id
	}
	return s
}

// isNumber reports whether v can choose a plural form.
func isNumber(v any) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return true
	}
	return false
}

// IsChinese reports whether this translator speaks Chinese (for number and date layout).
func (t *Translator) IsChinese() bool { return strings.HasPrefix(t.Lang, "zh") }

// Keys returns the message IDs of one language, for tests that compare languages.
func Keys(lang string) ([]string, error) {
	files, err := fs.Glob(locales, "locales/*."+lang+".json")
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, f := range files {
		raw, err := locales.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for k := range m {
			keys = append(keys, k)
		}
	}
	return keys, nil
}
