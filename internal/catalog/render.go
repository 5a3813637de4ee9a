package catalog

import (
	"encoding/json"
	"net/http"
)

// Body is the wire form of every error answer.
type Body struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	// RequestID is present on gateway (APIG.*) errors only.
	RequestID string `json:"request_id,omitempty"`
}

// Resolve turns any error into a catalog error: one that already carries a
// code keeps it; anything else becomes the family's internal error with the
// original kept as the (unsent) cause.
func Resolve(err error, f Family) *Error {
	if e, ok := From(err); ok {
		return e
	}
	return Of(KindInternal, f).Wrap(err)
}

// Write renders err as the documented JSON body with its status and the
// X-Request-Id header. It is the only place error bodies are written.
func Write(w http.ResponseWriter, requestID string, err error, f Family) *Error {
	e := Resolve(err, f)
	h := w.Header()
	for k, vs := range e.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	h.Set("Content-Type", "application/json;charset=UTF-8")
	if requestID != "" {
		h.Set("X-Request-Id", requestID)
	}
	body := Body{ErrorCode: e.Code, ErrorMsg: e.Msg}
	if e.IsGateway() {
		body.RequestID = requestID
	}
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(body)
	return e
}
