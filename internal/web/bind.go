package web

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/validate"
)

// isJSONBody reports whether the request body is JSON.
func isJSONBody(c *fiber.Ctx) bool {
	return strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEApplicationJSON)
}

// bindForm reads a submitted form (or JSON body) into v. A value of the wrong
// type (letters in a date, say) is a 422, never a 500. A JSON body is decoded
// strictly (validate.JSON: unknown or repeated members, wrong types and
// trailing data are refused, naming the member). In a form, an empty field of
// pointer type stays nil: "no baseline" must not read as zero. Text with
// control characters in a form never gets here (see cleanRequest).
func bindForm(c *fiber.Ctx, v any) error {
	if isJSONBody(c) {
		return validate.JSON(c.Body(), v)
	}
	if err := c.BodyParser(v); err != nil {
		return &apperr.Error{Kind: apperr.KindInvalid, Message: apperr.Msg("error.bad_input"), Err: err}
	}
	rv := reflect.ValueOf(v).Elem()
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		name := f.Tag.Get("form")
		if f.Type.Kind() == reflect.Pointer && name != "" && strings.TrimSpace(c.FormValue(name)) == "" {
			rv.Field(i).SetZero()
		}
	}
	return nil
}

// bindJSON decodes an API body strictly into v (see validate.JSON).
func bindJSON(c *fiber.Ctx, v any) error { return validate.JSON(c.Body(), v) }

// bindPatch applies a JSON body onto v, which holds the current values, so a
// PATCH changes only the fields it names. The body must name the version it
// read, and is decoded as strictly as a POST.
func bindPatch(c *fiber.Ctx, v any) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(c.Body(), &fields); err != nil {
		return validate.JSON(c.Body(), v) // names what is wrong with the body
	}
	if _, ok := fields["version"]; !ok {
		return apperr.InvalidField("version", "validation.version_required")
	}
	return validate.JSON(c.Body(), v)
}
