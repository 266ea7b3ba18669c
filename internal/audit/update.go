package audit

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/database"
)

// UpdateVersioned is the one versioned write every editable row goes through: it
// stores w.After (a pointer to the row's model, its primary key set) over
// the row if the row still has version read (the version the form or API
// body named), moves the version on by one, stamps UpdatedAt when the model
// has one, and records w.Before → w.After in the same transaction.
//
// A read version that is not current, or a row that moved on between the
// caller's read and this write, is a Conflict: the optimistic check lives in
// the WHERE clause, so two writers that both read version 3 cannot both win.
// columns lists what the write may change; none means every column but the
// key, project_id, number and created_at.
func UpdateVersioned(ctx context.Context, db bun.IDB, w Write, read int, columns ...string) error {
	row := reflect.ValueOf(w.After)
	if row.Kind() != reflect.Pointer || row.Elem().Kind() != reflect.Struct {
		return apperr.Internal(fmt.Errorf("audit.Update: %T is not a pointer to a row", w.After))
	}
	version := row.Elem().FieldByName("Version")
	if !version.IsValid() || version.Kind() != reflect.Int {
		return apperr.Internal(fmt.Errorf("audit.Update: %T has no Version", w.After))
	}
	version.SetInt(int64(read) + 1)
	q := db.NewUpdate().Model(w.After).WherePK().Where("version = ?", read)
	if stamp := row.Elem().FieldByName("UpdatedAt"); stamp.IsValid() && stamp.Type() == reflect.TypeFor[time.Time]() {
		stamp.Set(reflect.ValueOf(time.Now()))
		if len(columns) > 0 {
			columns = append(columns, "updated_at")
		}
	}
	if len(columns) > 0 {
		q = q.Column(append(columns, "version")...)
	} else {
		table := db.Dialect().Tables().Get(row.Type().Elem())
		for _, c := range []string{"id", "project_id", "number", "created_at"} {
			if table.HasField(c) {
				q = q.ExcludeColumn(c)
			}
		}
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return database.MapError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.Conflict("")
	}
	if w.Action == "" {
		w.Action = Update
	}
	return Record(ctx, db, w)
}
