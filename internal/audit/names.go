package audit

import (
	"context"
	"slices"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"rollout/internal/database"
)

// Item is a row an audit entry names, as a reader needs it: its project, its
// number (requirements, risks, change requests), its title and its parent (a
// deliverable's milestone, a gate review's milestone, an action's review).
type Item struct {
	ID          int64  `bun:"id"`
	ProjectID   int64  `bun:"project_id"`
	Number      int    `bun:"number"`
	Title       string `bun:"title"`
	Parent      int64  `bun:"parent"`
	ParentTitle string `bun:"parent_title"`
	Currency    string `bun:"currency"` // a budget line's
}

// Project is a project an entry belongs to or names.
type Project struct {
	ID   int64  `bun:"id"`
	Key  string `bun:"key"`
	Name string `bun:"name"`
}

// NumberRef names an item by its project and per-project number (CRM-42).
type NumberRef struct {
	ProjectID int64
	Number    int
}

// Move is a requirement's move in the backlog: the entry, the requirement and
// the rank it got.
type Move struct {
	EntryID, RequirementID, Rank int64
}

// Wanted lists, per kind, the ids a page of entries names. Collect every id
// of the page first, then call Lookup: one query per kind, whatever the page.
type Wanted struct {
	Users, Projects, Phases, Requirements, Goals, Milestones, Deliverables, Reviews, Actions,
	Changes, BudgetLines, Tokens []int64
	ProjectKeys     []string
	RequirementNums []NumberRef
	RiskNums        []NumberRef
	Moves           []Move
}

// Names holds what Lookup found; a missing id is a deleted row (the entry's
// own values then say what it was).
type Names struct {
	Users                             map[int64]string
	Projects                          map[int64]Project
	ProjectByKey                      map[string]Project
	Phases                            map[int64]string
	Requirements, Goals, Milestones   map[int64]Item
	Deliverables, Reviews, Actions    map[int64]Item
	Changes, BudgetLines, Tokens      map[int64]Item
	RequirementByNumber, RiskByNumber map[NumberRef]Item
	// Above maps a move entry's id to the requirement now right below the
	// moved one (it was moved above that one); absent: it is now last.
	Above map[int64]Item
}

// Lookup resolves the ids of w, one query per kind that has any.
func Lookup(ctx context.Context, db bun.IDB, w Wanted) (*Names, error) {
	n := &Names{Users: map[int64]string{}, Projects: map[int64]Project{}, ProjectByKey: map[string]Project{},
		Phases: map[int64]string{}, RequirementByNumber: map[NumberRef]Item{}, RiskByNumber: map[NumberRef]Item{}}
	type named struct {
		ID   int64  `bun:"id"`
		Name string `bun:"name"`
	}
	if ids := uniq(w.Users); len(ids) > 0 {
		var rows []named
		if err := db.NewRaw("SELECT id, name FROM users WHERE id = ANY(?)", pgArray(ids)).Scan(ctx, &rows); err != nil {
			return nil, database.MapError(err)
		}
		for _, r := range rows {
			n.Users[r.ID] = r.Name
		}
	}
	if ids, keys := uniq(w.Projects), uniq(w.ProjectKeys); len(ids) > 0 || len(keys) > 0 {
		var rows []Project
		if err := db.NewRaw("SELECT id, key, name FROM projects WHERE id = ANY(?) OR key = ANY(?)",
			pgArray(ids), pgArray(keys)).Scan(ctx, &rows); err != nil {
			return nil, database.MapError(err)
		}
		for _, p := range rows {
			n.Projects[p.ID] = p
			n.ProjectByKey[p.Key] = p
		}
	}
	if ids := uniq(w.Phases); len(ids) > 0 {
		var rows []named
		if err := db.NewRaw("SELECT id, name FROM phases WHERE id = ANY(?)", pgArray(ids)).Scan(ctx, &rows); err != nil {
			return nil, database.MapError(err)
		}
		for _, r := range rows {
			n.Phases[r.ID] = r.Name
		}
	}
	var err error
	items := func(ids []int64, query string) map[int64]Item {
		out := map[int64]Item{}
		if err != nil || len(uniq(ids)) == 0 {
			return out
		}
		var rows []Item
		if e := db.NewRaw(query, pgArray(uniq(ids))).Scan(ctx, &rows); e != nil {
			err = database.MapError(e)
		}
		for _, r := range rows {
			out[r.ID] = r
		}
		return out
	}
	n.Requirements = items(w.Requirements, "SELECT id, project_id, number, title FROM requirements WHERE id = ANY(?)")
	n.Goals = items(w.Goals, "SELECT id, project_id, title FROM goals WHERE id = ANY(?)")
	n.Milestones = items(w.Milestones, "SELECT id, project_id, name AS title FROM milestones WHERE id = ANY(?)")
	n.Deliverables = items(w.Deliverables, `SELECT d.id, m.project_id, d.title, m.id AS parent, m.name AS parent_title
		FROM deliverables AS d JOIN milestones AS m ON m.id = d.milestone_id WHERE d.id = ANY(?)`)
	n.Reviews = items(w.Reviews, `SELECT g.id, g.project_id, m.name AS title, m.id AS parent, m.name AS parent_title
		FROM gate_reviews AS g JOIN milestones AS m ON m.id = g.milestone_id WHERE g.id = ANY(?)`)
	n.Actions = items(w.Actions, `SELECT a.id, g.project_id, a.text AS title, g.id AS parent, m.name AS parent_title
		FROM review_actions AS a JOIN gate_reviews AS g ON g.id = a.review_id JOIN milestones AS m ON m.id = g.milestone_id
		WHERE a.id = ANY(?)`)
	n.Changes = items(w.Changes, "SELECT id, project_id, number, title FROM change_requests WHERE id = ANY(?)")
	n.BudgetLines = items(w.BudgetLines, "SELECT id, project_id, category AS title, currency FROM budget_lines WHERE id = ANY(?)")
	n.Tokens = items(w.Tokens, "SELECT id, name AS title FROM api_tokens WHERE id = ANY(?)")
	if err != nil {
		return nil, err
	}
	byNumber := func(refs []NumberRef, table string, into map[NumberRef]Item) error {
		if len(refs) == 0 {
			return nil
		}
		var projects, numbers []int64
		for _, r := range refs {
			projects = append(projects, r.ProjectID)
			numbers = append(numbers, int64(r.Number))
		}
		var rows []Item
		// Both lists as arrays: a few more rows than asked for at most, one query.
		if err := db.NewRaw("SELECT id, project_id, number, title FROM "+table+" WHERE project_id = ANY(?) AND number = ANY(?)",
			pgArray(uniq(projects)), pgArray(uniq(numbers))).Scan(ctx, &rows); err != nil {
			return database.MapError(err)
		}
		for _, r := range rows {
			into[NumberRef{r.ProjectID, r.Number}] = r
		}
		return nil
	}
	if err := byNumber(w.RequirementNums, "requirements", n.RequirementByNumber); err != nil {
		return nil, err
	}
	if err := byNumber(w.RiskNums, "risks", n.RiskByNumber); err != nil {
		return nil, err
	}
	n.Above = map[int64]Item{}
	if len(w.Moves) > 0 {
		var entries, reqs, ranks []int64
		for _, m := range w.Moves {
			entries, reqs, ranks = append(entries, m.EntryID), append(reqs, m.RequirementID), append(ranks, m.Rank)
		}
		// The requirement ranked right after the moved one's new rank, as the
		// backlog stands now (a later renumbering keeps the order).
		var rows []Item
		if err := db.NewRaw(`SELECT mv.entry_id AS parent, r.id, r.project_id, r.number, r.title
			FROM unnest(?::bigint[], ?::bigint[], ?::bigint[]) AS mv(entry_id, req_id, rank)
			JOIN requirements AS self ON self.id = mv.req_id
			JOIN LATERAL (SELECT n.id, n.project_id, n.number, n.title FROM requirements AS n
				WHERE n.project_id = self.project_id AND n.id <> mv.req_id AND n.rank > mv.rank
				ORDER BY n.rank LIMIT 1) AS r ON true`, pgArray(entries), pgArray(reqs), pgArray(ranks)).Scan(ctx, &rows); err != nil {
			return nil, database.MapError(err)
		}
		for _, r := range rows {
			n.Above[r.Parent] = r
		}
	}
	return n, nil
}

func pgArray(v any) any { return pgdialect.Array(v) }

func uniq[T int64 | string](xs []T) []T {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}
