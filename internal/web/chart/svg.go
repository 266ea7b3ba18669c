package chart

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"

	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/pitfall"
	"rollout/internal/requirement"
)

// Charts drawn on the server as inline SVG: they need no script, print as
// they look, and come with a table of the same figures beside them.

// Num writes a number without trailing zeros: 12, 12.5, 0.125.
func Num(f float64) string {
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

// Sparkline draws recent values as a small line with the target as a dotted line.
func Sparkline(values []float64, baseline, target float64) template.HTML {
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

// NiceTicks returns about n round ticks (steps of 1, 2, 2.5 or 5 times a
// power of ten) from at or below lo to at or above hi.
func NiceTicks(lo, hi float64, n int) []float64 {
	if hi <= lo {
		hi = lo + 1
	}
	raw := (hi - lo) / float64(max(n-1, 1))
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw-1e-12 {
			step = m * mag
			break
		}
	}
	first := math.Floor(lo/step+1e-9) * step
	var ticks []float64
	for v := first; v < hi+step-1e-9*step; v += step {
		ticks = append(ticks, math.Round(v/step)*step)
		if v >= hi-1e-9*step {
			break
		}
	}
	return ticks
}

// GoalTrend draws a goal's measurements over time with its baseline and
// target lines; title is the accessible name, labels are translated, unit
// (in the reader's language) names the value axis. The axis has round
// ticks, and starts from 0 for a quantity that is never negative.
func GoalTrend(g *goal.View, ms []goal.Measurement, title, baselineLabel, targetLabel, unit string) template.HTML {
	const w, h = 640.0, 260.0
	const left, right, top, bottom = 56.0, 16.0, 24.0, 36.0
	values := []float64{g.Baseline, g.Target}
	for _, m := range ms {
		values = append(values, m.Value)
	}
	lo, hi := minMax(values)
	if lo >= 0 {
		lo = 0
	}
	ticks := NiceTicks(lo, hi, 5)
	lo, hi = ticks[0], ticks[len(ticks)-1]
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
	for _, v := range ticks {
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#e2e8f0"/><text x="%g" y="%.1f" font-size="11" text-anchor="end" fill="#475569">%s</text>`,
			left, w-right, y(v), y(v), left-6, y(v)+4, Num(v))
	}
	if unit != "" {
		fmt.Fprintf(&b, `<text x="%g" y="12" font-size="11" text-anchor="end" fill="#475569" class="axis-unit">%s</text>`, left-6, html.EscapeString(unit))
	}
	fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="11" fill="#475569">%s</text><text x="%g" y="%g" font-size="11" text-anchor="end" fill="#475569">%s</text>`,
		left, h-12, start, w-right, h-12, end)
	// Baseline and target.
	fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#64748b" stroke-dasharray="4 3"/><text x="%g" y="%.1f" font-size="11" text-anchor="end" fill="#64748b">%s %s</text>`,
		left, w-right, y(g.Baseline), y(g.Baseline), w-right, y(g.Baseline)-4, html.EscapeString(baselineLabel), Num(g.Baseline))
	fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#16a34a" stroke-dasharray="6 3"/><text x="%g" y="%.1f" font-size="11" text-anchor="end" fill="#15803d">%s %s</text>`,
		left, w-right, y(g.Target), y(g.Target), w-right, y(g.Target)-4, html.EscapeString(targetLabel), Num(g.Target))
	// Measurements, oldest first (ms comes newest first).
	if len(ms) > 0 {
		var pts strings.Builder
		for i := len(ms) - 1; i >= 0; i-- {
			fmt.Fprintf(&pts, "%.1f,%.1f ", x(start.DaysUntil(ms[i].MeasuredOn)), y(ms[i].Value))
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#2563eb" stroke-width="2"/>`, strings.TrimSpace(pts.String()))
		for _, m := range ms {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="#2563eb"><title>%s · %s %s</title></circle>`,
				x(start.DaysUntil(m.MeasuredOn)), y(m.Value), m.MeasuredOn, Num(m.Value), html.EscapeString(unit))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// churnColors are the bar colours of the churn chart: added, removed, moved
// between tiers, moved between phases.
var churnColors = [4]string{"#16a34a", "#dc2626", "#d97706", "#2563eb"}

// Churn draws the backlog's weekly churn as stacked bars, oldest week
// first; labels name the four kinds of change in the reader's language.
func Churn(weeks []requirement.Week, title string, labels [4]string) template.HTML {
	const w, h = 640.0, 240.0
	const left, right, top, bottom = 36.0, 8.0, 34.0, 24.0
	if len(weeks) == 0 {
		return ""
	}
	parts := func(c requirement.Counts) [4]int { return [4]int{c.Added, c.Removed, c.TierMoves, c.PhaseMoves} }
	peak := 2
	for _, wk := range weeks {
		p := parts(wk.Total)
		peak = max(peak, p[0]+p[1]+p[2]+p[3])
	}
	if peak%2 == 1 {
		peak++ // so the middle grid line falls on a whole number
	}
	plotH := h - top - bottom
	slot := (w - left - right) / float64(len(weeks))
	y := func(v int) float64 { return top + plotH*(1-float64(v)/float64(peak)) }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-label="%s"><title>%s</title>`, w, h,
		html.EscapeString(title), html.EscapeString(title))
	for i, label := range labels { // legend
		x := left + float64(i)*150
		fmt.Fprintf(&b, `<rect x="%g" y="8" width="10" height="10" fill="%s"/><text x="%g" y="17" font-size="11" fill="#475569">%s</text>`,
			x, churnColors[i], x+14, html.EscapeString(label))
	}
	for _, v := range []int{0, peak / 2, peak} {
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#e2e8f0"/><text x="%g" y="%.1f" font-size="11" text-anchor="end" fill="#475569">%d</text>`,
			left, w-right, y(v), y(v), left-6, y(v)+4, v)
	}
	for i, wk := range weeks {
		x := left + slot*float64(i) + slot*0.15
		base := 0
		for k, n := range parts(wk.Total) {
			if n == 0 {
				continue
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s · %s %d</title></rect>`,
				x, y(base+n), slot*0.7, y(base)-y(base+n), churnColors[k], wk.Week, html.EscapeString(labels[k]), n)
			base += n
		}
		if (len(weeks)-1-i)%4 == 0 { // every fourth week, counted back from this one
			fmt.Fprintf(&b, `<text x="%.1f" y="%g" font-size="10" text-anchor="middle" fill="#475569">%s</text>`,
				x+slot*0.35, h-8, wk.Week.String()[5:])
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Signed writes a whole number with its sign: +3, −2 (a true minus), 0.
func Signed(n int) string {
	switch {
	case n > 0:
		return "+" + strconv.Itoa(n)
	case n < 0:
		return "−" + strconv.Itoa(-n)
	}
	return "0"
}

func optDay(label string, d date.Date) string {
	if d.IsZero() {
		return ""
	}
	return html.EscapeString(label) + " " + d.String()
}

// StackedBars draws counts per period as stacked bars, oldest period first:
// series[k][i] is how many of kind k period i holds, drawn in colours[k] and
// named names[k] in the legend (in the reader's language). The change
// requests' monthly chart uses it.
func StackedBars(periods []string, series [][]int, names, colours []string, title string) template.HTML {
	const w, h = 640.0, 240.0
	const left, right, top, bottom = 36.0, 8.0, 34.0, 24.0
	if len(periods) == 0 || len(series) != len(names) || len(names) > len(colours) {
		return ""
	}
	peak := 2
	for i := range periods {
		sum := 0
		for k := range series {
			sum += series[k][i]
		}
		peak = max(peak, sum)
	}
	if peak%2 == 1 {
		peak++ // so the middle grid line falls on a whole number
	}
	plotH := h - top - bottom
	slot := (w - left - right) / float64(len(periods))
	y := func(v int) float64 { return top + plotH*(1-float64(v)/float64(peak)) }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-label="%s"><title>%s</title>`, w, h,
		html.EscapeString(title), html.EscapeString(title))
	step := (w - left - right) / float64(len(names))
	for k, name := range names { // legend
		x := left + float64(k)*step
		fmt.Fprintf(&b, `<rect x="%.1f" y="8" width="10" height="10" fill="%s"/><text x="%.1f" y="17" font-size="11" fill="#475569">%s</text>`,
			x, colours[k], x+14, html.EscapeString(name))
	}
	for _, v := range []int{0, peak / 2, peak} {
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#e2e8f0"/><text x="%g" y="%.1f" font-size="11" text-anchor="end" fill="#475569">%d</text>`,
			left, w-right, y(v), y(v), left-6, y(v)+4, v)
	}
	for i, period := range periods {
		x := left + slot*float64(i) + slot*0.15
		base := 0
		for k := range series {
			n := series[k][i]
			if n == 0 {
				continue
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s · %s %d</title></rect>`,
				x, y(base+n), slot*0.7, y(base)-y(base+n), colours[k], html.EscapeString(period), html.EscapeString(names[k]), n)
			base += n
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%g" font-size="10" text-anchor="middle" fill="#475569">%s</text>`,
			x+slot*0.35, h-8, html.EscapeString(period))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// bandColours are the colours of a health score: green, amber, red.
var bandColours = map[string]string{"ok": "#16a34a", "warn": "#d97706", "bad": "#dc2626"}

// ScoreGauge draws a score out of 100 as a ring filled to the score, in the
// colour of its band, with the number in the middle; label is its accessible name.
func ScoreGauge(score int, size float64, label string) template.HTML {
	const r = 42.0
	circ := 2 * math.Pi * r
	colour := bandColours[pitfall.Band(score)]
	filled := circ * float64(max(0, min(score, 100))) / 100
	return template.HTML(fmt.Sprintf(`<svg class="gauge" viewBox="0 0 100 100" width="%g" height="%g" role="img" aria-label="%s"><title>%s</title>`+
		`<circle cx="50" cy="50" r="%g" fill="none" stroke="#e2e8f0" stroke-width="10"/>`+
		`<circle cx="50" cy="50" r="%g" fill="none" stroke="%s" stroke-width="10" stroke-dasharray="%.2f %.2f" transform="rotate(-90 50 50)"/>`+
		`<text x="50" y="60" font-size="30" font-weight="700" text-anchor="middle" fill="%s" class="score-value">%d</text></svg>`,
		size, size, html.EscapeString(label), html.EscapeString(label), r, r, colour, filled, circ, colour, score))
}

// HealthTrend draws the daily health scores from one day to another on a
// fixed 0–100 scale, with the lines where the healthy and sliding bands
// begin dotted and labelled (bands: their names, translated); days without
// a snapshot are bridged by the line. title is the accessible name.
func HealthTrend(points []pitfall.Point, from, to date.Date, title string, bands [2]string) template.HTML {
	const w, h = 640.0, 180.0
	const left, right, top, bottom = 36.0, 12.0, 12.0, 26.0
	if len(points) == 0 {
		return ""
	}
	days := float64(max(from.DaysUntil(to), 1))
	x := func(d date.Date) float64 { return left + (w-left-right)*float64(from.DaysUntil(d))/days }
	y := func(v int) float64 { return top + (h-top-bottom)*(1-float64(v)/100) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-label="%s"><title>%s</title>`, w, h,
		html.EscapeString(title), html.EscapeString(title))
	for _, v := range []int{0, 50, 100} {
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#e2e8f0"/><text x="%g" y="%.1f" font-size="11" text-anchor="end" fill="#475569">%d</text>`,
			left, w-right, y(v), y(v), left-6, y(v)+4, v)
	}
	for i, band := range []struct {
		from   int
		colour string
	}{{pitfall.HealthyFrom, bandColours["ok"]}, {pitfall.SlidingFrom, bandColours["warn"]}} {
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="2 3"/>`, left, w-right, y(band.from), y(band.from), band.colour)
		// At the left end: the latest scores, drawn at the right, stay clear.
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" font-size="11" fill="%s" class="band-label">%s ≥ %d</text>`,
			left+4, y(band.from)-3, band.colour, html.EscapeString(bands[i]), band.from)
	}
	fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="11" fill="#475569">%s</text><text x="%g" y="%g" font-size="11" text-anchor="end" fill="#475569">%s</text>`,
		left, h-8, from, w-right, h-8, to)
	var pts strings.Builder
	for _, p := range points {
		fmt.Fprintf(&pts, "%.1f,%.1f ", x(p.Day), y(p.Score))
	}
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#2563eb" stroke-width="2"/>`, strings.TrimSpace(pts.String()))
	for _, p := range points {
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>%s · %d</title></circle>`,
			x(p.Day), y(p.Score), bandColours[pitfall.Band(p.Score)], p.Day, p.Score)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// textWidth estimates how wide a label is drawn at a font size: CJK
// characters take a full em, others a little over half.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		if r >= 0x2E80 {
			w += size
		} else {
			w += size * 0.6
		}
	}
	return w
}
