package risk

import (
	"context"
	"slices"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/database"
	"rollout/internal/date"
)

// View is a risk as the register shows it: with its owner, its score and
// level (inherent and residual), whether its review is overdue, and how
// often it has been reviewed.
type View struct {
	Risk `bun:",extend"`

	OwnerName      string    `bun:"owner_name" json:"owner_name"`
	OwnerEmail     string    `bun:"owner_email" json:"-"`
	ReviewCount    int       `bun:"review_count" json:"review_count"`
	LastReviewedOn date.Date `bun:"last_reviewed_on,type:date" json:"last_reviewed_on"`
	MilestoneName  string    `bun:"milestone_name" json:"milestone_name"`

	Score         int      `bun:"-" json:"score"`
	Level         Severity `bun:"-" json:"level"`
	ResidualScore *int     `bun:"-" json:"residual_score"`
	ResidualLevel Severity `bun:"-" json:"residual_level,omitempty"`
	Overdue       bool     `bun:"-" json:"overdue"`
}

// HasResidual reports whether the risk has a residual rating.
func (v *View) HasResidual() bool { return v.ResidualProbability != nil && v.ResidualImpact != nil }

func (v *View) evaluate(today date.Date) {
	v.Score = Score(v.Probability, v.Impact)
	v.Level = Level(v.Score)
	if v.HasResidual() {
		s := Score(*v.ResidualProbability, *v.ResidualImpact)
		v.ResidualScore, v.ResidualLevel = &s, Level(s)
	}
	v.Overdue = IsOverdue(v.Status, v.NextReviewOn, today)
}

// IsOverdue reports whether a risk's review is late: it is still active and
// its next review date has passed.
func IsOverdue(s Status, nextReview, today date.Date) bool {
	return s.Active() && !nextReview.IsZero() && nextReview.Before(today)
}

// Map names one of the two heat maps.
type Map string

// The heat maps: the rating as it stands, and the rating expected once the
// mitigation has worked.
const (
	Inherent Map = "inherent"
	Residual Map = "residual"
)

// ActiveStatuses is the Filter.Status value for open and mitigating risks together.
const ActiveStatuses = "active"

// Sort orders of the register.
const (
	SortScore  = "score"  // highest score first (the default)
	SortKey    = "key"    // by number
	SortReview = "review" // next review first, risks without a date last
)

// Filter narrows and orders the register. Zero values filter nothing.
type Filter struct {
	Category Category
	Level    Severity
	Status   string // a Status, or ActiveStatuses
	OwnerID  int64
	Overdue  bool
	// A heat-map cell (or a row or column of one): probability and impact,
	// of the inherent map or of the residual one.
	Probability, Impact int
	Map                 Map
	Sort                string
}

// Check refuses filter values that name nothing, one message per field.
func (f Filter) Check() error {
	fields := map[string]apperr.Message{}
	if f.Category != "" && !slices.Contains(Categories, f.Category) {
		fields["category"] = apperr.Msg("risk.filter_unknown", "Value", string(f.Category))
	}
	if f.Level != "" && !slices.Contains(Levels, f.Level) {
		fields["level"] = apperr.Msg("risk.filter_unknown", "Value", string(f.Level))
	}
	if f.Status != "" && f.Status != ActiveStatuses && !slices.Contains(Statuses, Status(f.Status)) {
		fields["status"] = apperr.Msg("risk.filter_unknown", "Value", f.Status)
	}
	if f.Probability != 0 && !inScale(f.Probability) {
		fields["p"] = apperr.Msg("risk.probability_range")
	}
	if f.Impact != 0 && !inScale(f.Impact) {
		fields["i"] = apperr.Msg("risk.impact_range")
	}
	if f.Map != "" && f.Map != Inherent && f.Map != Residual {
		fields["map"] = apperr.Msg("risk.filter_unknown", "Value", string(f.Map))
	}
	switch f.Sort {
	case "", SortScore, SortKey, SortReview:
	default:
		fields["sort"] = apperr.Msg("risk.filter_unknown", "Value", f.Sort)
	}
	return apperr.InvalidIf(fields)
}

// Cell reports whether the filter picks a heat-map cell, row or column.
func (f Filter) Cell() bool { return f.Probability != 0 || f.Impact != 0 }

// List returns the project's risks that pass the filter, in its order, in one
// query whatever the number of risks and reviews.
func List(ctx context.Context, db bun.IDB, projectID int64, f Filter, today date.Date) ([]View, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	var vs []View
	q := selectViews(db, &vs).Where("r.project_id = ?", projectID)
	if f.Category != "" {
		q = q.Where("r.category = ?", f.Category)
	}
	if f.Level != "" {
		lo, hi := f.Level.Range()
		q = q.Where("r.probability * r.impact BETWEEN ? AND ?", lo, hi)
	}
	switch f.Status {
	case "":
	case ActiveStatuses:
		q = q.Where("r.status IN (?, ?)", Open, Mitigating)
	default:
		q = q.Where("r.status = ?", f.Status)
	}
	if f.OwnerID != 0 {
		q = q.Where("r.owner_id = ?", f.OwnerID)
	}
	if f.Overdue {
		q = q.Where("r.status IN (?, ?) AND r.next_review_on < ?", Open, Mitigating, today)
	}
	p, i := "r.probability", "r.impact"
	if f.Map == Residual {
		p, i = "r.residual_probability", "r.residual_impact"
	}
	if f.Probability != 0 {
		q = q.Where("? = ?", bun.Safe(p), f.Probability)
	}
	if f.Impact != 0 {
		q = q.Where("? = ?", bun.Safe(i), f.Impact)
	}
	switch f.Sort {
	case SortKey:
		q = q.OrderExpr("r.number")
	case SortReview:
		q = q.OrderExpr("r.next_review_on NULLS LAST, r.probability * r.impact DESC, r.number")
	default:
		q = q.OrderExpr("r.probability * r.impact DESC, r.impact DESC, r.number")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, database.MapError(err)
	}
	for i := range vs {
		vs[i].evaluate(today)
	}
	return vs, nil
}

// GetView returns one risk with its figures.
func GetView(ctx context.Context, db bun.IDB, projectID int64, number int, today date.Date) (*View, error) {
	v := new(View)
	if err := selectViews(db, v).Where("r.project_id = ? AND r.number = ?", projectID, number).Scan(ctx); err != nil {
		return nil, database.MapError(err)
	}
	v.evaluate(today)
	return v, nil
}

func selectViews(db bun.IDB, model any) *bun.SelectQuery {
	return db.NewSelect().Model(model).
		ColumnExpr("r.*").
		ColumnExpr("p.key || '-R-' || r.number AS key").
		ColumnExpr("u.name AS owner_name, u.email AS owner_email").
		ColumnExpr("rv.review_count, rv.last_reviewed_on").
		ColumnExpr("coalesce(ms.name, '') AS milestone_name").
		Join("JOIN projects AS p ON p.id = r.project_id").
		Join("JOIN users AS u ON u.id = r.owner_id").
		Join("LEFT JOIN milestones AS ms ON ms.id = r.milestone_id").
		// One index range of risk_reviews_risk_idx per risk gives both the
		// count and the last review (two correlated sub-plans before).
		Join(`CROSS JOIN LATERAL (SELECT count(*) AS review_count, max(rc.reviewed_on) AS last_reviewed_on
			FROM risk_reviews AS rc WHERE rc.risk_id = r.id) AS rv`)
}

// HeatMap counts risks per cell of the two 5 × 5 grids. Inherent[p-1][i-1]
// is the number of risks rated probability p and impact i as they stand;
// Residual the same for their residual rating, which only risks that have
// one (Total − Unassessed of them) appear in.
type HeatMap struct {
	Inherent   [Scale][Scale]int `json:"inherent"`
	Residual   [Scale][Scale]int `json:"residual"`
	Total      int               `json:"total"`
	Unassessed int               `json:"unassessed"` // risks without a residual rating
}

// Count returns the heat maps of the given risks.
func Count(vs []View) HeatMap {
	var h HeatMap
	for _, v := range vs {
		h.Total++
		h.Inherent[v.Probability-1][v.Impact-1]++
		if v.HasResidual() {
			h.Residual[*v.ResidualProbability-1][*v.ResidualImpact-1]++
		} else {
			h.Unassessed++
		}
	}
	return h
}

// Heat returns the heat maps of the risks that pass the filter, leaving out
// its cell: the maps show where the filtered risks sit, and a cell then
// narrows the list further.
func Heat(ctx context.Context, db bun.IDB, projectID int64, f Filter, today date.Date) (HeatMap, error) {
	_, h, err := Register(ctx, db, projectID, f, today)
	return h, err
}

// Register returns the risks that pass the filter and the heat maps of the
// filter without its cell (as Heat), from one read of the register: the
// list is the maps' risks narrowed to the cell, in the same order.
func Register(ctx context.Context, db bun.IDB, projectID int64, f Filter, today date.Date) ([]View, HeatMap, error) {
	if err := f.Check(); err != nil {
		return nil, HeatMap{}, err
	}
	all := f
	all.Probability, all.Impact, all.Map = 0, 0, ""
	vs, err := List(ctx, db, projectID, all, today)
	if err != nil {
		return nil, HeatMap{}, err
	}
	h := Count(vs)
	if f.Probability == 0 && f.Impact == 0 {
		return vs, h, nil
	}
	out := make([]View, 0, len(vs))
	for _, v := range vs {
		p, i := v.Probability, v.Impact
		if f.Map == Residual {
			if !v.HasResidual() {
				continue
			}
			p, i = *v.ResidualProbability, *v.ResidualImpact
		}
		if (f.Probability == 0 || p == f.Probability) && (f.Impact == 0 || i == f.Impact) {
			out = append(out, v)
		}
	}
	return out, h, nil
}
