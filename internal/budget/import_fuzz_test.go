package budget

import (
	"errors"
	"math"
	"strings"
	"testing"

	"rollout/internal/apperr"
)

// FuzzReadSpendRows feeds arbitrary sheets (NUL bytes, huge numbers, byte
// order marks, ragged rows among the seeds) to the row reader and each
// amount to ParseAmount: they may refuse, never panic; rows returned are
// non-blank rows of the sheet and amounts read are finite.
func FuzzReadSpendRows(f *testing.F) {
	f.Add("date,amount,category,note\n2026-03-01,\"1,500.00\",Licences,x")
	f.Add("\ufeff日期,金额,预算科目\n2026/3/1,１２,许可证\n,,\n2026-03-02,1e308,x\x00\n2026-03-03,-1e309")
	f.Add("date,amount,category\n1\n,,,,,,\nx,179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000,y")
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
			if v, err := ParseAmount(r.Amount); err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
				t.Fatalf("amount %q read as %v", r.Amount, v)
			}
		}
	})
}
