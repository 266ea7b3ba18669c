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
	return val
}()

// Struct validates s and returns nil or an *apperr.Error of kind Invalid.
func Struct(s any) error {
	err := v.Struct(s)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return apperr.Internal(err)
	}
	fields := make(map[string]apperr.Message, len(verrs))
	for _, fe := range verrs {
		name := fe.Field()
		if _, seen := fields[name]; seen {
			continue
		}
		fields[name] = message(fe)
	}
	return apperr.Invalid(fields)
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
