package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The cached bodies are byte for byte what encoding/json writes for Body,
// for every code in every family, with and without a request id, twice
// (the second from the cache), and for messages and ids that need escaping.
func TestWriteBodyMatchesEncoder(t *testing.T) {
	ids := []string{"", "0123456789abcdef0123456789abcdef", `a"b<c>&\d`, "é"}
	check := func(r Rendered, rid string) {
		t.Helper()
		want := Body{ErrorCode: r.Code, ErrorMsg: r.Msg}
		if r.IsGateway() {
			want.RequestID = rid
		}
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(want); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if got := appendBody(nil, r, rid); !bytes.Equal(got, buf.Bytes()) {
				t.Fatalf("%s %q, id %q:\n got %s\nwant %s", r.Code, r.Msg, rid, got, buf.Bytes())
			}
		}
	}
	for _, e := range entries {
		for _, f := range Families {
			for _, rid := range ids {
				check(New(Code(e.Code)).In(f), rid)
			}
		}
	}
	for _, msg := range []string{`quote " and \ back`, "<html> & co", "tab\there", "中文", "\u2028"} {
		for _, rid := range ids {
			check(Rendered{Code: "APIG.0301", Status: 401, Msg: msg}, rid)
			check(Rendered{Code: "AIS.0005", Status: 400, Msg: msg}, rid)
		}
	}
}

// Write puts the error's headers on the answer without letting a later Add
// write into the error's own header, and sets X-Request-Id once.
func TestWriteHeaders(t *testing.T) {
	e := New(APIG0308, 7).WithHeader("Retry-After", "3")
	for i := range 2 {
		w := httptest.NewRecorder()
		w.Header().Set("X-Request-Id", "r1")
		r, _ := Write(w, "r1", e, FamilyOCR)
		w.Header().Add("Retry-After", "extra")
		if got := e.Header.Values("Retry-After"); len(got) != 1 || got[0] != "3" {
			t.Fatalf("run %d: the error's header became %q", i, got)
		}
		if r.Status != http.StatusTooManyRequests || w.Code != r.Status {
			t.Fatalf("status %d / %d", r.Status, w.Code)
		}
		if got := w.Header().Values("X-Request-Id"); len(got) != 1 || got[0] != "r1" {
			t.Fatalf("X-Request-Id %q", got)
		}
		if got := w.Header().Get("Content-Type"); got != "application/json;charset=UTF-8" {
			t.Fatalf("Content-Type %q", got)
		}
		var b Body
		if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil || b.ErrorCode != "APIG.0308" || b.RequestID != "r1" ||
			b.ErrorMsg != fmt.Sprintf("The throttling threshold has been reached: policy user over ratelimit,limit:%d,time:1 minute", 7) {
			t.Fatalf("body %s (%v)", w.Body, err)
		}
	}
}

// fill writes strings and integers as fmt.Fprint does.
func TestFillArgs(t *testing.T) {
	type named string
	got := fill("a %s b %d c {x} d %s", []any{"s", 42, int64(-7), named("n")})
	if want := "a s b 42 c -7 d n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
