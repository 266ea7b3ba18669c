package change

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
)

// Vote is a steering member's approval or rejection.
type Vote struct {
	bun.BaseModel `bun:"table:change_votes,alias:v"`

	ChangeID int64     `bun:",pk" json:"-"`
	VoterID  int64     `bun:",pk" json:"voter_id"`
	Approve  bool      `json:"approve"`
	Comment  string    `json:"comment"`
	VotedAt  time.Time `json:"voted_at"`

	VoterName string `bun:",scanonly" json:"voter_name"`
}

// Rule says how a request is decided: "any" — one rejection rejects; "majority"
// — it is rejected only when most of the steering committee rejects it.
type Rule string

// Rules.
const (
	AnyRejects      Rule = "any"
	MajorityRejects Rule = "majority"
)

// Settings are a project's approval settings.
type Settings struct {
	ApprovalsNeeded int  `bun:"change_approvals_needed" json:"approvals_needed" form:"approvals_needed"`
	RejectionRule   Rule `bun:"change_rejection_rule" json:"rejection_rule" form:"rejection_rule"`
}

// ProjectSettings reads a project's approval settings.
func ProjectSettings(ctx context.Context, db bun.IDB, projectID int64) (Settings, error) {
	var s Settings
	err := db.NewSelect().Table("projects").Column("change_approvals_needed", "change_rejection_rule").
		Where("id = ?", projectID).Scan(ctx, &s)
	return s, database.MapError(err)
}

// SetProjectSettings changes them (project managers).
func SetProjectSettings(ctx context.Context, db bun.IDB, actorID, projectID int64, s Settings) error {
	if s.ApprovalsNeeded < 1 || s.ApprovalsNeeded > 20 {
		return apperr.InvalidField("approvals_needed", "change.approvals_range")
	}
	if s.RejectionRule != AnyRejects && s.RejectionRule != MajorityRejects {
		return apperr.InvalidField("rejection_rule", "validation.oneof", "Values", "any, majority")
	}
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := ProjectSettings(ctx, tx, projectID)
		if err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Table("projects").Set("change_approvals_needed = ?, change_rejection_rule = ?",
			s.ApprovalsNeeded, s.RejectionRule).Where("id = ?", projectID).Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "setting",
			EntityID: "change_approval", Action: audit.Update, Before: before, After: s})
	})
}

// VoteInput is one vote.
type VoteInput struct {
	Approve *bool  `json:"approve" form:"approve"`
	Comment string `json:"comment" form:"comment" validate:"max=2000"`
}

// Cast records a steering member's vote on a submitted request and decides it
// when the rule is met. Votes on one request are serialised on its row, so
// two members voting at the same moment are both counted and the request is
// decided once. A requester never approves their own request; a member may
// change their vote while the request is undecided.
func Cast(ctx context.Context, db bun.IDB, voterID, projectID int64, number int, in VoteInput, now time.Time) (*Request, error) {
	in.Comment = strings.TrimSpace(in.Comment)
	if in.Approve == nil {
		return nil, apperr.InvalidField("approve", "change.vote_choice")
	}
	if len(in.Comment) > 2000 {
		return nil, apperr.InvalidField("comment", "validation.max_len", "Max", 2000)
	}
	var r *Request
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := lockRequest(ctx, tx, projectID, number)
		if err != nil {
			return err
		}
		if before.Status != Submitted {
			return apperr.Conflict("change.wrong_state", "Status", string(before.Status))
		}
		if *in.Approve && before.RequestedBy != nil && *before.RequestedBy == voterID {
			return &apperr.Error{Kind: apperr.KindForbidden, Message: apperr.Msg("change.no_self_approval")}
		}
		v := &Vote{ChangeID: before.ID, VoterID: voterID, Approve: *in.Approve, Comment: in.Comment, VotedAt: now}
		if _, err := tx.NewInsert().Model(v).
			On("CONFLICT (change_id, voter_id) DO UPDATE").
			Set("approve = EXCLUDED.approve, comment = EXCLUDED.comment, voted_at = EXCLUDED.voted_at").Exec(ctx); err != nil {
			return database.MapError(err)
		}
		if err := audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: voterID, Entity: "change_vote",
			EntityID: before.ID, Action: "vote", After: v}); err != nil {
			return err
		}
		outcome, err := decide(ctx, tx, before, projectID)
		if err != nil {
			return err
		}
		if outcome == "" {
			r = before
			return nil
		}
		next := *before
		next.Status, next.DecidedAt = outcome, &now
		if outcome == Approved {
			if next.ApprovedVersions, err = versions(ctx, tx, projectID, before.Operations); err != nil {
				return err
			}
		}
		r = &next
		return save(ctx, tx, voterID, before, r, string(outcome))
	})
	return r, err
}

// decide counts the votes: it returns Approved, Rejected, or "" (undecided).
func decide(ctx context.Context, tx bun.Tx, r *Request, projectID int64) (Status, error) {
	s, err := ProjectSettings(ctx, tx, projectID)
	if err != nil {
		return "", err
	}
	var c struct {
		Approvals  int `bun:"approvals"`
		Rejections int `bun:"rejections"`
		Committee  int `bun:"committee"`
	}
	err = tx.NewSelect().
		ColumnExpr("(SELECT count(*) FROM change_votes WHERE change_id = ? AND approve) AS approvals", r.ID).
		ColumnExpr("(SELECT count(*) FROM change_votes WHERE change_id = ? AND NOT approve) AS rejections", r.ID).
		ColumnExpr("(SELECT count(*) FROM members WHERE project_id = ? AND role = 'steering') AS committee", projectID).
		Scan(ctx, &c)
	if err != nil {
		return "", database.MapError(err)
	}
	switch {
	case s.RejectionRule == AnyRejects && c.Rejections > 0:
		return Rejected, nil
	case s.RejectionRule == MajorityRejects && c.Rejections*2 > c.Committee:
		return Rejected, nil
	case c.Approvals >= s.ApprovalsNeeded && c.Approvals > c.Rejections:
		return Approved, nil
	}
	return "", nil
}

// Votes returns a request's votes with the voters' names.
func Votes(ctx context.Context, db bun.IDB, changeID int64) ([]Vote, error) {
	var vs []Vote
	err := db.NewSelect().Model(&vs).ColumnExpr("v.*, u.name AS voter_name").
		Join("JOIN users AS u ON u.id = v.voter_id").Where("v.change_id = ?", changeID).
		OrderExpr("v.voted_at").Scan(ctx)
	return vs, database.MapError(err)
}
