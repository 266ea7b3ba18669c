package risk

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

// Review is one dated look at a risk: who reviewed it, what they noted, and
// how likely and how bad it now is.
type Review struct {
	bun.BaseModel `bun:"table:risk_reviews,alias:rv"`

	ID          int64     `bun:",pk,autoincrement" json:"id"`
	RiskID      int64     `json:"risk_id"`
	ReviewedOn  date.Date `bun:"type:date" json:"reviewed_on"`
	ReviewerID  *int64    `json:"reviewer_id"`
	Note        string    `json:"note"`
	Probability int       `json:"probability"`
	Impact      int       `json:"impact"`
	CreatedAt   time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`

	ReviewerName string `bun:",scanonly" json:"reviewer_name"`
	// Score and Level, for the API and the history table.
	Score int      `bun:"-" json:"score"`
	Level Severity `bun:"-" json:"level"`
}

// ReviewInput is a new review. A zero ReviewedOn means today; a NextReviewOn
// sets the risk's next review date.
type ReviewInput struct {
	ReviewedOn   date.Date `json:"reviewed_on" form:"reviewed_on"`
	Probability  int       `json:"probability" form:"probability"`
	Impact       int       `json:"impact" form:"impact"`
	NextReviewOn date.Date `json:"next_review_on" form:"next_review_on"`
	Note         string    `json:"note" form:"note" validate:"max=2000"`
}

func (in *ReviewInput) check(r *Risk, today date.Date) error {
	in.Note = strings.TrimSpace(in.Note)
	if in.ReviewedOn.IsZero() {
		in.ReviewedOn = today
	}
	fields, err := validate.Fields(in)
	if err != nil {
		return err
	}
	if !inScale(in.Probability) {
		fields["probability"] = apperr.Msg("risk.probability_range")
	}
	if !inScale(in.Impact) {
		fields["impact"] = apperr.Msg("risk.impact_range")
	}
	switch {
	case in.ReviewedOn.After(today.AddDays(futureSlack)):
		fields["reviewed_on"] = apperr.Msg("risk.reviewed_in_future")
	case in.ReviewedOn.Before(r.IdentifiedOn):
		fields["reviewed_on"] = apperr.Msg("risk.reviewed_before_identified", "Date", r.IdentifiedOn.String())
	}
	if !in.NextReviewOn.IsZero() && !in.NextReviewOn.After(in.ReviewedOn) {
		fields["next_review_on"] = apperr.Msg("risk.next_review_not_after_review")
	}
	return apperr.InvalidIf(fields)
}

// AddReview records a review of a risk by the actor. The review's rating
// becomes the risk's current probability and impact in the same transaction
// — unless the review is dated before the risk's latest review, in which
// case it only fills in the history: the newest review always decides.
//
// The caller must be allowed to edit the risk (CanEdit). The risk row is
// locked, not for its version (the versioned write checks that) but so that
// reviews of one risk apply one after the other: each compares its date with
// the latest review's, which a simultaneous review could otherwise change.
func AddReview(ctx context.Context, db bun.IDB, caller project.Caller, projectID int64, number int, in ReviewInput, today date.Date) (*Review, error) {
	actorID := caller.UserID
	var rv *Review
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := lock(ctx, tx, projectID, number)
		if err != nil {
			return err
		}
		if !CanEdit(caller, before) {
			return apperr.Forbidden()
		}
		if err := in.check(before, today); err != nil {
			return err
		}
		var latest date.Date
		if err := tx.NewSelect().Table("risk_reviews").ColumnExpr("max(reviewed_on)").Where("risk_id = ?", before.ID).
			Scan(ctx, &latest); err != nil {
			return database.MapError(err)
		}
		rv = &Review{RiskID: before.ID, ReviewedOn: in.ReviewedOn, Note: in.Note, Probability: in.Probability, Impact: in.Impact}
		if actorID != 0 {
			rv.ReviewerID = &actorID
		}
		if _, err := tx.NewInsert().Model(rv).Returning("*").Exec(ctx); err != nil {
			return database.MapError(err)
		}
		rv.evaluate()
		if err := audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "risk_review",
			EntityID: rv.ID, Action: audit.Create, After: rv, Ref: before.Key}); err != nil {
			return err
		}
		if !latest.IsZero() && in.ReviewedOn.Before(latest) {
			return nil
		}
		next := *before
		next.Probability, next.Impact = in.Probability, in.Impact
		if !in.NextReviewOn.IsZero() {
			next.NextReviewOn = in.NextReviewOn
		}
		if next.Probability == before.Probability && next.Impact == before.Impact && next.NextReviewOn == before.NextReviewOn {
			return nil
		}
		return save(ctx, tx, actorID, before, &next, "review")
	})
	return rv, err
}

func (rv *Review) evaluate() {
	rv.Score = Score(rv.Probability, rv.Impact)
	rv.Level = Level(rv.Score)
}

// Reviews returns a risk's reviews in the order they happened, with who made them.
func Reviews(ctx context.Context, db bun.IDB, riskID int64) ([]Review, error) {
	var rvs []Review
	err := db.NewSelect().Model(&rvs).
		ColumnExpr("rv.*, coalesce(u.name, '') AS reviewer_name").
		Join("LEFT JOIN users AS u ON u.id = rv.reviewer_id").
		Where("rv.risk_id = ?", riskID).
		OrderExpr("rv.reviewed_on, rv.id").
		Scan(ctx)
	for i := range rvs {
		rvs[i].evaluate()
	}
	return rvs, database.MapError(err)
}

// PointKind says where a point of a risk's history comes from.
type PointKind string

// Kinds of history point.
const (
	Identified PointKind = "identified" // the rating when the risk was identified
	Reviewed   PointKind = "reviewed"   // a review
	Edited     PointKind = "edited"     // the current rating, changed by an edit since the last review
)

// Point is one step of a risk's score history.
type Point struct {
	On          date.Date `json:"on"`
	Kind        PointKind `json:"kind"`
	Probability int       `json:"probability"`
	Impact      int       `json:"impact"`
	Score       int       `json:"score"`
	Level       Severity  `json:"level"`
	Note        string    `json:"note,omitempty"`
	By          string    `json:"by,omitempty"`
}

// History is a risk's score over time: its rating when identified, then each
// review in order, then — if an edit changed the rating after the last review
// — the current rating, dated the day of that edit.
func History(r *Risk, reviews []Review) []Point {
	pt := func(on date.Date, kind PointKind, p, i int) Point {
		return Point{On: on, Kind: kind, Probability: p, Impact: i, Score: Score(p, i), Level: Level(Score(p, i))}
	}
	out := []Point{pt(r.IdentifiedOn, Identified, r.InitialProbability, r.InitialImpact)}
	for _, rv := range reviews {
		p := pt(rv.ReviewedOn, Reviewed, rv.Probability, rv.Impact)
		p.Note, p.By = rv.Note, rv.ReviewerName
		out = append(out, p)
	}
	last := out[len(out)-1]
	if last.Probability != r.Probability || last.Impact != r.Impact {
		on := date.Of(r.UpdatedAt)
		if on.Before(last.On) {
			on = last.On
		}
		out = append(out, pt(on, Edited, r.Probability, r.Impact))
	}
	return out
}
