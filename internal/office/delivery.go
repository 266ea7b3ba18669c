package office

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"rollout/internal/budget"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/project"
	"rollout/internal/risk"
)

// The delivery part of the health: is the project doing what it planned,
// as the plan, the risk register, the goals, the gate conditions and the
// budget say today? Each signal is one item with a cost in points; the part
// is DeliveryMax minus the costs. Every rule is another domain's own: a
// milestone's lateness is milestone.View's Status and Slip (so a change to
// what slip is measured against flows through), a risk review's lateness
// risk.IsOverdue's, a goal's status goal.Evaluate's.

// DeliveryKind names a delivery signal.
type DeliveryKind string

// Delivery signals.
const (
	// MilestoneLate: not done and its planned date has passed.
	MilestoneLate DeliveryKind = "milestone_late"
	// MilestoneForecastLate: not done, not yet due, but slipping (a forecast
	// after the plan).
	MilestoneForecastLate DeliveryKind = "milestone_forecast_late"
	// RiskReviewOverdue: an active risk whose next review date has passed.
	RiskReviewOverdue DeliveryKind = "risk_review_overdue"
	// RiskNoMitigation: an active high or critical risk with no mitigation written down.
	RiskNoMitigation DeliveryKind = "risk_no_mitigation"
	// RiskNoOwner: an active high or critical risk whose owner is no longer
	// an active member of the project.
	RiskNoOwner DeliveryKind = "risk_no_owner"
	// GoalOffTrack and GoalAtRisk: goal.Evaluate's statuses.
	GoalOffTrack DeliveryKind = "goal_off_track"
	GoalAtRisk   DeliveryKind = "goal_at_risk"
	// ConditionOverdue: a gate condition (review action item) still open after its due date.
	ConditionOverdue DeliveryKind = "condition_overdue"
	// BudgetAhead: the share of a currency's budget spent runs ahead of the
	// share of milestones done by more than BudgetAheadBy.
	BudgetAhead DeliveryKind = "budget_ahead"
)

// DeliveryKinds lists the signals in the order the health page states them.
var DeliveryKinds = []DeliveryKind{MilestoneLate, MilestoneForecastLate, RiskReviewOverdue, RiskNoMitigation,
	RiskNoOwner, GoalOffTrack, GoalAtRisk, ConditionOverdue, BudgetAhead}

// The delivery rule's weights, in points off DeliveryMax. A late milestone
// costs its base and SlipWeekCost for every full week of slip, up to
// MilestoneCostMax; the other signals cost their flat weight. One kind of
// signal costs at most KindCostMax in all, so that a register with twenty
// overdue reviews is not worse than a project late on every front. The health
// page and the API state these numbers.
const (
	DeliveryMax               = 100
	MilestoneLateCost         = 8
	MilestoneForecastLateCost = 4
	SlipWeekCost              = 1
	MilestoneCostMax          = 15
	RiskReviewOverdueCost     = 3
	RiskNoMitigationCost      = 4
	RiskNoOwnerCost           = 4
	GoalOffTrackCost          = 8
	GoalAtRiskCost            = 4
	ConditionOverdueCost      = 4
	BudgetAheadCost           = 8
	KindCostMax               = 30
	// BudgetAheadBy is how far (as a share, 0.10 = 10 percentage points) the
	// share spent may run ahead of the share of milestones done.
	BudgetAheadBy = 0.10
)

// DeliveryItem is one signal that costs points: what it is, where it is
// (a path inside the project: "/milestones/7") and the numbers behind it.
type DeliveryItem struct {
	Kind DeliveryKind   `json:"kind"`
	Cost int            `json:"cost"` // after KindCostMax: the items' costs add up to DeliveryMax − Score
	Name string         `json:"name"`
	Path string         `json:"path"`
	Data map[string]any `json:"data"`
}

// Delivery is the delivery part: its points and the items that cost them,
// most expensive first.
type Delivery struct {
	Score int            `json:"score"`
	Items []DeliveryItem `json:"items"`
}

// ConditionFact is an open gate condition past its due date.
type ConditionFact struct {
	ReviewID      int64     `bun:"review_id"`
	MilestoneName string    `bun:"milestone_name"`
	Text          string    `bun:"text"`
	DueOn         date.Date `bun:"due_on,type:date"`
}

// DeliveryFacts are what the delivery rule reads.
type DeliveryFacts struct {
	Today      date.Date
	Milestones []milestone.View
	Goals      []goal.View
	Members    []project.Member
	Risks      []risk.View // active ones
	Conditions []ConditionFact
	Budget     []budget.Line
}

// gatherDelivery reads the facts not already read by the caller (fields
// left nil are read): at most six queries whatever the size of the project.
func gatherDelivery(ctx context.Context, db database.IDB, projectID int64, f *DeliveryFacts) error {
	var err error
	if f.Milestones == nil {
		if f.Milestones, err = milestone.List(ctx, db, projectID, f.Today); err != nil {
			return err
		}
	}
	if f.Goals == nil {
		if f.Goals, err = goal.List(ctx, db, projectID, f.Today); err != nil {
			return err
		}
	}
	if f.Members == nil {
		if f.Members, err = project.Members(ctx, db, projectID); err != nil {
			return err
		}
	}
	if f.Risks, err = risk.List(ctx, db, projectID, risk.Filter{Status: risk.ActiveStatuses, Sort: risk.SortScore}, f.Today); err != nil {
		return err
	}
	f.Conditions = nil
	err = db.NewSelect().TableExpr("review_actions AS ra").
		ColumnExpr("ra.review_id, m.name AS milestone_name, ra.text, ra.due_on").
		Join("JOIN gate_reviews AS gr ON gr.id = ra.review_id").
		Join("JOIN milestones AS m ON m.id = gr.milestone_id").
		Where("gr.project_id = ? AND ra.status = 'open' AND ra.due_on < ?", projectID, f.Today).
		OrderExpr("ra.due_on, ra.id").Scan(ctx, &f.Conditions)
	if err != nil {
		return database.MapError(err)
	}
	f.Budget, err = budget.Lines(ctx, db, projectID)
	return err
}

// GatherDelivery reads every fact of the delivery rule, in six queries.
func GatherDelivery(ctx context.Context, db database.IDB, projectID int64, today date.Date) (*DeliveryFacts, error) {
	f := &DeliveryFacts{Today: today}
	return f, gatherDelivery(ctx, db, projectID, f)
}

// MilestoneCost is what a late milestone costs: its base and a point per
// full week of slip, up to MilestoneCostMax.
func MilestoneCost(kind DeliveryKind, slip int) int {
	base := MilestoneForecastLateCost
	if kind == MilestoneLate {
		base = MilestoneLateCost
	}
	return min(MilestoneCostMax, base+SlipWeekCost*(slip/7))
}

// Slipping says whether a milestone costs delivery points, and as which
// signal: not done and late against its baseline (milestone.View's Slip),
// MilestoneLate once its date has passed, MilestoneForecastLate before. The
// weekly report lists the same milestones as slipping.
func Slipping(m milestone.View) (DeliveryKind, bool) {
	if m.Status == milestone.Done || m.Slip <= 0 {
		return "", false
	}
	if m.Status == milestone.Missed {
		return MilestoneLate, true
	}
	return MilestoneForecastLate, true
}

// MilestoneProgress is the share of the project's milestones done, the
// progress the budget is held against (0 without milestones).
func MilestoneProgress(ms []milestone.View) (float64, bool) {
	if len(ms) == 0 {
		return 0, false
	}
	done := 0
	for _, m := range ms {
		if m.Status == milestone.Done {
			done++
		}
	}
	return float64(done) / float64(len(ms)), true
}

// ScoreDelivery applies the delivery rule to the facts.
func ScoreDelivery(f *DeliveryFacts) Delivery {
	var items []DeliveryItem
	add := func(kind DeliveryKind, cost int, name, path string, data map[string]any) {
		items = append(items, DeliveryItem{Kind: kind, Cost: cost, Name: name, Path: path, Data: data})
	}
	for _, m := range f.Milestones {
		kind, ok := Slipping(m)
		if !ok {
			continue
		}
		add(kind, MilestoneCost(kind, m.Slip), m.Name, fmt.Sprintf("/milestones/%d", m.ID), map[string]any{"Days": m.Slip})
	}
	active := map[int64]bool{}
	for _, mb := range f.Members {
		if !mb.Disabled {
			active[mb.UserID] = true
		}
	}
	for _, r := range f.Risks {
		name, path := r.Key+" "+r.Title, fmt.Sprintf("/risks/%d", r.Number)
		if r.Overdue {
			add(RiskReviewOverdue, RiskReviewOverdueCost, name, path, map[string]any{"Days": r.NextReviewOn.DaysUntil(f.Today)})
		}
		if r.Level != risk.High && r.Level != risk.Critical {
			continue
		}
		if strings.TrimSpace(r.Mitigation) == "" {
			add(RiskNoMitigation, RiskNoMitigationCost, name, path, map[string]any{"Score": r.Score})
		}
		if !active[r.OwnerID] {
			add(RiskNoOwner, RiskNoOwnerCost, name, path, map[string]any{"Score": r.Score})
		}
	}
	for _, g := range f.Goals {
		switch g.Status {
		case goal.OffTrack:
			add(GoalOffTrack, GoalOffTrackCost, g.Title, fmt.Sprintf("/goals/%d", g.ID), map[string]any{"Progress": pct(g.Progress)})
		case goal.AtRisk:
			add(GoalAtRisk, GoalAtRiskCost, g.Title, fmt.Sprintf("/goals/%d", g.ID), map[string]any{"Progress": pct(g.Progress)})
		}
	}
	for _, c := range f.Conditions {
		add(ConditionOverdue, ConditionOverdueCost, c.Text, fmt.Sprintf("/reviews/%d", c.ReviewID),
			map[string]any{"Days": c.DueOn.DaysUntil(f.Today), "Milestone": c.MilestoneName})
	}
	if progress, ok := MilestoneProgress(f.Milestones); ok {
		for _, t := range budget.Sum(f.Budget) {
			if t.Planned > 0 && t.Used()-progress > BudgetAheadBy+1e-9 {
				add(BudgetAhead, BudgetAheadCost, t.Currency, "/budget",
					map[string]any{"Spent": pct(t.Used()), "Progress": pct(progress)})
			}
		}
	}

	// Most expensive first (stable: within a cost, the order above); then
	// each kind's costs are capped at KindCostMax, the cheapest items of a
	// kind giving way first.
	sort.SliceStable(items, func(i, j int) bool { return items[i].Cost > items[j].Cost })
	spent := map[DeliveryKind]int{}
	total := 0
	for i := range items {
		it := &items[i]
		it.Cost = min(it.Cost, KindCostMax-spent[it.Kind])
		spent[it.Kind] += it.Cost
		total += it.Cost
	}
	if items == nil {
		items = []DeliveryItem{}
	}
	return Delivery{Score: max(0, DeliveryMax-total), Items: items}
}

// pct is a share as a whole percentage.
func pct(share float64) int {
	if share < 0 {
		return -int(-share*100 + 0.5)
	}
	return int(share*100 + 0.5)
}
