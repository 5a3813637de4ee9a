package workers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aisd/aisd/internal/catalog"
)

// FuzzReply: whatever status, outcome header and body a remote worker
// answers, reply returns either JSON for the handler or a catalog error the
// gateway can render, never a bare error or a panic.
func FuzzReply(f *testing.F) {
	f.Add(200, "error", []byte(`{"kind":"image_format"}`))
	f.Add(200, "error", []byte(`{"code":"APIG.0308","args":["5"],"header":{"Content-Length":["1"]}}`))
	f.Add(200, "error", []byte(`{"code":"NOPE"}`))
	f.Add(200, "ok", []byte(`{"result":{}}`))
	f.Add(200, "ok", []byte(`{"result":`))
	f.Add(200, "", []byte(`{}`))
	f.Add(404, "error", []byte(nil))
	f.Add(502, "", []byte("bad gateway"))
	p, err := New(Options{URLs: []string{"http://127.0.0.1:1"}, Key: bytes.Repeat([]byte("k"), 16), MaxReply: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	m := p.members[0]
	f.Fuzz(func(t *testing.T, status int, outcome string, body []byte) {
		if status < 100 || status > 999 {
			return
		}
		r := &http.Response{StatusCode: status, Status: http.StatusText(status), Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
		r.Header.Set(HeaderOutcome, outcome)
		v, err := p.reply(context.Background(), m, "ocr/general-text", r)
		if err == nil {
			if !validJSON(v.(json.RawMessage)) {
				t.Fatalf("answer %q passed as JSON", v)
			}
			return
		}
		if _, ok := catalog.From(err); !ok {
			t.Fatalf("bare error %v", err)
		}
		for _, fam := range catalog.Dialects {
			rec := httptest.NewRecorder()
			catalog.Write(rec, "req-1", err, fam)
			var b catalog.Body
			if rec.Code < 400 || rec.Code > 599 || json.Unmarshal(rec.Body.Bytes(), &b) != nil || b.ErrorCode == "" || rec.Body.Len() > 128<<10 {
				t.Fatalf("%s: %d %q", fam, rec.Code, rec.Body.String())
			}
		}
	})
}
