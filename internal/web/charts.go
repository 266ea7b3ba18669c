package web

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"

	"rollout/internal/goal"
)

// Charts drawn on the server as inline SVG: they need no script, print as
// they look, and come with a table of the same figures beside them.

// fmtNum writes a number without trailing zeros: 12, 12.5, 0.125.
func fmtNum(f float64) string {
	if math.Abs(f) >= 1e15 || f != f {
		return strconv.FormatFloat(f, 'g', 6, 64)
	}
	s := strconv.FormatFloat(f, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// sparkline draws recent values as a small line with the target as a dotted line.
func sparkline(values []float64, baseline, target float64) template.HTML {
	const w, h, pad = 120.0, 28.0, 2.0
	if len(values) == 0 {
		return ""
	}
	lo, hi := minMax(append([]float64{baseline, target}, values...))
	y := func(v float64) float64 { return pad + (h-2*pad)*(1-(v-lo)/(hi-lo)) }
	x := func(i int) float64 {
		if len(values) == 1 {
			return w / 2
		}
		return pad + (w-2*pad)*float64(i)/float64(len(values)-1)
	}
	var pts strings.Builder
	for i, v := range values {
		fmt.Fprintf(&pts, "%.1f,%.1f ", x(i), y(v))
	}
	last := values[len(values)-1]
	return template.HTML(fmt.Sprintf(`<svg class="sparkline" viewBox="0 0 %g %g" width="%g" height="%g" role="img" aria-hidden="true">`+
		`<line x1="0" x2="%g" y1="%.1f" y2="%.1f" stroke="#16a34a" stroke-width="1" stroke-dasharray="2 2"/>`+
		`<polyline points="%s" fill="none" stroke="#2563eb" stroke-width="1.5"/>`+
		`<circle cx="%.1f" cy="%.1f" r="2" fill="#2563eb"/></svg>`,
		w, h, w, h, w, y(target), y(target), strings.TrimSpace(pts.String()), x(len(values)-1), y(last)))
}

func minMax(vs []float64) (float64, float64) {
	lo, hi := vs[0], vs[0]
	for _, v := range vs {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if hi == lo {
		hi, lo = hi+1, lo-1
	}
	return lo, hi
}

// trendChart draws a goal's measurements over time with its baseline and
// target lines; title is the accessible name, labels are translated.
func trendChart(g *goal.View, ms []goal.Measurement, title, baselineLabel, targetLabel string) template.HTML {
	const w, h = 640.0, 260.0
	const left, right, top, bottom = 56.0, 16.0, 16.0, 36.0
	values := []float64{g.Baseline, g.Target}
	for _, m := range ms {
		values = append(values, m.Value)
	}
	lo, hi := minMax(values)
	span := hi - lo
	lo, hi = lo-span*0.08, hi+span*0.08
	start, end := g.StartOn, g.DueOn
	for _, m := range ms {
		if m.MeasuredOn.Before(start) {
			start = m.MeasuredOn
		}
		if m.MeasuredOn.After(end) {
			end = m.MeasuredOn
		}
	}
	days := float64(max(start.DaysUntil(end), 1))
	x := func(d int) float64 { return left + (w-left-right)*float64(d)/days }
	y := func(v float64) float64 { return top + (h-top-bottom)*(1-(v-lo)/(hi-lo)) }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-label="%s"><title>%s</title>`, w, h,
		html.EscapeString(title), html.EscapeString(title))
	// Axes and value grid.
	fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%g" y2="%g" stroke="#94a3b8"/>`, left, w-right, h-bottom, h-bottom)
	for i := 0; i <= 4; i++ {
		v := lo + (hi-lo)*float64(i)/4
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#e2e8f0"/><text x="%g" y="%.1f" font-size="11" text-anchor="end" fill="#475569">%s</text>`,
			left, w-right, y(v), y(v), left-6, y(v)+4, fmtNum(v))
	}
	fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="11" fill="#475569">%s</text><text x="%g" y="%g" font-size="11" text-anchor="end" fill="#475569">%s</text>`,
		left, h-12, start, w-right, h-12, end)
	// Baseline and target.
	fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#64748b" stroke-dasharray="4 3"/><text x="%g" y="%.1f" font-size="11" text-anchor="end" fill="#64748b">%s %s</text>`,
		left, w-right, y(g.Baseline), y(g.Baseline), w-right, y(g.Baseline)-4, html.EscapeString(baselineLabel), fmtNum(g.Baseline))
	fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#16a34a" stroke-dasharray="6 3"/><text x="%g" y="%.1f" font-size="11" text-anchor="end" fill="#15803d">%s %s</text>`,
		left, w-right, y(g.Target), y(g.Target), w-right, y(g.Target)-4, html.EscapeString(targetLabel), fmtNum(g.Target))
	// Measurements, oldest first (ms comes newest first).
	if len(ms) > 0 {
		var pts strings.Builder
		for i := len(ms) - 1; i >= 0; i-- {
			fmt.Fprintf(&pts, "%.1f,%.1f ", x(start.DaysUntil(ms[i].MeasuredOn)), y(ms[i].Value))
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#2563eb" stroke-width="2"/>`, strings.TrimSpace(pts.String()))
		for _, m := range ms {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="#2563eb"><title>%s: %s</title></circle>`,
				x(start.DaysUntil(m.MeasuredOn)), y(m.Value), m.MeasuredOn, fmtNum(m.Value))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
