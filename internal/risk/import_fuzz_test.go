package risk

import (
	"errors"
	"strings"
	"testing"

	"rollout/internal/apperr"
)

// FuzzReadRiskRows feeds arbitrary sheets (NUL bytes, huge numbers, byte
// order marks, ragged rows among the seeds) to the row reader: it may
// refuse them with a message on the file, never panic, and every row it
// returns is a non-blank row of the sheet with the columns of the header.
func FuzzReadRiskRows(f *testing.F) {
	f.Add("title,category,probability,impact\nData too dirty,Data migration,4,3")
	f.Add("\ufeff标题,类别,可能性,影响,负责人邮箱\n数据太脏,数据迁移,４,3,pm@example.com\n,,,\nx\x00,y,1e308,-1e309,,,,")
	f.Add("title,category,probability,impact,title\n1\n,,,,,,,\nx,y")
	f.Add("")
	f.Add("\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		var rows [][]string
		for _, line := range strings.Split(s, "\n") {
			rows = append(rows, strings.Split(line, ","))
		}
		out, err := ReadRows(rows)
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Fields["file"].ID == "" {
				t.Fatalf("error without a message: %v", err)
			}
			return
		}
		if len(out) == 0 {
			t.Fatal("no error and no rows")
		}
		last := 0
		for _, r := range out {
			if r.Line <= last || r.Line > len(rows) || strings.TrimSpace(strings.Join(rows[r.Line-1], "")) == "" {
				t.Fatalf("line %d after %d of %d", r.Line, last, len(rows))
			}
			last = r.Line
			for _, key := range requiredColumns {
				if _, ok := r.Cells[key]; !ok {
					t.Fatalf("row without a %s cell", key)
				}
			}
		}
	})
}
