package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/aisd/aisd/internal/catalog"
)

// HandlerFunc is the one handler shape of every HTTP route aisd serves,
// service and management alike: it writes a success answer itself and
// returns any error, which WriteError renders.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// ServeHTTP runs the handler and renders its error.
func (h HandlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h(w, r); err != nil {
		WriteError(w, r, err)
	}
}

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyFamily
)

// WithRequestID returns ctx carrying the request id the gateway assigned.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, keyRequestID, id)
}

// WithRequest is WithFamily(WithRequestID(ctx, id), f) in one context
// value: the gateway learns a service call's family as it learns its id,
// and every call pays for each value it adds.
func WithRequest(ctx context.Context, id string, f catalog.Family) context.Context {
	return context.WithValue(ctx, keyRequestID, request{id, f})
}

// request is the value WithRequest stores under keyRequestID.
type request struct {
	id  string
	fam catalog.Family
}

// RequestID is the gateway-assigned id of the request ctx belongs to.
func RequestID(ctx context.Context) string {
	switch v := ctx.Value(keyRequestID).(type) {
	case string:
		return v
	case request:
		return v.id
	}
	return ""
}

// WithFamily returns ctx whose errors render in family f.
func WithFamily(ctx context.Context, f catalog.Family) context.Context {
	return context.WithValue(ctx, keyFamily, f)
}

// FamilyOf is the family errors of ctx render in: the route's, or the
// management APIs' AIP dialect when none was declared. A WithFamily made
// after WithRequest (inside it) wins.
func FamilyOf(ctx context.Context) catalog.Family {
	if f, ok := ctx.Value(keyFamily).(catalog.Family); ok {
		return f
	}
	if v, ok := ctx.Value(keyRequestID).(request); ok {
		return v.fam
	}
	return catalog.FamilyAIP
}

// InFamily declares the family of the routes h serves.
func InFamily(f catalog.Family, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(WithFamily(r.Context(), f)))
	})
}

// ErrorRecorder is implemented by the gateway's response writer, so the
// access log and the counters see the code of every error answer.
type ErrorRecorder interface {
	RecordError(code string)
}

// WriteError renders err in the request's family: the one place every
// route's error answers are written, logged and counted.
func WriteError(w http.ResponseWriter, r *http.Request, err error) catalog.Rendered {
	e := catalog.Resolve(err)
	return WriteResolved(w, r, err, e, e.In(FamilyOf(r.Context())))
}

// WriteResolved is WriteError for an error already resolved (e, from
// catalog.Resolve(err)) and rendered in the request's family (rend).
func WriteResolved(w http.ResponseWriter, r *http.Request, err error, e *catalog.Error, rend catalog.Rendered) catalog.Rendered {
	ctx := r.Context()
	rid := RequestID(ctx)
	catalog.WriteRendered(w, rid, e, rend)
	if rec, ok := w.(ErrorRecorder); ok {
		rec.RecordError(rend.Code)
	}
	if rend.Status >= 500 || e.Kind() == catalog.KindInternal || !e.Resolved(FamilyOf(ctx)) {
		attrs := []slog.Attr{slog.String("request_id", rid), slog.String("error_code", rend.Code), slog.String("cause", err.Error())}
		var pe *PanicError
		if errors.As(err, &pe) {
			attrs = append(attrs, slog.String("stack", string(pe.Stack)))
		}
		slog.Default().LogAttrs(ctx, slog.LevelError, "error", attrs...)
	}
	return rend
}

// WriteJSON renders a success body.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// PanicError is a recovered panic with the stack it was raised on.
type PanicError struct {
	Value any
	Stack []byte
}

func (p *PanicError) Error() string { return "panic: " + sprint(p.Value) }

// Recovered turns a recovered panic value into an internal error that
// keeps the stack for the log.
func Recovered(p any) error {
	return catalog.E(catalog.KindInternal).Wrap(&PanicError{Value: p, Stack: debug.Stack()})
}
