package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// bulkRequirements adds requirements CRM-4 … CRM-(3+n) to the change team's
// project in one statement, titled "Bulk requirement <number>": a backlog
// bigger than any list a page loads, at the cost of one query.
func bulkRequirements(t *testing.T, ct *changeTeam, n int) {
	t.Helper()
	ctx := context.Background()
	if _, err := ct.db.ExecContext(ctx, `
		INSERT INTO requirements (project_id, number, title, tier, rank, kind, approach, status)
		SELECT p.id, s.n, 'Bulk requirement ' || s.n, 'important',
		       (SELECT max(rank) FROM requirements WHERE project_id = p.id) + s.n * 1024, 'feature', 'configuration', 'approved'
		FROM projects AS p, generate_series(4, 3 + ?) AS s (n)
		WHERE p.key = 'CRM'`, n); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.db.ExecContext(ctx, `UPDATE projects SET requirement_seq = 3 + ? WHERE key = 'CRM'`, n); err != nil {
		t.Fatal(err)
	}
}

// TestChangeNamesRequirementsBeyondTheFirstThousand: in a backlog of 1,003
// requirements, a request touching CRM-1001 shows its title on the page and
// in the API (the page once looked titles up in a list capped at 1,000 and
// called it "No longer exists"); a requirement deleted since is still
// shown as gone; the operation forms take a number instead of listing them.
func TestChangeNamesRequirementsBeyondTheFirstThousand(t *testing.T) {
	t.Parallel()
	ct := newChangeTeam(t)
	bulkRequirements(t, ct, 1000)
	n := draftChange(t, ct.mia,
		map[string]any{"op": "set_tier", "number": 1001, "tier": "must"},
		map[string]any{"op": "remove_requirement", "number": 1002},
		map[string]any{"op": "set_phase", "number": 2, "phase_id": ct.phases[3].ID},
		map[string]any{"op": "shift_milestone", "milestone_id": ct.milestones[5].ID, "days": 7})
	// The requester's forms take a number: the backlog is too long to list.
	own := ct.mia.get(changePagePath(n))
	expectContains(t, own, `id="tier-number" name="number" type="number"`, "The backlog is too long to list")
	r := ct.mia.post(changePagePath(n)+"/operations", url.Values{"op": {"set_tier"}, "number": {"1003"}, "tier": {"optional"}, "version": {"1"}})
	expectStatus(t, r, http.StatusSeeOther)
	expectStatus(t, ct.pm.api(http.MethodDelete, "/api/v1/projects/CRM/requirements/1002", nil), http.StatusNoContent)

	page := ct.viewer.get(changePagePath(n))
	expectStatus(t, page, http.StatusOK)
	expectContains(t, page, `<a class="mono" href="/projects/CRM/requirements/1001">CRM-1001</a> Bulk requirement 1001`,
		`<a class="mono" href="/projects/CRM/requirements/2">CRM-2</a> Quote approval`,
		`<span class="mono">CRM-1002</span> <span class="badge badge-bad">No longer exists</span>`, ct.milestones[5].Name,
		`CRM-1003</a> Bulk requirement 1003`)
	if strings.Count(page.body, "No longer exists") != 1 {
		t.Fatalf("only CRM-1002 is gone:\n%s", page.body)
	}

	c := getChange(t, ct.viewer, n)
	want := []struct {
		kind, title string
		exists      bool
	}{{"requirement", "Bulk requirement 1001", true}, {"requirement", "", false},
		{"requirement", "Quote approval", true}, {"milestone", ct.milestones[5].Name, true},
		{"requirement", "Bulk requirement 1003", true}}
	if len(c.Operations) != len(want) {
		t.Fatalf("operations %+v", c.Operations)
	}
	for i, w := range want {
		target, _ := c.Operations[i]["target"].(map[string]any)
		if target["kind"] != w.kind || target["title"] != w.title || target["exists"] != w.exists {
			t.Errorf("operation %d: target %v, want %+v", i, target, w)
		}
	}
	if c.Operations[0]["number"] != float64(1001) || c.Operations[0]["tier"] != "must" {
		t.Errorf("the operation's own fields changed: %v", c.Operations[0])
	}

}

// TestChangePageWithASmallBacklogListsRequirements: below the cap the
// operation forms still offer the requirements in a list.
func TestChangePageWithASmallBacklogListsRequirements(t *testing.T) {
	t.Parallel()
	ct := newChangeTeam(t)
	n := draftChange(t, ct.mia)
	own := ct.mia.get(changePagePath(n))
	expectContains(t, own, `<select id="tier-number" name="number">`, `<option value="3">CRM-3 — Partner portal`)
	if strings.Contains(own.body, "The backlog is too long to list") {
		t.Fatal("a three-requirement backlog is typed by number")
	}
}

func changePagePath(n int) string { return strings.TrimPrefix(changePath(n, ""), "/api/v1") }
