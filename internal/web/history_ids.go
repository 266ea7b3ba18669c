package web

// Collecting the ids a page of history entries names, so that they resolve
// in one query per kind (audit.Lookup).

import (
	"encoding/json"
	"strconv"
	"strings"

	"rollout/internal/audit"
	"rollout/internal/change"
)

func idOf(v any) int64 {
	switch x := v.(type) {
	case float64:
		return int64(x)
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

func idsOf(v any) []int64 {
	list, _ := v.([]any)
	out := make([]int64, 0, len(list))
	for _, x := range list {
		out = append(out, idOf(x))
	}
	return out
}

// numberOfKey reads the number of a per-project key: CRM-R-7 → 7.
func numberOfKey(key string) int {
	i := strings.LastIndexByte(key, '-')
	n, _ := strconv.Atoi(key[i+1:])
	return n
}

func collectHistoryIDs(w *audit.Wanted, it *historyItem) {
	e := it.entry
	id := idOf(e.EntityID)
	if it.project != 0 {
		w.Projects = append(w.Projects, it.project)
	}
	switch e.Entity {
	case "project":
		w.ProjectKeys = append(w.ProjectKeys, e.EntityID)
	case "requirement":
		w.Requirements = append(w.Requirements, id)
		if e.Action == "move" {
			w.Moves = append(w.Moves, audit.Move{EntryID: e.ID, RequirementID: id, Rank: idOf(it.after["rank"])})
		}
	case "risk":
		w.RiskNums = append(w.RiskNums, audit.NumberRef{ProjectID: it.project, Number: numberOfKey(e.EntityID)})
	case "risk_review":
		w.RiskNums = append(w.RiskNums, audit.NumberRef{ProjectID: it.project, Number: numberOfKey(e.Ref)})
	case "goal":
		w.Goals = append(w.Goals, id)
	case "milestone":
		w.Milestones = append(w.Milestones, id)
	case "deliverable":
		w.Deliverables = append(w.Deliverables, id)
	case "gate_review":
		w.Reviews = append(w.Reviews, id)
	case "review_action":
		w.Actions = append(w.Actions, id)
	case "change_request", "change_vote":
		w.Changes = append(w.Changes, id)
	case "phase":
		w.Phases = append(w.Phases, id)
	case "member", "user":
		w.Users = append(w.Users, id)
	case "budget_line":
		w.BudgetLines = append(w.BudgetLines, id)
	case "api_token":
		w.Tokens = append(w.Tokens, id)
	}
	for _, values := range []map[string]any{it.before, it.after} {
		for field, v := range values {
			spec, _ := historySpecOf(e.Entity, field)
			switch spec.kind {
			case hUser:
				w.Users = append(w.Users, idOf(v))
			case hUsers:
				w.Users = append(w.Users, idsOf(v)...)
			case hPhase:
				w.Phases = append(w.Phases, idOf(v))
			case hGoal:
				w.Goals = append(w.Goals, idOf(v))
			case hGoals:
				w.Goals = append(w.Goals, idsOf(v)...)
			case hMilestone:
				w.Milestones = append(w.Milestones, idOf(v))
			case hBudgetLine:
				w.BudgetLines = append(w.BudgetLines, idOf(v))
			case hOperations:
				for _, op := range decodeAs[[]change.Operation](v) {
					if op.Number != 0 {
						w.RequirementNums = append(w.RequirementNums, audit.NumberRef{ProjectID: it.project, Number: op.Number})
					}
					if op.PhaseID != nil {
						w.Phases = append(w.Phases, *op.PhaseID)
					}
					if op.MilestoneID != 0 {
						w.Milestones = append(w.Milestones, op.MilestoneID)
					}
				}
			case hResults:
				for _, r := range decodeAs[[]change.Result](v) {
					if r.Number != 0 {
						w.RequirementNums = append(w.RequirementNums, audit.NumberRef{ProjectID: it.project, Number: r.Number})
					}
				}
			case hConditions:
				for _, c := range decodeAs[[]historyCondition](v) {
					if c.OwnerID != nil {
						w.Users = append(w.Users, *c.OwnerID)
					}
				}
			}
		}
	}
}

// decodeAs reads a decoded JSON value again as T (a list of operations…).
func decodeAs[T any](v any) T {
	var out T
	raw, err := json.Marshal(v)
	if err == nil {
		_ = json.Unmarshal(raw, &out)
	}
	return out
}
