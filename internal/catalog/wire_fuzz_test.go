package catalog

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// checkWireAnswer renders e in every family the way the gateway does and
// checks what a client would see: a documented status, a catalog code, the
// request id, a bounded body, and no header but the ones errors set.
func checkWireAnswer(t *testing.T, e *Error) {
	t.Helper()
	for _, f := range Dialects {
		rec := httptest.NewRecorder()
		Write(rec, "req-1", e, f)
		if rec.Code < 400 || rec.Code > 599 {
			t.Fatalf("%s: status %d", f, rec.Code)
		}
		if rec.Body.Len() > 128<<10 {
			t.Fatalf("%s: a %d-byte error body", f, rec.Body.Len())
		}
		var b Body
		if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
			t.Fatalf("%s: body %q: %v", f, rec.Body.String(), err)
		}
		if _, ok := byCode[b.ErrorCode]; !ok {
			t.Fatalf("%s: error_code %q is not in the catalog", f, b.ErrorCode)
		}
		if rec.Header().Get("X-Request-Id") != "req-1" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("%s: headers %v", f, rec.Header())
		}
		for k, vs := range rec.Header() {
			if k != "Content-Type" && k != "X-Request-Id" && !wireHeaders[k] {
				t.Fatalf("%s: header %s from the wire reached the client", f, k)
			}
			for _, v := range vs {
				if !validHeaderValue(v) {
					t.Fatalf("%s: header %s value %q", f, k, v)
				}
			}
		}
	}
}

// FuzzFromWire: a remote worker's error answer is untrusted bytes from the
// network; whatever it holds, it is refused or rebuilt into an error the
// gateway renders as a catalog answer, and the rebuilt error crosses the
// wire again unchanged.
func FuzzFromWire(f *testing.F) {
	for _, e := range []*Error{
		E(KindImageFormat),
		E(KindBackendTimeout).WithHeader("Retry-After", "2"),
		New(APIG0201).Variant("timeout"),
		New(APIG0308, 5),
		E(KindBadParam).WithMsg("custom %s", "text"),
	} {
		b, _ := json.Marshal(e.ToWire())
		f.Add(b)
	}
	f.Add([]byte(`{"code":"APIG.0308","args":["5"],"header":{"Content-Length":["1"],"retry-after":["1\r\nSet-Cookie: a=b"],"Set-Cookie":["a=b"]}}`))
	f.Add([]byte(`{"kind":"image_format","variant":"nope","args":["{","%s","XXX"],"msg":""}`))
	f.Add([]byte(`{"kind":"","code":"","injected":true}`))
	f.Add([]byte(`{"code":"ModelArts.4204","args":[1,2]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var w Wire
		if json.Unmarshal(data, &w) != nil {
			return
		}
		e, ok := FromWire(w)
		if !ok {
			return
		}
		checkWireAnswer(t, e)
		again, ok := FromWire(e.ToWire())
		if !ok {
			t.Fatalf("%v does not cross the wire again", e)
		}
		for _, f := range Dialects {
			if a, b := again.In(f), e.In(f); a != b {
				t.Fatalf("%s: %+v after a second crossing, %+v before", f, a, b)
			}
		}
	})
}

// A worker cannot set response headers beyond the ones errors carry, nor
// send a message of megabytes to the client.
func TestFromWireBounds(t *testing.T) {
	e, ok := FromWire(Wire{Code: APIG0308, Args: []string{"5"}, Header: http.Header{
		"Content-Length": {"1"}, "Set-Cookie": {"a=b"}, "retry-after": {"1\r\nX-Evil: 1", "3"},
	}})
	if !ok {
		t.Fatal("refused")
	}
	if got := e.Header; len(got) != 1 || got.Get("Retry-After") != "3" {
		t.Errorf("headers kept: %v, want only Retry-After: 3", got)
	}
	checkWireAnswer(t, e)
	long := strings.Repeat("x", maxWireText+1)
	for _, w := range []Wire{
		{Kind: KindBadParam, Msg: long},
		{Kind: KindBadParam, Args: []string{long}},
		{Kind: KindBadParam, Args: make([]string, maxWireArgs+1)},
	} {
		if _, ok := FromWire(w); ok {
			t.Errorf("accepted a wire error with %d-byte message, %d args", len(w.Msg), len(w.Args))
		}
	}
}
