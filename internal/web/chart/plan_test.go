package chart

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"rollout/internal/date"
	"rollout/internal/milestone"
)

func chineseTick(year int, month time.Month, kind TickKind) string {
	switch kind {
	case TickYear:
		return fmt.Sprintf("%d年", year)
	case TickMonthYear:
		return fmt.Sprintf("%d年%d月", year, month)
	}
	return fmt.Sprintf("%d月", month)
}

// The axis labels of a 10-month and a 3-year plan keep MinTickGap px apart
// in both drawings (desktop and phone) and both languages, and the step is
// the finest that fits: months for 10 months on a desktop, coarser on a phone.
func TestPlanTicksNeverRunTogether(t *testing.T) {
	start := date.New(2026, 1, 5)
	spans := map[string]date.Date{"10 months": start.AddDays(304), "3 years": start.AddDays(3 * 365)}
	langs := map[string]func(int, time.Month, TickKind) string{"en": nil, "zh-CN": chineseTick}
	for spanName, end := range spans {
		for lang, label := range langs {
			for _, narrow := range []bool{false, true} {
				x0, width := PlanAxis(narrow)
				ticks := PlanTicks(start, end, x0, width, label)
				name := fmt.Sprintf("%s, %s, narrow=%v", spanName, lang, narrow)
				if len(ticks) < 3 {
					t.Errorf("%s: only %d labels: %+v", name, len(ticks), ticks)
				}
				for i := 1; i < len(ticks); i++ {
					if gap := TickGap(ticks[i-1], ticks[i]); gap < MinTickGap {
						t.Errorf("%s: %q and %q are %.1f px apart", name, ticks[i-1].Label, ticks[i].Label, gap)
					}
				}
				for _, tk := range ticks {
					if tk.X-tk.Width/2 < x0-4 || tk.X+tk.Width/2 > x0+width+4 {
						t.Errorf("%s: %q sticks out of the axis", name, tk.Label)
					}
				}
				if lang == "zh-CN" && !strings.Contains(ticks[0].Label+ticks[1].Label, "年") {
					t.Errorf("%s: neither of the first labels names a year: %+v", name, ticks)
				}
			}
		}
	}
	// The finest step that fits: months for 10 months on a desktop.
	x0, width := PlanAxis(false)
	if ticks := PlanTicks(start, spans["10 months"], x0, width, nil); len(ticks) != 10 || ticks[0].Label != "Feb 2026" || ticks[1].Label != "Mar" {
		t.Errorf("10 months on a desktop: %+v", ticks)
	}
	if ticks := PlanTicks(start, spans["3 years"], x0, width, nil); len(ticks) != 11 || ticks[0].Label != "Apr 2026" || ticks[3].Label != "Jan 2027" {
		t.Errorf("3 years on a desktop, by quarter: %+v", ticks)
	}
}

// The chart shows the baseline date, the plan, the forecast and the slip
// against the baseline, in both drawings.
func TestPlanDrawsBaselineForecastAndActual(t *testing.T) {
	today := date.New(2026, 6, 1)
	vs := []milestone.View{{}, {}}
	vs[0].ID, vs[0].Name, vs[0].PlannedOn, vs[0].BaselineOn, vs[0].ForecastOn = 1, "Go-live", date.New(2026, 9, 20), date.New(2026, 9, 1), date.New(2026, 9, 25)
	vs[0].Slip = milestone.Lateness(vs[0].BaselineOn, vs[0].PlannedOn, vs[0].ForecastOn, vs[0].ActualOn, today)
	vs[1].ID, vs[1].Name, vs[1].PlannedOn, vs[1].ActualOn = 2, "Kick-off", date.New(2026, 1, 10), date.New(2026, 1, 12)
	vs[1].Slip = 2
	svg := string(Plan(vs, today, func(id int64) string { return fmt.Sprint("/m/", id) }, PlanLabels{Baseline: "Baseline", Planned: "Planned",
		Forecast: "Forecast", Actual: "Actual", Gate: "Gate", Today: "Today", Days: "d"}))
	for _, want := range []string{`class="chart plan-chart plan-chart-wide"`, `class="chart plan-chart plan-chart-narrow"`, "+24 d</text>",
		"+2 d</text>", `fill="` + colBaseline + `"`, "Baseline 2026-09-01 · Planned 2026-09-20 · Forecast 2026-09-25", `class="plan-tick"`} {
		if strings.Count(svg, want) < 1 {
			t.Errorf("the chart lacks %s", want)
		}
	}
	if strings.Count(svg, "<svg") != 2 {
		t.Errorf("want two drawings")
	}
}
