package pitfall

import (
	"slices"
	"testing"

	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/requirement"
)

// trips runs the detectors and reports whether want is among the findings,
// with that finding.
func trips(t *testing.T, f *Facts, want string) (Finding, bool) {
	t.Helper()
	for _, fd := range Detect(f) {
		if fd.Pitfall+"/"+fd.Detector == want {
			return fd, true
		}
	}
	return Finding{}, false
}

func hasFact(fd Finding, id string, kv ...any) bool {
	for _, x := range fd.Facts {
		if x.Message != "why."+id {
			continue
		}
		ok := true
		for i := 0; i+1 < len(kv); i += 2 {
			ok = ok && x.Data[kv[i].(string)] == kv[i+1]
		}
		if ok {
			return true
		}
	}
	return false
}

// The go-live is the go-live-typed milestone whatever it is called.
func TestGoLiveByTypeNotName(t *testing.T) {
	for _, name := range []string{"Launch", "Cutover weekend", "正式切换"} {
		t.Run(name, func(t *testing.T) {
			f := healthy()
			goLive(f, 100)
			f.Milestones[2].Name = name
			f.Goals[0].CurrentOn = f.Today.AddDays(-45) // adoption not watched for 45 days
			fd, ok := trips(t, f, "P09/usage_not_watched")
			if !ok {
				t.Fatalf("a done go-live called %q is not seen as live: %v", name, detectorsOf(Detect(f)))
			}
			if !hasFact(fd, "went_live", "Name", name, "Date", f.Today.AddDays(-100).String()) || !hasFact(fd, "live_days", "Days", 100) {
				t.Fatalf("facts %+v", fd.Facts)
			}
			// Not done yet: not live, whatever the current phase.
			f = healthy()
			f.Milestones[2].Name = name
			f.Project.CurrentPhaseID = id(5)
			f.Goals[0].CurrentOn = f.Today.AddDays(-45)
			if _, ok := trips(t, f, "P09/usage_not_watched"); ok {
				t.Fatal("a planned go-live counts as live")
			}
		})
	}
	// A milestone named "Go-live" but typed as something else is not the go-live.
	f := healthy()
	goLive(f, 100)
	f.Milestones[2].Type = milestone.Other
	f.Goals[0].CurrentOn = f.Today.AddDays(-45)
	if _, ok := trips(t, f, "P09/usage_not_watched"); ok {
		t.Fatal("the name made it the go-live")
	}
}

// Rehearsals count by type and only when done before go-live (or still ahead of it).
func TestRehearsalsByTypeAndStatus(t *testing.T) {
	today := date.New(2026, 6, 1)
	dryRuns := func(typ milestone.Type, actual1, actual2 date.Date) *Facts {
		f := healthy()
		f.Milestones = []milestone.View{
			ms("Migration dry run 1", typ, today.AddDays(-30), actual1, today),
			ms("Migration dry run 2", typ, today.AddDays(-10), actual2, today),
			ms("Launch", milestone.GoLive, today.AddDays(60), date.Date{}, today),
		}
		return f
	}
	// "Dry run" rehearsals typed as rehearsals and done: no finding.
	if fd, ok := trips(t, dryRuns(milestone.Rehearsal, today.AddDays(-30), today.AddDays(-10)), "P07/too_few_mock_migrations"); ok {
		t.Fatalf("two done dry runs: %+v", fd)
	}
	// The same, typed other: none counts.
	if _, ok := trips(t, dryRuns(milestone.Other, today.AddDays(-30), today.AddDays(-10)), "P07/too_few_mock_migrations"); !ok {
		t.Fatal("untyped dry runs counted")
	}
	// Two rehearsals called "Mock migration" whose dates passed undone: skipped, none counts.
	f := dryRuns(milestone.Rehearsal, date.Date{}, date.Date{})
	f.Milestones[0].Name, f.Milestones[1].Name = "Mock migration", "Mock migration"
	fd, ok := trips(t, f, "P07/too_few_mock_migrations")
	if !ok || fd.Data["Count"] != 0 || !hasFact(fd, "rehearsals", "Done", 0, "Skipped", 2) ||
		!hasFact(fd, "go_live_planned", "Name", "Launch", "Date", today.AddDays(60).String()) {
		t.Fatalf("skipped rehearsals: %v %+v", ok, fd)
	}
	// Done after go-live: it does not count.
	f = healthy()
	goLive(f, 100)
	f.Milestones[1].ActualOn = f.Today.AddDays(-50)
	if fd, ok := trips(t, f, "P07/too_few_mock_migrations"); !ok || !hasFact(fd, "rehearsals", "Done", 1, "After", 1) {
		t.Fatalf("a rehearsal after go-live counted: %+v", fd)
	}
}

// Phase one is the first delivery wave, not the first phase holding requirements.
func TestPhaseOneIsTheFirstWave(t *testing.T) {
	f := healthy()
	// One kick-off requirement in Selection, six integrations in Implementation.
	f.Summaries = []requirement.PhaseSummary{{PhaseID: id(2), Total: 1, Must: 1},
		{PhaseID: id(3), Total: 8, Must: 3, Important: 3, Optional: 2, Integrations: 6}, {PhaseID: id(4), Total: 6, Must: 2, Important: 2, Optional: 2}}
	fd, ok := trips(t, f, "P08/phase_one_integrations")
	if !ok || fd.Data["Phase"] != "Implementation" || fd.Data["Count"] != 6 || !hasFact(fd, "phase_one_by_wave", "Phase", "Implementation", "Wave", 1) {
		t.Fatalf("%v %+v", ok, fd)
	}
	// Two integrations in Implementation: nothing, whatever Selection holds.
	f.Summaries[1].Integrations = 2
	f.Summaries[0].Integrations = 5
	if _, ok := trips(t, f, "P08/phase_one_integrations"); ok {
		t.Fatal("Selection's integrations counted as phase one's")
	}
	// The project chose to deliver Rollout first: wave numbers, not phase order.
	f = healthy()
	f.Phases[2].Wave, f.Phases[3].Wave = 2, 1
	f.Summaries[1].Integrations = 4
	if fd, ok := trips(t, f, "P08/phase_one_integrations"); !ok || fd.Data["Phase"] != "Rollout" {
		t.Fatalf("%v %+v", ok, fd)
	}
	// Customisation in phase one.
	f = healthy()
	f.Summaries[0] = requirement.PhaseSummary{PhaseID: id(3), Total: 10, Must: 4, Important: 4, Optional: 2, Custom: 5, Integrations: 1}
	f.Backlog = BacklogFacts{Total: 19, NoGoal: 2, Training: 1, ChangeManagement: 1, DataMigration: 1, DataOwned: 1, Custom: 5}
	if fd, ok := trips(t, f, "P06/phase_one_customization"); !ok || fd.Data["Percent"] != 50 {
		t.Fatalf("%v %+v %v", ok, fd, detectorsOf(Detect(f)))
	}
	f.Summaries[0].Custom, f.Backlog.Custom = 3, 3
	if _, ok := trips(t, f, "P06/phase_one_customization"); ok {
		t.Fatal("30 % custom in phase one tripped")
	}
}

// A goal is expected to have measurements only from its start and cadence.
func TestGoalMeasuredFromItsStart(t *testing.T) {
	f := healthy()
	f.Goals = append(f.Goals, goal.View{Goal: goal.Goal{ID: 4, Title: "Active users after go-live", Category: goal.Adoption, OwnerID: 1,
		StartOn: f.Today.AddDays(90), Cadence: goal.Monthly}})
	if _, ok := trips(t, f, "P01/goals_unmeasured"); ok {
		t.Fatal("a goal starting in three months is unmeasured")
	}
	f.Goals[3].StartOn = f.Today.AddDays(-60)
	fd, ok := trips(t, f, "P01/goals_unmeasured")
	if !ok || !hasFact(fd, "goal_first_due", "Goal", "Active users after go-live", "Due", f.Today.AddDays(-30).String()) {
		t.Fatalf("%v %+v", ok, fd)
	}
	// Quarterly, started 60 days ago: its first measurement is not due yet.
	f.Goals[3].Cadence = goal.Quarterly
	if _, ok := trips(t, f, "P01/goals_unmeasured"); ok {
		t.Fatal("a quarterly goal is due after 60 days")
	}
	// Weekly, started ten days ago: due.
	f.Goals[3].Cadence, f.Goals[3].StartOn = goal.Weekly, f.Today.AddDays(-10)
	if _, ok := trips(t, f, "P01/goals_unmeasured"); !ok {
		t.Fatal("a weekly goal started ten days ago is not due")
	}
}

// After-go-live checks count from the go-live date.
func TestAfterGoLiveCountsFromGoLive(t *testing.T) {
	f := healthy()
	f.Project.StartOn = f.Today.AddDays(-600)
	f.Changes = ChangeFacts{}
	goLive(f, 90)
	if _, ok := trips(t, f, "P10/changes_silent"); ok {
		t.Fatal("90 days live, counted from the project's start")
	}
	goLive(f, 200)
	fd, ok := trips(t, f, "P10/changes_silent")
	if !ok || !hasFact(fd, "live_days", "Days", 200) || !hasFact(fd, "last_change", "Last", "—") {
		t.Fatalf("%v %+v", ok, fd)
	}
	// Adoption: the first UsageDays after go-live are not "not watched".
	f = healthy()
	goLive(f, 20)
	f.Goals[0].CurrentOn = date.Date{}
	f.Goals[0].Count = 0
	f.Goals[0].StartOn = f.Today.AddDays(-20)
	if fd, ok := trips(t, f, "P09/usage_not_watched"); ok {
		t.Fatalf("20 days live: %+v", fd)
	}
	goLive(f, 40)
	if _, ok := trips(t, f, "P09/usage_not_watched"); !ok {
		t.Fatal("40 days live, no adoption measured")
	}
}

func readinessFacts(goLiveIn int) *Facts {
	f := healthy()
	f.Milestones = []milestone.View{
		ms("Dry run 1", milestone.Rehearsal, f.Today.AddDays(-20), f.Today.AddDays(-20), f.Today),
		ms("Dry run 2", milestone.Rehearsal, f.Today.AddDays(-10), f.Today.AddDays(-10), f.Today),
		ms("Launch", milestone.GoLive, f.Today.AddDays(goLiveIn), date.Date{}, f.Today),
	}
	return f
}

func withReview(f *Facts, at int, done bool, met ...milestone.ReadinessItem) {
	var actual date.Date
	if done {
		actual = f.Today.AddDays(at)
	}
	v := ms("Readiness", milestone.ReadinessReview, f.Today.AddDays(at), actual, f.Today)
	v.Readiness = milestone.Readiness{}
	for _, it := range met {
		v.Readiness[it] = true
	}
	f.Milestones = append(f.Milestones, v)
}

func TestReadinessReview(t *testing.T) {
	// Go-live far away: nothing yet.
	if _, ok := trips(t, readinessFacts(100), "P09/readiness_missing"); ok {
		t.Fatal("missing review reported 100 days ahead")
	}
	// Five weeks ahead, no review: a warning; three weeks: critical.
	fd, ok := trips(t, readinessFacts(35), "P09/readiness_missing")
	if !ok || fd.Severity != Warning || !hasFact(fd, "go_live_planned", "Name", "Launch") || !hasFact(fd, "readiness_latest", "Weeks", 4) {
		t.Fatalf("%v %+v", ok, fd)
	}
	if fd, ok := trips(t, readinessFacts(21), "P09/readiness_missing"); !ok || fd.Severity != Critical {
		t.Fatalf("%v %+v", ok, fd)
	}
	// Planned two weeks before go-live: late; five weeks before: fine.
	f := readinessFacts(50)
	withReview(f, 36, false)
	if fd, ok := trips(t, f, "P09/readiness_late"); !ok || fd.Data["Latest"] != f.Today.AddDays(22).String() {
		t.Fatalf("%v %+v", ok, fd)
	}
	f = readinessFacts(50)
	withReview(f, 15, false)
	if got := detectorsOf(Detect(f)); len(got) != 0 {
		t.Fatalf("a review in time: %v", got)
	}
	// Its date passed and it was not held.
	f = readinessFacts(30)
	withReview(f, -3, false)
	if _, ok := trips(t, f, "P09/readiness_not_held"); !ok {
		t.Fatal(detectorsOf(Detect(f)))
	}
	// Held, everything met: nothing.
	f = readinessFacts(40)
	withReview(f, -1, true, milestone.ReadinessItems...)
	if got := detectorsOf(Detect(f)); len(got) != 0 {
		t.Fatalf("a review met: %v", got)
	}
	// Cutover plan not signed, an open critical risk, one rehearsal skipped.
	f.Milestones[3].Readiness[milestone.ReadyCutoverSigned] = false
	f.Risks = []RiskFact{{Number: 1, Title: "Cutover", Category: "scope", Score: 20}}
	f.Milestones[1] = ms("Dry run 2", milestone.Rehearsal, f.Today.AddDays(-10), date.Date{}, f.Today)
	fd, ok = trips(t, f, "P09/readiness_unmet")
	if !ok || fd.Data["Count"] != 3 || !hasFact(fd, "ready_cutover_signed") || !hasFact(fd, "ready_nothing_open") ||
		!hasFact(fd, "ready_rehearsals_passed") || !hasFact(fd, "open_blockers", "Risks", 1) || hasFact(fd, "ready_tests_signed") {
		t.Fatalf("%v %+v", ok, fd)
	}
	// Once live, readiness is no longer checked.
	goLive(f, 10)
	withReview(f, -60, true)
	if _, ok := trips(t, f, "P09/readiness_unmet"); ok {
		t.Fatal("readiness checked after go-live")
	}
}

// Every fact a detector can name has its words in both languages.
func TestFactsAreNamed(t *testing.T) {
	f := readinessFacts(40)
	withReview(f, -1, true)
	f.Risks = []RiskFact{{Number: 1, Title: "Cutover", Category: "scope", Score: 20}}
	fd, _ := trips(t, f, "P09/readiness_unmet")
	if len(fd.Facts) < 8 || !slices.ContainsFunc(fd.Facts, func(x Fact) bool { return x.Message == "why.ready_support_signed" }) {
		t.Fatalf("%+v", fd.Facts)
	}
}
