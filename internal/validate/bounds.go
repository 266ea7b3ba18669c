package validate

import (
	"math"
	"reflect"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
)

// The bounds of every quantity Rollout stores, in one place. Each is far
// beyond anything a real CRM project reaches, and small enough that no sum or
// average over stored rows can overflow:
//
//   - Money (budget lines, spend entries, a change's cost): |x| < 10^13.
//     Sums run in double precision (SQL sum(float8) and Go float64), whose
//     largest finite value is ~1.8·10^308; overflowing it would take more than
//     10^295 rows. A bigint has 9.2·10^18; money is never summed into one.
//   - Days (estimates, effort, a change's schedule impact): |x| < 36,500
//     (a century). Estimates are summed in float8 (as above); schedule_days is
//     an integer column (±2.1·10^9) and is never summed in SQL; in Go a sum of
//     int would need 2.5·10^14 rows to overflow int64. Shifting a date by
//     36,499 days stays inside PostgreSQL's date range.
//   - Goal values (baseline, target, measurements): |x| ≤ 10^12 (counts of
//     customers or currency amounts, but not astronomy). Progress divides by
//     target − baseline, at most 2·10^12 in size, so a ratio of two bounded
//     values stays finite; averages of ratios are finite too.
//   - Scores (risk probability and impact): 1–5; a score is their product.
//   - Percentages: 0–100.
//   - Counts of people or records (adoption figures): whole numbers 0–10^9.
//     A week's sum over every department stays far inside int64.
//
// Migration 0015 repeats these bounds as CHECK constraints, so rows written
// by any path (an old version, SQL by hand) obey them too, and clamps rows
// stored before the bounds existed.
const (
	MaxMoney     = 1e13
	MaxDays      = 36500
	MaxGoalValue = 1e12
	MaxCount     = 1e9
)

func registerBounds(val *validator.Validate) {
	must := func(tag string, fn validator.Func) {
		if err := val.RegisterValidation(tag, fn); err != nil {
			panic(err)
		}
	}
	must("money", func(fl validator.FieldLevel) bool { return inRange(fl.Field(), -MaxMoney, MaxMoney, false) })
	must("days", func(fl validator.FieldLevel) bool { return inRange(fl.Field(), -MaxDays, MaxDays, false) })
	must("goalvalue", func(fl validator.FieldLevel) bool {
		return inRange(fl.Field(), -MaxGoalValue, MaxGoalValue, true)
	})
	must("score", func(fl validator.FieldLevel) bool { return inRange(fl.Field(), 1, 5, true) })
	must("count", func(fl validator.FieldLevel) bool { return inRange(fl.Field(), 0, MaxCount, true) })
	must("percent", func(fl validator.FieldLevel) bool { return inRange(fl.Field(), 0, 100, true) })
	must("text", func(fl validator.FieldLevel) bool {
		return fl.Field().Kind() != reflect.String || CleanText(fl.Field().String())
	})
}

// inRange reports whether a number is finite and lo < x < hi (lo ≤ x ≤ hi
// when closed). Values of other kinds are not numbers and fail.
func inRange(v reflect.Value, lo, hi float64, closed bool) bool {
	var x float64
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		x = v.Float()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x = float64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		x = float64(v.Uint())
	default:
		return false
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return false
	}
	if closed {
		return x >= lo && x <= hi
	}
	return x > lo && x < hi
}

// CleanText reports whether s is valid UTF-8 without control characters
// other than tab, line feed and carriage return (browsers send CRLF from a
// textarea). PostgreSQL refuses NUL in text, and the others only hide things.
func CleanText(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return false
		}
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return false
		}
		i += size
	}
	return true
}

// boundMessage names the message of a bound tag; "" for other tags.
func boundMessage(tag string) (string, []any) {
	switch tag {
	case "money":
		return "validation.money", []any{"Max", "10,000,000,000,000"}
	case "days":
		return "validation.days", []any{"Max", strconv.Itoa(MaxDays - 1)}
	case "goalvalue":
		return "validation.goal_value", []any{"Max", "1,000,000,000,000"}
	case "score":
		return "validation.score", nil
	case "count":
		return "validation.count", []any{"Max", "1,000,000,000"}
	case "percent":
		return "validation.percent", nil
	case "text":
		return "validation.text", nil
	}
	return "", nil
}
