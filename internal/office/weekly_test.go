package office_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/demo"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/office"
	"rollout/internal/project"
	"rollout/internal/risk"
	"rollout/internal/weekly"
)

// The demo project's weekly report says what its data says: a milestone
// reached this week is under done, the milestones the delivery health
// counts as slipping are under slipping, a risk rated up this week shows
// its score before and after, the goals their latest values, the health
// the score the health page shows. The report is frozen when built, built
// again only as a draft, and the whole build costs the same number of
// queries on the demo as on an empty project.
func TestWeeklyReportOfTheDemo(t *testing.T) {
	t.Parallel()
	ctx, db := context.Background(), dbtest.New(t)
	now := time.Now().UTC()
	today := date.Of(now)
	if _, err := demo.Load(ctx, db, today); err != nil {
		t.Fatal(err)
	}
	var pid, pmID, viewerID int64
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.NewSelect().Table("projects").Column("id").Where("key = ?", demo.Key).Scan(ctx, &pid))
	must(db.NewSelect().Table("users").Column("id").Where("email = 'pm@demo.example'").Scan(ctx, &pmID))
	must(db.NewSelect().Table("users").Column("id").Where("email = 'consultant@demo.example'").Scan(ctx, &viewerID))
	pm, err := project.CallerFor(ctx, db, pid, pmID)
	must(err)
	viewer, err := project.CallerFor(ctx, db, pid, viewerID)
	must(err)

	// This week: the go-live readiness review is held today, and the top
	// risk that can still rise is rated up.
	ms, err := milestone.List(ctx, db, pid, today)
	must(err)
	var readiness milestone.View
	for _, m := range ms {
		if m.Type == milestone.ReadinessReview {
			readiness = m
		}
	}
	in := milestone.InputOf(&readiness.Milestone)
	in.ActualOn = today
	_, err = milestone.Update(ctx, db, pmID, pid, readiness.ID, in, today)
	must(err)
	rs, err := risk.List(ctx, db, pid, risk.Filter{Status: risk.ActiveStatuses, Sort: risk.SortScore}, today)
	must(err)
	var raised risk.View
	for _, r := range rs[:weekly.TopRisks] {
		if r.Probability < risk.Scale {
			raised = r
			break
		}
	}
	_, err = risk.AddReview(ctx, db, pm, pid, raised.Number, risk.ReviewInput{ReviewedOn: today, Probability: raised.Probability + 1,
		Impact: raised.Impact, Note: "Vendor lost two consultants"}, today)
	must(err)

	if _, err := office.BuildWeeklyReport(ctx, db, viewer, pid, now); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("a viewer built a report: %v", err)
	}
	rep, err := office.BuildWeeklyReport(ctx, db, pm, pid, now)
	must(err)
	c := rep.Content
	if rep.Status != weekly.Draft || rep.WeekStart != weekly.WeekOf(today) || c.WeekEnd != rep.WeekStart.AddDays(6) ||
		rep.WeekStart.Time().Weekday() != time.Monday {
		t.Fatalf("report %+v, week %s – %s", rep, c.WeekStart, c.WeekEnd)
	}
	if !slices.ContainsFunc(c.Done, func(m weekly.MilestoneLine) bool { return m.ID == readiness.ID && m.ActualOn == today }) {
		t.Errorf("done this week: %+v", c.Done)
	}
	// Slipping: exactly the milestones the delivery health charges for.
	h, err := office.ComputeHealth(ctx, db, pid, today)
	must(err)
	var charged []string
	for _, it := range h.Delivery.Items {
		if it.Kind == office.MilestoneLate || it.Kind == office.MilestoneForecastLate {
			charged = append(charged, it.Name)
		}
	}
	var slipping []string
	for _, m := range c.Slipping {
		slipping = append(slipping, m.Name)
		if m.Slip <= 0 || m.Kind == "" {
			t.Errorf("slipping %+v", m)
		}
	}
	slices.Sort(charged)
	slices.Sort(slipping)
	if len(slipping) == 0 || !slices.Equal(charged, slipping) {
		t.Errorf("slipping %v, the health charges for %v", slipping, charged)
	}
	if !slices.ContainsFunc(c.Slipping, func(m weekly.MilestoneLine) bool { return m.Name == "Second mock migration" && m.Slip == 14 }) {
		t.Errorf("the second mock migration (forecast 14 days late) is not slipping: %+v", c.Slipping)
	}
	// The risk rated up shows its move; risks identified months ago are not new.
	i := slices.IndexFunc(c.Risks, func(r weekly.RiskLine) bool { return r.Number == raised.Number })
	if i < 0 {
		t.Fatalf("the risk rated up is not among the top risks: %+v", c.Risks)
	}
	if got := c.Risks[i]; got.ScoreBefore == nil || *got.ScoreBefore != raised.Score ||
		got.Score != risk.Score(raised.Probability+1, raised.Impact) || got.New || got.Change() <= 0 {
		t.Errorf("raised risk %+v (was %d)", got, raised.Score)
	}
	for _, r := range c.Risks {
		if r.New {
			t.Errorf("demo risk %s shows as new this week", r.Key)
		}
	}
	if len(c.Risks) != weekly.TopRisks || c.Risks[0].Score < c.Risks[len(c.Risks)-1].Score {
		t.Errorf("top risks %+v", c.Risks)
	}
	// Goals: each with its latest value against its target.
	gs, err := goal.List(ctx, db, pid, today)
	must(err)
	if len(c.Goals) != len(gs) {
		t.Fatalf("goals %d, project has %d", len(c.Goals), len(gs))
	}
	for k, g := range gs {
		if l := c.Goals[k]; l.ID != g.ID || l.Target != g.Target || (g.Count > 0 && (l.Current != g.Current || l.CurrentOn != g.CurrentOn)) || l.Status != string(g.Status) {
			t.Errorf("goal %+v, data %+v", l, g)
		}
	}
	if c.Health.Score == nil || *c.Health.Score != *h.Score || c.Health.Band != h.Band {
		t.Errorf("health %+v, health page %d %s", c.Health, *h.Score, h.Band)
	}
	for _, ch := range c.Changes {
		if ch.At.Before(rep.WeekStart.Time()) || !ch.At.Before(c.WeekEnd.AddDays(1).Time()) {
			t.Errorf("change outside the week: %+v", ch)
		}
	}

	// Frozen: a later write does not change the stored report; building
	// again does, keeping the summary.
	rep, err = weekly.UpdateSummary(ctx, db, pm, pid, rep.ID, weekly.SummaryInput{Summary: "Readiness held; vendor staffing is the risk to watch.", Version: rep.Version})
	must(err)
	if _, err := weekly.UpdateSummary(ctx, db, pm, pid, rep.ID, weekly.SummaryInput{Summary: "stale", Version: rep.Version - 1}); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("a stale summary edit: %v", err)
	}
	_, err = risk.AddReview(ctx, db, pm, pid, raised.Number, risk.ReviewInput{ReviewedOn: today, Probability: 1, Impact: 1, Note: "Staffed again"}, today)
	must(err)
	stored, err := weekly.Get(ctx, db, pid, rep.ID)
	must(err)
	if got := stored.Content.Risks[i]; got.Score != c.Risks[i].Score {
		t.Errorf("the stored report moved with the data: %+v", got)
	}
	again, err := office.BuildWeeklyReport(ctx, db, pm, pid, now)
	must(err)
	if again.ID != rep.ID || again.Summary != rep.Summary || again.Version != rep.Version+1 ||
		slices.ContainsFunc(again.Content.Risks, func(r weekly.RiskLine) bool { return r.Number == raised.Number && r.Score == c.Risks[i].Score }) {
		t.Errorf("built again: %+v", again)
	}

	// Sent: it stays as it was sent.
	if _, err := office.SendWeeklyReport(ctx, db, pm, pid, again.ID, weekly.SendInput{}, now); !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("sent to no one: %v", err)
	}
	sent, err := office.SendWeeklyReport(ctx, db, pm, pid, again.ID, weekly.SendInput{Roles: []string{"steering", "project_manager"}}, now)
	must(err)
	if sent.Status != weekly.Sent || sent.SentAt == nil || !slices.Equal(sent.SentRoles, []string{"project_manager", "steering"}) {
		t.Fatalf("sent %+v", sent)
	}
	if _, err := office.BuildWeeklyReport(ctx, db, pm, pid, now); !apperr.Is(err, apperr.KindConflict) {
		t.Errorf("built a sent week again: %v", err)
	}
	if _, err := weekly.UpdateSummary(ctx, db, pm, pid, sent.ID, weekly.SummaryInput{Summary: "late", Version: sent.Version}); !apperr.Is(err, apperr.KindConflict) {
		t.Errorf("edited a sent summary: %v", err)
	}
	var events int
	must(db.NewRaw(`SELECT count(*) FROM river_job WHERE kind = 'notify_event' AND args->>'event' = 'weekly_report' AND (args->>'entity_id')::bigint = ?`, sent.ID).Scan(ctx, &events))
	if events != 1 {
		t.Errorf("%d weekly_report events enqueued", events)
	}

	// The same number of queries on the demo as on a project with nothing in it.
	empty, err := office.CreateProject(ctx, db, pmID, project.Input{Key: "NEW", Name: "New"}, "en", today)
	must(err)
	counter := dbtest.CountQueries(db)
	var counts []int64
	for _, id := range []int64{pid, empty.ID} {
		counter.Reset()
		_, err := office.WeeklyContent(ctx, db, id, today)
		must(err)
		counts = append(counts, counter.Count())
	}
	if counts[0] != counts[1] {
		t.Errorf("queries: demo %d, empty project %d", counts[0], counts[1])
	}
}

// A project set to send its report by itself gets it built and sent at its
// hour, once, even when two rounds (two instances) run at the same moment;
// at another hour nothing goes.
func TestScheduledWeeklyReportGoesOutOnce(t *testing.T) {
	t.Parallel()
	ctx, db := context.Background(), dbtest.New(t)
	u, err := account.Create(ctx, db, 0, account.NewUser{Email: "pm@example.com", Name: "Pat", Password: "a long password 1"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	today := date.Of(now.UTC())
	p, err := office.CreateProject(ctx, db, u.ID, project.Input{Key: "CRM", Name: "CRM", Template: "crm"}, "en", today)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := project.CallerFor(ctx, db, p.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	wd := int(now.Local().Weekday())
	if wd == 0 {
		wd = 7
	}
	if _, err := weekly.SaveSettings(ctx, db, pm, p.ID, weekly.SettingsInput{AutoSend: true, Weekday: wd, Hour: (now.Local().Hour() + 1) % 24,
		Roles: []string{"project_manager"}, Version: 1}); err != nil {
		t.Fatal(err)
	}
	if n, err := office.SendDueWeeklyReports(ctx, db, now); err != nil || n != 0 {
		t.Fatalf("at another hour: %d sent, %v", n, err)
	}
	s, err := weekly.SettingsOf(ctx, db, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := weekly.SaveSettings(ctx, db, pm, p.ID, weekly.SettingsInput{AutoSend: true, Weekday: wd, Hour: now.Local().Hour(),
		Roles: []string{"project_manager"}, Version: s.Version}); err != nil {
		t.Fatal(err)
	}
	results := make(chan int, 2)
	for range 2 {
		go func() {
			n, err := office.SendDueWeeklyReports(ctx, db, now)
			if err != nil {
				t.Error(err)
			}
			results <- n
		}()
	}
	if total := <-results + <-results; total != 1 {
		t.Fatalf("two rounds sent %d reports", total)
	}
	r, err := weekly.OfWeek(ctx, db, p.ID, weekly.WeekOf(today))
	if err != nil {
		t.Fatal(err)
	}
	if !r.IsSent() || r.SentBy != nil || !slices.Equal(r.SentRoles, []string{"project_manager"}) {
		t.Fatalf("report %+v", r)
	}
	var events int
	if err := db.NewRaw(`SELECT count(*) FROM river_job WHERE kind = 'notify_event' AND args->>'event' = 'weekly_report'`).Scan(ctx, &events); err != nil || events != 1 {
		t.Fatalf("%d events, %v", events, err)
	}
}
