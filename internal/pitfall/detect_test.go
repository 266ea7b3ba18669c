package pitfall

import (
	"slices"
	"sort"
	"testing"

	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/project"
	"rollout/internal/requirement"
)

func id(n int64) *int64 { return &n }

// healthy is a project that trips no detector.
func healthy() *Facts {
	today := date.New(2026, 6, 1)
	phases := []project.Phase{{ID: 1, Position: 1, Name: "Initiation"}, {ID: 2, Position: 2, Name: "Selection"},
		{ID: 3, Position: 3, Name: "Implementation", Wave: 1}, {ID: 4, Position: 4, Name: "Rollout", Wave: 2}, {ID: 5, Position: 5, Name: "Operate"}}
	return &Facts{
		Today:      today,
		Thresholds: DefaultThresholds(),
		Project: project.Project{Key: "CRM", ScopeIn: "leads to cash", ScopeOut: "invoicing stays in ERP", Sponsor: "Chen",
			SponsorDepartment: project.DeptSales, StartOn: today.AddDays(-100), CurrentPhaseID: id(3)},
		Phases: phases,
		Members: []project.Member{{Role: project.RoleProjectManager, Department: project.DeptOperations},
			{Role: project.RoleBusinessOwner, Department: project.DeptSales}, {Role: project.RoleBusinessOwner, Department: project.DeptIT},
			{Role: project.RoleSteering, Department: project.DeptSales}, {Role: project.RoleMember, Department: project.DeptIT}},
		Goals: []goal.View{
			{Goal: goal.Goal{ID: 1, Title: "Weekly active use", Category: goal.Adoption, OwnerID: 1}, Count: 5, CurrentOn: today.AddDays(-7), Status: goal.OnTrack},
			{Goal: goal.Goal{ID: 2, Title: "Lead conversion", Category: goal.Business, OwnerID: 2}, Count: 3, CurrentOn: today.AddDays(-10), Status: goal.OnTrack},
			{Goal: goal.Goal{ID: 3, Title: "Duplicates", Category: goal.DataQuality, OwnerID: 3}, Count: 2, CurrentOn: today.AddDays(-20), Status: goal.AtRisk},
		},
		Summaries: []requirement.PhaseSummary{
			{PhaseID: id(3), Total: 6, Must: 3, Important: 2, Optional: 1, Custom: 1, Integrations: 2},
			{PhaseID: id(4), Total: 6, Must: 2, Important: 3, Optional: 1, Custom: 1, Integrations: 1},
			{PhaseID: id(2), Total: 3, Must: 1, Important: 1, Optional: 1},
		},
		Backlog: BacklogFacts{Total: 15, NoGoal: 2, Training: 1, ChangeManagement: 1, DataMigration: 1, DataOwned: 1, Custom: 2},
		Milestones: []milestone.View{
			ms("First mock migration", milestone.Rehearsal, today.AddDays(30), date.Date{}, today),
			ms("Second mock migration", milestone.Rehearsal, today.AddDays(50), date.Date{}, today),
			ms("Go-live", milestone.GoLive, today.AddDays(92), date.Date{}, today),
		},
		Changes: ChangeFacts{LastThreeMonths: 3, LastSixMonths: 5, Total: 6},
	}
}

// ms is a milestone as milestone.List gives it, its status derived.
func ms(name string, typ milestone.Type, planned, actual, today date.Date) milestone.View {
	v := milestone.View{Milestone: milestone.Milestone{ID: int64(len(name)), Name: name, Type: typ, PlannedOn: planned, ActualOn: actual}}
	v.Status = milestone.StatusOf(planned, date.Date{}, actual, today)
	return v
}

// goLive makes the healthy project live for days: its go-live done then, its
// two rehearsals done before.
func goLive(f *Facts, days int) {
	on := f.Today.AddDays(-days)
	f.Milestones = []milestone.View{
		ms("First mock migration", milestone.Rehearsal, on.AddDays(-40), on.AddDays(-40), f.Today),
		ms("Second mock migration", milestone.Rehearsal, on.AddDays(-20), on.AddDays(-20), f.Today),
		ms("Go-live", milestone.GoLive, on, on, f.Today),
	}
}

func detectorsOf(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Pitfall+"/"+f.Detector)
	}
	sort.Strings(out)
	return out
}

func TestAHealthyProjectTripsNothing(t *testing.T) {
	if got := Detect(healthy()); len(got) != 0 {
		t.Fatalf("findings %v", detectorsOf(got))
	}
}

// Every detector, tripped by one change to the healthy project.
func TestEachDetectorTrips(t *testing.T) {
	live := func(f *Facts) { goLive(f, 100) }
	for _, c := range []struct {
		want   string
		change func(*Facts)
		also   []string // other detectors the same change rightly trips
	}{
		{"P01/no_goals", func(f *Facts) { f.Goals = nil }, []string{"P04/no_adoption_goal"}},
		{"P01/goals_unmeasured", func(f *Facts) { f.Goals[1].Count = 0 }, nil},
		{"P01/requirements_without_goal", func(f *Facts) { f.Backlog.NoGoal = 4 }, nil},
		{"P02/scope_boundary_empty", func(f *Facts) { f.Project.ScopeOut = " " }, nil},
		{"P02/one_phase_holds_all", func(f *Facts) {
			f.Summaries = []requirement.PhaseSummary{{PhaseID: id(3), Total: 14, Must: 5, Integrations: 1, Custom: 2}, {PhaseID: id(4), Total: 1}}
		}, []string{"P05/phase_one_too_large"}},
		{"P03/no_sponsor", func(f *Facts) { f.Project.Sponsor = "" }, nil},
		{"P03/sponsor_from_it", func(f *Facts) { f.Project.SponsorDepartment = project.DeptIT }, nil},
		{"P03/no_business_owner", func(f *Facts) { f.Members = slices.Delete(f.Members, 1, 3) }, nil},
		{"P03/owners_from_it_only", func(f *Facts) { f.Members[1].Department = project.DeptIT }, nil},
		{"P03/no_business_members", func(f *Facts) {
			for i := range f.Members {
				if f.Members[i].Role != project.RoleBusinessOwner {
					f.Members[i].Department = project.DeptIT
				} else {
					f.Members[i].Department = project.DeptFinance
				}
			}
		}, nil},
		{"P04/no_adoption_goal", func(f *Facts) { f.Goals[0].Category = goal.Efficiency }, nil},
		{"P04/no_change_management_items", func(f *Facts) { f.Backlog.ChangeManagement = 0 }, nil},
		{"P05/requirements_unplanned", func(f *Facts) { f.Backlog.Unplanned = 5 }, nil},
		{"P05/phase_one_mostly_must", func(f *Facts) { f.Summaries[0].Must = 5 }, nil},
		{"P05/phase_one_too_large", func(f *Facts) { f.Summaries[0].Total = 10; f.Backlog.Total = 15 }, nil},
		{"P06/customization_share", func(f *Facts) { f.Backlog.Custom = 6 }, nil},
		{"P07/no_data_migration_work", func(f *Facts) {
			f.Backlog.DataMigration, f.Backlog.DataOwned = 0, 0
			f.Goals[2].Category = goal.DataQuality
		}, nil},
		{"P07/too_few_mock_migrations", func(f *Facts) { f.Milestones = slices.Delete(f.Milestones, 1, 2) }, nil},
		{"P07/no_data_owner", func(f *Facts) { f.Backlog.DataOwned = 0; f.Goals[2].Category = goal.Efficiency }, nil},
		{"P07/data_risk_high", func(f *Facts) {
			f.Risks = []RiskFact{{Number: 3, Title: "Dirty data", Category: "data_quality", Score: 16}}
		}, nil},
		{"P08/phase_one_integrations", func(f *Facts) { f.Summaries[0].Integrations = 4 }, nil},
		{"P08/integration_risk_high", func(f *Facts) {
			f.Risks = []RiskFact{{Number: 4, Title: "ERP sync slips", Category: "integration", Score: 20}}
		}, nil},
		{"P09/no_training_items", func(f *Facts) { f.Backlog.Training = 0 }, nil},
		{"P09/usage_not_watched", func(f *Facts) { live(f); f.Goals[0].CurrentOn = f.Today.AddDays(-45) }, nil},
		{"P10/goals_not_remeasured", func(f *Facts) { live(f); f.Goals[1].CurrentOn = f.Today.AddDays(-90) }, nil},
		{"P10/changes_too_frequent", func(f *Facts) { f.Changes.LastThreeMonths = 30 }, nil},
		{"P10/changes_silent", func(f *Facts) { goLive(f, 200); f.Changes.LastSixMonths = 0 }, nil},
	} {
		t.Run(c.want, func(t *testing.T) {
			f := healthy()
			c.change(f)
			got := detectorsOf(Detect(f))
			if !slices.Contains(got, c.want) {
				t.Fatalf("findings %v, want %s", got, c.want)
			}
			for _, g := range got {
				if g != c.want && !slices.Contains(c.also, g) {
					t.Errorf("also tripped %s", g)
				}
			}
		})
	}
}

// A finding carries the numbers behind it.
func TestFindingSaysTheNumbers(t *testing.T) {
	f := healthy()
	f.Summaries[0].Integrations = 4
	fs := Detect(f)
	if len(fs) != 1 {
		t.Fatalf("%v", detectorsOf(fs))
	}
	d := fs[0]
	if d.Message != "finding.phase_one_integrations" || d.Data["Count"] != 4 || d.Data["Max"] != 2 || d.Data["Phase"] != "Implementation" ||
		d.Severity != Critical || len(d.Links) != 1 || d.Links[0].Path != "/requirements?phase=3&kind=integration" {
		t.Fatalf("%+v", d)
	}
	// Thresholds are the project's own.
	f.Thresholds.PhaseOneIntegration = 4
	if fs := Detect(f); len(fs) != 0 {
		t.Fatalf("with a threshold of 4: %v", detectorsOf(fs))
	}
}

func TestScoreRule(t *testing.T) {
	warn := func(code string) Finding { return Finding{Pitfall: code, Severity: Warning} }
	crit := func(code string) Finding { return Finding{Pitfall: code, Severity: Critical} }
	for _, c := range []struct {
		name        string
		findings    []Finding
		assessments map[string]Assessment
		score       int
		p01         int
	}{
		{"nothing found, nothing assessed", nil, nil, 100, 10},
		{"one warning", []Finding{warn("P01")}, nil, 97, 7},
		{"one critical", []Finding{crit("P01")}, nil, 94, 4},
		{"critical and warning floor at zero", []Finding{crit("P01"), warn("P01"), warn("P01")}, nil, 90, 0},
		{"assessed at risk caps at 5", nil, map[string]Assessment{"P01": {Status: AtRisk}}, 95, 5},
		{"at risk with a warning", []Finding{warn("P01")}, map[string]Assessment{"P01": {Status: AtRisk}}, 95, 5},
		{"at risk with a critical", []Finding{crit("P01")}, map[string]Assessment{"P01": {Status: AtRisk}}, 94, 4},
		{"fallen in is zero", nil, map[string]Assessment{"P01": {Status: FallenIn}}, 90, 0},
		{"clear does not hide findings", []Finding{warn("P01")}, map[string]Assessment{"P01": {Status: Clear}}, 97, 7},
		{"spread over pitfalls", []Finding{warn("P01"), crit("P08"), warn("P10")}, nil, 88, 7},
	} {
		score, parts := Score(c.findings, c.assessments)
		if score != c.score || parts[0].Points != c.p01 || len(parts) != 10 {
			t.Errorf("%s: score %d (P01 %d), want %d (%d)", c.name, score, parts[0].Points, c.score, c.p01)
		}
	}
}

func TestCatalogue(t *testing.T) {
	c := Get()
	if c.Version == "" || len(c.Pitfalls) != 10 || len(c.Symptoms.Questions.In("zh-CN")) != 4 {
		t.Fatalf("catalogue %s with %d pitfalls", c.Version, len(c.Pitfalls))
	}
	for i, p := range c.Pitfalls {
		if want := []string{"P01", "P02", "P03", "P04", "P05", "P06", "P07", "P08", "P09", "P10"}[i]; p.Code != want {
			t.Fatalf("code %s at %d", p.Code, i)
		}
		for _, lang := range []string{"en", "zh-CN"} {
			if p.Title[lang] == "" || p.LooksLike[lang] == "" || p.Instead[lang] == "" {
				t.Errorf("%s %s: missing text", p.Code, lang)
			}
			if n := len(p.Questions[lang]); n < 3 || n > 5 {
				t.Errorf("%s %s: %d questions", p.Code, lang, n)
			}
		}
	}
}
