package office

import (
	"context"
	"time"

	"rollout/internal/database"
	"rollout/internal/milestone"
)

// packBuilder assembles a review's pack inside the decision's transaction.
type packBuilder = func(ctx context.Context, tx database.Tx, r *milestone.Review) (*milestone.Pack, error)

// withGateBaseline makes deciding a gate also take a baseline of the plan,
// in the decision's transaction: the planned dates as the committee saw
// them, named after the gate. A decision that loses to another rolls its
// baseline back with it.
func withGateBaseline(actorID int64, now time.Time, build packBuilder) packBuilder {
	return func(ctx context.Context, tx database.Tx, r *milestone.Review) (*milestone.Pack, error) {
		if _, err := milestone.TakeGateBaseline(ctx, tx, actorID, r, now); err != nil {
			return nil, err
		}
		return build(ctx, tx, r)
	}
}
