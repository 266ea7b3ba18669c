// Package validate checks the shape of input structs with one process-wide
// go-playground validator. Failures come back as apperr.Invalid keyed by the
// field's json name (which is also its form name), with message IDs that the web
// layer translates. We map validator tags to our own message IDs instead of using
// the validator's translation packages so that every sentence a user reads comes
// from one place (internal/i18n) in both languages.
package validate

import (
	"errors"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"

	"rollout/internal/apperr"
)

var v = func() *validator.Validate {
	val := validator.New(validator.WithRequiredStructEnabled())
	val.RegisterTagNameFunc(func(f reflect.StructField) string {
		name := strings.SplitN(f.Tag.Get("json"), ",", 2)[0]
		if name == "-" || name == "" {
			return f.Name
		}
		return name
	})
	registerBounds(val)
	return val
}()

// Struct validates s and returns nil or an *apperr.Error of kind Invalid.
// Besides the rules in the tags, every string in s (nested structs and
// lists included) must be clean text (see CleanText), so no input type can
// forget the rule.
func Struct(s any) error {
	fields := map[string]apperr.Message{}
	if err := v.Struct(s); err != nil {
		var verrs validator.ValidationErrors
		if !errors.As(err, &verrs) {
			return apperr.Internal(err)
		}
		for _, fe := range verrs {
			name := fe.Field()
			if _, seen := fields[name]; seen {
				continue
			}
			fields[name] = message(fe)
		}
	}
	dirtyText(reflect.ValueOf(s), "", fields, 0)
	if len(fields) == 0 {
		return nil
	}
	return apperr.Invalid(fields)
}

// dirtyText reports under their json names the strings in v that are not
// clean text.
func dirtyText(v reflect.Value, name string, fields map[string]apperr.Message, depth int) {
	if depth > 8 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			dirtyText(v.Elem(), name, fields, depth+1)
		}
	case reflect.String:
		if _, seen := fields[name]; !seen && !CleanText(v.String()) {
			fields[name] = apperr.Msg("validation.text")
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return // bytes, not text
		}
		for i := range v.Len() {
			dirtyText(v.Index(i), name, fields, depth+1)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			dirtyText(iter.Key(), name, fields, depth+1)
			dirtyText(iter.Value(), name, fields, depth+1)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			n := strings.SplitN(f.Tag.Get("json"), ",", 2)[0]
			if n == "" || n == "-" {
				n = f.Name
			}
			if f.Anonymous {
				n = name
			}
			dirtyText(v.Field(i), n, fields, depth+1)
		}
	}
}

// message turns one failed rule into a translatable message.
func message(fe validator.FieldError) apperr.Message {
	switch fe.Tag() {
	case "required", "required_if", "required_with", "required_without":
		return apperr.Msg("validation.required")
	case "email":
		return apperr.Msg("validation.email")
	case "min", "gte":
		if fe.Kind() == reflect.String || fe.Kind() == reflect.Slice {
			return apperr.Msg("validation.min_len", "Min", fe.Param())
		}
		return apperr.Msg("validation.min", "Min", fe.Param())
	case "max", "lte":
		if fe.Kind() == reflect.String || fe.Kind() == reflect.Slice {
			return apperr.Msg("validation.max_len", "Max", fe.Param())
		}
		return apperr.Msg("validation.max", "Max", fe.Param())
	case "oneof":
		return apperr.Msg("validation.oneof", "Values", strings.ReplaceAll(fe.Param(), " ", ", "))
	case "url", "http_url":
		return apperr.Msg("validation.url")
	}
	if id, data := boundMessage(fe.Tag()); id != "" {
		return apperr.Msg(id, data...)
	}
	return apperr.Msg("validation.invalid")
}

// Var validates one value against a tag string, reporting it under field.
func Var(field string, value any, tag string) error {
	if err := v.Var(value, tag); err != nil {
		var verrs validator.ValidationErrors
		if errors.As(err, &verrs) && len(verrs) > 0 {
			return apperr.Invalid(map[string]apperr.Message{field: message(verrs[0])})
		}
		return apperr.Internal(err)
	}
	return nil
}

// Fields validates s and returns its problems by field, an empty map when
// there are none, for checks that add problems of their own before answering
// with apperr.InvalidIf.
func Fields(s any) (map[string]apperr.Message, error) {
	err := Struct(s)
	if err == nil {
		return map[string]apperr.Message{}, nil
	}
	ae, ok := err.(*apperr.Error)
	if !ok || ae.Kind != apperr.KindInvalid {
		return nil, err
	}
	return ae.Fields, nil
}
