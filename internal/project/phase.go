package project

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/validate"
)

// Phase is one stage of the project, in order (Initiation, Selection, …).
type Phase struct {
	bun.BaseModel `bun:"table:phases"`

	ID             int64     `bun:",pk,autoincrement" json:"id"`
	ProjectID      int64     `json:"-"`
	Position       int       `json:"position"`
	Name           string    `json:"name"`
	PlannedStartOn date.Date `bun:"type:date" json:"planned_start_on"`
	PlannedEndOn   date.Date `bun:"type:date" json:"planned_end_on"`
	// Wave is the delivery wave the phase carries: 0 for a phase that
	// delivers nothing itself (initiation, selection), 1 for the first wave
	// to go live, 2 for the next… The pitfall checks' "phase one" is wave 1.
	Wave      int       `bun:",notnull" json:"wave"`
	Version   int       `json:"version"`
	CreatedAt time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`
	UpdatedAt time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"updated_at"`
}

// PhaseInput creates or edits a phase.
type PhaseInput struct {
	Name           string    `json:"name" form:"name" validate:"required,max=80"`
	PlannedStartOn date.Date `json:"planned_start_on" form:"planned_start_on"`
	PlannedEndOn   date.Date `json:"planned_end_on" form:"planned_end_on"`
	Wave           int       `json:"wave" form:"wave" validate:"min=0,max=20"`
	Version        int       `json:"version" form:"version"`
}

func (in *PhaseInput) check() error {
	in.Name = strings.TrimSpace(in.Name)
	if err := validate.Struct(in); err != nil {
		return err
	}
	if !in.PlannedStartOn.IsZero() && !in.PlannedEndOn.IsZero() && in.PlannedEndOn.Before(in.PlannedStartOn) {
		return apperr.InvalidField("planned_end_on", "phase.end_before_start")
	}
	return nil
}

// Phases returns a project's phases in order.
func Phases(ctx context.Context, db bun.IDB, projectID int64) ([]Phase, error) {
	var ps []Phase
	err := db.NewSelect().Model(&ps).Where("project_id = ?", projectID).OrderExpr("position, id").Scan(ctx)
	return ps, database.MapError(err)
}

func phaseOf(ctx context.Context, tx bun.IDB, projectID, phaseID int64) (*Phase, error) {
	p := new(Phase)
	err := tx.NewSelect().Model(p).Where("id = ? AND project_id = ?", phaseID, projectID).Scan(ctx)
	return p, database.MapError(err)
}

// AddPhase appends a phase at the end.
func AddPhase(ctx context.Context, db bun.IDB, actorID, projectID int64, in PhaseInput) (*Phase, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	ph := &Phase{ProjectID: projectID, Name: in.Name, PlannedStartOn: in.PlannedStartOn, PlannedEndOn: in.PlannedEndOn, Wave: in.Wave, Version: 1}
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := lock(ctx, tx, projectID); err != nil {
			return err
		}
		if err := tx.NewSelect().Table("phases").ColumnExpr("coalesce(max(position), 0) + 1").
			Where("project_id = ?", projectID).Scan(ctx, &ph.Position); err != nil {
			return database.MapError(err)
		}
		if _, err := tx.NewInsert().Model(ph).Returning("*").Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "phase",
			EntityID: ph.ID, Action: audit.Create, After: ph})
	})
	return ph, err
}

// UpdatePhase renames or re-dates a phase.
func UpdatePhase(ctx context.Context, db bun.IDB, actorID, projectID, phaseID int64, in PhaseInput) (*Phase, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	var ph *Phase
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := phaseOf(ctx, tx, projectID, phaseID)
		if err != nil {
			return err
		}
		if before.Version != in.Version {
			return apperr.Conflict("")
		}
		next := *before
		next.Name, next.PlannedStartOn, next.PlannedEndOn, next.Wave = in.Name, in.PlannedStartOn, in.PlannedEndOn, in.Wave
		ph = &next
		return audit.UpdateVersioned(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "phase",
			EntityID: ph.ID, Before: before, After: ph}, in.Version, "name", "planned_start_on", "planned_end_on", "wave")
	})
	return ph, err
}

// MovePhase swaps a phase with its neighbour before (delta -1) or after (+1).
// A move names no version (it is not an edit of the phase): it serialises on
// the project row and bumps both phases' versions, so a form still open on
// either phase gets a Conflict instead of writing over the new position.
func MovePhase(ctx context.Context, db bun.IDB, actorID, projectID, phaseID int64, delta int) error {
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := lock(ctx, tx, projectID); err != nil {
			return err
		}
		phases, err := Phases(ctx, tx, projectID)
		if err != nil {
			return err
		}
		i := -1
		for k := range phases {
			if phases[k].ID == phaseID {
				i = k
			}
		}
		if i < 0 {
			return apperr.NotFound()
		}
		j := i + delta
		if j < 0 || j >= len(phases) {
			return nil // already first or last
		}
		a, b := phases[i], phases[j]
		for _, ph := range []struct {
			id  int64
			pos int
		}{{a.ID, j + 1}, {b.ID, i + 1}} {
			if _, err := tx.NewUpdate().Table("phases").Set("position = ?, version = version + 1", ph.pos).
				Where("id = ?", ph.id).Exec(ctx); err != nil {
				return database.MapError(err)
			}
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "phase",
			EntityID: phaseID, Action: "move", Before: map[string]int{"position": i + 1}, After: map[string]int{"position": j + 1}})
	})
}

// DeletePhase removes a phase; items that hung on it lose their phase. The
// current phase of the project cannot be deleted.
func DeletePhase(ctx context.Context, db bun.IDB, actorID, projectID, phaseID int64) error {
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		p, err := lock(ctx, tx, projectID)
		if err != nil {
			return err
		}
		before, err := phaseOf(ctx, tx, projectID, phaseID)
		if err != nil {
			return err
		}
		if p.CurrentPhaseID != nil && *p.CurrentPhaseID == phaseID {
			return apperr.Conflict("phase.is_current")
		}
		if _, err := tx.NewDelete().Model(before).WherePK().Exec(ctx); err != nil {
			return database.MapError(err)
		}
		// Close the gap so positions stay 1..n.
		if _, err := tx.NewUpdate().Table("phases").Set("position = position - 1").
			Where("project_id = ? AND position > ?", projectID, before.Position).Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "phase",
			EntityID: phaseID, Action: audit.Delete, Before: before})
	})
}

// CreationRestricted reports whether only admins may create projects (an
// instance setting; by default any active user may).
func CreationRestricted(ctx context.Context, db bun.IDB) (bool, error) {
	var v bool
	err := db.NewSelect().Table("app_settings").ColumnExpr("(value)::boolean").
		Where("key = 'project_creation_admins_only'").Scan(ctx, &v)
	if err != nil {
		if err = database.MapError(err); apperr.Is(err, apperr.KindNotFound) {
			return false, nil
		}
		return false, err
	}
	return v, nil
}

// SetCreationRestricted changes who may create projects.
func SetCreationRestricted(ctx context.Context, db bun.IDB, actorID int64, adminsOnly bool) error {
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := CreationRestricted(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO app_settings (key, value, updated_at)
VALUES ('project_creation_admins_only', to_jsonb(?::boolean), now())
ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`, adminsOnly); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ActorID: actorID, Entity: "setting", EntityID: "project_creation_admins_only",
			Action: audit.Update, Before: map[string]bool{"admins_only": before}, After: map[string]bool{"admins_only": adminsOnly}})
	})
}
