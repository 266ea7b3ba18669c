package web

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/change"
	"rollout/internal/database"
)

// retryAfter is what a 503 asks the client to wait, in seconds: the embedded
// PostgreSQL is back within a few seconds of a crash, and a timed-out request
// usually meets a quieter moment.
const retryAfter = 5

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
	switch {
	case status == fiber.StatusServiceUnavailable:
		// Expected while the database restarts: a warning, not an error.
		s.log.Warn("request not served", "request_id", requestID(c), "method", c.Method(),
			"path", c.Path(), "error", err.Error())
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(retryAfter))
	case status >= 500:
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
// An error of no known kind that says the database is away or the deadline
// passed (database.AsUnavailable) is a 503, wherever it was wrapped.
func classify(err error) (int, string, apperr.Message) {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind == apperr.KindInternal {
		if u := database.AsUnavailable(err); u != nil {
			ae = u
		}
	}
	if ae != nil {
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
		case apperr.KindUnavailable:
			if ae.Message.ID == "error.timeout" {
				return fiber.StatusServiceUnavailable, "error.timeout", ae.Message
			}
			return fiber.StatusServiceUnavailable, "error.unavailable", ae.Message
		}
		return fiber.StatusInternalServerError, "error.internal", apperr.Msg("error.internal")
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
