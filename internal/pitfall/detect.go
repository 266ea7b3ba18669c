package pitfall

import (
	"fmt"
	"math"
	"strings"

	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/project"
	"rollout/internal/requirement"
)

// Thresholds tune the detectors; a project may change them.
type Thresholds struct {
	NoGoalShare         float64 `json:"no_goal_share"`          // P01: share of requirements serving no goal
	PhaseConcentration  float64 `json:"phase_concentration"`    // P02: one phase's share of the planned backlog
	MinBacklog          int     `json:"min_backlog"`            // P02, P05: shares are judged from this many requirements on
	UnplannedShare      float64 `json:"unplanned_share"`        // P05: share with no phase
	PhaseOneMustShare   float64 `json:"phase_one_must_share"`   // P05: must share of the first delivery phase
	PhaseOneShare       float64 `json:"phase_one_share"`        // P05: first delivery phase's share of the backlog
	CustomizationShare  float64 `json:"customization_share"`    // P06
	PhaseOneIntegration int     `json:"phase_one_integrations"` // P08: most integrations in the first delivery phase
	MockMigrations      int     `json:"mock_migrations"`        // P07: rehearsals before go-live
	RiskScore           int     `json:"risk_score"`             // P07, P08: a risk this high is a finding
	UsageDays           int     `json:"usage_days"`             // P09: adoption measured at least this often after go-live
	StaleGoalDays       int     `json:"stale_goal_days"`        // P10: goals re-measured at least this often after go-live
	ChangesPerMonth     float64 `json:"changes_per_month"`      // P10: more change requests than this is churn
	SilentMonths        int     `json:"silent_months"`          // P10: no change request for this long is a frozen system
}

// DefaultThresholds are the values the detectors start with.
func DefaultThresholds() Thresholds {
	return Thresholds{NoGoalShare: 0.2, PhaseConcentration: 0.8, MinBacklog: 10, UnplannedShare: 0.3,
		PhaseOneMustShare: 0.6, PhaseOneShare: 0.6, CustomizationShare: 0.3, PhaseOneIntegration: 2,
		MockMigrations: 2, RiskScore: 15, UsageDays: 30, StaleGoalDays: 60, ChangesPerMonth: 8, SilentMonths: 6}
}

// Severity of a finding.
type Severity string

// Severities.
const (
	Warning  Severity = "warning"
	Critical Severity = "critical"
)

// Link points at the items behind a finding: Path is relative to the
// project ("/goals/4"), Label is shown as is (a key) or is a message ID.
type Link struct {
	Label string `json:"label"`
	Path  string `json:"path"`
}

// Finding is one signal the project's own data gives about a pitfall.
type Finding struct {
	Pitfall  string         `json:"pitfall"`
	Detector string         `json:"detector"`
	Severity Severity       `json:"severity"`
	Message  string         `json:"message_id"`
	Data     map[string]any `json:"data"`
	Links    []Link         `json:"links,omitempty"`
}

func finding(pitfall, detector string, sev Severity, kv ...any) Finding {
	data := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		data[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return Finding{Pitfall: pitfall, Detector: detector, Severity: sev, Message: "finding." + detector, Data: data}
}

func pct(n, total int) int {
	if total == 0 {
		return 0
	}
	return int(math.Round(100 * float64(n) / float64(total)))
}

// Detect runs every detector over the facts.
func Detect(f *Facts) []Finding {
	var out []Finding
	for _, d := range detectors {
		out = append(out, d(f)...)
	}
	return out
}

var detectors = []func(*Facts) []Finding{
	goalsDetector, boundaryDetector, ownershipDetector, changeManagementDetector, requirementsDetector,
	customizationDetector, dataDetector, integrationDetector, trainingDetector, valueDetector,
	adoptionDetector, // adoption.go
}

// P01 — goals nobody can measure.
func goalsDetector(f *Facts) []Finding {
	var out []Finding
	if len(f.Goals) == 0 {
		fd := finding("P01", "no_goals", Critical)
		fd.Links = []Link{{Label: "link.goals", Path: "/goals"}}
		return append(out, fd)
	}
	var unmeasured []goal.View
	for _, g := range f.Goals {
		if g.Count == 0 {
			unmeasured = append(unmeasured, g)
		}
	}
	if len(unmeasured) > 0 {
		fd := finding("P01", "goals_unmeasured", Warning, "Count", len(unmeasured), "Total", len(f.Goals))
		for _, g := range unmeasured {
			fd.Links = append(fd.Links, Link{Label: g.Title, Path: fmt.Sprintf("/goals/%d", g.ID)})
		}
		out = append(out, fd)
	}
	if b := f.Backlog; b.Total > 0 && float64(b.NoGoal)/float64(b.Total) > f.Thresholds.NoGoalShare {
		fd := finding("P01", "requirements_without_goal", Warning, "Count", b.NoGoal, "Total", b.Total,
			"Percent", pct(b.NoGoal, b.Total), "Max", int(f.Thresholds.NoGoalShare*100))
		fd.Links = []Link{{Label: "link.backlog", Path: "/requirements"}}
		out = append(out, fd)
	}
	return out
}

// deliveryPhases returns the summaries of real phases in phase order, and the
// first one that holds requirements ("phase one" of delivery).
func deliveryPhases(f *Facts) (ordered []requirement.PhaseSummary, names map[int64]string, first *requirement.PhaseSummary) {
	names = map[int64]string{}
	byPhase := map[int64]requirement.PhaseSummary{}
	for _, s := range f.Summaries {
		if s.PhaseID != nil {
			byPhase[*s.PhaseID] = s
		}
	}
	for _, ph := range f.Phases {
		names[ph.ID] = ph.Name
		if s, ok := byPhase[ph.ID]; ok && s.Total > 0 {
			ordered = append(ordered, s)
		}
	}
	if len(ordered) > 0 {
		first = &ordered[0]
	}
	return ordered, names, first
}

// P02 — no boundary, no phasing.
func boundaryDetector(f *Facts) []Finding {
	var out []Finding
	if strings.TrimSpace(f.Project.ScopeIn) == "" || strings.TrimSpace(f.Project.ScopeOut) == "" {
		fd := finding("P02", "scope_boundary_empty", Warning)
		fd.Links = []Link{{Label: "link.project", Path: "/edit"}}
		out = append(out, fd)
	}
	ordered, names, _ := deliveryPhases(f)
	planned := 0
	for _, s := range ordered {
		planned += s.Total
	}
	if planned >= f.Thresholds.MinBacklog {
		for _, s := range ordered {
			if float64(s.Total)/float64(planned) >= f.Thresholds.PhaseConcentration {
				fd := finding("P02", "one_phase_holds_all", Warning, "Phase", names[*s.PhaseID], "Count", s.Total,
					"Total", planned, "Percent", pct(s.Total, planned))
				fd.Links = []Link{{Label: names[*s.PhaseID], Path: fmt.Sprintf("/requirements?phase=%d", *s.PhaseID)}}
				out = append(out, fd)
			}
		}
	}
	return out
}

var businessDepartments = []project.Department{project.DeptSales, project.DeptService, project.DeptMarketing, project.DeptOperations}

func isBusiness(d project.Department) bool {
	for _, b := range businessDepartments {
		if d == b {
			return true
		}
	}
	return false
}

// P03 — run as an IT project.
func ownershipDetector(f *Facts) []Finding {
	var out []Finding
	switch {
	case strings.TrimSpace(f.Project.Sponsor) == "":
		out = append(out, withLink(finding("P03", "no_sponsor", Warning), "link.project", "/edit"))
	case f.Project.SponsorDepartment == project.DeptIT:
		out = append(out, withLink(finding("P03", "sponsor_from_it", Warning, "Sponsor", f.Project.Sponsor), "link.project", "/edit"))
	}
	owners, itOwners, business := 0, 0, 0
	for _, m := range f.Members {
		if m.Role == project.RoleBusinessOwner {
			owners++
			if m.Department == project.DeptIT {
				itOwners++
			}
		}
		if isBusiness(m.Department) {
			business++
		}
	}
	switch {
	case owners == 0:
		out = append(out, withLink(finding("P03", "no_business_owner", Warning), "link.members", "/members"))
	case owners == itOwners:
		out = append(out, withLink(finding("P03", "owners_from_it_only", Critical, "Count", owners), "link.members", "/members"))
	}
	if business == 0 {
		out = append(out, withLink(finding("P03", "no_business_members", Critical), "link.members", "/members"))
	}
	return out
}

func withLink(fd Finding, label, path string) Finding {
	fd.Links = append(fd.Links, Link{Label: label, Path: path})
	return fd
}

// P04 — no change management.
func changeManagementDetector(f *Facts) []Finding {
	var out []Finding
	adoption := false
	for _, g := range f.Goals {
		if g.Category == goal.Adoption {
			adoption = true
		}
	}
	if !adoption {
		out = append(out, withLink(finding("P04", "no_adoption_goal", Warning), "link.goals", "/goals"))
	}
	if f.Backlog.ChangeManagement == 0 {
		out = append(out, withLink(finding("P04", "no_change_management_items", Warning), "link.backlog", "/requirements"))
	}
	return out
}

// P05 — uncontrolled requirements.
func requirementsDetector(f *Facts) []Finding {
	var out []Finding
	b := f.Backlog
	if b.Total < f.Thresholds.MinBacklog {
		return nil
	}
	if float64(b.Unplanned)/float64(b.Total) > f.Thresholds.UnplannedShare {
		out = append(out, withLink(finding("P05", "requirements_unplanned", Warning, "Count", b.Unplanned, "Total", b.Total,
			"Percent", pct(b.Unplanned, b.Total), "Max", int(f.Thresholds.UnplannedShare*100)), "link.backlog", "/requirements?phase=none"))
	}
	_, names, first := deliveryPhases(f)
	if first == nil {
		return out
	}
	phase := names[*first.PhaseID]
	path := fmt.Sprintf("/requirements?phase=%d", *first.PhaseID)
	if first.MustShare() > f.Thresholds.PhaseOneMustShare {
		out = append(out, withLink(finding("P05", "phase_one_mostly_must", Warning, "Phase", phase, "Percent", pct(first.Must, first.Total),
			"Max", int(f.Thresholds.PhaseOneMustShare*100)), phase, path))
	}
	if float64(first.Total)/float64(b.Total) > f.Thresholds.PhaseOneShare && len(f.Phases) > 1 {
		out = append(out, withLink(finding("P05", "phase_one_too_large", Warning, "Phase", phase, "Count", first.Total, "Total", b.Total,
			"Percent", pct(first.Total, b.Total), "Max", int(f.Thresholds.PhaseOneShare*100)), phase, path))
	}
	return out
}

// P06 — over-customisation.
func customizationDetector(f *Facts) []Finding {
	b := f.Backlog
	if b.Total == 0 {
		return nil
	}
	share := float64(b.Custom) / float64(b.Total)
	if share <= f.Thresholds.CustomizationShare {
		return nil
	}
	sev := Warning
	if share > 2*f.Thresholds.CustomizationShare {
		sev = Critical
	}
	return []Finding{withLink(finding("P06", "customization_share", sev, "Count", b.Custom, "Total", b.Total,
		"Percent", pct(b.Custom, b.Total), "Max", int(f.Thresholds.CustomizationShare*100)), "link.backlog", "/requirements?approach=customization")}
}

// isRehearsal tells a mock-migration milestone by its name, in either language.
func isRehearsal(m milestone.View) bool {
	name := strings.ToLower(m.Name)
	return strings.Contains(name, "mock") || strings.Contains(name, "rehears") || strings.Contains(name, "模拟") || strings.Contains(name, "演练")
}

// P07 — data quality deferred.
func dataDetector(f *Facts) []Finding {
	var out []Finding
	if f.Backlog.DataMigration == 0 {
		out = append(out, withLink(finding("P07", "no_data_migration_work", Warning), "link.backlog", "/requirements?kind=data_migration"))
	}
	rehearsals := 0
	for _, m := range f.Milestones {
		if isRehearsal(m) {
			rehearsals++
		}
	}
	if rehearsals < f.Thresholds.MockMigrations {
		out = append(out, withLink(finding("P07", "too_few_mock_migrations", Warning, "Count", rehearsals, "Min", f.Thresholds.MockMigrations), "link.plan", "/plan"))
	}
	dataGoalOwned := false
	for _, g := range f.Goals {
		if g.Category == goal.DataQuality && g.OwnerID != 0 {
			dataGoalOwned = true
		}
	}
	if !dataGoalOwned && f.Backlog.DataOwned == 0 {
		out = append(out, withLink(finding("P07", "no_data_owner", Warning), "link.goals", "/goals"))
	}
	out = append(out, riskFindings(f, "P07", "data_risk_high", "data_migration", "data_quality")...)
	return out
}

func riskFindings(f *Facts, pitfall, detector string, categories ...string) []Finding {
	var out []Finding
	for _, r := range f.Risks {
		for _, c := range categories {
			if r.Category == c && r.Score >= f.Thresholds.RiskScore {
				key := fmt.Sprintf("%s-R-%d", f.Project.Key, r.Number)
				out = append(out, withLink(finding(pitfall, detector, Warning, "Key", key, "Title", r.Title, "Score", r.Score),
					key, fmt.Sprintf("/risks/%d", r.Number)))
			}
		}
	}
	return out
}

// P08 — integrating everything at once.
func integrationDetector(f *Facts) []Finding {
	var out []Finding
	_, names, first := deliveryPhases(f)
	if first != nil && first.Integrations > f.Thresholds.PhaseOneIntegration {
		phase := names[*first.PhaseID]
		out = append(out, withLink(finding("P08", "phase_one_integrations", Critical, "Phase", phase, "Count", first.Integrations,
			"Max", f.Thresholds.PhaseOneIntegration), phase, fmt.Sprintf("/requirements?phase=%d&kind=integration", *first.PhaseID)))
	}
	return append(out, riskFindings(f, "P08", "integration_risk_high", "integration")...)
}

// live reports whether the CRM has gone live: a done milestone called go-live,
// or the project in its rollout phase or later (the fourth phase on).
func live(f *Facts) bool {
	for _, m := range f.Milestones {
		if m.Status == milestone.Done && isGoLiveName(m.Name) {
			return true
		}
	}
	if f.Project.CurrentPhaseID != nil {
		for _, ph := range f.Phases {
			if ph.ID == *f.Project.CurrentPhaseID && ph.Position >= 4 {
				return true
			}
		}
	}
	return false
}

// P09 — training teaches clicks; no coaching after.
func trainingDetector(f *Facts) []Finding {
	var out []Finding
	if f.Backlog.Training == 0 {
		out = append(out, withLink(finding("P09", "no_training_items", Warning), "link.backlog", "/requirements?kind=training"))
	}
	if live(f) {
		watched := usageReported(f, f.Thresholds.UsageDays)
		for _, g := range f.Goals {
			if g.Category == goal.Adoption && !g.CurrentOn.IsZero() && g.CurrentOn.DaysUntil(f.Today) <= f.Thresholds.UsageDays {
				watched = true
			}
		}
		if !watched {
			out = append(out, withLink(finding("P09", "usage_not_watched", Critical, "Days", f.Thresholds.UsageDays), "link.goals", "/goals"))
		}
	}
	return out
}

// P10 — judged by go-live, not by value.
func valueDetector(f *Facts) []Finding {
	var out []Finding
	if live(f) {
		var stale []goal.View
		for _, g := range f.Goals {
			if g.Status != goal.Achieved && (g.CurrentOn.IsZero() || g.CurrentOn.DaysUntil(f.Today) > f.Thresholds.StaleGoalDays) {
				stale = append(stale, g)
			}
		}
		if len(stale) > 0 {
			fd := finding("P10", "goals_not_remeasured", Warning, "Count", len(stale), "Days", f.Thresholds.StaleGoalDays)
			for _, g := range stale {
				fd.Links = append(fd.Links, Link{Label: g.Title, Path: fmt.Sprintf("/goals/%d", g.ID)})
			}
			out = append(out, fd)
		}
	}
	if perMonth := float64(f.Changes.LastThreeMonths) / 3; perMonth > f.Thresholds.ChangesPerMonth {
		out = append(out, withLink(finding("P10", "changes_too_frequent", Warning, "PerMonth", math.Round(perMonth*10)/10,
			"Max", f.Thresholds.ChangesPerMonth), "link.changes", "/changes"))
	}
	started := f.Project.StartOn
	if started.IsZero() {
		started = dateOf(f.Project.CreatedAt)
	}
	if live(f) && f.Changes.LastSixMonths == 0 && started.AddDays(30*f.Thresholds.SilentMonths).Before(f.Today) {
		out = append(out, withLink(finding("P10", "changes_silent", Warning, "Months", f.Thresholds.SilentMonths), "link.changes", "/changes"))
	}
	return out
}
