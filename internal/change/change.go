// Package change holds change requests: what should change in the plan and
// why, its impact, the steering committee's votes, and the structured
// operations it carries (add or remove a requirement, change a requirement's
// tier or phase, shift a milestone). An approved request is applied by a
// project manager in one transaction; if anything it touches moved on since
// the approval, nothing is applied and each conflict is listed.
//
// Operations, the items they change (Target: a requirement by number, a
// milestone by id) and what applying them did (Result) are typed values;
// pages bind a form into an OperationInput and ask Labels for exactly the
// titles they show. Their JSON is the shape stored rows and the API have
// always had: a Target is "requirement:42" as text.
package change

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/project"
	"rollout/internal/validate"
)

// Status is where a request stands in its workflow:
// draft → submitted → approved / rejected / withdrawn → implemented.
type Status string

// Statuses.
const (
	Draft       Status = "draft"
	Submitted   Status = "submitted"
	Approved    Status = "approved"
	Rejected    Status = "rejected"
	Withdrawn   Status = "withdrawn"
	Implemented Status = "implemented"
)

// Statuses lists them in workflow order.
var Statuses = []Status{Draft, Submitted, Approved, Rejected, Withdrawn, Implemented}

// Affected says who the change touches.
type Affected struct {
	Roles       []string `json:"roles"`
	Departments []string `json:"departments"`
	Note        string   `json:"note"`
}

// Impact is what the change costs.
type Impact struct {
	ScheduleDays int      `json:"schedule_days" validate:"days"`
	Cost         float64  `json:"cost" validate:"money"`
	EffortDays   float64  `json:"effort_days" validate:"days"`
	Affected     Affected `json:"affected"`
}

// Request is one change request.
type Request struct {
	bun.BaseModel `bun:"table:change_requests,alias:cr"`

	ID                  int64          `bun:",pk,autoincrement" json:"id"`
	ProjectID           int64          `json:"-"`
	Number              int            `json:"number"`
	Title               string         `json:"title"`
	Reason              string         `json:"reason"`
	Description         string         `json:"description"`
	ExpectedEffect      string         `json:"expected_effect"`
	RequestedBy         *int64         `json:"requested_by"`
	GoalIDs             []int64        `bun:"goal_ids,array" json:"goal_ids"`
	ScheduleDays        int            `json:"-"`
	Cost                float64        `json:"-"`
	EffortDays          float64        `json:"-"`
	AffectedRoles       []string       `bun:",array" json:"-"`
	AffectedDepartments []string       `bun:",array" json:"-"`
	AffectedNote        string         `json:"-"`
	Operations          []Operation    `bun:"type:jsonb" json:"operations"`
	Status              Status         `json:"status"`
	SubmittedAt         *time.Time     `json:"submitted_at"`
	DecidedAt           *time.Time     `json:"decided_at"`
	ApprovedVersions    map[Target]int `bun:"type:jsonb" json:"-"`
	AppliedAt           *time.Time     `json:"applied_at"`
	AppliedBy           *int64         `json:"applied_by"`
	ApplyResult         []Result       `bun:"type:jsonb" json:"apply_result,omitempty"`
	Version             int            `json:"version"`
	CreatedAt           time.Time      `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`
	UpdatedAt           time.Time      `bun:",nullzero,notnull,default:current_timestamp" json:"updated_at"`
}

// Impact returns the request's impact as one value.
func (r *Request) Impact() Impact {
	return Impact{ScheduleDays: r.ScheduleDays, Cost: r.Cost, EffortDays: r.EffortDays,
		Affected: Affected{Roles: r.AffectedRoles, Departments: r.AffectedDepartments, Note: r.AffectedNote}}
}

// Input drafts or edits a request.
type Input struct {
	Title          string      `json:"title" validate:"required,max=200"`
	Reason         string      `json:"reason" validate:"max=4000"`
	Description    string      `json:"description" validate:"max=8000"`
	ExpectedEffect string      `json:"expected_effect" validate:"max=4000"`
	GoalIDs        []int64     `json:"goal_ids"`
	Impact         Impact      `json:"impact"`
	Operations     []Operation `json:"operations" validate:"max=100"`
	Version        int         `json:"version"`
}

// InputOf returns the editable fields of r.
func InputOf(r *Request) Input {
	return Input{Title: r.Title, Reason: r.Reason, Description: r.Description, ExpectedEffect: r.ExpectedEffect,
		GoalIDs: slices.Clone(r.GoalIDs), Impact: r.Impact(), Operations: slices.Clone(r.Operations), Version: r.Version}
}

// check validates the input's shape and that everything it names belongs to
// the project (as it stands now; apply checks again).
func (in *Input) check(ctx context.Context, db bun.IDB, projectID int64) error {
	in.Title = strings.TrimSpace(in.Title)
	in.Impact.Affected.Note = strings.TrimSpace(in.Impact.Affected.Note)
	fields, err := validate.Fields(in)
	if err != nil {
		return err
	}
	if in.Impact.Cost < 0 || math.IsNaN(in.Impact.Cost) || math.IsInf(in.Impact.Cost, 0) {
		fields["impact.cost"] = apperr.Msg("change.cost_invalid")
	}
	if in.Impact.EffortDays < 0 || math.IsNaN(in.Impact.EffortDays) || math.IsInf(in.Impact.EffortDays, 0) {
		fields["impact.effort_days"] = apperr.Msg("change.effort_invalid")
	}
	for _, r := range in.Impact.Affected.Roles {
		if !slices.Contains(project.Roles, project.Role(r)) {
			fields["impact.affected.roles"] = apperr.Msg("change.bad_affected")
		}
	}
	for _, d := range in.Impact.Affected.Departments {
		if !slices.Contains(project.Departments, project.Department(d)) {
			fields["impact.affected.departments"] = apperr.Msg("change.bad_affected")
		}
	}
	problems, err := project.CheckRefs(ctx, db, projectID, "change", project.Refs{GoalIDs: in.GoalIDs})
	if err != nil {
		return err
	}
	maps.Copy(fields, problems)
	for i := range in.Operations {
		if msg := checkOperation(ctx, db, projectID, &in.Operations[i]); msg.ID != "" {
			fields[fmt.Sprintf("operations.%d", i)] = msg
		}
	}
	return apperr.InvalidIf(fields)
}

func apply(r *Request, in Input) {
	r.Title, r.Reason, r.Description, r.ExpectedEffect = in.Title, strings.TrimSpace(in.Reason), strings.TrimSpace(in.Description), strings.TrimSpace(in.ExpectedEffect)
	r.GoalIDs = nonNil(in.GoalIDs)
	r.ScheduleDays, r.Cost, r.EffortDays = in.Impact.ScheduleDays, in.Impact.Cost, in.Impact.EffortDays
	r.AffectedRoles, r.AffectedDepartments = nonNilS(in.Impact.Affected.Roles), nonNilS(in.Impact.Affected.Departments)
	r.AffectedNote = in.Impact.Affected.Note
	r.Operations = in.Operations
	if r.Operations == nil {
		r.Operations = []Operation{}
	}
}

func nonNil(v []int64) []int64 {
	if v == nil {
		return []int64{}
	}
	return v
}

func nonNilS(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// Create drafts a request; any member may. Outside a transaction the write
// is one statement, its own transaction; inside db's it runs in it.
func Create(ctx context.Context, db bun.IDB, actorID, projectID int64, in Input) (*Request, error) {
	if err := in.check(ctx, db, projectID); err != nil {
		return nil, err
	}
	r := &Request{ProjectID: projectID, RequestedBy: &actorID, Status: Draft, Version: 1}
	apply(r, in)
	err := project.CreateNumbered(ctx, db, projectID, "change_seq",
		db.NewInsert().Model(r).Value("number", "(SELECT n FROM next_number)").Returning("*"),
		audit.Created{Write: audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "change_request", Action: audit.Create, After: r},
			EntityID: "f.id", Assigned: []string{"id", "number"}}, r)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Get returns the request with this number in the project.
func Get(ctx context.Context, db bun.IDB, projectID int64, number int) (*Request, error) {
	r := new(Request)
	err := db.NewSelect().Model(r).Where("cr.project_id = ? AND cr.number = ?", projectID, number).Scan(ctx)
	return r, database.MapError(err)
}

func lockRequest(ctx context.Context, tx bun.Tx, projectID int64, number int) (*Request, error) {
	r := new(Request)
	err := tx.NewSelect().Model(r).Where("cr.project_id = ? AND cr.number = ?", projectID, number).For("UPDATE").Scan(ctx)
	return r, database.MapError(err)
}

// save writes r over before through the one versioned write and records the
// change: a request that moved on since before was read is a Conflict.
func save(ctx context.Context, tx bun.Tx, actorID int64, before, r *Request, action string) error {
	return audit.UpdateVersioned(ctx, tx, audit.Write{ProjectID: r.ProjectID, ActorID: actorID, Entity: "change_request",
		EntityID: r.ID, Action: action, Before: before, After: r}, before.Version)
}

// CanManage reports whether the caller may edit, submit or withdraw the
// request: project managers, or the member who requested it — but never a
// viewer, even one who once drafted it.
func CanManage(caller project.Caller, r *Request) bool {
	if caller.Can(project.ManageChanges) {
		return true
	}
	return caller.Can(project.DraftChange) && r.RequestedBy != nil && *r.RequestedBy == caller.UserID
}

// Update edits a draft; the caller must be allowed to (CanManage).
func Update(ctx context.Context, db bun.IDB, caller project.Caller, projectID int64, number int, in Input) (*Request, error) {
	var r *Request
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		// No row lock: a draft edit names its version, and the versioned
		// write refuses it if a transition moved the request on meanwhile.
		before, err := Get(ctx, tx, projectID, number)
		if err == nil && !CanManage(caller, before) {
			err = apperr.Forbidden()
		}
		if err != nil {
			return err
		}
		if before.Version != in.Version {
			return apperr.Conflict("")
		}
		if before.Status != Draft {
			return apperr.Conflict("change.not_draft")
		}
		if err := in.check(ctx, tx, projectID); err != nil {
			return err
		}
		next := *before
		apply(&next, in)
		r = &next
		return save(ctx, tx, caller.UserID, before, r, audit.Update)
	})
	return r, err
}

// transition moves a request from one of the allowed states to another.
func transition(ctx context.Context, db bun.IDB, actorID, projectID int64, number int, from []Status, to Status,
	action string, change func(ctx context.Context, tx bun.Tx, r *Request) error) (*Request, error) {
	var r *Request
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := lockRequest(ctx, tx, projectID, number)
		if err != nil {
			return err
		}
		if !slices.Contains(from, before.Status) {
			return apperr.Conflict("change.wrong_state", "Status", string(before.Status))
		}
		next := *before
		next.Status = to
		if change != nil {
			if err := change(ctx, tx, &next); err != nil {
				return err
			}
		}
		r = &next
		return save(ctx, tx, actorID, before, r, action)
	})
	return r, err
}

// Submit sends a draft to the steering committee (CanManage). Its operations
// are checked against the project as it stands.
func Submit(ctx context.Context, db bun.IDB, caller project.Caller, projectID int64, number int, now time.Time) (*Request, error) {
	return transition(ctx, db, caller.UserID, projectID, number, []Status{Draft}, Submitted, "submit",
		func(ctx context.Context, tx bun.Tx, r *Request) error {
			if !CanManage(caller, r) {
				return apperr.Forbidden()
			}
			in := InputOf(r)
			if len(in.Operations) == 0 && in.Impact.ScheduleDays == 0 && in.Description == "" {
				return apperr.InvalidField("operations", "change.nothing_to_submit")
			}
			if err := in.check(ctx, tx, projectID); err != nil {
				return err
			}
			r.SubmittedAt = &now
			return nil
		})
}

// Withdraw takes back a draft or a submitted request (CanManage).
func Withdraw(ctx context.Context, db bun.IDB, caller project.Caller, projectID int64, number int) (*Request, error) {
	return transition(ctx, db, caller.UserID, projectID, number, []Status{Draft, Submitted}, Withdrawn, "withdraw",
		func(ctx context.Context, tx bun.Tx, r *Request) error {
			if !CanManage(caller, r) {
				return apperr.Forbidden()
			}
			return nil
		})
}
