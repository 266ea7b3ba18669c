// Package report assembles the figures of the project dashboard and of the
// portfolio from the other domains' exported query functions. It writes
// nothing and holds no rules of its own beyond how figures are grouped: a
// goal's status is goal.Evaluate's, a milestone's slip milestone.Slip's, a
// risk's level risk.Level's, the health score pitfall.Score's.
//
// Both run a fixed number of queries whatever the size of the project (and,
// for the portfolio, whatever the number of projects): each domain query is
// one set-based statement, and everything else is computed in Go. The tests
// count them with dbtest.CountQueries on a small and a large project.
package report

import (
	"context"
	"sort"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/budget"
	"rollout/internal/change"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/pitfall"
	"rollout/internal/requirement"
	"rollout/internal/risk"
)

// How far back the time series of the dashboard reach.
const (
	ChurnWeeks   = 16  // requirement churn, weeks
	ChangeMonths = 12  // change requests raised, months
	HealthDays   = 90  // health trend, days
	TopRisks     = 5   // risks listed under the heat map
	healthMax    = 100 // pitfall.PointsPerPitfall × 10 pitfalls
)

// DashboardData is every figure the project dashboard shows; the API answers
// it as it is.
type DashboardData struct {
	Project    ProjectInfo      `json:"project"`
	Today      date.Date        `json:"today"`
	Phases     []PhaseProgress  `json:"phases"`
	NextGate   *Gate            `json:"next_gate"`
	Milestones MilestoneFigures `json:"milestones"`
	Goals      GoalFigures      `json:"goals"`
	Backlog    BacklogFigures   `json:"backlog"`
	Risks      RiskFigures      `json:"risks"`
	Changes    ChangeFigures    `json:"changes"`
	Budget     BudgetFigures    `json:"budget"`
	Health     HealthFigures    `json:"health"`
}

// ProjectInfo names the project.
type ProjectInfo struct {
	ID           int64     `json:"-"`
	Key          string    `json:"key"`
	Name         string    `json:"name"`
	CurrentPhase string    `json:"current_phase"`
	StartOn      date.Date `json:"start_on"`
	TargetOn     date.Date `json:"target_on"`
}

// PhaseProgress is one phase of the board: its milestones and deliverables
// done of total. Current marks the project's current phase; a last entry
// with no ID holds the milestones planned in no phase.
type PhaseProgress struct {
	ID                *int64  `json:"id"`
	Name              string  `json:"name"`
	Current           bool    `json:"current"`
	MilestonesDone    int     `json:"milestones_done"`
	MilestonesTotal   int     `json:"milestones_total"`
	DeliverablesDone  int     `json:"deliverables_done"`
	DeliverablesTotal int     `json:"deliverables_total"`
	Share             float64 `json:"share"` // milestones done ÷ total, 0 without milestones
	NextGate          *Gate   `json:"next_gate"`
}

// Gate is a gate milestone not done yet.
type Gate struct {
	ID         int64            `json:"id"`
	Name       string           `json:"name"`
	PhaseName  string           `json:"phase_name"`
	PlannedOn  date.Date        `json:"planned_on"`
	ForecastOn date.Date        `json:"forecast_on"`
	Status     milestone.Status `json:"status"`
	Slip       int              `json:"slip_days"`
	DaysToGo   int              `json:"days_to_go"` // from today to the forecast (else planned) date; negative when past
}

func gateOf(v *milestone.View, today date.Date) *Gate {
	if v == nil {
		return nil
	}
	due := v.PlannedOn
	if !v.ForecastOn.IsZero() {
		due = v.ForecastOn
	}
	return &Gate{ID: v.ID, Name: v.Name, PhaseName: v.PhaseName, PlannedOn: v.PlannedOn, ForecastOn: v.ForecastOn,
		Status: v.Status, Slip: v.Slip, DaysToGo: today.DaysUntil(due)}
}

// MilestoneFigures are the plan's milestones with their slips.
type MilestoneFigures struct {
	Items     []MilestoneSlip          `json:"items"`
	Total     int                      `json:"total"`
	ByStatus  map[milestone.Status]int `json:"by_status"`
	Slipping  int                      `json:"slipping"`   // not done, slip > 0
	WorstSlip int                      `json:"worst_slip"` // the largest slip of a milestone not done (0 when none slips)
}

// MilestoneSlip is one milestone and how late it is or was.
type MilestoneSlip struct {
	ID         int64            `json:"id"`
	Name       string           `json:"name"`
	PhaseName  string           `json:"phase_name"`
	IsGate     bool             `json:"is_gate"`
	PlannedOn  date.Date        `json:"planned_on"`
	ForecastOn date.Date        `json:"forecast_on"`
	ActualOn   date.Date        `json:"actual_on"`
	Status     milestone.Status `json:"status"`
	Slip       int              `json:"slip_days"`
}

// GoalFigures are the goals against their targets; adoption goals (CRM use)
// are kept apart from the business outcomes.
type GoalFigures struct {
	Outcomes []GoalLine          `json:"outcomes"`
	Adoption []GoalLine          `json:"adoption"`
	ByStatus map[goal.Status]int `json:"by_status"`
	Total    int                 `json:"total"`
	OnTrack  int                 `json:"on_track"` // achieved or on track
}

// GoalLine is a goal with its progress.
type GoalLine struct {
	ID        int64         `json:"id"`
	Title     string        `json:"title"`
	Category  goal.Category `json:"category"`
	Unit      string        `json:"unit"`
	Baseline  float64       `json:"baseline"`
	Target    float64       `json:"target"`
	Current   float64       `json:"current"`
	CurrentOn date.Date     `json:"current_on"`
	Progress  float64       `json:"progress"`
	Status    goal.Status   `json:"status"`
	DueOn     date.Date     `json:"due_on"`
}

// BacklogFigures are the backlog's size by tier and its weekly churn.
type BacklogFigures struct {
	Total int                      `json:"total"` // rejected items left out
	Tiers map[requirement.Tier]int `json:"by_tier"`
	Weeks []ChurnWeek              `json:"churn"`
	// Churn is the changes of the whole period by tier (added, removed and
	// moved items together).
	Churn map[requirement.Tier]int `json:"churn_by_tier"`
}

// ChurnWeek is one week's changes to the backlog, per tier: items added,
// removed, moved between tiers or phases, all counted together.
type ChurnWeek struct {
	Week   date.Date                `json:"week"`
	Total  int                      `json:"total"`
	ByTier map[requirement.Tier]int `json:"by_tier"`
	Counts requirement.Counts       `json:"counts"`
}

// RiskFigures are the active risks (open or mitigating): the heat maps, the
// count per level and the highest-rated ones.
type RiskFigures struct {
	Heat    risk.HeatMap          `json:"heat"`
	Active  int                   `json:"active"`
	ByLevel map[risk.Severity]int `json:"by_level"`
	Highest risk.Severity         `json:"highest_level"` // "" with no active risk
	Overdue int                   `json:"overdue"`
	Top     []RiskLine            `json:"top"`
}

// RiskLine is one of the top risks.
type RiskLine struct {
	Number      int           `json:"number"`
	Key         string        `json:"key"`
	Title       string        `json:"title"`
	Category    risk.Category `json:"category"`
	Probability int           `json:"probability"`
	Impact      int           `json:"impact"`
	Score       int           `json:"score"`
	Level       risk.Severity `json:"level"`
	Status      risk.Status   `json:"status"`
	OwnerName   string        `json:"owner_name"`
	Overdue     bool          `json:"overdue"`
}

// ChangeFigures are the change requests by state, and those raised per month.
type ChangeFigures struct {
	ByStatus map[change.Status]int `json:"by_status"`
	Total    int                   `json:"total"`
	Pending  int                   `json:"pending"` // submitted, awaiting the steering committee
	Months   []change.Month        `json:"months"`
}

// BudgetFigures are the budget lines with their spend, the totals per
// currency and the spend per month with its running total.
type BudgetFigures struct {
	Lines   []budget.Line       `json:"lines"`
	Totals  []BudgetTotal       `json:"totals"`
	Monthly []budget.MonthSpend `json:"monthly"`
}

// BudgetTotal is the budget in one currency.
type BudgetTotal struct {
	Currency  string  `json:"currency"`
	Planned   float64 `json:"planned"`
	Actual    float64 `json:"actual"`
	Remaining float64 `json:"remaining"`
	Used      float64 `json:"used"` // actual ÷ planned, 0 without a plan
}

func totalsOf(ls []budget.Line) []BudgetTotal {
	out := []BudgetTotal{}
	for _, t := range budget.Sum(ls) {
		out = append(out, BudgetTotal{Currency: t.Currency, Planned: t.Planned, Actual: t.Actual,
			Remaining: t.Planned - t.Actual, Used: t.Used()})
	}
	return out
}

// HealthFigures are the health score today, its parts and its trend. Score
// is the combined score office.Dashboard sets (the lower of Method and
// Delivery); when there is not enough data to judge, Judged is false, Band is
// NotEnoughData and Score 0.
type HealthFigures struct {
	Score         int                     `json:"score"`
	Judged        bool                    `json:"judged"`
	Method        int                     `json:"method"`
	Delivery      int                     `json:"delivery"`
	DeliveryItems int                     `json:"delivery_items"` // the delivery signals that cost points
	Max           int                     `json:"max"`
	Band          Band                    `json:"band"`
	Pitfalls      []pitfall.PitfallHealth `json:"pitfalls"`
	Findings      int                     `json:"findings"`
	Critical      int                     `json:"critical"`
	Warnings      int                     `json:"warnings"`
	Trend         []pitfall.Point         `json:"trend"` // daily snapshots, ending with today's score
	// Computed is the health as computed now, for the caller to snapshot.
	Computed *pitfall.Health `json:"-"`
}

// Band is a health score's class.
type Band string

// Bands of the health score: good from GoodMin, fair from FairMin, poor
// below; unknown for a project never scored (the portfolio reads snapshots).
const (
	Good    Band = "good"
	Fair    Band = "fair"
	Poor    Band = "poor"
	Unknown Band = "unknown"
	// NotEnoughData: the project holds too little to judge (office.EnoughData).
	NotEnoughData Band = "not_enough_data"
	GoodMin            = pitfall.HealthyFrom
	FairMin            = pitfall.SlidingFrom
)

// Bands lists the bands, best first.
var Bands = []Band{Good, Fair, Poor, NotEnoughData, Unknown}

// BandOf returns the band of a score.
func BandOf(score int) Band {
	switch {
	case score >= GoodMin:
		return Good
	case score >= FairMin:
		return Fair
	}
	return Poor
}

// Dashboard assembles the dashboard of a project on a day, in a fixed number
// of queries: the pitfall facts (which already hold the project, its phases,
// goals and milestones), the assessments, the churn, the active risks, the
// change requests by state and by month, the budget lines and monthly spend,
// and the health trend.
func Dashboard(ctx context.Context, db bun.IDB, projectID int64, today date.Date) (*DashboardData, error) {
	facts, err := pitfall.Gather(ctx, db, projectID, today)
	if err != nil {
		return nil, err
	}
	d := &DashboardData{Today: today}
	p := facts.Project
	d.Project = ProjectInfo{ID: p.ID, Key: p.Key, Name: p.Name, StartOn: p.StartOn, TargetOn: p.TargetOn}

	// Phases, the next gate and the slips.
	boards := milestone.Board(facts.Phases, facts.Milestones)
	d.Phases = make([]PhaseProgress, 0, len(boards))
	for i := range boards {
		b := &boards[i]
		pp := PhaseProgress{Name: b.Phase.Name, MilestonesDone: b.Done, MilestonesTotal: b.Total,
			DeliverablesDone: b.DeliverablesDone, DeliverablesTotal: b.DeliverablesTotal, NextGate: gateOf(b.NextGate, today)}
		if b.Phase.ID != 0 {
			id := b.Phase.ID
			pp.ID = &id
			if p.CurrentPhaseID != nil && *p.CurrentPhaseID == id {
				pp.Current = true
				d.Project.CurrentPhase = b.Phase.Name
			}
		}
		if b.Total > 0 {
			pp.Share = float64(b.Done) / float64(b.Total)
		}
		if d.NextGate == nil && pp.NextGate != nil {
			d.NextGate = pp.NextGate
		}
		d.Phases = append(d.Phases, pp)
	}
	d.Milestones = milestoneFigures(facts.Milestones)

	// Goals.
	d.Goals = goalFigures(facts.Goals)

	// The backlog.
	d.Backlog.Tiers = map[requirement.Tier]int{}
	for _, s := range facts.Summaries {
		d.Backlog.Total += s.Total
		d.Backlog.Tiers[requirement.Must] += s.Must
		d.Backlog.Tiers[requirement.Important] += s.Important
		d.Backlog.Tiers[requirement.Optional] += s.Optional
	}
	weeks, err := requirement.Churn(ctx, db, projectID, today.AddDays(-7*(ChurnWeeks-1)), today)
	if err != nil {
		return nil, err
	}
	d.Backlog.Weeks, d.Backlog.Churn = churnOf(weeks)

	// Risks.
	active, err := risk.List(ctx, db, projectID, risk.Filter{Status: risk.ActiveStatuses, Sort: risk.SortScore}, today)
	if err != nil {
		return nil, err
	}
	d.Risks = riskFigures(active)

	// Change requests.
	if d.Changes, err = changeFigures(ctx, db, projectID, today); err != nil {
		return nil, err
	}

	// Budget.
	lines, err := budget.Lines(ctx, db, projectID)
	if err != nil {
		return nil, err
	}
	if lines == nil {
		lines = []budget.Line{}
	}
	monthly, err := budget.Monthly(ctx, db, projectID)
	if err != nil {
		return nil, err
	}
	if monthly == nil {
		monthly = []budget.MonthSpend{}
	}
	d.Budget = BudgetFigures{Lines: lines, Totals: totalsOf(lines), Monthly: monthly}

	// Health: pitfall.Compute's steps on the facts already read (the method
	// part; office.Dashboard adds delivery and combines them).
	as, err := pitfall.Assessments(ctx, db, projectID)
	if err != nil {
		return nil, err
	}
	h := pitfall.HealthOf(facts, as)
	trend, err := pitfall.Trend(ctx, db, projectID, today.AddDays(-HealthDays))
	if err != nil {
		return nil, err
	}
	d.Health = healthFigures(h, trend, today)
	return d, nil
}

func milestoneFigures(vs []milestone.View) MilestoneFigures {
	f := MilestoneFigures{Items: make([]MilestoneSlip, 0, len(vs)), Total: len(vs), ByStatus: map[milestone.Status]int{}}
	for _, v := range vs {
		f.Items = append(f.Items, MilestoneSlip{ID: v.ID, Name: v.Name, PhaseName: v.PhaseName, IsGate: v.IsGate,
			PlannedOn: v.PlannedOn, ForecastOn: v.ForecastOn, ActualOn: v.ActualOn, Status: v.Status, Slip: v.Slip})
		f.ByStatus[v.Status]++
		if v.Status != milestone.Done && v.Slip > 0 {
			f.Slipping++
			f.WorstSlip = max(f.WorstSlip, v.Slip)
		}
	}
	return f
}

func goalFigures(vs []goal.View) GoalFigures {
	f := GoalFigures{Outcomes: []GoalLine{}, Adoption: []GoalLine{}, ByStatus: map[goal.Status]int{}, Total: len(vs)}
	for _, v := range vs {
		line := GoalLine{ID: v.ID, Title: v.Title, Category: v.Category, Unit: v.Unit, Baseline: v.Baseline,
			Target: v.Target, Current: v.Current, CurrentOn: v.CurrentOn, Progress: v.Progress, Status: v.Status, DueOn: v.DueOn}
		if v.Category == goal.Adoption {
			f.Adoption = append(f.Adoption, line)
		} else {
			f.Outcomes = append(f.Outcomes, line)
		}
		f.ByStatus[v.Status]++
		if v.Status == goal.Achieved || v.Status == goal.OnTrack {
			f.OnTrack++
		}
	}
	return f
}

func churnOf(weeks []requirement.Week) ([]ChurnWeek, map[requirement.Tier]int) {
	sum := func(c requirement.Counts) int { return c.Added + c.Removed + c.TierMoves + c.PhaseMoves }
	out := make([]ChurnWeek, 0, len(weeks))
	period := map[requirement.Tier]int{}
	for _, w := range weeks {
		cw := ChurnWeek{Week: w.Week, Total: sum(w.Total), Counts: w.Total, ByTier: map[requirement.Tier]int{}}
		for _, t := range requirement.Tiers {
			cw.ByTier[t] = sum(w.ByTier[t])
			period[t] += cw.ByTier[t]
		}
		out = append(out, cw)
	}
	return out, period
}

func riskFigures(active []risk.View) RiskFigures {
	f := RiskFigures{Heat: risk.Count(active), Active: len(active), ByLevel: map[risk.Severity]int{}, Top: []RiskLine{}}
	for _, v := range active {
		f.ByLevel[v.Level]++
		if f.Highest == "" || levelRank(v.Level) > levelRank(f.Highest) {
			f.Highest = v.Level
		}
		if v.Overdue {
			f.Overdue++
		}
	}
	// risk.List sorted them by score, highest first.
	for _, v := range active[:min(TopRisks, len(active))] {
		f.Top = append(f.Top, RiskLine{Number: v.Number, Key: v.Key, Title: v.Title, Category: v.Category,
			Probability: v.Probability, Impact: v.Impact, Score: v.Score, Level: v.Level, Status: v.Status,
			OwnerName: v.OwnerName, Overdue: v.Overdue})
	}
	return f
}

// levelRank orders risk levels, low 1 … critical 4 ("" 0).
func levelRank(s risk.Severity) int {
	for i, l := range risk.Levels {
		if l == s {
			return i + 1
		}
	}
	return 0
}

func changeFigures(ctx context.Context, db bun.IDB, projectID int64, today date.Date) (ChangeFigures, error) {
	f := ChangeFigures{ByStatus: map[change.Status]int{}}
	var rows []struct {
		Status change.Status `bun:"status"`
		N      int           `bun:"n"`
	}
	err := db.NewSelect().TableExpr("change_requests AS cr").ColumnExpr("cr.status, count(*) AS n").
		Where("cr.project_id = ?", projectID).GroupExpr("cr.status").Scan(ctx, &rows)
	if err != nil {
		return f, database.MapError(err)
	}
	for _, r := range rows {
		f.ByStatus[r.Status] = r.N
		f.Total += r.N
		if r.Status == change.Submitted {
			f.Pending = r.N
		}
	}
	t := today.Time()
	if f.Months, err = change.Monthly(ctx, db, projectID, date.New(t.Year(), t.Month()-(ChangeMonths-1), 1), today); err != nil {
		return f, err
	}
	if f.Months == nil {
		f.Months = []change.Month{}
	}
	return f, nil
}

func healthFigures(h *pitfall.Health, trend []pitfall.Point, today date.Date) HealthFigures {
	f := HealthFigures{Score: h.Score, Judged: true, Method: h.Score, Delivery: healthMax, Max: healthMax, Band: BandOf(h.Score),
		Pitfalls: h.Pitfalls, Findings: len(h.Findings), Computed: h}
	for _, fd := range h.Findings {
		if fd.Severity == pitfall.Critical {
			f.Critical++
		} else {
			f.Warnings++
		}
	}
	// The trend ends with today's score as computed now, whether or not it
	// has been kept yet.
	out := make([]pitfall.Point, 0, len(trend)+1)
	for _, pt := range trend {
		if pt.Day != today {
			out = append(out, pt)
		}
	}
	out = append(out, pitfall.Point{Day: today, Score: h.Score})
	sort.Slice(out, func(i, j int) bool { return out[i].Day.Before(out[j].Day) })
	f.Trend = out
	return f
}

// Combine sets the combined score (nil: not enough data to judge) and the
// delivery part, and ends the trend with the combined score of today (no
// point today when not judged).
func (f *HealthFigures) Combine(score *int, delivery, items int) {
	f.Delivery, f.DeliveryItems, f.Judged = delivery, items, score != nil
	out := f.Trend[:0:0]
	for _, pt := range f.Trend {
		if pt.Day != f.Trend[len(f.Trend)-1].Day {
			out = append(out, pt)
		}
	}
	if score == nil {
		f.Score, f.Band = 0, NotEnoughData
	} else {
		f.Score, f.Band = *score, BandOf(*score)
		if len(f.Trend) > 0 {
			out = append(out, pitfall.Point{Day: f.Trend[len(f.Trend)-1].Day, Score: *score})
		}
	}
	f.Trend = out
}

// LatestReview returns the review whose pack the "latest gate pack" export
// writes: the review decided last (its pack is frozen), else the review
// scheduled last (its pack is built live); nil when there is none.
func LatestReview(ctx context.Context, db bun.IDB, projectID int64) (*milestone.Review, error) {
	r := new(milestone.Review)
	err := db.NewSelect().Model(r).
		ColumnExpr("gr.*, m.name AS milestone_name, coalesce(u.name, '') AS decided_by_name").
		Join("JOIN milestones AS m ON m.id = gr.milestone_id").
		Join("LEFT JOIN users AS u ON u.id = gr.decided_by").
		Where("gr.project_id = ?", projectID).
		OrderExpr("gr.decided_at DESC NULLS LAST, gr.scheduled_on DESC, gr.id DESC").Limit(1).Scan(ctx)
	if err = database.MapError(err); apperr.Is(err, apperr.KindNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}
