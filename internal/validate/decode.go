package validate

import (
	"errors"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"rollout/internal/apperr"
)

// JSON decodes one API body into v strictly, so a typing mistake in a client
// is an answer, not a silent default: an unknown member (`"gate"` for
// `"is_gate"`), a member given twice, a value of the wrong type, a number out
// of its Go type's range, invalid UTF-8, trailing data after the value and
// text with control characters are all refused with apperr.Invalid naming
// the member ("impact.cost", "lines.0.planned"). Names match exactly (no
// case folding). Decoding onto a v that already holds values changes only
// the members the body names, which is what a PATCH wants.
//
// It uses github.com/go-json-experiment/json (encoding/json/v2), which checks
// duplicate names and reports a JSON pointer for every error.
func JSON(data []byte, v any) error {
	err := json.Unmarshal(data, v, json.RejectUnknownMembers(true))
	if err == nil {
		fields := map[string]apperr.Message{}
		dirtyText(reflect.ValueOf(v), "", fields, 0)
		if len(fields) > 0 {
			return apperr.Invalid(fields)
		}
		return nil
	}
	return jsonError(err)
}

// jsonError turns a decoding error into a 422 naming the member.
func jsonError(err error) error {
	var se *json.SemanticError
	var xe *jsontext.SyntacticError
	field, msg := "body", apperr.Msg("validation.json_syntax")
	switch {
	case errors.As(err, &se):
		field = pointerName(se.JSONPointer)
		switch {
		case errors.Is(se.Err, json.ErrUnknownName):
			msg = apperr.Msg("validation.json_unknown")
		case se.GoType != nil && se.JSONKind != 0 && !kindFits(se.JSONKind, se.GoType):
			msg = apperr.Msg("validation.json_type", "Expected", expected(se.GoType))
		case se.GoType != nil && expected(se.GoType) == "\"YYYY-MM-DD\"":
			msg = apperr.Msg("validation.date")
		case se.GoType != nil && isNumber(se.GoType):
			msg = apperr.Msg("validation.json_number")
		default:
			msg = apperr.Msg("validation.invalid")
		}
	case errors.As(err, &xe):
		if errors.Is(xe.Err, jsontext.ErrDuplicateName) {
			field = pointerName(xe.JSONPointer)
			msg = apperr.Msg("validation.json_duplicate")
		} else if p := pointerName(xe.JSONPointer); p != "body" && p != "" {
			field = p
		}
	}
	if field == "" {
		field = "body"
	}
	return &apperr.Error{Kind: apperr.KindInvalid, Message: apperr.Msg("error.bad_input"),
		Fields: map[string]apperr.Message{field: msg}, Err: err}
}

// pointerName turns a JSON pointer (/impact/cost, /entries/2/amount) into a
// member name as the domain packages write them (impact.cost,
// entries[2].amount); the empty pointer is the body itself.
func pointerName(p jsontext.Pointer) string {
	if p == "" {
		return "body"
	}
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil && b.Len() > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

func isNumber(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// kindFits reports whether a JSON value of kind k could fill a Go type t at
// all (a number for a number, a string for text…); types with their own
// decoding (dates) take strings.
func kindFits(k jsontext.Kind, t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if k == 'n' {
		return true
	}
	switch t.Kind() {
	case reflect.Bool:
		return k == 't' || k == 'f'
	case reflect.String:
		return k == '"'
	case reflect.Slice, reflect.Array:
		return k == '['
	case reflect.Map:
		return k == '{'
	case reflect.Struct:
		if reflect.PointerTo(t).Implements(reflect.TypeFor[interface{ UnmarshalJSON([]byte) error }]()) {
			return k == '"'
		}
		return k == '{'
	}
	if isNumber(t) {
		return k == '0'
	}
	return true
}

// expected names what a Go type wants, for the message.
func expected(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true / false"
	case reflect.String:
		return "\"…\""
	case reflect.Slice, reflect.Array:
		return "[…]"
	case reflect.Map:
		return "{…}"
	case reflect.Struct:
		if reflect.PointerTo(t).Implements(reflect.TypeFor[interface{ UnmarshalJSON([]byte) error }]()) {
			return "\"YYYY-MM-DD\""
		}
		return "{…}"
	}
	if isNumber(t) {
		return "0"
	}
	return "?"
}
