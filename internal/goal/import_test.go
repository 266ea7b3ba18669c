package goal

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/project"
	"rollout/internal/project/projecttest"
	"rollout/internal/sheet"
)

// importToday is the day the import tests run on.
var importToday = date.New(2026, 6, 15)

// importFixture is a project with a manager and four goals, two of which
// share a title.
type importFixture struct {
	db        bun.IDB
	actorID   int64
	projectID int64
	goals     map[string]*Goal // by title; "Quote cycle" is the first of two
}

func newImportFixture(t *testing.T) *importFixture {
	t.Helper()
	ctx := context.Background()
	db := dbtest.New(t)
	u, err := account.Create(ctx, db, 0, account.NewUser{Email: "pm@example.com", Name: "Pat Manager", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := project.Create(ctx, db, u.ID, project.Input{Key: "CRM", Name: "CRM rollout", Template: "blank"}, "en")
	if err != nil {
		t.Fatal(err)
	}
	f := &importFixture{db: db, actorID: u.ID, projectID: p.ID, goals: map[string]*Goal{}}
	for _, g := range []struct {
		title            string
		baseline, target float64
		dir              Direction
	}{
		{"Lead conversion", 20, 30, Increase},
		{"线索重复录入", 12, 3, Decrease},
		{"Quote cycle", 5, 3, Decrease},
		{"Quote cycle", 7, 4, Decrease},
	} {
		b, tg := g.baseline, g.target
		created, err := Create(ctx, db, u.ID, p.ID, Input{Title: g.title, Metric: g.title, Unit: "%", Baseline: &b, Target: &tg,
			Direction: g.dir, Category: Business, StartOn: date.New(2026, 1, 1), DueOn: date.New(2026, 12, 31), OwnerID: u.ID})
		if err != nil {
			t.Fatalf("create goal %s: %v", g.title, err)
		}
		if _, dup := f.goals[g.title]; !dup {
			f.goals[g.title] = created
		}
	}
	return f
}

func (f *importFixture) count(t *testing.T) int64 {
	t.Helper()
	n, err := f.db.NewSelect().Table("measurements").Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// invalidOn returns the message on field of an Invalid error.
func invalidOn(t *testing.T, err error, field string) apperr.Message {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalid {
		t.Fatalf("want an Invalid error, got %v", err)
	}
	return ae.Fields[field]
}

func TestReadMeasurementRowsHeaders(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		rows [][]string
		want []ImportRow
	}{
		{"english, as exported", [][]string{
			{"Goal ID", "Goal", "Date", "Value", "Note", "Entered by"},
			{"3", "Lead conversion", "2026-03-01", "21.5", "first month", "Pat"},
		}, []ImportRow{{Line: 2, GoalID: "3", Goal: "Lead conversion", Date: "2026-03-01", Value: "21.5", Note: "first month"}}},
		{"chinese, columns in another order, blank rows skipped", [][]string{
			{"备注", "数值", "日期", "目标"},
			{"", "", "", ""},
			{"上线首月", "11", "2026-03-01", "线索重复录入"},
			{},
			{"", "9.5", "2026-04-01", "线索重复录入"},
		}, []ImportRow{
			{Line: 3, Goal: "线索重复录入", Date: "2026-03-01", Value: "11", Note: "上线首月"},
			{Line: 5, Goal: "线索重复录入", Date: "2026-04-01", Value: "9.5"},
		}},
		{"chinese goal number, short rows", [][]string{
			{"目标编号", "测量日期", "值"},
			{"#7", "2026-05-01"},
		}, []ImportRow{{Line: 2, GoalID: "#7", Date: "2026-05-01"}}},
		{"header below a blank first line keeps file line numbers", [][]string{
			{""},
			{"goal", "date", "value"},
			{"Lead conversion", "2026-05-01", "23"},
		}, []ImportRow{{Line: 3, Goal: "Lead conversion", Date: "2026-05-01", Value: "23"}}},
	} {
		got, err := ReadMeasurementRows(c.rows)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Fatalf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}

func TestReadMeasurementRowsRefusesMissingColumnsAndEmptySheets(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		rows    [][]string
		id, got string
	}{
		{[][]string{{"goal", "note"}, {"x", "y"}}, "import.missing_columns", "date, value"},
		{[][]string{{"日期", "数值"}, {"2026-01-01", "1"}}, "import.missing_columns", "goal"},
		{[][]string{{"title", "when", "amount"}}, "import.missing_columns", "goal, date, value"},
		{[][]string{{"goal", "date", "value"}}, "import.no_rows", ""},
		{[][]string{{"goal", "date", "value"}, {"", " "}}, "import.no_rows", ""},
		{nil, "import.no_rows", ""},
		{[][]string{{}, {""}}, "import.no_rows", ""},
	} {
		_, err := ReadMeasurementRows(c.rows)
		m := invalidOn(t, err, "file")
		if m.ID != c.id || (c.got != "" && m.Data["Columns"] != c.got) {
			t.Fatalf("%q: got %s %v, want %s %q", c.rows, m.ID, m.Data, c.id, c.got)
		}
	}
}

func TestCheckMeasurementRows(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t)
	lead, dup, quote := f.goals["Lead conversion"], f.goals["线索重复录入"], f.goals["Quote cycle"]
	rows := []ImportRow{
		{Line: 2, Goal: "LEAD CONVERSION ", Date: "2026-03-01", Value: "85%"},                 // title, any case
		{Line: 3, GoalID: idText(dup.ID), Date: "2026/4/1", Value: "1,234", Note: " 首月 "},     // by id, thousands
		{Line: 4, GoalID: "#" + idText(lead.ID), Goal: "Lead conversion", Date: "2026-06-16"}, // tomorrow is allowed, value missing
		{Line: 5, Goal: "Churn", Date: "2026-03-01", Value: "1"},
		{Line: 6, Goal: "quote cycle", Date: "2026-03-01", Value: "4"},
		{Line: 7, GoalID: "999999", Date: "01/03/26", Value: "12,5"},
		{Line: 8, Goal: "Lead conversion", Date: "2026-06-17", Value: "abc"},
		{Line: 9, GoalID: idText(lead.ID), Goal: "Quote cycle", Date: "2026-03-01", Value: "1"},
		{Line: 10, Date: "2026-02-30", Value: "１２．５"},
		{Line: 11, Goal: "Lead conversion", Date: "2026-03-02", Value: "2", Note: strings.Repeat("长", 501)},
	}
	results, ok, err := CheckMeasurementRows(context.Background(), f.db, f.projectID, rows, importToday)
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		t.Fatal("rows with problems reported as all good")
	}
	ids := func(r RowResult) []string {
		var out []string
		for _, m := range r.Errors {
			out = append(out, m.ID)
		}
		return out
	}
	want := [][]string{
		nil,
		nil,
		{"goal.value_required"},
		{"import.no_such_goal"},
		{"import.ambiguous_goal"},
		{"import.no_such_goal_id", "import.bad_date", "import.bad_number"},
		{"goal.measured_in_future", "import.bad_number"},
		{"import.goal_mismatch"},
		{"import.goal_missing", "import.bad_date"},
		{"validation.max_len"},
	}
	for i, r := range results {
		if !reflect.DeepEqual(ids(r), want[i]) {
			t.Errorf("line %d: errors %v, want %v", r.Line, ids(r), want[i])
		}
	}
	if g, on, v := results[0].Parsed(); g != lead.ID || on != date.New(2026, 3, 1) || v != 85 || results[0].GoalTitle != "Lead conversion" {
		t.Errorf("row 2 parsed as goal %d %s %v %q", g, on, v, results[0].GoalTitle)
	}
	if g, on, v := results[1].Parsed(); g != dup.ID || on != date.New(2026, 4, 1) || v != 1234 || results[1].GoalTitle != "线索重复录入" {
		t.Errorf("row 3 parsed as goal %d %s %v", g, on, v)
	}
	if m := results[4].Errors[0]; m.Data["Goal"] != "quote cycle" {
		t.Errorf("ambiguous message data %v", m.Data)
	}
	if m := results[7].Errors[0]; m.Data["Title"] != "Lead conversion" || m.Data["Goal"] != "Quote cycle" {
		t.Errorf("mismatch message data %v", m.Data)
	}
	if g, _, v := results[8].Parsed(); g != 0 || v != 12.5 {
		t.Errorf("full-width number: %v", v)
	}
	_ = quote

	// The good rows alone are all good.
	_, ok, err = CheckMeasurementRows(context.Background(), f.db, f.projectID, rows[:2], importToday)
	if err != nil || !ok {
		t.Fatalf("good rows: ok=%v err=%v", ok, err)
	}
}

func TestParseNumberAndDay(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]float64{"12.5": 12.5, "85%": 85, " 85 % ": 85, "1,234": 1234, "-1,234.5": -1234.5,
		"1e3": 1000, ".5": 0.5, "+3": 3, "−2": -2, "８５％": 85, "1，234": 1234} {
		if got, err := parseNumber(s); err != nil || got != want {
			t.Errorf("parseNumber(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "abc", "12,5", "1,23", "1,2345", "NaN", "Inf", "1e999", "0x10", "1_000", "12.5.1", "%"} {
		if got, err := parseNumber(s); err == nil {
			t.Errorf("parseNumber(%q) = %v, want an error", s, got)
		}
	}
	for s, want := range map[string]date.Date{"2026-03-01": date.New(2026, 3, 1), "2026/3/1": date.New(2026, 3, 1),
		"2026.03.01": date.New(2026, 3, 1), "2026年3月1日": date.New(2026, 3, 1), "2026-03-01 00:00:00": date.New(2026, 3, 1),
		"2026-03-01T00:00:00Z": date.New(2026, 3, 1), "２０２６－０３－０１": date.New(2026, 3, 1)} {
		if got, err := sheet.ParseDay(s); err != nil || got != want {
			t.Errorf("sheet.ParseDay(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "03/01/26", "01-03-2026", "2026-13-01", "2026-02-30", "0000-01-01", "yesterday"} {
		if got, err := sheet.ParseDay(s); err == nil {
			t.Errorf("sheet.ParseDay(%q) = %v, want an error", s, got)
		}
	}
}

func TestImportMeasurementsWritesEveryRowWithAudit(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t)
	ctx := context.Background()
	lead, dup := f.goals["Lead conversion"], f.goals["线索重复录入"]
	rows := []ImportRow{
		{Line: 2, Goal: "Lead conversion", Date: "2026-03-01", Value: "22"},
		{Line: 3, Goal: "lead conversion", Date: "2026-04-01", Value: "24.5", Note: "after training"},
		{Line: 4, GoalID: idText(dup.ID), Date: "2026-04-01", Value: "9"},
	}
	results, err := ImportMeasurements(ctx, f.db, f.actorID, f.projectID, rows, importToday)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 3 {
		t.Fatalf("%d results", len(results))
	}
	ms, err := Measurements(ctx, f.db, lead.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Value != 24.5 || ms[0].Note != "after training" || ms[0].Source != Import ||
		ms[0].EnteredBy == nil || *ms[0].EnteredBy != f.actorID || ms[1].MeasuredOn != date.New(2026, 3, 1) {
		t.Fatalf("lead conversion measurements %+v", ms)
	}
	v, err := GetView(ctx, f.db, f.projectID, lead.ID, importToday)
	if err != nil || v.Current != 24.5 {
		t.Fatalf("current %v (%v)", v.Current, err)
	}
	entries, err := audit.List(ctx, f.db, audit.Filter{ProjectID: f.projectID, Entity: "measurement"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("%d audit entries, want one per row", len(entries))
	}
	for _, e := range entries {
		if e.Ref != "import" || e.Action != audit.Create || e.ActorID == nil || *e.ActorID != f.actorID {
			t.Fatalf("audit entry %+v", e)
		}
	}

	// The same rows again (a second upload of the file, a confirmation sent
	// twice) are already recorded: nothing is written twice.
	results, err = ImportMeasurements(ctx, f.db, f.actorID, f.projectID, append(rows, ImportRow{Line: 5, Goal: "Lead conversion", Date: "2026-05-01", Value: "26"}), importToday)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if r.Duplicate != (i < 3) {
			t.Fatalf("row %d duplicate=%v", r.Line, r.Duplicate)
		}
	}
	if n := f.count(t); n != 4 {
		t.Fatalf("%d measurements after the second import, want 4", n)
	}
}

func TestImportMeasurementsWritesNothingWhenOneRowIsBad(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t)
	ctx := context.Background()
	if _, err := AddMeasurement(ctx, f.db, projecttest.Caller(t, f.db, f.projectID, f.actorID), f.projectID, f.goals["Lead conversion"].ID,
		MeasurementInput{Value: valueOf(21), MeasuredOn: date.New(2026, 2, 1)}, Manual, importToday); err != nil {
		t.Fatal(err)
	}
	before := f.count(t)
	rows := []ImportRow{
		{Line: 2, Goal: "Lead conversion", Date: "2026-03-01", Value: "22"},
		{Line: 3, Goal: "Lead conversion", Date: "2026-04-01", Value: "about 24"},
		{Line: 4, Goal: "线索重复录入", Date: "2026-04-01", Value: "9"},
	}
	results, err := ImportMeasurements(ctx, f.db, f.actorID, f.projectID, rows, importToday)
	if m := invalidOn(t, err, "file"); m.ID != "import.rows_invalid" {
		t.Fatalf("error %v", err)
	}
	if len(results) != 3 || len(results[0].Errors) != 0 || len(results[2].Errors) != 0 ||
		len(results[1].Errors) != 1 || results[1].Errors[0].ID != "import.bad_number" || results[1].Errors[0].Data["Value"] != "about 24" {
		t.Fatalf("results %+v", results)
	}
	if after := f.count(t); after != before {
		t.Fatalf("%d measurements written by a refused import", after-before)
	}
	entries, _ := audit.List(ctx, f.db, audit.Filter{ProjectID: f.projectID, Entity: "measurement"})
	if len(entries) != 1 {
		t.Fatalf("%d measurement audit entries, want only the manual one", len(entries))
	}

	// No rows, and more rows than a sheet may hold, are refused before anything is read.
	if _, err := ImportMeasurements(ctx, f.db, f.actorID, f.projectID, nil, importToday); invalidOn(t, err, "file").ID != "import.no_rows" {
		t.Fatalf("no rows: %v", err)
	}
	many := make([]ImportRow, 10001)
	if _, err := ImportMeasurements(ctx, f.db, f.actorID, f.projectID, many, importToday); invalidOn(t, err, "file").ID != "import.too_many_rows" {
		t.Fatalf("too many rows: %v", err)
	}
	// Another project's goal is no goal of this one.
	u, _ := account.Create(ctx, f.db, 0, account.NewUser{Email: "other@example.com", Name: "Other", Password: "correct horse battery"})
	other, err := project.Create(ctx, f.db, u.ID, project.Input{Key: "ERP", Name: "ERP", Template: "blank"}, "en")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ImportMeasurements(ctx, f.db, u.ID, other.ID, []ImportRow{{Line: 2, GoalID: idText(f.goals["Lead conversion"].ID), Date: "2026-03-01", Value: "1"}}, importToday)
	if invalidOn(t, err, "file").ID != "import.rows_invalid" || f.count(t) != before {
		t.Fatalf("another project's goal: %v", err)
	}
}

func TestAllMeasurementsForExport(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t)
	ctx := context.Background()
	_, err := ImportMeasurements(ctx, f.db, f.actorID, f.projectID, []ImportRow{
		{Line: 2, Goal: "Lead conversion", Date: "2026-04-01", Value: "24"},
		{Line: 3, Goal: "Lead conversion", Date: "2026-03-01", Value: "22", Note: "n"},
	}, importToday)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := AllMeasurements(ctx, f.db, f.projectID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].MeasuredOn != date.New(2026, 3, 1) || rows[0].GoalTitle != "Lead conversion" ||
		rows[0].EnteredByName != "Pat Manager" || rows[0].Note != "n" || rows[1].Value != 24 {
		t.Fatalf("export rows %+v", rows)
	}
}

// FuzzReadMeasurementRows feeds arbitrary sheets to the header mapping: it
// may refuse them, never panic, and every row it returns is a real data row.
func FuzzReadMeasurementRows(f *testing.F) {
	f.Add("goal,date,value\nLead conversion,2026-03-01,12")
	f.Add("目标编号,日期,数值,备注\n#3,2026-03-01,85%,首月\n,,,\n4,2026/4/1,\"1,234\",")
	f.Add("")
	f.Add("\n\n")
	f.Add("date,value\n1,2")
	f.Add("goal_id,goal,date,value,note,goal\n1\n,,,,,,,,,\nx,y")
	f.Fuzz(func(t *testing.T, s string) {
		var rows [][]string
		for _, line := range strings.Split(s, "\n") {
			rows = append(rows, strings.Split(line, ","))
		}
		out, err := ReadMeasurementRows(rows)
		if err != nil {
			if invalidOn(t, err, "file").ID == "" {
				t.Fatalf("error without a message: %v", err)
			}
			return
		}
		if len(out) == 0 {
			t.Fatal("no error and no rows")
		}
		last := 1
		for _, r := range out {
			if r.Line <= last || r.Line > len(rows) {
				t.Fatalf("line %d after %d of %d", r.Line, last, len(rows))
			}
			last = r.Line
			if strings.TrimSpace(strings.Join(rows[r.Line-1], "")) == "" {
				t.Fatalf("blank line %d returned as a row", r.Line)
			}
		}
	})
}

// idText writes a goal id as a sheet cell holds it.
func idText(n int64) string { return strconv.FormatInt(n, 10) }

func valueOf(f float64) *float64 { return &f }
