package web

import (
	"context"
	"testing"

	"rollout/internal/database"
	"rollout/internal/project"
)

// callerIn is a user as the domain writes see them in a project: with their
// membership, so that the item rules apply as they would to that person.
func callerIn(t testing.TB, db database.IDB, projectID, userID int64) project.Caller {
	t.Helper()
	c, err := project.CallerFor(context.Background(), db, projectID, userID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
