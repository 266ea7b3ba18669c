package project

import (
	"context"
	"slices"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"rollout/internal/apperr"
	"rollout/internal/database"
)

// Refs names the project items an input refers to; nil (or no ids) means
// none. The field names of the problems CheckRefs reports are the inputs'
// own: phase_id, owner_id, goal_ids, milestone_id.
type Refs struct {
	PhaseID     *int64
	OwnerID     *int64
	GoalIDs     []int64
	MilestoneID *int64
}

// CheckRefs is the one reference check of every domain: in one round trip it
// makes sure the phase, the goals and the milestone are the project's own,
// and that the owner is a member who may act — viewers change nothing, so a
// viewer cannot own an item (its owner is the one who updates it).
//
// words is the domain whose messages tell the problems (goal, requirement,
// risk …): its locale files hold <words>.no_such_phase, .owner_not_member,
// .owner_viewer, .no_such_goal and .no_such_milestone for the references it
// uses. The answer is empty when every reference is fine, or when the
// input names none (then without a query).
func CheckRefs(ctx context.Context, db bun.IDB, projectID int64, words string, r Refs) (map[string]apperr.Message, error) {
	if r.PhaseID == nil && r.OwnerID == nil && len(r.GoalIDs) == 0 && r.MilestoneID == nil {
		return map[string]apperr.Message{}, nil // nothing to look up: no round trip
	}
	goals := []int64{}
	for _, id := range r.GoalIDs {
		if !slices.Contains(goals, id) {
			goals = append(goals, id)
		}
	}
	var found struct {
		PhaseOK     bool    `bun:"phase_ok"`
		OwnerRole   *string `bun:"owner_role"`
		Goals       int     `bun:"goals"`
		MilestoneOK bool    `bun:"milestone_ok"`
	}
	err := db.NewSelect().
		ColumnExpr("?::bigint IS NULL OR EXISTS (SELECT 1 FROM phases WHERE id = ? AND project_id = ?) AS phase_ok", r.PhaseID, r.PhaseID, projectID).
		ColumnExpr("(SELECT role FROM members WHERE project_id = ? AND user_id = ?) AS owner_role", projectID, r.OwnerID).
		ColumnExpr("(SELECT count(*) FROM goals WHERE project_id = ? AND id = ANY(?::bigint[])) AS goals", projectID, pgdialect.Array(goals)).
		ColumnExpr("?::bigint IS NULL OR EXISTS (SELECT 1 FROM milestones WHERE id = ? AND project_id = ?) AS milestone_ok", r.MilestoneID, r.MilestoneID, projectID).
		Scan(ctx, &found)
	if err != nil {
		return nil, database.MapError(err)
	}
	problems := map[string]apperr.Message{}
	if !found.PhaseOK {
		problems["phase_id"] = apperr.Msg(words + ".no_such_phase")
	}
	if r.OwnerID != nil {
		switch {
		case found.OwnerRole == nil:
			problems["owner_id"] = apperr.Msg(words + ".owner_not_member")
		case !MayAct(Role(*found.OwnerRole)):
			problems["owner_id"] = apperr.Msg(words + ".owner_viewer")
		}
	}
	if found.Goals != len(goals) {
		problems["goal_ids"] = apperr.Msg(words + ".no_such_goal")
	}
	if !found.MilestoneOK {
		problems["milestone_id"] = apperr.Msg(words + ".no_such_milestone")
	}
	return problems, nil
}

// MayAct reports whether a member with this role may change anything, and
// so own an item: everyone but a viewer.
func MayAct(r Role) bool { return r != "" && r != RoleViewer }
