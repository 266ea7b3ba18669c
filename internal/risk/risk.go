// Package risk holds the project's risk register: risks rated probability ×
// impact on 1–5 scales (score and level come from one rule, Score and Level),
// an optional residual rating after mitigation, an owner, mitigation and
// contingency plans, and dated reviews that move the current rating and draw
// its history. Keys are per project (CRM-R-7), allocated from
// projects.risk_seq inside the creating transaction. Every write records an
// audit entry in the same transaction. The CRM template's starter risks
// (starter.go) and the spreadsheet import and export (import.go) live here too.
package risk

import (
	"context"
	"maps"
	"strconv"
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

// Category says what kind of trouble a risk is.
type Category string

// Categories.
const (
	DataMigration Category = "data_migration"
	Integration   Category = "integration"
	Adoption      Category = "adoption"
	Vendor        Category = "vendor"
	Scope         Category = "scope"
	Schedule      Category = "schedule"
	Budget        Category = "budget"
	DataQuality   Category = "data_quality"
	Security      Category = "security"
	Other         Category = "other"
)

// Categories lists every category in form order.
var Categories = []Category{DataMigration, Integration, Adoption, Vendor, Scope, Schedule, Budget, DataQuality, Security, Other}

// Status is where a risk stands.
type Status string

// Statuses. Open and mitigating risks are active: they are reviewed, and a
// review date in the past makes them overdue. An occurred risk has turned
// into an issue; a closed one can no longer happen.
const (
	Open       Status = "open"
	Mitigating Status = "mitigating"
	Closed     Status = "closed"
	Occurred   Status = "occurred"
)

// Statuses lists every status in form order.
var Statuses = []Status{Open, Mitigating, Closed, Occurred}

// Active reports whether a risk in this status is still being managed.
func (s Status) Active() bool { return s == Open || s == Mitigating }

// Severity is the level of a score: low, medium, high or critical.
type Severity string

// Levels of a score.
const (
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Levels lists every level, lowest first.
var Levels = []Severity{Low, Medium, High, Critical}

// Upper bounds of the level bands. Scores are products of two numbers from 1
// to 5, so the bands read 1–4 low, 5–9 medium, 10–16 high, 20–25 critical
// (no score falls between 16 and 20). The register page states them.
const (
	LowMax    = 4
	MediumMax = 9
	HighMax   = 16
	MaxScore  = 25
)

// Scale is the top of the probability and impact scales (both run 1 to Scale).
const Scale = 5

// Score is probability × impact.
func Score(probability, impact int) int { return probability * impact }

// Level returns the level of a score.
func Level(score int) Severity {
	switch {
	case score <= LowMax:
		return Low
	case score <= MediumMax:
		return Medium
	case score <= HighMax:
		return High
	}
	return Critical
}

// Range returns the lowest and highest score of a level (0, 0 for an unknown one).
func (s Severity) Range() (int, int) {
	switch s {
	case Low:
		return 1, LowMax
	case Medium:
		return LowMax + 1, MediumMax
	case High:
		return MediumMax + 1, HighMax
	case Critical:
		return HighMax + 1, MaxScore
	}
	return 0, 0
}

// Risk is one entry of the register.
type Risk struct {
	bun.BaseModel `bun:"table:risks,alias:r"`

	ID                  int64     `bun:",pk,autoincrement" json:"id"`
	ProjectID           int64     `json:"-"`
	Number              int       `json:"number"`
	Title               string    `json:"title"`
	Description         string    `json:"description"`
	Category            Category  `json:"category"`
	Probability         int       `json:"probability"`
	Impact              int       `json:"impact"`
	InitialProbability  int       `json:"initial_probability"`
	InitialImpact       int       `json:"initial_impact"`
	ResidualProbability *int      `json:"residual_probability"`
	ResidualImpact      *int      `json:"residual_impact"`
	OwnerID             int64     `json:"owner_id"`
	Mitigation          string    `json:"mitigation"`
	Contingency         string    `json:"contingency"`
	Trigger             string    `json:"trigger"`
	Status              Status    `json:"status"`
	IdentifiedOn        date.Date `bun:"type:date" json:"identified_on"`
	NextReviewOn        date.Date `bun:"type:date" json:"next_review_on"`
	MilestoneID         *int64    `json:"milestone_id"`
	Version             int       `json:"version"`
	CreatedAt           time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`
	UpdatedAt           time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"updated_at"`

	// Key is the project's key, "-R-" and the number: CRM-R-7.
	Key string `bun:",scanonly" json:"key"`
}

// KeyOf returns a risk's key in a project: CRM-R-7.
func KeyOf(projectKey string, number int) string {
	return projectKey + "-R-" + strconv.Itoa(number)
}

// Input creates or edits a risk. Residual ratings are pointers: both or
// neither. A zero Status means open (on creation) or unchanged; a zero
// IdentifiedOn means today (on creation) or unchanged.
type Input struct {
	Title               string    `json:"title" form:"title" validate:"required,max=200"`
	Description         string    `json:"description" form:"description" validate:"max=4000"`
	Category            Category  `json:"category" form:"category" validate:"required,oneof=data_migration integration adoption vendor scope schedule budget data_quality security other"`
	Probability         int       `json:"probability" form:"probability"`
	Impact              int       `json:"impact" form:"impact"`
	ResidualProbability *int      `json:"residual_probability" form:"residual_probability" validate:"omitempty,score"`
	ResidualImpact      *int      `json:"residual_impact" form:"residual_impact" validate:"omitempty,score"`
	OwnerID             int64     `json:"owner_id" form:"owner_id"`
	Mitigation          string    `json:"mitigation" form:"mitigation" validate:"max=4000"`
	Contingency         string    `json:"contingency" form:"contingency" validate:"max=4000"`
	Trigger             string    `json:"trigger" form:"trigger" validate:"max=1000"`
	Status              Status    `json:"status" form:"status" validate:"omitempty,oneof=open mitigating closed occurred"`
	IdentifiedOn        date.Date `json:"identified_on" form:"identified_on"`
	NextReviewOn        date.Date `json:"next_review_on" form:"next_review_on"`
	MilestoneID         *int64    `json:"milestone_id" form:"milestone_id"`
	Version             int       `json:"version" form:"version"`
}

// InputOf returns the editable fields of r, the base of a partial update.
func InputOf(r *Risk) Input {
	return Input{Title: r.Title, Description: r.Description, Category: r.Category, Probability: r.Probability,
		Impact: r.Impact, ResidualProbability: r.ResidualProbability, ResidualImpact: r.ResidualImpact,
		OwnerID: r.OwnerID, Mitigation: r.Mitigation, Contingency: r.Contingency, Trigger: r.Trigger,
		Status: r.Status, IdentifiedOn: r.IdentifiedOn, NextReviewOn: r.NextReviewOn, MilestoneID: r.MilestoneID,
		Version: r.Version}
}

// futureSlack lets a date be tomorrow (time zones) but no later.
const futureSlack = 1

func inScale(n int) bool { return n >= 1 && n <= Scale }

// check validates the input; every missing or wrong field gets its message.
func (in *Input) check(ctx context.Context, db bun.IDB, projectID int64, today date.Date) error {
	fields, err := in.checkFields(today)
	if err != nil {
		return err
	}
	if in.OwnerID == 0 {
		fields["owner_id"] = apperr.Msg("risk.owner_required")
	}
	refs := project.Refs{MilestoneID: in.MilestoneID}
	if in.OwnerID != 0 {
		refs.OwnerID = &in.OwnerID
	}
	if refs.MilestoneID != nil && *refs.MilestoneID <= 0 {
		refs.MilestoneID = nil
	}
	problems, err := project.CheckRefs(ctx, db, projectID, "risk", refs)
	if err != nil {
		return err
	}
	maps.Copy(fields, problems)
	return apperr.InvalidIf(fields)
}

// ownerProblem says what is wrong with an owner the import found by email:
// not a member of the project, or one who may not act (project.CheckRefs
// holds the same rule for forms and the API).
func ownerProblem(member bool, role project.Role) apperr.Message {
	switch {
	case !member:
		return apperr.Msg("risk.owner_not_member")
	case !project.MayAct(role):
		return apperr.Msg("risk.owner_viewer")
	}
	return apperr.Message{}
}

// checkFields checks everything but the owner, and returns the problems by field.
func (in *Input) checkFields(today date.Date) (map[string]apperr.Message, error) {
	in.Title, in.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description)
	in.Mitigation, in.Contingency, in.Trigger = strings.TrimSpace(in.Mitigation), strings.TrimSpace(in.Contingency), strings.TrimSpace(in.Trigger)
	fields, err := validate.Fields(in)
	if err != nil {
		return nil, err
	}
	if !inScale(in.Probability) {
		fields["probability"] = apperr.Msg("risk.probability_range")
	}
	if !inScale(in.Impact) {
		fields["impact"] = apperr.Msg("risk.impact_range")
	}
	switch rp, ri := in.ResidualProbability, in.ResidualImpact; {
	case rp == nil && ri != nil:
		fields["residual_probability"] = apperr.Msg("risk.residual_both")
	case rp != nil && ri == nil:
		fields["residual_impact"] = apperr.Msg("risk.residual_both")
	case rp != nil:
		if !inScale(*rp) {
			fields["residual_probability"] = apperr.Msg("risk.residual_range")
		}
		if !inScale(*ri) {
			fields["residual_impact"] = apperr.Msg("risk.residual_range")
		}
	}
	if in.IdentifiedOn.After(today.AddDays(futureSlack)) {
		fields["identified_on"] = apperr.Msg("risk.identified_in_future")
	}
	if in.MilestoneID != nil && *in.MilestoneID <= 0 {
		fields["milestone_id"] = apperr.Msg("risk.milestone_invalid")
	}
	return fields, nil
}

// Create adds a risk to the project's register. Outside a transaction the
// write is one statement, its own transaction; inside db's it runs in it.
func Create(ctx context.Context, db bun.IDB, actorID, projectID int64, in Input, today date.Date) (*Risk, error) {
	return create(ctx, db, actorID, projectID, in, today, "")
}

// create checks and inserts a risk with the next number, and records it, in
// one statement (a failed check takes no number).
func create(ctx context.Context, db bun.IDB, actorID, projectID int64, in Input, today date.Date, ref string) (*Risk, error) {
	if in.Status == "" {
		in.Status = Open
	}
	if in.IdentifiedOn.IsZero() {
		in.IdentifiedOn = today
	}
	if err := in.check(ctx, db, projectID, today); err != nil {
		return nil, err
	}
	r := &Risk{ProjectID: projectID, Version: 1, InitialProbability: in.Probability, InitialImpact: in.Impact}
	apply(r, in)
	err := project.CreateNumbered(ctx, db, projectID, "risk_seq",
		db.NewInsert().Model(r).Value("number", "(SELECT n FROM next_number)").
			Returning("*, (SELECT key FROM next_number) || '-R-' || number AS key"),
		audit.Created{Write: audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "risk", Action: audit.Create, After: r, Ref: ref},
			EntityID: "f.key", Assigned: []string{"id", "number", "key"}}, r)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Propose adds a risk raised by someone who does not manage the register: it
// starts open, and belongs to its proposer unless they name another owner.
func Propose(ctx context.Context, db bun.IDB, actorID, projectID int64, in Input, today date.Date) (*Risk, error) {
	in.Status = Open
	if in.OwnerID == 0 {
		in.OwnerID = actorID
	}
	return Create(ctx, db, actorID, projectID, in, today)
}

func apply(r *Risk, in Input) {
	r.Title, r.Description, r.Category, r.Probability, r.Impact = in.Title, in.Description, in.Category, in.Probability, in.Impact
	r.ResidualProbability, r.ResidualImpact, r.OwnerID = in.ResidualProbability, in.ResidualImpact, in.OwnerID
	r.Mitigation, r.Contingency, r.Trigger, r.Status = in.Mitigation, in.Contingency, in.Trigger, in.Status
	r.IdentifiedOn, r.NextReviewOn, r.MilestoneID = in.IdentifiedOn, in.NextReviewOn, in.MilestoneID
}

func selectRisk(db bun.IDB, r *Risk) *bun.SelectQuery {
	return db.NewSelect().Model(r).ColumnExpr("r.*").ColumnExpr("p.key || '-R-' || r.number AS key").
		Join("JOIN projects AS p ON p.id = r.project_id")
}

// Get returns the risk with this number in the project.
func Get(ctx context.Context, db bun.IDB, projectID int64, number int) (*Risk, error) {
	r := new(Risk)
	err := selectRisk(db, r).Where("r.project_id = ? AND r.number = ?", projectID, number).Scan(ctx)
	return r, database.MapError(err)
}

// lock reads the risk for update: reviews and edits of one risk run one after the other.
func lock(ctx context.Context, tx bun.Tx, projectID int64, number int) (*Risk, error) {
	r := new(Risk)
	err := selectRisk(tx, r).Where("r.project_id = ? AND r.number = ?", projectID, number).For("UPDATE OF r").Scan(ctx)
	return r, database.MapError(err)
}

// Update edits a risk if in.Version is still current.
// The caller must be allowed to edit the risk (CanEdit).
func Update(ctx context.Context, db bun.IDB, caller project.Caller, projectID int64, number int, in Input, today date.Date) (*Risk, error) {
	var r *Risk
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		// No row lock: the version in the update's WHERE clause settles two
		// concurrent edits (reviews lock, see AddReview).
		before, err := Get(ctx, tx, projectID, number)
		if err != nil {
			return err
		}
		if !CanEdit(caller, before) {
			return apperr.Forbidden()
		}
		if before.Version != in.Version {
			return apperr.Conflict("")
		}
		r, err = update(ctx, tx, caller.UserID, before, in, today, "")
		return err
	})
	return r, err
}

// update writes in over before (locked, version already checked) and records it.
func update(ctx context.Context, tx bun.Tx, actorID int64, before *Risk, in Input, today date.Date, ref string) (*Risk, error) {
	if in.Status == "" {
		in.Status = before.Status
	}
	if in.IdentifiedOn.IsZero() {
		in.IdentifiedOn = before.IdentifiedOn
	}
	if err := in.check(ctx, tx, before.ProjectID, today); err != nil {
		return nil, err
	}
	next := *before
	apply(&next, in)
	if err := save(ctx, tx, actorID, before, &next, ref); err != nil {
		return nil, err
	}
	return &next, nil
}

// save writes next over before through the one versioned write: a row that
// moved on since before was read is a Conflict. The initial rating is kept as
// first recorded.
func save(ctx context.Context, tx bun.Tx, actorID int64, before, next *Risk, ref string) error {
	return audit.UpdateVersioned(ctx, tx, audit.Write{ProjectID: next.ProjectID, ActorID: actorID, Entity: "risk",
		EntityID: next.Key, Before: before, After: next, Ref: ref}, before.Version, editableColumns...)
}

// editableColumns is what an edit or a review may change.
var editableColumns = []string{"title", "description", "category", "probability", "impact", "residual_probability",
	"residual_impact", "owner_id", "mitigation", "contingency", "trigger", "status", "identified_on", "next_review_on",
	"milestone_id"}

// Delete removes a risk and its reviews. Its number is not given out again.
func Delete(ctx context.Context, db bun.IDB, actorID, projectID int64, number int) error {
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := lock(ctx, tx, projectID, number)
		if err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model(before).WherePK().Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "risk",
			EntityID: before.Key, Action: audit.Delete, Before: before})
	})
}

// CanEdit reports whether the caller may edit and review the risk: project
// managers and the steering committee always, its owner too whatever their
// role — but never a viewer, who changes nothing.
func CanEdit(caller project.Caller, r *Risk) bool {
	return caller.CanOrOwns(project.ManageRisks, r.OwnerID)
}
