package change

import (
	"context"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/milestone"
)

// View is a request as lists show it.
type View struct {
	Request `bun:",extend"`

	Key           string `bun:"key" json:"key"`
	RequesterName string `bun:"requester_name" json:"requester_name"`
	Approvals     int    `bun:"approvals" json:"approvals"`
	Rejections    int    `bun:"rejections" json:"rejections"`
	ImpactJSON    Impact `bun:"-" json:"impact"`
}

// Filter narrows the list; Month is YYYY-MM of creation.
type Filter struct {
	Status      Status
	RequesterID int64
	Month       string
	Number      int
}

// List returns the project's requests, newest first, in one query.
func List(ctx context.Context, db bun.IDB, projectID int64, f Filter) ([]View, error) {
	var vs []View
	q := db.NewSelect().Model(&vs).
		ColumnExpr("cr.*").
		ColumnExpr("p.key || '-CR-' || cr.number AS key").
		ColumnExpr("coalesce(u.name, '') AS requester_name").
		ColumnExpr("(SELECT count(*) FROM change_votes AS v WHERE v.change_id = cr.id AND v.approve) AS approvals").
		ColumnExpr("(SELECT count(*) FROM change_votes AS v WHERE v.change_id = cr.id AND NOT v.approve) AS rejections").
		Join("JOIN projects AS p ON p.id = cr.project_id").
		Join("LEFT JOIN users AS u ON u.id = cr.requested_by").
		Where("cr.project_id = ?", projectID).
		OrderExpr("cr.number DESC")
	if f.Status != "" {
		q = q.Where("cr.status = ?", f.Status)
	}
	if f.RequesterID != 0 {
		q = q.Where("cr.requested_by = ?", f.RequesterID)
	}
	if f.Number != 0 {
		q = q.Where("cr.number = ?", f.Number)
	}
	if t, err := time.Parse("2006-01", f.Month); err == nil {
		q = q.Where("cr.created_at >= ? AND cr.created_at < ?", t, t.AddDate(0, 1, 0))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, database.MapError(err)
	}
	for i := range vs {
		vs[i].ImpactJSON = vs[i].Impact()
	}
	return vs, nil
}

// Month is one month's requests by outcome (by the month they were raised).
type Month struct {
	Month    string         `json:"month"` // YYYY-MM
	ByStatus map[Status]int `json:"by_status"`
	Total    int            `json:"total"`
}

// Monthly counts requests by status for each month from since to today, in one query.
func Monthly(ctx context.Context, db bun.IDB, projectID int64, since, today date.Date) ([]Month, error) {
	var rows []struct {
		Month  string `bun:"month"`
		Status Status `bun:"status"`
		N      int    `bun:"n"`
	}
	err := db.NewSelect().TableExpr("change_requests AS cr").
		ColumnExpr("to_char(date_trunc('month', cr.created_at), 'YYYY-MM') AS month, cr.status, count(*) AS n").
		Where("cr.project_id = ? AND cr.created_at >= ?", projectID, since.Time()).
		GroupExpr("1, 2").Scan(ctx, &rows)
	if err != nil {
		return nil, database.MapError(err)
	}
	var months []Month
	index := map[string]int{}
	for m := date.New(since.Time().Year(), since.Time().Month(), 1); !m.After(today); m = date.Of(m.Time().AddDate(0, 1, 0)) {
		key := m.Time().Format("2006-01")
		index[key] = len(months)
		months = append(months, Month{Month: key, ByStatus: map[Status]int{}})
	}
	for _, r := range rows {
		if i, ok := index[r.Month]; ok {
			months[i].ByStatus[r.Status] += r.N
			months[i].Total += r.N
		}
	}
	return months, nil
}

// PackSection is the gate pack's change-request section as it stood at the
// end of the pack's day: requests pending a decision then (submitted by
// then, not decided or withdrawn by then), and those decided between the last
// gate and then, each in the state it had then (an approval applied later
// shows as approved). A withdrawal keeps no time of its own: the request's
// last change stands for it.
func PackSection(ctx context.Context, db bun.IDB, projectID int64, since time.Time, day date.Date) (milestone.Section, error) {
	end := day.AddDays(1).Time() // the end of the pack's day
	var vs []View
	err := db.NewSelect().Model(&vs).
		ColumnExpr("cr.*").
		ColumnExpr("p.key || '-CR-' || cr.number AS key").
		ColumnExpr("coalesce(u.name, '') AS requester_name").
		ColumnExpr("0 AS approvals, 0 AS rejections").
		Join("JOIN projects AS p ON p.id = cr.project_id").
		Join("LEFT JOIN users AS u ON u.id = cr.requested_by").
		Where("cr.project_id = ?", projectID).
		Where(`(cr.submitted_at < ? AND (cr.decided_at IS NULL OR cr.decided_at >= ?) AND NOT (cr.status = ? AND cr.updated_at < ?))
			OR (cr.decided_at > ? AND cr.decided_at < ?)`, end, end, Withdrawn, end, since, end).
		OrderExpr("cr.number").Scan(ctx)
	if err != nil {
		return milestone.Section{}, database.MapError(err)
	}
	s := milestone.Section{Kind: milestone.SectionChanges, Changes: []milestone.ChangeLine{}}
	for _, v := range vs {
		status, decided := v.Status, v.DecidedAt
		switch {
		case decided == nil || !decided.Before(end):
			status, decided = Submitted, nil
		case status == Implemented && (v.AppliedAt == nil || !v.AppliedAt.Before(end)):
			status = Approved
		}
		s.Changes = append(s.Changes, milestone.ChangeLine{Key: v.Key, Title: v.Title, Status: string(status),
			Requester: v.RequesterName, ScheduleDays: v.ScheduleDays, Cost: v.Cost, DecidedAt: decided})
	}
	return s, nil
}

// KeyOf returns a request's key: CRM-CR-7.
func KeyOf(projectKey string, number int) string { return projectKey + "-CR-" + strconv.Itoa(number) }
