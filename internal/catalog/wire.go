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

// FromWire rebuilds an Error from its wire form; ok is false when it names
// neither a kind nor a code this catalog knows (a worker of another
// version, or garbage).
func FromWire(w Wire) (e *Error, ok bool) {
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
	e = &Error{kind: w.Kind, code: w.Code, variant: w.Variant, msg: w.Msg, Injected: w.Injected, Header: w.Header}
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
