package catalog

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
)

// Body is the wire form of every error answer.
type Body struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	// RequestID is present on gateway (APIG.*) errors only.
	RequestID string `json:"request_id,omitempty"`
}

// contentTypeJSON is the Content-Type of every error answer, one slice
// shared by all of them (set, never appended to in place: a later Add
// copies it, its capacity being its length).
var contentTypeJSON = []string{"application/json;charset=UTF-8"}

// Write renders err for family f as the documented JSON body with its
// status and the X-Request-Id header. It is the only place error bodies are
// written; the gateway's renderer calls it for every route.
func Write(w http.ResponseWriter, requestID string, err error, f Family) (Rendered, *Error) {
	e := Resolve(err)
	r := e.In(f)
	WriteRendered(w, requestID, e, r)
	return r, e
}

// WriteRendered is Write for an error already resolved and rendered (the
// gateway renders a failed call once, for its usage record and its answer).
func WriteRendered(w http.ResponseWriter, requestID string, e *Error, r Rendered) {
	h := w.Header()
	for k, vs := range e.Header {
		if len(vs) == 0 {
			continue
		}
		if _, ok := h[k]; !ok {
			// The error's own slice, capped so an Add to the answer's
			// header copies it instead of writing into the error.
			h[k] = vs[:len(vs):len(vs)]
			continue
		}
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	h["Content-Type"] = contentTypeJSON
	if requestID != "" {
		// The gateway set it already on every answer; set it only when
		// it differs (a Set allocates).
		if v := h["X-Request-Id"]; len(v) != 1 || v[0] != requestID {
			h.Set("X-Request-Id", requestID)
		}
	}
	w.WriteHeader(r.Status)
	// Sized for the cached prefix, the request id and its key: one allocation.
	_, _ = w.Write(appendBody(make([]byte, 0, len(r.Code)+len(r.Msg)+len(requestID)+64), r, requestID))
}

// appendBody appends the JSON body of r (and its request id when r is a
// gateway code) to dst: the encoded code and message come from a cache,
// so a repeated answer (a throttled caller's APIG.0308) costs a copy, not
// an encoding. The bytes are those json.Encoder writes for Body.
func appendBody(dst []byte, r Rendered, requestID string) []byte {
	gw := r.IsGateway() && requestID != ""
	if gw && !PlainJSON(requestID) {
		return encodeBody(dst, r, requestID)
	}
	pre := bodyPrefix(r.Code, r.Msg)
	dst = append(dst, pre...)
	if gw {
		dst = append(dst, `,"request_id":"`...)
		dst = append(dst, requestID...)
		dst = append(dst, '"')
	}
	return append(dst, "}\n"...)
}

// encodeBody is appendBody by encoding/json, for what the cache does not hold.
func encodeBody(dst []byte, r Rendered, requestID string) []byte {
	body := Body{ErrorCode: r.Code, ErrorMsg: r.Msg}
	if r.IsGateway() {
		body.RequestID = requestID
	}
	buf := bytes.NewBuffer(dst)
	_ = json.NewEncoder(buf).Encode(body)
	return buf.Bytes()
}

// PlainJSON reports whether s encodes in JSON as itself (printable ASCII
// that is not a quote, a backslash or one of the HTML characters
// json.Encoder and json.Marshal escape): such a string can be written
// between quotes without an encoder.
func PlainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

type bodyKey struct{ code, msg string }

// bodies caches `{"error_code":…,"error_msg":…` per code and message. The
// messages of a code are few (its wording per family, a limit, a field
// name) but some carry a caller's input (an unknown AK): the cache is
// bounded and starts over when full.
var bodies struct {
	sync.RWMutex
	m map[bodyKey][]byte
}

const maxCachedBodies = 4096

func bodyPrefix(code, msg string) []byte {
	k := bodyKey{code, msg}
	bodies.RLock()
	b, ok := bodies.m[k]
	bodies.RUnlock()
	if ok {
		return b
	}
	enc := encodeBody(nil, Rendered{Code: code, Msg: msg}, "")
	// enc is `{"error_code":"…","error_msg":"…"}\n`: keep it open.
	b = enc[:len(enc)-2]
	bodies.Lock()
	if bodies.m == nil || len(bodies.m) >= maxCachedBodies {
		bodies.m = make(map[bodyKey][]byte)
	}
	bodies.m[k] = b
	bodies.Unlock()
	return b
}
