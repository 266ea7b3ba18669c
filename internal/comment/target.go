package comment

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/database"
)

// Target is the item a comment is on, as the pages and the API name it.
type Target struct {
	Kind  Kind
	ID    int64  // the item's id in its own table
	Ref   int64  // what its path carries: the number (requirements, risks, changes) or the id
	Label string // the human key: CRM-42, CRM-R-3, CRM-CR-7, or the item's title
	Title string
}

// Path returns the item's page below /projects/{key}.
func (t *Target) Path(projectKey string) string {
	return fmt.Sprintf("/projects/%s/%s/%d", projectKey, t.Kind.Segment(), t.Ref)
}

// targetSQL finds an item by the reference in its path: one query per kind,
// each returning id, title and the item's own number or id.
var targetSQL = map[Kind]string{
	Requirement: "SELECT id, title, number::bigint AS ref FROM requirements WHERE project_id = ? AND number = ?",
	Risk:        "SELECT id, title, number::bigint AS ref FROM risks WHERE project_id = ? AND number = ?",
	Change:      "SELECT id, title, number::bigint AS ref FROM change_requests WHERE project_id = ? AND number = ?",
	Goal:        "SELECT id, title, id AS ref FROM goals WHERE project_id = ? AND id = ?",
	Milestone:   "SELECT id, name AS title, id AS ref FROM milestones WHERE project_id = ? AND id = ?",
	Review: `SELECT r.id, m.name || ' · ' || to_char(r.scheduled_on, 'YYYY-MM-DD') AS title, r.id AS ref
		FROM gate_reviews AS r JOIN milestones AS m ON m.id = r.milestone_id WHERE r.project_id = ? AND r.id = ?`,
}

// FindTarget returns the project's item of the kind with the path reference
// ref (NotFound when it has none), in one query.
func FindTarget(ctx context.Context, db bun.IDB, projectID int64, projectKey string, kind Kind, ref int64) (*Target, error) {
	q, ok := targetSQL[kind]
	if !ok {
		return nil, apperr.NotFound()
	}
	var row struct {
		ID    int64
		Title string
		Ref   int64
	}
	if err := db.NewRaw(q, projectID, ref).Scan(ctx, &row); err != nil {
		return nil, database.MapError(err)
	}
	return &Target{Kind: kind, ID: row.ID, Ref: row.Ref, Title: row.Title, Label: Label(projectKey, kind, row.Ref, row.Title)}, nil
}

// Label is an item's human key: CRM-42, CRM-R-3, CRM-CR-7; goals, milestones
// and reviews go by their title.
func Label(projectKey string, kind Kind, ref int64, title string) string {
	switch kind {
	case Requirement:
		return fmt.Sprintf("%s-%d", projectKey, ref)
	case Risk:
		return fmt.Sprintf("%s-R-%d", projectKey, ref)
	case Change:
		return fmt.Sprintf("%s-CR-%d", projectKey, ref)
	}
	return title
}

// TargetOf returns the item a comment is on, from its kind and id (one query).
func TargetOf(ctx context.Context, db bun.IDB, projectID int64, projectKey string, kind Kind, id int64) (*Target, error) {
	q, ok := targetSQL[kind]
	if !ok {
		return nil, apperr.NotFound()
	}
	// The same query, keyed by the item's id instead of its reference.
	q = strings.Replace(q, "AND number = ?", "AND id = ?", 1)
	var row struct {
		ID    int64
		Title string
		Ref   int64
	}
	if err := db.NewRaw(q, projectID, id).Scan(ctx, &row); err != nil {
		return nil, database.MapError(err)
	}
	return &Target{Kind: kind, ID: row.ID, Ref: row.Ref, Title: row.Title, Label: Label(projectKey, kind, row.Ref, row.Title)}, nil
}
