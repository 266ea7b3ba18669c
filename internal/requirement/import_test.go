package requirement

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/project"
	"rollout/internal/project/projecttest"
)

// importFixture is project CRM (phases Initiation … Operate & improve) with
// a business owner, a viewer, an account outside the project, and goals,
// two of which share a title.
type importFixture struct {
	fixture
	owner, outsider *account.User
	goals           []*goal.Goal
}

func newImportFixture(t *testing.T) *importFixture {
	t.Helper()
	ctx := context.Background()
	f := &importFixture{fixture: newFixture(t)}
	var err error
	f.owner, err = account.Create(ctx, f.db, 0, account.NewUser{Email: "Li.Na@example.com", Name: "Li Na", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := project.AddMember(ctx, f.db, 0, f.project.ID, project.MemberInput{Email: f.owner.Email,
		Role: project.RoleBusinessOwner, Department: project.DeptSales}); err != nil {
		t.Fatal(err)
	}
	f.outsider, err = account.Create(ctx, f.db, 0, account.NewUser{Email: "out@example.com", Name: "Olga", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	for _, title := range []string{"Lead conversion", "线索重复录入", "Quote cycle", "Quote cycle", "Win rate; by region"} {
		b, tg := 10.0, 20.0
		g, err := goal.Create(ctx, f.db, f.user.ID, f.project.ID, goal.Input{Title: title, Metric: title, Unit: "%",
			Baseline: &b, Target: &tg, Direction: goal.Increase, Category: goal.Business,
			StartOn: date.New(2026, 1, 1), DueOn: date.New(2026, 12, 31), OwnerID: f.user.ID})
		if err != nil {
			t.Fatal(err)
		}
		f.goals = append(f.goals, g)
	}
	return f
}

// sheetOf splits a CSV-like text (no quoting) into rows.
func sheetOf(s string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(s, "\n") {
		rows = append(rows, strings.Split(line, "|"))
	}
	return rows
}

func (f *importFixture) read(t *testing.T, s string) *ImportFile {
	t.Helper()
	file, err := ReadRows(sheetOf(s))
	if err != nil {
		t.Fatal(err)
	}
	return file
}

func (f *importFixture) countRows(t *testing.T, table, where string) int {
	t.Helper()
	n, err := f.db.NewSelect().Table(table).Where(where).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func invalidOn(t *testing.T, err error, field string) apperr.Message {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalid {
		t.Fatalf("want Invalid, got %v", err)
	}
	return ae.Fields[field]
}

func TestReadRowsHeaders(t *testing.T) {
	t.Parallel()
	// English, in any order and case, with columns of its own.
	file, err := ReadRows(sheetOf("\n| TITLE |notes|Tier|Kind|approach|Owner Email|Estimate (days)\n" +
		"|Lead capture|x|must|feature|configuration|a@b.c|3\n||||||\n|'=cmd|y|Must|Report|Configuration||"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(file.Columns, []string{"title", "tier", "kind", "approach", "owner", "estimate"}) {
		t.Fatalf("columns %q", file.Columns)
	}
	if len(file.Rows) != 2 || file.Rows[0].Line != 3 || file.Rows[0].Title != "Lead capture" || file.Rows[0].Owner != "a@b.c" ||
		file.Rows[0].Estimate != "3" || file.Rows[1].Line != 5 || file.Rows[1].Title != "=cmd" {
		t.Fatalf("rows %+v", file.Rows)
	}
	// Chinese headers, and the headers of a Chinese export.
	file, err = ReadRows(sheetOf("编号|标题|用户故事|验收标准|优先级|阶段|类型|实现方式|负责人邮箱|服务的目标|状态|估算（人天）|版本\n" +
		"CRM-1|线索录入|作为销售…|能导入;能去重|必须|实施|功能|配置|li.na@example.com|Lead conversion|进行中|3|1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(file.Columns) != len(Columns) || file.Rows[0].Key != "CRM-1" || file.Rows[0].Criteria != "能导入;能去重" || file.Rows[0].Version != "1" {
		t.Fatalf("chinese %+v %+v", file.Columns, file.Rows)
	}
	file, err = ReadRows([][]string{Header(false), {}})
	if err == nil || file != nil {
		t.Fatalf("a header and no rows: %v", err)
	}
	// Missing columns are named in both languages.
	_, err = ReadRows(sheetOf("title|kind\nLead capture|feature"))
	if m := invalidOn(t, err, "file"); m.ID != "reqimport.missing_columns" || m.Data["Columns"] != "Tier (优先级), Approach (实现方式)" {
		t.Fatalf("missing: %+v", m)
	}
	for _, rows := range [][][]string{nil, {{""}, {" ", ""}}, sheetOf("title|tier|kind|approach\n|||")} {
		if m := invalidOn(t, func() error { _, err := ReadRows(rows); return err }(), "file"); m.ID != "reqimport.no_rows" {
			t.Fatalf("%q: %+v", rows, m)
		}
	}
}

// problems returns each row's errors as "column:message-id" strings.
func problems(results []RowResult) [][]string {
	out := make([][]string, len(results))
	for i, r := range results {
		for _, e := range r.Errors {
			out[i] = append(out[i], e.Column+":"+e.Message.ID)
		}
	}
	return out
}

func TestCheckRowsReportsEveryProblem(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t)
	ctx := context.Background()
	f.add(t, "Lead capture")     // CRM-1, version 1
	stale := f.add(t, "Scoring") // CRM-2, edited below: version 2
	in := InputOf(stale)
	in.Tier = Optional
	if _, err := Update(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.user.ID), f.project.ID, 2, in); err != nil {
		t.Fatal(err)
	}
	file := f.read(t, "key|title|tier|phase|kind|approach|owner|goals|status|estimate|version\n"+
		"|A|urgent|implementation|feature|configuration||||3|\n"+ // 2 unknown tier
		"|B|must|Phase 9|feature|configuration||||3|\n"+ // 3 unknown phase
		"|C|must||feature|configuration|nobody@example.com||||\n"+ // 4 unknown owner
		"|D|must||feature|configuration|OUT@example.com||||\n"+ // 5 owner not a member
		"|E|must||feature|configuration||Churn; Lead conversion|||\n"+ // 6 unknown goal
		"|F|must||feature|configuration||||three|\n"+ // 7 bad estimate
		"CRM-99|G|must||feature|configuration|||||1\n"+ // 8 unknown key
		"CRM-2|H|must||feature|configuration|||||1\n"+ // 9 stale version
		"ERP-1|I|must||feature|configuration|||||1\n"+ // 10 another project's key
		"CRM-1|J|must||feature|configuration||||-2|\n"+ // 11 no version, negative estimate
		"1|K|must||feature|configuration|||||1\n"+ // 12 the same requirement again
		"||||gadget|customised||#999; Quote cycle|maybe||\n"+ // 13 everything else
		"|"+strings.Repeat("x", 301)+"|must||other|custom|Nobody Known||||\n"+ // 14 too long; a name is no email
		"|Good|必须|IMPLEMENTATION|数据迁移|定制开发|li.na@example.com|#"+itoa(f.goals[2].ID)+"；线索重复录入|进行中|2.5 天|")
	results, ok, err := CheckRows(ctx, f.db, f.project.ID, file)
	if err != nil || ok {
		t.Fatalf("ok %v err %v", ok, err)
	}
	want := [][]string{
		{"tier:reqimport.unknown_value"},
		{"phase:reqimport.unknown_phase"},
		{"owner:reqimport.unknown_owner"},
		{"owner:reqimport.owner_not_member"},
		{"goals:reqimport.unknown_goal"},
		{"estimate:reqimport.bad_estimate"},
		{"key:reqimport.unknown_key"},
		{"key:reqimport.stale"},
		{"key:reqimport.bad_key"},
		{"estimate:reqimport.bad_estimate", "version:reqimport.version_missing"},
		{"key:reqimport.duplicate_key"},
		{"title:reqimport.required", "tier:reqimport.required", "kind:reqimport.unknown_value", "approach:reqimport.unknown_value",
			"goals:reqimport.unknown_goal_id", "goals:reqimport.ambiguous_goal", "status:reqimport.unknown_value"},
		{"title:validation.max_len", "owner:reqimport.unknown_owner_name"},
		nil,
	}
	got := problems(results)
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("line %d: %q, want %q", results[i].Line, got[i], want[i])
		}
	}
	// The messages carry what the user needs to fix the row.
	if d := results[1].Errors[0].Message.Data; d["Value"] != "Phase 9" || !strings.HasPrefix(d["Phases"].(string), "Initiation, Selection, Implementation") {
		t.Errorf("unknown phase data %v", d)
	}
	if d := results[7].Errors[0].Message.Data; d["Key"] != "CRM-2" {
		t.Errorf("stale data %v", d)
	}
	if d := results[0].Errors[0].Message.Data; d["Value"] != "urgent" || d["Allowed"] != "Must, Important, Optional (必须, 重要, 可选)" {
		t.Errorf("unknown tier data %v", d)
	}
	good := results[len(results)-1]
	in = good.Input()
	if good.Action != ActionCreate || in.Tier != Must || in.Kind != DataMigration || in.Approach != Customization ||
		in.Status != InProgress || *in.EstimateDays != 2.5 || *in.PhaseID != f.phases[2].ID || *in.OwnerID != f.owner.ID ||
		!slices.Equal(in.GoalIDs, []int64{f.goals[2].ID, f.goals[1].ID}) || good.PhaseName != "Implementation" || good.OwnerName != "Li Na" {
		t.Fatalf("good row %+v %+v", good, in)
	}
	if n := f.countRows(t, "requirements", "true"); n != 2 {
		t.Fatalf("checking wrote: %d requirements", n)
	}
}

func TestParseHelpers(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]int{"CRM-42": 42, "crm-7": 7, " 42 ": 42, "#3": 3, "ＣＲＭ－５": 5, "": 0} {
		if n, ok := parseKey(s, "CRM"); !ok || n != want {
			t.Errorf("key %q: %d %v", s, n, ok)
		}
	}
	for _, s := range []string{"ERP-1", "CRM-0", "CRM-x", "-3", "+3", "CRM-", "1.5"} {
		if _, ok := parseKey(s, "CRM"); ok {
			t.Errorf("key %q accepted", s)
		}
	}
	for s, want := range map[string]float64{"3": 3, "2.5": 2.5, "2,5": 2.5, ".5": 0.5, "3 days": 3, "1d": 1, "５人天": 5, "1,5 天": 1.5, "0": 0} {
		if d, m := ParseEstimate(s); m != nil || d != want {
			t.Errorf("days %q: %v %v", s, d, m)
		}
	}
	for _, s := range []string{"-1", "NaN", "Inf", "1e400", "1e3", "+3", "three", "days", "200000"} {
		if _, m := ParseEstimate(s); m == nil || m.ID != "requirement.estimate_invalid" {
			t.Errorf("days %q: %v, want refused", s, m)
		}
	}
	for _, s := range []string{"1,500", "12,000 days"} {
		if _, m := ParseEstimate(s); m == nil || m.ID != "validation.number_ambiguous" || m.Data["Value"] != s {
			t.Errorf("days %q: %v, want refused as ambiguous", s, m)
		}
	}
	for s, want := range map[string][]string{
		"a; b ；c":             {"a", "b", "c"},
		"one; still one\ntwo": {"one; still one", "two"},
		"\r\n x \r\n\r\n":     {"x"},
		"":                    {},
	} {
		if got := SplitCriteria(s); !slices.Equal(got, want) {
			t.Errorf("criteria %q: %q", s, got)
		}
	}
	for enum, words := range map[string][]string{
		"tier":     {"must", "MUST", "必须", "Must have", "重要", "可选", "Optional"},
		"kind":     {"data_migration", "Data Migration", "data-migration", "数据迁移", "变革管理", "Change management", "报表"},
		"approach": {"customisation", "Customization", "定制开发", "配置"},
		"status":   {"in_progress", "In progress", "进行中", "已完成", "Deferred"},
	} {
		for _, w := range words {
			if _, ok := ParseLabel(enum, w); !ok {
				t.Errorf("%s %q not understood", enum, w)
			}
		}
	}
	if Guard("=1+1") != "'=1+1" || Guard("-x") != "'-x" || Guard("ok") != "ok" || unguard(Guard("@sum")) != "@sum" || unguard("'quoted") != "'quoted" {
		t.Error("guard")
	}
}

func TestImportIsAllOrNothing(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t)
	ctx := context.Background()
	f.add(t, "Lead capture")
	file := f.read(t, "key|title|tier|kind|approach|phase\n"+
		"|Quote approval|must|feature|configuration|Implementation\n"+
		"CRM-1|Lead capture from the web|must|feature|configuration|\n"+ // no version column
		"|Visit report|important|feature|configuration|Rollout")
	results, err := Import(ctx, f.db, f.user.ID, f.project.ID, file)
	if m := invalidOn(t, err, "file"); m.ID != "reqimport.rows_invalid" {
		t.Fatalf("%+v", m)
	}
	if p := problems(results); len(p[0]) != 0 || !slices.Equal(p[1], []string{"version:reqimport.version_missing"}) {
		t.Fatalf("problems %q", p)
	}
	if n := f.countRows(t, "requirements", "true"); n != 1 {
		t.Fatalf("%d requirements after a refused import", n)
	}
	if n := f.countRows(t, "audit_entries", "ref = 'import'"); n != 0 {
		t.Fatalf("%d audit entries after a refused import", n)
	}
	if r, _ := Get(ctx, f.db, f.project.ID, 1); r.Title != "Lead capture" || r.Version != 1 {
		t.Fatalf("changed by a refused import: %+v", r)
	}
	var seq int
	if err := f.db.NewSelect().Table("projects").Column("requirement_seq").Where("id = ?", f.project.ID).Scan(ctx, &seq); err != nil || seq != 1 {
		t.Fatalf("numbers taken by a refused import: %d %v", seq, err)
	}
}

func TestImportUpdatesByKeyAndAppendsNewRows(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t)
	ctx := context.Background()
	first := f.add(t, "Lead capture")
	in := InputOf(first)
	in.UserStory, in.AcceptanceCriteria, in.Status = "As a rep I want web leads in the CRM", []string{"form posts create leads"}, Approved
	in.GoalIDs = []int64{f.goals[0].ID}
	if _, err := Update(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.user.ID), f.project.ID, 1, in); err != nil {
		t.Fatal(err)
	}
	f.add(t, "Lead scoring") // CRM-2, at the bottom before the import

	// No story, criteria, goals or status columns: an update keeps those fields.
	file := f.read(t, "Key|Title|Tier|Kind|Approach|Phase|Owner email|Version\n"+
		"|ERP order sync|important|integration|customization|Rollout||\n"+
		"crm-1|Lead capture from the website|must|feature|configuration|implementation|li.na@example.com|2\n"+
		"|Customer 360 view|must|feature|configuration|||")
	results, err := Import(ctx, f.db, f.user.ID, f.project.ID, file)
	if err != nil {
		t.Fatalf("%v %q", err, problems(results))
	}
	if results[0].Action != ActionCreate || results[0].Number != 3 || results[1].Action != ActionUpdate || results[1].Number != 1 ||
		!slices.Equal(results[1].Changed, []string{"title", "phase", "owner"}) || results[2].Number != 4 {
		t.Fatalf("results %+v", results)
	}
	r, _ := Get(ctx, f.db, f.project.ID, 1)
	if r.Title != "Lead capture from the website" || r.Version != 3 || *r.PhaseID != f.phases[2].ID || *r.OwnerID != f.owner.ID ||
		r.UserStory != in.UserStory || !slices.Equal(r.AcceptanceCriteria, in.AcceptanceCriteria) || r.Status != Approved ||
		!slices.Equal(r.GoalIDs, in.GoalIDs) {
		t.Fatalf("updated %+v", r)
	}
	// New rows are appended in the order of the file.
	if order := f.order(t); !slices.Equal(order, []int{1, 2, 3, 4}) {
		t.Fatalf("order %v", order)
	}
	if n := f.countRows(t, "audit_entries", "ref = 'import' AND entity = 'requirement'"); n != 3 {
		t.Fatalf("%d audit entries with ref import", n)
	}
	// The same file again: the key row is stale now, and nothing is written.
	results, err = Import(ctx, f.db, f.user.ID, f.project.ID, file)
	if invalidOn(t, err, "file").ID != "reqimport.rows_invalid" || !slices.Equal(problems(results)[1], []string{"key:reqimport.stale"}) {
		t.Fatalf("second import: %v %q", err, problems(results))
	}
	if n := f.countRows(t, "requirements", "true"); n != 4 {
		t.Fatalf("%d requirements after the stale import", n)
	}
}

// A checked file with new rows is refused once requirements have been
// added since the check: a confirmation sent twice adds nothing twice.
func TestImportRefusesNewRowsOnceTheBacklogMoved(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t)
	ctx := context.Background()
	file := f.read(t, "title|tier|kind|approach\nLead capture|must|feature|configuration")
	if _, ok, err := CheckRows(ctx, f.db, f.project.ID, file); !ok || err != nil || file.Seq == nil || *file.Seq != 0 {
		t.Fatalf("check: %v %v %v", ok, err, file.Seq)
	}
	if _, err := Import(ctx, f.db, f.user.ID, f.project.ID, file); err != nil {
		t.Fatal(err)
	}
	_, err := Import(ctx, f.db, f.user.ID, f.project.ID, file)
	if m := invalidOn(t, err, "file"); m.ID != "reqimport.backlog_moved" {
		t.Fatalf("second import: %+v", m)
	}
	if n := f.countRows(t, "requirements", "true"); n != 1 {
		t.Fatalf("%d requirements", n)
	}
}

// An exported backlog imports back as it is: every row unchanged, nothing
// written, in English and in Chinese, through CSV-like text cells.
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t)
	ctx := context.Background()
	third := 1.0 / 3
	zero := 0.0
	for _, in := range []Input{
		{Title: "Lead capture", UserStory: "As a rep\r\nI want leads", AcceptanceCriteria: []string{"one; with a semicolon"},
			Tier: Must, PhaseID: &f.phases[2].ID, Kind: Feature, Approach: Configuration, OwnerID: &f.owner.ID,
			GoalIDs: []int64{f.goals[0].ID, f.goals[2].ID, f.goals[4].ID}, EstimateDays: &third},
		{Title: "=HYPERLINK(\"x\")", AcceptanceCriteria: []string{"-first", "+second", "@third"}, Tier: Optional,
			Kind: ChangeManagement, Approach: Customization, Status: Deferred, EstimateDays: &zero, GoalIDs: []int64{f.goals[1].ID}},
		{Title: "数据清洗", UserStory: "作为数据负责人，我希望去重", Tier: Important, Kind: DataMigration, Approach: Configuration,
			PhaseID: &f.phases[1].ID, OwnerID: &f.owner.ID, Status: InProgress},
	} {
		if _, err := Create(ctx, f.db, f.user.ID, f.project.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	// Li Na leaves the project: her requirements keep her, and so does the round trip.
	if _, err := f.db.NewDelete().Table("members").Where("user_id = ?", f.owner.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	auditBefore := f.countRows(t, "audit_entries", "true")
	for _, chinese := range []bool{false, true} {
		header, rows, err := Export(ctx, f.db, f.project.ID, Filter{}, chinese)
		if err != nil || len(rows) != 3 {
			t.Fatalf("export: %d rows, %v", len(rows), err)
		}
		cells := [][]string{header}
		for _, r := range rows {
			line := make([]string, len(r))
			for i, v := range r {
				line[i] = Guard(CellText(v))
			}
			cells = append(cells, line)
		}
		if chinese && (cells[1][4] != "必须" || cells[2][7] != "定制开发" || cells[2][10] != "已推迟" || cells[3][10] != "进行中") {
			t.Fatalf("chinese words %q", cells)
		}
		if !chinese && (cells[1][0] != "CRM-1" || cells[1][9] != "Lead conversion; #"+itoa(f.goals[2].ID)+"; #"+itoa(f.goals[4].ID) ||
			cells[1][11] != "0.3333333333333333" || cells[2][1] != `'=HYPERLINK("x")` || cells[2][3] != "'-first\n+second\n@third" || cells[1][12] != "1") {
			t.Fatalf("english cells %q", cells)
		}
		file, err := ReadRows(cells)
		if err != nil {
			t.Fatal(err)
		}
		results, err := Import(ctx, f.db, f.user.ID, f.project.ID, file)
		if err != nil {
			t.Fatalf("chinese %v: %v %q", chinese, err, problems(results))
		}
		for _, r := range results {
			if r.Action != ActionUnchanged {
				t.Errorf("chinese %v: line %d %s %q", chinese, r.Line, r.Action, r.Changed)
			}
		}
	}
	if n := f.countRows(t, "audit_entries", "true"); n != auditBefore {
		t.Fatalf("a round trip wrote %d audit entries", n-auditBefore)
	}
	// A filtered export holds just the filtered rows.
	_, rows, err := Export(ctx, f.db, f.project.ID, Filter{Tier: Must, Limit: 1, After: 1}, false)
	if err != nil || len(rows) != 1 || rows[0][1] != "Lead capture" {
		t.Fatalf("filtered export %q %v", rows, err)
	}
}

// FuzzReadRequirementRows feeds arbitrary sheets to the header mapping and
// the row reader: they may refuse them, never panic, and every row returned
// is a real data row of the sheet.
func FuzzReadRequirementRows(f *testing.F) {
	f.Add("title|tier|kind|approach\nLead capture|must|feature|configuration")
	f.Add("编号|标题|优先级|类型|实现方式|版本\nCRM-1|线索|必须|功能|配置|1\n|||||\nCRM-2|'=x|重要|报表|定制开发|")
	f.Add("")
	f.Add("\n\n")
	f.Add("title|tier\nx|y")
	f.Add("key|title|title|tier|kind|approach|goals\n1\n||||||||||\nx|y")
	f.Fuzz(func(t *testing.T, s string) {
		rows := sheetOf(s)
		file, err := ReadRows(rows)
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Fields["file"].ID == "" {
				t.Fatalf("error without a message: %v", err)
			}
			return
		}
		if len(file.Rows) == 0 {
			t.Fatal("no error and no rows")
		}
		for _, c := range Columns {
			if c.Required && !file.Has(c.Key) {
				t.Fatalf("no %s column, yet read", c.Key)
			}
		}
		last := 1
		for _, r := range file.Rows {
			if r.Line <= last || r.Line > len(rows) {
				t.Fatalf("line %d after %d of %d", r.Line, last, len(rows))
			}
			last = r.Line
			if blank := strings.TrimSpace(strings.Join(rows[r.Line-1], "")) == ""; blank {
				t.Fatalf("blank line %d returned as a row", r.Line)
			}
		}
	})
}
