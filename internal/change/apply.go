package change

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/milestone"
	"rollout/internal/requirement"
)

// versions reads the current versions of every item the operations change,
// one query per kind of item.
func versions(ctx context.Context, db bun.IDB, projectID int64, ops []Operation) (map[Target]int, error) {
	out := map[Target]int{}
	numbers, milestones := targetIDs(Targets(ops))
	if len(numbers) > 0 {
		var rows []struct {
			Number  int `bun:"number"`
			Version int `bun:"version"`
		}
		if err := db.NewSelect().Table("requirements").Column("number", "version").
			Where("project_id = ? AND number IN (?)", projectID, bun.List(numbers)).Scan(ctx, &rows); err != nil {
			return nil, database.MapError(err)
		}
		for _, r := range rows {
			out[RequirementTarget(r.Number)] = r.Version
		}
	}
	if len(milestones) > 0 {
		var rows []struct {
			ID      int64 `bun:"id"`
			Version int   `bun:"version"`
		}
		if err := db.NewSelect().Table("milestones").Column("id", "version").
			Where("project_id = ? AND id IN (?)", projectID, bun.List(milestones)).Scan(ctx, &rows); err != nil {
			return nil, database.MapError(err)
		}
		for _, r := range rows {
			out[MilestoneTarget(r.ID)] = r.Version
		}
	}
	return out, nil
}

// targetIDs splits targets into requirement numbers and milestone ids.
func targetIDs(targets []Target) (numbers []int, milestones []int64) {
	for _, t := range targets {
		switch t.Kind {
		case TargetRequirement:
			numbers = append(numbers, t.Number)
		case TargetMilestone:
			milestones = append(milestones, t.ID)
		}
	}
	return numbers, milestones
}

// Conflict is an item that moved on after the approval.
type Conflict struct {
	Item     Target `json:"item"` // "requirement:42" or "milestone:7" in JSON
	Approved int    `json:"approved_version"`
	Now      int    `json:"current_version"` // 0 when the item is gone
}

// ConflictError is returned by Apply when items changed since the approval;
// nothing was applied. It unwraps to an apperr Conflict (409).
type ConflictError struct {
	Conflicts []Conflict
	err       *apperr.Error
}

func (e *ConflictError) Error() string { return e.err.Error() }
func (e *ConflictError) Unwrap() error { return e.err }

// Apply carries out an approved request's operations in one transaction, each
// write's audit entry naming the request (ref, e.g. CRM-CR-7). If any touched
// item changed since the approval, nothing is applied and the conflicts are
// returned in a *ConflictError.
func Apply(ctx context.Context, db bun.IDB, actorID, projectID int64, projectKey string, number int, now time.Time) (*Request, error) {
	ref := fmt.Sprintf("%s-CR-%d", projectKey, number)
	var r *Request
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := lockRequest(ctx, tx, projectID, number)
		if err != nil {
			return err
		}
		if before.Status != Approved {
			return apperr.Conflict("change.wrong_state", "Status", string(before.Status))
		}
		current, err := versions(ctx, tx, projectID, before.Operations)
		if err != nil {
			return err
		}
		var conflicts []Conflict
		for item, v := range before.ApprovedVersions {
			if current[item] != v {
				conflicts = append(conflicts, Conflict{Item: item, Approved: v, Now: current[item]})
			}
		}
		// Map order is random; the same refusal lists the same items in the same order.
		slices.SortFunc(conflicts, func(a, b Conflict) int { return strings.Compare(a.Item.String(), b.Item.String()) })
		if len(conflicts) > 0 {
			return &ConflictError{Conflicts: conflicts, err: apperr.Conflict("change.apply_conflicts", "Count", len(conflicts))}
		}
		var results []Result
		for _, op := range before.Operations {
			res, err := applyOne(ctx, tx, actorID, projectID, projectKey, op, ref)
			if err != nil {
				return err
			}
			results = append(results, res)
		}
		next := *before
		next.Status, next.AppliedAt, next.AppliedBy, next.ApplyResult = Implemented, &now, &actorID, results
		r = &next
		return save(ctx, tx, actorID, before, r, "apply")
	})
	return r, err
}

// Result says what one operation did when the request was applied. Subject
// and Detail are the words the request showed then (and what older stored
// results hold); the typed fields say the same for code.
type Result struct {
	Op      OpKind `json:"op"`
	Subject string `json:"subject"`          // CRM-42, or the milestone's name
	Detail  string `json:"detail,omitempty"` // the new requirement's title, the new tier, the milestone's new day
	// Number is the requirement the operation created, removed or changed.
	Number    int              `json:"number,omitempty"`
	Tier      requirement.Tier `json:"tier,omitempty"`      // set_tier: the new tier
	PlannedOn date.Date        `json:"planned_on,omitzero"` // shift_milestone: the new planned day
}

// UnmarshalJSON reads a stored result; results stored before the typed
// fields existed get them from their words.
func (r *Result) UnmarshalJSON(b []byte) error {
	type plain Result // without this method
	if err := json.Unmarshal(b, (*plain)(r)); err != nil {
		return err
	}
	if r.Number == 0 && r.Op != OpShiftMilestone {
		if i := strings.LastIndexByte(r.Subject, '-'); i >= 0 {
			r.Number, _ = strconv.Atoi(r.Subject[i+1:])
		}
	}
	if r.Tier == "" && r.Op == OpSetTier {
		r.Tier = requirement.Tier(r.Detail)
	}
	if r.PlannedOn.IsZero() && r.Op == OpShiftMilestone {
		r.PlannedOn, _ = date.Parse(r.Detail)
	}
	return nil
}

func applyOne(ctx context.Context, tx bun.Tx, actorID, projectID int64, projectKey string, op Operation, ref string) (Result, error) {
	key := func(n int) string { return projectKey + "-" + strconv.Itoa(n) }
	switch op.Op {
	case OpAddRequirement:
		if op.Requirement == nil {
			return Result{}, apperr.InvalidField("operations", "change.op_requirement_missing")
		}
		created, err := requirement.CreateInTx(ctx, tx, actorID, projectID, *op.Requirement, ref)
		if err != nil {
			return Result{}, err
		}
		return Result{Op: op.Op, Subject: key(created.Number), Detail: created.Title, Number: created.Number}, nil
	case OpRemoveRequirement:
		return Result{Op: op.Op, Subject: key(op.Number), Number: op.Number},
			requirement.DeleteInTx(ctx, tx, actorID, projectID, op.Number, ref)
	case OpSetTier:
		_, err := requirement.SetTierInTx(ctx, tx, actorID, projectID, op.Number, op.Tier, ref)
		return Result{Op: op.Op, Subject: key(op.Number), Detail: string(op.Tier), Number: op.Number, Tier: op.Tier}, err
	case OpSetPhase:
		_, err := requirement.SetPhaseInTx(ctx, tx, actorID, projectID, op.Number, op.PhaseID, ref)
		return Result{Op: op.Op, Subject: key(op.Number), Number: op.Number}, err
	case OpShiftMilestone:
		m, err := milestone.Shift(ctx, tx, actorID, projectID, op.MilestoneID, op.Days, 0, ref)
		if err != nil {
			return Result{}, err
		}
		return Result{Op: op.Op, Subject: m.Name, Detail: m.PlannedOn.String(), PlannedOn: m.PlannedOn}, nil
	}
	return Result{}, apperr.InvalidField("operations", "change.op_unknown", "Op", string(op.Op))
}
