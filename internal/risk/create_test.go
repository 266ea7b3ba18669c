package risk

import (
	"testing"

	"rollout/internal/audit"
	"rollout/internal/audit/audittest"
)

// A risk's create is one statement whose audit entry is Record's, key and all.
func TestCreateEntryMatchesRecord(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(t, f.input(2, 2))
	in := f.input(4, 5)
	in.OwnerID = f.member.ID
	in.ResidualProbability, in.ResidualImpact = ip(2), ip(3)
	r := f.create(t, in)
	if r.Number != 2 || r.Key != "CRM-R-2" || r.ID == 0 {
		t.Fatalf("created %+v", r)
	}
	audittest.SameAsRecord(t, f.db, audit.Write{ProjectID: f.project.ID, ActorID: f.pm.ID, Entity: "risk",
		EntityID: r.Key, Action: audit.Create, After: r})
}
