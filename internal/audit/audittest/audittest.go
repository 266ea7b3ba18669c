// Package audittest checks audit entries in tests.
package audittest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"rollout/internal/audit"
)

var errRollBack = errors.New("roll back")

// SameAsRecord fails the test unless the stored entry of w's item and action
// (the only one) is what audit.Record stores for w, compared as jsonb by
// PostgreSQL: a write that builds its entry in SQL (audit.Created) must leave
// the trail as Record would.
func SameAsRecord(t *testing.T, db *bun.DB, w audit.Write) {
	t.Helper()
	ctx := context.Background()
	same, stored := false, ""
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var before int64
		if err := tx.NewRaw("SELECT coalesce(max(id), 0) FROM audit_entries").Scan(ctx, &before); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, w); err != nil {
			return err
		}
		if err := tx.NewRaw(`SELECT a.after IS NOT DISTINCT FROM b.after AND a.before IS NOT DISTINCT FROM b.before
			AND a.project_id IS NOT DISTINCT FROM b.project_id AND a.actor_id IS NOT DISTINCT FROM b.actor_id AND a.ref = b.ref,
			coalesce(a.after::text, '')
			FROM audit_entries a, audit_entries b
			WHERE a.id <= ? AND b.id > ? AND a.entity = b.entity AND a.entity_id = b.entity_id AND a.action = b.action`,
			before, before).Scan(ctx, &same, &stored); err != nil {
			return fmt.Errorf("no stored entry of %s %v %s: %w", w.Entity, w.EntityID, w.Action, err)
		}
		return errRollBack
	})
	if !errors.Is(err, errRollBack) {
		t.Fatal(err)
	}
	if !same {
		t.Fatalf("the stored entry of %s %v differs from Record's: %s", w.Entity, w.EntityID, stored)
	}
}
