package workers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/aisd/aisd/internal/api"
)

func TestBufPoolClasses(t *testing.T) {
	for _, tc := range []struct{ n, class int }{
		{0, -1}, {1, 0}, {64 << 10, 0}, {64<<10 + 1, 1}, {2 << 20, 5}, {32 << 20, 9}, {32<<20 + 1, -1},
	} {
		if got := bufClass(tc.n); got != tc.class {
			t.Errorf("bufClass(%d) = %d, want %d", tc.n, got, tc.class)
		}
	}
	p := bufPool{limit: 4 << 20}
	a := p.get(2 << 20)
	if len(a) != 2<<20 || cap(a) != 2<<20 {
		t.Fatalf("get(2 MB): len %d cap %d", len(a), cap(a))
	}
	a[0] = 7
	p.put(a)
	b := p.get(1<<20 + 1) // same class: the same buffer again
	if &b[0] != &a[0] || len(b) != 1<<20+1 {
		t.Errorf("the freed 2 MB buffer was not reused for a 1 MB call")
	}
	p.put(b)
	p.put(make([]byte, 2<<20))
	p.put(make([]byte, 2<<20)) // over the 4 MB limit: dropped
	if p.held != 4<<20 {
		t.Errorf("held %d bytes, want the limit %d", p.held, 4<<20)
	}
	p.put(make([]byte, 100, 3<<20)) // not a class's size: never pooled
	if s := p.get(1000); cap(s) != 1000 {
		t.Errorf("a small call's buffer has cap %d, want its own size", cap(s))
	}
}

// Calls of different bodies through one worker, each read into a buffer
// the previous call handed back: every handler sees its own body.
func TestReusedBuffersKeepCallsApart(t *testing.T) {
	srv := worker(t, ServerOptions{Engines: []string{"ocr"}, Handlers: map[string]api.Handler{
		"RecognizeGeneralText": func(_ context.Context, c *api.Call) (any, error) {
			h := sha256.Sum256(c.Body)
			return map[string]string{"sum": hex.EncodeToString(h[:])}, nil
		},
	}})
	p := pool(t, Options{}, srv.URL)
	for i := range 12 {
		body := make([]byte, 300<<10+i*1000)
		for j := range body {
			body[j] = byte(i*31 + j)
		}
		want := sha256.Sum256(body)
		got, err := p.Call(context.Background(), "ocr", &api.Call{API: "RecognizeGeneralText", RequestID: fmt.Sprint(i), Body: body})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := got.(json.RawMessage)
		if s := string(raw); s != fmt.Sprintf(`{"sum":"%x"}`, want) {
			t.Fatalf("call %d: the worker saw another body: %s", i, s)
		}
	}
}
