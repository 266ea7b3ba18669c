package chart

import (
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"

	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/pitfall"
)

func TestSpecJSONIsAlwaysValid(t *testing.T) {
	s := Spec{Type: "bar", Series: []Series{{Name: "a", Data: []float64{1, math.NaN(), math.Inf(1)}}, {Name: "empty"}}}
	var back struct {
		Labels []string `json:"labels"`
		Series []struct {
			Data []float64 `json:"data"`
		} `json:"series"`
	}
	if err := json.Unmarshal([]byte(s.JSON()), &back); err != nil {
		t.Fatalf("%s: %v", s.JSON(), err)
	}
	if len(back.Series) != 2 || back.Series[0].Data[1] != 0 || back.Series[0].Data[2] != 0 || back.Series[1].Data == nil {
		t.Errorf("spec %s", s.JSON())
	}
	// A gauge has no labels at all.
	v := 70.0
	if g := (Spec{Type: "gauge", Value: &v, Max: Ptr(100)}).JSON(); strings.Contains(g, "labels") {
		t.Errorf("gauge %s", g)
	}
}

func TestNumbers(t *testing.T) {
	for f, want := range map[float64]string{12: "12", 12.5: "12.5", 0.25: "0.25", -0.001: "0", 1e16: "1e+16"} {
		if got := Num(f); got != want {
			t.Errorf("Num(%v) = %q, want %q", f, got, want)
		}
	}
	for n, want := range map[int]string{3: "+3", -2: "−2", 0: "0"} {
		if got := Signed(n); got != want {
			t.Errorf("Signed(%d) = %q, want %q", n, got, want)
		}
	}
	if Round1(12.345) != 12.3 {
		t.Errorf("Round1 %v", Round1(12.345))
	}
}

func TestHealthBandsAndGauge(t *testing.T) {
	cases := map[int]string{100: "ok", pitfall.HealthyFrom: "ok", pitfall.HealthyFrom - 1: "warn", pitfall.SlidingFrom: "warn",
		pitfall.SlidingFrom - 1: "bad", 0: "bad"}
	for score, want := range cases {
		if got := pitfall.Band(score); got != want {
			t.Errorf("Band(%d) = %s, want %s", score, got, want)
		}
	}
	g := string(ScoreGauge(20, 96, `<b>20</b>`))
	if !strings.Contains(g, bandColours["bad"]) || strings.Contains(g, "<b>") {
		t.Errorf("gauge %s", g)
	}
}

// Nothing to draw is no chart; a chart that cannot be drawn is none either.
func TestEmptyCharts(t *testing.T) {
	if Sparkline(nil, 0, 1) != "" || HealthTrend(nil, date.New(2026, 1, 1), date.New(2026, 2, 1), "t", [2]string{}) != "" ||
		Churn(nil, "t", [4]string{}) != "" || RiskHistory(nil, date.New(2026, 1, 1), "t") != "" ||
		Plan(nil, date.New(2026, 1, 1), nil, PlanLabels{}) != "" {
		t.Error("an empty chart draws something")
	}
	if StackedBars([]string{"2026-01"}, [][]int{{1}}, []string{"a", "b"}, []string{"#000", "#fff"}, "t") != "" {
		t.Error("stacked bars with more names than series draw something")
	}
	if s := string(Sparkline([]float64{1, 2}, 0, 3)); !strings.HasPrefix(s, `<svg class="sparkline"`) {
		t.Errorf("sparkline %q", s)
	}
}

// What people type is text in every chart.
func TestPlanEscapesNames(t *testing.T) {
	today := date.New(2026, 6, 1)
	vs := []milestone.View{}
	vs = append(vs, milestone.View{})
	vs[0].ID, vs[0].Name, vs[0].PhaseName, vs[0].PlannedOn = 1, `<script>alert(1)</script>`, `<i>Build</i>`, today.AddDays(10)
	svg := string(Plan(vs, today, func(id int64) string { return "/m?x=1&y=2" }, PlanLabels{Title: `"plan"`, Days: "days"}))
	for _, bad := range []string{"<script>", "<i>", `aria-label=""plan""`, "x=1&y"} {
		if strings.Contains(svg, bad) {
			t.Errorf("the plan chart contains %s unescaped", bad)
		}
	}
	if !strings.Contains(svg, "&lt;script&gt;") || !strings.Contains(svg, "+0 days") && !strings.Contains(svg, "0 days") {
		t.Errorf("plan chart %s", svg)
	}
}

// Value axes tick on round numbers, and the goal trend's axis starts from 0
// for a quantity that is never negative and names its unit.
func TestNiceTicksAndTheGoalTrendAxis(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{{0, 91.8, "0 25 50 75 100"}, {0, 6, "0 2 4 6"}, {3, 5.1, "3 4 5 6"}, {-6.8, 91.8, "-25 0 25 50 75 100"}, {0, 1500000, "0 500000 1000000 1500000"}} {
		var got []string
		for _, v := range NiceTicks(c.lo, c.hi, 5) {
			got = append(got, Num(v))
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("NiceTicks(%v, %v) = %v, want %s", c.lo, c.hi, got, c.want)
		}
	}
	g := &goal.View{Goal: goal.Goal{Baseline: 0, Target: 85, StartOn: date.New(2026, 1, 1), DueOn: date.New(2026, 6, 1)}}
	svg := string(GoalTrend(g, []goal.Measurement{{Value: 42.5, MeasuredOn: date.New(2026, 3, 1)}}, "t", "Baseline", "Target", "%"))
	ticks := regexp.MustCompile(`text-anchor="end" fill="#475569">([^<]+)</text>`).FindAllStringSubmatch(svg, -1)
	var labels []string
	for _, m := range ticks {
		labels = append(labels, m[1])
	}
	if strings.Join(labels, " ") != "0 25 50 75 100 2026-06-01" || !strings.Contains(svg, `class="axis-unit">%</text>`) {
		t.Errorf("goal trend axis: %v", labels)
	}
}
