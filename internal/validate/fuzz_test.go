package validate_test

import (
	"errors"
	"math"
	"reflect"
	"testing"

	"rollout/internal/apperr"
	"rollout/internal/budget"
	"rollout/internal/change"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/pitfall"
	"rollout/internal/project"
	"rollout/internal/requirement"
	"rollout/internal/risk"
	"rollout/internal/validate"
)

// apiInputs makes a fresh value of every type the API decodes a body into.
var apiInputs = []func() any{
	func() any { return new(project.Input) },
	func() any { return new(project.MemberInput) },
	func() any { return new(requirement.Input) },
	func() any { return new(requirement.Target) },
	func() any { return new(goal.Input) },
	func() any { return new(goal.MeasurementInput) },
	func() any { return new(milestone.Input) },
	func() any { return new(milestone.ScheduleInput) },
	func() any { return new(milestone.DecisionInput) },
	func() any { return new(risk.Input) },
	func() any { return new(risk.ReviewInput) },
	func() any { return new(change.Input) },
	func() any { return new(change.VoteInput) },
	func() any { return new(pitfall.Input) },
	func() any { return new(budget.Batch) },
}

// seeds are the bodies of the cases issue 15 found, and a few good ones.
var seeds = []string{
	`{"title":"Lead import","tier":"must","kind":"feature","approach":"configuration","status":"proposed","estimate_days":1e308}`,
	`{"estimate_days":1e308}`,
	`{"entries":[{"category":"Licences","spent_on":"2026-01-05","amount":1e308},{"category":"Licences","spent_on":"2026-01-06","amount":1e308}]}`,
	`{"lines":[{"category":"Licences","planned":1e308,"currency":"CNY"},{"category":"Services","planned":1e308}]}`,
	`{"title":"Conversion","metric":"lead conversion","baseline":-1e308,"target":1e308,"direction":"increase","category":"business","owner_id":1}`,
	`{"title":"Scope","impact":{"schedule_days":2147483648,"cost":0,"effort_days":0}}`,
	`{"title":"Scope","impact":{"schedule_days":36500}}`,
	`{"name":"Gate 1","planned_on":"2026-03-01","gate":true}`,
	`{"name":"Gate 1","name":"Gate 2","planned_on":"2026-03-01","is_gate":true}`,
	`{"name":"Go-live\u0000","planned_on":"2026-03-01"}`,
	`{"title":"a\u0007b","description":"tab\tand\nline"}`,
	`{"value":1e12,"measured_on":"2026-02-01","note":"ok"}`,
	`{"value":"12","measured_on":"2026-02-01"}`,
	`{"version":1} trailing`,
	`{"amount":-0,"note":"\ud800"}`,
	`{"operations":[{"op":"add","requirement":{"title":"x","estimate_days":1e308}}]}`,
	`{"probability":6,"impact":0,"residual_probability":9}`,
	`{"decision":"go","conditions":[{"text":"\u001b[31m","due_on":"2026-13-40"}]}`,
	`[]`, `null`, `{}`, `{"a":`, `"x"`,
}

// FuzzDecodeInputs decodes arbitrary bytes into every API input type through
// the strict decoder and validates the result the way the domain does. It
// must never panic, and whatever is accepted must be within the bounds:
// finite numbers, money and days and goal values in their ranges, clean text.
func FuzzDecodeInputs(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, mk := range apiInputs {
			v := mk()
			if err := validate.JSON(body, v); err != nil {
				continue
			}
			if err := validate.Struct(v); err != nil {
				continue
			}
			// The domain validates the requirement an operation adds as
			// it validates one typed in.
			if in, ok := v.(*change.Input); ok {
				if !operationsValid(in) {
					continue
				}
				if d := in.Impact.ScheduleDays; d <= -validate.MaxDays || d >= validate.MaxDays {
					t.Fatalf("%T accepted schedule_days %d from %q", v, d, body)
				}
			}
			checkBounds(t, reflect.ValueOf(v), body)
		}
	})
}

func operationsValid(in *change.Input) bool {
	for _, op := range in.Operations {
		if op.Requirement != nil && validate.Struct(op.Requirement) != nil {
			return false
		}
	}
	return true
}

// budget entries are checked as EntryInput by budget.Apply; mirror it.
func batchValid(b *budget.Batch) bool {
	for _, e := range b.Entries {
		if validate.Struct(&budget.EntryInput{LineID: 1, SpentOn: e.SpentOn, Amount: e.Amount, Note: e.Note}) != nil {
			return false
		}
	}
	for i := range b.Lines {
		if validate.Struct(&b.Lines[i]) != nil {
			return false
		}
	}
	return true
}

func checkBounds(t *testing.T, v reflect.Value, body []byte) {
	if b, ok := v.Interface().(*budget.Batch); ok && !batchValid(b) {
		return
	}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Float32, reflect.Float64:
			if x := v.Float(); math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) >= validate.MaxMoney {
				t.Fatalf("accepted number %v from %q", x, body)
			}
		case reflect.String:
			if !validate.CleanText(v.String()) {
				t.Fatalf("accepted text %q from %q", v.String(), body)
			}
		case reflect.Slice, reflect.Array:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		}
	}
	walk(v)
}

// TestStrictDecoding shows what a client gets for each mistake: the member
// named, and the reason.
func TestStrictDecoding(t *testing.T) {
	cases := []struct {
		body, field, msg string
	}{
		{`{"name":"Gate","gate":true}`, "gate", "validation.json_unknown"},
		{`{"name":"Gate","name":"Gate 2"}`, "name", "validation.json_duplicate"},
		{`{"name":1}`, "name", "validation.json_type"},
		{`{"name":"Gate"} {}`, "body", "validation.json_syntax"},
		{`{"name":"Go\u0000live"}`, "name", "validation.text"},
		{`{"planned_on":"2026-02-30"}`, "planned_on", "validation.date"},
		{`{"deliverables":["a",2]}`, "deliverables[1]", "validation.json_type"},
		{`{"version":1e30}`, "version", "validation.json_number"},
	}
	for _, c := range cases {
		var in milestone.Input
		err := validate.JSON([]byte(c.body), &in)
		fields := fieldsOf(t, err)
		if fields[c.field] != c.msg {
			t.Errorf("%s: got %v, want %s: %s", c.body, fields, c.field, c.msg)
		}
	}
	var in milestone.Input
	if err := validate.JSON([]byte(`{"name":"Gate 1","is_gate":true,"notes":"line\r\nand\ttab"}`), &in); err != nil || !in.IsGate {
		t.Fatalf("a good body: %v %+v", err, in)
	}
}

// TestBounds shows each bound refusing the values the issue found and
// accepting the largest sensible ones.
func TestBounds(t *testing.T) {
	big, neg := 1e308, -1e308
	edge, days := 9_999_999_999_999.0, 36_499.0
	est := func(v float64) *requirement.Input {
		return &requirement.Input{Title: "x", Tier: "must", Kind: "feature", Approach: "configuration", Status: "proposed", EstimateDays: &v}
	}
	for _, c := range []struct {
		in    any
		field string
		msg   string
	}{
		{est(big), "estimate_days", "validation.days"},
		{est(math.NaN()), "estimate_days", "validation.days"},
		{&budget.LineInput{Category: "x", Planned: big}, "planned", "validation.money"},
		{&budget.EntryInput{Amount: &neg}, "amount", "validation.money"},
		{&goal.Input{Baseline: &neg}, "baseline", "validation.goal_value"},
		{&goal.Input{Target: &big}, "target", "validation.goal_value"},
		{&change.Input{Impact: change.Impact{ScheduleDays: 1 << 31}}, "schedule_days", "validation.days"},
		{&change.Input{Impact: change.Impact{Cost: math.Inf(1)}}, "cost", "validation.money"},
		{&project.Input{Name: "a\x00b"}, "name", "validation.text"},
		{&requirement.Input{AcceptanceCriteria: []string{"ok", "\x1b"}}, "acceptance_criteria", "validation.text"},
	} {
		fields := fieldsOf(t, validate.Struct(c.in))
		if fields[c.field] != c.msg {
			t.Errorf("%T: got %v, want %s: %s", c.in, fields, c.field, c.msg)
		}
	}
	for _, in := range []any{est(days), &budget.LineInput{Category: "x", Planned: edge, Currency: "CNY"},
		&change.Input{Title: "x", Impact: change.Impact{ScheduleDays: -36_499, Cost: edge, EffortDays: days}}} {
		if err := validate.Struct(in); err != nil {
			t.Errorf("%T at the bound: %v", in, err)
		}
	}
}

func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	out := map[string]string{}
	if err == nil {
		return out
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalid {
		t.Fatalf("not an Invalid error: %v", err)
	}
	for f, m := range ae.Fields {
		out[f] = m.ID
	}
	return out
}
