package sheet

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"

	"rollout/internal/date"
)

// dayLayouts are the ways people write a day with the year first; anything
// day- or month-first (03/01/26) is ambiguous and refused.
var dayLayouts = []string{date.Layout, "2006-1-2", "2006/1/2", "2006.1.2", "2006年1月2日"}

// ParseDay reads a day from a cell: YYYY-MM-DD, or written with slashes, dots
// or 年月日, full-width digits too; a time of day after it (as some
// spreadsheets add) is ignored. Every import reads days this way.
func ParseDay(s string) (date.Date, error) {
	s = width.Narrow.String(strings.TrimSpace(s))
	if i := strings.IndexAny(s, " T"); i > 0 {
		s = s[:i]
	}
	for _, l := range dayLayouts {
		// Years before 1900 are typing mistakes (and year 0 is no date PostgreSQL keeps).
		if t, err := time.Parse(l, s); err == nil && t.Year() >= 1900 {
			return date.Of(t), nil
		}
	}
	return date.Date{}, strconv.ErrSyntax
}

var (
	decimal   = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$`)
	thousands = regexp.MustCompile(`^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$`)
)

// ParseNumber reads a number from a cell as people type it: "12.5", "1,234",
// full-width digits from a Chinese input method, the typeset minus sign. A
// comma is only a thousands separator: "12,5" is refused rather than read as 125.
func ParseNumber(s string) (float64, error) {
	s = width.Narrow.String(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, "−", "-")
	if strings.Contains(s, ",") {
		if !thousands.MatchString(s) {
			return 0, strconv.ErrSyntax
		}
		s = strings.ReplaceAll(s, ",", "")
	}
	if !decimal.MatchString(s) {
		return 0, strconv.ErrSyntax
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, strconv.ErrSyntax
	}
	return f, nil
}
