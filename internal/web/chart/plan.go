package chart

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"

	"rollout/internal/date"
	"rollout/internal/milestone"
)

// PlanLabels are the words of the plan chart in the reader's language.
type PlanLabels struct {
	Title, Planned, Forecast, Actual, Gate, Today, NoPhase, Days string
}

// Plan draws the plan as a timeline: one row per milestone under its
// phase, the planned date as a hollow mark, the forecast in amber, the actual
// date filled green (gates as diamonds), a line from plan to where the
// milestone lands, today as a dashed line and the slip in days at the end.
// vs comes from milestone.List (grouped by phase); href links a row.
func Plan(vs []milestone.View, today date.Date, href func(int64) string, l PlanLabels) template.HTML {
	const w, left, right, top, rowH, phaseH = 760.0, 232.0, 60.0, 44.0, 20.0, 22.0
	if len(vs) == 0 {
		return ""
	}
	lo, hi := today, today
	for _, v := range vs {
		for _, d := range []date.Date{v.PlannedOn, v.ForecastOn, v.ActualOn} {
			if d.IsZero() {
				continue
			}
			if d.Before(lo) {
				lo = d
			}
			if d.After(hi) {
				hi = d
			}
		}
	}
	lo, hi = lo.AddDays(-7), hi.AddDays(7)
	span := float64(max(lo.DaysUntil(hi), 30))
	x := func(d date.Date) float64 { return left + (w-left-right)*float64(lo.DaysUntil(d))/span }
	rows, phases := len(vs), 0
	for i, v := range vs {
		if i == 0 || v.PhaseName != vs[i-1].PhaseName || phaseKey(v.PhaseID) != phaseKey(vs[i-1].PhaseID) {
			phases++
		}
	}
	h := top + float64(rows)*rowH + float64(phases)*phaseH + 8
	mark := func(b *strings.Builder, gate bool, cx, cy float64, fill, stroke string) {
		if gate {
			fmt.Fprintf(b, `<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f" fill="%s" stroke="%s" stroke-width="1.5"/>`,
				cx, cy-6, cx+6, cy, cx, cy+6, cx-6, cy, fill, stroke)
			return
		}
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="4.5" fill="%s" stroke="%s" stroke-width="1.5"/>`, cx, cy, fill, stroke)
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart plan-chart" viewBox="0 0 %g %.0f" role="img" aria-label="%s"><title>%s</title>`, w, h,
		html.EscapeString(l.Title), html.EscapeString(l.Title))
	// Legend.
	legend := []struct {
		label, fill, stroke string
		gate                bool
	}{{l.Planned, "#fff", "#334155", false}, {l.Forecast, "#d97706", "#d97706", false}, {l.Actual, "#16a34a", "#16a34a", false}, {l.Gate, "#fff", "#334155", true}}
	lx := 8.0
	for _, e := range legend {
		mark(&b, e.gate, lx+6, 12, e.fill, e.stroke)
		fmt.Fprintf(&b, `<text x="%g" y="16" font-size="11" fill="#475569">%s</text>`, lx+16, html.EscapeString(e.label))
		lx += 26 + textWidth(e.label, 11)
	}
	fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="12" y2="12" stroke="#dc2626" stroke-dasharray="3 2"/><text x="%g" y="16" font-size="11" fill="#475569">%s</text>`,
		lx, lx+14, lx+18, html.EscapeString(l.Today))
	// Month ticks.
	step := 1
	if months := span / 30; months > 24 {
		step = 3
	} else if months > 12 {
		step = 2
	}
	t := lo.Time()
	for m := date.New(t.Year(), t.Month()+1, 1); m.Before(hi); m = date.New(m.Time().Year(), m.Time().Month()+time.Month(step), 1) {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%g" y2="%.0f" stroke="#e2e8f0"/><text x="%.1f" y="%g" font-size="10" text-anchor="middle" fill="#475569">%s</text>`,
			x(m), x(m), top-8, h-8, x(m), top-12, m.String()[:7])
	}
	y := top
	for i, v := range vs {
		if i == 0 || v.PhaseName != vs[i-1].PhaseName || phaseKey(v.PhaseID) != phaseKey(vs[i-1].PhaseID) {
			name := v.PhaseName
			if name == "" {
				name = l.NoPhase
			}
			fmt.Fprintf(&b, `<rect x="0" y="%.0f" width="%g" height="%g" fill="#f1f5f9"/><text x="6" y="%.0f" font-size="12" font-weight="600" fill="#0f172a">%s</text>`,
				y, w, phaseH, y+15, html.EscapeString(name))
			y += phaseH
		}
		cy := y + rowH/2
		name := []rune(v.Name)
		for len(name) > 1 && textWidth(string(name), 11) > left-24 {
			name = append(name[:len(name)-2], '…')
		}
		fmt.Fprintf(&b, `<g><title>%s · %s %s%s%s</title>`, html.EscapeString(v.Name), html.EscapeString(l.Planned), v.PlannedOn,
			optDay(" · "+l.Forecast, v.ForecastOn), optDay(" · "+l.Actual, v.ActualOn))
		fmt.Fprintf(&b, `<line x1="0" x2="%g" y1="%.0f" y2="%.0f" stroke="#f1f5f9"/>`, w, y+rowH, y+rowH)
		fmt.Fprintf(&b, `<a href="%s"><text x="14" y="%.1f" font-size="11" fill="#1d4ed8">%s</text></a>`,
			html.EscapeString(href(v.ID)), cy+4, html.EscapeString(string(name)))
		px := x(v.PlannedOn)
		lateColor := "#dc2626"
		if v.Slip <= 0 {
			lateColor = "#16a34a"
		}
		switch {
		case !v.ActualOn.IsZero():
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/>`, px, x(v.ActualOn), cy, cy, lateColor)
		case !v.ForecastOn.IsZero() && v.ForecastOn != v.PlannedOn:
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#d97706" stroke-width="2" stroke-dasharray="4 2"/>`, px, x(v.ForecastOn), cy, cy)
		case v.PlannedOn.Before(today):
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#dc2626" stroke-width="2" stroke-dasharray="4 2"/>`, px, x(today), cy, cy)
		}
		mark(&b, v.IsGate, px, cy, "#fff", "#334155")
		if !v.ForecastOn.IsZero() && v.ActualOn.IsZero() && v.ForecastOn != v.PlannedOn {
			mark(&b, v.IsGate, x(v.ForecastOn), cy, "#d97706", "#d97706")
		}
		if !v.ActualOn.IsZero() {
			mark(&b, v.IsGate, x(v.ActualOn), cy, "#16a34a", "#16a34a")
		}
		slipColor := "#64748b"
		if v.Slip > 0 {
			slipColor = "#dc2626"
		} else if v.Slip < 0 {
			slipColor = "#16a34a"
		}
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" font-size="11" text-anchor="end" fill="%s">%s %s</text></g>`,
			w-6, cy+4, slipColor, Signed(v.Slip), html.EscapeString(l.Days))
		y += rowH
	}
	tx := x(today)
	fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%g" y2="%.0f" stroke="#dc2626" stroke-dasharray="3 2"/>`, tx, tx, top-4, h-4)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func phaseKey(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
