package sheet

import (
	"errors"
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

// ErrAmbiguous is a number such as "1,500" whose comma may separate
// thousands or decimals: one reader means 1500, another 1.5.
var ErrAmbiguous = errors.New("sheet: a comma that may be a thousands separator or a decimal comma")

// Commas says what a single comma means in a quantity, the one thing in
// which the quantities people type differ.
type Commas int

const (
	// Thousands is for amounts of money and measured figures, which run into
	// thousands: "1,234" is 1234, and "12,5" is refused rather than read as 125.
	Thousands Commas = iota
	// DecimalComma is for small quantities such as days of effort, often typed
	// with a decimal comma: "1,5" is 1.5, and "1,500" is refused (ErrAmbiguous).
	DecimalComma
)

// ParseNumber reads an amount or a figure as people type it in a form or a
// cell: "12.5", "1,234", "1,234.5", full-width digits from a Chinese input
// method, the typeset minus sign. It is ParseQuantity with Thousands.
func ParseNumber(s string) (float64, error) { return ParseQuantity(s, Thousands) }

// ParseQuantity is the one reader of the numbers people type, in forms and
// spreadsheets alike. A comma with a dot after it, or several commas, only
// separates thousands ("1,234.5", "1,234,567"); a single comma reads as
// commas says. The result is finite; the range is the caller's rule.
func ParseQuantity(s string, commas Commas) (float64, error) {
	s = width.Narrow.String(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, "−", "-")
	switch n := strings.Count(s, ","); {
	case n == 0:
	case commas == Thousands || n > 1 || strings.Contains(s, "."):
		if !thousands.MatchString(s) {
			return 0, strconv.ErrSyntax
		}
		s = strings.ReplaceAll(s, ",", "")
	case thousands.MatchString(s):
		return 0, ErrAmbiguous
	default:
		s = strings.Replace(s, ",", ".", 1)
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
