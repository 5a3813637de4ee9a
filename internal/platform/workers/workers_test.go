package workers

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/catalog/catalogtest"
	"github.com/aisd/aisd/internal/platform/limits"
)

var key = []byte("0123456789abcdef0123456789abcdef")

func worker(t *testing.T, o ServerOptions) *httptest.Server {
	t.Helper()
	if o.Key == nil {
		o.Key = key
	}
	srv := httptest.NewServer(NewServer(o))
	t.Cleanup(srv.Close)
	return srv
}

func pool(t *testing.T, o Options, urls ...string) *Pool {
	t.Helper()
	if o.Key == nil {
		o.Key = key
	}
	o.URLs = urls
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	p.Start(context.Background())
	t.Cleanup(func() { p.Close() })
	return p
}

// A call arrives on the worker as the replica's handler would have seen
// it, minus the caller's credentials; the answer comes back as JSON.
func TestCallRoundTrip(t *testing.T) {
	seen := make(chan *api.Call, 1)
	srv := worker(t, ServerOptions{Engines: []string{"ocr"}, Handlers: map[string]api.Handler{
		"RecognizeGeneralText": func(ctx context.Context, c *api.Call) (any, error) {
			seen <- c
			if _, ok := ctx.Deadline(); !ok {
				t.Error("the forwarded deadline did not arrive")
			}
			return map[string]any{"result": map[string]any{"words": "<ok>"}}, nil
		},
	}})
	p := pool(t, Options{}, srv.URL)
	in := &api.Call{RequestID: "rid", ProjectID: "p1", UserID: "u1", API: "RecognizeGeneralText", Service: "ocr.general-text",
		Method: "POST", Path: "/v2/p1/ocr/general-text", Query: url.Values{"a": {"1"}},
		Header: http.Header{"X-Sdk-Date": {"d"}, "Authorization": {"SDK-HMAC-SHA256 secret"}, "X-Auth-Token": {"tok"}},
		Body:   []byte("line one\nline two")}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := p.Call(ctx, "ocr", in)
	if err != nil {
		t.Fatal(err)
	}
	if string(out.(json.RawMessage)) != `{"result":{"words":"\u003cok\u003e"}}` {
		t.Fatalf("answer %s", out)
	}
	got := <-seen
	if got.RequestID != "rid" || got.ProjectID != "p1" || string(got.Body) != string(in.Body) || got.Query.Get("a") != "1" ||
		got.Header.Get("X-Sdk-Date") != "d" || got.Header.Get("Authorization") != "" || got.Header.Get("X-Auth-Token") != "" {
		t.Fatalf("call on the worker: %+v", got)
	}
}

// A catalog error raised on the worker is the same error on the replica:
// its kind, arguments and headers.
func TestErrorCrossesTheHop(t *testing.T) {
	srv := worker(t, ServerOptions{Engines: []string{"image"}, Handlers: map[string]api.Handler{
		"RunImageTagging": func(ctx context.Context, c *api.Call) (any, error) {
			return nil, catalog.E(catalog.KindImageFormat).WithHeader("Retry-After", "3")
		},
		"RunCelebrityRecognition": func(ctx context.Context, c *api.Call) (any, error) {
			panic("boom")
		},
	}})
	p := pool(t, Options{}, srv.URL)
	_, err := p.Call(context.Background(), "image", &api.Call{API: "RunImageTagging"})
	catalogtest.WantKind(t, err, catalog.KindImageFormat)
	if e, _ := catalog.From(err); e.Header.Get("Retry-After") != "3" {
		t.Fatalf("header lost: %v", e.Header)
	}
	_, err = p.Call(context.Background(), "image", &api.Call{API: "RunCelebrityRecognition"})
	catalogtest.WantKind(t, err, catalog.KindInternal)
}

// Tokens expire and are renewed; a token not minted with the key, or
// expired, is refused.
func TestTokens(t *testing.T) {
	now := time.Now()
	tok := mint(key, now.Add(time.Minute))
	if err := verify(key, tok, now); err != nil {
		t.Fatal(err)
	}
	if err := verify(key, tok, now.Add(2*time.Minute)); err != errTokenExpired {
		t.Fatalf("expired token: %v", err)
	}
	if err := verify([]byte("another key, sixteen bytes+"), tok, now); err != errTokenBad {
		t.Fatalf("token of another key: %v", err)
	}
	tampered := []byte(tok)
	tampered[3] ^= 1 // another base64url letter
	if err := verify(key, string(tampered), now); err != errTokenBad {
		t.Fatalf("tampered token: %v", err)
	}
	var mu sync.Mutex
	clock := now
	tick := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	var calls atomic.Int32
	srv := worker(t, ServerOptions{Engines: []string{"ocr"}, TokenTTL: time.Minute, Now: tick, Handlers: map[string]api.Handler{
		"RecognizeGeneralText": func(context.Context, *api.Call) (any, error) { calls.Add(1); return 1, nil },
	}})
	p := pool(t, Options{Now: tick}, srv.URL)
	for i := 0; i < 3; i++ {
		if _, err := p.Call(context.Background(), "ocr", &api.Call{API: "RecognizeGeneralText"}); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		mu.Lock()
		clock = clock.Add(50 * time.Second) // past the token's renewal margin
		mu.Unlock()
	}
	if calls.Load() != 3 {
		t.Fatalf("%d calls reached the worker", calls.Load())
	}
}

// The guard around a forwarding handler answers the platform codes of a
// slow worker (deadline, ModelArts.4402) and of a failing one (breaker
// open, ModelArts.4403) as it does for an in-process engine.
func TestGuardAroundWorkers(t *testing.T) {
	srv := worker(t, ServerOptions{Engines: []string{"ocr"}, Handlers: map[string]api.Handler{
		"RecognizeGeneralText": func(ctx context.Context, c *api.Call) (any, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		},
	}})
	p := pool(t, Options{}, srv.URL)
	g := limits.NewGuard(limits.GuardOptions{Deadline: 100 * time.Millisecond, Breaker: limits.BreakerOptions{MinCalls: 3}})
	do := func() error {
		_, err := g.Do(context.Background(), "ocr.general-text", func(ctx context.Context) (any, error) {
			return p.Call(ctx, "ocr", &api.Call{API: "RecognizeGeneralText"})
		})
		return err
	}
	for i := 0; i < 3; i++ {
		catalogtest.WantKind(t, do(), catalog.KindBackendTimeout)
	}
	catalogtest.WantKind(t, do(), catalog.KindBackendDown)
}

// Worker URLs are base URLs; a key is hex of 16 bytes or more.
func TestOptions(t *testing.T) {
	for _, u := range []string{"ftp://x:1", "http://", "http://x:1/path", "::"} {
		if _, err := New(Options{URLs: []string{u}, Key: key}); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
	if _, err := New(Options{URLs: []string{"http://127.0.0.1:1"}, Key: key[:8]}); err == nil {
		t.Error("short key accepted")
	}
	for _, k := range []string{"xyz", strings.Repeat("ab", 15)} {
		if _, err := ParseKey(k); err == nil {
			t.Errorf("key %q accepted", k)
		}
	}
	if k, err := ParseKey(strings.Repeat("ab", 16)); err != nil || len(k) != 16 {
		t.Fatalf("16-byte key: %v", err)
	}
}

// Calls one after another share one kept-alive connection, small calls
// (sent joined) and large ones (written from their parts) alike, and the
// worker gets each body whole: a body left unread or a length that does
// not match would close the connection and dial another for every call.
func TestCallsReuseTheConnection(t *testing.T) {
	var conns atomic.Int32
	var bodies sync.Map
	srv := httptest.NewUnstartedServer(NewServer(ServerOptions{Key: key, Engines: []string{"ocr"}, Handlers: map[string]api.Handler{
		"RecognizeGeneralText": func(_ context.Context, c *api.Call) (any, error) {
			bodies.Store(c.RequestID, c.Body)
			return map[string]int{"n": len(c.Body)}, nil
		},
	}}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	p := pool(t, Options{HealthInterval: time.Hour}, srv.URL) // the first probe dials
	for i, size := range []int{0, 1 << 10, joinMax, joinMax + 1, 300 << 10, 2 << 20} {
		body := make([]byte, size)
		for j := range body {
			body[j] = byte('a' + (i+j)%26)
		}
		for k := 0; k < 3; k++ {
			id := strconv.Itoa(size) + "/" + strconv.Itoa(k)
			out, err := p.Call(context.Background(), "ocr", &api.Call{API: "RecognizeGeneralText", RequestID: id, Body: body})
			if err != nil {
				t.Fatalf("%d bytes: %v", size, err)
			}
			if want := `{"n":` + strconv.Itoa(size) + `}`; string(out.(json.RawMessage)) != want {
				t.Fatalf("%d bytes: answer %s, want %s", size, out, want)
			}
			got, _ := bodies.Load(id)
			if !bytes.Equal(got.([]byte), body) && size > 0 {
				t.Fatalf("%d bytes: the worker got %d other bytes", size, len(got.([]byte)))
			}
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("18 calls one at a time dialled %d connections, want 1", n)
	}
}
