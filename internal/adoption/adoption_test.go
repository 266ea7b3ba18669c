package adoption

import (
	"context"
	"testing"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/database"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/project"
	"rollout/internal/project/projecttest"
)

var today = date.New(2026, 6, 15) // a Monday, ISO week 2026-W25

func n(v int64) *int64 { return &v }

func setup(t *testing.T) (*database.DB, project.Caller, int64) {
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
	return db, projecttest.Caller(t, db, p.ID, u.ID), p.ID
}

func TestParseWeek(t *testing.T) {
	for in, want := range map[string]string{
		"2026-W25": "2026-06-15", "2026w25": "2026-06-15", "2026-06-18": "2026-06-15", "2026/6/21": "2026-06-15",
		"2021-W01": "2021-01-04", "2020-W53": "2020-12-28",
	} {
		got, err := ParseWeek(in)
		if err != nil || got.String() != want {
			t.Errorf("%s: %v %v, want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "2026-W54", "2021-W53", "W12", "next week"} {
		if _, err := ParseWeek(bad); err == nil {
			t.Errorf("%q read as a week", bad)
		}
	}
	if WeekName(date.New(2026, 6, 21)) != "2026-W25" {
		t.Error(WeekName(date.New(2026, 6, 21)))
	}
}

func TestRecordReplacesAWeekAndRefusesBadRows(t *testing.T) {
	ctx := context.Background()
	db, pm, pid := setup(t)
	filled := 92.5
	rows := []Input{
		{Week: "2026-W24", Department: "sales", LicensedUsers: n(40), ActiveUsers: n(30), LeadsCreated: n(120), RequiredFilled: &filled},
		{Week: "2026-W24", Department: "Service", Role: "agent", LicensedUsers: n(20), ActiveUsers: n(18)},
	}
	res, err := Record(ctx, db, pm, pid, rows, API, today)
	if err != nil || res[0].Outcome != Created || res[1].Figure.Department != "service" {
		t.Fatalf("%v %+v", err, res)
	}
	// The same week again: the changed row replaces, the same one is left alone.
	rows[0].ActiveUsers = n(35)
	res, err = Record(ctx, db, pm, pid, rows, Import, today)
	if err != nil || res[0].Outcome != Replaced || res[1].Outcome != Unchanged || res[0].Figure.Version != 2 {
		t.Fatalf("%v %+v", err, res)
	}
	fs, err := List(ctx, db, pid)
	if err != nil || len(fs) != 2 {
		t.Fatalf("%v %d", err, len(fs))
	}
	var entries int
	if err := db.NewSelect().Table("audit_entries").ColumnExpr("count(*)").Where("entity = 'adoption_figure'").Scan(ctx, &entries); err != nil {
		t.Fatal(err)
	}
	if entries != 3 {
		t.Errorf("%d audit entries, want 3 (two created, one replaced)", entries)
	}

	// One bad row refuses the whole batch, naming the row and the field.
	bad := []Input{
		{Week: "2026-W25", Department: "sales", LicensedUsers: n(40), ActiveUsers: n(10)},
		{Week: "2026-W25", Department: "sales", LicensedUsers: n(10), ActiveUsers: n(11)},
		{Week: "2027-W01", LicensedUsers: n(1), ActiveUsers: n(1)},
		{Week: "2026-W25", Department: "legal", LicensedUsers: n(1e10)},
	}
	_, err = Record(ctx, db, pm, pid, bad, API, today)
	ae, ok := err.(*apperr.Error)
	if !ok || ae.Kind != apperr.KindInvalid {
		t.Fatalf("%v", err)
	}
	for field, msg := range map[string]string{"rows[1].active_users": "adoption.active_above_licensed", "rows[2].week": "adoption.week_in_future",
		"rows[3].department": "validation.oneof", "rows[3].licensed_users": "validation.count", "rows[3].active_users": "validation.required"} {
		if ae.Fields[field].ID != msg {
			t.Errorf("%s: %+v, want %s", field, ae.Fields[field], msg)
		}
	}
	if fs, _ := List(ctx, db, pid); len(fs) != 2 {
		t.Errorf("%d rows after a refused batch", len(fs))
	}
	// The same key twice in one batch is refused.
	_, err = Record(ctx, db, pm, pid, []Input{rows[0], rows[0]}, API, today)
	if ae, ok := err.(*apperr.Error); !ok || ae.Fields["rows[1].week"].ID != "adoption.repeated_row" {
		t.Errorf("%v", err)
	}
	// A viewer records nothing.
	viewer := pm
	viewer.Access = project.Access{Role: project.RoleViewer, IsMember: true}
	if _, err := Record(ctx, db, viewer, pid, rows, API, today); !apperr.Is(err, apperr.KindForbidden) {
		t.Errorf("viewer: %v", err)
	}
}

func TestWeeklyPrefersTotalsAndWeighsCompleteness(t *testing.T) {
	ctx := context.Background()
	db, pm, pid := setup(t)
	f80, f100, f50 := 80.0, 100.0, 50.0
	_, err := Record(ctx, db, pm, pid, []Input{
		{Week: "2026-W24", Department: "sales", Role: "rep", LicensedUsers: n(30), ActiveUsers: n(30), RequiredFilled: &f80},
		{Week: "2026-W24", Department: "sales", Role: "manager", LicensedUsers: n(10), ActiveUsers: n(10), RequiredFilled: &f100},
		{Week: "2026-W24", Department: "service", LicensedUsers: n(10), ActiveUsers: n(5), RequiredFilled: &f50},
		{Week: "2026-W24", Department: "service", Role: "agent", LicensedUsers: n(8), ActiveUsers: n(4)},
	}, API, today)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := Weekly(ctx, db, pid, date.Date{})
	if err != nil || len(ws) != 2 {
		t.Fatalf("%v %+v", err, ws)
	}
	sales, service := ws[0], ws[1]
	if sales.Licensed != 40 || sales.Active != 40 || *sales.Filled != 85 {
		t.Errorf("sales %+v %v", sales, *sales.Filled)
	}
	if service.Licensed != 10 || service.Share() != 50 {
		t.Errorf("service uses its total row: %+v", service)
	}
	all := Overall(ws)
	if len(all) != 1 || all[0].Licensed != 50 || all[0].Active != 45 {
		t.Errorf("overall %+v", all)
	}
}

func TestReadRowsInChinese(t *testing.T) {
	rows, err := ReadRows([][]string{{"周次", "部门", "授权用户数", "活跃用户数", "必填字段完整率"}, {"2026-W24", "销售", "1,200", "900", "88％"}})
	if err != nil {
		t.Fatal(err)
	}
	in, problems := rows[0].Parse()
	if len(problems) > 0 || in.Department != "sales" || *in.LicensedUsers != 1200 || *in.RequiredFilled != 88 {
		t.Fatalf("%+v %v", in, problems)
	}
	if _, err := ReadRows([][]string{{"week", "department"}, {"2026-W24", "sales"}}); err == nil {
		t.Error("a sheet without user columns was read")
	}
	in, problems = Row{Week: "2026-W24", LicensedUsers: "12.5", ActiveUsers: "x"}.Parse()
	if problems["licensed_users"].ID != "adoption.bad_count" || problems["active_users"].ID != "adoption.bad_count" {
		t.Errorf("%v", problems)
	}
}
