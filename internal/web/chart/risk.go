package chart

import (
	"fmt"
	"html"
	"html/template"
	"net/url"
	"strings"

	"rollout/internal/date"
	"rollout/internal/i18n"
	"rollout/internal/risk"
)

// The risk heat maps and score history, drawn on the server as SVG like the
// goal charts: no script, and the colours are attributes, which our CSP allows.

// levelColors are a level's cell fill and text colour (the badge colours, a
// shade stronger so that a grid of them reads as heat).
var levelColors = map[risk.Severity][2]string{
	risk.Low:      {"#dbe8f8", "#1d4f91"},
	risk.Medium:   {"#fdebc0", "#7a4f00"},
	risk.High:     {"#f8c9a8", "#8f3a06"},
	risk.Critical: {"#c53030", "#ffffff"},
}

// HeatCell is the cell a filter picks, for drawing it selected.
type HeatCell struct {
	P, I int // probability and impact
	Map  risk.Map
}

// RiskCell is one cell of a risk heat map as every heat map of Rollout shows
// it (the register's two, the dashboard's and the gate pack's): coloured by
// the level of its score (risk.Level, never by how many risks sit in it),
// labelled with its count, and a link to the register filtered to it.
type RiskCell struct {
	P, I  int // probability and impact
	Score int
	Level risk.Severity
	Count int
	Fill  string // the level's colours: the cell, and its label
	Ink   string
	Href  string // the register filtered to the cell; "" for an empty cell
	Label string // what the cell says to a screen reader
}

// LevelColors returns a level's cell fill and text colour.
func LevelColors(l risk.Severity) (fill, ink string) {
	c := levelColors[l]
	return c[0], c[1]
}

// RiskHeatCells lays out one heat map: its rows from probability 5 down to
// 1, each with impact 1 to 5. A cell with risks links to path with base (the
// other filters of the list it narrows) plus its p, i and map.
func RiskHeatCells(tr *i18n.Translator, grid [risk.Scale][risk.Scale]int, m risk.Map, path string, base url.Values) [][]RiskCell {
	rows := make([][]RiskCell, 0, risk.Scale)
	for p := risk.Scale; p >= 1; p-- {
		row := make([]RiskCell, 0, risk.Scale)
		for i := 1; i <= risk.Scale; i++ {
			score := risk.Score(p, i)
			c := RiskCell{P: p, I: i, Score: score, Level: risk.Level(score), Count: grid[p-1][i-1]}
			c.Fill, c.Ink = LevelColors(c.Level)
			if c.Count > 0 {
				q := url.Values{}
				for k, v := range base {
					q[k] = v
				}
				q.Set("p", fmt.Sprint(p))
				q.Set("i", fmt.Sprint(i))
				q.Set("map", string(m))
				c.Href = path + "?" + q.Encode() + "#risk-list"
				c.Label = tr.T("risks.cell_label", "P", p, "PName", tr.T(fmt.Sprintf("enum.risk_probability.%d", p)),
					"I", i, "IName", tr.T(fmt.Sprintf("enum.risk_impact.%d", i)), "Score", score, "Count", c.Count)
			}
			row = append(row, c)
		}
		rows = append(rows, row)
	}
	return rows
}

// RiskGrid counts risks per cell from their ratings (probability, impact);
// a rating off the scale is left out.
func RiskGrid(ratings [][2]int) [risk.Scale][risk.Scale]int {
	var g [risk.Scale][risk.Scale]int
	for _, r := range ratings {
		if r[0] >= 1 && r[0] <= risk.Scale && r[1] >= 1 && r[1] <= risk.Scale {
			g[r[0]-1][r[1]-1]++
		}
	}
	return g
}

// RiskHeatMap draws one 5 × 5 grid of RiskHeatCells: probability up the side
// (5 at the top), impact along the bottom, each cell coloured by the level of
// its score and showing its count; sel is drawn selected.
func RiskHeatMap(tr *i18n.Translator, grid [risk.Scale][risk.Scale]int, m risk.Map, path string, base url.Values, sel HeatCell) template.HTML {
	const cell, left, top, bottom = 48.0, 58.0, 8.0, 44.0
	const w, h = left + cell*risk.Scale + 8, top + cell*risk.Scale + bottom
	title := tr.T("risks.heat_title", "Map", tr.T("enum.risk_map."+string(m)))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="heatmap" viewBox="0 0 %g %g" width="%g" height="%g" role="img" aria-label="%s" data-map="%s"><title>%s</title>`,
		w, h, w, h, html.EscapeString(title), m, html.EscapeString(title))
	for r, row := range RiskHeatCells(tr, grid, m, path, base) {
		y := top + cell*float64(r)
		fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="12" text-anchor="end" fill="#475569">%d</text>`, left-8, y+cell/2+4, row[0].P)
		for _, c := range row {
			x := left + cell*float64(c.I-1)
			opacity := "1"
			if c.Count == 0 {
				opacity = "0.45"
			}
			stroke, width := "#ffffff", 2
			if sel.Map == m && sel.P == c.P && sel.I == c.I {
				stroke, width = "#1f2933", 3
			}
			rect := fmt.Sprintf(`<rect x="%g" y="%g" width="%g" height="%g" rx="3" fill="%s" fill-opacity="%s" stroke="%s" stroke-width="%d" data-level="%s"/>`,
				x, y, cell, cell, c.Fill, opacity, stroke, width, c.Level)
			if c.Count == 0 {
				b.WriteString(rect)
				continue
			}
			fmt.Fprintf(&b, `<a href="%s" aria-label="%s" data-p="%d" data-i="%d" data-level="%s"><title>%s</title>%s<text x="%g" y="%g" font-size="16" font-weight="600" text-anchor="middle" fill="%s">%d</text></a>`,
				html.EscapeString(c.Href), html.EscapeString(c.Label), c.P, c.I, c.Level, html.EscapeString(c.Label),
				rect, x+cell/2, y+cell/2+6, c.Ink, c.Count)
		}
	}
	for i := 1; i <= risk.Scale; i++ {
		fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="12" text-anchor="middle" fill="#475569">%d</text>`,
			left+cell*(float64(i)-0.5), top+cell*risk.Scale+16, i)
	}
	fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="12" text-anchor="middle" fill="#1f2933">%s →</text>`,
		left+cell*risk.Scale/2, h-8, html.EscapeString(tr.T("risks.axis_impact")))
	fmt.Fprintf(&b, `<text x="14" y="%g" font-size="12" text-anchor="middle" fill="#1f2933" transform="rotate(-90 14 %g)">%s →</text>`,
		top+cell*risk.Scale/2, top+cell*risk.Scale/2, html.EscapeString(tr.T("risks.axis_probability")))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// RiskHistory draws a risk's score over time as steps (a rating holds until
// the next review), over bands coloured by level, up to today.
func RiskHistory(points []risk.Point, today date.Date, title string) template.HTML {
	const w, h = 640.0, 220.0
	const left, right, top, bottom = 40.0, 16.0, 12.0, 32.0
	if len(points) == 0 {
		return ""
	}
	start, end := points[0].On, today
	if last := points[len(points)-1].On; last.After(end) {
		end = last
	}
	days := float64(max(start.DaysUntil(end), 1))
	x := func(d date.Date) float64 { return left + (w-left-right)*float64(start.DaysUntil(d))/days }
	y := func(score float64) float64 { return top + (h-top-bottom)*(1-score/risk.MaxScore) }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-label="%s"><title>%s</title>`, w, h,
		html.EscapeString(title), html.EscapeString(title))
	// Level bands, lowest at the bottom.
	lowBound := 0.0
	for _, lv := range risk.Levels {
		_, hi := lv.Range()
		fmt.Fprintf(&b, `<rect x="%g" y="%.1f" width="%g" height="%.1f" fill="%s" fill-opacity="0.45"/>`,
			left, y(float64(hi)), w-left-right, y(lowBound)-y(float64(hi)), levelColors[lv][0])
		lowBound = float64(hi)
	}
	for _, s := range []int{0, risk.LowMax, risk.MediumMax, risk.HighMax, risk.MaxScore} {
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" font-size="11" text-anchor="end" fill="#475569">%d</text>`, left-6, y(float64(s))+4, s)
	}
	fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%g" y2="%g" stroke="#94a3b8"/>`, left, w-right, h-bottom, h-bottom)
	fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="11" fill="#475569">%s</text><text x="%g" y="%g" font-size="11" text-anchor="end" fill="#475569">%s</text>`,
		left, h-10, start, w-right, h-10, end)
	// Steps: each rating holds until the next point, the last one until today.
	var path strings.Builder
	for i, p := range points {
		if i == 0 {
			fmt.Fprintf(&path, "M%.1f,%.1f", x(p.On), y(float64(p.Score)))
			continue
		}
		fmt.Fprintf(&path, " H%.1f V%.1f", x(p.On), y(float64(p.Score)))
	}
	fmt.Fprintf(&path, " H%.1f", x(end))
	fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="#1f2933" stroke-width="2"/>`, path.String())
	for _, p := range points {
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s" stroke="#1f2933"><title>%s · %d × %d = %d</title></circle>`,
			x(p.On), y(float64(p.Score)), levelColors[p.Level][0], p.On, p.Probability, p.Impact, p.Score)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
