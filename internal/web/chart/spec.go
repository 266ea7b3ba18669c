// Package chart draws Rollout's charts, with no HTTP in it: the ECharts
// specs the dashboard and the budget page send to the browser (spec.go,
// dashboard.go) and the inline SVG charts drawn on the server (goal trends,
// backlog churn, the plan timeline, health, the risk heat maps and score
// history). Package web calls it from its handlers and registers the
// template functions (sparkline, signed) that use it; labels arrive
// translated, or through the reader's i18n.Translator.
package chart

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

// Script is the bundle that draws the charts, for web's render.
const Script = "charts.js"

// Spec is one chart; charts.js documents the fields.
type Spec struct {
	Type       string   `json:"type"` // bar, line, gauge
	Title      string   `json:"title,omitempty"`
	Labels     []string `json:"labels,omitempty"`
	Series     []Series `json:"series,omitempty"`
	Horizontal bool     `json:"horizontal,omitempty"`
	Unit       string   `json:"unit,omitempty"`
	// Currency (ISO 4217) writes the values as money in the reader's
	// language: ¥25,000.00 / CN¥25,000.00.
	Currency string   `json:"currency,omitempty"`
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
	Mark     *Mark    `json:"mark,omitempty"`
	// Gauge.
	Value *float64 `json:"value,omitempty"`
}

// Series is one series of figures of a chart.
type Series struct {
	Name   string    `json:"name"`
	Data   []float64 `json:"data"`
	Stack  string    `json:"stack,omitempty"`
	Color  string    `json:"color,omitempty"`
	Area   bool      `json:"area,omitempty"`
	Dashed bool      `json:"dashed,omitempty"`
	Step   bool      `json:"step,omitempty"`
	Legend bool      `json:"legend,omitempty"` // show the legend even for one series
}

// Mark is a reference line, such as a target or the planned total.
type Mark struct {
	Value float64 `json:"value"`
	Name  string  `json:"name"`
}

// JSON is the spec for the data-chart attribute.
func (c Spec) JSON() string {
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
	OK      = "#16a34a"
	Warn    = "#d97706"
	Bad     = "#dc2626"
	Blue    = "#2563eb"
	Muted   = "#94a3b8"
	Purple  = "#7c3aed"
	Planned = "#93c5fd"
)

// Ptr points at a copy of f, for the optional bounds of a spec.
func Ptr(f float64) *float64 { return &f }

// Round1 rounds to one decimal, for percentages in charts.
func Round1(f float64) float64 { return math.Round(f*10) / 10 }
