// Package audit keeps the trail of every write: who, when, what (entity, id,
// action) and the values before and after. Record runs inside the caller's
// transaction, so an entry exists exactly when its write does. Project activity
// pages, the admin-wide view and every item's history read it; Lookup
// names the ids a page of entries holds, one query per kind of id.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/database"
	"rollout/internal/jobs"
)

// Entry is one recorded write.
type Entry struct {
	bun.BaseModel `bun:"table:audit_entries"`

	ID        int64           `bun:",pk,autoincrement" json:"id"`
	ProjectID *int64          `json:"project_id,omitempty"`
	ActorID   *int64          `json:"actor_id,omitempty"`
	At        time.Time       `bun:",nullzero,notnull,default:current_timestamp" json:"at"`
	Entity    string          `json:"entity"`
	EntityID  string          `json:"entity_id"`
	Action    string          `json:"action"`
	Before    json.RawMessage `bun:"type:jsonb,nullzero" json:"before,omitempty"`
	After     json.RawMessage `bun:"type:jsonb,nullzero" json:"after,omitempty"`
	Ref       string          `bun:",notnull" json:"ref,omitempty"`

	ActorName string `bun:",scanonly" json:"actor_name,omitempty"`
}

// Write describes a write to record. Before and After are any values that
// marshal to JSON objects; for updates only the fields that changed are kept.
type Write struct {
	ProjectID int64 // 0 for instance-wide writes (accounts)
	ActorID   int64 // 0 for the system itself (CLI, first start)
	Entity    string
	EntityID  any
	Action    string
	Before    any
	After     any
	Ref       string // a related item, e.g. the change request that caused it
}

// Actions.
const (
	Create  = "create"
	Update  = "update"
	Delete  = "delete"
	Archive = "archive"
	Restore = "restore"
)

// Record stores one entry; call it with the transaction of the write.
func Record(ctx context.Context, db bun.IDB, w Write) error {
	return RecordMany(ctx, db, []Write{w})
}

// RecordMany stores the entries of a multi-row write in one statement.
func RecordMany(ctx context.Context, db bun.IDB, ws []Write) error {
	if len(ws) == 0 {
		return nil
	}
	entries := make([]Entry, len(ws))
	for i, w := range ws {
		e, err := entryOf(w)
		if err != nil {
			return err
		}
		entries[i] = *e
	}
	if _, err := db.NewInsert().Model(&entries).Exec(ctx); err != nil {
		return database.MapError(err)
	}
	// The writes people are told of are enqueued here, in the same
	// transaction: one place, so no workflow can forget to notify.
	var evs []jobs.Event
	for _, w := range ws {
		if ev, ok := jobs.FromWrite(w.Entity, w.Action, w.ProjectID, w.ActorID, w.EntityID); ok {
			evs = append(evs, ev)
		}
	}
	return jobs.Publish(ctx, db, evs...)
}

func entryOf(w Write) (*Entry, error) {
	before, after, err := diff(w.Before, w.After)
	if err != nil {
		return nil, err
	}
	e := &Entry{
		Entity:   w.Entity,
		EntityID: fmt.Sprint(w.EntityID),
		Action:   w.Action,
		Before:   before,
		After:    after,
		Ref:      w.Ref,
	}
	if w.ProjectID != 0 {
		e.ProjectID = &w.ProjectID
	}
	if w.ActorID != 0 {
		e.ActorID = &w.ActorID
	}
	return e, nil
}

// diff marshals before and after; when both are objects it keeps only the keys
// whose values differ, so an update records just what changed.
func diff(before, after any) (json.RawMessage, json.RawMessage, error) {
	b, err := toMap(before)
	if err != nil {
		return nil, nil, err
	}
	a, err := toMap(after)
	if err != nil {
		return nil, nil, err
	}
	if b != nil && a != nil {
		for k, bv := range b {
			if av, ok := a[k]; ok && reflect.DeepEqual(av, bv) {
				delete(a, k)
				delete(b, k)
			}
		}
	}
	return marshalOrNil(b), marshalOrNil(a), nil
}

func toMap(v any) (map[string]any, error) {
	if v == nil || (reflect.ValueOf(v).Kind() == reflect.Pointer && reflect.ValueOf(v).IsNil()) {
		return nil, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit: marshal: %w", err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("audit: %T is not a JSON object: %w", v, err)
	}
	// Bookkeeping fields say nothing to a reader of the trail.
	delete(m, "version")
	delete(m, "updated_at")
	delete(m, "created_at")
	return m, nil
}

func marshalOrNil(m map[string]any) json.RawMessage {
	if m == nil {
		return nil
	}
	raw, _ := json.Marshal(m) // a map decoded from JSON always re-encodes
	return raw
}

// Filter narrows a list of entries.
type Filter struct {
	ProjectID int64  // 0: every project and instance-wide entries (admin view)
	Entity    string // "" for every kind of item
	EntityID  string // with Entity: one item's history
	ActorID   int64
	Before    int64 // keyset cursor: entries with a smaller id
	Limit     int
}

// List returns entries newest first, with the actor's name, one query.
func List(ctx context.Context, db bun.IDB, f Filter) ([]Entry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	var out []Entry
	q := db.NewSelect().Model(&out).
		ColumnExpr("e.*").
		ColumnExpr("coalesce(u.name, '') AS actor_name").
		ModelTableExpr("audit_entries AS e").
		Join("LEFT JOIN users AS u ON u.id = e.actor_id").
		OrderExpr("e.id DESC").
		Limit(int64(f.Limit))
	if f.ProjectID != 0 {
		q = q.Where("e.project_id = ?", f.ProjectID)
	}
	if f.Entity != "" {
		q = q.Where("e.entity = ?", f.Entity)
	}
	if f.EntityID != "" {
		q = q.Where("e.entity_id = ?", f.EntityID)
	}
	if f.ActorID != 0 {
		q = q.Where("e.actor_id = ?", f.ActorID)
	}
	if f.Before > 0 {
		q = q.Where("e.id < ?", f.Before)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, database.MapError(err)
	}
	return out, nil
}

// Changes returns the keys of an entry's before and after, sorted, for display.
func (e Entry) Changes() []Change {
	b, a := map[string]any{}, map[string]any{}
	_ = json.Unmarshal(e.Before, &b)
	_ = json.Unmarshal(e.After, &a)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	out := make([]Change, 0, len(keys))
	for k := range keys {
		out = append(out, Change{Field: k, Before: display(b[k]), After: display(a[k])})
	}
	slices.SortFunc(out, func(x, y Change) int { return strings.Compare(x.Field, y.Field) })
	return out
}

// Change is one field's old and new value, as text.
type Change struct {
	Field, Before, After string
}

func display(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64, bool:
		return fmt.Sprint(x)
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}
