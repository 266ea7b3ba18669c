package demo

import (
	"context"

	"github.com/uptrace/bun"

	"rollout/internal/project"
)

// member is a member of the project as a caller: the demo acts through the
// same domain writes, under the same item rules, as the people it plays. A
// membership that cannot be read gives a caller who may do nothing, so the
// write that follows fails with a clear Forbidden.
func member(ctx context.Context, db bun.IDB, projectID, userID int64) project.Caller {
	c, err := project.CallerFor(ctx, db, projectID, userID)
	if err != nil {
		return project.Caller{UserID: userID}
	}
	return c
}
