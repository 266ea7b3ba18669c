package web

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/change"
	"rollout/internal/requirement"
	"rollout/internal/risk"
)

// queryReader reads a list's filters from the query string. A value that
// does not parse or names nothing is a problem reported for its parameter
// (422 naming it, on a page and in the API alike), never a filter quietly
// dropped: a list shown unfiltered looks like an answer and is not one. An
// absent or empty parameter filters nothing.
type queryReader struct {
	c      *fiber.Ctx
	fields map[string]apperr.Message
}

func newQueryReader(c *fiber.Ctx) *queryReader {
	return &queryReader{c: c, fields: map[string]apperr.Message{}}
}

func (q *queryReader) bad(name, value string) {
	if len([]rune(value)) > 40 {
		value = string([]rune(value)[:40]) + "…"
	}
	q.fields[name] = apperr.Msg("validation.filter", "Value", value)
}

// text is a parameter's value, copied (Fiber's strings die with the request).
func (q *queryReader) text(name string) string {
	return strings.Clone(strings.TrimSpace(q.c.Query(name)))
}

// id reads a positive id; "" and "0" (the pages' "anyone") are 0.
func (q *queryReader) id(name string) int64 {
	s := q.text(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		q.bad(name, s)
		return 0
	}
	return n
}

// int64 reads any whole number (a keyset cursor); "" is 0.
func (q *queryReader) int64(name string) int64 {
	s := q.text(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		q.bad(name, s)
	}
	return n
}

// intIn reads a whole number within [lo, hi]; "" is 0.
func (q *queryReader) intIn(name string, lo, hi int) int {
	s := q.text(name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		q.bad(name, s)
		return 0
	}
	return n
}

// word reads one of the allowed values; "" is "".
func word[T ~string](q *queryReader, name string, allowed []T) T {
	s := q.text(name)
	if s == "" {
		return ""
	}
	if !slices.Contains(allowed, T(s)) {
		q.bad(name, s)
		return ""
	}
	return T(s)
}

// flag reads a yes/no switch: 1/true or 0/false.
func (q *queryReader) flag(name string) bool {
	switch s := q.text(name); s {
	case "", "0", "false":
		return false
	case "1", "true":
		return true
	default:
		q.bad(name, s)
		return false
	}
}

func (q *queryReader) err() error {
	if len(q.fields) == 0 {
		return nil
	}
	return apperr.Invalid(q.fields)
}

// requirementFilter reads the backlog filters from the query string; the API
// and the backlog page take the same parameters.
func requirementFilter(c *fiber.Ctx) (requirement.Filter, error) {
	q := newQueryReader(c)
	f := requirement.Filter{
		Tier:     word(q, "tier", requirement.Tiers),
		Status:   word(q, "status", requirement.Statuses),
		Kind:     word(q, "kind", requirement.Kinds),
		Approach: word(q, "approach", requirement.Approaches),
		Text:     q.text("q"),
		OwnerID:  q.id("owner"),
		GoalID:   q.id("goal"),
		After:    q.int64("cursor"),
		Limit:    q.intIn("limit", 1, 1000),
	}
	if ph := q.text("phase"); ph == "none" {
		f.Phase = ph
	} else if q.id("phase") != 0 {
		f.Phase = ph
	}
	return f, q.err()
}

// changeFilter reads the list's filters; requesterParam is "requester" on
// the page and "requester_id" in the API.
func changeFilter(c *fiber.Ctx, requesterParam string) (change.Filter, error) {
	q := newQueryReader(c)
	f := change.Filter{Status: word(q, "status", change.Statuses), RequesterID: q.id(requesterParam)}
	if m := q.text("month"); m != "" {
		if _, err := time.Parse("2006-01", m); err == nil {
			f.Month = m
		} else {
			q.bad("month", m)
		}
	}
	return f, q.err()
}

// riskFilter reads the register's filters from the query string (the same
// names for the page and the API). Numbers that do not parse are refused
// here; unknown words are refused by risk.List (Filter.Check).
func riskFilter(c *fiber.Ctx) (risk.Filter, error) {
	q := newQueryReader(c)
	f := risk.Filter{Category: risk.Category(q.text("category")), Level: risk.Severity(q.text("level")),
		Status: q.text("status"), Map: risk.Map(q.text("map")), Sort: q.text("sort"),
		Probability: q.intIn("p", 1, risk.Scale), Impact: q.intIn("i", 1, risk.Scale),
		OwnerID: q.id("owner_id"), Overdue: q.flag("overdue")}
	return f, q.err()
}
