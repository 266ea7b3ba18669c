package weekly

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/database"
)

// The week's facts no other domain lists by date. Each is one query
// whatever the size of the project; from and to bound the week (to
// excluded).

// Decisions returns the gate decisions taken between from and to, oldest first.
func Decisions(ctx context.Context, db bun.IDB, projectID int64, from, to time.Time) ([]DecisionLine, error) {
	ds := []DecisionLine{}
	err := db.NewSelect().TableExpr("gate_reviews AS gr").
		ColumnExpr("gr.id AS review_id, gr.milestone_id, m.name AS milestone_name, gr.decision, gr.decided_at").
		ColumnExpr("coalesce(u.name, '') AS decided_by").
		ColumnExpr("(SELECT count(*) FROM review_actions AS ra WHERE ra.review_id = gr.id) AS conditions").
		Join("JOIN milestones AS m ON m.id = gr.milestone_id").
		Join("LEFT JOIN users AS u ON u.id = gr.decided_by").
		Where("gr.project_id = ? AND gr.decision IS NOT NULL AND gr.decided_at >= ? AND gr.decided_at < ?", projectID, from, to).
		OrderExpr("gr.decided_at, gr.id").Scan(ctx, &ds)
	return ds, database.MapError(err)
}

// Changes returns the change requests applied, approved or rejected between
// from and to, each once: applied when it was applied in the week (approved
// then or before), else the decision taken in the week. Oldest first.
func Changes(ctx context.Context, db bun.IDB, projectID int64, from, to time.Time) ([]ChangeLine, error) {
	var rows []struct {
		Number       int        `bun:"number"`
		Key          string     `bun:"key"`
		Title        string     `bun:"title"`
		Status       string     `bun:"status"`
		DecidedAt    *time.Time `bun:"decided_at"`
		AppliedAt    *time.Time `bun:"applied_at"`
		ScheduleDays int        `bun:"schedule_days"`
		Cost         float64    `bun:"cost"`
	}
	err := db.NewSelect().TableExpr("change_requests AS cr").
		ColumnExpr("cr.number, p.key || '-CR-' || cr.number AS key, cr.title, cr.status, cr.decided_at, cr.applied_at, cr.schedule_days, cr.cost").
		Join("JOIN projects AS p ON p.id = cr.project_id").
		Where("cr.project_id = ?", projectID).
		Where("(cr.applied_at >= ? AND cr.applied_at < ?) OR (cr.decided_at >= ? AND cr.decided_at < ? AND cr.status IN ('approved', 'rejected', 'implemented'))",
			from, to, from, to).
		OrderExpr("coalesce(cr.applied_at, cr.decided_at), cr.number").Scan(ctx, &rows)
	if err != nil {
		return nil, database.MapError(err)
	}
	out := []ChangeLine{}
	in := func(t *time.Time) bool { return t != nil && !t.Before(from) && t.Before(to) }
	for _, r := range rows {
		l := ChangeLine{Number: r.Number, Key: r.Key, Title: r.Title, ScheduleDays: r.ScheduleDays, Cost: r.Cost}
		switch {
		case in(r.AppliedAt):
			l.Outcome, l.At = ChangeApplied, *r.AppliedAt
		case r.Status == "rejected":
			l.Outcome, l.At = ChangeRejected, *r.DecidedAt
		default:
			l.Outcome, l.At = ChangeApproved, *r.DecidedAt
		}
		out = append(out, l)
	}
	return out, nil
}

// Standing is a risk's rating and status as the activity log says they
// stood at a moment.
type Standing struct {
	Probability, Impact int
	Status              string
	New                 bool // created since the moment
}

// RiskNow is a risk as it stands, the start of the rewind.
type RiskNow struct {
	Probability, Impact int
	Status              string
}

// RisksSince rewinds the risks' rows through the activity log: starting
// from each risk as it stands (now, by key), it undoes every write recorded
// since from, newest first, so what is left is the rating and status of the
// moment from. Only risks written since are in the answer. One query.
func RisksSince(ctx context.Context, db bun.IDB, projectID int64, from time.Time, now map[string]RiskNow) (map[string]Standing, error) {
	var entries []struct {
		EntityID string          `bun:"entity_id"`
		Action   string          `bun:"action"`
		Before   json.RawMessage `bun:"before"`
	}
	err := db.NewSelect().TableExpr("audit_entries AS e").ColumnExpr("e.entity_id, e.action, e.before").
		Where("e.project_id = ? AND e.entity = 'risk' AND e.at >= ?", projectID, from).
		OrderExpr("e.id DESC").Scan(ctx, &entries)
	if err != nil {
		return nil, database.MapError(err)
	}
	out := map[string]Standing{}
	for _, e := range entries {
		cur, ok := now[e.EntityID]
		if !ok {
			continue // deleted since
		}
		st, seen := out[e.EntityID]
		if !seen {
			st = Standing{Probability: cur.Probability, Impact: cur.Impact, Status: cur.Status}
		}
		if e.Action == "create" {
			st.New = true
		}
		var before struct {
			Probability *int    `json:"probability"`
			Impact      *int    `json:"impact"`
			Status      *string `json:"status"`
		}
		if len(e.Before) > 0 && json.Unmarshal(e.Before, &before) == nil {
			if before.Probability != nil {
				st.Probability = *before.Probability
			}
			if before.Impact != nil {
				st.Impact = *before.Impact
			}
			if before.Status != nil {
				st.Status = *before.Status
			}
		}
		out[e.EntityID] = st
	}
	return out, nil
}
