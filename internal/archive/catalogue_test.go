package archive

import (
	"context"
	"fmt"
	"slices"
	"time"

	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"rollout/internal/change"
	"rollout/internal/comment"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/milestone"
	"rollout/internal/project"
	"rollout/internal/project/projecttest"
	"rollout/internal/risk"
)

// archivedTables is every table the archive reads and writes, by the row
// struct that carries it. Export selects the struct's columns and Import
// inserts them, so a column missing from the struct is a column lost by a
// move to another installation.
var archivedTables = map[string]any{
	"projects":               projectRow{},
	"users":                  userRow{},
	"phases":                 phaseRow{},
	"members":                memberRow{},
	"goals":                  goalRow{},
	"measurements":           measurementRow{},
	"requirements":           requirementRow{},
	"requirement_goals":      requirementGoalRow{},
	"risks":                  riskRow{},
	"risk_reviews":           riskReviewRow{},
	"milestones":             milestoneRow{},
	"deliverables":           deliverableRow{},
	"gate_reviews":           gateReviewRow{},
	"review_actions":         reviewActionRow{},
	"plan_baselines":         baselineRow{},
	"baseline_dates":         baselineDateRow{},
	"change_requests":        changeRow{},
	"change_votes":           voteRow{},
	"pitfall_assessments":    assessmentRow{},
	"health_snapshots":       snapshotRow{},
	"budget_lines":           budgetLineRow{},
	"spend_entries":          spendRow{},
	"comments":               commentRow{},
	"comment_mentions":       commentMentionRow{},
	"adoption_figures":       adoptionRow{},
	"weekly_reports":         weeklyReportRow{},
	"weekly_report_settings": weeklySettingsRow{},
	"audit_entries":          auditRow{},
}

// columnsNotCarried are the columns of archived tables that the archive
// leaves out on purpose, each with its reason. Adding a column here is a
// decision that a move may lose it; say why.
var columnsNotCarried = map[string]map[string]string{
	// People travel as email, name and language only: the account itself
	// (password, rights, state) belongs to the installation. An import
	// matches an existing account by email or creates a disabled one.
	"users": {
		"password_hash": "a password never leaves its installation",
		"is_admin":      "instance rights are not the project's to grant",
		"disabled":      "accounts an import creates are always disabled",
		"version":       "the account's own bookkeeping, not the project's",
		"created_at":    "the account's own bookkeeping, not the project's",
		"updated_at":    "the account's own bookkeeping, not the project's",
		"oidc_issuer":   "the link to a company sign-in belongs to the installation's identity provider",
		"oidc_subject":  "the link to a company sign-in belongs to the installation's identity provider",
	},
	// The read cache's change counter (migration 0019) counts the writes of
	// one installation; the moved project starts a count of its own.
	"projects": {
		"revision": "the installation's read-cache counter, not the project's data",
		// Migration 0026: an upper bound of the ranks, which the first
		// create recomputes from the rows (greatest with max(rank)).
		"requirement_rank_tail": "derived from the requirements' ranks, which travel",
	},
}

// tablesNotArchived are the tables the archive does not carry at all: none
// of them holds a project's data.
var tablesNotArchived = map[string]string{
	"app_settings":        "settings of the installation, not of a project",
	"sessions":            "sign-in sessions belong to the installation",
	"api_tokens":          "personal credentials belong to the installation",
	"signin_failures":     "sign-in throttling belongs to the installation",
	"oidc_logins":         "company sign-ins in progress belong to the installation",
	"bun_migrations":      "schema bookkeeping",
	"bun_migration_locks": "schema bookkeeping",
	"work_reads":          "what each person marked done on My work belongs to their account, not to the project",
	"project_webhooks":    "a group bot's address and secret are credentials: set them up again after an import",
	"deliveries":          "the notification log of this installation",
	"notification_digest": "messages waiting for this installation's daily digest",
	"notification_prefs":  "each person's e-mail choices belong to their account, not to the project",
	"river_job":           "River's job queue (notifications in flight)",
	"river_leader":        "River's leader election",
	"river_migration":     "River's schema bookkeeping",
	"river_notification":  "River's bookkeeping",
	"river_queue":         "River's queues",
	"river_client":        "River's bookkeeping",
	"river_client_queue":  "River's bookkeeping",
}

// TestArchiveCarriesEveryColumn compares the archive with the database's
// own catalogue, so a column or table a future migration adds fails here
// until the archive carries it or the lists above say why it need not.
func TestArchiveCarriesEveryColumn(t *testing.T) {
	db := dbtest.New(t)
	var cols []struct {
		Table  string `bun:"table_name"`
		Column string `bun:"column_name"`
	}
	err := db.NewSelect().TableExpr("information_schema.columns").Column("table_name", "column_name").
		Where("table_schema = current_schema()").OrderExpr("table_name, ordinal_position").
		Scan(context.Background(), &cols)
	must(t, err)
	inDB := map[string]map[string]bool{}
	for _, c := range cols {
		if inDB[c.Table] == nil {
			inDB[c.Table] = map[string]bool{}
		}
		inDB[c.Table][c.Column] = true
	}
	if len(inDB) == 0 {
		t.Fatal("the catalogue lists no tables")
	}

	var problems []string
	for table, columns := range inDB {
		if reason, ok := tablesNotArchived[table]; ok {
			if reason == "" {
				problems = append(problems, "table "+table+" is excluded without a reason")
			}
			continue
		}
		model, ok := archivedTables[table]
		if !ok {
			problems = append(problems, "table "+table+" is neither in the archive nor in tablesNotArchived")
			continue
		}
		carried := map[string]bool{}
		for _, f := range db.Dialect().Tables().Get(reflect.TypeOf(model)).Fields {
			carried[f.Name] = true
		}
		for column := range columns {
			_, excluded := columnsNotCarried[table][column]
			switch {
			case carried[column] && excluded:
				problems = append(problems, table+"."+column+" is carried but also listed in columnsNotCarried")
			case !carried[column] && !excluded:
				problems = append(problems, table+"."+column+" is not carried by the archive (add it to the row struct, export and import, or to columnsNotCarried with a reason)")
			}
		}
		for column := range carried {
			if !columns[column] {
				problems = append(problems, table+"."+column+" is in the archive's row struct but not in the database")
			}
		}
	}
	for table, columns := range columnsNotCarried {
		for column := range columns {
			if !inDB[table][column] {
				problems = append(problems, table+"."+column+" is listed in columnsNotCarried but not in the database")
			}
		}
	}
	for table := range archivedTables {
		if inDB[table] == nil {
			problems = append(problems, "table "+table+" is archived but not in the database")
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		t.Errorf("the archive and the database disagree:\n%s", strings.Join(problems, "\n"))
	}
}

// remappedColumns hold database ids (or documents full of them), which a
// move to another installation changes by design; a move keeps only whether
// they are set. Every other column must arrive exactly as it left.
var remappedColumns = map[string]bool{
	"id": true, "entered_by": true, "done_by": true, "decided_by": true, "requested_by": true,
	"applied_by": true, "invited": true, "attendees": true, "goal_ids": true, "operations": true,
	"approved_versions": true, "apply_result": true, "before": true, "after": true, "entity_id": true, "taken_by": true,
	"built_by": true, "sent_by": true,
	// A weekly report's frozen content links to milestones, gate reviews and
	// goals by id, a gate review's pack to its milestone, deliverables, goals,
	// risks and more; the round trip in archive_test.go reads both back in
	// full (weeklyMoved, packMoved).
	"content": true, "pack": true,
}

func remapped(column string) bool {
	return remappedColumns[column] || strings.HasSuffix(column, "_id")
}

// TestEveryArchivedColumnSurvivesAMove moves the rich project into an empty
// installation and compares the stored rows table by table and column by
// column, so a column that the row struct reads but export or import leaves
// behind fails with its name. Each column must also be set somewhere in the
// rich project, or the comparison would prove nothing about it.
func TestEveryArchivedColumnSurvivesAMove(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := dbtest.New(t)
	pid, users := buildRich(t, src)
	fillTheRest(t, src, pid, users)
	a, err := Export(ctx, src, pid)
	must(t, err)
	dst := dbtest.New(t)
	_, err = Import(ctx, dst, a, ImportOptions{})
	must(t, err)

	// Both databases hold this one project only; the trail of the accounts
	// themselves and the entry recording the import are not the project's.
	rows := func(db *bun.DB, table string) []map[string]any {
		var out []map[string]any
		q := db.NewSelect().TableExpr(table)
		if table == "audit_entries" {
			q = q.Where("project_id IS NOT NULL").Where("NOT (entity = 'project' AND action = 'import')")
		}
		must(t, q.Scan(ctx, &out))
		return out
	}
	tables := make([]string, 0, len(archivedTables))
	for table := range archivedTables {
		tables = append(tables, table)
	}
	sort.Strings(tables)
	for _, table := range tables {
		before, after := rows(src, table), rows(dst, table)
		if len(before) != len(after) {
			t.Errorf("%s: %d rows after the move, want %d", table, len(after), len(before))
			continue
		}
		if len(before) == 0 {
			t.Errorf("%s: the rich project has no rows, so the move is not tested", table)
			continue
		}
		for column := range before[0] {
			if _, excluded := columnsNotCarried[table][column]; excluded {
				continue
			}
			want, set := columnValues(before, column)
			got, _ := columnValues(after, column)
			if !set {
				t.Errorf("%s.%s: never set in the rich project, so the move is not tested", table, column)
			}
			if !slices.Equal(want, got) {
				t.Errorf("%s.%s differs after the move:\n got %v\nwant %v", table, column, got, want)
			}
		}
	}
}

// fillTheRest sets the columns the rich project leaves empty, so that
// every column is seen to survive a move.
func fillTheRest(t *testing.T, db *bun.DB, pid int64, users map[string]int64) {
	t.Helper()
	ctx := context.Background()
	today := date.New(2026, 6, 1)
	pm, dev := users["pm@example.com"], users["dev@example.com"]
	phases, err := project.Phases(ctx, db, pid)
	must(t, err)
	_, err = project.UpdatePhase(ctx, db, pm, pid, phases[0].ID, project.PhaseInput{Name: phases[0].Name,
		PlannedStartOn: date.New(2026, 1, 5), PlannedEndOn: date.New(2026, 2, 27), Version: phases[0].Version})
	must(t, err)
	_, err = milestone.Create(ctx, db, pm, pid, milestone.Input{Name: "Kick-off", OwnerID: &dev, Notes: "held",
		PlannedOn: date.New(2026, 1, 12), ForecastOn: date.New(2026, 1, 14), ActualOn: date.New(2026, 1, 15)}, today)
	must(t, err)
	r, err := risk.Get(ctx, db, pid, 1)
	must(t, err)
	rin := risk.InputOf(r)
	two, three := 2, 3
	rin.Description, rin.Contingency, rin.Trigger = "the mock load fails", "run the old system longer", "mock 2 late"
	rin.ResidualProbability, rin.ResidualImpact = &two, &three
	_, err = risk.Update(ctx, db, projecttest.Caller(t, db, pid, pm), pid, 1, rin, today)
	must(t, err)
	_, err = change.Create(ctx, db, dev, pid, change.Input{Title: "With an effect", Reason: "because",
		ExpectedEffect: "fewer double entries"})
	must(t, err)
	for _, k := range comment.Kinds {
		ref := map[comment.Kind]int64{comment.Goal: goalID(t, db, pid), comment.Milestone: milestoneID(t, db, pid),
			comment.Review: reviewID(t, db, pid)}[k]
		if ref == 0 {
			ref = 1 // requirements, risks and change requests by number
		}
		target, err := comment.FindTarget(ctx, db, pid, "CRM", k, ref)
		must(t, err)
		c, err := comment.Create(ctx, db, projecttest.Caller(t, db, pid, pm), pid, target, comment.Input{Body: "Ask @Dev on " + string(k), Mentions: []int64{dev}})
		must(t, err)
		_, err = comment.Update(ctx, db, projecttest.Caller(t, db, pid, pm), pid, c.ID, comment.Input{Body: "Ask @Dev again", Mentions: []int64{dev}, Version: 1})
		must(t, err)
	}
	_, err = project.SetArchived(ctx, db, pm, pid, true)
	must(t, err)
}

// goalID, milestoneID and reviewID are the project's first of each.
func goalID(t *testing.T, db *bun.DB, pid int64) int64 { return firstID(t, db, "goals", pid) }

func milestoneID(t *testing.T, db *bun.DB, pid int64) int64 { return firstID(t, db, "milestones", pid) }

func reviewID(t *testing.T, db *bun.DB, pid int64) int64 { return firstID(t, db, "gate_reviews", pid) }

func firstID(t *testing.T, db *bun.DB, table string, pid int64) int64 {
	t.Helper()
	var id int64
	must(t, db.NewSelect().Table(table).Column("id").Where("project_id = ?", pid).OrderExpr("id").Limit(1).Scan(context.Background(), &id))
	return id
}

// columnValues is a column's values across rows, sorted (the two databases
// order rows differently), and whether any of them is set. A remapped
// column is compared by whether it is set.
func columnValues(rows []map[string]any, column string) ([]string, bool) {
	var out []string
	set := false
	for _, r := range rows {
		v := r[column]
		if b, ok := v.([]byte); ok && string(b) == "null" {
			v = nil // a jsonb null means what SQL NULL means
		}
		isSet := v != nil && !reflect.ValueOf(v).IsZero()
		set = set || isSet
		switch {
		case remapped(column) && v == nil:
			out = append(out, "null")
		case remapped(column):
			out = append(out, "set")
		default:
			out = append(out, fmt.Sprintf("%v", normalise(v)))
		}
	}
	sort.Strings(out)
	return out, set
}

// normalise makes a value comparable as text: bytes as their string (jsonb,
// arrays), times in UTC.
func normalise(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return v
}
