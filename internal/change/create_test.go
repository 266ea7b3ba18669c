package change

import (
	"testing"

	"rollout/internal/audit"
	"rollout/internal/audit/audittest"
)

// A change request's create is one statement whose audit entry is Record's.
func TestCreateEntryMatchesRecord(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.draft(t, f.pm.ID)
	r := f.draft(t, f.sc1.ID)
	if r.Number != 2 || r.ID == 0 || r.Status != Draft {
		t.Fatalf("created %+v", r)
	}
	audittest.SameAsRecord(t, f.db, audit.Write{ProjectID: f.project.ID, ActorID: f.sc1.ID, Entity: "change_request",
		EntityID: r.ID, Action: audit.Create, After: r})
}
