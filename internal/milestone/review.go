package milestone

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
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

// Decision is the steering committee's verdict at a gate.
type Decision string

// Decisions.
const (
	Go               Decision = "go"
	GoWithConditions Decision = "go_with_conditions"
	NoGo             Decision = "no_go"
	Postponed        Decision = "postponed"
)

// Decisions lists them in form order.
var Decisions = []Decision{Go, GoWithConditions, NoGo, Postponed}

// Review is a steering-committee review of a gate milestone.
type Review struct {
	bun.BaseModel `bun:"table:gate_reviews,alias:gr"`

	ID          int64           `bun:",pk,autoincrement" json:"id"`
	ProjectID   int64           `json:"-"`
	MilestoneID int64           `json:"milestone_id"`
	ScheduledOn date.Date       `bun:"type:date" json:"scheduled_on"`
	Invited     []int64         `bun:",array" json:"invited"`
	Decision    *Decision       `json:"decision"`
	Attendees   []int64         `bun:",array" json:"attendees"`
	Notes       string          `json:"notes"`
	DecidedBy   *int64          `json:"decided_by"`
	DecidedAt   *time.Time      `json:"decided_at"`
	Pack        json.RawMessage `bun:"type:jsonb,nullzero" json:"-"`
	Version     int             `json:"version"`
	CreatedAt   time.Time       `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`

	MilestoneName string `bun:",scanonly" json:"milestone_name"`
	DecidedByName string `bun:",scanonly" json:"decided_by_name,omitempty"`
}

// Decided reports whether the committee has decided.
func (r *Review) Decided() bool { return r.Decision != nil }

// Action is a condition or action item set by a decision.
type Action struct {
	bun.BaseModel `bun:"table:review_actions,alias:ra"`

	ID       int64     `bun:",pk,autoincrement" json:"id"`
	ReviewID int64     `json:"-"`
	Text     string    `json:"text"`
	OwnerID  *int64    `json:"owner_id"`
	DueOn    date.Date `bun:"type:date" json:"due_on"`
	Status   string    `json:"status"`

	OwnerName string `bun:",scanonly" json:"owner_name,omitempty"`
}

// ScheduleInput schedules a review of a gate.
type ScheduleInput struct {
	ScheduledOn date.Date `json:"scheduled_on" form:"scheduled_on"`
	Invited     []int64   `json:"invited" form:"invited"`
}

// Schedule plans a review of a gate milestone with the members invited.
func Schedule(ctx context.Context, db bun.IDB, actorID, projectID, milestoneID int64, in ScheduleInput) (*Review, error) {
	if in.ScheduledOn.IsZero() {
		return nil, apperr.InvalidField("scheduled_on", "review.date_required")
	}
	var r *Review
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		m, err := Get(ctx, tx, projectID, milestoneID)
		if err != nil {
			return err
		}
		if !m.IsGate {
			return apperr.Conflict("review.not_a_gate")
		}
		invited, err := membersOnly(ctx, tx, projectID, in.Invited, "invited")
		if err != nil {
			return err
		}
		r = &Review{ProjectID: projectID, MilestoneID: milestoneID, ScheduledOn: in.ScheduledOn, Invited: invited,
			Attendees: []int64{}, Version: 1}
		// The partial unique index gate_reviews_one_pending_key keeps one
		// pending review a gate, even when two people schedule at once.
		if _, err := tx.NewInsert().Model(r).Returning("*").Exec(ctx); err != nil {
			if err = database.MapError(err); isConstraint(err, onePendingReview) {
				return apperr.Conflict("review.already_scheduled")
			}
			return err
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "gate_review",
			EntityID: r.ID, Action: audit.Create, After: r})
	})
	return r, err
}

// onePendingReview is the unique index that allows one undecided review a gate.
const onePendingReview = "gate_reviews_one_pending_key"

// isConstraint reports whether err is the Conflict of the named constraint.
func isConstraint(err error, name string) bool {
	var ae *apperr.Error
	return errors.As(err, &ae) && ae.Kind == apperr.KindConflict && ae.Message.Data["constraint"] == name
}

// membersOnly checks that every id is a member of the project.
func membersOnly(ctx context.Context, tx bun.IDB, projectID int64, ids []int64, field string) ([]int64, error) {
	out := []int64{}
	for _, id := range ids {
		if id != 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return out, nil
	}
	n, err := tx.NewSelect().Table("members").Where("project_id = ? AND user_id IN (?)", projectID, bun.List(out)).Count(ctx)
	if err != nil {
		return nil, database.MapError(err)
	}
	if int(n) != len(out) {
		return nil, apperr.InvalidField(field, "review.not_members")
	}
	return out, nil
}

func selectReviews(db bun.IDB, model any) *bun.SelectQuery {
	return db.NewSelect().Model(model).
		ColumnExpr("gr.*, m.name AS milestone_name, coalesce(u.name, '') AS decided_by_name").
		Join("JOIN milestones AS m ON m.id = gr.milestone_id").
		Join("LEFT JOIN users AS u ON u.id = gr.decided_by")
}

// GetReview returns one review of the project.
func GetReview(ctx context.Context, db bun.IDB, projectID, id int64) (*Review, error) {
	r := new(Review)
	err := selectReviews(db, r).Where("gr.id = ? AND gr.project_id = ?", id, projectID).Scan(ctx)
	return r, database.MapError(err)
}

// Reviews returns a milestone's reviews, newest first.
func Reviews(ctx context.Context, db bun.IDB, projectID, milestoneID int64) ([]Review, error) {
	var rs []Review
	err := selectReviews(db, &rs).Where("gr.project_id = ? AND gr.milestone_id = ?", projectID, milestoneID).
		OrderExpr("gr.scheduled_on DESC, gr.id DESC").Scan(ctx)
	return rs, database.MapError(err)
}

// Actions returns the action items of a review.
func Actions(ctx context.Context, db bun.IDB, reviewID int64) ([]Action, error) {
	var as []Action
	err := db.NewSelect().Model(&as).ColumnExpr("ra.*, coalesce(u.name, '') AS owner_name").
		Join("LEFT JOIN users AS u ON u.id = ra.owner_id").
		Where("ra.review_id = ?", reviewID).OrderExpr("ra.id").Scan(ctx)
	return as, database.MapError(err)
}

// ActionInput is one condition of a decision.
type ActionInput struct {
	Text    string    `json:"text" validate:"max=1000"`
	OwnerID *int64    `json:"owner_id"`
	DueOn   date.Date `json:"due_on"`
}

// DecisionInput records the committee's decision.
type DecisionInput struct {
	Decision   Decision      `json:"decision" form:"decision" validate:"required,oneof=go go_with_conditions no_go postponed"`
	Attendees  []int64       `json:"attendees" form:"attendees"`
	Notes      string        `json:"notes" form:"notes" validate:"max=8000"`
	Conditions []ActionInput `json:"conditions" validate:"max=50,dive"`
	Version    int           `json:"version" form:"version"`
}

// Decide records the decision and freezes the pack as it is now: later edits
// to goals or risks never change what the committee saw. build assembles the pack.
func Decide(ctx context.Context, db bun.IDB, actorID, projectID, reviewID int64, in DecisionInput, now time.Time,
	build func(ctx context.Context, tx bun.Tx, r *Review) (*Pack, error)) (*Review, error) {
	conditions := in.Conditions[:0]
	for _, c := range in.Conditions {
		c.Text = strings.TrimSpace(c.Text)
		if c.Text != "" {
			conditions = append(conditions, c)
		}
	}
	in.Conditions = conditions
	in.Notes = strings.TrimSpace(in.Notes)
	if err := validate.Struct(&in); err != nil {
		return nil, err
	}
	if in.Decision == GoWithConditions && len(in.Conditions) == 0 {
		return nil, apperr.InvalidField("conditions", "review.conditions_required")
	}
	if len(in.Attendees) == 0 {
		return nil, apperr.InvalidField("attendees", "review.attendees_required")
	}
	var r *Review
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := GetReview(ctx, tx, projectID, reviewID)
		if err != nil {
			return err
		}
		if before.Decided() {
			return apperr.Conflict("review.already_decided")
		}
		read := before.Version
		if in.Version != 0 {
			read = in.Version
		}
		if read != before.Version {
			return apperr.Conflict("")
		}
		attendees, err := membersOnly(ctx, tx, projectID, in.Attendees, "attendees")
		if err != nil {
			return err
		}
		var owners []int64
		for _, c := range in.Conditions {
			if c.OwnerID != nil && *c.OwnerID != 0 {
				owners = append(owners, *c.OwnerID)
			}
		}
		if _, err := membersOnly(ctx, tx, projectID, owners, "conditions"); err != nil {
			return err
		}
		pack, err := build(ctx, tx, before)
		if err != nil {
			return err
		}
		raw, err := json.Marshal(pack)
		if err != nil {
			return apperr.Internal(err)
		}
		next := *before
		d := in.Decision
		next.Decision, next.Attendees, next.Notes, next.DecidedBy, next.DecidedAt = &d, attendees, in.Notes, &actorID, &now
		next.Pack, next.Version = raw, read+1
		r = &next
		// The database decides between deciders who read the review at the
		// same moment: the WHERE clause lets the first UPDATE through and
		// matches nothing for the others once it commits (they waited on its
		// row lock), so they get Conflict and their conditions and audit
		// entries roll back with their transaction.
		res, err := tx.NewUpdate().Model(r).Column("decision", "attendees", "notes", "decided_by", "decided_at", "pack", "version").
			WherePK().Where("version = ? AND decision IS NULL", read).Exec(ctx)
		if err != nil {
			return database.MapError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict("review.already_decided")
		}
		if len(in.Conditions) > 0 {
			as := make([]Action, len(in.Conditions))
			for i, c := range in.Conditions {
				owner := c.OwnerID
				if owner != nil && *owner == 0 {
					owner = nil
				}
				as[i] = Action{ReviewID: reviewID, Text: c.Text, OwnerID: owner, DueOn: c.DueOn, Status: "open"}
			}
			if _, err := tx.NewInsert().Model(&as).Exec(ctx); err != nil {
				return database.MapError(err)
			}
		}
		logged := struct {
			Decision   Decision      `json:"decision"`
			Attendees  []int64       `json:"attendees"`
			Notes      string        `json:"notes"`
			Conditions []ActionInput `json:"conditions,omitempty"`
		}{d, attendees, in.Notes, in.Conditions}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "gate_review",
			EntityID: reviewID, Action: "decide", After: logged})
	})
	return r, err
}

// FrozenPack decodes the pack a decided review kept.
func (r *Review) FrozenPack() (*Pack, error) {
	if r.Pack == nil {
		return nil, nil
	}
	p := new(Pack)
	if err := json.Unmarshal(r.Pack, p); err != nil {
		return nil, apperr.Internal(err)
	}
	return p, nil
}

// SetActionStatus marks an action item open or done.
func SetActionStatus(ctx context.Context, db bun.IDB, caller project.Caller, projectID, reviewID, actionID int64, done bool) error {
	status := "open"
	if done {
		status = "done"
	}
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := GetReview(ctx, tx, projectID, reviewID); err != nil {
			return err
		}
		before := new(Action)
		if err := tx.NewSelect().Model(before).Where("ra.id = ? AND ra.review_id = ?", actionID, reviewID).Scan(ctx); err != nil {
			return database.MapError(err)
		}
		if !CanSetActionStatus(caller, before) {
			return apperr.Forbidden()
		}
		next := *before
		next.Status = status
		if _, err := tx.NewUpdate().Model(&next).Column("status").WherePK().Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: caller.UserID, Entity: "review_action",
			EntityID: actionID, Action: audit.Update, Before: before, After: &next})
	})
}
