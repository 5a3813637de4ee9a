package catalog

import (
	"fmt"
	"net/http"
)

// Wire is an Error as it crosses a process boundary (an inference worker's
// answer to the replica that forwarded the call): the kind or code, not a
// rendered answer, so the replica renders it in the route's family as if
// the error had been raised in-process. Arguments travel as the text they
// fill the message with; the cause stays in the worker's log.
type Wire struct {
	Kind     Kind        `json:"kind,omitempty"`
	Code     Code        `json:"code,omitempty"`
	Variant  string      `json:"variant,omitempty"`
	Args     []string    `json:"args,omitempty"`
	Msg      string      `json:"msg,omitempty"`
	Injected bool        `json:"injected,omitempty"`
	Header   http.Header `json:"header,omitempty"`
}

// ToWire is e's wire form.
func (e *Error) ToWire() Wire {
	w := Wire{Kind: e.kind, Code: e.code, Variant: e.variant, Msg: e.msg, Injected: e.Injected, Header: e.Header}
	for _, a := range e.args {
		w.Args = append(w.Args, fmt.Sprint(a))
	}
	return w
}

// Bounds of a wire error: its message and arguments are texts of the
// catalog's size, not a channel for megabytes to the client.
const (
	maxWireText   = 4 << 10
	maxWireArgs   = 16
	maxWireHeader = 8
)

// wireHeaders are the response headers an error may carry across (the
// throttle's and the method check's); any other name a worker sends (a
// Content-Length, a Set-Cookie) would reach the client, so it is dropped.
var wireHeaders = map[string]bool{
	"Retry-After": true, "Allow": true,
	"X-Ratelimit-Limit": true, "X-Ratelimit-Remaining": true, "X-Ratelimit-Reset": true,
}

// FromWire rebuilds an Error from its wire form; ok is false when it names
// neither a kind nor a code this catalog knows (a worker of another
// version, or garbage), or its texts exceed the catalog's bounds. Headers
// other than the ones errors set are dropped.
func FromWire(w Wire) (e *Error, ok bool) {
	if len(w.Msg) > maxWireText || len(w.Variant) > maxWireText || len(w.Args) > maxWireArgs {
		return nil, false
	}
	for _, a := range w.Args {
		if len(a) > maxWireText {
			return nil, false
		}
	}
	switch {
	case w.Code != "":
		if _, known := byCode[string(w.Code)]; !known {
			return nil, false
		}
	case w.Kind != "":
		if !declaredKind(w.Kind) {
			return nil, false
		}
	default:
		return nil, false
	}
	e = &Error{kind: w.Kind, code: w.Code, variant: w.Variant, msg: w.Msg, Injected: w.Injected, Header: wireHeader(w.Header)}
	if w.Code != "" {
		e.kind = ""
	}
	for _, a := range w.Args {
		e.args = append(e.args, a)
	}
	return e, true
}

// declaredKind reports whether k is a declared kind.
func declaredKind(k Kind) bool {
	for _, d := range AllKinds {
		if d == k {
			return true
		}
	}
	return false
}

// wireHeader keeps the headers of h an error may carry, with valid values,
// at most maxWireHeader values in all.
func wireHeader(h http.Header) http.Header {
	var out http.Header
	n := 0
	for k, vs := range h {
		ck := http.CanonicalHeaderKey(k)
		if !wireHeaders[ck] {
			continue
		}
		for _, v := range vs {
			if n == maxWireHeader || len(v) > 256 || !validHeaderValue(v) {
				continue
			}
			if out == nil {
				out = http.Header{}
			}
			out.Add(ck, v)
			n++
		}
	}
	return out
}

// validHeaderValue reports whether v has no control bytes but tab (RFC
// 7230 field-value).
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
