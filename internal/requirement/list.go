package requirement

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"rollout/internal/database"
)

// Filter narrows the backlog. Zero values mean "any". Phase "none" finds the
// items not planned in a phase yet.
type Filter struct {
	Tier     Tier     `query:"tier"`
	Phase    string   `query:"phase"` // a phase id, or "none"
	Status   Status   `query:"status"`
	Kind     Kind     `query:"kind"`
	Approach Approach `query:"approach"`
	OwnerID  int64    `query:"owner"`
	GoalID   int64    `query:"goal"`
	Text     string   `query:"q"`
	Number   int      `query:"-"` // one requirement by number
	After    int64    `query:"-"` // keyset cursor: items ranked after this rank
	Limit    int      `query:"-"`
}

// View is a requirement as the backlog shows it.
type View struct {
	Requirement `bun:",extend"`

	Key       string `bun:"key" json:"key"`
	OwnerName string `bun:"owner_name" json:"owner_name"`
	PhaseName string `bun:"phase_name" json:"phase_name"`
}

// ViewOf is r as List shows it when that needs no read: r names no owner and
// no phase, whose names List joins. ok is false otherwise.
func ViewOf(r *Requirement, projectKey string) (v View, ok bool) {
	if r.OwnerID != nil || r.PhaseID != nil {
		return View{}, false
	}
	v = View{Requirement: *r, Key: projectKey + "-" + strconv.Itoa(r.Number)}
	v.GoalIDs = slices.Sorted(slices.Values(r.GoalIDs))
	if v.GoalIDs == nil {
		v.GoalIDs = []int64{}
	}
	return v, true
}

// List returns a page of the backlog in rank order, with keys, owner and phase
// names and goal ids, in one query whatever the size of the backlog. The
// cursor of the next page is the last item's rank ("" when there is none).
func List(ctx context.Context, db bun.IDB, projectID int64, f Filter) ([]View, string, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	var vs []View
	q := selectWithGoals(db, &vs).
		ColumnExpr("p.key || '-' || r.number AS key").
		ColumnExpr("coalesce(u.name, '') AS owner_name").
		ColumnExpr("coalesce(ph.name, '') AS phase_name").
		Join("JOIN projects AS p ON p.id = r.project_id").
		Join("LEFT JOIN users AS u ON u.id = r.owner_id").
		Join("LEFT JOIN phases AS ph ON ph.id = r.phase_id").
		Where("r.project_id = ?", projectID).
		OrderExpr("r.rank").
		Limit(int64(f.Limit + 1))
	applyFilter(q, f)
	if f.After != 0 {
		q = q.Where("r.rank > ?", f.After)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, "", database.MapError(err)
	}
	next := ""
	if len(vs) > f.Limit {
		vs = vs[:f.Limit]
		next = strconv.FormatInt(vs[len(vs)-1].Rank, 10)
	}
	return vs, next, nil
}

func applyFilter(q *bun.SelectQuery, f Filter) {
	if f.Number != 0 {
		q.Where("r.number = ?", f.Number)
	}
	if f.Tier != "" {
		q.Where("r.tier = ?", f.Tier)
	}
	switch f.Phase {
	case "":
	case "none":
		q.Where("r.phase_id IS NULL")
	default:
		id, _ := strconv.ParseInt(f.Phase, 10, 64)
		q.Where("r.phase_id = ?", id)
	}
	if f.Status != "" {
		q.Where("r.status = ?", f.Status)
	}
	if f.Kind != "" {
		q.Where("r.kind = ?", f.Kind)
	}
	if f.Approach != "" {
		q.Where("r.approach = ?", f.Approach)
	}
	if f.OwnerID != 0 {
		q.Where("r.owner_id = ?", f.OwnerID)
	}
	if f.GoalID != 0 {
		q.Where("EXISTS (SELECT 1 FROM requirement_goals AS fg WHERE fg.requirement_id = r.id AND fg.goal_id = ?)", f.GoalID)
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		// Plain substring search works for Chinese, which has no word breaks.
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(t) + "%"
		q.Where("(r.title ILIKE ? OR r.user_story ILIKE ? OR array_to_string(r.acceptance_criteria, ' ') ILIKE ?)", like, like, like)
	}
}

// Count returns how many requirements match the filter.
func Count(ctx context.Context, db bun.IDB, projectID int64, f Filter) (int, error) {
	q := db.NewSelect().TableExpr("requirements AS r").Where("r.project_id = ?", projectID)
	applyFilter(q, f)
	n, err := q.Count(ctx)
	return int(n), database.MapError(err)
}
