package catalog

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Code is a catalog error code. The codes of catalog.yaml are constants
// (codes_gen.go), so a code raised directly is checked by the compiler.
type Code string

// Error is an error condition raised anywhere in aisd. It carries either a
// semantic Kind, resolved to a code by the route's family only when the
// answer is rendered (nothing below the gateway knows a family), or a Code
// raised directly (gateway, subscription and operator-chosen codes). Its
// arguments fill the published message's placeholders.
type Error struct {
	kind    Kind
	code    Code
	variant string
	args    []any
	// msg, when set, replaces the published text (APIG.0301's reasons).
	msg string
	// Injected marks a response produced by fault injection.
	Injected bool
	// Header holds extra response headers (Retry-After, rate-limit headers).
	Header http.Header
	cause  error
}

// E raises a semantic kind of error; args fill the message's placeholders.
func E(k Kind, args ...any) *Error { return &Error{kind: k, args: args} }

// New raises a code directly. Placeholders in the published message (%s,
// %d, {name}, XXX) are filled from args in order.
func New(c Code, args ...any) *Error { return &Error{code: c, args: args} }

// Kind is the semantic kind the error was raised with ("" for a direct code).
func (e *Error) Kind() Kind { return e.kind }

// DirectCode is the code the error was raised with ("" for a kind).
func (e *Error) DirectCode() Code { return e.code }

func (e *Error) Error() string {
	var b strings.Builder
	if e.code != "" {
		b.WriteString(string(e.code))
	} else {
		b.WriteString(string(e.kind))
	}
	if e.variant != "" {
		b.WriteString("/" + e.variant)
	}
	if e.msg != "" {
		b.WriteString(": " + e.msg)
	} else if len(e.args) > 0 {
		fmt.Fprintf(&b, " %v", e.args)
	}
	if e.cause != nil {
		b.WriteString(": " + e.cause.Error())
	}
	return b.String()
}

// Unwrap exposes the cause to errors.Is / errors.As.
func (e *Error) Unwrap() error { return e.cause }

func (e *Error) clone() *Error { c := *e; return &c }

// Variant selects another published status of the same code (APIG.0201
// "timeout" → 504 "Backend timeout.").
func (e *Error) Variant(name string) *Error { c := e.clone(); c.variant = name; return c }

// WithMsg replaces the client-visible message (APIG.0301's detail texts).
func (e *Error) WithMsg(format string, args ...any) *Error {
	c := e.clone()
	if len(args) > 0 {
		c.msg = fmt.Sprintf(format, args...)
	} else {
		c.msg = format
	}
	return c
}

// Wrap records the underlying cause; it is logged, never sent to the client.
func (e *Error) Wrap(cause error) *Error { c := e.clone(); c.cause = cause; return c }

// WithHeader adds a response header.
func (e *Error) WithHeader(k, v string) *Error {
	c := e.clone()
	c.Header = c.Header.Clone()
	if c.Header == nil {
		c.Header = http.Header{}
	}
	c.Header.Set(k, v)
	return c
}

// WithHeaders adds response headers, all at once (one copy of the error
// instead of one per header, on the throttle's hot path). h is not kept.
func (e *Error) WithHeaders(h http.Header) *Error {
	c := e.clone()
	n := c.Header.Clone()
	if n == nil {
		n = make(http.Header, len(h))
	}
	for k, vs := range h {
		n[k] = append(n[k], vs...)
	}
	c.Header = n
	return c
}

// WithHeadersOwned is WithHeaders for a header the caller hands over: it
// becomes the error's own (no copy) when the error has none yet; the
// caller must not touch h afterwards.
func (e *Error) WithHeadersOwned(h http.Header) *Error {
	if len(e.Header) > 0 {
		return e.WithHeaders(h)
	}
	c := e.clone()
	c.Header = h
	return c
}

// AsInjected marks the error as produced by fault injection.
func (e *Error) AsInjected() *Error { c := e.clone(); c.Injected = true; return c }

// From finds the catalog error in err's chain.
func From(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// IsKind reports whether err's chain holds an error raised with kind k.
func IsKind(err error, k Kind) bool {
	e, ok := From(err)
	return ok && e.kind == k
}

// IsCode reports whether err's chain holds an error raised with code c.
func IsCode(err error, c Code) bool {
	e, ok := From(err)
	return ok && e.code == c
}

// DirectStatus is the HTTP status of an error raised with a code (the same
// in every family), or 0 for a kind.
func (e *Error) DirectStatus() int {
	if e.code == "" {
		return 0
	}
	return e.In(FamilyAIP).Status
}

// Rendered is an error as one family answers it.
type Rendered struct {
	Code   string
	Status int
	Msg    string
}

// IsGateway reports whether the code belongs to the gateway layer, whose
// bodies also carry request_id.
func (r Rendered) IsGateway() bool { return strings.HasPrefix(r.Code, "APIG.") }

// fallbackCode and fallbackVariant name the entry answered for programming
// errors; a test checks that the catalog defines them.
const (
	fallbackCode    = APIG0201
	fallbackVariant = "internal"
)

// In resolves the error for family f: a kind becomes the family's code (a
// kind the family has no code for is the family's internal error), and the
// message is the family's published wording with the arguments filled in.
// An unknown code or family is a programming error answered with the
// gateway's internal APIG.0201 (500), so the client still gets a catalog body.
func (e *Error) In(f Family) Rendered {
	code := string(e.code)
	if code == "" {
		c, ok := CodeFor(e.kind, f)
		if !ok {
			if c, ok = CodeFor(KindInternal, f); !ok {
				return internalRendered()
			}
		}
		code = c
	}
	ent, ok := byCode[code]
	if !ok {
		return internalRendered()
	}
	r := Rendered{Code: code, Status: ent.Status, Msg: ent.MessageFor(f)}
	if e.variant != "" {
		if v, ok := ent.Variant(e.variant); ok {
			r.Status, r.Msg = v.Status, v.Message
		}
	}
	if e.msg != "" {
		r.Msg = e.msg
	} else {
		r.Msg = fill(r.Msg, e.args)
	}
	return r
}

// Resolved reports whether the error renders as it was raised in family f,
// without falling back to an internal error: a direct code the catalog
// defines, or a kind with a code in f.
func (e *Error) Resolved(f Family) bool {
	if e.code != "" {
		_, ok := byCode[string(e.code)]
		return ok
	}
	_, ok := CodeFor(e.kind, f)
	return ok
}

func internalRendered() Rendered {
	r := Rendered{Code: string(fallbackCode), Status: http.StatusInternalServerError, Msg: "Unexpected error."}
	if ent, ok := byCode[string(fallbackCode)]; ok {
		if v, ok := ent.Variant(fallbackVariant); ok {
			r.Status, r.Msg = v.Status, v.Message
		}
	}
	return r
}

// Resolve turns any error into a catalog error: one that already is one
// keeps it; anything else becomes the internal kind with the original kept
// as the (unsent) cause.
func Resolve(err error) *Error {
	if e, ok := From(err); ok {
		return e
	}
	return E(KindInternal).Wrap(err)
}

// Render resolves any error for family f (see Resolve and In).
func Render(err error, f Family) Rendered { return Resolve(err).In(f) }

// fill substitutes placeholders in order: %s and %d, {name}, and the
// literal word XXX that the OCR pages use for the API name. Placeholders
// left without an argument stay as published.
func fill(msg string, args []any) string {
	if len(args) == 0 {
		return msg
	}
	var b strings.Builder
	b.Grow(len(msg) + 16*len(args))
	ai := 0
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if ai < len(args) {
			switch {
			case c == '%' && i+1 < len(msg) && (msg[i+1] == 's' || msg[i+1] == 'd'):
				writeArg(&b, args[ai])
				ai++
				i++
				continue
			case c == '{':
				if j := strings.IndexByte(msg[i:], '}'); j > 0 {
					writeArg(&b, args[ai])
					ai++
					i += j
					continue
				}
			case strings.HasPrefix(msg[i:], "XXX") && wordEdge(msg, i-1) && wordEdge(msg, i+3):
				writeArg(&b, args[ai])
				ai++
				i += 2
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// writeArg writes a as fmt.Fprint would, without fmt for the common
// strings and integers (a throttled call's limit is filled on every
// refusal).
func writeArg(b *strings.Builder, a any) {
	switch v := a.(type) {
	case string:
		b.WriteString(v)
	case int:
		var buf [20]byte
		b.Write(strconv.AppendInt(buf[:0], int64(v), 10))
	case int64:
		var buf [20]byte
		b.Write(strconv.AppendInt(buf[:0], v, 10))
	default:
		fmt.Fprint(b, a)
	}
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
