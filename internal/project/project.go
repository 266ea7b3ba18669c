// Package project holds projects, their ordered phases and their members with
// roles, the one permission table (permission.go) and the instance setting that
// may limit project creation to admins. Every write records an audit entry in
// the same transaction.
package project

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/validate"
)

// Project is one CRM implementation.
type Project struct {
	bun.BaseModel `bun:"table:projects"`

	ID                int64      `bun:",pk,autoincrement" json:"id"`
	Key               string     `json:"key"`
	Name              string     `json:"name"`
	Description       string     `json:"description"`
	Sponsor           string     `json:"sponsor"`
	SponsorDepartment Department `json:"sponsor_department"`
	StartOn           date.Date  `bun:"type:date" json:"start_on"`
	TargetOn          date.Date  `bun:"type:date" json:"target_on"`
	ScopeIn           string     `json:"scope_in"`
	ScopeOut          string     `json:"scope_out"`
	CurrentPhaseID    *int64     `json:"current_phase_id"`
	Archived          bool       `json:"archived"`
	Version           int        `json:"version"`
	CreatedAt         time.Time  `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`
	UpdatedAt         time.Time  `bun:",nullzero,notnull,default:current_timestamp" json:"updated_at"`
	// Revision moves on with every committed write of the project's data
	// (migration 0019: a trigger on the audit trail), so a read model cached
	// under it is current exactly while it has not moved. Scan-only: it comes
	// with every read of the row (p.*) and no write of the row can set it
	// back to a value it has had.
	Revision int64 `bun:"revision,scanonly" json:"-"`
}

// editableColumns are the columns an edit may change (never the key or counters).
var editableColumns = []string{"name", "description", "sponsor", "sponsor_department", "start_on",
	"target_on", "scope_in", "scope_out", "current_phase_id"}

// Input is the editable part of a project; Key, Template and Department are read
// only on creation (Department is the creator's own, as the first member).
type Input struct {
	Key               string     `json:"key" form:"key"`
	Name              string     `json:"name" form:"name" validate:"required,max=120"`
	Description       string     `json:"description" form:"description" validate:"max=4000"`
	Sponsor           string     `json:"sponsor" form:"sponsor" validate:"max=120"`
	SponsorDepartment Department `json:"sponsor_department" form:"sponsor_department" validate:"omitempty,oneof=sales service marketing operations finance it vendor other"`
	StartOn           date.Date  `json:"start_on" form:"start_on"`
	TargetOn          date.Date  `json:"target_on" form:"target_on"`
	ScopeIn           string     `json:"scope_in" form:"scope_in" validate:"max=8000"`
	ScopeOut          string     `json:"scope_out" form:"scope_out" validate:"max=8000"`
	CurrentPhaseID    *int64     `json:"current_phase_id" form:"current_phase_id"`
	Template          string     `json:"template" form:"template" validate:"omitempty,oneof=crm blank"`
	Department        Department `json:"department" form:"department" validate:"omitempty,oneof=sales service marketing operations finance it vendor other"`
	Version           int        `json:"version" form:"version"`
	// StarterRisks are the codes of the CRM template's starter risks to add
	// on creation (office.CreateProject passes them to risk.StarterRisks).
	StarterRisks []string `json:"starter_risks" form:"starter_risks"`
}

// InputOf returns the editable fields of p, the base for a partial update.
func InputOf(p *Project) Input {
	return Input{Key: p.Key, Name: p.Name, Description: p.Description, Sponsor: p.Sponsor,
		SponsorDepartment: p.SponsorDepartment, StartOn: p.StartOn, TargetOn: p.TargetOn,
		ScopeIn: p.ScopeIn, ScopeOut: p.ScopeOut, CurrentPhaseID: p.CurrentPhaseID, Version: p.Version}
}

var keyPattern = regexp.MustCompile(`^[A-Z]{2,10}$`)

func (in *Input) check() error {
	in.Name = strings.TrimSpace(in.Name)
	in.Sponsor = strings.TrimSpace(in.Sponsor)
	in.Key = strings.ToUpper(strings.TrimSpace(in.Key))
	err := validate.Struct(in)
	fields := map[string]apperr.Message{}
	if ae, ok := err.(*apperr.Error); ok {
		fields = ae.Fields
	} else if err != nil {
		return err
	}
	if !in.StartOn.IsZero() && !in.TargetOn.IsZero() && in.TargetOn.Before(in.StartOn) {
		fields["target_on"] = apperr.Msg("project.target_before_start")
	}
	return apperr.InvalidIf(fields)
}

// Extension adds items to a project inside the transaction that creates it,
// for example the starter risks of the CRM template.
type Extension func(ctx context.Context, tx bun.Tx, p *Project, lang string) error

// Create makes a project; the creator becomes its project manager. The "crm"
// template adds the five phases of a CRM rollout, named in lang.
func Create(ctx context.Context, db bun.IDB, actorID int64, in Input, lang string, ext ...Extension) (*Project, error) {
	if in.Template == "" {
		in.Template = "crm"
	}
	if in.Department == "" {
		in.Department = DeptOther
	}
	err := in.check()
	if !keyPattern.MatchString(in.Key) {
		fields := map[string]apperr.Message{}
		if ae, ok := err.(*apperr.Error); ok {
			fields = ae.Fields
		}
		fields["key"] = apperr.Msg("project.key_format")
		err = apperr.Invalid(fields)
	}
	if err != nil {
		return nil, err
	}
	p := &Project{Key: in.Key, Name: in.Name, Description: in.Description, Sponsor: in.Sponsor,
		SponsorDepartment: in.SponsorDepartment, StartOn: in.StartOn, TargetOn: in.TargetOn,
		ScopeIn: in.ScopeIn, ScopeOut: in.ScopeOut, Version: 1}
	err = database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(p).Returning("*").Exec(ctx); err != nil {
			if err = database.MapError(err); apperr.Is(err, apperr.KindConflict) {
				return apperr.InvalidField("key", "project.key_taken")
			}
			return err
		}
		if err := audit.Record(ctx, tx, audit.Write{ProjectID: p.ID, ActorID: actorID, Entity: "project",
			EntityID: p.Key, Action: audit.Create, After: p}); err != nil {
			return err
		}
		m := &Member{ProjectID: p.ID, UserID: actorID, Role: RoleProjectManager, Department: in.Department, Version: 1}
		if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
			return database.MapError(err)
		}
		if err := audit.Record(ctx, tx, audit.Write{ProjectID: p.ID, ActorID: actorID, Entity: "member",
			EntityID: actorID, Action: audit.Create, After: m}); err != nil {
			return err
		}
		if in.Template == "crm" {
			if err := addTemplatePhases(ctx, tx, actorID, p, lang); err != nil {
				return err
			}
		}
		for _, e := range ext {
			if err := e(ctx, tx, p, lang); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// crmPhases are the default phases of a CRM rollout (DOMAIN.md).
var crmPhases = map[string][]string{
	"en":    {"Initiation", "Selection", "Implementation", "Rollout", "Operate & improve"},
	"zh-CN": {"立项", "选型", "实施", "推广", "运营优化"},
}

// crmWaves are the delivery waves of the CRM phases: Implementation delivers
// the first wave, Rollout the second.
var crmWaves = []int{0, 0, 1, 2, 0}

func addTemplatePhases(ctx context.Context, tx bun.Tx, actorID int64, p *Project, lang string) error {
	names, ok := crmPhases[lang]
	if !ok {
		names = crmPhases["en"]
	}
	phases := make([]Phase, len(names))
	for i, n := range names {
		phases[i] = Phase{ProjectID: p.ID, Position: i + 1, Name: n, Wave: crmWaves[i], Version: 1}
	}
	if _, err := tx.NewInsert().Model(&phases).Returning("*").Exec(ctx); err != nil {
		return database.MapError(err)
	}
	for i := range phases {
		if err := audit.Record(ctx, tx, audit.Write{ProjectID: p.ID, ActorID: actorID, Entity: "phase",
			EntityID: phases[i].ID, Action: audit.Create, After: &phases[i]}); err != nil {
			return err
		}
	}
	// The project starts in its first phase.
	p.CurrentPhaseID = &phases[0].ID
	_, err := tx.NewUpdate().Model(p).Column("current_phase_id").WherePK().Exec(ctx)
	return database.MapError(err)
}

// Listed is a project as the project list shows it: with the caller's role.
type Listed struct {
	Project
	Role    Role `bun:"member_role" json:"role,omitempty"`
	Members int  `bun:"member_count" json:"members"`
}

// ListFor returns the projects the user may see: their own, or all for an admin.
func ListFor(ctx context.Context, db bun.IDB, userID int64, isAdmin, archived bool) ([]Listed, error) {
	var out []Listed
	q := db.NewSelect().
		TableExpr("projects AS p").
		ColumnExpr("p.*").
		ColumnExpr("coalesce(m.role, '') AS member_role").
		ColumnExpr("(SELECT count(*) FROM members AS mc WHERE mc.project_id = p.id) AS member_count").
		Join("LEFT JOIN members AS m ON m.project_id = p.id AND m.user_id = ?", userID).
		Where("p.archived = ?", archived).
		OrderExpr("lower(p.name), p.id")
	if !isAdmin {
		q = q.Where("m.user_id IS NOT NULL")
	}
	if err := q.Scan(ctx, &out); err != nil {
		return nil, database.MapError(err)
	}
	return out, nil
}

// ForUser returns the project with this key and the caller's access to it. A
// project the caller may not see is NotFound, exactly like one that does not exist.
func ForUser(ctx context.Context, db bun.IDB, key string, userID int64, isAdmin bool) (*Project, Access, error) {
	var row Listed
	err := db.NewSelect().
		TableExpr("projects AS p").
		ColumnExpr("p.*").
		ColumnExpr("coalesce(m.role, '') AS member_role").
		ColumnExpr("0 AS member_count").
		Join("LEFT JOIN members AS m ON m.project_id = p.id AND m.user_id = ?", userID).
		Where("p.key = ?", key).
		Scan(ctx, &row)
	if err != nil {
		return nil, Access{}, database.MapError(err)
	}
	acc := Access{Role: row.Role, IsMember: row.Role != "", IsAdmin: isAdmin}
	if !acc.IsMember && !isAdmin {
		return nil, Access{}, apperr.NotFound()
	}
	p := row.Project
	return &p, acc, nil
}

// ByID returns a project (no access check: for internal use by other domains).
func ByID(ctx context.Context, db bun.IDB, id int64) (*Project, error) {
	p := new(Project)
	if err := db.NewSelect().Model(p).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, database.MapError(err)
	}
	return p, nil
}

// lock reads the project row for update: writes that check project-wide rules
// (the last project manager, per-project counters) serialise on it.
func lock(ctx context.Context, tx bun.Tx, id int64) (*Project, error) {
	p := new(Project)
	if err := tx.NewSelect().Model(p).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
		return nil, database.MapError(err)
	}
	return p, nil
}

// Update edits a project if in.Version is still current.
func Update(ctx context.Context, db bun.IDB, actorID, projectID int64, in Input) (*Project, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	var p *Project
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		// No row lock: the version in the update's WHERE clause settles two
		// concurrent edits.
		before, err := ByID(ctx, tx, projectID)
		if err != nil {
			return err
		}
		if before.Version != in.Version {
			return apperr.Conflict("")
		}
		if in.CurrentPhaseID != nil {
			ok, err := tx.NewSelect().Table("phases").Where("id = ? AND project_id = ?", *in.CurrentPhaseID, projectID).Exists(ctx)
			if err != nil {
				return database.MapError(err)
			}
			if !ok {
				return apperr.InvalidField("current_phase_id", "project.no_such_phase")
			}
		}
		next := *before
		next.Name, next.Description, next.Sponsor, next.SponsorDepartment = in.Name, in.Description, in.Sponsor, in.SponsorDepartment
		next.StartOn, next.TargetOn, next.ScopeIn, next.ScopeOut = in.StartOn, in.TargetOn, in.ScopeIn, in.ScopeOut
		next.CurrentPhaseID = in.CurrentPhaseID
		p = &next
		return save(ctx, tx, actorID, before, p, audit.Update, editableColumns...)
	})
	return p, err
}

// save writes the given columns of p over before through the one versioned
// write: a project that moved on since before was read is a Conflict.
func save(ctx context.Context, tx bun.Tx, actorID int64, before, p *Project, action string, columns ...string) error {
	return audit.UpdateVersioned(ctx, tx, audit.Write{ProjectID: p.ID, ActorID: actorID, Entity: "project",
		EntityID: p.Key, Action: action, Before: before, After: p}, before.Version, columns...)
}

// SetArchived archives or restores a project. Archived projects leave the
// main list but stay readable.
func SetArchived(ctx context.Context, db bun.IDB, actorID, projectID int64, archived bool) (*Project, error) {
	var p *Project
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := lock(ctx, tx, projectID)
		if err != nil {
			return err
		}
		next := *before
		next.Archived = archived
		p = &next
		action := audit.Restore
		if archived {
			action = audit.Archive
		}
		return save(ctx, tx, actorID, before, p, action, "archived")
	})
	return p, err
}

// Delete removes a project and everything in it. The caller must type the
// project's key to confirm; the trail keeps an instance-wide entry.
func Delete(ctx context.Context, db bun.IDB, actorID, projectID int64, typedKey string) error {
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		p, err := lock(ctx, tx, projectID)
		if err != nil {
			return err
		}
		if strings.TrimSpace(typedKey) != p.Key {
			return apperr.InvalidField("confirm_key", "project.confirm_key_mismatch", "Key", p.Key)
		}
		if _, err := tx.NewDelete().Model(p).WherePK().Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ActorID: actorID, Entity: "project", EntityID: p.Key,
			Action: audit.Delete, Before: p})
	})
}

// Revision reads a project's change counter (see Project.Revision), for a
// caller that holds the project row without it.
func Revision(ctx context.Context, db bun.IDB, projectID int64) (int64, error) {
	var seq int64
	err := db.NewSelect().Table("projects").Column("revision").Where("id = ?", projectID).Scan(ctx, &seq)
	return seq, database.MapError(err)
}
