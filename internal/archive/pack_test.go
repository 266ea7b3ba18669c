package archive

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"rollout/internal/database/dbtest"
	"rollout/internal/milestone"
	"rollout/internal/weekly"
)

// deletedGoalTitle is the goal buildRich deletes after the gate's decision.
const deletedGoalTitle = "Quote cycle −2 days"

// packMoved checks the frozen pack of project srcID in src after its move to
// dstID in dst: every item it names by id (the milestone, its deliverables,
// goals, risks, the delivery items' links) is the restored item of that
// name, the deleted goal's id is one no row has (the one the weekly reports
// name it by), the ticker is the same person, and the rest reads as it was
// frozen.
func packMoved(t *testing.T, src *bun.DB, srcID int64, dst *bun.DB, dstID int64) {
	t.Helper()
	ctx := context.Background()
	before, after := decidedPacks(t, src, srcID), decidedPacks(t, dst, dstID)
	if len(before) != 1 || len(after) != 1 {
		t.Fatalf("%d decided packs after the move, want %d", len(after), len(before))
	}
	b, a := before[0], after[0]
	milestones, goals, risks := names(t, dst, "milestones", "name", dstID), names(t, dst, "goals", "title", dstID),
		names(t, dst, "risks", "title", dstID)
	reviews := names(t, dst, "gate_reviews", "id::text", dstID)
	var deliverables []struct {
		ID    int64  `bun:"id"`
		Title string `bun:"title"`
	}
	must(t, dst.NewSelect().TableExpr("deliverables AS d").ColumnExpr("d.id, d.title").
		Join("JOIN milestones AS m ON m.id = d.milestone_id").Where("m.project_id = ?", dstID).Scan(ctx, &deliverables))
	deliverable := map[string]int64{}
	for _, d := range deliverables {
		deliverable[d.Title] = d.ID
	}

	if id := milestones[a.Milestone.Name]; id == 0 || a.Milestone.ID != id {
		t.Errorf("the pack's milestone %q is %d, restored as %d", a.Milestone.Name, a.Milestone.ID, id)
	}
	var ticked, deletedGoal, linkedMilestones, linkedGoals int
	for i, s := range a.Sections {
		for j, d := range s.Deliverables {
			if d.ID != deliverable[d.Title] {
				t.Errorf("deliverable %q is %d, restored as %d", d.Title, d.ID, deliverable[d.Title])
			}
			if got, was := email(t, dst, d.DoneBy), email(t, src, b.Sections[i].Deliverables[j].DoneBy); got != was {
				t.Errorf("deliverable %q ticked by %q, was %q", d.Title, got, was)
			} else if d.DoneBy != nil {
				ticked++
			}
		}
		for j, g := range s.Goals {
			if g.Title != deletedGoalTitle {
				if g.ID != goals[g.Title] {
					t.Errorf("goal %q is %d, restored as %d", g.Title, g.ID, goals[g.Title])
				}
				continue
			}
			deletedGoal++
			n, err := dst.NewSelect().Table("goals").Where("id = ?", g.ID).Count(ctx)
			must(t, err)
			if n != 0 || src == dst && g.ID == b.Sections[i].Goals[j].ID || g.ID != weeklyGoalID(t, dst, dstID, g.Title) {
				t.Errorf("the deleted goal is %d in the pack (was %d): a row has it, or the weekly reports name it otherwise",
					g.ID, b.Sections[i].Goals[j].ID)
			}
		}
		for _, r := range s.Risks {
			if r.ID != risks[r.Title] {
				t.Errorf("risk %s is %d, restored as %d", r.Key, r.ID, risks[r.Title])
			}
		}
		if s.Health == nil || s.Health.Combined == nil {
			continue
		}
		for _, it := range s.Health.Combined.Items {
			page, id, _ := strings.Cut(strings.TrimPrefix(it.Path, "/"), "/")
			switch page {
			case "milestones":
				linkedMilestones++
				if id != strconv.FormatInt(milestones[it.Name], 10) {
					t.Errorf("delivery item %q links to %s, restored as %d", it.Name, it.Path, milestones[it.Name])
				}
			case "goals":
				linkedGoals++
				want, ok := goals[it.Name]
				if !ok && it.Name == deletedGoalTitle {
					want = weeklyGoalID(t, dst, dstID, it.Name) // deleted since, as the goals section
				}
				if id != strconv.FormatInt(want, 10) {
					t.Errorf("delivery item %q links to %s, restored as %d", it.Name, it.Path, want)
				}
			case "reviews":
				if reviews[id] == 0 {
					t.Errorf("delivery item %q links to %s, not a restored review", it.Name, it.Path)
				}
			}
		}
	}
	if ticked == 0 || deletedGoal != 1 || linkedMilestones == 0 || linkedGoals == 0 {
		t.Errorf("the pack has %d ticked deliverables, %d deleted goals, %d milestone and %d goal links: the test misses cases",
			ticked, deletedGoal, linkedMilestones, linkedGoals)
	}
	// Apart from its ids, the pack is as it was frozen.
	if got, want := packUnlinked(t, a), packUnlinked(t, b); got != want {
		t.Errorf("pack after the move:\n got %s\nwant %s", got, want)
	}
}

// decidedPacks are the frozen packs of a project's reviews.
func decidedPacks(t *testing.T, db *bun.DB, pid int64) []milestone.Pack {
	t.Helper()
	var rows []gateReviewRow
	must(t, db.NewSelect().Model(&rows).Where("project_id = ? AND pack IS NOT NULL", pid).OrderExpr("id").
		Scan(context.Background()))
	out := make([]milestone.Pack, len(rows))
	for i, r := range rows {
		must(t, json.Unmarshal(r.Pack, &out[i]))
	}
	return out
}

// email is the address of an account ("" for none).
func email(t *testing.T, db *bun.DB, id *int64) string {
	t.Helper()
	if id == nil {
		return ""
	}
	var address string
	must(t, db.NewSelect().Table("users").Column("email").Where("id = ?", *id).Scan(context.Background(), &address))
	return address
}

// weeklyGoalID is the id a project's weekly reports name a goal by.
func weeklyGoalID(t *testing.T, db *bun.DB, pid int64, title string) int64 {
	t.Helper()
	reports, err := weekly.List(context.Background(), db, pid)
	must(t, err)
	for _, r := range reports {
		for _, g := range r.Content.Goals {
			if g.Title == title {
				return g.ID
			}
		}
	}
	t.Fatalf("no weekly report names goal %q", title)
	return 0
}

// packUnlinked is a pack without the ids it names items by.
func packUnlinked(t *testing.T, p milestone.Pack) string {
	t.Helper()
	p.Milestone.ID = 0
	for _, s := range p.Sections {
		for i := range s.Deliverables {
			s.Deliverables[i].ID, s.Deliverables[i].DoneBy = 0, nil
		}
		for i := range s.Goals {
			s.Goals[i].ID = 0
		}
		for i := range s.Risks {
			s.Risks[i].ID = 0
		}
		if s.Health != nil && s.Health.Combined != nil {
			for i, it := range s.Health.Combined.Items {
				s.Health.Combined.Items[i].Path = strings.TrimRight(it.Path, "0123456789")
			}
		}
	}
	raw, err := json.Marshal(p)
	must(t, err)
	return string(raw)
}

// An archive of format 1 carried its packs with the other installation's
// ids: they are restored as they were, rather than read as archive ids
// (which would take that many ids of this installation's sequences). In
// format 2 the same pack names the restored items.
func TestPacksOfFormat1KeepTheirIDs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	doc := func(version int, key string, milestoneID int) *Archive {
		var a Archive
		must(t, json.Unmarshal([]byte(`{"format_version": `+strconv.Itoa(version)+`, "project": {"key": "`+key+`",
			"name": "Packs", "start_on": "2026-01-05", "target_on": "2026-12-20"},
			"milestones": [{"id": 1, "name": "Design signed", "planned_on": "2026-03-01", "is_gate": true,
			"deliverables": [{"id": 1, "title": "Process map", "done": true}],
			"reviews": [{"id": 1, "scheduled_on": "2026-02-27", "decision": "go", "decided_at": "2026-02-27T10:00:00Z",
			"pack": {"built_at": "2026-02-27T10:00:00Z", "as_of": "2026-02-27",
			"milestone": {"id": `+strconv.Itoa(milestoneID)+`, "name": "Design signed"},
			"sections": [{"kind": "deliverables", "deliverables": [{"id": `+strconv.Itoa(milestoneID)+`, "title": "Process map"}]},
			{"kind": "goals", "goals": [{"id": `+strconv.Itoa(milestoneID)+`, "title": "Gone goal"}]}]}}]}]}`), &a))
		return &a
	}
	res, err := Import(ctx, db, doc(1, "OLD", 987654), ImportOptions{})
	must(t, err)
	packs := decidedPacks(t, db, res.ProjectID)
	if len(packs) != 1 || packs[0].Milestone.ID != 987654 || packs[0].Sections[1].Goals[0].ID != 987654 {
		t.Fatalf("a format 1 pack after the import: %+v", packs)
	}
	var next int64
	must(t, db.NewRaw("SELECT nextval(pg_get_serial_sequence('goals', 'id'))").Scan(ctx, &next))
	if next != 1 {
		t.Errorf("the import took %d ids of goals", next-1)
	}

	res, err = Import(ctx, db, doc(FormatVersion, "NEW", 1), ImportOptions{})
	must(t, err)
	packs = decidedPacks(t, db, res.ProjectID)
	ms, ds := names(t, db, "milestones", "name", res.ProjectID), packs[0].Sections[0].Deliverables
	var deliverableID int64
	must(t, db.NewSelect().Table("deliverables").Column("id").Where("milestone_id = ?", ms["Design signed"]).Scan(ctx, &deliverableID))
	goalRows, err := db.NewSelect().Table("goals").Where("id = ?", packs[0].Sections[1].Goals[0].ID).Count(ctx)
	must(t, err)
	if packs[0].Milestone.ID != ms["Design signed"] || ds[0].ID != deliverableID || goalRows != 0 {
		t.Fatalf("a format %d pack after the import: %+v", FormatVersion, packs)
	}
}

// An imported health snapshot forgets the revision it was kept at, and
// keeps everything else.
func TestImportedSnapshotForgetsItsRevision(t *testing.T) {
	for in, want := range map[string]string{
		`{"revision": 12, "score": 56, "method": {"score": 7.5}}`: `{"method":{"score":7.5},"score":56}`,
		`{"score": 56}`: `{"score": 56}`,
		`[]`:            `[]`,
		`{}`:            `{}`,
	} {
		if got := string(withoutRevision(json.RawMessage(in))); got != want {
			t.Errorf("withoutRevision(%s) = %s, want %s", in, got, want)
		}
	}
}
