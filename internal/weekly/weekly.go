// Package weekly keeps each project's weekly report (周报): one row per
// project and ISO week, holding the report's content frozen as JSON when it
// was built (Content), the project manager's short summary, and whether and
// when it was sent and to which roles. It also reads the week's facts that
// no other domain lists by date (gate decisions, change request outcomes,
// and the risks' moves in the activity log).
//
// Building a report spans domains and lives in internal/office
// (BuildWeeklyReport); sending it publishes the weekly_report event in the
// sending transaction, which internal/notify fans out to e-mail and the
// project's group bots.
package weekly

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/project"
)

// Statuses of a report.
const (
	Draft = "draft"
	Sent  = "sent"
)

// Statuses lists them in order (the API document names the same set).
var Statuses = []string{Draft, Sent}

// Entity is the activity log's name for a report.
const Entity = "weekly_report"

// ActionSend is the activity log's action of a report being sent: the write
// that tells people (jobs.FromWrite).
const ActionSend = "send"

// Report is one project's report of one week. Content is left out of its
// JSON (and so of the activity log, which keeps only what a person changed):
// View carries it for the API.
type Report struct {
	bun.BaseModel `bun:"table:weekly_reports,alias:wr"`

	ID        int64      `bun:",pk,autoincrement" json:"id"`
	ProjectID int64      `json:"-"`
	WeekStart date.Date  `bun:"type:date" json:"week_start"`
	Status    string     `json:"status"`
	Content   Content    `bun:"type:jsonb" json:"-"`
	Summary   string     `json:"summary"`
	BuiltAt   time.Time  `json:"built_at"`
	BuiltBy   *int64     `json:"built_by"`
	SentAt    *time.Time `json:"sent_at"`
	SentBy    *int64     `json:"sent_by"`
	SentRoles []string   `bun:",array" json:"sent_roles"`
	Version   int        `json:"version"`
	CreatedAt time.Time  `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`
	UpdatedAt time.Time  `bun:",nullzero,notnull,default:current_timestamp" json:"updated_at"`

	BuiltByName string `bun:",scanonly" json:"built_by_name,omitempty"`
	SentByName  string `bun:",scanonly" json:"sent_by_name,omitempty"`
}

// View is a report as the API answers it: the row and its content.
type View struct {
	*Report
	WeekEnd date.Date `json:"week_end"`
	Content *Content  `json:"content"`
}

// ViewOf returns r with its content.
func ViewOf(r *Report) View {
	return View{Report: r, WeekEnd: r.WeekStart.AddDays(6), Content: &r.Content}
}

// IsSent reports whether the report has gone out (it is then as it was sent).
func (r *Report) IsSent() bool { return r.Status == Sent }

// WeekEnd is the report's Sunday.
func (r *Report) WeekEnd() date.Date { return r.WeekStart.AddDays(6) }

// CanManage reports whether the caller builds, edits and sends reports:
// project managers (everyone in the project reads them).
func CanManage(caller project.Caller) bool { return caller.Can(project.EditProject) }

func selectReports(db bun.IDB, model any) *bun.SelectQuery {
	return db.NewSelect().Model(model).ColumnExpr("wr.*").
		ColumnExpr("coalesce(ub.name, '') AS built_by_name, coalesce(us.name, '') AS sent_by_name").
		Join("LEFT JOIN users AS ub ON ub.id = wr.built_by").
		Join("LEFT JOIN users AS us ON us.id = wr.sent_by")
}

// List returns the project's reports, newest week first, in one query.
func List(ctx context.Context, db bun.IDB, projectID int64) ([]Report, error) {
	rs := []Report{}
	err := selectReports(db, &rs).Where("wr.project_id = ?", projectID).OrderExpr("wr.week_start DESC").Scan(ctx)
	return rs, database.MapError(err)
}

// Get returns one of the project's reports.
func Get(ctx context.Context, db bun.IDB, projectID, id int64) (*Report, error) {
	r := new(Report)
	err := selectReports(db, r).Where("wr.project_id = ? AND wr.id = ?", projectID, id).Scan(ctx)
	return r, database.MapError(err)
}

// OfWeek returns the project's report of the week starting weekStart.
func OfWeek(ctx context.Context, db bun.IDB, projectID int64, weekStart date.Date) (*Report, error) {
	r := new(Report)
	err := selectReports(db, r).Where("wr.project_id = ? AND wr.week_start = ?", projectID, weekStart).Scan(ctx)
	return r, database.MapError(err)
}

// Save stores a freshly built content as the report of its week: a new
// draft, or the week's draft built again (its summary kept). A week whose
// report was sent is a Conflict: it stays as it was sent. actorID 0 is the
// scheduled send. Audited in db's transaction.
func Save(ctx context.Context, db bun.IDB, actorID, projectID int64, c *Content, now time.Time) (*Report, error) {
	var out *Report
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before := new(Report)
		err := tx.NewSelect().Model(before).Where("project_id = ? AND week_start = ?", projectID, c.WeekStart).For("UPDATE").Scan(ctx)
		var by *int64
		if actorID != 0 {
			by = &actorID
		}
		switch err = database.MapError(err); {
		case apperr.Is(err, apperr.KindNotFound):
			r := &Report{ProjectID: projectID, WeekStart: c.WeekStart, Status: Draft, Content: *c, BuiltAt: now,
				BuiltBy: by, SentRoles: []string{}, Version: 1}
			if _, err := tx.NewInsert().Model(r).Returning("id, created_at, updated_at").Exec(ctx); err != nil {
				if err = database.MapError(err); apperr.Is(err, apperr.KindConflict) {
					return apperr.Conflict("weekly.built_meanwhile")
				}
				return err
			}
			out = r
			return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: Entity, EntityID: r.ID,
				Action: audit.Create, After: r})
		case err != nil:
			return err
		case before.IsSent():
			return apperr.Conflict("weekly.already_sent")
		}
		next := *before
		next.Content, next.BuiltAt, next.BuiltBy = *c, now, by
		out = &next
		return audit.UpdateVersioned(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: Entity,
			EntityID: before.ID, Action: "rebuild", Before: before, After: &next}, before.Version, "content", "built_at", "built_by")
	})
	return out, err
}

// SummaryMax is how long a summary may be, in characters.
const SummaryMax = 2000

// SummaryInput edits a report's summary, naming the version it read.
type SummaryInput struct {
	Summary string `json:"summary" form:"summary" validate:"max=2000"`
	Version int    `json:"version" form:"version"`
}

// UpdateSummary stores the project manager's summary of a draft: project
// managers only; a stale version is a Conflict, as is a report sent already.
func UpdateSummary(ctx context.Context, db bun.IDB, caller project.Caller, projectID, id int64, in SummaryInput) (*Report, error) {
	if !CanManage(caller) {
		return nil, apperr.Forbidden()
	}
	in.Summary = strings.TrimSpace(strings.ReplaceAll(in.Summary, "\r\n", "\n"))
	if n := len([]rune(in.Summary)); n > SummaryMax {
		return nil, apperr.InvalidField("summary", "weekly.summary_too_long", "Max", SummaryMax, "Count", n)
	}
	var out *Report
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := Get(ctx, tx, projectID, id)
		if err != nil {
			return err
		}
		if before.IsSent() {
			return apperr.Conflict("weekly.already_sent")
		}
		next := *before
		next.Summary = in.Summary
		out = &next
		return audit.UpdateVersioned(ctx, tx, audit.Write{ProjectID: projectID, ActorID: caller.UserID, Entity: Entity,
			EntityID: id, Before: before, After: &next}, in.Version, "summary")
	})
	return out, err
}

// SendInput says to whom a report goes: the members of these roles by
// e-mail (the project's group bots that take weekly_report get it too).
type SendInput struct {
	Roles []string `json:"roles" form:"roles" validate:"max=5,dive,max=40"`
}

// CheckRoles keeps the known roles, in the order of project.Roles; none is
// a 422 on roles.
func CheckRoles(roles []string) ([]string, error) {
	var out []string
	for _, r := range project.Roles {
		if slices.Contains(roles, string(r)) {
			out = append(out, string(r))
		}
	}
	for _, r := range roles {
		if !slices.Contains(project.Roles, project.Role(r)) {
			return nil, apperr.InvalidField("roles", "weekly.role_unknown")
		}
	}
	if len(out) == 0 {
		return nil, apperr.InvalidField("roles", "weekly.roles_required")
	}
	return out, nil
}

// MarkSent records that the draft id went out to roles at now, in db's
// transaction; its audit entry (action send) is what publishes the
// weekly_report event, in the same transaction. A report sent already is a
// Conflict. actorID 0 is the scheduled send.
func MarkSent(ctx context.Context, db bun.IDB, actorID, projectID, id int64, roles []string, now time.Time) (*Report, error) {
	roles, err := CheckRoles(roles)
	if err != nil {
		return nil, err
	}
	var out *Report
	err = database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before := new(Report)
		if err := tx.NewSelect().Model(before).Where("project_id = ? AND id = ?", projectID, id).For("UPDATE").Scan(ctx); err != nil {
			return database.MapError(err)
		}
		if before.IsSent() {
			return apperr.Conflict("weekly.already_sent")
		}
		next := *before
		next.Status, next.SentAt, next.SentRoles = Sent, &now, roles
		if actorID != 0 {
			next.SentBy = &actorID
		}
		out = &next
		return audit.UpdateVersioned(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: Entity,
			EntityID: id, Action: ActionSend, Before: before, After: &next}, before.Version, "status", "sent_at", "sent_by", "sent_roles")
	})
	return out, err
}
