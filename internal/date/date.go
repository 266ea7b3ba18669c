// Package date is a calendar day without a time or zone: planned dates, due
// dates, measurement dates. It reads and writes YYYY-MM-DD in JSON, forms and
// spreadsheets, and PostgreSQL's date type; the zero Date is "no date" (NULL, null, "").
package date

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Layout is the one text form of a date.
const Layout = "2006-01-02"

// Date is a day. The zero value means no date.
type Date struct {
	t time.Time // midnight UTC, or zero
}

// Of returns the day of t in t's own location.
func Of(t time.Time) Date {
	y, m, d := t.Date()
	return New(y, m, d)
}

// New returns the given day.
func New(y int, m time.Month, d int) Date {
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// Today is the current day in UTC.
func Today() Date { return Of(time.Now().UTC()) }

// Parse reads YYYY-MM-DD; an empty string is the zero Date.
func Parse(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, nil
	}
	t, err := time.Parse(Layout, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", s)
	}
	return Date{t}, nil
}

// IsZero reports whether d is no date.
func (d Date) IsZero() bool { return d.t.IsZero() }

// Time is midnight UTC of the day.
func (d Date) Time() time.Time { return d.t }

// String is YYYY-MM-DD, or "" for no date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(Layout)
}

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }

// After reports whether d is a later day than e.
func (d Date) After(e Date) bool { return d.t.After(e.t) }

// AddDays returns the day n days later (earlier for negative n).
func (d Date) AddDays(n int) Date {
	if d.IsZero() {
		return d
	}
	return Date{d.t.AddDate(0, 0, n)}
}

// DaysUntil is the number of days from d to e (negative when e is earlier).
func (d Date) DaysUntil(e Date) int {
	return int(e.t.Sub(d.t).Hours() / 24)
}

// MarshalJSON writes "YYYY-MM-DD" or null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "YYYY-MM-DD", "" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a date must be a string in the form YYYY-MM-DD")
	}
	p, err := Parse(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// MarshalText and UnmarshalText let forms and query strings carry dates.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD or "".
func (d *Date) UnmarshalText(b []byte) error {
	p, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// Value stores the day, or NULL for no date.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a PostgreSQL date.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		*d = New(v.Year(), v.Month(), v.Day())
	case string:
		return d.UnmarshalText([]byte(v))
	case []byte:
		return d.UnmarshalText(v)
	default:
		return fmt.Errorf("date: cannot scan %T", src)
	}
	return nil
}
