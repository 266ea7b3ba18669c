// Package apperr holds the kinds of error the domain packages return. The web
// package turns each kind into one HTTP status and a page or problem+json body,
// so domain code never speaks HTTP and users never see internal error text.
package apperr

import (
	"errors"
	"fmt"
)

// Kind says what went wrong from the caller's point of view.
type Kind int

const (
	KindInternal        Kind = iota
	KindInvalid              // the input breaks a rule: 422
	KindNotFound             // missing or not visible to the caller: 404
	KindConflict             // the row moved on or a unique value is taken: 409
	KindForbidden            // visible but not allowed: 403
	KindUnauthenticated      // nobody signed in: 401
	KindTooManyRequests      // slowed down, try later: 429
)

// Message is a translatable sentence: an i18n message ID and its template data.
// Domain code stays language-free; the web layer renders it in the user's language.
type Message struct {
	ID   string
	Data map[string]any
}

// Msg builds a Message from an ID and alternating key/value pairs.
func Msg(id string, kv ...any) Message {
	m := Message{ID: id}
	if len(kv) > 1 {
		m.Data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m.Data[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return m
}

// Error is an error of a known kind. Fields maps input field names to what is
// wrong with each (only for KindInvalid). Err is the internal cause, logged, never shown.
type Error struct {
	Kind    Kind
	Message Message
	Fields  map[string]Message
	Err     error
}

func (e *Error) Error() string {
	s := e.Message.ID
	if len(e.Fields) > 0 {
		s += fmt.Sprintf(" %v", e.Fields)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Invalid reports input that breaks rules, field by field.
func Invalid(fields map[string]Message) *Error {
	return &Error{Kind: KindInvalid, Message: Msg("error.invalid"), Fields: fields}
}

// InvalidField reports one field with one problem.
func InvalidField(field, msgID string, kv ...any) *Error {
	return Invalid(map[string]Message{field: Msg(msgID, kv...)})
}

// NotFound reports something missing or not visible to the caller.
func NotFound() *Error { return &Error{Kind: KindNotFound, Message: Msg("error.not_found")} }

// Conflict reports a stale version or a taken unique value.
func Conflict(msgID string, kv ...any) *Error {
	if msgID == "" {
		msgID = "error.conflict"
	}
	return &Error{Kind: KindConflict, Message: Msg(msgID, kv...)}
}

// Forbidden reports a visible thing the caller may not do.
func Forbidden() *Error { return &Error{Kind: KindForbidden, Message: Msg("error.forbidden")} }

// Unauthenticated reports a request with nobody signed in.
func Unauthenticated() *Error {
	return &Error{Kind: KindUnauthenticated, Message: Msg("error.unauthenticated")}
}

// TooManyRequests reports a caller that must wait before trying again.
func TooManyRequests(msgID string, kv ...any) *Error {
	return &Error{Kind: KindTooManyRequests, Message: Msg(msgID, kv...)}
}

// Internal wraps an unexpected error; its text is logged, never shown.
func Internal(err error) *Error {
	return &Error{Kind: KindInternal, Message: Msg("error.internal"), Err: err}
}

// KindOf returns the kind of err; errors of no known kind are internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Is reports whether err is of kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// InvalidIf answers Invalid(fields) when a check found problems, else nil.
func InvalidIf(fields map[string]Message) error {
	if len(fields) > 0 {
		return Invalid(fields)
	}
	return nil
}
