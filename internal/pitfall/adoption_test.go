package pitfall

import (
	"context"
	"testing"

	"rollout/internal/account"
	"rollout/internal/adoption"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/project"
	"rollout/internal/project/projecttest"
)

// usage builds weekly figures: one share per week (percent of 100
// licences) for each department, the weeks ending on the healthy project's
// today; filled gives the required-fields share (nil: not reported).
func usage(f *Facts, shares map[string][]float64, filled []float64) {
	f.Adoption = nil
	weeks := 0
	for _, s := range shares {
		weeks = max(weeks, len(s))
	}
	last := adoption.Monday(f.Today).AddDays(-7)
	for i := range weeks {
		week := last.AddDays(-7 * (weeks - 1 - i))
		for _, d := range []string{"", "sales", "service"} {
			s, ok := shares[d]
			if !ok || i >= len(s) {
				continue
			}
			w := adoption.Week{Week: week, Department: d, Licensed: 100, Active: int64(s[i])}
			if d == "" && i < len(filled) {
				v := filled[i]
				w.Filled = &v
			}
			f.Adoption = append(f.Adoption, w)
		}
	}
}

// liveSince makes the healthy project live: its go-live milestone done on a day.
func liveSince(f *Facts, on date.Date) { goLive(f, on.DaysUntil(f.Today)) }

func adoptionFindings(f *Facts) []string {
	var out []string
	for _, fd := range Detect(f) {
		if fd.Detector == "usage_falling" || fd.Detector == "completeness_dropping" || fd.Detector == "departments_below_target" ||
			fd.Detector == "usage_not_watched" {
			out = append(out, fd.Pitfall+"/"+fd.Detector)
		}
	}
	return out
}

func TestUsageFallingAfterGoLive(t *testing.T) {
	f := healthy()
	liveSince(f, f.Today.AddDays(-60))
	usage(f, map[string][]float64{"": {80, 74, 69, 62}}, nil)
	got := adoptionFindings(f)
	if len(got) != 1 || got[0] != "P09/usage_falling" {
		t.Fatalf("findings %v", got)
	}
	fd := findingOf(t, f, "usage_falling")
	if fd.Data["From"] != 80.0 || fd.Data["To"] != 62.0 || fd.Data["Weeks"] != 3 {
		t.Errorf("data %v", fd.Data)
	}

	// A dip that recovers, a fall of under five points, and a fall that
	// happened before go-live are no finding.
	for name, c := range map[string]struct {
		shares []float64
		since  int
	}{
		"recovers": {[]float64{80, 74, 76, 70}, 60},
		"small":    {[]float64{80, 79, 78, 77}, 60},
		"before":   {[]float64{80, 74, 69, 62, 63, 64}, 14},
	} {
		f := healthy()
		liveSince(f, f.Today.AddDays(-c.since))
		usage(f, map[string][]float64{"": c.shares}, nil)
		if got := adoptionFindings(f); len(got) != 0 {
			t.Errorf("%s: %v", name, got)
		}
	}
	// Not live yet: usage is not judged.
	f = healthy()
	usage(f, map[string][]float64{"": {80, 74, 69, 62}}, nil)
	if got := adoptionFindings(f); len(got) != 0 {
		t.Errorf("before go-live: %v", got)
	}
}

func TestDepartmentsBelowTheAdoptionTarget(t *testing.T) {
	f := healthy()
	liveSince(f, f.Today.AddDays(-60))
	f.Goals[0].Direction, f.Goals[0].Target, f.Goals[0].Unit = goal.Increase, 85, "%"
	usage(f, map[string][]float64{"sales": {90, 91, 92}, "service": {70, 72, 71}}, nil)
	got := adoptionFindings(f)
	if len(got) != 1 || got[0] != "P10/departments_below_target" {
		t.Fatalf("findings %v", got)
	}
	fd := findingOf(t, f, "departments_below_target")
	if fd.Data["Count"] != 1 || len(fd.Links) != 1 || fd.Links[0].Label != "link.department.service" || fd.Data["Target"] != 85.0 {
		t.Errorf("%+v", fd)
	}
	// Every department at or above target, or no adoption goal in percent: no finding.
	usage(f, map[string][]float64{"sales": {90, 91, 92}, "service": {80, 84, 85}}, nil)
	if got := adoptionFindings(f); len(got) != 0 {
		t.Errorf("above target: %v", got)
	}
	usage(f, map[string][]float64{"sales": {90, 91, 92}, "service": {70, 72, 71}}, nil)
	f.Goals[0].Category = goal.Business
	if got := adoptionFindings(f); len(got) != 0 {
		t.Errorf("no adoption goal: %v", got)
	}
}

func TestCompletenessDropping(t *testing.T) {
	f := healthy()
	liveSince(f, f.Today.AddDays(-60))
	usage(f, map[string][]float64{"": {80, 81, 82, 83}}, []float64{95, 93, 90, 86})
	got := adoptionFindings(f)
	if len(got) != 1 || got[0] != "P09/completeness_dropping" {
		t.Fatalf("findings %v", got)
	}
	// Steady or recovering completeness is no finding.
	usage(f, map[string][]float64{"": {80, 81, 82, 83}}, []float64{95, 90, 86, 92})
	if got := adoptionFindings(f); len(got) != 0 {
		t.Errorf("recovering: %v", got)
	}
}

// Usage figures from the CRM count as watching usage after go-live, as
// adoption goal measurements do.
func TestUsageFiguresCountAsWatched(t *testing.T) {
	f := healthy()
	liveSince(f, f.Today.AddDays(-60))
	f.Goals[0].CurrentOn = f.Today.AddDays(-90) // the adoption goal not measured lately
	if got := adoptionFindings(f); len(got) != 1 || got[0] != "P09/usage_not_watched" {
		t.Fatalf("findings %v", got)
	}
	usage(f, map[string][]float64{"": {80, 81}}, nil)
	if got := adoptionFindings(f); len(got) != 0 {
		t.Errorf("with usage figures: %v", got)
	}
}

func findingOf(t *testing.T, f *Facts, detector string) Finding {
	t.Helper()
	for _, fd := range Detect(f) {
		if fd.Detector == detector {
			return fd
		}
	}
	t.Fatalf("no %s", detector)
	return Finding{}
}

// Gather reads the usage figures in one query, whatever their number.
func TestGatherReadsAdoptionInOneQuery(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	u, err := account.Create(ctx, db, 0, account.NewUser{Email: "pm@example.com", Name: "Pat", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := project.Create(ctx, db, u.ID, project.Input{Key: "CRM", Name: "CRM", Template: "blank"}, "en")
	if err != nil {
		t.Fatal(err)
	}
	today := date.New(2026, 6, 15)
	counter := dbtest.CountQueries(db)
	if _, err := Gather(ctx, db, p.ID, today); err != nil {
		t.Fatal(err)
	}
	before := counter.Count()
	var rows []adoption.Input
	for w := range 12 {
		for _, d := range []string{"sales", "service", "marketing"} {
			lic, act := int64(50), int64(30+w)
			rows = append(rows, adoption.Input{Week: adoption.WeekName(today.AddDays(-7 * (w + 1))), Department: d, LicensedUsers: &lic, ActiveUsers: &act})
		}
	}
	if _, err := adoption.Record(ctx, db, projecttest.Caller(t, db, p.ID, u.ID), p.ID, rows, adoption.API, today); err != nil {
		t.Fatal(err)
	}
	counter.Reset()
	f, err := Gather(ctx, db, p.ID, today)
	if err != nil {
		t.Fatal(err)
	}
	if got := counter.Count(); got != before || len(f.Adoption) != 36 {
		t.Errorf("%d queries (%d without figures), %d weeks", got, before, len(f.Adoption))
	}
}
