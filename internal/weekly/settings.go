package weekly

import (
	"context"
	"errors"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/project"
)

// Settings say when a project's report goes out by itself: on Weekday
// (ISO: 1 Monday … 7 Sunday) at Hour (the server's local time), to the
// members of Roles. A project without a row has the defaults, not sent by
// itself.
type Settings struct {
	bun.BaseModel `bun:"table:weekly_report_settings,alias:ws"`

	ProjectID int64    `bun:",pk" json:"-"`
	AutoSend  bool     `bun:",notnull" json:"auto_send"`
	Weekday   int      `bun:",notnull" json:"weekday"`
	Hour      int      `bun:",notnull" json:"hour"`
	Roles     []string `bun:",array,notnull" json:"roles"`
	Version   int      `bun:",notnull" json:"version"`
}

// DefaultSettings are a project's until a project manager changes them:
// Friday at 16:00, to project managers and the steering committee, by hand.
func DefaultSettings(projectID int64) *Settings {
	return &Settings{ProjectID: projectID, Weekday: 5, Hour: 16,
		Roles: []string{string(project.RoleProjectManager), string(project.RoleSteering)}, Version: 1}
}

// SettingsOf returns the project's settings (the defaults when unset).
func SettingsOf(ctx context.Context, db bun.IDB, projectID int64) (*Settings, error) {
	s := &Settings{ProjectID: projectID}
	err := db.NewSelect().Model(s).WherePK().Scan(ctx)
	if err = database.MapError(err); apperr.Is(err, apperr.KindNotFound) {
		return DefaultSettings(projectID), nil
	}
	return s, err
}

// SettingsInput changes the settings, naming the version read.
type SettingsInput struct {
	AutoSend bool     `json:"auto_send" form:"auto_send"`
	Weekday  int      `json:"weekday" form:"weekday" validate:"min=1,max=7"`
	Hour     int      `json:"hour" form:"hour" validate:"min=0,max=23"`
	Roles    []string `json:"roles" form:"roles" validate:"max=5,dive,max=40"`
	Version  int      `json:"version" form:"version"`
}

// SaveSettings stores the project's settings: project managers only,
// through the one versioned write (the defaults are version 1).
func SaveSettings(ctx context.Context, db bun.IDB, caller project.Caller, projectID int64, in SettingsInput) (*Settings, error) {
	if !CanManage(caller) {
		return nil, apperr.Forbidden()
	}
	fields := map[string]apperr.Message{}
	if in.Weekday < 1 || in.Weekday > 7 {
		fields["weekday"] = apperr.Msg("weekly.weekday_invalid")
	}
	if in.Hour < 0 || in.Hour > 23 {
		fields["hour"] = apperr.Msg("weekly.hour_invalid")
	}
	roles, err := CheckRoles(in.Roles)
	if err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			for k, v := range ae.Fields {
				fields[k] = v
			}
		}
	}
	if err := apperr.InvalidIf(fields); err != nil {
		return nil, err
	}
	var out *Settings
	err = database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(DefaultSettings(projectID)).On("CONFLICT (project_id) DO NOTHING").Exec(ctx); err != nil {
			return database.MapError(err)
		}
		before, err := SettingsOf(ctx, tx, projectID)
		if err != nil {
			return err
		}
		next := &Settings{ProjectID: projectID, AutoSend: in.AutoSend, Weekday: in.Weekday, Hour: in.Hour, Roles: roles}
		out = next
		return audit.UpdateVersioned(ctx, tx, audit.Write{ProjectID: projectID, ActorID: caller.UserID, Entity: "weekly_settings",
			EntityID: projectID, Before: before, After: next}, in.Version, "auto_send", "weekday", "hour", "roles")
	})
	return out, err
}

// Due lists the projects (not archived) whose report goes out by itself on
// weekday at hour and has not been sent for the week starting weekStart.
func Due(ctx context.Context, db bun.IDB, weekday, hour int, weekStart date.Date) ([]Settings, error) {
	var ss []Settings
	err := db.NewSelect().Model(&ss).
		Join("JOIN projects AS p ON p.id = ws.project_id").
		Where("ws.auto_send AND ws.weekday = ? AND ws.hour = ? AND NOT p.archived", weekday, hour).
		Where("NOT EXISTS (SELECT 1 FROM weekly_reports AS wr WHERE wr.project_id = ws.project_id AND wr.week_start = ? AND wr.status = ?)", weekStart, Sent).
		OrderExpr("ws.project_id").Scan(ctx)
	return ss, database.MapError(err)
}
