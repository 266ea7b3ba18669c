package budget

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/text/width"

	"rollout/internal/apperr"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/sheet"
	"rollout/internal/validate"
)

// Spend in from a spreadsheet: one entry per row, matched to a budget line by
// its category. The import is checked and previewed first; then every row is
// recorded or none (Import checks them again inside the transaction).

// spendColumns are the columns of a spend sheet, in English and Chinese.
var spendColumns = map[string][]string{
	"date":     {"date", "spent_on", "spent on", "日期", "支出日期", "发生日期"},
	"amount":   {"amount", "value", "金额", "支出金额", "实际金额"},
	"category": {"category", "line", "budget line", "类别", "预算科目", "科目", "预算项"},
	"note":     {"note", "notes", "description", "备注", "说明", "摘要"},
}

// ImportRow is one data row of a spend sheet, as text.
type ImportRow struct {
	Line     int    `json:"line"` // line in the file, counting the header as 1
	Date     string `json:"date"`
	Amount   string `json:"amount"`
	Category string `json:"category"`
	Note     string `json:"note"`
}

// RowResult is a row checked against the project's budget lines: what it
// records, or what is wrong with it.
type RowResult struct {
	ImportRow
	Errors []apperr.Message
	// Duplicate is a good row already recorded (same line, day, amount and
	// note) or repeating an earlier row of the file: it is skipped, so a file
	// uploaded twice records nothing twice.
	Duplicate bool

	input EntryInput
	line  string // the matched line's category as stored
}

// Parsed returns what a good row records: the line's category, the day and
// the amount.
func (r RowResult) Parsed() (category string, on date.Date, amount float64) {
	if r.input.Amount != nil {
		amount = *r.input.Amount
	}
	return r.line, r.input.SpentOn, amount
}

// ReadRows maps a sheet's header (its first non-blank row) and returns its
// data rows. A missing column is an Invalid error on "file" naming it.
func ReadRows(rows [][]string) ([]ImportRow, error) {
	t, missing := sheet.ReadTable(rows, spendColumns, "date", "amount", "category")
	if len(missing) > 0 {
		return nil, apperr.InvalidField("file", "budget.import_missing_columns", "Columns", strings.Join(missing, ", "))
	}
	out := make([]ImportRow, len(t.Rows))
	for i, r := range t.Rows {
		out[i] = ImportRow{Line: r.Line, Date: t.Cell(r, "date"), Amount: t.Cell(r, "amount"),
			Category: t.Cell(r, "category"), Note: t.Cell(r, "note")}
	}
	if len(out) == 0 {
		return nil, apperr.InvalidField("file", "budget.import_no_rows")
	}
	return out, nil
}

func categoryKey(s string) string { return strings.ToLower(strings.TrimSpace(width.Narrow.String(s))) }

// CheckRows checks every row against the project's budget lines (one query)
// and its spend on the days of the file (one more), and reports whether all
// of them are good.
func CheckRows(ctx context.Context, db bun.IDB, projectID int64, rows []ImportRow) ([]RowResult, bool, error) {
	var lines []Line
	if err := db.NewSelect().Model(&lines).Column("id", "category").Where("project_id = ?", projectID).Scan(ctx); err != nil {
		return nil, false, database.MapError(err)
	}
	byCategory := map[string]Line{}
	for _, l := range lines {
		byCategory[categoryKey(l.Category)] = l
	}
	ok := true
	results := make([]RowResult, len(rows))
	for i, row := range rows {
		res := RowResult{ImportRow: row}
		switch l, found := byCategory[categoryKey(row.Category)]; {
		case strings.TrimSpace(row.Category) == "":
			res.Errors = append(res.Errors, apperr.Msg("budget.import_category_missing"))
		case !found:
			res.Errors = append(res.Errors, apperr.Msg("budget.import_no_such_line", "Category", row.Category))
		default:
			res.input.LineID, res.line = l.ID, l.Category
		}
		if d, err := sheet.ParseDay(row.Date); err != nil {
			res.Errors = append(res.Errors, apperr.Msg("budget.import_bad_date", "Value", row.Date))
		} else {
			res.input.SpentOn = d
		}
		switch v, err := ParseAmount(row.Amount); {
		case err != nil:
			res.Errors = append(res.Errors, apperr.Msg("budget.import_bad_amount", "Value", row.Amount))
		case v == 0:
			res.Errors = append(res.Errors, apperr.Msg("budget.amount_required"))
		default:
			res.input.Amount = &v
		}
		// The same bounds as an entry typed in (an amount within the money
		// range, a note of clean text and bounded length).
		res.input.Note = strings.TrimSpace(row.Note)
		var ae *apperr.Error
		if err := validate.Struct(&res.input); errors.As(err, &ae) {
			for _, m := range ae.Fields {
				res.Errors = append(res.Errors, m)
			}
		}
		ok = ok && len(res.Errors) == 0
		results[i] = res
	}
	return results, ok, markDuplicates(ctx, db, projectID, results)
}

// markDuplicates marks good rows that are already recorded, or that repeat
// an earlier row of the file.
func markDuplicates(ctx context.Context, db bun.IDB, projectID int64, results []RowResult) error {
	var days []time.Time
	seenDay := map[date.Date]bool{}
	for _, r := range results {
		if len(r.Errors) == 0 && !seenDay[r.input.SpentOn] {
			seenDay[r.input.SpentOn] = true
			days = append(days, r.input.SpentOn.Time())
		}
	}
	if len(days) == 0 {
		return nil
	}
	var existing []Entry
	if err := db.NewSelect().Model(&existing).Column("line_id", "spent_on", "amount", "note").
		Where("project_id = ? AND spent_on IN (?)", projectID, bun.List(days)).Scan(ctx); err != nil {
		return database.MapError(err)
	}
	recorded := sheet.Recorded{}
	for _, e := range existing {
		recorded.Repeat(entryKey(e.LineID, e.SpentOn, e.Amount, e.Note))
	}
	for i := range results {
		if r := &results[i]; len(r.Errors) == 0 {
			r.Duplicate = recorded.Repeat(entryKey(r.input.LineID, r.input.SpentOn, *r.input.Amount, r.input.Note))
		}
	}
	return nil
}

func entryKey(lineID int64, on date.Date, amount float64, note string) string {
	return strconv.FormatInt(lineID, 10) + "|" + on.String() + "|" + strconv.FormatFloat(amount, 'g', 12, 64) + "|" + strings.TrimSpace(note)
}

// ParseAmount reads money as people type it: "1234.5", "1,234.50", "¥1,200",
// "-300" (a refund), full-width digits. A comma is only a thousands
// separator: "12,5" is refused rather than read as 125.
func ParseAmount(s string) (float64, error) {
	for _, sym := range []string{"¥", "￥", "$", "€", "CNY", "RMB", "USD", "EUR", "元"} {
		s = strings.ReplaceAll(s, sym, "")
	}
	return sheet.ParseNumber(s)
}

// Import records every good row or none: if any row is bad, nothing is
// written and the results say what is wrong with each. Rows already recorded
// are skipped.
func Import(ctx context.Context, db bun.IDB, actorID, projectID int64, rows []ImportRow) ([]RowResult, error) {
	switch {
	case len(rows) == 0:
		return nil, apperr.InvalidField("file", "budget.import_no_rows")
	case len(rows) > sheet.MaxRows:
		return nil, apperr.InvalidField("file", "budget.import_too_many_rows", "Max", sheet.MaxRows)
	}
	var results []RowResult
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		// Hold the project's lines while checking and writing, so a line
		// renamed or deleted meanwhile cannot take rows with it, and two
		// uploads of one file run one after the other (the second finds the
		// first's rows as duplicates).
		if _, err := tx.NewSelect().Table("budget_lines").Column("id").Where("project_id = ?", projectID).
			For("NO KEY UPDATE").Exec(ctx); err != nil {
			return database.MapError(err)
		}
		var ok bool
		var err error
		if results, ok, err = CheckRows(ctx, tx, projectID, rows); err != nil {
			return err
		}
		if !ok {
			return apperr.InvalidField("file", "budget.import_rows_invalid")
		}
		ins := make([]EntryInput, 0, len(results))
		for _, r := range results {
			if !r.Duplicate {
				ins = append(ins, r.input)
			}
		}
		if len(ins) == 0 {
			return nil
		}
		_, err = AddEntries(ctx, tx, actorID, projectID, ins, "import")
		return err
	})
	return results, err
}
