package risk

import (
	"context"
	"strings"
	"testing"

	"rollout/internal/apperr"
)

func vocab() *Vocabulary {
	v := NewVocabulary()
	v.AddCategory("Data migration", DataMigration)
	v.AddCategory("数据迁移", DataMigration)
	v.AddStatus("Mitigating", Mitigating)
	v.AddStatus("缓解中", Mitigating)
	return v
}

func problems(r RowResult) string {
	var s []string
	for _, p := range r.Problems {
		s = append(s, p.Column+":"+p.Message.ID)
	}
	return strings.Join(s, " ")
}

func TestReadRowsNeedsItsColumns(t *testing.T) {
	t.Parallel()
	_, err := ReadRows([][]string{{"title", "category"}, {"x", "vendor"}})
	if !apperr.Is(err, apperr.KindInvalid) || err.(*apperr.Error).Fields["file"].Data["Columns"] != "probability, impact" {
		t.Fatalf("missing columns: %v", err)
	}
	if _, err := ReadRows([][]string{{"", ""}, {"标题", "类别", "可能性", "影响"}}); !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("no data rows: %v", err)
	}
	rows, err := ReadRows([][]string{{" ", ""}, {"标题", "类别", "可能性", "影响", "负责人邮箱", "ignored"}, {"数据太脏", "数据迁移", "４", "3", "pm@example.com", "x"}, {"", ""}})
	if err != nil || len(rows) != 1 || rows[0].Line != 3 || rows[0].Cells["title"] != "数据太脏" || rows[0].Cells["owner_email"] != "pm@example.com" {
		t.Fatalf("rows %+v %v", rows, err)
	}
	if _, present := rows[0].Cells["status"]; present {
		t.Fatal("a column that is not in the sheet is in the cells")
	}
}

func TestImportWritesAllRowsOrNone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	existing := f.create(t, f.input(3, 4))
	header := []string{"key", "title", "category", "probability", "impact", "residual probability", "residual impact",
		"owner email", "status", "next review", "mitigation", "version"}
	sheetRows := func(rows ...[]string) []ImportRow {
		t.Helper()
		out, err := ReadRows(append([][]string{header}, rows...))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	bad := sheetRows(
		[]string{"", "Vendor team too thin", "vendor", "2", "4", "", "", "li@example.com", "", "2026/7/1", "Named consultants", ""},
		[]string{"", "Rain", "weather", "0", "6", "2", "", "nobody@example.com", "asleep", "next week", "", ""},
		[]string{"CRM-R-9", "Ghost", "vendor", "2", "2", "", "", "pm@example.com", "", "", "", ""},
		[]string{"", "Viewer owns it", "scope", "2", "2", "", "", "vic@example.com", "", "", "", ""},
		[]string{"CRM-R-1", "Renamed", "vendor", "2", "2", "", "", "pm@example.com", "", "", "", "7"},
		[]string{"", "", "scope", "3", "3", "", "", "", "", "", "", ""},
	)
	results, err := Import(ctx, f.db, f.pm.ID, f.project.ID, bad, vocab(), f.today)
	if !apperr.Is(err, apperr.KindInvalid) || len(results) != 6 {
		t.Fatalf("bad import: %v, %d results", err, len(results))
	}
	for i, want := range []string{
		"",
		"category:risk_import.bad_category status:risk_import.bad_status probability:risk.probability_range impact:risk.impact_range " +
			"next_review:risk_import.bad_date owner_email:risk_import.unknown_owner residual_impact:risk.residual_both",
		"key:risk_import.unknown_key",
		"owner_email:risk.owner_viewer",
		"version:risk_import.stale",
		"title:validation.required owner_email:risk.owner_required",
	} {
		got := problems(results[i])
		for _, w := range strings.Fields(want) {
			if !strings.Contains(got, w) {
				t.Errorf("line %d: %q lacks %s", results[i].Line, got, w)
			}
		}
		if want == "" && got != "" {
			t.Errorf("line %d: unexpected %q", results[i].Line, got)
		}
	}
	if n := count(t, f.db, "risks"); n != 1 {
		t.Fatalf("%d risks after a refused import", n)
	}
	if got, _ := Get(ctx, f.db, f.project.ID, 1); got.Title != existing.Title || got.Version != 1 {
		t.Fatalf("existing risk changed: %+v", got)
	}

	// A good file: one update by key (columns left out keep their values), two new risks.
	header = []string{"编号", "标题", "类别", "可能性", "影响", "剩余可能性", "剩余影响", "负责人邮箱", "状态", "下次评审", "版本"}
	good := sheetRows(
		[]string{"crm-r-1", "Mock migration fails twice", "数据迁移", "4", "5", "2", "3", "li@example.com", "缓解中", "2026-07-01", "1"},
		[]string{"", "Vendor team too thin", "vendor", "2", "4", "", "", "pm@example.com", "", "2026年7月1日", ""},
		[]string{"", "Users resist", "adoption", "4.0", "4", "", "", "li@example.com", "open", "", ""},
	)
	results, err = Import(ctx, f.db, f.pm.ID, f.project.ID, good, vocab(), f.today)
	if err != nil {
		t.Fatalf("good import: %v %+v", err, results)
	}
	if results[0].Key != "CRM-R-1" || results[1].Key != "CRM-R-2" || results[2].Key != "CRM-R-3" {
		t.Fatalf("keys %s %s %s", results[0].Key, results[1].Key, results[2].Key)
	}
	up, _ := GetView(ctx, f.db, f.project.ID, 1, f.today)
	if up.Title != "Mock migration fails twice" || up.Score != 20 || *up.ResidualScore != 6 || up.Status != Mitigating ||
		up.OwnerID != f.member.ID || up.Mitigation != "Two full rehearsals" || up.NextReviewOn.String() != "2026-07-01" || up.Version != 2 {
		t.Fatalf("updated risk %+v", up)
	}
	nw, _ := GetView(ctx, f.db, f.project.ID, 2, f.today)
	if nw.Status != Open || nw.Category != Vendor || nw.NextReviewOn.String() != "2026-07-01" || nw.IdentifiedOn != f.today {
		t.Fatalf("new risk %+v", nw)
	}
	// The same key twice in one file is refused.
	twice := sheetRows(
		[]string{"1", "A", "vendor", "2", "2", "", "", "pm@example.com", "", "", ""},
		[]string{"CRM-R-1", "B", "vendor", "2", "2", "", "", "pm@example.com", "", "", ""},
	)
	results, _, err = CheckRows(ctx, f.db, f.project.ID, twice, vocab(), f.today)
	if err != nil || problems(results[1]) != "key:risk_import.duplicate_key" {
		t.Fatalf("duplicate key: %v %q", err, problems(results[1]))
	}
}

// FuzzReadRows: no sheet, however odd, makes the reader panic, and every row
// it returns has cells only for columns it knows.
func FuzzReadRows(f *testing.F) {
	f.Add("title,category,probability,impact\nx,vendor,2,3")
	f.Add("编号,标题,类别,可能性,影响\nCRM-R-1,数据太脏,数据迁移,4,3\n,,,,")
	f.Add("\n\nkey,title\n")
	f.Fuzz(func(t *testing.T, s string) {
		var rows [][]string
		for _, line := range strings.Split(s, "\n") {
			rows = append(rows, strings.Split(line, ","))
		}
		out, err := ReadRows(rows)
		if err != nil {
			return
		}
		for _, r := range out {
			for k := range r.Cells {
				if _, ok := columns[k]; !ok {
					t.Fatalf("unknown column %q", k)
				}
			}
		}
	})
}
