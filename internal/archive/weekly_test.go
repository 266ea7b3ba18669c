package archive

import (
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database/dbtest"
	"rollout/internal/office"
	"rollout/internal/project"
	"rollout/internal/project/projecttest"
	"rollout/internal/weekly"
)

// buildWeekly gives the project last week's report, sent, this week's, a
// draft with a summary, and a schedule of its own; now is this week.
func buildWeekly(t *testing.T, db *bun.DB, pid int64, pm project.Caller, now time.Time) {
	t.Helper()
	ctx := context.Background()
	lastWeek := now.AddDate(0, 0, -4)
	sent, err := office.BuildWeeklyReport(ctx, db, pm, pid, lastWeek)
	must(t, err)
	_, err = office.SendWeeklyReport(ctx, db, pm, pid, sent.ID,
		weekly.SendInput{Roles: []string{"steering", "project_manager"}}, lastWeek.Add(time.Hour))
	must(t, err)
	draft, err := office.BuildWeeklyReport(ctx, db, pm, pid, now)
	must(t, err)
	_, err = weekly.UpdateSummary(ctx, db, pm, pid, draft.ID,
		weekly.SummaryInput{Summary: "The gate passed with conditions.", Version: draft.Version})
	must(t, err)
	_, err = weekly.SaveSettings(ctx, db, pm, pid, weekly.SettingsInput{AutoSend: true, Weekday: 4, Hour: 9,
		Roles: []string{"steering"}, Version: 1})
	must(t, err)
}

// weeklyMoved checks the weekly reports of project srcID in src after its
// move to dstID in dst (copied: under another key): they read the same through internal/weekly, their
// links name the restored milestones, gate reviews and goals, the sent one
// cannot be edited, and the trail names the restored reports.
func weeklyMoved(t *testing.T, src *bun.DB, srcID int64, dst *bun.DB, dstID, pmID int64, copied bool) {
	t.Helper()
	ctx := context.Background()
	before, err := weekly.List(ctx, src, srcID)
	must(t, err)
	after, err := weekly.List(ctx, dst, dstID)
	must(t, err)
	if len(before) != 2 || len(after) != 2 || after[0].Status != weekly.Draft || after[1].Status != weekly.Sent {
		t.Fatalf("weekly reports after the move: %+v, want two like %+v", after, before)
	}
	milestones, goals := names(t, dst, "milestones", "name", dstID), names(t, dst, "goals", "title", dstID)
	reviews := names(t, dst, "gate_reviews", "milestone_id::text || '/' || coalesce(decision, '')", dstID)
	deletedGoal := false
	for i, b := range before {
		a := after[i]
		if a.WeekStart != b.WeekStart || a.Summary != b.Summary || !a.BuiltAt.Equal(b.BuiltAt) ||
			!reflect.DeepEqual(a.SentRoles, b.SentRoles) || a.Version != b.Version || !a.CreatedAt.Equal(b.CreatedAt) ||
			!a.UpdatedAt.Equal(b.UpdatedAt) || a.BuiltByName != b.BuiltByName || a.SentByName != b.SentByName ||
			(a.SentAt == nil) != (b.SentAt == nil) || (a.SentAt != nil && !a.SentAt.Equal(*b.SentAt)) {
			t.Errorf("report of %s after the move:\n got %+v\nwant %+v", b.WeekStart, a, b)
		}
		// Every link names the restored item of that name; a deleted
		// item's link names nothing in the restored project.
		c := a.Content
		for _, m := range slices.Concat(c.Done, c.Slipping) {
			if id, ok := milestones[m.Name]; ok != (m.ID == id) {
				t.Errorf("milestone %q links to %d, restored as %d", m.Name, m.ID, id)
			}
		}
		for _, g := range c.Goals {
			id, ok := goals[g.Title]
			deletedGoal = deletedGoal || !ok && !slices.Contains(slices.Collect(maps.Values(goals)), g.ID)
			if ok && g.ID != id {
				t.Errorf("goal %q links to %d, restored as %d", g.Title, g.ID, id)
			}
		}
		for _, d := range c.Decisions {
			if d.MilestoneID != milestones[d.MilestoneName] || d.ReviewID != reviews[strconv.FormatInt(d.MilestoneID, 10)+"/"+d.Decision] {
				t.Errorf("decision %+v does not link to the restored gate %v and its review %v", d, milestones, reviews)
			}
		}
		if i == 0 && (len(c.Decisions) != 1 || len(c.Goals) == 0) {
			t.Errorf("this week's report has %d decisions and %d goals", len(c.Decisions), len(c.Goals))
		}
		// Apart from its links, the content is as it was frozen.
		if got, want := unlinked(t, a.Content), unlinked(t, b.Content); got != want {
			t.Errorf("content of %s after the move:\n got %s\nwant %s", b.WeekStart, got, want)
		}
	}
	if !deletedGoal {
		t.Error("no report names the deleted goal, so its link is not tested")
	}

	s1, err := weekly.SettingsOf(ctx, src, srcID)
	must(t, err)
	s2, err := weekly.SettingsOf(ctx, dst, dstID)
	must(t, err)
	// A copy (another key) keeps the schedule but does not send by itself:
	// its original may still send the same report to the same people.
	if s2.AutoSend != !copied {
		t.Errorf("sends by itself after the import under another key (%v): %v", copied, s2.AutoSend)
	}
	if s1.ProjectID, s2.ProjectID, s2.AutoSend = 0, 0, s1.AutoSend; !reflect.DeepEqual(s1, s2) || s2.Weekday != 4 {
		t.Errorf("schedule after the move %+v, want %+v", s2, s1)
	}

	// The trail names the restored reports and the restored project, with
	// the people who built and sent them.
	var trail []auditRow
	must(t, dst.NewSelect().Model(&trail).Where("project_id = ? AND entity IN ('weekly_report', 'weekly_settings')", dstID).
		OrderExpr("id").Scan(ctx))
	srcTrail, err := src.NewSelect().Model((*auditRow)(nil)).
		Where("project_id = ? AND entity IN ('weekly_report', 'weekly_settings')", srcID).Count(ctx)
	must(t, err)
	if len(trail) != int(srcTrail) || len(trail) < 5 {
		t.Fatalf("%d weekly entries in the trail after the move, want %d", len(trail), srcTrail)
	}
	own := map[string]int64{strconv.FormatInt(after[0].ID, 10): after[0].ID, strconv.FormatInt(after[1].ID, 10): after[1].ID}
	sends := 0
	for _, e := range trail {
		var values map[string]any
		if len(e.After) > 0 {
			must(t, json.Unmarshal(e.After, &values))
		}
		switch {
		case e.Entity == "weekly_settings":
			if e.EntityID != strconv.FormatInt(dstID, 10) {
				t.Errorf("the schedule's entry names project %s, want %d", e.EntityID, dstID)
			}
		case own[e.EntityID] == 0:
			t.Errorf("a %s entry names report %s, not one of the restored %v", e.Action, e.EntityID, own)
		case e.Action == audit.Create && values["id"] != float64(own[e.EntityID]):
			t.Errorf("the create entry of report %s says id %v", e.EntityID, values["id"])
		case e.Action == weekly.ActionSend:
			sends++
			if values["sent_by"] != float64(pmID) || e.EntityID != strconv.FormatInt(after[1].ID, 10) {
				t.Errorf("the send entry names report %s sent by %v", e.EntityID, values["sent_by"])
			}
		}
	}
	if sends != 1 {
		t.Errorf("%d send entries after the move", sends)
	}

	// The sent report stays as it was sent; the draft is still a draft.
	pm := projecttest.Caller(t, dst, dstID, pmID)
	if _, err := weekly.UpdateSummary(ctx, dst, pm, dstID, after[1].ID, weekly.SummaryInput{Summary: "rewritten",
		Version: after[1].Version}); !apperr.Is(err, apperr.KindConflict) {
		t.Errorf("the sent report's summary was edited after the move: %v", err)
	}
	if _, err := weekly.MarkSent(ctx, dst, pmID, dstID, after[1].ID, []string{"steering"}, time.Now()); !apperr.Is(err, apperr.KindConflict) {
		t.Errorf("the sent report was sent again after the move: %v", err)
	}
	if _, err := weekly.UpdateSummary(ctx, dst, pm, dstID, after[0].ID, weekly.SummaryInput{Summary: "Edited after the move.",
		Version: after[0].Version}); err != nil {
		t.Errorf("the draft cannot be edited after the move: %v", err)
	}
}

// names maps a column of the project's rows to their ids.
func names(t *testing.T, db *bun.DB, table, column string, pid int64) map[string]int64 {
	t.Helper()
	var rows []struct {
		ID   int64  `bun:"id"`
		Name string `bun:"name"`
	}
	must(t, db.NewSelect().Table(table).ColumnExpr("id, "+column+" AS name").Where("project_id = ?", pid).
		Scan(context.Background(), &rows))
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Name] = r.ID
	}
	return out
}

// unlinked is a report's content without the ids it links by.
func unlinked(t *testing.T, c weekly.Content) string {
	t.Helper()
	for _, lines := range [][]weekly.MilestoneLine{c.Done, c.Slipping} {
		for i := range lines {
			lines[i].ID = 0
		}
	}
	for i := range c.Goals {
		c.Goals[i].ID = 0
	}
	for i := range c.Decisions {
		c.Decisions[i].ReviewID, c.Decisions[i].MilestoneID = 0, 0
	}
	raw, err := json.Marshal(c)
	must(t, err)
	return string(raw)
}

// An archive written before weekly reports travelled holds none, but its
// trail names reports by the other installation's ids: they stay as written
// rather than take ids from this installation's sequence.
func TestArchiveWithoutWeeklyReportsKeepsTheirTrail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	var a Archive
	must(t, json.Unmarshal([]byte(`{"format_version": 1, "project": {"key": "OLD", "name": "Before reports travelled",
		"start_on": "2026-01-05", "target_on": "2026-12-20"},
		"audit": [{"at": "2026-05-29T09:00:00Z", "entity": "weekly_report", "entity_id": "987654", "action": "create",
		"after": {"id": 987654, "status": "draft", "built_by": 12}},
		{"at": "2026-05-29T10:00:00Z", "entity": "weekly_settings", "entity_id": "77", "action": "update",
		"after": {"hour": 9}}]}`), &a))
	res, err := Import(ctx, db, &a, ImportOptions{})
	must(t, err)
	var trail []auditRow
	must(t, db.NewSelect().Model(&trail).Where("project_id = ? AND entity LIKE 'weekly%'", res.ProjectID).OrderExpr("id").Scan(ctx))
	if len(trail) != 2 || trail[0].EntityID != "987654" || string(trail[0].After) != `{"id": 987654, "status": "draft", "built_by": null}` ||
		trail[1].EntityID != strconv.FormatInt(res.ProjectID, 10) {
		t.Fatalf("trail %+v / %s", trail, trail[0].After)
	}
	var next int64
	must(t, db.NewRaw("SELECT nextval(pg_get_serial_sequence('weekly_reports', 'id'))").Scan(ctx, &next))
	if next != 1 {
		t.Errorf("the import took %d ids of weekly reports", next-1)
	}
}
