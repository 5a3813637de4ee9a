// Package apitest serves a route's handler in a test as the gateway passes
// requests on, and reads the answer.
package apitest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
)

// RequestID is the id Request gives every request, as the gateway assigns
// one before a route runs.
const RequestID = "rid-test"

// Request is an incoming request for target with body, carrying the
// gateway-assigned request id RequestID.
func Request(method, target, body string) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	return r.WithContext(api.WithRequestID(r.Context(), RequestID))
}

// Serve runs h on r and returns the recorded response and its error body,
// zero when the answer is not one.
func Serve(h http.Handler, r *http.Request) (*httptest.ResponseRecorder, catalog.Body) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	var b catalog.Body
	if json.Unmarshal(rec.Body.Bytes(), &b) != nil {
		b = catalog.Body{}
	}
	return rec, b
}
