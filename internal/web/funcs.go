package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"

	"rollout/frontend"
	"rollout/internal/date"
	"rollout/internal/i18n"
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
			c := fmt.Sprint(code)
			if c == "" {
				return ""
			}
			return tr.T("enum." + kind + "." + c)
		},
		"day":       func(d date.Date) string { return d.String() },
		"num":       fmtNum,
		"percent":   func(f float64) string { return fmtNum(math.Round(f*100)) + "%" },
		"sparkline": sparkline,
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
			switch fmt.Sprint(status) {
			case "achieved", "on_track", "done", "clear", "low", "go", "approved", "implemented":
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
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}
}
