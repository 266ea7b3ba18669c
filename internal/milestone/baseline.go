package milestone

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/project"
	"rollout/internal/validate"
)

// Baselines of the plan. A baseline is every milestone's planned date at a
// moment, named and dated: deciding a gate takes one (TakeGateBaseline, in
// the decision's transaction) and a project manager takes one whenever they
// like (TakeBaseline). Slip is measured against a baseline — the latest one
// unless the reader chooses another — so moving a planned date no longer
// hides that the milestone is later than was agreed. A milestone created
// after a baseline has no date in it and is measured against its own plan.

// Sources of a baseline.
const (
	BaselineAtGate = "gate"   // taken when a gate was decided
	BaselineManual = "manual" // taken by a project manager
)

// What slip is measured against, for ListAgainst and GetViewAgainst: a
// baseline's id, or one of these.
const (
	LatestBaseline int64 = 0  // the latest baseline, or the current plan when there is none
	CurrentPlan    int64 = -1 // the milestones' own planned dates
)

// Baseline is one baseline of the plan.
type Baseline struct {
	bun.BaseModel `bun:"table:plan_baselines,alias:pb"`

	ID        int64     `bun:",pk,autoincrement" json:"id"`
	ProjectID int64     `json:"-"`
	Label     string    `json:"label"`
	Source    string    `json:"source"`
	ReviewID  *int64    `json:"review_id"`
	TakenBy   *int64    `json:"taken_by"`
	TakenAt   time.Time `json:"taken_at"`

	TakenByName string `bun:",scanonly" json:"taken_by_name,omitempty"`
	Milestones  int    `bun:",scanonly" json:"milestone_count"`
}

// BaselineDate is one milestone's planned date in a baseline.
type BaselineDate struct {
	bun.BaseModel `bun:"table:baseline_dates,alias:bd"`

	BaselineID  int64     `bun:",pk" json:"-"`
	MilestoneID int64     `bun:",pk" json:"milestone_id"`
	PlannedOn   date.Date `bun:"type:date" json:"planned_on"`

	MilestoneName string `bun:",scanonly" json:"milestone_name"`
}

// BaselineInput is what a project manager gives when taking a baseline.
type BaselineInput struct {
	Label string `json:"label" form:"label" validate:"max=200"`
}

// Lateness is how many days late a milestone is or will be against ref:
// the planned date of the baseline slip is measured against, or the
// milestone's own planned date when there is none. A milestone lands on its
// actual date once done; until then on the later of its planned date, its
// forecast and today (a forecast earlier than the plan is not counted as
// early). Negative is early. This is the one rule every page, report and
// score reads.
func Lateness(ref, planned, forecast, actual, today date.Date) int {
	if ref.IsZero() {
		ref = planned
	}
	if !actual.IsZero() {
		return ref.DaysUntil(actual)
	}
	lands := planned
	if !forecast.IsZero() && forecast.After(lands) {
		lands = forecast
	}
	if today.After(lands) {
		lands = today
	}
	return ref.DaysUntil(lands)
}

// CanTakeBaseline reports whether the caller may take a baseline: project
// managers only (every member may read them).
func CanTakeBaseline(caller project.Caller) bool {
	return caller.Can(project.ManageMilestones)
}

// TakeBaseline records the plan as it stands at now under the caller's label
// (optional).
func TakeBaseline(ctx context.Context, db bun.IDB, caller project.Caller, projectID int64, in BaselineInput, now time.Time) (*Baseline, error) {
	if !CanTakeBaseline(caller) {
		return nil, apperr.Forbidden()
	}
	in.Label = strings.TrimSpace(in.Label)
	if err := validate.Struct(&in); err != nil {
		return nil, err
	}
	if strings.ContainsFunc(in.Label, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return nil, apperr.InvalidField("label", "baseline.label_invalid")
	}
	var b *Baseline
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		var err error
		b, err = takeBaseline(ctx, tx, caller.UserID, &Baseline{ProjectID: projectID, Label: in.Label,
			Source: BaselineManual, TakenAt: now})
		return err
	})
	return b, err
}

// TakeGateBaseline records the plan as it stands when the committee decides
// review r; call it inside the decision's transaction.
func TakeGateBaseline(ctx context.Context, tx bun.IDB, actorID int64, r *Review, now time.Time) (*Baseline, error) {
	id := r.ID
	return takeBaseline(ctx, tx, actorID, &Baseline{ProjectID: r.ProjectID, Label: r.MilestoneName,
		Source: BaselineAtGate, ReviewID: &id, TakenAt: now})
}

// takeBaseline inserts b with every milestone's planned date (one statement)
// and records it.
func takeBaseline(ctx context.Context, tx bun.IDB, actorID int64, b *Baseline) (*Baseline, error) {
	if actorID != 0 {
		b.TakenBy = &actorID
	}
	if _, err := tx.NewInsert().Model(b).Returning("*").Exec(ctx); err != nil {
		return nil, database.MapError(err)
	}
	res, err := tx.NewRaw(`INSERT INTO baseline_dates (baseline_id, milestone_id, planned_on)
		SELECT ?, id, planned_on FROM milestones WHERE project_id = ?`, b.ID, b.ProjectID).Exec(ctx)
	if err != nil {
		return nil, database.MapError(err)
	}
	n, _ := res.RowsAffected()
	b.Milestones = int(n)
	return b, audit.Record(ctx, tx, audit.Write{ProjectID: b.ProjectID, ActorID: actorID, Entity: "baseline",
		EntityID: b.ID, Action: audit.Create, After: b})
}

func selectBaselines(db bun.IDB, model any) *bun.SelectQuery {
	return db.NewSelect().Model(model).
		ColumnExpr("pb.*, coalesce(u.name, '') AS taken_by_name").
		ColumnExpr("(SELECT count(*) FROM baseline_dates AS bd WHERE bd.baseline_id = pb.id) AS milestones").
		Join("LEFT JOIN users AS u ON u.id = pb.taken_by")
}

// Baselines returns the project's baselines, latest first.
func Baselines(ctx context.Context, db bun.IDB, projectID int64) ([]Baseline, error) {
	var bs []Baseline
	err := selectBaselines(db, &bs).Where("pb.project_id = ?", projectID).
		OrderExpr("pb.taken_at DESC, pb.id DESC").Scan(ctx)
	return bs, database.MapError(err)
}

// GetBaseline returns one baseline of the project.
func GetBaseline(ctx context.Context, db bun.IDB, projectID, id int64) (*Baseline, error) {
	b := new(Baseline)
	err := selectBaselines(db, b).Where("pb.id = ? AND pb.project_id = ?", id, projectID).Scan(ctx)
	return b, database.MapError(err)
}

// BaselineDates returns a baseline's planned dates with the milestones'
// names, in the plan's order.
func BaselineDates(ctx context.Context, db bun.IDB, baselineID int64) ([]BaselineDate, error) {
	var ds []BaselineDate
	err := db.NewSelect().Model(&ds).ColumnExpr("bd.*, m.name AS milestone_name").
		Join("JOIN milestones AS m ON m.id = bd.milestone_id").
		Join("LEFT JOIN phases AS ph ON ph.id = m.phase_id").
		Where("bd.baseline_id = ?", baselineID).
		OrderExpr("coalesce(ph.position, 1000000), bd.planned_on, m.id").Scan(ctx)
	return ds, database.MapError(err)
}

// Chosen returns the baseline that against (a baseline id, LatestBaseline or
// CurrentPlan) names among bs (latest first): nil for the current plan, or
// when there is no baseline. An id not among bs is NotFound.
func Chosen(bs []Baseline, against int64) (*Baseline, error) {
	switch {
	case against == CurrentPlan:
		return nil, nil
	case against == LatestBaseline:
		if len(bs) == 0 {
			return nil, nil
		}
		return &bs[0], nil
	}
	for i := range bs {
		if bs[i].ID == against {
			return &bs[i], nil
		}
	}
	return nil, apperr.NotFound()
}
