package change

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/project"
	"rollout/internal/requirement"
)

// OpKind is what an operation does.
type OpKind string

// Operation kinds.
const (
	OpAddRequirement    OpKind = "add_requirement"
	OpRemoveRequirement OpKind = "remove_requirement"
	OpSetTier           OpKind = "set_tier"
	OpSetPhase          OpKind = "set_phase"
	OpShiftMilestone    OpKind = "shift_milestone"
)

// OpKinds lists the operation kinds in form order.
var OpKinds = []OpKind{OpAddRequirement, OpRemoveRequirement, OpSetTier, OpSetPhase, OpShiftMilestone}

// Operation is one structured edit a request makes when applied. Its JSON is
// what the API takes and what the operations column stores.
type Operation struct {
	Op          OpKind             `json:"op"`
	Requirement *requirement.Input `json:"requirement,omitempty"`
	Number      int                `json:"number,omitempty"`
	Tier        requirement.Tier   `json:"tier,omitempty"`
	PhaseID     *int64             `json:"phase_id,omitempty"`
	MilestoneID int64              `json:"milestone_id,omitempty"`
	Days        int                `json:"days,omitempty"`
}

// Target returns the existing item the operation changes; false for an
// operation that adds one (or of an unknown kind).
func (op Operation) Target() (Target, bool) {
	switch op.Op {
	case OpRemoveRequirement, OpSetTier, OpSetPhase:
		return RequirementTarget(op.Number), true
	case OpShiftMilestone:
		return MilestoneTarget(op.MilestoneID), true
	}
	return Target{}, false
}

// TargetKind is the kind of plan item an operation can change.
type TargetKind string

// Target kinds.
const (
	TargetRequirement TargetKind = "requirement"
	TargetMilestone   TargetKind = "milestone"
)

// Target names one existing plan item: a requirement by its number in the
// project (CRM-42 is Number 42), a milestone by its id. It is comparable, so
// it keys maps; as text (JSON keys, the approval snapshot, conflicts) it is
// "requirement:42" or "milestone:7", the form stored rows have always used.
type Target struct {
	Kind   TargetKind
	Number int   // requirements
	ID     int64 // milestones
}

// RequirementTarget names the requirement with this number.
func RequirementTarget(number int) Target { return Target{Kind: TargetRequirement, Number: number} }

// MilestoneTarget names the milestone with this id.
func MilestoneTarget(id int64) Target { return Target{Kind: TargetMilestone, ID: id} }

// String returns "requirement:42" or "milestone:7".
func (t Target) String() string {
	if t.Kind == TargetRequirement {
		return string(t.Kind) + ":" + strconv.Itoa(t.Number)
	}
	return string(t.Kind) + ":" + strconv.FormatInt(t.ID, 10)
}

// MarshalText writes the target as String does.
func (t Target) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads "requirement:42" or "milestone:7".
func (t *Target) UnmarshalText(b []byte) error {
	p, err := ParseTarget(string(b))
	if err != nil {
		return err
	}
	*t = p
	return nil
}

// ParseTarget reads "requirement:42" or "milestone:7".
func ParseTarget(s string) (Target, error) {
	kind, id, _ := strings.Cut(s, ":")
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return Target{}, fmt.Errorf("change: bad target %q", s)
	}
	switch TargetKind(kind) {
	case TargetRequirement:
		if n > math.MaxInt32 { // requirements.number is an integer column
			return Target{}, fmt.Errorf("change: bad target %q", s)
		}
		return RequirementTarget(int(n)), nil
	case TargetMilestone:
		return MilestoneTarget(n), nil
	}
	return Target{}, fmt.Errorf("change: bad target %q", s)
}

// Targets lists the existing items the operations change, each once, in order.
func Targets(ops []Operation) []Target {
	var out []Target
	for _, op := range ops {
		if t, ok := op.Target(); ok && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// OperationInput is one operation as a person fills it in on the request's
// page: each kind has a small form posting op with the fields it needs. Web
// binds the form into it; Operation turns it into the operation it describes.
type OperationInput struct {
	Op          string  `form:"op"`
	Number      int     `form:"number"`
	Tier        string  `form:"tier"`
	PhaseID     int64   `form:"phase_id"` // 0: no phase
	MilestoneID int64   `form:"milestone_id"`
	Days        int     `form:"days"`
	Title       string  `form:"title"`
	UserStory   string  `form:"user_story"`
	Kind        string  `form:"kind"`
	Approach    string  `form:"approach"`
	Estimate    float64 `form:"estimate_days"` // 0: not estimated
}

// Operation returns the operation the input describes; it is checked when the
// request is saved.
func (in OperationInput) Operation() Operation {
	var phase *int64
	if in.PhaseID != 0 {
		id := in.PhaseID
		phase = &id
	}
	op := Operation{Op: OpKind(in.Op)}
	switch op.Op {
	case OpAddRequirement:
		r := &requirement.Input{Title: in.Title, UserStory: in.UserStory, Tier: requirement.Tier(in.Tier),
			Kind: requirement.Kind(in.Kind), Approach: requirement.Approach(in.Approach), PhaseID: phase,
			// The steering committee's approval is the requirement's approval.
			Status: requirement.Approved}
		if in.Estimate > 0 {
			e := in.Estimate
			r.EstimateDays = &e
		}
		op.Requirement = r
	case OpRemoveRequirement:
		op.Number = in.Number
	case OpSetTier:
		op.Number, op.Tier = in.Number, requirement.Tier(in.Tier)
	case OpSetPhase:
		op.Number, op.PhaseID = in.Number, phase
	case OpShiftMilestone:
		op.MilestoneID, op.Days = in.MilestoneID, in.Days
	}
	return op
}

// AddOperation appends one operation to a draft whose version the caller read.
func AddOperation(ctx context.Context, db bun.IDB, caller project.Caller, projectID int64, number, version int, op Operation) (*Request, error) {
	r, err := Get(ctx, db, projectID, number)
	if err != nil {
		return nil, err
	}
	in := InputOf(r)
	in.Operations, in.Version = append(in.Operations, op), version
	return Update(ctx, db, caller, projectID, number, in)
}

// RemoveOperation takes the operation at index (from 0) out of a draft whose
// version the caller read; an index the request does not have is NotFound.
func RemoveOperation(ctx context.Context, db bun.IDB, caller project.Caller, projectID int64, number, version, index int) (*Request, error) {
	r, err := Get(ctx, db, projectID, number)
	if err != nil {
		return nil, err
	}
	if index < 0 || index >= len(r.Operations) {
		return nil, apperr.NotFound()
	}
	in := InputOf(r)
	in.Operations, in.Version = slices.Delete(in.Operations, index, index+1), version
	return Update(ctx, db, caller, projectID, number, in)
}

// checkOperation validates one operation; an empty Message means it is fine.
func checkOperation(ctx context.Context, db bun.IDB, projectID int64, op *Operation) apperr.Message {
	exists := func(query string, args ...any) bool {
		ok, err := db.NewSelect().TableExpr(query, args...).Exists(ctx)
		return err == nil && ok
	}
	requirementExists := func(n int) bool {
		return exists("requirements WHERE project_id = ? AND number = ?", projectID, n)
	}
	switch op.Op {
	case OpAddRequirement:
		if op.Requirement == nil {
			return apperr.Msg("change.op_requirement_missing")
		}
		if err := requirement.Validate(ctx, db, projectID, *op.Requirement); err != nil {
			if ae, ok := err.(*apperr.Error); ok && len(ae.Fields) > 0 {
				// The first field in name order, so the same input always names the same field.
				fields := slices.Sorted(maps.Keys(ae.Fields))
				return apperr.Msg("change.op_requirement_invalid", "Field", fields[0], "Problem", ae.Fields[fields[0]].ID)
			}
			return apperr.Msg("change.op_requirement_missing")
		}
	case OpRemoveRequirement, OpSetTier, OpSetPhase:
		if !requirementExists(op.Number) {
			return apperr.Msg("change.op_no_requirement", "Number", op.Number)
		}
		if op.Op == OpSetTier && !slices.Contains(requirement.Tiers, op.Tier) {
			return apperr.Msg("change.op_bad_tier")
		}
		if op.Op == OpSetPhase && op.PhaseID != nil && *op.PhaseID != 0 &&
			!exists("phases WHERE project_id = ? AND id = ?", projectID, *op.PhaseID) {
			return apperr.Msg("change.op_no_phase")
		}
	case OpShiftMilestone:
		if !exists("milestones WHERE project_id = ? AND id = ?", projectID, op.MilestoneID) {
			return apperr.Msg("change.op_no_milestone")
		}
		if op.Days == 0 || op.Days < -3650 || op.Days > 3650 {
			return apperr.Msg("change.op_bad_days")
		}
	default:
		return apperr.Msg("change.op_unknown", "Op", string(op.Op))
	}
	if op.PhaseID != nil && *op.PhaseID == 0 {
		op.PhaseID = nil
	}
	return apperr.Message{}
}
