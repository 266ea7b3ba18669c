package pitfall

import (
	"context"
	"encoding/json"
	"testing"

	"rollout/internal/milestone"
)

// The pack's health section keeps the score, the breakdown and each finding's
// message ID with its numbers, and survives the JSON of a frozen pack.
func TestPackSection(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := Assess(ctx, f.db, f.pm.ID, f.project.ID, "P06", Input{Status: AtRisk}); err != nil {
		t.Fatal(err)
	}
	h, err := Compute(ctx, f.db, f.project.ID, f.today)
	if err != nil {
		t.Fatal(err)
	}
	s := SectionOf(h)
	if s.Kind != milestone.SectionHealth || s.Health == nil || s.Health.Score != h.Score || len(s.Health.Pitfalls) != 10 ||
		s.Health.Pitfalls[5].Status != "at_risk" || s.Health.Pitfalls[5].Points != AtRiskCap || len(s.Health.Findings) != len(h.Findings) ||
		s.Health.CatalogueVersion != Get().Version {
		t.Fatalf("section %+v", s.Health)
	}
	// Most severe first.
	if s.Health.Findings[0].Severity != "critical" || s.Health.Findings[len(s.Health.Findings)-1].Severity != "warning" {
		t.Fatalf("order %+v", s.Health.Findings)
	}
	raw, err := json.Marshal(milestone.Pack{Sections: []milestone.Section{s}})
	if err != nil {
		t.Fatal(err)
	}
	var back milestone.Pack
	if err := json.Unmarshal(raw, &back); err != nil || back.Sections[0].Health == nil || back.Sections[0].Health.Findings[0].Message == "" {
		t.Fatalf("frozen %s: %v", raw, err)
	}
}
