package adoption

import (
	"rollout/internal/goal"
)

// Target is the share of active users the project aims at: the target of
// its adoption goal (category "adoption") that counts upwards in percent —
// the first by due date when there are several. ok is false when the
// project has no such goal.
func Target(goals []goal.View) (target float64, g *goal.View, ok bool) {
	for i := range goals {
		v := &goals[i]
		if v.Category == goal.Adoption && v.Direction == goal.Increase && v.Target > 0 && v.Target <= 100 {
			return v.Target, v, true
		}
	}
	return 0, nil, false
}
