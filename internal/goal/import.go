package goal

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"golang.org/x/text/width"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/sheet"
	"rollout/internal/validate"
)

// Columns of a measurements sheet, in English and Chinese. Export writes the
// same names, so an exported sheet imports again.
var measurementColumns = map[string][]string{
	"goal_id": {"goal_id", "goal id", "目标编号", "目标id"},
	"goal":    {"goal", "goal title", "目标", "目标名称"},
	"date":    {"date", "measured_on", "measured on", "日期", "测量日期"},
	"value":   {"value", "数值", "值", "测量值"},
	"note":    {"note", "notes", "备注", "说明"},
}

// ImportRow is one data row of a measurements sheet, as text.
type ImportRow struct {
	Line   int    `json:"line"` // line in the file, counting the header as 1
	GoalID string `json:"goal_id"`
	Goal   string `json:"goal"`
	Date   string `json:"date"`
	Value  string `json:"value"`
	Note   string `json:"note"`
}

// RowResult is a row checked against the project: what it will record, or
// what is wrong with it.
type RowResult struct {
	ImportRow
	GoalTitle string
	Errors    []apperr.Message
	// Duplicate is a good row that is already recorded (same goal, day, value
	// and note), or repeats an earlier row of the file: it is skipped, so that
	// an exported sheet with new rows added can be uploaded again, and a
	// confirmation sent twice records nothing twice.
	Duplicate bool

	goalID int64
	input  MeasurementInput
}

// Parsed returns what a good row records: the goal, the day and the value
// (zero values where the row is wrong).
func (r RowResult) Parsed() (goalID int64, on date.Date, value float64) {
	if r.input.Value != nil {
		value = *r.input.Value
	}
	return r.goalID, r.input.MeasuredOn, value
}

// ReadMeasurementRows maps a sheet's header (its first non-blank row) and
// returns its data rows. A missing column is an Invalid error on "file" naming it.
func ReadMeasurementRows(rows [][]string) ([]ImportRow, error) {
	t, missing := sheet.ReadTable(rows, measurementColumns, "date", "value")
	if t.Header != nil && !t.Has("goal_id") && !t.Has("goal") {
		missing = append([]string{"goal"}, missing...)
	}
	if len(missing) > 0 {
		return nil, apperr.InvalidField("file", "import.missing_columns", "Columns", strings.Join(missing, ", "))
	}
	out := make([]ImportRow, len(t.Rows))
	for i, r := range t.Rows {
		out[i] = ImportRow{Line: r.Line, GoalID: t.Cell(r, "goal_id"), Goal: t.Cell(r, "goal"),
			Date: t.Cell(r, "date"), Value: t.Cell(r, "value"), Note: t.Cell(r, "note")}
	}
	if len(out) == 0 {
		return nil, apperr.InvalidField("file", "import.no_rows")
	}
	return out, nil
}

// CheckMeasurementRows checks every row against the project's goals (one
// query) and its measurements on the days of the file (one more), and reports
// whether all of them are good. Rows already recorded are good but marked
// Duplicate.
func CheckMeasurementRows(ctx context.Context, db database.IDB, projectID int64, rows []ImportRow, today date.Date) ([]RowResult, bool, error) {
	var goals []Goal
	if err := db.NewSelect().Model(&goals).Column("id", "title").Where("project_id = ?", projectID).Scan(ctx); err != nil {
		return nil, false, database.MapError(err)
	}
	byID := map[int64]string{}
	byTitle := map[string][]int64{}
	for _, g := range goals {
		byID[g.ID] = g.Title
		key := titleKey(g.Title)
		byTitle[key] = append(byTitle[key], g.ID)
	}
	ok := true
	results := make([]RowResult, len(rows))
	for i, row := range rows {
		res := RowResult{ImportRow: row}
		title := strings.TrimSpace(row.Goal)
		switch ref := strings.TrimPrefix(strings.TrimSpace(row.GoalID), "#"); {
		case ref != "":
			id, err := strconv.ParseInt(ref, 10, 64)
			found, known := byID[id]
			switch {
			case err != nil || !known:
				res.Errors = append(res.Errors, apperr.Msg("import.no_such_goal_id", "ID", row.GoalID))
			case title != "" && titleKey(title) != titleKey(found):
				// A row copied from another goal with only one column changed
				// must not land silently on the wrong goal.
				res.Errors = append(res.Errors, apperr.Msg("import.goal_mismatch", "ID", id, "Goal", title, "Title", found))
			default:
				res.goalID, res.GoalTitle = id, found
			}
		default:
			ids := byTitle[titleKey(title)]
			switch {
			case title == "":
				res.Errors = append(res.Errors, apperr.Msg("import.goal_missing"))
			case len(ids) == 0:
				res.Errors = append(res.Errors, apperr.Msg("import.no_such_goal", "Goal", title))
			case len(ids) > 1:
				res.Errors = append(res.Errors, apperr.Msg("import.ambiguous_goal", "Goal", title))
			default:
				res.goalID, res.GoalTitle = ids[0], byID[ids[0]]
			}
		}
		res.input = MeasurementInput{Note: strings.TrimSpace(row.Note)}
		switch d, err := sheet.ParseDay(row.Date); {
		case strings.TrimSpace(row.Date) == "":
			res.Errors = append(res.Errors, apperr.Msg("goal.measured_on_required"))
		case err != nil:
			res.Errors = append(res.Errors, apperr.Msg("import.bad_date", "Value", row.Date))
		case d.After(today.AddDays(futureSlack)):
			res.Errors = append(res.Errors, apperr.Msg("goal.measured_in_future"))
		default:
			res.input.MeasuredOn = d
		}
		switch v, err := parseNumber(row.Value); {
		case strings.TrimSpace(row.Value) == "":
			res.Errors = append(res.Errors, apperr.Msg("goal.value_required"))
		case err != nil:
			res.Errors = append(res.Errors, apperr.Msg("import.bad_number", "Value", row.Value))
		default:
			res.input.Value = &v
		}
		// The same bounds as a measurement typed in (a finite value within
		// the goal range, a note of clean text and bounded length).
		var ae *apperr.Error
		if err := validate.Struct(&res.input); errors.As(err, &ae) {
			for _, m := range ae.Fields {
				res.Errors = append(res.Errors, m)
			}
		}
		if len(res.Errors) > 0 {
			ok = false
		}
		results[i] = res
	}
	if err := markDuplicates(ctx, db, projectID, results); err != nil {
		return nil, false, err
	}
	return results, ok, nil
}

func titleKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// markDuplicates marks the good rows that are already recorded, or that
// repeat an earlier row of the file.
func markDuplicates(ctx context.Context, db database.IDB, projectID int64, results []RowResult) error {
	var lo, hi date.Date
	for _, r := range results {
		if len(r.Errors) > 0 {
			continue
		}
		if d := r.input.MeasuredOn; lo.IsZero() || d.Before(lo) {
			lo = d
		}
		if d := r.input.MeasuredOn; hi.IsZero() || d.After(hi) {
			hi = d
		}
	}
	if lo.IsZero() {
		return nil
	}
	var existing []struct {
		GoalID     int64
		MeasuredOn date.Date `bun:"type:date"`
		Value      float64
		Note       string
	}
	err := db.NewSelect().TableExpr("measurements AS m").Column("m.goal_id", "m.measured_on", "m.value", "m.note").
		Join("JOIN goals AS g ON g.id = m.goal_id").
		Where("g.project_id = ? AND m.measured_on BETWEEN ? AND ?", projectID, lo, hi).
		Scan(ctx, &existing)
	if err != nil {
		return database.MapError(err)
	}
	recorded := sheet.Recorded{}
	for _, m := range existing {
		recorded.Repeat(sameKey(m.GoalID, m.MeasuredOn, m.Value, m.Note))
	}
	for i := range results {
		if r := &results[i]; len(r.Errors) == 0 {
			r.Duplicate = recorded.Repeat(sameKey(r.goalID, r.input.MeasuredOn, *r.input.Value, r.input.Note))
		}
	}
	return nil
}

// sameKey identifies a measurement by goal, day, value (to 10 significant
// digits, as a spreadsheet shows it) and note.
func sameKey(goalID int64, on date.Date, value float64, note string) string {
	return strconv.FormatInt(goalID, 10) + "|" + on.String() + "|" + strconv.FormatFloat(value, 'g', 10, 64) + "|" + strings.TrimSpace(note)
}

// parseNumber reads a measured value as sheet.ParseNumber does, and also "85%".
func parseNumber(s string) (float64, error) {
	s = strings.TrimSpace(width.Narrow.String(s)) // a full-width ％ too
	return sheet.ParseNumber(strings.TrimSuffix(s, "%"))
}

// ImportMeasurements records every row or none: if any row is bad, nothing is
// written and the results say what is wrong with each. Rows already recorded
// (Duplicate) are skipped; the results say which.
func ImportMeasurements(ctx context.Context, db database.IDB, actorID, projectID int64, rows []ImportRow, today date.Date) ([]RowResult, error) {
	switch {
	case len(rows) == 0:
		return nil, apperr.InvalidField("file", "import.no_rows")
	case len(rows) > sheet.MaxRows:
		return nil, apperr.InvalidField("file", "import.too_many_rows", "Max", sheet.MaxRows)
	}
	var results []RowResult
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx database.Tx) error {
		// Hold the project's goals while checking and writing: a goal deleted
		// meanwhile cannot lose rows, and two imports of the same file run one
		// after the other, so the second finds the first's rows as duplicates.
		var ids []int64
		if err := tx.NewSelect().Table("goals").Column("id").Where("project_id = ?", projectID).
			For("NO KEY UPDATE").Scan(ctx, &ids); err != nil {
			return database.MapError(err)
		}
		var ok bool
		var err error
		results, ok, err = CheckMeasurementRows(ctx, tx, projectID, rows, today)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.InvalidField("file", "import.rows_invalid")
		}
		ms := make([]Measurement, 0, len(results))
		for _, r := range results {
			if !r.Duplicate {
				ms = append(ms, *newMeasurement(r.goalID, actorID, r.input, Import))
			}
		}
		if len(ms) == 0 {
			return nil
		}
		if _, err := tx.NewInsert().Model(&ms).Returning("*").Exec(ctx); err != nil {
			return database.MapError(err)
		}
		writes := make([]audit.Write, len(ms))
		for i := range ms {
			writes[i] = audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "measurement",
				EntityID: ms[i].ID, Action: audit.Create, After: &ms[i], Ref: "import"}
		}
		return audit.RecordMany(ctx, tx, writes)
	})
	return results, err
}

// ExportRow is one measurement with its goal, for the export.
type ExportRow struct {
	Measurement `bun:",extend"`
	GoalTitle   string `bun:"goal_title"`
}

// AllMeasurements returns every measurement of the project's goals, by goal then date.
func AllMeasurements(ctx context.Context, db database.IDB, projectID int64) ([]ExportRow, error) {
	var rows []ExportRow
	err := db.NewSelect().Model(&rows).
		ColumnExpr("m.*, g.title AS goal_title, coalesce(u.name, '') AS entered_by_name").
		Join("JOIN goals AS g ON g.id = m.goal_id").
		Join("LEFT JOIN users AS u ON u.id = m.entered_by").
		Where("g.project_id = ?", projectID).
		OrderExpr("g.due_on, g.id, m.measured_on, m.id").
		Scan(ctx)
	return rows, database.MapError(err)
}
