package web

import (
	"fmt"
	"html/template"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"rollout/frontend"
	"rollout/internal/date"
	"rollout/internal/i18n"
	"rollout/internal/web/chart"
)

// templateFuncs are the helpers every template may call; t speaks the
// language the template set was parsed for.
func templateFuncs(tr *i18n.Translator) template.FuncMap {
	return template.FuncMap{
		"t":         tr.T,
		"asset":     frontend.Asset,
		"hasPrefix": strings.HasPrefix,
		// enum translates a stored code: {{enum "role" .Role}} → t "enum.role.viewer".
		"enum": func(kind string, code any) string {
			c := codeOf(code)
			if c == "" {
				return ""
			}
			return tr.T("enum." + kind + "." + c)
		},
		"day": func(d date.Date) string { return d.String() },
		// The one set of number formats of the pages (both languages write
		// figures the same way): num for figures and form values (12.5, no
		// separators, so a form reads it back), money for amounts: 25,000 with
		// separators and its currency as the charts write it in the page's
		// language (Intl.NumberFormat): ¥25,000 in Chinese, CN¥25,000 in
		// English, CHF 1,200.
		"num":       fmtNum,
		"money":     func(f float64, currency ...string) string { return moneyIn(tr.Lang, f, currency...) },
		"percent":   func(f float64) string { return fmtNum(math.Round(f*100)) + "%" },
		"sparkline": chart.Sparkline,
		"signed":    chart.Signed,
		// share is part ÷ whole as a fraction (0 when whole is 0), for progress bars.
		"share": func(part, whole int) float64 {
			if whole == 0 {
				return 0
			}
			return float64(part) / float64(whole)
		},
		// hasID reports whether an id is in a list (checked boxes).
		"hasID": slices.Contains[[]int64, int64],
		// derefI reads an optional number (0 when unset).
		"derefI": func(p *int) int {
			if p == nil {
				return 0
			}
			return *p
		},
		// hasRole reports whether a list of role codes holds role.
		"hasRole": func(roles []string, role any) bool { return slices.Contains(roles, codeOf(role)) },
		// pct5 rounds a progress to the nearest 5 % step of the .progress bar classes.
		"pct5": func(f float64) int { return int(math.Max(0, math.Min(100, math.Round(f*20)*5))) },
		"when": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				if v.IsZero() {
					return ""
				}
				return v.Local().Format("2006-01-02 15:04")
			case *time.Time:
				if v == nil {
					return ""
				}
				return v.Local().Format("2006-01-02 15:04")
			}
			return ""
		},
		// deref reads an optional id; templates compare it with an id.
		"deref": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
		// tone maps a status to the colour classes ok, warn and bad.
		"tone": func(status any) string {
			switch codeOf(status) {
			case "achieved", "on_track", "done", "clear", "low", "go", "approved", "implemented", "planned":
				return "ok"
			case "at_risk", "medium", "go_with_conditions", "submitted", "postponed":
				return "warn"
			}
			return "bad"
		},
		"derefF": func(p *float64) float64 {
			if p == nil {
				return 0
			}
			return *p
		},
		// refPath links an audit entry's ref to the change request it names
		// (CRM-CR-7 → /projects/CRM/changes/7); "" for any other ref.
		"refPath": refPathOf,
		// keyPath links an item's key wherever it is shown (a pack, a list):
		// CRM-CR-7 → its change request, CRM-R-3 → its risk, CRM-12 → its
		// requirement; "" for anything else.
		"keyPath": keyPathOf,
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		// paren, colon and list put words together as the language writes
		// them: " (x)" and ": " and "a, b" in English, "（x）" and "：" and
		// "a、b" in Chinese (no space around full-width punctuation).
		"paren": func(x any) string { return parenIn(tr.Lang, fmt.Sprint(x)) },
		"colon": func() string { return colonIn(tr.Lang) },
		"list":  func(xs []string) string { return listIn(tr.Lang, xs) },
		"sep":   func() string { return listIn(tr.Lang, []string{"", ""}) },
		"semi":  func() string { return semiIn(tr.Lang) },
		"gap":   func() string { return gapIn(tr.Lang) },
		// unit writes a goal's unit in the page's language when it is a
		// common one (days → 天, h → 小时); any other unit as it was typed.
		"unit": tr.Unit,
		// tdata translates a message ID with its data map (a finding kept in a pack).
		"tdata": tr.TData,
		// pitfallTitle names a pitfall of the catalogue in this language.
		"pitfallTitle": func(code string) string { return pitfallTitle(code, tr.Lang) },
	}
}

// currencySigns are the currencies written with a sign before the amount,
// per language, as the browsers' Intl.NumberFormat writes them on the
// charts; any other currency is written as its code before the amount.
var currencySigns = map[string]map[string]string{
	i18n.English: {"CNY": "CN¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$"},
	i18n.Chinese: {"CNY": "¥", "USD": "US$", "EUR": "€", "GBP": "£", "JPY": "JP¥", "HKD": "HK$"},
}

// moneyIn writes an amount with thousands separators and, when one is
// given, its currency, in a language: ¥25,000 (zh-CN), CN¥25,000 (en),
// CHF 25,000.
func moneyIn(lang string, f float64, currency ...string) string {
	s := fmtMoney(f)
	if len(currency) == 0 || currency[0] == "" {
		return s
	}
	code := strings.ToUpper(currency[0])
	if code == "RMB" {
		code = "CNY"
	}
	signs, ok := currencySigns[lang]
	if !ok {
		signs = currencySigns[i18n.English]
	}
	sign, ok := signs[code]
	if !ok {
		sign = code + " "
	}
	if neg, ok := strings.CutPrefix(s, "-"); ok {
		return "-" + sign + neg
	}
	return sign + s
}

// refPathOf links a change request's key (CRM-CR-7 → /projects/CRM/changes/7);
// "" for anything else.
func refPathOf(ref string) string {
	key, n, ok := strings.Cut(ref, "-CR-")
	if !ok || key == "" || strings.Trim(n, "0123456789") != "" || n == "" {
		return ""
	}
	return "/projects/" + key + "/changes/" + n
}

// keyPathOf links the key of an item frozen in a gate-review pack (CRM-42,
// CRM-R-3, CRM-CR-7) to the item's page in project, the key of the project
// the pack belongs to now: a copy imported under another key keeps the keys
// as frozen, and its links must still lead to its own items.
func keyPathOf(project, key string) string {
	p := refPathOf(key)
	digits := func(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
	if proj, n, ok := strings.Cut(key, "-R-"); p == "" && ok && proj != "" && digits(n) {
		p = "/projects/" + proj + "/risks/" + n
	}
	if i := strings.LastIndex(key, "-"); p == "" && i > 0 && digits(key[i+1:]) && !strings.Contains(key[:i], "-") {
		p = "/projects/" + key[:i] + "/requirements/" + key[i+1:]
	}
	if p == "" {
		return ""
	}
	_, item, _ := strings.Cut(strings.TrimPrefix(p, "/projects/"), "/")
	return "/projects/" + project + "/" + item
}

// codeOf prints a stored code, following pointers (an optional decision):
// a nil pointer is "".
func codeOf(v any) string {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return ""
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return ""
	}
	return fmt.Sprint(rv.Interface())
}

// fmtNum writes a number without trailing zeros: 12, 12.5, 0.125 (as the
// charts' axes do).
func fmtNum(f float64) string { return chart.Num(f) }

// parenIn encloses x in brackets after a word: " (x)" in English, "（x）"
// in Chinese.
func parenIn(lang, x string) string {
	if lang == i18n.Chinese {
		return "（" + x + "）"
	}
	return " (" + x + ")"
}

// colonIn is the colon after a label: ": " in English, "：" in Chinese.
func colonIn(lang string) string {
	if lang == i18n.Chinese {
		return "："
	}
	return ": "
}

// listIn joins names: "a, b" in English, "a、b" in Chinese.
func listIn(lang string, xs []string) string {
	if lang == i18n.Chinese {
		return strings.Join(xs, "、")
	}
	return strings.Join(xs, ", ")
}

// semiIn separates facts: "; " in English, "；" in Chinese.
// gapIn separates two sentences: a space in English, nothing in Chinese.
func gapIn(lang string) string {
	if lang == i18n.Chinese {
		return ""
	}
	return " "
}

func semiIn(lang string) string {
	if lang == i18n.Chinese {
		return "；"
	}
	return "; "
}
