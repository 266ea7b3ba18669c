// Package projecttest helps tests act as a project's members: the domain
// writes take a project.Caller, decided from the membership as it is stored.
package projecttest

import (
	"context"
	"testing"

	"rollout/internal/database"
	"rollout/internal/project"
)

// Caller is user as the domain writes see them in a project: with their
// membership, so that the item rules apply as they would to that person.
func Caller(t testing.TB, db database.IDB, projectID, userID int64) project.Caller {
	t.Helper()
	c, err := project.CallerFor(context.Background(), db, projectID, userID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
