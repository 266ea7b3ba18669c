package audit

import (
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"rollout/internal/jobs"
)

// Created is the audit entry of a row that one statement creates, written by
// that same statement: the statement inserts the row in a CTE named From,
// and the entry is one more CTE reading it. So a create needs no transaction
// of its own (the statement is one) and its entry still exists exactly when
// its row does.
//
// The entry stored is the one Record would store for the row: the Go side
// marshals w.After as Record does, except the keys the database assigns
// (Assigned: id, number, rank …), which SQL appends from From's columns of
// the same name.
type Created struct {
	Write    Write    // Action create; its EntityID is ignored (see EntityID)
	From     string   // the CTE that inserts the row and returns its columns
	EntityID string   // the SQL expression, over From's columns, of the entry's entity id
	Assigned []string // keys of After that From's columns of the same name fill in
}

// Publishes reports whether recording w would also enqueue an event
// (jobs.FromWrite): such a write must go through Record in a transaction,
// since a CTE cannot enqueue it.
func Publishes(w Write) bool {
	_, ok := jobs.FromWrite(w.Entity, w.Action, w.ProjectID, w.ActorID, int64(0))
	return ok
}

// Query returns the INSERT INTO audit_entries to add to the statement as a
// CTE. It refuses a write that would publish an event (see Publishes).
func (c Created) Query(db bun.IDB) (*bun.RawQuery, error) {
	w := c.Write
	if Publishes(w) {
		return nil, fmt.Errorf("audit: %s.%s publishes an event: record it with Record", w.Entity, w.Action)
	}
	after, err := toMap(w.After)
	if err != nil {
		return nil, err
	}
	if after == nil {
		return nil, fmt.Errorf("audit: a created %s needs its After", w.Entity)
	}
	var assigned strings.Builder
	args := []any{}
	for i, k := range c.Assigned {
		delete(after, k)
		if i > 0 {
			assigned.WriteString(", ")
		}
		assigned.WriteString("?, ?")
		args = append(args, k, bun.Ident("f."+k))
	}
	var projectID, actorID *int64
	if w.ProjectID != 0 {
		projectID = &w.ProjectID
	}
	if w.ActorID != 0 {
		actorID = &w.ActorID
	}
	head := []any{projectID, actorID, w.Entity, bun.Safe(c.EntityID), w.Action, string(marshalOrNil(after))}
	tail := []any{w.Ref, bun.Ident(c.From)}
	return db.NewRaw(`INSERT INTO audit_entries (project_id, actor_id, entity, entity_id, action, after, ref)
		SELECT ?::bigint, ?::bigint, ?, (?)::text, ?, ?::jsonb || jsonb_build_object(`+assigned.String()+`), ? FROM ? AS f`,
		append(append(head, args...), tail...)...), nil
}
