package pitfall

import (
	"rollout/internal/milestone"
)

// SectionOf is the gate pack's health section for a health already
// computed: the method score, its breakdown and the findings. It keeps
// message IDs and data rather than sentences, so a frozen pack can be read
// later in either language. office adds the delivery part and the combined
// score (office.PackSections).
func SectionOf(h *Health) milestone.Section {
	line := &milestone.HealthLine{Score: h.Score, CatalogueVersion: catalogue.Version,
		Pitfalls: make([]milestone.HealthPitfall, 0, len(h.Pitfalls)), Findings: make([]milestone.HealthFinding, 0, len(h.Findings))}
	for _, p := range h.Pitfalls {
		line.Pitfalls = append(line.Pitfalls, milestone.HealthPitfall{Code: p.Code, Points: p.Points, Status: string(p.Status),
			Warnings: p.Warnings, Critical: p.Critical})
	}
	for _, f := range Ordered(h.Findings) {
		line.Findings = append(line.Findings, milestone.HealthFinding{Pitfall: f.Pitfall, Severity: string(f.Severity),
			Message: f.Message, Data: f.Data})
	}
	return milestone.Section{Kind: milestone.SectionHealth, Health: line}
}

// Ordered returns the findings most severe first, then by pitfall, keeping
// the detectors' order otherwise (the order pages list them in).
func Ordered(fs []Finding) []Finding {
	out := make([]Finding, 0, len(fs))
	for _, sev := range []Severity{Critical, Warning} {
		for _, f := range fs {
			if f.Severity == sev {
				out = append(out, f)
			}
		}
	}
	// Detectors run in pitfall order, so within a severity the codes ascend.
	return out
}
