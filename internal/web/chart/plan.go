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
	Title, Baseline, Planned, Forecast, Actual, Gate, Today, NoPhase, Days string
	// Tick writes an axis label in the reader's language; nil writes English.
	Tick func(year int, month time.Month, kind TickKind) string
}

// TickKind says what an axis label names.
type TickKind int

// Kinds of axis labels.
const (
	TickMonth     TickKind = iota // the month alone: "Mar", "3月"
	TickMonthYear                 // the month with its year: "Jan 2027", "2027年1月"
	TickYear                      // the year alone: "2027", "2027年"
)

// Tick is one label of the time axis.
type Tick struct {
	On    date.Date
	X     float64
	Label string
	Width float64 // the label's estimated width in px
}

// Sizes of the two drawings of the plan: the wide one for desktops, the
// narrow one for phones (the page shows one of them by the width of the
// screen). Each is drawn at about the size it is shown, so its text is read
// at its real size and the tick spacing is chosen for the room there is.
const (
	PlanWideWidth   = 1100.0
	PlanNarrowWidth = 340.0
	tickFont        = 11.0
	// MinTickGap is the least room between two axis labels, in px.
	MinTickGap = 10.0
)

// tickSteps are the spacings tried in months, finest first: months, every
// other month, quarters, half years, years, then every two and five years.
var tickSteps = []int{1, 2, 3, 6, 12, 24, 60}

// PlanTicks chooses the axis labels for the dates lo…hi drawn from x0 over
// width px: the finest step (months, quarters, half years, years) whose
// labels stay MinTickGap apart. Every January names its year, and so does
// the first label shown unless a January follows it; with a step of a year
// or more, labels are years.
func PlanTicks(lo, hi date.Date, x0, width float64, label func(int, time.Month, TickKind) string) []Tick {
	if label == nil {
		label = englishTick
	}
	span := float64(max(lo.DaysUntil(hi), 1))
	x := func(d date.Date) float64 { return x0 + width*float64(lo.DaysUntil(d))/span }
	var ticks []Tick
	for _, step := range tickSteps {
		ticks = ticks[:0]
		t := lo.Time()
		// The first month (or year) boundary on the step's grid after lo.
		m := date.New(t.Year(), t.Month()+1, 1)
		if step >= 12 {
			m = date.New(t.Year()+1, time.January, 1)
			for m.Time().Year()%(step/12) != 0 {
				m = date.New(m.Time().Year()+1, time.January, 1)
			}
		} else {
			for (int(m.Time().Month())-1)%step != 0 {
				m = date.New(m.Time().Year(), m.Time().Month()+1, 1)
			}
		}
		var ons []date.Date
		for ; !m.After(hi); m = date.New(m.Time().Year(), m.Time().Month()+time.Month(step), 1) {
			ons = append(ons, m)
		}
		for i, on := range ons {
			kind := TickMonth
			switch {
			case step >= 12:
				kind = TickYear
			case on.Time().Month() == time.January, len(ticks) == 0 && (i+1 == len(ons) || ons[i+1].Time().Month() != time.January):
				kind = TickMonthYear
			}
			s := label(on.Time().Year(), on.Time().Month(), kind)
			tk := Tick{On: on, X: x(on), Label: s, Width: textWidth(s, tickFont)}
			// A label that would stick out of the axis is left out.
			if tk.X-tk.Width/2 < x0-4 || tk.X+tk.Width/2 > x0+width+4 {
				continue
			}
			ticks = append(ticks, tk)
		}
		if ticksFit(ticks) {
			return ticks
		}
	}
	return ticks
}

// ticksFit reports whether no two labels come closer than MinTickGap.
func ticksFit(ticks []Tick) bool {
	for i := 1; i < len(ticks); i++ {
		if TickGap(ticks[i-1], ticks[i]) < MinTickGap {
			return false
		}
	}
	return true
}

// TickGap is the room between two centred labels, in px.
func TickGap(a, b Tick) float64 { return (b.X - b.Width/2) - (a.X + a.Width/2) }

func englishTick(year int, month time.Month, kind TickKind) string {
	switch kind {
	case TickYear:
		return fmt.Sprint(year)
	case TickMonthYear:
		return month.String()[:3] + " " + fmt.Sprint(year)
	}
	return month.String()[:3]
}

// Plan draws the plan as a timeline twice, wide for desktops and narrow for
// phones: one row per milestone under its phase, on one axis the baseline's
// planned date as a grey bar, the current planned date as a hollow mark, the
// forecast in amber and the actual date in green (gates as diamonds), a line
// from the baseline (or plan) to where the milestone lands, today as a dashed
// line and the slip in days against the baseline at the end. vs comes from
// milestone.List or ListAgainst (grouped by phase); href links a row.
func Plan(vs []milestone.View, today date.Date, href func(int64) string, l PlanLabels) template.HTML {
	if len(vs) == 0 {
		return ""
	}
	lo, hi := PlanSpan(vs, today)
	return template.HTML(drawPlan(vs, today, lo, hi, href, l, false) + drawPlan(vs, today, lo, hi, href, l, true))
}

// PlanSpan is the range of dates the timeline shows: every date of every
// milestone and today, with a margin either side (a week, or a fortieth of
// the span, so the marks at the ends stay whole on a narrow drawing).
func PlanSpan(vs []milestone.View, today date.Date) (date.Date, date.Date) {
	lo, hi := today, today
	for _, v := range vs {
		for _, d := range []date.Date{v.BaselineOn, v.PlannedOn, v.ForecastOn, v.ActualOn} {
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
	margin := max(7, lo.DaysUntil(hi)/40)
	lo, hi = lo.AddDays(-margin), hi.AddDays(margin)
	if lo.DaysUntil(hi) < 30 {
		hi = lo.AddDays(30)
	}
	return lo, hi
}

// PlanAxis is where the time axis of a drawing lies: from x0, width px.
func PlanAxis(narrow bool) (x0, width float64) {
	if narrow {
		return 10, PlanNarrowWidth - 20
	}
	return 250, PlanWideWidth - 250 - 70
}

const (
	colBaseline = "#94a3b8"
	colPlanned  = "#334155"
	colForecast = "#d97706"
	colActual   = "#16a34a"
	colLate     = "#dc2626"
	colMuted    = "#475569"
)

func drawPlan(vs []milestone.View, today, lo, hi date.Date, href func(int64) string, l PlanLabels, narrow bool) string {
	w, class := PlanWideWidth, "chart plan-chart plan-chart-wide"
	if narrow {
		w, class = PlanNarrowWidth, "chart plan-chart plan-chart-narrow"
	}
	x0, width := PlanAxis(narrow)
	span := float64(max(lo.DaysUntil(hi), 1))
	x := func(d date.Date) float64 { return x0 + width*float64(lo.DaysUntil(d))/span }
	rowH, nameH, phaseH := 22.0, 0.0, 22.0
	if narrow {
		rowH, nameH = 40.0, 18.0 // the marks below the name, clear of it
	}

	var body strings.Builder
	// Legend, wrapping onto more lines when the drawing is narrow.
	legend := []struct {
		label string
		draw  func(b *strings.Builder, cx, cy float64)
	}{
		{l.Baseline, func(b *strings.Builder, cx, cy float64) { baselineBar(b, cx, cy) }},
		{l.Planned, func(b *strings.Builder, cx, cy float64) { mark(b, false, cx, cy, "#fff", colPlanned) }},
		{l.Forecast, func(b *strings.Builder, cx, cy float64) { mark(b, false, cx, cy, colForecast, colForecast) }},
		{l.Actual, func(b *strings.Builder, cx, cy float64) { mark(b, false, cx, cy, colActual, colActual) }},
		{l.Gate, func(b *strings.Builder, cx, cy float64) { mark(b, true, cx, cy, "#fff", colPlanned) }},
		{l.Today, func(b *strings.Builder, cx, cy float64) {
			fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="3 2"/>`, cx-6, cx+6, cy, cy, colLate)
		}},
	}
	lx, ly := 8.0, 14.0
	for _, e := range legend {
		ew := 22 + textWidth(e.label, 11)
		if lx+ew > w-8 && lx > 8 {
			lx, ly = 8, ly+18
		}
		e.draw(&body, lx+6, ly-4)
		fmt.Fprintf(&body, `<text x="%.1f" y="%.1f" font-size="11" fill="%s">%s</text>`, lx+16, ly, colMuted, html.EscapeString(e.label))
		lx += ew + 10
	}
	axisY := ly + 22 // the baseline of the axis labels
	top := axisY + 8
	rows, phases := len(vs), 0
	for i := range vs {
		if newPhase(vs, i) {
			phases++
		}
	}
	h := top + float64(rows)*rowH + float64(phases)*phaseH + 8

	// Axis: the labels above the rows, a faint line down at each.
	for _, tk := range PlanTicks(lo, hi, x0, width, l.Tick) {
		fmt.Fprintf(&body, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.0f" stroke="#e2e8f0"/>`, tk.X, tk.X, top-2, h-8)
		fmt.Fprintf(&body, `<text class="plan-tick" x="%.1f" y="%.1f" font-size="%g" text-anchor="middle" fill="%s">%s</text>`,
			tk.X, axisY, tickFont, colMuted, html.EscapeString(tk.Label))
	}
	y := top
	for i, v := range vs {
		if newPhase(vs, i) {
			name := v.PhaseName
			if name == "" {
				name = l.NoPhase
			}
			fmt.Fprintf(&body, `<rect x="0" y="%.0f" width="%g" height="%g" fill="#f1f5f9"/><text x="6" y="%.0f" font-size="12" font-weight="600" fill="#0f172a">%s</text>`,
				y, w, phaseH, y+15, html.EscapeString(fit(name, 12, w-12)))
			y += phaseH
		}
		tip := []string{html.EscapeString(v.Name)}
		for _, d := range []struct {
			label string
			on    date.Date
		}{{l.Baseline, v.BaselineOn}, {l.Planned, v.PlannedOn}, {l.Forecast, v.ForecastOn}, {l.Actual, v.ActualOn}} {
			if s := optDay(d.label, d.on); s != "" {
				tip = append(tip, s)
			}
		}
		fmt.Fprintf(&body, `<g><title>%s</title>`, strings.Join(tip, " · "))
		fmt.Fprintf(&body, `<line x1="0" x2="%g" y1="%.0f" y2="%.0f" stroke="#f1f5f9"/>`, w, y+rowH, y+rowH)
		slip := fmt.Sprintf(`%s %s`, Signed(v.Slip), l.Days)
		slipColour := "#64748b"
		if v.Slip > 0 {
			slipColour = colLate
		} else if v.Slip < 0 {
			slipColour = colActual
		}
		nameY, cy := y+rowH/2+4, y+rowH/2
		nameRoom := x0 - 24
		if narrow {
			nameY, cy = y+12, y+nameH+(rowH-nameH)/2
			nameRoom = w - 16 - textWidth(slip, 11) - 12
		}
		fmt.Fprintf(&body, `<a href="%s"><text x="%g" y="%.1f" font-size="11" fill="#1d4ed8">%s</text></a>`,
			html.EscapeString(href(v.ID)), map[bool]float64{false: 14, true: 8}[narrow], nameY, html.EscapeString(fit(v.Name, 11, nameRoom)))
		fmt.Fprintf(&body, `<text x="%g" y="%.1f" font-size="11" text-anchor="end" fill="%s">%s</text>`,
			w-6, nameY, slipColour, html.EscapeString(slip))
		drawMarks(&body, v, today, x, cy)
		body.WriteString(`</g>`)
		y += rowH
	}
	tx := x(today)
	fmt.Fprintf(&body, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.0f" stroke="%s" stroke-dasharray="3 2"/>`, tx, tx, top-4, h-4, colLate)

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="%s" viewBox="0 0 %g %.0f" role="img" aria-label="%s"><title>%s</title>`, class, w, h,
		html.EscapeString(l.Title), html.EscapeString(l.Title))
	b.WriteString(body.String())
	b.WriteString(`</svg>`)
	return b.String()
}

// drawMarks draws one milestone's dates on its row at cy.
func drawMarks(b *strings.Builder, v milestone.View, today date.Date, x func(date.Date) float64, cy float64) {
	ref := v.PlannedOn
	if !v.BaselineOn.IsZero() {
		ref = v.BaselineOn
	}
	rx := x(ref)
	// Where it lands: the actual date, else the later of plan, forecast and today.
	switch {
	case !v.ActualOn.IsZero():
		colour := colLate
		if v.Slip <= 0 {
			colour = colActual
		}
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/>`, rx, x(v.ActualOn), cy, cy, colour)
	case v.Slip != 0:
		lands := ref.AddDays(v.Slip)
		colour := colForecast // forecast or planned later than the reference
		switch {
		case v.Slip < 0:
			colour = colActual // planned earlier than the baseline
		case lands == today:
			colour = colLate // open past its date: late until today at least
		}
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="4 2"/>`, rx, x(lands), cy, cy, colour)
	}
	if !v.BaselineOn.IsZero() {
		baselineBar(b, x(v.BaselineOn), cy)
	}
	mark(b, v.IsGate, x(v.PlannedOn), cy, "#fff", colPlanned)
	if !v.ForecastOn.IsZero() && v.ActualOn.IsZero() && v.ForecastOn != v.PlannedOn {
		mark(b, v.IsGate, x(v.ForecastOn), cy, colForecast, colForecast)
	}
	if !v.ActualOn.IsZero() {
		mark(b, v.IsGate, x(v.ActualOn), cy, colActual, colActual)
	}
}

// baselineBar is the baseline's planned date: a grey upright bar.
func baselineBar(b *strings.Builder, cx, cy float64) {
	fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="4" height="14" rx="1" fill="%s"/>`, cx-2, cy-7, colBaseline)
}

// mark is a date: a circle, or a diamond for a gate.
func mark(b *strings.Builder, gate bool, cx, cy float64, fill, stroke string) {
	if gate {
		fmt.Fprintf(b, `<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f" fill="%s" stroke="%s" stroke-width="1.5"/>`,
			cx, cy-6, cx+6, cy, cx, cy+6, cx-6, cy, fill, stroke)
		return
	}
	fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="4.5" fill="%s" stroke="%s" stroke-width="1.5"/>`, cx, cy, fill, stroke)
}

// fit shortens s with an ellipsis to room px.
func fit(s string, size, room float64) string {
	r := []rune(s)
	for len(r) > 1 && textWidth(string(r), size) > room {
		r = append(r[:len(r)-2], '…')
	}
	return string(r)
}

func newPhase(vs []milestone.View, i int) bool {
	return i == 0 || vs[i].PhaseName != vs[i-1].PhaseName || phaseKey(vs[i].PhaseID) != phaseKey(vs[i-1].PhaseID)
}

func phaseKey(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
