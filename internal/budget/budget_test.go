package budget

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/project"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type fixture struct {
	db        *bun.DB
	projectID int64
	pm        int64
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	db := dbtest.New(t)
	ctx := context.Background()
	pm, err := account.Create(ctx, db, 0, account.NewUser{Email: "pm@example.com", Name: "PM", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := project.Create(ctx, db, pm.ID, project.Input{Key: "CRM", Name: "CRM"}, "en")
	if err != nil {
		t.Fatal(err)
	}
	return fixture{db: db, projectID: p.ID, pm: pm.ID}
}

func (f fixture) spend(t *testing.T) (n int, sum float64) {
	t.Helper()
	var row struct {
		N   int     `bun:"n"`
		Sum float64 `bun:"s"`
	}
	if err := f.db.NewSelect().Table("spend_entries").ColumnExpr("count(*) AS n, coalesce(sum(amount), 0) AS s").
		Where("project_id = ?", f.projectID).Scan(context.Background(), &row); err != nil {
		t.Fatal(err)
	}
	return row.N, row.Sum
}

func fieldsOf(err error) map[string]apperr.Message {
	if ae, ok := err.(*apperr.Error); ok {
		return ae.Fields
	}
	return nil
}

func TestLinesAndEntries(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	l, err := AddLine(ctx, f.db, f.pm, f.projectID, LineInput{Category: " Licences ", Planned: 1000, Currency: "cny"})
	if err != nil || l.Category != "Licences" || l.Currency != "CNY" || l.Version != 1 {
		t.Fatalf("line %+v, %v", l, err)
	}
	// Imports match categories whatever their case, so case alone does not make another line.
	if _, err := AddLine(ctx, f.db, f.pm, f.projectID, LineInput{Category: "licences", Planned: 1}); fieldsOf(err)["category"].ID != "budget.category_taken" {
		t.Fatalf("another case: %v", err)
	}
	if _, err := AddLine(ctx, f.db, f.pm, f.projectID, LineInput{Category: "Licences", Planned: 1}); fieldsOf(err)["category"].ID != "budget.category_taken" {
		t.Fatalf("same category: %v", err)
	}
	for _, in := range []LineInput{{Category: "", Planned: 1}, {Category: "X", Planned: -1}, {Category: "X", Planned: 1, Currency: "EURO"}} {
		if _, err := AddLine(ctx, f.db, f.pm, f.projectID, in); !apperr.Is(err, apperr.KindInvalid) {
			t.Errorf("%+v: %v", in, err)
		}
	}
	if _, err := UpdateLine(ctx, f.db, f.pm, f.projectID, l.ID, LineInput{Category: "Licences", Planned: 1200, Version: 0}); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("stale version: %v", err)
	}
	if l, err = UpdateLine(ctx, f.db, f.pm, f.projectID, l.ID, LineInput{Category: "Licences", Planned: 1200, Version: 1}); err != nil || l.Planned != 1200 || l.Version != 2 {
		t.Fatalf("update %+v %v", l, err)
	}
	amount := 250.0
	if _, err := AddEntries(ctx, f.db, f.pm, f.projectID, []EntryInput{{LineID: l.ID, SpentOn: date.New(2026, 3, 1), Amount: &amount}}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := AddEntries(ctx, f.db, f.pm, f.projectID, []EntryInput{{LineID: 999999, SpentOn: date.New(2026, 3, 1), Amount: &amount}}, ""); fieldsOf(err)["line_id"].ID != "budget.no_such_line" {
		t.Fatalf("unknown line: %v", err)
	}
	ls, err := Lines(ctx, f.db, f.projectID)
	if err != nil || len(ls) != 1 || ls[0].Category != "Licences" || ls[0].Actual != 250 {
		t.Fatalf("lines %+v %v", ls, err)
	}
}

func TestReadRowsInEitherLanguage(t *testing.T) {
	t.Parallel()
	for _, head := range [][]string{{"Date", "Amount", "Category", "Note"}, {"日期", "金额", "预算科目", "备注"}} {
		rows, err := ReadRows([][]string{{}, head, {"2026-03-01", "1,200.50", "Licences", "Q1"}, {"", "", "", ""}})
		if err != nil || len(rows) != 1 || rows[0].Line != 3 || rows[0].Amount != "1,200.50" || rows[0].Category != "Licences" {
			t.Fatalf("%v: %+v %v", head, rows, err)
		}
	}
	_, err := ReadRows([][]string{{"date", "note"}, {"2026-03-01", "x"}})
	if m := fieldsOf(err)["file"]; m.ID != "budget.import_missing_columns" || m.Data["Columns"] != "amount, category" {
		t.Fatalf("missing columns: %v", err)
	}
	if _, err := ReadRows([][]string{{"date", "amount", "category"}}); fieldsOf(err)["file"].ID != "budget.import_no_rows" {
		t.Fatalf("no rows: %v", err)
	}
}

func TestParseAmount(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]float64{"12": 12, "1,234.5": 1234.5, "¥1,200": 1200, "-300": -300, "１２３": 123, "−5": -5, "20元": 20} {
		if got, err := ParseAmount(in); err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "12,5", "abc", "1.2.3", "1e400"} {
		if _, err := ParseAmount(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestImportAllOrNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := AddLine(ctx, f.db, f.pm, f.projectID, LineInput{Category: "Licences", Planned: 1000}); err != nil {
		t.Fatal(err)
	}
	if _, err := AddLine(ctx, f.db, f.pm, f.projectID, LineInput{Category: "Services", Planned: 500}); err != nil {
		t.Fatal(err)
	}
	rows := []ImportRow{
		{Line: 2, Date: "2026-03-01", Amount: "300", Category: "licences", Note: "Q1"},
		{Line: 3, Date: "2026/3/15", Amount: "abc", Category: "Services"},
		{Line: 4, Date: "01/03/26", Amount: "10", Category: "Travel"},
		{Line: 5, Date: "2026-03-20", Amount: "0", Category: ""},
	}
	results, err := Import(ctx, f.db, f.pm, f.projectID, rows)
	if fieldsOf(err)["file"].ID != "budget.import_rows_invalid" {
		t.Fatalf("bad rows: %v", err)
	}
	want := [][]string{nil, {"budget.import_bad_amount"}, {"budget.import_no_such_line", "budget.import_bad_date"},
		{"budget.import_category_missing", "budget.amount_required"}}
	for i, r := range results {
		var ids []string
		for _, m := range r.Errors {
			ids = append(ids, m.ID)
		}
		if len(ids) != len(want[i]) {
			t.Fatalf("row %d: %v, want %v", r.Line, ids, want[i])
		}
		for j := range ids {
			if ids[j] != want[i][j] {
				t.Fatalf("row %d: %v, want %v", r.Line, ids, want[i])
			}
		}
	}
	if n, _ := f.spend(t); n != 0 {
		t.Fatalf("%d entries written from a bad file", n)
	}

	good := []ImportRow{
		{Line: 2, Date: "2026-03-01", Amount: "300", Category: "licences", Note: "Q1"},
		{Line: 3, Date: "2026/3/15", Amount: "1,200.50", Category: "Services"},
		{Line: 4, Date: "2026/3/15", Amount: "1,200.50", Category: "Services"}, // the same again: skipped
	}
	results, err = Import(ctx, f.db, f.pm, f.projectID, good)
	if err != nil || !results[2].Duplicate || results[0].Duplicate {
		t.Fatalf("import %+v %v", results, err)
	}
	if cat, on, amount := results[1].Parsed(); cat != "Services" || on != date.New(2026, 3, 15) || amount != 1200.5 {
		t.Fatalf("parsed %s %s %v", cat, on, amount)
	}
	if n, sum := f.spend(t); n != 2 || sum != 1500.5 {
		t.Fatalf("%d entries, %v in all", n, sum)
	}
	// The same file again records nothing new.
	results, err = Import(ctx, f.db, f.pm, f.projectID, good)
	if err != nil || !results[0].Duplicate || !results[1].Duplicate {
		t.Fatalf("again %+v %v", results, err)
	}
	if n, _ := f.spend(t); n != 2 {
		t.Fatalf("%d entries after importing twice", n)
	}
}

func TestApplyBatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	amount, zero := 100.0, 0.0
	// Problems anywhere in the batch are reported together, and nothing is written.
	_, err := Apply(ctx, f.db, f.pm, f.projectID, Batch{
		Lines:   []LineInput{{Category: "Licences", Planned: 1000}, {Category: "", Planned: 5}},
		Entries: []BatchEntry{{Category: "Licences", SpentOn: date.New(2026, 1, 5), Amount: &zero}, {SpentOn: date.New(2026, 1, 5), Amount: &amount}},
	})
	fs := fieldsOf(err)
	if fs["lines[1].category"].ID == "" || fs["entries[0].amount"].ID != "budget.amount_required" || fs["entries[1].line_id"].ID != "budget.line_required" {
		t.Fatalf("bad batch: %v", fs)
	}
	// A category that names no line, found only inside the transaction.
	_, err = Apply(ctx, f.db, f.pm, f.projectID, Batch{
		Lines:   []LineInput{{Category: "Licences", Planned: 1000}},
		Entries: []BatchEntry{{Category: "Travel", SpentOn: date.New(2026, 1, 5), Amount: &amount}},
	})
	if fieldsOf(err)["entries[0].category"].ID != "budget.import_no_such_line" {
		t.Fatalf("unknown category: %v", err)
	}
	if ls, _ := Lines(ctx, f.db, f.projectID); len(ls) != 0 {
		t.Fatalf("a refused batch wrote %d lines", len(ls))
	}
	// A good batch: a line and spend against it by category.
	res, err := Apply(ctx, f.db, f.pm, f.projectID, Batch{
		Lines:   []LineInput{{Category: "Licences", Planned: 1000}},
		Entries: []BatchEntry{{Category: "licences", SpentOn: date.New(2026, 1, 5), Amount: &amount, Note: "first"}},
	})
	if err != nil || len(res.Lines) != 1 || len(res.Entries) != 1 || res.Entries[0].LineID != res.Lines[0].ID {
		t.Fatalf("batch %+v %v", res, err)
	}
	if _, err := Apply(ctx, f.db, f.pm, f.projectID, Batch{}); fieldsOf(err)["entries"].ID != "budget.batch_empty" {
		t.Fatalf("empty batch: %v", err)
	}
	if _, err := Apply(ctx, f.db, f.pm, f.projectID, Batch{Lines: []LineInput{{Category: "Licences", Planned: 1}}}); fieldsOf(err)["lines[0].category"].ID != "budget.category_taken" {
		t.Fatalf("taken category: %v", err)
	}
}
