package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/demo"
	"rollout/internal/milestone"
	"rollout/internal/pitfall"
	"rollout/internal/requirement"
	"rollout/internal/risk"
)

func TestExportAndImportCommands(t *testing.T) {
	dsn := dbtest.DSN(t)
	env := map[string]string{"DATABASE_URL": dsn}
	if code, out, errOut := runOnce(t, env, "demo"); code != 0 {
		t.Fatalf("demo: %d %q %q", code, out, errOut)
	}
	// DEMO's weekly report sends by itself: a copy of it must not.
	if _, err := openTestDB(t, dsn).NewRaw(`INSERT INTO weekly_report_settings (project_id, auto_send)
		SELECT id, true FROM projects WHERE key = 'DEMO' ON CONFLICT (project_id) DO UPDATE SET auto_send = true`).
		Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "demo.rollout.json")
	code, out, errOut := runOnce(t, env, "export", "--key", "demo", file)
	if code != 0 || !strings.HasPrefix(out, "Exported project DEMO to "+file) {
		t.Fatalf("export: %d %q %q", code, out, errOut)
	}
	// The file goes first or last; the key is the new project's.
	code, out, errOut = runOnce(t, env, "import", file, "--key", "COPY")
	if code != 0 || !strings.HasPrefix(out, "Imported project COPY (") || !strings.Contains(out, " requirements, ") {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
	if strings.Contains(out, "disabled accounts") {
		t.Fatalf("the same installation knows everyone: %q", out)
	}
	if !strings.Contains(out, `The weekly report of COPY does not send by itself`) {
		t.Errorf("the copy's import does not say its weekly report stopped sending by itself: %q", out)
	}

	// Into an empty installation, keeping the key: the team comes along, disabled.
	env2 := map[string]string{"DATABASE_URL": dbtest.DSN(t)}
	code, out, errOut = runOnce(t, env2, "import", file)
	if code != 0 || !strings.HasPrefix(out, "Imported project DEMO (") || !strings.Contains(out, "Created 8 disabled accounts") {
		t.Fatalf("import elsewhere: %d %q %q", code, out, errOut)
	}
	if strings.Contains(out, "weekly report") {
		t.Errorf("a move under its own key stopped the weekly report: %q", out)
	}

	// Mistakes end with one sentence, and nothing is written.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "--key", "COPY", file}, "--key: the key COPY is already taken by another project; choose another key"},
		{[]string{"import", "--key", "bad key", file}, "--key:"},
		{[]string{"import", filepath.Join(t.TempDir(), "missing.json")}, "cannot read"},
		{[]string{"import"}, "give exactly one file: rollout import [--key NEWKEY] FILE"},
		{[]string{"import", "a.json", "b.json"}, "give exactly one file"},
		{[]string{"export", "--key", "NOPE", filepath.Join(t.TempDir(), "x.json")}, "no project has the key NOPE"},
		{[]string{"export", "--key", "DEMO", file}, "already exists"},
		{[]string{"export", file}, "--key is missing"},
	} {
		code, out, errOut := runOnce(t, env, c.args...)
		if code != 1 || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: %d %q %q, want %q", c.args, code, out, errOut, c.want)
		}
	}
	notJSON := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notJSON, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runOnce(t, env, "import", notJSON); code != 1 || !strings.Contains(errOut, "is not a Rollout project archive") {
		t.Errorf("not JSON: %d %q", code, errOut)
	}
	db := openTestDB(t, dsn)
	n, err := db.NewSelect().Table("projects").Count(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("%d projects (%v), want DEMO and COPY", n, err)
	}

	code, _, errOut = runOnce(t, nil, "import", "--help")
	if code != 0 || !strings.Contains(errOut, "Usage: rollout import [--key NEWKEY] FILE") || !strings.Contains(errOut, "-key") ||
		!strings.Contains(errOut, "DATABASE_URL") {
		t.Fatalf("import --help: %d %q", code, errOut)
	}
	code, _, errOut = runOnce(t, nil, "export", "-h")
	if code != 0 || !strings.Contains(errOut, "Usage: rollout export --key KEY FILE") {
		t.Fatalf("export -h: %d %q", code, errOut)
	}
}

// The large demo has the sizes it promises, obeys the domain's rules and
// reads back through the domain's own queries.
func TestDemoSizeLarge(t *testing.T) {
	dsn := dbtest.DSN(t)
	env := map[string]string{"DATABASE_URL": dsn}
	code, out, errOut := runOnce(t, env, "demo", "--size", "large")
	if code != 0 || !strings.Contains(out, "Created the large project LARGE") {
		t.Fatalf("demo --size large: %d %q %q", code, out, errOut)
	}
	t.Log(strings.TrimSpace(out))
	if code, out, _ := runOnce(t, env, "demo", "--size=large"); code != 0 || !strings.Contains(out, "already there") {
		t.Fatalf("second run: %d %q", code, out)
	}
	if code, _, errOut := runOnce(t, env, "demo", "--size", "huge"); code != 1 || !strings.Contains(errOut, `--size "huge" is not a demo size`) {
		t.Fatalf("bad size: %d %q", code, errOut)
	}

	ctx := context.Background()
	db := openTestDB(t, dsn)
	var pid int64
	if err := db.NewSelect().Table("projects").Column("id").Where("key = ?", demo.LargeKey).Scan(ctx, &pid); err != nil {
		t.Fatal(err)
	}
	counts := map[string]string{
		"requirements":    "SELECT count(*) FROM requirements WHERE project_id = ?",
		"risks":           "SELECT count(*) FROM risks WHERE project_id = ?",
		"goals":           "SELECT count(*) FROM goals WHERE project_id = ?",
		"measurements":    "SELECT count(*) FROM measurements m JOIN goals g ON g.id = m.goal_id WHERE g.project_id = ?",
		"milestones":      "SELECT count(*) FROM milestones WHERE project_id = ?",
		"change requests": "SELECT count(*) FROM change_requests WHERE project_id = ?",
		"members":         "SELECT count(*) FROM members WHERE project_id = ?",
	}
	want := map[string]int{"requirements": demo.LargeRequirements, "risks": demo.LargeRisks, "goals": demo.LargeGoals,
		"measurements": demo.LargeGoals * demo.LargeMeasurementsPerGoal, "milestones": demo.LargeMilestones,
		"change requests": demo.LargeChanges, "members": 30}
	for name, q := range counts {
		var n int
		if err := db.NewRaw(q, pid).Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		if n != want[name] {
			t.Errorf("%d %s, want %d", n, name, want[name])
		}
	}
	// Rules a row-by-row load would have enforced; each query counts the rows that break one.
	rules := map[string]string{
		"requirement numbers and ranks": `SELECT count(*) FROM requirements WHERE project_id = ? AND rank <> number::bigint * 65536`,
		"counters":                      `SELECT count(*) FROM projects WHERE id = ? AND (requirement_seq < 5000 OR risk_seq <> 500 OR change_seq <> 300)`,
		"owners who are members": `SELECT (SELECT count(*) FROM requirements r WHERE r.project_id = ?0 AND NOT EXISTS (SELECT 1 FROM members m WHERE m.project_id = ?0 AND m.user_id = r.owner_id))
			+ (SELECT count(*) FROM risks r WHERE r.project_id = ?0 AND NOT EXISTS (SELECT 1 FROM members m WHERE m.project_id = ?0 AND m.user_id = r.owner_id AND m.role <> 'viewer'))
			+ (SELECT count(*) FROM goals r WHERE r.project_id = ?0 AND NOT EXISTS (SELECT 1 FROM members m WHERE m.project_id = ?0 AND m.user_id = r.owner_id))`,
		"targets on the right side": `SELECT count(*) FROM goals WHERE project_id = ? AND ((direction = 'increase') <> (target > baseline))`,
		"risk rating is the latest review's": `SELECT count(*) FROM risks r JOIN LATERAL (SELECT probability, impact FROM risk_reviews v WHERE v.risk_id = r.id
			ORDER BY reviewed_on DESC, id DESC LIMIT 1) v ON true WHERE r.project_id = ? AND (v.probability, v.impact) <> (r.probability, r.impact)`,
		"closed milestones are ready": `SELECT count(*) FROM milestones m WHERE m.project_id = ? AND m.actual_on IS NOT NULL AND (
			EXISTS (SELECT 1 FROM deliverables d WHERE d.milestone_id = m.id AND NOT d.done)
			OR (m.is_gate AND NOT EXISTS (SELECT 1 FROM gate_reviews g WHERE g.milestone_id = m.id AND g.decision IN ('go', 'go_with_conditions'))))`,
		"approvals": `SELECT count(*) FROM change_requests cr WHERE cr.project_id = ? AND cr.status IN ('approved', 'implemented') AND
			(SELECT count(*) FROM change_votes v JOIN members m ON m.user_id = v.voter_id AND m.project_id = cr.project_id
			 WHERE v.change_id = cr.id AND v.approve AND m.role = 'steering' AND v.voter_id IS DISTINCT FROM cr.requested_by) < 2`,
		"nothing in the future": `SELECT count(*) FROM audit_entries WHERE project_id = ? AND at > now()`,
		"versions match the trail": `SELECT count(*) FROM requirements r LEFT JOIN (SELECT entity_id, count(*) AS n FROM audit_entries
			WHERE project_id = ?0 AND entity = 'requirement' AND action = 'update' GROUP BY entity_id) u ON u.entity_id = r.id::text
			WHERE r.project_id = ?0 AND r.version <> 1 + coalesce(u.n, 0)`,
	}
	for name, q := range rules {
		var n int
		if err := db.NewRaw(q, pid).Scan(ctx, &n); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n != 0 {
			t.Errorf("%s: %d rows break it", name, n)
		}
	}
	// A year of history: every month has entries, and the churn chart has data most weeks.
	var months, statuses int
	if err := db.NewRaw(`SELECT count(DISTINCT date_trunc('month', at)) FROM audit_entries WHERE project_id = ?`, pid).Scan(ctx, &months); err != nil {
		t.Fatal(err)
	}
	if err := db.NewRaw(`SELECT count(DISTINCT status) FROM change_requests WHERE project_id = ?`, pid).Scan(ctx, &statuses); err != nil {
		t.Fatal(err)
	}
	if months < 12 || statuses != 6 {
		t.Errorf("%d months of history, %d change request states", months, statuses)
	}
	today := date.Today()
	weeks, err := requirement.Churn(ctx, db, pid, today.AddDays(-365), today)
	if err != nil {
		t.Fatal(err)
	}
	busy := 0
	for _, w := range weeks {
		if w.Total.Added > 0 && w.Total.TierMoves+w.Total.PhaseMoves > 0 {
			busy++
		}
	}
	if busy < 45 {
		t.Errorf("only %d of %d weeks show churn", busy, len(weeks))
	}
	// The domain reads it like any project.
	if rs, err := risk.List(ctx, db, pid, risk.Filter{}, today); err != nil || len(rs) != demo.LargeRisks {
		t.Errorf("risk list: %d %v", len(rs), err)
	}
	ms, err := milestone.List(ctx, db, pid, today)
	if err != nil || len(ms) != demo.LargeMilestones {
		t.Errorf("plan: %d %v", len(ms), err)
	}
	decided := 0
	for _, m := range ms {
		rs, err := milestone.Reviews(ctx, db, pid, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Decided() {
				if _, err := r.FrozenPack(); err != nil {
					t.Fatalf("pack of %s: %v", m.Name, err)
				}
				decided++
			}
		}
	}
	if decided < 6 {
		t.Errorf("%d decided gate reviews", decided)
	}
	if _, err := pitfall.Compute(ctx, db, pid, today); err != nil {
		t.Errorf("health: %v", err)
	}
}
