// Package api is the contract between the gateway/platform and the services:
// the platform authenticates, meters, throttles and reads the body, then hands
// a Call to the service's Handler and renders what it returns.
package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store"
)

// Call is one authenticated API call as a service sees it.
type Call struct {
	RequestID string
	DomainID  string
	ProjectID string
	UserID    string
	// Service is the metering/subscription unit (e.g. "ocr.general-text").
	Service string
	// API is the SDK operation name (e.g. "RecognizeGeneralText").
	API        string
	Method     string
	Path       string
	PathParams map[string]string
	Query      url.Values
	Header     http.Header
	// Body is the request body, already read within the gateway's limit.
	Body []byte
	// Domain is the caller's account.
	Domain store.Domain
	// RespHeader collects headers the controls add to the answer, success
	// or error (the throttle's rate-limit state).
	RespHeader http.Header
	// Deadline is when the gateway's deadline for the whole call falls
	// (zero: none); the chain after admission runs under it.
	Deadline time.Time
}

// Control is one platform control a service call passes through
// (throttle, body limit, subscription, quota, fault injection, guard): it
// answers an error itself or calls next. The server declares the chain.
type Control func(next Handler) Handler

// Chain composes controls so that the first runs first.
func Chain(h Handler, controls ...Control) Handler {
	for i := len(controls) - 1; i >= 0; i-- {
		h = controls[i](h)
	}
	return h
}

// Handler serves one API. A non-nil resp is encoded as the 200 JSON body; an
// error should carry its catalog code (anything else becomes the family's
// internal error).
type Handler func(ctx context.Context, c *Call) (resp any, err error)

// DecodeJSON decodes the call's body into v: a missing body is a missing
// parameter, a value of the wrong type a bad parameter, anything else
// malformed JSON.
func (c *Call) DecodeJSON(v any) error {
	if len(c.Body) == 0 {
		return catalog.E(catalog.KindMissingParam)
	}
	if err := json.Unmarshal(c.Body, v); err != nil {
		if _, ok := err.(*json.UnmarshalTypeError); ok {
			return catalog.E(catalog.KindBadParam).Wrap(err)
		}
		return catalog.E(catalog.KindBadJSON).Wrap(err)
	}
	return nil
}

// Deref returns *p, or T's zero value for a nil p: request bodies use
// pointers to tell an absent optional field from a zero one.
func Deref[T any](p *T) T {
	var z T
	if p == nil {
		return z
	}
	return *p
}

func sprint(v any) string { return fmt.Sprint(v) }
