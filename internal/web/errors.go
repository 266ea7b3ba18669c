package web

import (
	"context"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/change"
)

// problem is an RFC 9457 problem document, the body of every API error.
type problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail"`
	Errors    map[string]string `json:"errors,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	// Conflicts lists what moved on since a change request was approved,
	// when applying it was refused for that.
	Conflicts any `json:"conflicts,omitempty"`
}

// handleError is Fiber's one error handler: it maps apperr kinds and Fiber's own
// errors to a status, logs what is internal, and answers with a page or problem+json.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status, kind, msg := classify(err)
	if status >= 500 {
		s.log.Error("request failed", "request_id", requestID(c), "method", c.Method(),
			"path", c.Path(), "error", err.Error())
	}
	tr := s.translator(c)
	title := tr.T(kind + ".title")
	detail := tr.TData(msg.ID, msg.Data)
	var fields map[string]string
	var ae *apperr.Error
	if errors.As(err, &ae) && len(ae.Fields) > 0 {
		fields = make(map[string]string, len(ae.Fields))
		for f, m := range ae.Fields {
			fields[f] = tr.TData(m.ID, m.Data)
		}
	}
	if isAPI(c) {
		pr := problem{
			Type:      "/problems/" + strings.TrimPrefix(kind, "error."),
			Title:     title,
			Status:    status,
			Detail:    detail,
			Errors:    fields,
			RequestID: requestID(c),
		}
		var ce *change.ConflictError
		if errors.As(err, &ce) {
			pr.Conflicts = ce.Conflicts
		}
		c.Status(status)
		return c.JSON(pr, "application/problem+json")
	}
	var ref string
	if status >= 500 {
		ref = requestID(c)
	}
	return s.render(c, status, "errors/error", title, struct {
		Heading, Detail, RequestID string
		Fields                     map[string]string
	}{title, detail, ref, fields})
}

// classify returns the HTTP status, the message family and the message of err.
func classify(err error) (int, string, apperr.Message) {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		switch ae.Kind {
		case apperr.KindInvalid:
			return fiber.StatusUnprocessableEntity, "error.invalid", ae.Message
		case apperr.KindNotFound:
			return fiber.StatusNotFound, "error.not_found", ae.Message
		case apperr.KindConflict:
			return fiber.StatusConflict, "error.conflict", ae.Message
		case apperr.KindForbidden:
			if ae.Message.ID == "error.csrf" {
				return fiber.StatusForbidden, "error.csrf", ae.Message
			}
			return fiber.StatusForbidden, "error.forbidden", ae.Message
		case apperr.KindUnauthenticated:
			return fiber.StatusUnauthorized, "error.unauthenticated", ae.Message
		case apperr.KindTooManyRequests:
			return fiber.StatusTooManyRequests, "error.too_many", ae.Message
		}
		return fiber.StatusInternalServerError, "error.internal", apperr.Msg("error.internal")
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fiber.StatusServiceUnavailable, "error.internal", apperr.Msg("error.timeout")
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case fiber.StatusNotFound:
			return fe.Code, "error.not_found", apperr.Msg("error.not_found")
		case fiber.StatusMethodNotAllowed:
			return fe.Code, "error.method", apperr.Msg("error.method")
		case fiber.StatusForbidden:
			return fe.Code, "error.forbidden", apperr.Msg("error.forbidden")
		case fiber.StatusUnauthorized:
			return fe.Code, "error.unauthenticated", apperr.Msg("error.unauthenticated")
		case fiber.StatusTooManyRequests:
			return fe.Code, "error.too_many", apperr.Msg("error.too_many")
		}
		if fe.Code >= 400 && fe.Code < 500 {
			return fe.Code, "error.bad_request", apperr.Msg("error.bad_request")
		}
	}
	return fiber.StatusInternalServerError, "error.internal", apperr.Msg("error.internal")
}

// isAPI reports whether the request is for the JSON API.
func isAPI(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") }
