package gateway

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"reflect"
	"testing"

	"github.com/valyala/fasthttp"
)

// edgeRequest converts raw through the edge as it serves a connection; ok
// is false when fasthttp or the edge's checks refuse it.
func edgeRequest(raw []byte) (*http.Request, []byte, bool) {
	var fc fasthttp.RequestCtx
	if err := fc.Request.ReadLimitBody(bufio.NewReader(bytes.NewReader(raw)), 1<<20); err != nil {
		return nil, nil, false
	}
	r := zeroRequest.WithContext(context0)
	if msg := (&Edge{}).request(&fc, r); msg != "" {
		return nil, nil, false
	}
	body, _ := io.ReadAll(r.Body)
	return r, body, true
}

var context0 = zeroRequest.Context()

// A request both servers accept reaches the handler alike: method, URI,
// Host, headers (names canonical, repeated ones in order) and body.
func checkLikeNetHTTP(t *testing.T, raw []byte) {
	got, gotBody, ok := edgeRequest(raw)
	if !ok {
		return
	}
	want, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		// fasthttp accepts some requests net/http refuses (it is more
		// lenient on line endings and request lines); they are the
		// client's to get right, and the handler sees them well formed.
		return
	}
	wantBody, err := io.ReadAll(want.Body)
	if err != nil {
		return
	}
	if got.Method != want.Method || got.RequestURI != want.RequestURI || got.URL.String() != want.URL.String() || got.Host != want.Host {
		t.Fatalf("request line: edge %s %s (host %q), net/http %s %s (host %q)", got.Method, got.RequestURI, got.Host, want.Method, want.RequestURI, want.Host)
	}
	if !reflect.DeepEqual(got.Header, want.Header) {
		t.Fatalf("headers:\nedge     %q\nnet/http %q", got.Header, want.Header)
	}
	if !bytes.Equal(gotBody, wantBody) {
		t.Fatalf("body: edge %q, net/http %q", gotBody, wantBody)
	}
}

var edgeSeeds = []string{
	"POST /v2/p/ocr/general-text?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nX-Sdk-Date: 20261203T000000Z\r\nauthorization: SDK-HMAC-SHA256 Access=A, SignedHeaders=x-sdk-date, Signature=00\r\nContent-Length: 2\r\n\r\n{}",
	"GET /healthz HTTP/1.1\r\nHost: x\r\nAccept: a\r\naccept: b\r\nX-MIXED-case: v\r\n\r\n",
	"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	"GET /a%2Fb/c HTTP/1.0\r\n\r\n",
}

func TestEdgeRequestLikeNetHTTP(t *testing.T) {
	for _, s := range edgeSeeds {
		if _, _, ok := edgeRequest([]byte(s)); !ok {
			t.Fatalf("refused: %q", s)
		}
		checkLikeNetHTTP(t, []byte(s))
	}
	r, body, _ := edgeRequest([]byte(edgeSeeds[2]))
	if string(body) != "abc" || r.ContentLength != -1 || len(r.TransferEncoding) != 1 || r.Header.Get("Transfer-Encoding") != "" {
		t.Errorf("chunked: body %q, length %d, coding %v", body, r.ContentLength, r.TransferEncoding)
	}
	for _, bad := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\nBad\x01Name: v\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n",
	} {
		if _, _, ok := edgeRequest([]byte(bad)); ok {
			t.Errorf("accepted %q", bad)
		}
	}
}

func FuzzEdgeRequestLikeNetHTTP(f *testing.F) {
	for _, s := range edgeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkLikeNetHTTP)
}
