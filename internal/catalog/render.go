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

// Write renders err for family f as the documented JSON body with its
// status and the X-Request-Id header. It is the only place error bodies are
// written; the gateway's renderer calls it for every route.
func Write(w http.ResponseWriter, requestID string, err error, f Family) (Rendered, *Error) {
	e := Resolve(err)
	r := e.In(f)
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
	body := Body{ErrorCode: r.Code, ErrorMsg: r.Msg}
	if r.IsGateway() {
		body.RequestID = requestID
	}
	w.WriteHeader(r.Status)
	_ = json.NewEncoder(w).Encode(body)
	return r, e
}
