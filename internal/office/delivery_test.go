package office

import (
	"testing"

	"rollout/internal/budget"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/pitfall"
	"rollout/internal/project"
	"rollout/internal/risk"
)

// Each delivery signal's cost, and the caps, as the health page states them.
func TestDeliveryWeights(t *testing.T) {
	t.Parallel()
	today := date.New(2026, 6, 1)
	ms := func(status milestone.Status, slip int) milestone.View {
		return milestone.View{Milestone: milestone.Milestone{ID: 1, Name: "Go-live"}, Status: status, Slip: slip}
	}
	member := []project.Member{{UserID: 7}}
	active := func(p, i int, mitigation string, owner int64, overdue bool) risk.View {
		v := risk.View{Risk: risk.Risk{Number: 3, Key: "CRM-R-3", Title: "Dirty data", Probability: p, Impact: i,
			Mitigation: mitigation, OwnerID: owner, Status: risk.Open, NextReviewOn: today.AddDays(-4)}, Overdue: overdue}
		v.Score = risk.Score(p, i)
		v.Level = risk.Level(v.Score)
		return v
	}
	done := ms(milestone.Done, 0)
	cases := []struct {
		name  string
		facts DeliveryFacts
		cost  int
		kind  DeliveryKind
	}{
		{"nothing wrong", DeliveryFacts{Milestones: []milestone.View{ms(milestone.Planned, 0)}}, 0, ""},
		{"milestone done late costs nothing", DeliveryFacts{Milestones: []milestone.View{{Milestone: milestone.Milestone{ID: 1}, Status: milestone.Done, Slip: 30}}}, 0, ""},
		{"milestone late, 3 days", DeliveryFacts{Milestones: []milestone.View{ms(milestone.Missed, 3)}}, MilestoneLateCost, MilestoneLate},
		{"milestone late, 14 days", DeliveryFacts{Milestones: []milestone.View{ms(milestone.Missed, 14)}}, MilestoneLateCost + 2*SlipWeekCost, MilestoneLate},
		{"milestone late, 20 weeks: capped", DeliveryFacts{Milestones: []milestone.View{ms(milestone.Missed, 140)}}, MilestoneCostMax, MilestoneLate},
		{"milestone forecast late, 14 days", DeliveryFacts{Milestones: []milestone.View{ms(milestone.AtRisk, 14)}}, MilestoneForecastLateCost + 2*SlipWeekCost, MilestoneForecastLate},
		{"risk review overdue", DeliveryFacts{Members: member, Risks: []risk.View{active(2, 2, "", 7, true)}}, RiskReviewOverdueCost, RiskReviewOverdue},
		{"high risk without mitigation", DeliveryFacts{Members: member, Risks: []risk.View{active(4, 4, " ", 7, false)}}, RiskNoMitigationCost, RiskNoMitigation},
		{"high risk whose owner left", DeliveryFacts{Members: member, Risks: []risk.View{active(4, 4, "Clean first", 9, false)}}, RiskNoOwnerCost, RiskNoOwner},
		{"medium risk without mitigation costs nothing", DeliveryFacts{Members: member, Risks: []risk.View{active(3, 3, "", 9, false)}}, 0, ""},
		{"goal off track", DeliveryFacts{Goals: []goal.View{{Goal: goal.Goal{ID: 2, Title: "Conversion"}, Status: goal.OffTrack}}}, GoalOffTrackCost, GoalOffTrack},
		{"goal at risk", DeliveryFacts{Goals: []goal.View{{Goal: goal.Goal{ID: 2, Title: "Conversion"}, Status: goal.AtRisk}}}, GoalAtRiskCost, GoalAtRisk},
		{"goal on track", DeliveryFacts{Goals: []goal.View{{Goal: goal.Goal{ID: 2}, Status: goal.OnTrack}}}, 0, ""},
		{"gate condition overdue", DeliveryFacts{Conditions: []ConditionFact{{ReviewID: 4, MilestoneName: "Design", Text: "Name data owners", DueOn: today.AddDays(-3)}}}, ConditionOverdueCost, ConditionOverdue},
		{"budget ahead of milestones done", DeliveryFacts{Milestones: []milestone.View{done, ms(milestone.Planned, 0)},
			Budget: []budget.Line{{Planned: 100, Actual: 61, Currency: "CNY"}}}, BudgetAheadCost, BudgetAhead},
		{"budget in step with milestones done", DeliveryFacts{Milestones: []milestone.View{done, ms(milestone.Planned, 0)},
			Budget: []budget.Line{{Planned: 100, Actual: 60, Currency: "CNY"}}}, 0, ""},
		{"budget without milestones is not judged", DeliveryFacts{Budget: []budget.Line{{Planned: 100, Actual: 90, Currency: "CNY"}}}, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := c.facts
			f.Today = today
			d := ScoreDelivery(&f)
			if d.Score != DeliveryMax-c.cost {
				t.Fatalf("score %d, want %d (items %+v)", d.Score, DeliveryMax-c.cost, d.Items)
			}
			if c.kind == "" {
				if len(d.Items) != 0 {
					t.Fatalf("items %+v", d.Items)
				}
				return
			}
			if len(d.Items) != 1 || d.Items[0].Kind != c.kind || d.Items[0].Cost != c.cost || d.Items[0].Name == "" || d.Items[0].Path == "" {
				t.Fatalf("items %+v", d.Items)
			}
		})
	}
}

// One kind of signal costs at most KindCostMax; the score never goes below 0.
func TestDeliveryCaps(t *testing.T) {
	t.Parallel()
	today := date.New(2026, 6, 1)
	var f DeliveryFacts
	f.Today = today
	for i := range 20 {
		f.Goals = append(f.Goals, goal.View{Goal: goal.Goal{ID: int64(i + 1), Title: "G"}, Status: goal.OffTrack})
		f.Milestones = append(f.Milestones, milestone.View{Milestone: milestone.Milestone{ID: int64(i + 1), Name: "M"}, Status: milestone.Missed, Slip: 200})
		f.Conditions = append(f.Conditions, ConditionFact{ReviewID: 1, Text: "C", DueOn: today.AddDays(-1)})
	}
	d := ScoreDelivery(&f)
	spent := map[DeliveryKind]int{}
	for _, it := range d.Items {
		spent[it.Kind] += it.Cost
	}
	if spent[GoalOffTrack] != KindCostMax || spent[MilestoneLate] != KindCostMax || spent[ConditionOverdue] != KindCostMax {
		t.Fatalf("costs by kind %v", spent)
	}
	if d.Score != max(0, DeliveryMax-3*KindCostMax) {
		t.Fatalf("score %d", d.Score)
	}
}

// The combined score is the lower part; the bands are pitfall's; a project
// is judged once it holds a goal, a requirement, or a milestone due or done.
func TestCombineAndEnoughData(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ method, delivery, want int }{{97, 61, 61}, {40, 90, 40}, {80, 80, 80}} {
		if got := Combine(c.method, c.delivery); got != c.want {
			t.Fatalf("Combine(%d, %d) = %d", c.method, c.delivery, got)
		}
	}
	for score, band := range map[int]string{100: "ok", 80: "ok", 79: "warn", 60: "warn", 59: "bad", 0: "bad"} {
		if pitfall.Band(score) != band {
			t.Fatalf("band of %d: %s", score, pitfall.Band(score))
		}
	}
	today := date.New(2026, 6, 1)
	ahead := []milestone.View{{Milestone: milestone.Milestone{PlannedOn: today.AddDays(1)}, Status: milestone.Planned}}
	due := []milestone.View{{Milestone: milestone.Milestone{PlannedOn: today}, Status: milestone.Planned}}
	if EnoughData(0, 0, ahead, today) || EnoughData(0, 0, nil, today) || !EnoughData(1, 0, nil, today) ||
		!EnoughData(0, 1, nil, today) || !EnoughData(0, 0, due, today) {
		t.Fatal("EnoughData")
	}
}
