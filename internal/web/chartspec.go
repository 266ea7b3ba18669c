package web

import (
	"encoding/json"
	"math"
)

// Charts drawn in the browser by frontend/src/charts.js (Apache ECharts,
// loaded only on the pages that have them: the dashboard and the budget
// page). The server writes each chart's figures as a JSON spec into the
// data-chart attribute of its container (an attribute, not an inline
// script: the CSP allows none); the template escapes it. Every chart is
// followed by a table of the same figures, for reading and for screen readers.

// chartsScript is the bundle that draws the charts, for render's scripts.
const chartsScript = "charts.js"

// chartSpec is one chart; charts.js documents the fields.
type chartSpec struct {
	Type       string        `json:"type"` // bar, line, heatmap, gauge
	Title      string        `json:"title,omitempty"`
	Labels     []string      `json:"labels,omitempty"`
	Series     []chartSeries `json:"series,omitempty"`
	Horizontal bool          `json:"horizontal,omitempty"`
	Unit       string        `json:"unit,omitempty"`
	Min        *float64      `json:"min,omitempty"`
	Max        *float64      `json:"max,omitempty"`
	Mark       *chartMark    `json:"mark,omitempty"`
	// Heat map: rows (bottom first), the axes' names and the cells [x, y, n].
	YLabels []string `json:"ylabels,omitempty"`
	XName   string   `json:"xname,omitempty"`
	YName   string   `json:"yname,omitempty"`
	Cells   [][3]int `json:"cells,omitempty"`
	// Gauge.
	Value *float64 `json:"value,omitempty"`
}

type chartSeries struct {
	Name   string    `json:"name"`
	Data   []float64 `json:"data"`
	Stack  string    `json:"stack,omitempty"`
	Color  string    `json:"color,omitempty"`
	Area   bool      `json:"area,omitempty"`
	Dashed bool      `json:"dashed,omitempty"`
	Step   bool      `json:"step,omitempty"`
	Legend bool      `json:"legend,omitempty"` // show the legend even for one series
}

type chartMark struct {
	Value float64 `json:"value"`
	Name  string  `json:"name"`
}

// JSON is the spec for the data-chart attribute.
func (c chartSpec) JSON() string {
	for i := range c.Series {
		if c.Series[i].Data == nil {
			c.Series[i].Data = []float64{}
		}
		for j, v := range c.Series[i].Data {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				c.Series[i].Data[j] = 0
			}
		}
	}
	if c.Labels == nil && c.Type != "gauge" {
		c.Labels = []string{}
	}
	b, err := json.Marshal(c)
	if err != nil {
		// Only NaN or infinities fail, and they are zeroed above.
		return `{"type":"` + c.Type + `"}`
	}
	return string(b)
}

// Colours of the charts, the same as the badges' (app.css).
const (
	colourOK      = "#16a34a"
	colourWarn    = "#d97706"
	colourBad     = "#dc2626"
	colourBlue    = "#2563eb"
	colourMuted   = "#94a3b8"
	colourPurple  = "#7c3aed"
	colourPlanned = "#93c5fd"
)

func fptr(f float64) *float64 { return &f }

// round1 rounds to one decimal, for percentages in charts.
func round1(f float64) float64 { return math.Round(f*10) / 10 }
