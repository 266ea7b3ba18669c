package project

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/validate"
)

// Member is a user's role and department in one project.
type Member struct {
	bun.BaseModel `bun:"table:members,alias:m"`

	ProjectID  int64      `bun:",pk" json:"-"`
	UserID     int64      `bun:",pk" json:"user_id"`
	Role       Role       `json:"role"`
	Department Department `json:"department"`
	Version    int        `json:"version"`
	CreatedAt  time.Time  `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`
	UpdatedAt  time.Time  `bun:",nullzero,notnull,default:current_timestamp" json:"updated_at"`

	// From the user, for display.
	Name     string `bun:",scanonly" json:"name"`
	Email    string `bun:",scanonly" json:"email"`
	Disabled bool   `bun:",scanonly" json:"disabled"`
}

// MemberInput adds a member (Email) or changes one (Version).
type MemberInput struct {
	Email      string     `json:"email" form:"email" validate:"max=254"`
	Role       Role       `json:"role" form:"role" validate:"required,oneof=project_manager business_owner steering member viewer"`
	Department Department `json:"department" form:"department" validate:"required,oneof=sales service marketing operations finance it vendor other"`
	Version    int        `json:"version" form:"version"`
}

// Members returns a project's members with their names, ordered by role then name.
func Members(ctx context.Context, db bun.IDB, projectID int64) ([]Member, error) {
	var ms []Member
	err := db.NewSelect().Model(&ms).
		ColumnExpr("m.*, u.name, u.email, u.disabled").
		Join("JOIN users AS u ON u.id = m.user_id").
		Where("m.project_id = ?", projectID).
		OrderExpr("array_position(ARRAY['project_manager','business_owner','steering','member','viewer'], m.role), lower(u.name)").
		Scan(ctx)
	return ms, database.MapError(err)
}

// MemberOf returns one member of a project.
func MemberOf(ctx context.Context, db bun.IDB, projectID, userID int64) (*Member, error) {
	m := new(Member)
	err := db.NewSelect().Model(m).
		ColumnExpr("m.*, u.name, u.email, u.disabled").
		Join("JOIN users AS u ON u.id = m.user_id").
		Where("m.project_id = ? AND m.user_id = ?", projectID, userID).
		Scan(ctx)
	return m, database.MapError(err)
}

// AddMember gives an existing user (by email) a role in the project.
func AddMember(ctx context.Context, db bun.IDB, actorID, projectID int64, in MemberInput) (*Member, error) {
	in.Email = strings.TrimSpace(in.Email)
	if err := validate.Struct(&in); err != nil {
		return nil, err
	}
	if in.Email == "" {
		return nil, apperr.InvalidField("email", "validation.required")
	}
	var m *Member
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := lock(ctx, tx, projectID); err != nil {
			return err
		}
		var userID int64
		err := tx.NewSelect().Table("users").Column("id").Where("lower(email) = lower(?)", in.Email).Scan(ctx, &userID)
		if err != nil {
			if err = database.MapError(err); apperr.Is(err, apperr.KindNotFound) {
				return apperr.InvalidField("email", "member.no_such_user")
			}
			return err
		}
		m = &Member{ProjectID: projectID, UserID: userID, Role: in.Role, Department: in.Department, Version: 1}
		if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
			if err = database.MapError(err); apperr.Is(err, apperr.KindConflict) {
				return apperr.InvalidField("email", "member.already")
			}
			return err
		}
		if m, err = MemberOf(ctx, tx, projectID, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "member",
			EntityID: userID, Action: audit.Create, After: m})
	})
	return m, err
}

// UpdateMember changes a member's role or department. The last project manager
// cannot be given another role.
func UpdateMember(ctx context.Context, db bun.IDB, actorID, projectID, userID int64, in MemberInput) (*Member, error) {
	if err := validate.Struct(&in); err != nil {
		return nil, err
	}
	var m *Member
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		// The project lock is not for the version (the versioned write checks
		// it): it serialises role changes so that two demotions cannot both
		// pass the last-project-manager count.
		if _, err := lock(ctx, tx, projectID); err != nil {
			return err
		}
		before, err := MemberOf(ctx, tx, projectID, userID)
		if err != nil {
			return err
		}
		if before.Version != in.Version {
			return apperr.Conflict("")
		}
		if before.Role == RoleProjectManager && in.Role != RoleProjectManager {
			if err := keepOneManager(ctx, tx, projectID); err != nil {
				return err
			}
		}
		next := *before
		next.Role, next.Department = in.Role, in.Department
		m = &next
		return audit.UpdateVersioned(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "member",
			EntityID: userID, Before: before, After: m}, in.Version, "role", "department")
	})
	return m, err
}

// RemoveMember takes a user out of the project; the last project manager stays.
func RemoveMember(ctx context.Context, db bun.IDB, actorID, projectID, userID int64) error {
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := lock(ctx, tx, projectID); err != nil {
			return err
		}
		before, err := MemberOf(ctx, tx, projectID, userID)
		if err != nil {
			return err
		}
		if before.Role == RoleProjectManager {
			if err := keepOneManager(ctx, tx, projectID); err != nil {
				return err
			}
		}
		if _, err := tx.NewDelete().Model(before).WherePK().Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "member",
			EntityID: userID, Action: audit.Delete, Before: before})
	})
}

// keepOneManager refuses a change that would leave the project without a
// project manager; the caller holds the project lock, so counts cannot race.
func keepOneManager(ctx context.Context, tx bun.Tx, projectID int64) error {
	n, err := tx.NewSelect().Table("members").Where("project_id = ? AND role = ?", projectID, RoleProjectManager).Count(ctx)
	if err != nil {
		return database.MapError(err)
	}
	if n <= 1 {
		return apperr.Conflict("member.last_manager")
	}
	return nil
}
