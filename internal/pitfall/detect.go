package pitfall

import (
	"fmt"
	"math"
	"strings"

	"rollout/internal/goal"
	"rollout/internal/project"
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

// Severities lists them, lightest first (the API document names the same set).
var Severities = []Severity{Warning, Critical}

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
	// Facts name the facts the finding was drawn from ("go-live 2026-09-01
	// from milestone Launch"), each a message why.* with its data.
	Facts []Fact `json:"facts,omitempty"`
}

// Fact is one fact a finding used: a message ID (why.*) and its data.
type Fact struct {
	Message string         `json:"message_id"`
	Data    map[string]any `json:"data"`
}

func fact(id string, kv ...any) Fact {
	data := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		data[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return Fact{Message: "why." + id, Data: data}
}

func (fd Finding) with(facts ...Fact) Finding {
	fd.Facts = append(fd.Facts, facts...)
	return fd
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
	customizationDetector, dataDetector, integrationDetector, trainingDetector, readinessDetector, valueDetector,
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
		if g.Count == 0 && measurementExpected(g, f.Today) {
			unmeasured = append(unmeasured, g)
		}
	}
	if len(unmeasured) > 0 {
		fd := finding("P01", "goals_unmeasured", Warning, "Count", len(unmeasured), "Total", len(f.Goals))
		for _, g := range unmeasured {
			fd.Links = append(fd.Links, Link{Label: g.Title, Path: fmt.Sprintf("/goals/%d", g.ID)})
			fd.Facts = append(fd.Facts, fact("goal_first_due", "Goal", g.Title, "Start", g.StartOn.String(),
				"Cadence", string(cadenceOf(g)), "Due", firstDue(g).String()))
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

// P02 — no boundary, no phasing.
func boundaryDetector(f *Facts) []Finding {
	var out []Finding
	if strings.TrimSpace(f.Project.ScopeIn) == "" || strings.TrimSpace(f.Project.ScopeOut) == "" {
		fd := finding("P02", "scope_boundary_empty", Warning)
		fd.Links = []Link{{Label: "link.project", Path: "/edit"}}
		out = append(out, fd)
	}
	ds := deliveries(f)
	planned := 0
	for _, d := range ds {
		planned += d.Total
	}
	if planned >= f.Thresholds.MinBacklog {
		for _, d := range ds {
			if float64(d.Total)/float64(planned) >= f.Thresholds.PhaseConcentration {
				fd := finding("P02", "one_phase_holds_all", Warning, "Phase", d.Name, "Count", d.Total,
					"Total", planned, "Percent", pct(d.Total, planned))
				fd.Links = []Link{{Label: d.Name, Path: fmt.Sprintf("/requirements?phase=%d", d.PhaseID)}}
				out = append(out, fd.with(d.fact(), fact("waves_planned", "Count", len(ds))))
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
	first := phaseOne(f)
	if first == nil {
		return out
	}
	phase := first.Name
	path := fmt.Sprintf("/requirements?phase=%d", first.PhaseID)
	if first.MustShare() > f.Thresholds.PhaseOneMustShare {
		out = append(out, withLink(finding("P05", "phase_one_mostly_must", Warning, "Phase", phase, "Percent", pct(first.Must, first.Total),
			"Max", int(f.Thresholds.PhaseOneMustShare*100)), phase, path).with(first.fact()))
	}
	if float64(first.Total)/float64(b.Total) > f.Thresholds.PhaseOneShare && len(f.Phases) > 1 {
		out = append(out, withLink(finding("P05", "phase_one_too_large", Warning, "Phase", phase, "Count", first.Total, "Total", b.Total,
			"Percent", pct(first.Total, b.Total), "Max", int(f.Thresholds.PhaseOneShare*100)), phase, path).with(first.fact()))
	}
	return out
}

// P06 — over-customisation: over the whole backlog, and in phase one (the
// first wave to go live), where custom code delays go-live most.
func customizationDetector(f *Facts) []Finding {
	b := f.Backlog
	if b.Total == 0 {
		return nil
	}
	share := float64(b.Custom) / float64(b.Total)
	if share > f.Thresholds.CustomizationShare {
		sev := Warning
		if share > 2*f.Thresholds.CustomizationShare {
			sev = Critical
		}
		return []Finding{withLink(finding("P06", "customization_share", sev, "Count", b.Custom, "Total", b.Total,
			"Percent", pct(b.Custom, b.Total), "Max", int(f.Thresholds.CustomizationShare*100)), "link.backlog", "/requirements?approach=customization")}
	}
	if first := phaseOne(f); first != nil && first.Wave > 0 && first.Total >= f.Thresholds.MinBacklog &&
		first.CustomShare() > f.Thresholds.CustomizationShare {
		return []Finding{withLink(finding("P06", "phase_one_customization", Warning, "Phase", first.Name, "Count", first.Custom,
			"Total", first.Total, "Percent", pct(first.Custom, first.Total), "Max", int(f.Thresholds.CustomizationShare*100)),
			first.Name, fmt.Sprintf("/requirements?phase=%d&approach=customization", first.PhaseID)).with(first.fact())}
	}
	return nil
}

// P07 — data quality deferred. Rehearsals count by type: done ones before
// go-live, and those still ahead of it; skipped ones (their date passed
// undone) and those after go-live never count.
func dataDetector(f *Facts) []Finding {
	var out []Finding
	if f.Backlog.DataMigration == 0 {
		out = append(out, withLink(finding("P07", "no_data_migration_work", Warning), "link.backlog", "/requirements?kind=data_migration"))
	}
	t := timelineOf(f)
	if r := t.Rehearsals; r.Done+r.Ahead < f.Thresholds.MockMigrations {
		fd := withLink(finding("P07", "too_few_mock_migrations", Warning, "Count", r.Done+r.Ahead, "Min", f.Thresholds.MockMigrations),
			"link.plan", "/plan?type=rehearsal")
		out = append(out, fd.with(t.goLiveFact(), fact("rehearsals", "Done", r.Done, "Ahead", r.Ahead, "Skipped", r.Skipped, "After", r.After)))
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
	if first := phaseOne(f); first != nil && first.Integrations > f.Thresholds.PhaseOneIntegration {
		out = append(out, withLink(finding("P08", "phase_one_integrations", Critical, "Phase", first.Name, "Count", first.Integrations,
			"Max", f.Thresholds.PhaseOneIntegration), first.Name, fmt.Sprintf("/requirements?phase=%d&kind=integration", first.PhaseID)).with(first.fact()))
	}
	return append(out, riskFindings(f, "P08", "integration_risk_high", "integration")...)
}

// P09 — training teaches clicks; no coaching after. Adoption is expected to
// be measured once the CRM has been live for UsageDays.
func trainingDetector(f *Facts) []Finding {
	var out []Finding
	if f.Backlog.Training == 0 {
		out = append(out, withLink(finding("P09", "no_training_items", Warning), "link.backlog", "/requirements?kind=training"))
	}
	t := timelineOf(f)
	if t.Live && t.LiveDays(f.Today) > f.Thresholds.UsageDays {
		watched := usageReported(f, f.Thresholds.UsageDays)
		for _, g := range f.Goals {
			if g.Category == goal.Adoption && !g.CurrentOn.IsZero() && g.CurrentOn.DaysUntil(f.Today) <= f.Thresholds.UsageDays {
				watched = true
			}
		}
		if !watched {
			out = append(out, withLink(finding("P09", "usage_not_watched", Critical, "Days", f.Thresholds.UsageDays), "link.goals", "/goals").
				with(t.goLiveFact(), fact("live_days", "Days", t.LiveDays(f.Today))))
		}
	}
	return out
}

// P10 — judged by go-live, not by value. Every after-go-live check counts
// from the go-live date.
func valueDetector(f *Facts) []Finding {
	var out []Finding
	t := timelineOf(f)
	if t.Live {
		var stale []goal.View
		var facts []Fact
		for _, g := range f.Goals {
			if g.Status == goal.Achieved || !measurementExpected(g, f.Today) {
				continue
			}
			// Stale once the last measurement (or go-live, when later) is
			// older than the threshold and than the goal's own cadence.
			since := g.CurrentOn
			if since.IsZero() || since.Before(t.GoLive) {
				since = t.GoLive
			}
			if limit := max(f.Thresholds.StaleGoalDays, cadenceDays(cadenceOf(g))); since.DaysUntil(f.Today) > limit {
				stale = append(stale, g)
				last := "—"
				if !g.CurrentOn.IsZero() {
					last = g.CurrentOn.String()
				}
				facts = append(facts, fact("goal_last_measured", "Goal", g.Title, "Last", last, "Cadence", string(cadenceOf(g))))
			}
		}
		if len(stale) > 0 {
			fd := finding("P10", "goals_not_remeasured", Warning, "Count", len(stale), "Days", f.Thresholds.StaleGoalDays)
			for _, g := range stale {
				fd.Links = append(fd.Links, Link{Label: g.Title, Path: fmt.Sprintf("/goals/%d", g.ID)})
			}
			out = append(out, fd.with(t.goLiveFact()).with(facts...))
		}
	}
	if perMonth := float64(f.Changes.LastThreeMonths) / 3; perMonth > f.Thresholds.ChangesPerMonth {
		out = append(out, withLink(finding("P10", "changes_too_frequent", Warning, "PerMonth", math.Round(perMonth*10)/10,
			"Max", f.Thresholds.ChangesPerMonth), "link.changes", "/changes"))
	}
	if t.Live && f.Changes.LastSixMonths == 0 && t.GoLive.AddDays(30*f.Thresholds.SilentMonths).Before(f.Today) {
		last := "—"
		if f.Changes.Last != nil {
			last = dateOf(*f.Changes.Last).String()
		}
		out = append(out, withLink(finding("P10", "changes_silent", Warning, "Months", f.Thresholds.SilentMonths), "link.changes", "/changes").
			with(t.goLiveFact(), fact("live_days", "Days", t.LiveDays(f.Today)), fact("last_change", "Last", last)))
	}
	return out
}
