package catalog

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error is an error that carries its catalog code through wrapping.
type Error struct {
	Code   string
	Status int
	// Msg is the error_msg sent to the client.
	Msg string
	// Injected marks a response produced by fault injection.
	Injected bool
	// Header holds extra response headers (Retry-After, rate-limit headers).
	Header http.Header
	cause  error
}

func (e *Error) Error() string {
	if e.cause != nil {
		return e.Code + ": " + e.Msg + ": " + e.cause.Error()
	}
	return e.Code + ": " + e.Msg
}

// Unwrap exposes the cause to errors.Is / errors.As.
func (e *Error) Unwrap() error { return e.cause }

// IsGateway reports whether the code belongs to the gateway layer, whose
// bodies also carry request_id.
func (e *Error) IsGateway() bool { return strings.HasPrefix(e.Code, "APIG.") }

// New returns the error for a catalog code with its published message.
// Placeholders in the published message (%s, %d, {name}, XXX) are filled
// from args in order. An unknown code is a programming error: it yields the
// gateway's "internal" variant of APIG.0201 (500) so the client still gets a
// catalog body, with the mistake kept as the unsent cause.
func New(code string, args ...any) *Error {
	ent, ok := byCode[code]
	if !ok {
		return unexpected(fmt.Errorf("catalog: unknown code %q", code))
	}
	return &Error{Code: code, Status: ent.Status, Msg: fill(ent.Message, args)}
}

// fallbackCode and fallbackVariant name the entry answered for programming
// errors; a test checks that the catalog defines them.
const (
	fallbackCode    = "APIG.0201"
	fallbackVariant = "internal"
)

func unexpected(cause error) *Error {
	e := &Error{Code: fallbackCode, Status: http.StatusInternalServerError, Msg: "Unexpected error.", cause: cause}
	if ent, ok := byCode[fallbackCode]; ok {
		if v, ok := ent.Variant(fallbackVariant); ok {
			e.Status, e.Msg = v.Status, v.Message
		}
	}
	return e
}

// NewVariant returns the named variant of a code (for example APIG.0201
// "timeout" → 504 "Backend timeout.").
func NewVariant(code, variant string, args ...any) *Error {
	e := New(code, args...)
	ent, ok := byCode[code]
	if !ok {
		return e
	}
	v, ok := ent.Variant(variant)
	if !ok {
		// Still answer the code's default rather than nothing.
		return e.Wrap(fmt.Errorf("catalog: %s has no variant %q", code, variant))
	}
	e.Status, e.Msg = v.Status, fill(v.Message, args)
	return e
}

// Of returns the error a family answers for a semantic kind. A kind the
// family has no code for falls back to the family's internal error.
func Of(k Kind, f Family, args ...any) *Error {
	if c, ok := CodeFor(k, f); ok {
		return New(c, args...)
	}
	if c, ok := CodeFor(KindInternal, f); ok {
		return New(c).Wrap(fmt.Errorf("catalog: no code for kind %s in family %s", k, f))
	}
	return unexpected(fmt.Errorf("catalog: no code for kind %s in family %s", k, f))
}

// WithMsg replaces the client-visible message (APIG.0301's detail texts).
func (e *Error) WithMsg(format string, args ...any) *Error {
	c := *e
	if len(args) > 0 {
		c.Msg = fmt.Sprintf(format, args...)
	} else {
		c.Msg = format
	}
	return &c
}

// Wrap records the underlying cause; it is logged, never sent to the client.
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.cause = cause
	return &c
}

// WithHeader adds a response header.
func (e *Error) WithHeader(k, v string) *Error {
	c := *e
	c.Header = c.Header.Clone()
	if c.Header == nil {
		c.Header = http.Header{}
	}
	c.Header.Set(k, v)
	return &c
}

// From finds the catalog error in err's chain.
func From(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// fill substitutes placeholders in order: %s and %d, {name}, and the
// literal word XXX that the OCR pages use for the API name. Placeholders
// left without an argument stay as published.
func fill(msg string, args []any) string {
	if len(args) == 0 {
		return msg
	}
	var b strings.Builder
	ai := 0
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if ai < len(args) {
			switch {
			case c == '%' && i+1 < len(msg) && (msg[i+1] == 's' || msg[i+1] == 'd'):
				fmt.Fprint(&b, args[ai])
				ai++
				i++
				continue
			case c == '{':
				if j := strings.IndexByte(msg[i:], '}'); j > 0 {
					fmt.Fprint(&b, args[ai])
					ai++
					i += j
					continue
				}
			case strings.HasPrefix(msg[i:], "XXX") && wordEdge(msg, i-1) && wordEdge(msg, i+3):
				fmt.Fprint(&b, args[ai])
				ai++
				i += 2
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// wordEdge reports whether position i is outside msg or not a letter, so
// XXX inside a longer word is left alone.
func wordEdge(msg string, i int) bool {
	if i < 0 || i >= len(msg) {
		return true
	}
	c := msg[i]
	return !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')
}
