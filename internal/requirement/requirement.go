// Package requirement holds the project's requirement backlog: each item with
// its key (CRM-42), user story, acceptance criteria, tier (must / important /
// optional), rank in one total order, phase, kind, approach (configuration or
// customisation), business owner, status, estimate and the goals it serves.
// Every change is kept in the audit trail, which the history page and the churn
// chart read back.
package requirement

import (
	"context"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/project"
	"rollout/internal/validate"
)

// Tier is a business owner's ranking class.
type Tier string

// Tiers, most important first.
const (
	Must      Tier = "must"
	Important Tier = "important"
	Optional  Tier = "optional"
)

// Tiers lists the tiers in order.
var Tiers = []Tier{Must, Important, Optional}

// Kind says what sort of work a requirement is.
type Kind string

// Kinds.
const (
	Process          Kind = "process"
	Feature          Kind = "feature"
	Report           Kind = "report"
	Integration      Kind = "integration"
	DataMigration    Kind = "data_migration"
	Training         Kind = "training"
	ChangeManagement Kind = "change_management"
	OtherKind        Kind = "other"
)

// Kinds lists the kinds in form order.
var Kinds = []Kind{Process, Feature, Report, Integration, DataMigration, Training, ChangeManagement, OtherKind}

// Approach says whether the CRM is configured or custom-built for it.
type Approach string

// Approaches.
const (
	Configuration Approach = "configuration"
	Customization Approach = "customization"
)

// Approaches lists both approaches.
var Approaches = []Approach{Configuration, Customization}

// Status is where a requirement stands.
type Status string

// Statuses.
const (
	Proposed   Status = "proposed"
	Approved   Status = "approved"
	InProgress Status = "in_progress"
	Done       Status = "done"
	Rejected   Status = "rejected"
	Deferred   Status = "deferred"
)

// Statuses lists the statuses in workflow order.
var Statuses = []Status{Proposed, Approved, InProgress, Done, Rejected, Deferred}

// Requirement is one item of the backlog.
type Requirement struct {
	bun.BaseModel `bun:"table:requirements,alias:r"`

	ID                 int64     `bun:",pk,autoincrement" json:"id"`
	ProjectID          int64     `json:"-"`
	Number             int       `json:"number"`
	Title              string    `json:"title"`
	UserStory          string    `json:"user_story"`
	AcceptanceCriteria []string  `bun:",array" json:"acceptance_criteria"`
	Tier               Tier      `json:"tier"`
	Rank               int64     `json:"rank"`
	PhaseID            *int64    `json:"phase_id"`
	Kind               Kind      `json:"kind"`
	Approach           Approach  `json:"approach"`
	OwnerID            *int64    `json:"owner_id"`
	Status             Status    `json:"status"`
	EstimateDays       *float64  `json:"estimate_days"`
	Version            int       `json:"version"`
	CreatedAt          time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`
	UpdatedAt          time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"updated_at"`

	GoalIDs []int64 `bun:"goal_ids,array,scanonly" json:"goal_ids"`
}

// Input creates or edits a requirement; field names are the API's.
type Input struct {
	Title              string   `json:"title" form:"title" validate:"required,max=300"`
	UserStory          string   `json:"user_story" form:"user_story" validate:"max=4000"`
	AcceptanceCriteria []string `json:"acceptance_criteria" form:"acceptance_criteria" validate:"max=50,dive,max=1000"`
	Tier               Tier     `json:"tier" form:"tier" validate:"required,oneof=must important optional"`
	PhaseID            *int64   `json:"phase_id" form:"phase_id"`
	Kind               Kind     `json:"kind" form:"kind" validate:"required,oneof=process feature report integration data_migration training change_management other"`
	Approach           Approach `json:"approach" form:"approach" validate:"required,oneof=configuration customization"`
	OwnerID            *int64   `json:"owner_id" form:"owner_id"`
	Status             Status   `json:"status" form:"status" validate:"required,oneof=proposed approved in_progress done rejected deferred"`
	EstimateDays       *float64 `json:"estimate_days" form:"estimate_days" validate:"omitempty,days,gte=0"`
	GoalIDs            []int64  `json:"goal_ids" form:"goal_ids"`
	Version            int      `json:"version" form:"version"`
}

// InputOf returns the editable fields of r.
func InputOf(r *Requirement) Input {
	return Input{Title: r.Title, UserStory: r.UserStory, AcceptanceCriteria: slices.Clone(r.AcceptanceCriteria),
		Tier: r.Tier, PhaseID: r.PhaseID, Kind: r.Kind, Approach: r.Approach, OwnerID: r.OwnerID, Status: r.Status,
		EstimateDays: r.EstimateDays, GoalIDs: slices.Clone(r.GoalIDs), Version: r.Version}
}

// normalize trims text, drops empty criteria and treats zero ids as none.
func (in *Input) normalize() {
	in.Title = strings.TrimSpace(in.Title)
	in.UserStory = strings.TrimSpace(in.UserStory)
	criteria := in.AcceptanceCriteria[:0]
	for _, c := range in.AcceptanceCriteria {
		if c = strings.TrimSpace(c); c != "" {
			criteria = append(criteria, c)
		}
	}
	in.AcceptanceCriteria = criteria
	if in.PhaseID != nil && *in.PhaseID == 0 {
		in.PhaseID = nil
	}
	if in.OwnerID != nil && *in.OwnerID == 0 {
		in.OwnerID = nil
	}
	goals := in.GoalIDs[:0]
	for _, g := range in.GoalIDs {
		if g != 0 && !slices.Contains(goals, g) {
			goals = append(goals, g)
		}
	}
	in.GoalIDs = goals
	if in.Status == "" {
		in.Status = Proposed
	}
}

// check validates the input against the project: its phase and goals must be
// the project's own, its owner a member who may act.
func (in *Input) check(ctx context.Context, db bun.IDB, projectID int64) error {
	in.normalize()
	fields, err := validate.Fields(in)
	if err != nil {
		return err
	}
	if in.EstimateDays != nil && (*in.EstimateDays < 0 || math.IsNaN(*in.EstimateDays) || math.IsInf(*in.EstimateDays, 0)) {
		fields["estimate_days"] = apperr.Msg("requirement.estimate_invalid")
	}
	problems, err := project.CheckRefs(ctx, db, projectID, "requirement",
		project.Refs{PhaseID: in.PhaseID, OwnerID: in.OwnerID, GoalIDs: in.GoalIDs})
	if err != nil {
		return err
	}
	maps.Copy(fields, problems)
	return apperr.InvalidIf(fields)
}

// pgArray passes ids as one PostgreSQL array parameter.
func pgArray(ids []int64) any {
	if ids == nil {
		ids = []int64{}
	}
	return pgdialect.Array(ids)
}

func apply(r *Requirement, in Input) {
	r.Title, r.UserStory, r.AcceptanceCriteria, r.Tier, r.PhaseID = in.Title, in.UserStory, in.AcceptanceCriteria, in.Tier, in.PhaseID
	r.Kind, r.Approach, r.OwnerID, r.Status, r.EstimateDays, r.GoalIDs = in.Kind, in.Approach, in.OwnerID, in.Status, in.EstimateDays, in.GoalIDs
	if r.AcceptanceCriteria == nil {
		r.AcceptanceCriteria = []string{}
	}
	if r.GoalIDs == nil {
		r.GoalIDs = []int64{}
	}
}

// gap is the distance between the ranks of items added at the end.
const gap = 1 << 16

// Create adds a requirement at the bottom of the backlog with the project's
// next number. Outside a transaction the write is one statement, its own
// transaction (see insert); inside db's transaction it runs in it.
func Create(ctx context.Context, db bun.IDB, actorID, projectID int64, in Input) (*Requirement, error) {
	return create(ctx, db, actorID, projectID, in, "")
}

// create checks and inserts one requirement; ref links the audit entry to
// what caused it (an import, a change request). A failed check takes no
// number.
func create(ctx context.Context, db bun.IDB, actorID, projectID int64, in Input, ref string) (*Requirement, error) {
	if err := in.check(ctx, db, projectID); err != nil {
		return nil, err
	}
	r := &Requirement{ProjectID: projectID, Version: 1}
	apply(r, in)
	if err := insert(ctx, db, r, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "requirement",
		Action: audit.Create, After: r, Ref: ref}); err != nil {
		return nil, err
	}
	return r, nil
}

// insert writes r (its number and rank taken here), its goal links and its
// audit entry w in one statement.
//
// The number and the rank come from the project row (requirement_seq and
// requirement_rank_tail), whose lock the statement holds from its UPDATE to
// its commit: concurrent creates of one project wait for each other's
// statement only. The rank is the tail, not max(rank)+gap: the statement's
// snapshot predates its wait for the lock and may miss the rank the creation
// that held it just committed, while the UPDATE re-reads the row after the
// wait. Every other writer of ranks raises the tail under the same lock
// (raiseTail); the max(rank) term covers rows loaded by SQL alone.
//
// The same UPDATE moves the read cache's revision and marks the project as
// revised in this transaction, which the audit trigger of migration 0019
// would otherwise do at commit with a second UPDATE of the locked row:
// one row version and one trigger UPDATE less in the lock window.
func insert(ctx context.Context, db bun.IDB, r *Requirement, w audit.Write) error {
	next := db.NewUpdate().Table("projects").
		Set("requirement_seq = requirement_seq + 1").
		Set("requirement_rank_tail = greatest(requirement_rank_tail, (SELECT coalesce(max(rank), 0) FROM requirements WHERE project_id = ?)) + ?", r.ProjectID, gap).
		Set("revision = revision + 1").
		Where("id = ?", r.ProjectID).
		Returning("requirement_seq AS number, requirement_rank_tail AS rank, set_config('rollout.changed_' || id, '1', true) AS revised")
	row := db.NewInsert().Model(r).
		Value("number", "(SELECT number FROM next_key)").
		Value("rank", "(SELECT rank FROM next_key)").
		Returning("*")
	entry, err := audit.Created{Write: w, From: "created", EntityID: "f.id", Assigned: []string{"id", "number", "rank"}}.Query(db)
	if err != nil {
		return apperr.Internal(err)
	}
	q := db.NewSelect().With("next_key", next).With("created", row)
	if len(r.GoalIDs) > 0 {
		q = q.With("goal_links", db.NewRaw("INSERT INTO requirement_goals (requirement_id, goal_id) SELECT created.id, unnest(?::bigint[]) FROM created",
			pgArray(r.GoalIDs)))
	}
	q = q.With("entry", entry).Table("created").ColumnExpr("created.*")
	if err := q.Scan(ctx, r); err != nil {
		return database.MapError(err)
	}
	return nil
}

func setGoals(ctx context.Context, tx bun.Tx, requirementID int64, goalIDs []int64) error {
	if _, err := tx.NewDelete().Table("requirement_goals").Where("requirement_id = ?", requirementID).Exec(ctx); err != nil {
		return database.MapError(err)
	}
	if len(goalIDs) == 0 {
		return nil
	}
	_, err := tx.NewRaw("INSERT INTO requirement_goals (requirement_id, goal_id) SELECT ?, unnest(?::bigint[])",
		requirementID, pgArray(goalIDs)).Exec(ctx)
	return database.MapError(err)
}

// selectWithGoals reads requirements with their goal ids.
func selectWithGoals(db bun.IDB, model any) *bun.SelectQuery {
	return db.NewSelect().Model(model).
		ColumnExpr("r.*").
		ColumnExpr("coalesce((SELECT array_agg(rg.goal_id ORDER BY rg.goal_id) FROM requirement_goals AS rg WHERE rg.requirement_id = r.id), '{}') AS goal_ids")
}

// Get returns the requirement with this number in the project.
func Get(ctx context.Context, db bun.IDB, projectID int64, number int) (*Requirement, error) {
	r := new(Requirement)
	err := selectWithGoals(db, r).Where("r.project_id = ? AND r.number = ?", projectID, number).Scan(ctx)
	return r, database.MapError(err)
}

// CanEdit reports whether the caller may edit the requirement: business
// owners and project managers, or its owner whatever their role — but never
// a viewer.
func CanEdit(caller project.Caller, r *Requirement) bool {
	owner := int64(0)
	if r.OwnerID != nil {
		owner = *r.OwnerID
	}
	return caller.CanOrOwns(project.ManageRequirements, owner)
}

// Update edits a requirement if in.Version is still current and the caller
// may edit it (CanEdit).
func Update(ctx context.Context, db bun.IDB, caller project.Caller, projectID int64, number int, in Input) (*Requirement, error) {
	var r *Requirement
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := Get(ctx, tx, projectID, number)
		if err == nil && !CanEdit(caller, before) {
			err = apperr.Forbidden()
		}
		if err != nil {
			return err
		}
		r, err = updateFrom(ctx, tx, caller.UserID, before, in, "")
		return err
	})
	return r, err
}

// update writes in over requirement number (changes applied, imports).
func update(ctx context.Context, tx bun.Tx, actorID, projectID int64, number int, in Input, ref string) (*Requirement, error) {
	before, err := Get(ctx, tx, projectID, number)
	if err != nil {
		return nil, err
	}
	return updateFrom(ctx, tx, actorID, before, in, ref)
}

// updateFrom writes in over before if in names before's version.
func updateFrom(ctx context.Context, tx bun.Tx, actorID int64, before *Requirement, in Input, ref string) (*Requirement, error) {
	projectID := before.ProjectID
	if before.Version != in.Version {
		return nil, apperr.Conflict("")
	}
	if err := in.check(ctx, tx, projectID); err != nil {
		return nil, err
	}
	r := *before
	apply(&r, in)
	if err := save(ctx, tx, actorID, before, &r, ref); err != nil {
		return nil, err
	}
	if !slices.Equal(before.GoalIDs, r.GoalIDs) {
		if err := setGoals(ctx, tx, r.ID, r.GoalIDs); err != nil {
			return nil, err
		}
	}
	return &r, nil
}

var contentColumns = []string{"title", "user_story", "acceptance_criteria", "tier", "phase_id", "kind", "approach",
	"owner_id", "status", "estimate_days"}

// save writes r's content over before through the one versioned write: a row
// that moved on since before was read is a Conflict.
func save(ctx context.Context, tx bun.Tx, actorID int64, before, r *Requirement, ref string) error {
	return audit.UpdateVersioned(ctx, tx, audit.Write{ProjectID: r.ProjectID, ActorID: actorID, Entity: "requirement",
		EntityID: r.ID, Before: before, After: r, Ref: ref}, before.Version, contentColumns...)
}

// Delete removes a requirement from the backlog.
func Delete(ctx context.Context, db bun.IDB, actorID, projectID int64, number int) error {
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		return remove(ctx, tx, actorID, projectID, number, "")
	})
}

func remove(ctx context.Context, tx bun.Tx, actorID, projectID int64, number int, ref string) error {
	before, err := Get(ctx, tx, projectID, number)
	if err != nil {
		return err
	}
	if _, err := tx.NewDelete().Model(before).WherePK().Exec(ctx); err != nil {
		return database.MapError(err)
	}
	return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "requirement",
		EntityID: before.ID, Action: audit.Delete, Before: before, Ref: ref})
}

// Change is a bulk edit: each field that is set is applied to every selected item.
type Change struct {
	Tier     Tier   `json:"tier" form:"tier" validate:"omitempty,oneof=must important optional"`
	Status   Status `json:"status" form:"status" validate:"omitempty,oneof=proposed approved in_progress done rejected deferred"`
	SetPhase bool   `json:"set_phase" form:"set_phase"`
	PhaseID  *int64 `json:"phase_id" form:"phase_id"` // with SetPhase; nil clears the phase
	Numbers  []int  `json:"numbers" form:"numbers" validate:"required,min=1,max=1000"`
}

// Bulk applies one change to many requirements in one transaction, each with
// its own version bump and audit entry. It returns how many changed.
func Bulk(ctx context.Context, db bun.IDB, actorID, projectID int64, ch Change) (int, error) {
	if err := validate.Struct(&ch); err != nil {
		return 0, err
	}
	if ch.Tier == "" && ch.Status == "" && !ch.SetPhase {
		return 0, apperr.InvalidField("change", "requirement.bulk_nothing")
	}
	if ch.PhaseID != nil && *ch.PhaseID == 0 {
		ch.PhaseID = nil
	}
	changed := 0
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if ch.SetPhase && ch.PhaseID != nil {
			ok, err := tx.NewSelect().Table("phases").Where("id = ? AND project_id = ?", *ch.PhaseID, projectID).Exists(ctx)
			if err != nil {
				return database.MapError(err)
			}
			if !ok {
				return apperr.InvalidField("phase_id", "requirement.no_such_phase")
			}
		}
		var rs []Requirement
		if err := selectWithGoals(tx, &rs).Where("r.project_id = ? AND r.number IN (?)", projectID, bun.List(ch.Numbers)).
			For("UPDATE OF r").Scan(ctx); err != nil {
			return database.MapError(err)
		}
		if len(rs) != len(ch.Numbers) {
			return apperr.InvalidField("numbers", "requirement.bulk_unknown")
		}
		var writes []audit.Write
		for i := range rs {
			before := rs[i]
			r := before
			if ch.Tier != "" {
				r.Tier = ch.Tier
			}
			if ch.Status != "" {
				r.Status = ch.Status
			}
			if ch.SetPhase {
				r.PhaseID = ch.PhaseID
			}
			if r.Tier == before.Tier && r.Status == before.Status && samePhase(r.PhaseID, before.PhaseID) {
				continue
			}
			r.Version, r.UpdatedAt = before.Version+1, time.Now()
			if _, err := tx.NewUpdate().Model(&r).Column("tier", "status", "phase_id", "version", "updated_at").WherePK().Exec(ctx); err != nil {
				return database.MapError(err)
			}
			changed++
			writes = append(writes, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "requirement",
				EntityID: r.ID, Action: audit.Update, Before: &before, After: &r, Ref: "bulk"})
		}
		return audit.RecordMany(ctx, tx, writes)
	})
	return changed, err
}

func samePhase(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}
