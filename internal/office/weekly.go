package office

import (
	"context"
	"time"

	"rollout/internal/apperr"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/pitfall"
	"rollout/internal/project"
	"rollout/internal/risk"
	"rollout/internal/weekly"
)

// The weekly report (周报): built from the project's data as it stands, by
// the rules the other pages use — a milestone slips as the delivery health
// counts it (Slipping, on milestone.View's slip against the baseline), a
// goal's value and status are goal.List's, the health and its trend are
// Health's — and frozen as weekly.Content, so the report stays as it was
// sent. Sending it is one transaction that marks it sent and, through its
// audit entry, enqueues the weekly_report event (jobs.FromWrite) that
// internal/notify fans out to e-mail and the project's group bots.

// WeeklyContent works out the report of the week holding today, as the data
// stands at now, in a fixed number of queries whatever the size of the
// project: the milestones, the risks, their moves in the activity log, the
// decisions, the change requests, the goals, and Health's.
func WeeklyContent(ctx context.Context, db database.IDB, projectID int64, today date.Date) (*weekly.Content, error) {
	start := weekly.WeekOf(today)
	end := start.AddDays(6)
	from, to := start.Time(), end.AddDays(1).Time()
	c := &weekly.Content{WeekStart: start, WeekEnd: end, AsOf: today, Done: []weekly.MilestoneLine{},
		Slipping: []weekly.MilestoneLine{}, Risks: []weekly.RiskLine{}, Closed: []weekly.RiskLine{}, Goals: []weekly.GoalLine{}}

	ms, err := milestone.List(ctx, db, projectID, today)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		line := weekly.MilestoneLine{ID: m.ID, Name: m.Name, PhaseName: m.PhaseName, Gate: m.IsGate, PlannedOn: m.PlannedOn,
			BaselineOn: m.BaselineOn, ForecastOn: m.ForecastOn, ActualOn: m.ActualOn, Status: string(m.Status), Slip: m.Slip}
		if m.Status == milestone.Done && !m.ActualOn.Before(start) && !m.ActualOn.After(end) {
			c.Done = append(c.Done, line)
		}
		if kind, ok := Slipping(m); ok {
			line.Kind = string(kind)
			c.Slipping = append(c.Slipping, line)
		}
	}

	rs, err := risk.List(ctx, db, projectID, risk.Filter{Sort: risk.SortScore}, today)
	if err != nil {
		return nil, err
	}
	now := make(map[string]weekly.RiskNow, len(rs))
	for _, r := range rs {
		now[r.Key] = weekly.RiskNow{Probability: r.Probability, Impact: r.Impact, Status: string(r.Status)}
	}
	moved, err := weekly.RisksSince(ctx, db, projectID, from, now)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		line := weekly.RiskLine{Number: r.Number, Key: r.Key, Title: r.Title, Category: string(r.Category),
			Probability: r.Probability, Impact: r.Impact, Score: r.Score, Level: string(r.Level), Status: string(r.Status),
			OwnerName: r.OwnerName, Overdue: r.Overdue}
		if st, ok := moved[r.Key]; ok {
			line.New = st.New
			if before := risk.Score(st.Probability, st.Impact); !st.New && before != r.Score {
				line.ScoreBefore = &before
			}
			if !st.New && st.Status != string(r.Status) {
				line.StatusBefore = st.Status
			}
		}
		switch {
		case r.Status.Active() && len(c.Risks) < weekly.TopRisks:
			c.Risks = append(c.Risks, line)
		case !r.Status.Active() && line.StatusBefore != "" && risk.Status(line.StatusBefore).Active():
			c.Closed = append(c.Closed, line)
		}
	}

	if c.Decisions, err = weekly.Decisions(ctx, db, projectID, from, to); err != nil {
		return nil, err
	}
	if c.Changes, err = weekly.Changes(ctx, db, projectID, from, to); err != nil {
		return nil, err
	}

	gs, err := goal.List(ctx, db, projectID, today)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		line := weekly.GoalLine{ID: g.ID, Title: g.Title, Unit: g.Unit, Direction: string(g.Direction), Baseline: g.Baseline,
			Target: g.Target, Progress: g.Progress, Status: string(g.Status), DueOn: g.DueOn}
		if g.Count > 0 {
			line.Current, line.CurrentOn = g.Current, g.CurrentOn
		}
		c.Goals = append(c.Goals, line)
	}

	h, trend, err := Health(ctx, db, projectID, today, 8)
	if err != nil {
		return nil, err
	}
	c.Health = healthLine(h, trend, today)
	return c, nil
}

// healthLine is the score today with the earliest kept score of the last
// seven days before it, to show the trend.
func healthLine(h *ProjectHealth, trend []pitfall.Point, today date.Date) weekly.HealthLine {
	l := weekly.HealthLine{Score: h.Score, Band: h.Band, Method: h.Method.Score, Delivery: h.Delivery.Score, Trend: []weekly.Point{}}
	for _, p := range trend {
		l.Trend = append(l.Trend, weekly.Point{Day: p.Day, Score: p.Score})
		if l.Previous == nil && p.Day.Before(today) {
			score := p.Score
			l.Previous, l.PreviousOn = &score, p.Day
		}
	}
	return l
}

// BuildWeeklyReport builds the report of this week (the week of now) and
// stores it: a new draft, or this week's draft built again with its summary
// kept. Project managers only; a week whose report was sent is a Conflict.
func BuildWeeklyReport(ctx context.Context, db database.IDB, caller project.Caller, projectID int64, now time.Time) (*weekly.Report, error) {
	if !weekly.CanManage(caller) {
		return nil, apperr.Forbidden()
	}
	return buildWeekly(ctx, db, caller.UserID, projectID, now)
}

func buildWeekly(ctx context.Context, db database.IDB, actorID, projectID int64, now time.Time) (*weekly.Report, error) {
	today := date.Of(now.UTC())
	if r, err := weekly.OfWeek(ctx, db, projectID, weekly.WeekOf(today)); err == nil && r.IsSent() {
		return nil, apperr.Conflict("weekly.already_sent") // before the work of building it
	}
	c, err := WeeklyContent(ctx, db, projectID, today)
	if err != nil {
		return nil, err
	}
	return weekly.Save(ctx, db, actorID, projectID, c, now)
}

// SendWeeklyReport sends the draft id to the members of roles (by e-mail)
// and to the project's group bots that take weekly_report: one transaction
// marks it sent and enqueues the notification. Project managers only; a
// report sent already is a Conflict.
func SendWeeklyReport(ctx context.Context, db database.IDB, caller project.Caller, projectID, id int64, in weekly.SendInput, now time.Time) (*weekly.Report, error) {
	if !weekly.CanManage(caller) {
		return nil, apperr.Forbidden()
	}
	return weekly.MarkSent(ctx, db, caller.UserID, projectID, id, in.Roles, now)
}

// SendDueWeeklyReports sends the reports of the projects whose settings
// say "by itself, on this weekday at this hour" (now in the server's local
// time) and whose report of this week has not gone out: each is built (or
// its draft built again) and sent in one transaction, so a round that runs
// twice (the periodic job on another instance) finds it sent and skips it.
// It returns how many it sent.
func SendDueWeeklyReports(ctx context.Context, db database.IDB, now time.Time) (int, error) {
	local := now.Local()
	wd := int(local.Weekday())
	if wd == 0 {
		wd = 7
	}
	due, err := weekly.Due(ctx, db, wd, local.Hour(), weekly.WeekOf(date.Of(now.UTC())))
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, s := range due {
		err := database.RunInTx(ctx, db, func(ctx context.Context, tx database.Tx) error {
			r, err := buildWeekly(ctx, tx, 0, s.ProjectID, now)
			if err != nil {
				return err
			}
			_, err = weekly.MarkSent(ctx, tx, 0, s.ProjectID, r.ID, s.Roles, now)
			return err
		})
		switch {
		case apperr.Is(err, apperr.KindConflict):
			continue // sent meanwhile
		case err != nil:
			return sent, err
		}
		sent++
	}
	return sent, nil
}
