package report

import (
	"context"
	"sort"
	"strings"

	"github.com/uptrace/bun"

	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/project"
	"rollout/internal/risk"
)

// PortfolioData is every active project a user may see, one row each, and a
// summary of them all.
type PortfolioData struct {
	Rows    []PortfolioRow   `json:"items"`
	Summary PortfolioSummary `json:"summary"`
}

// PortfolioRow is one project of the portfolio.
type PortfolioRow struct {
	ID    int64        `json:"-"`
	Key   string       `json:"key"`
	Name  string       `json:"name"`
	Role  project.Role `json:"role,omitempty"` // "" for an admin who is not a member
	Phase string       `json:"phase"`          // the current phase's name
	// NextGate is the first gate not done, in phase order then by date (as
	// on the dashboard).
	NextGate *Gate `json:"next_gate"`
	// Slip is the largest slip in days of a milestone not done yet.
	Slip int `json:"slip_days"`
	// Health is the latest kept combined health score (nil when never
	// scored, and when the latest snapshot had not enough data to judge:
	// Band says which).
	Health   *int      `json:"health"`
	HealthOn date.Date `json:"health_on"`
	Band     Band      `json:"health_band"`
	// HighestRisk is the level of the highest-rated active risk ("" with none).
	HighestRisk  risk.Severity `json:"highest_risk_level"`
	GoalsOnTrack int           `json:"goals_on_track"` // achieved or on track
	GoalsTotal   int           `json:"goals_total"`
	// Budget: planned and spent in one currency; with lines in several
	// currencies, BudgetCurrency is "mixed" and the sums are left out.
	BudgetCurrency string   `json:"budget_currency"` // "" without budget lines
	BudgetPlanned  float64  `json:"budget_planned"`
	BudgetActual   float64  `json:"budget_actual"`
	BudgetUsed     *float64 `json:"budget_used"` // actual ÷ planned; nil without a plan or when mixed
}

// Mixed is the budget currency of a project with lines in several currencies.
const Mixed = "mixed"

// GoalShare is the share of goals achieved or on track (0 without goals).
func (r PortfolioRow) GoalShare() float64 {
	if r.GoalsTotal == 0 {
		return 0
	}
	return float64(r.GoalsOnTrack) / float64(r.GoalsTotal)
}

// PortfolioSummary sums the rows up.
type PortfolioSummary struct {
	Projects     int                   `json:"projects"`
	ByBand       map[Band]int          `json:"by_health_band"`
	ByRisk       map[risk.Severity]int `json:"by_highest_risk_level"`
	WithSlip     int                   `json:"with_slip"` // projects with a milestone not done that slips
	GoalsOnTrack int                   `json:"goals_on_track"`
	GoalsTotal   int                   `json:"goals_total"`
	Budget       []BudgetTotal         `json:"budget"` // per currency, over every project
}

// LiveHealth scores a project's health as it stands (the combined score of
// office.ComputeHealth; nil when there is not enough data to judge), for a
// project whose latest snapshot is older than its data. revision is the
// project's change counter, for a cache.
type LiveHealth func(ctx context.Context, projectID, revision int64) (*int, error)

// Portfolio returns the active projects the user may see (every one for an
// admin) with their figures on a day, in seven queries whatever the number
// of projects: the projects, their current phases, their milestones, their
// latest health snapshots, their highest active risk, their goals with their
// latest value, and their budget per currency. A user who sees no project
// costs one query.
//
// The health shown is the project pages' own: a snapshot kept today at the
// project's current revision (office.SnapshotHealth keeps them fresh), else
// live's score for the project as it stands — the only part whose cost
// grows with the projects changed since the last snapshot round. With live
// nil, the latest snapshot stands.
func Portfolio(ctx context.Context, db bun.IDB, userID int64, isAdmin bool, today date.Date, live LiveHealth) (*PortfolioData, error) {
	ps, err := project.ListFor(ctx, db, userID, isAdmin, false)
	if err != nil {
		return nil, err
	}
	out := &PortfolioData{Rows: make([]PortfolioRow, 0, len(ps)),
		Summary: PortfolioSummary{ByBand: map[Band]int{}, ByRisk: map[risk.Severity]int{}, Budget: []BudgetTotal{}}}
	if len(ps) == 0 {
		return out, nil
	}
	ids := make([]int64, len(ps))
	index := make(map[int64]int, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
		index[p.ID] = i
		out.Rows = append(out.Rows, PortfolioRow{ID: p.ID, Key: p.Key, Name: p.Name, Role: p.Role, Band: Unknown})
	}
	row := func(projectID int64) *PortfolioRow { return &out.Rows[index[projectID]] }
	in := bun.List(ids)

	// Current phases.
	var phases []struct {
		ProjectID int64  `bun:"project_id"`
		Name      string `bun:"name"`
	}
	if err := db.NewSelect().TableExpr("projects AS p").ColumnExpr("p.id AS project_id, ph.name").
		Join("JOIN phases AS ph ON ph.id = p.current_phase_id").Where("p.id IN (?)", in).Scan(ctx, &phases); err != nil {
		return nil, database.MapError(err)
	}
	for _, ph := range phases {
		row(ph.ProjectID).Phase = ph.Name
	}

	// Milestones: the next gate and the worst slip, by the plan's own rules
	// (milestone.ListProjects measures slip as the dashboard does, against
	// the latest baseline; the next gate is milestone.Board's).
	ms, err := milestone.ListProjects(ctx, db, ids, today)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		m := &ms[i]
		if m.Status == milestone.Done {
			continue
		}
		r := row(m.ProjectID)
		r.Slip = max(r.Slip, m.Slip)
		if m.IsGate && r.NextGate == nil {
			r.NextGate = gateOf(m, today)
		}
	}

	// Health: the latest snapshot of each project (the combined score,
	// office.SnapshotHealth) when it was kept today at the project's
	// current revision; else the score as it stands, from live.
	var hs []struct {
		ProjectID int64     `bun:"project_id"`
		Day       date.Date `bun:"day,type:date"`
		Score     *int      `bun:"score"`
		Revision  *int64    `bun:"revision"`
	}
	if err := db.NewSelect().TableExpr("health_snapshots AS hs").DistinctOn("hs.project_id").
		ColumnExpr("hs.project_id, hs.day, hs.score").
		ColumnExpr("CASE WHEN jsonb_typeof(hs.breakdown) = 'object' THEN (hs.breakdown->>'revision')::bigint END AS revision").
		Where("hs.project_id IN (?)", in).
		OrderExpr("hs.project_id, hs.day DESC").Scan(ctx, &hs); err != nil {
		return nil, database.MapError(err)
	}
	fresh := map[int64]bool{}
	for _, h := range hs {
		r := row(h.ProjectID)
		r.HealthOn, r.Band = h.Day, NotEnoughData
		if h.Score != nil {
			r.Health, r.Band = h.Score, BandOf(*h.Score)
		}
		fresh[h.ProjectID] = h.Day == today && h.Revision != nil && *h.Revision == ps[index[h.ProjectID]].Revision
	}
	if live != nil {
		for _, p := range ps {
			if fresh[p.ID] {
				continue
			}
			score, err := live(ctx, p.ID, p.Revision)
			if err != nil {
				return nil, err
			}
			r := row(p.ID)
			r.HealthOn, r.Health, r.Band = today, score, NotEnoughData
			if score != nil {
				r.Band = BandOf(*score)
			}
		}
	}

	// The highest-rated active risk.
	var rs []struct {
		ProjectID int64 `bun:"project_id"`
		Score     int   `bun:"score"`
	}
	if err := db.NewSelect().TableExpr("risks AS k").ColumnExpr("k.project_id, max(k.probability * k.impact) AS score").
		Where("k.project_id IN (?) AND k.status IN (?, ?)", in, risk.Open, risk.Mitigating).
		GroupExpr("k.project_id").Scan(ctx, &rs); err != nil {
		return nil, database.MapError(err)
	}
	for _, r := range rs {
		row(r.ProjectID).HighestRisk = risk.Level(r.Score)
	}

	// Goals with their latest value; the status is goal.Evaluate's.
	var gs []struct {
		ProjectID int64     `bun:"project_id"`
		Baseline  float64   `bun:"baseline"`
		Target    float64   `bun:"target"`
		StartOn   date.Date `bun:"start_on,type:date"`
		DueOn     date.Date `bun:"due_on,type:date"`
		Current   float64   `bun:"current_value"`
	}
	if err := db.NewSelect().TableExpr("goals AS g").
		ColumnExpr("g.project_id, g.baseline, g.target, g.start_on, g.due_on, coalesce(lm.value, g.baseline) AS current_value").
		Join(`LEFT JOIN LATERAL (SELECT value FROM measurements AS ml WHERE ml.goal_id = g.id
			ORDER BY measured_on DESC, id DESC LIMIT 1) AS lm ON true`).
		Where("g.project_id IN (?)", in).Scan(ctx, &gs); err != nil {
		return nil, database.MapError(err)
	}
	for _, g := range gs {
		r := row(g.ProjectID)
		r.GoalsTotal++
		if _, s := goal.Evaluate(g.Baseline, g.Target, g.Current, g.StartOn, g.DueOn, today); s == goal.Achieved || s == goal.OnTrack {
			r.GoalsOnTrack++
		}
	}

	// Budget per project and currency.
	var bs []struct {
		ProjectID int64   `bun:"project_id"`
		Currency  string  `bun:"currency"`
		Planned   float64 `bun:"planned"`
		Actual    float64 `bun:"actual"`
	}
	if err := db.NewSelect().TableExpr("budget_lines AS bl").
		ColumnExpr("bl.project_id, bl.currency, sum(bl.planned) AS planned, coalesce(sum(a.actual), 0) AS actual").
		Join(`LEFT JOIN (SELECT se.line_id, sum(se.amount) AS actual FROM spend_entries AS se
			WHERE se.project_id IN (?) GROUP BY se.line_id) AS a ON a.line_id = bl.id`, in).
		Where("bl.project_id IN (?)", in).GroupExpr("bl.project_id, bl.currency").OrderExpr("bl.currency").
		Scan(ctx, &bs); err != nil {
		return nil, database.MapError(err)
	}
	total := map[string]*BudgetTotal{}
	var currencies []string
	for _, b := range bs {
		r := row(b.ProjectID)
		switch r.BudgetCurrency {
		case "":
			r.BudgetCurrency, r.BudgetPlanned, r.BudgetActual = b.Currency, b.Planned, b.Actual
		default:
			r.BudgetCurrency, r.BudgetPlanned, r.BudgetActual = Mixed, 0, 0
		}
		t, ok := total[b.Currency]
		if !ok {
			t = &BudgetTotal{Currency: b.Currency}
			total[b.Currency] = t
			currencies = append(currencies, b.Currency)
		}
		t.Planned += b.Planned
		t.Actual += b.Actual
	}
	sort.Strings(currencies)
	for _, c := range currencies {
		t := total[c]
		t.Remaining = t.Planned - t.Actual
		if t.Planned != 0 {
			t.Used = t.Actual / t.Planned
		}
		out.Summary.Budget = append(out.Summary.Budget, *t)
	}

	for i := range out.Rows {
		r := &out.Rows[i]
		if r.BudgetCurrency != "" && r.BudgetCurrency != Mixed && r.BudgetPlanned != 0 {
			used := r.BudgetActual / r.BudgetPlanned
			r.BudgetUsed = &used
		}
		s := &out.Summary
		s.Projects++
		s.ByBand[r.Band]++
		if r.HighestRisk != "" {
			s.ByRisk[r.HighestRisk]++
		}
		if r.Slip > 0 {
			s.WithSlip++
		}
		s.GoalsOnTrack += r.GoalsOnTrack
		s.GoalsTotal += r.GoalsTotal
	}
	return out, nil
}

// Portfolio columns to sort by.
const (
	SortName   = "name"
	SortKey    = "key"
	SortPhase  = "phase"
	SortGate   = "gate"
	SortSlip   = "slip"
	SortHealth = "health"
	SortRisk   = "risk"
	SortGoals  = "goals"
	SortBudget = "budget"
)

// SortColumns lists the columns the portfolio sorts by, in table order.
var SortColumns = []string{SortKey, SortName, SortPhase, SortGate, SortSlip, SortHealth, SortRisk, SortGoals, SortBudget}

// Sort orders the rows by a column, ascending or descending; rows without a
// value in it (no next gate, never scored, no budget) come last either way,
// and ties go by name. An unknown column is refused with false.
func (d *PortfolioData) Sort(column string, desc bool) bool {
	// key returns the row's value in the column, and whether it has one.
	var key func(r *PortfolioRow) (float64, string, bool)
	switch column {
	case SortName, "":
		key = func(r *PortfolioRow) (float64, string, bool) { return 0, strings.ToLower(r.Name), true }
	case SortKey:
		key = func(r *PortfolioRow) (float64, string, bool) { return 0, r.Key, true }
	case SortPhase:
		key = func(r *PortfolioRow) (float64, string, bool) { return 0, strings.ToLower(r.Phase), r.Phase != "" }
	case SortGate:
		key = func(r *PortfolioRow) (float64, string, bool) {
			if r.NextGate == nil {
				return 0, "", false
			}
			return float64(r.NextGate.DaysToGo), "", true
		}
	case SortSlip:
		key = func(r *PortfolioRow) (float64, string, bool) { return float64(r.Slip), "", true }
	case SortHealth:
		key = func(r *PortfolioRow) (float64, string, bool) {
			if r.Health == nil {
				return 0, "", false
			}
			return float64(*r.Health), "", true
		}
	case SortRisk:
		key = func(r *PortfolioRow) (float64, string, bool) { return float64(levelRank(r.HighestRisk)), "", true }
	case SortGoals:
		key = func(r *PortfolioRow) (float64, string, bool) { return r.GoalShare(), "", r.GoalsTotal > 0 }
	case SortBudget:
		key = func(r *PortfolioRow) (float64, string, bool) {
			if r.BudgetUsed == nil {
				return 0, "", false
			}
			return *r.BudgetUsed, "", true
		}
	default:
		return false
	}
	sort.SliceStable(d.Rows, func(i, j int) bool {
		a, b := &d.Rows[i], &d.Rows[j]
		na, sa, oka := key(a)
		nb, sb, okb := key(b)
		if oka != okb {
			return oka // rows with a value first
		}
		if na != nb || sa != sb {
			less := na < nb || (na == nb && sa < sb)
			if desc {
				return !less
			}
			return less
		}
		return strings.ToLower(a.Name) < strings.ToLower(b.Name) || (strings.EqualFold(a.Name, b.Name) && a.Key < b.Key)
	})
	return true
}
