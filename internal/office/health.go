package office

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/pitfall"
	"rollout/internal/project"
)

// A project's health has two parts shown side by side: method (the pitfall
// findings, pitfall.Score, out of 100) and delivery (ScoreDelivery, out of
// 100). The combined score is the lower of the two (Combine).

// NotEnoughData is the band of a project with too little data to judge.
const NotEnoughData = "not_enough_data"

// ProjectHealth is a project's health today.
type ProjectHealth struct {
	// Score is the combined score; nil when there is not enough data to judge.
	Score *int `json:"score"`
	// Band is ok (healthy), warn (sliding), bad (in trouble) or not_enough_data.
	Band     string          `json:"band"`
	Method   *pitfall.Health `json:"-"`
	Delivery Delivery        `json:"delivery"`
}

// Judged reports whether the project has a score.
func (h *ProjectHealth) Judged() bool { return h.Score != nil }

// Combine is the health rule: the combined score is the lower of the method
// and delivery parts. Neither averaging nor weighting: a project with a
// faultless method but a milestone two weeks late and its risk reviews
// overdue is not healthy, and on-time delivery does not make up for goals
// nobody can measure. An average lets the stronger part hide the weaker one:
// the demo project (method 97, delivery 61: a milestone forecast 14 days
// late, three overdue risk reviews, a goal off track, two at risk and the
// budget ahead of progress) would average 79, one point from "healthy", and
// would turn healthy with any small fix; the minimum keeps it "sliding"
// until delivery itself improves, and the page names the part to work on.
func Combine(method, delivery int) int { return min(method, delivery) }

// EnoughData is the rule for judging a project at all: it holds at least
// one goal or one requirement, or a milestone that is done or whose planned
// date has come. A project just created from the template (milestones all
// ahead, nothing else) has nothing a score could be fair about yet, and its
// findings would only say it is new.
func EnoughData(goals, requirements int, ms []milestone.View, today date.Date) bool {
	if goals > 0 || requirements > 0 {
		return true
	}
	for _, m := range ms {
		if m.Status == milestone.Done || !today.Before(m.PlannedOn) {
			return true
		}
	}
	return false
}

// combine puts the two parts together by the rule.
func combine(method *pitfall.Health, delivery Delivery, enough bool) *ProjectHealth {
	h := &ProjectHealth{Method: method, Delivery: delivery, Band: NotEnoughData}
	if enough {
		score := Combine(method.Score, delivery.Score)
		h.Score, h.Band = &score, pitfall.Band(score)
	}
	return h
}

// ComputeHealth works a project's health out from its data as it stands, in
// a fixed number of queries whatever its size: the pitfall facts and
// assessments, then the active risks, the overdue gate conditions and the
// budget lines (the milestones, goals and members come with the facts).
func ComputeHealth(ctx context.Context, db database.IDB, projectID int64, today date.Date) (*ProjectHealth, error) {
	facts, err := pitfall.Gather(ctx, db, projectID, today)
	if err != nil {
		return nil, err
	}
	as, err := pitfall.Assessments(ctx, db, projectID)
	if err != nil {
		return nil, err
	}
	df := &DeliveryFacts{Today: today, Milestones: facts.Milestones, Goals: facts.Goals, Members: facts.Members}
	if df.Milestones == nil {
		df.Milestones = []milestone.View{}
	}
	if df.Goals == nil {
		df.Goals = []goal.View{}
	}
	if df.Members == nil {
		df.Members = []project.Member{}
	}
	if err := gatherDelivery(ctx, db, projectID, df); err != nil {
		return nil, err
	}
	enough := EnoughData(len(facts.Goals), facts.Backlog.Total, facts.Milestones, today)
	return combine(pitfall.HealthOf(facts, as), ScoreDelivery(df), enough), nil
}

// HealthWith combines a method part already computed (the dashboard's,
// from report.Dashboard) with the delivery part read now in six queries;
// requirements is the number of requirements (rejected ones left out), for
// EnoughData.
func HealthWith(ctx context.Context, db database.IDB, projectID int64, today date.Date, method *pitfall.Health, requirements int) (*ProjectHealth, error) {
	df, err := GatherDelivery(ctx, db, projectID, today)
	if err != nil {
		return nil, err
	}
	return combine(method, ScoreDelivery(df), EnoughData(len(df.Goals), requirements, df.Milestones, today)), nil
}

// Health is a project's health as it stands today and its trend over the
// last days days: the stored daily snapshots, with today's score computed in
// memory in place of today's snapshot (no point today when there is not
// enough data to judge). It only reads: pages that show the score never
// write (snapshots are kept by SnapshotHealth and at gate decisions).
func Health(ctx context.Context, db database.IDB, projectID int64, today date.Date, days int) (*ProjectHealth, []pitfall.Point, error) {
	h, err := ComputeHealth(ctx, db, projectID, today)
	if err != nil {
		return nil, nil, err
	}
	stored, err := pitfall.Trend(ctx, db, projectID, today.AddDays(-(days - 1)))
	if err != nil {
		return nil, nil, err
	}
	return h, trendWithToday(stored, today, h), nil
}

// trendWithToday replaces the stored point of today by today's score.
func trendWithToday(stored []pitfall.Point, today date.Date, h *ProjectHealth) []pitfall.Point {
	trend := make([]pitfall.Point, 0, len(stored)+1)
	for _, p := range stored {
		if p.Day.Before(today) {
			trend = append(trend, p)
		}
	}
	if h.Score != nil {
		trend = append(trend, pitfall.Point{Day: today, Score: *h.Score})
	}
	return trend
}

// snapshotBreakdown is what a kept day holds besides its score.
type snapshotBreakdown struct {
	Method   int                     `json:"method"`
	Delivery int                     `json:"delivery"`
	Judged   bool                    `json:"judged"`
	Pitfalls []pitfall.PitfallHealth `json:"pitfalls"`
	Costs    map[DeliveryKind]int    `json:"delivery_costs"`
	// The project's change counter the score stands for is set after the
	// upsert, as "revision" (keepHealthAt).
}

// keepHealth stores the day's combined score (no score: not enough data)
// with both parts, as a gate decision keeps it: with no revision, so the
// portfolio does not take it for the score of the project as it stands
// (the decision's own writes commit after it).
func keepHealth(ctx context.Context, db database.IDB, projectID int64, today date.Date, h *ProjectHealth) error {
	return keepHealthAt(ctx, db, projectID, today, h, 0)
}

// keepHealthAt stores the day's score worked out from the project's data at
// revision seen (its change counter read before the data was), and marks
// the snapshot with that revision when nothing else changed the project
// meanwhile: the counter after the upsert must be seen, plus one when the
// upsert itself moves it (a new day or a new score, the revision trigger of
// health_snapshots). The portfolio takes a snapshot of today so marked, at
// the project's current revision, as the score the project pages show.
func keepHealthAt(ctx context.Context, db database.IDB, projectID int64, today date.Date, h *ProjectHealth, seen int64) error {
	b := snapshotBreakdown{Method: h.Method.Score, Delivery: h.Delivery.Score, Judged: h.Judged(),
		Pitfalls: h.Method.Pitfalls, Costs: map[DeliveryKind]int{}}
	for _, it := range h.Delivery.Items {
		b.Costs[it.Kind] += it.Cost
	}
	var old []*int
	if seen != 0 {
		if err := db.NewSelect().Table("health_snapshots").Column("score").Where("project_id = ? AND day = ?", projectID, today).
			Scan(ctx, &old); err != nil {
			return database.MapError(err)
		}
	}
	if err := pitfall.SnapshotScore(ctx, db, projectID, today, h.Score, b); err != nil || seen == 0 {
		return err
	}
	expect := seen
	if len(old) == 0 || !sameScore(old[0], h.Score) {
		expect++
	}
	now, err := project.Revision(ctx, db, projectID)
	if err != nil || now != expect {
		return err
	}
	_, err = db.NewRaw(`UPDATE health_snapshots SET breakdown = jsonb_set(breakdown, '{revision}', to_jsonb(?::bigint))
WHERE project_id = ? AND day = ?`, now, projectID, today).Exec(ctx)
	return database.MapError(err)
}

func sameScore(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// SnapshotHealth keeps today's health score of every active (not archived)
// project, for the trend and the portfolio: one query lists the projects,
// then each project costs ComputeHealth's fixed number of queries and one
// upsert. The upsert makes a second run on the same day, by this instance or
// another one sharing the database, harmless: the last one of the day wins,
// as with any snapshot. It returns how many projects it scored.
func SnapshotHealth(ctx context.Context, db database.IDB, today date.Date) (int, error) {
	// An administrator's view lists every project, whoever belongs to it.
	ps, err := project.ListFor(ctx, db, 0, true, false)
	if err != nil {
		return 0, err
	}
	for i, p := range ps {
		h, err := ComputeHealth(ctx, db, p.ID, today)
		if err != nil {
			return i, err
		}
		if err := keepHealthAt(ctx, db, p.ID, today, h, p.Revision); err != nil {
			return i, err
		}
	}
	return len(ps), nil
}

// HealthSnapshotEvery is how often a running server keeps the health scores.
const HealthSnapshotEvery = time.Hour

// KeepHealthSnapshots runs SnapshotHealth now and then every interval until
// ctx ends (the server stops). A failed round is logged and retried at the
// next tick: a missing snapshot only leaves a gap in a trend.
func KeepHealthSnapshots(ctx context.Context, db database.IDB, every time.Duration, today func() date.Date, log *slog.Logger) {
	RunEvery(ctx, every, log, "keeping the health snapshots", func(ctx context.Context) error {
		n, err := SnapshotHealth(ctx, db, today())
		if err != nil {
			return fmt.Errorf("after %d projects: %w", n, err)
		}
		log.Debug("health snapshots kept", "projects", n)
		return nil
	})
}
