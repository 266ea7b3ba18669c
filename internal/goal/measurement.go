package goal

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

// Source says how a measurement came in.
type Source string

// Sources.
const (
	Manual Source = "manual"
	Import Source = "import"
	API    Source = "api"
)

// Measurement is one dated value of a goal's metric.
type Measurement struct {
	bun.BaseModel `bun:"table:measurements,alias:m"`

	ID         int64     `bun:",pk,autoincrement" json:"id"`
	GoalID     int64     `json:"goal_id"`
	Value      float64   `json:"value"`
	MeasuredOn date.Date `bun:"type:date" json:"measured_on"`
	Note       string    `json:"note"`
	Source     Source    `json:"source"`
	EnteredBy  *int64    `json:"entered_by"`
	CreatedAt  time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`

	EnteredByName string `bun:",scanonly" json:"entered_by_name,omitempty"`
}

// MeasurementInput is a new measurement.
type MeasurementInput struct {
	Value      *float64  `json:"value" form:"value" validate:"omitempty,goalvalue"`
	MeasuredOn date.Date `json:"measured_on" form:"measured_on"`
	Note       string    `json:"note" form:"note" validate:"max=500"`
}

// futureSlack lets a measurement be dated tomorrow (time zones) but no later.
const futureSlack = 1

func (in *MeasurementInput) check(today date.Date) error {
	in.Note = strings.TrimSpace(in.Note)
	fields, err := validate.Fields(in)
	if err != nil {
		return err
	}
	if in.Value == nil || !finite(*in.Value) {
		fields["value"] = apperr.Msg("goal.value_required")
	}
	if in.MeasuredOn.IsZero() {
		fields["measured_on"] = apperr.Msg("goal.measured_on_required")
	} else if in.MeasuredOn.After(today.AddDays(futureSlack)) {
		fields["measured_on"] = apperr.Msg("goal.measured_in_future")
	}
	return apperr.InvalidIf(fields)
}

// CanMeasure reports whether the caller may record a measurement of the goal:
// by role, or as its owner whatever their role — but never a viewer.
func CanMeasure(caller project.Caller, g *Goal) bool {
	return caller.CanOrOwns(project.RecordMeasurement, g.OwnerID)
}

// AddMeasurement records a value for a goal of the project by the caller, who
// must be allowed to (CanMeasure).
func AddMeasurement(ctx context.Context, db bun.IDB, caller project.Caller, projectID, goalID int64, in MeasurementInput, src Source, today date.Date) (*Measurement, error) {
	actorID := caller.UserID
	var m *Measurement
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		g, err := Get(ctx, tx, projectID, goalID)
		if err != nil {
			return err
		}
		if !CanMeasure(caller, g) {
			return apperr.Forbidden() // before the input: not allowed is said first
		}
		if err := in.check(today); err != nil {
			return err
		}
		m = newMeasurement(goalID, actorID, in, src)
		if _, err := tx.NewInsert().Model(m).Returning("*").Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "measurement",
			EntityID: m.ID, Action: audit.Create, After: m})
	})
	return m, err
}

func newMeasurement(goalID, actorID int64, in MeasurementInput, src Source) *Measurement {
	m := &Measurement{GoalID: goalID, Value: *in.Value, MeasuredOn: in.MeasuredOn, Note: in.Note, Source: src}
	if actorID != 0 {
		m.EnteredBy = &actorID
	}
	return m
}

// Measurements returns a goal's measurements, newest first, with who entered them.
func Measurements(ctx context.Context, db bun.IDB, goalID int64) ([]Measurement, error) {
	var ms []Measurement
	err := db.NewSelect().Model(&ms).
		ColumnExpr("m.*, coalesce(u.name, '') AS entered_by_name").
		Join("LEFT JOIN users AS u ON u.id = m.entered_by").
		Where("m.goal_id = ?", goalID).
		OrderExpr("m.measured_on DESC, m.id DESC").
		Scan(ctx)
	return ms, database.MapError(err)
}

// DeleteMeasurement removes a mistaken measurement.
func DeleteMeasurement(ctx context.Context, db bun.IDB, actorID, projectID, goalID, measurementID int64) error {
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := Get(ctx, tx, projectID, goalID); err != nil {
			return err
		}
		before := new(Measurement)
		if err := tx.NewSelect().Model(before).Where("id = ? AND goal_id = ?", measurementID, goalID).Scan(ctx); err != nil {
			return database.MapError(err)
		}
		if _, err := tx.NewDelete().Model(before).WherePK().Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "measurement",
			EntityID: measurementID, Action: audit.Delete, Before: before})
	})
}

// View is a goal as lists show it: with its owner's name, its current value,
// recent values for a sparkline, and its progress and status on a given day.
type View struct {
	Goal `bun:",extend"`

	OwnerName string    `bun:"owner_name" json:"owner_name"`
	Current   float64   `bun:"current_value" json:"current"`
	CurrentOn date.Date `bun:"current_on,type:date" json:"current_on"`
	Count     int       `bun:"measurement_count" json:"measurement_count"`
	Recent    []float64 `bun:"recent,array" json:"recent"`
	Progress  float64   `bun:"-" json:"progress"`
	Status    Status    `bun:"-" json:"status"`
}

// sparkPoints is how many recent values a sparkline draws.
const sparkPoints = 12

// List returns the project's goals with their figures, in one query whatever
// the number of goals or measurements.
func List(ctx context.Context, db bun.IDB, projectID int64, today date.Date) ([]View, error) {
	var vs []View
	err := selectViews(db, &vs).Where("g.project_id = ?", projectID).OrderExpr("g.due_on, g.id").Scan(ctx)
	if err != nil {
		return nil, database.MapError(err)
	}
	for i := range vs {
		vs[i].evaluate(today)
	}
	return vs, nil
}

// GetView returns one goal with its figures.
func GetView(ctx context.Context, db bun.IDB, projectID, goalID int64, today date.Date) (*View, error) {
	v := new(View)
	err := selectViews(db, v).Where("g.project_id = ? AND g.id = ?", projectID, goalID).Scan(ctx)
	if err != nil {
		return nil, database.MapError(err)
	}
	v.evaluate(today)
	return v, nil
}

func selectViews(db bun.IDB, model any) *bun.SelectQuery {
	return db.NewSelect().Model(model).
		ColumnExpr("g.*").
		ColumnExpr("u.name AS owner_name").
		ColumnExpr("coalesce(lm.value, g.baseline) AS current_value").
		ColumnExpr("lm.measured_on AS current_on").
		ColumnExpr("(SELECT count(*) FROM measurements AS mc WHERE mc.goal_id = g.id) AS measurement_count").
		ColumnExpr(`(SELECT coalesce(array_agg(r.value ORDER BY r.measured_on, r.id), '{}') FROM
			(SELECT value, measured_on, id FROM measurements AS mr WHERE mr.goal_id = g.id
			 ORDER BY measured_on DESC, id DESC LIMIT ?) AS r) AS recent`, sparkPoints).
		Join("JOIN users AS u ON u.id = g.owner_id").
		Join(`LEFT JOIN LATERAL (SELECT value, measured_on FROM measurements AS ml WHERE ml.goal_id = g.id
			ORDER BY measured_on DESC, id DESC LIMIT 1) AS lm ON true`)
}

func (v *View) evaluate(today date.Date) {
	v.Progress, v.Status = Evaluate(v.Baseline, v.Target, v.Current, v.StartOn, v.DueOn, today)
}
