// Package goal holds the project's measurable goals and their dated
// measurements. A goal is a number with an owner: metric, unit, baseline,
// target, direction, start and due dates. Its current value is its latest
// measurement, and its progress and status come from one rule (progress.go).
package goal

import (
	"context"
	"maps"
	"math"
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

// Direction says which way the metric should move.
type Direction string

// Directions.
const (
	Increase Direction = "increase"
	Decrease Direction = "decrease"
)

// Category groups goals; adoption goals are shown apart on dashboards.
type Category string

// Categories.
const (
	Business    Category = "business"
	Adoption    Category = "adoption"
	DataQuality Category = "data_quality"
	Efficiency  Category = "efficiency"
)

// Categories lists every category in form order.
var Categories = []Category{Business, Adoption, DataQuality, Efficiency}

// Cadence is how often a goal is measured; My work reminds its owner when
// the next measurement is due (the last one plus the cadence).
type Cadence string

// Cadences.
const (
	Weekly    Cadence = "weekly"
	Monthly   Cadence = "monthly"
	Quarterly Cadence = "quarterly"
)

// Cadences lists every cadence in form order; monthly is the default.
var Cadences = []Cadence{Weekly, Monthly, Quarterly}

// Goal is one measurable business goal.
type Goal struct {
	bun.BaseModel `bun:"table:goals,alias:g"`

	ID        int64     `bun:",pk,autoincrement" json:"id"`
	ProjectID int64     `json:"-"`
	Title     string    `json:"title"`
	Metric    string    `json:"metric"`
	Unit      string    `json:"unit"`
	Baseline  float64   `json:"baseline"`
	Target    float64   `json:"target"`
	Direction Direction `json:"direction"`
	Category  Category  `json:"category"`
	StartOn   date.Date `bun:"type:date" json:"start_on"`
	DueOn     date.Date `bun:"type:date" json:"due_on"`
	OwnerID   int64     `json:"owner_id"`
	Notes     string    `json:"notes"`
	Cadence   Cadence   `json:"cadence"`
	Version   int       `json:"version"`
	CreatedAt time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`
	UpdatedAt time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"updated_at"`
}

// Input creates or edits a goal. Numbers and dates are pointers or zero-able so
// that a missing one is told apart from a zero.
type Input struct {
	Title     string    `json:"title" form:"title" validate:"required,max=200"`
	Metric    string    `json:"metric" form:"metric" validate:"required,max=200"`
	Unit      string    `json:"unit" form:"unit" validate:"max=30"`
	Baseline  *float64  `json:"baseline" form:"baseline" validate:"omitempty,goalvalue"`
	Target    *float64  `json:"target" form:"target" validate:"omitempty,goalvalue"`
	Direction Direction `json:"direction" form:"direction" validate:"required,oneof=increase decrease"`
	Category  Category  `json:"category" form:"category" validate:"required,oneof=business adoption data_quality efficiency"`
	StartOn   date.Date `json:"start_on" form:"start_on"`
	DueOn     date.Date `json:"due_on" form:"due_on"`
	OwnerID   int64     `json:"owner_id" form:"owner_id"`
	Notes     string    `json:"notes" form:"notes" validate:"max=4000"`
	Cadence   Cadence   `json:"cadence" form:"cadence" validate:"omitempty,oneof=weekly monthly quarterly"`
	Version   int       `json:"version" form:"version"`
}

// InputOf returns the editable fields of g.
func InputOf(g *Goal) Input {
	b, t := g.Baseline, g.Target
	return Input{Title: g.Title, Metric: g.Metric, Unit: g.Unit, Baseline: &b, Target: &t, Direction: g.Direction,
		Category: g.Category, StartOn: g.StartOn, DueOn: g.DueOn, OwnerID: g.OwnerID, Notes: g.Notes, Cadence: g.Cadence, Version: g.Version}
}

// check validates the input; every missing or wrong field gets its message.
func (in *Input) check(ctx context.Context, db bun.IDB, projectID int64) error {
	in.Title, in.Metric, in.Unit = strings.TrimSpace(in.Title), strings.TrimSpace(in.Metric), strings.TrimSpace(in.Unit)
	if in.Cadence == "" {
		in.Cadence = Monthly
	}
	fields, err := validate.Fields(in)
	if err != nil {
		return err
	}
	if in.Baseline == nil || !finite(*in.Baseline) {
		fields["baseline"] = apperr.Msg("goal.baseline_required")
	}
	if in.Target == nil || !finite(*in.Target) {
		fields["target"] = apperr.Msg("goal.target_required")
	}
	if in.StartOn.IsZero() {
		fields["start_on"] = apperr.Msg("goal.start_required")
	}
	if in.DueOn.IsZero() {
		fields["due_on"] = apperr.Msg("goal.due_required")
	} else if !in.StartOn.IsZero() && in.DueOn.Before(in.StartOn) {
		fields["due_on"] = apperr.Msg("goal.due_before_start")
	}
	if in.Baseline != nil && in.Target != nil && fields["direction"].ID == "" {
		b, t := *in.Baseline, *in.Target
		if (in.Direction == Increase && t <= b) || (in.Direction == Decrease && t >= b) {
			fields["target"] = apperr.Msg("goal.target_wrong_direction."+string(in.Direction), "Baseline", b)
		}
	}
	if in.OwnerID == 0 {
		fields["owner_id"] = apperr.Msg("goal.owner_required")
	} else {
		problems, err := project.CheckRefs(ctx, db, projectID, "goal", project.Refs{OwnerID: &in.OwnerID})
		if err != nil {
			return err
		}
		maps.Copy(fields, problems)
	}
	return apperr.InvalidIf(fields)
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// Create adds a goal to the project.
func Create(ctx context.Context, db bun.IDB, actorID, projectID int64, in Input) (*Goal, error) {
	var g *Goal
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if err := in.check(ctx, tx, projectID); err != nil {
			return err
		}
		g = &Goal{ProjectID: projectID, Version: 1}
		apply(g, in)
		if _, err := tx.NewInsert().Model(g).Returning("*").Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "goal",
			EntityID: g.ID, Action: audit.Create, After: g})
	})
	return g, err
}

func apply(g *Goal, in Input) {
	g.Title, g.Metric, g.Unit, g.Baseline, g.Target = in.Title, in.Metric, in.Unit, *in.Baseline, *in.Target
	g.Direction, g.Category, g.StartOn, g.DueOn, g.OwnerID, g.Notes = in.Direction, in.Category, in.StartOn, in.DueOn, in.OwnerID, in.Notes
	g.Cadence = in.Cadence
}

// Get returns one goal of the project.
func Get(ctx context.Context, db bun.IDB, projectID, goalID int64) (*Goal, error) {
	g := new(Goal)
	err := db.NewSelect().Model(g).Where("id = ? AND project_id = ?", goalID, projectID).Scan(ctx)
	return g, database.MapError(err)
}

// Update edits a goal if in.Version is still current.
func Update(ctx context.Context, db bun.IDB, actorID, projectID, goalID int64, in Input) (*Goal, error) {
	var g *Goal
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := Get(ctx, tx, projectID, goalID)
		if err != nil {
			return err
		}
		if before.Version != in.Version {
			return apperr.Conflict("")
		}
		if err := in.check(ctx, tx, projectID); err != nil {
			return err
		}
		next := *before
		apply(&next, in)
		g = &next
		return audit.UpdateVersioned(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "goal",
			EntityID: g.ID, Before: before, After: g}, in.Version)
	})
	return g, err
}

// Delete removes a goal and its measurements.
func Delete(ctx context.Context, db bun.IDB, actorID, projectID, goalID int64) error {
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := Get(ctx, tx, projectID, goalID)
		if err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model(before).WherePK().Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "goal",
			EntityID: goalID, Action: audit.Delete, Before: before})
	})
}
