package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/server"
)

// benchServer is a server without engines whose root project may call
// RunImageTagging (served by echoTagging) without limit, while every other
// API stays at one call per minute.
func benchServer(b *testing.B) (*server.Server, http.Handler, string) {
	b.Helper()
	cfg := aisdcfg.Default()
	dir := b.TempDir()
	cfg.DataDir, cfg.DSN = dir, "sqlite:"+dir+"/aisd.db"
	cfg.RootAK, cfg.RootSK = rootAK, rootSK
	cfg.Engines, cfg.RateLimit = nil, 1
	s, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	s.Handle("RunImageTagging", echoTagging)
	if err := s.Store.SetSetting(context.Background(), s.Root.Project.ID, "ratelimit.RunImageTagging", "1000000000"); err != nil {
		b.Fatal(err)
	}
	return s, s.Handler(), "http://aisd.test"
}

func replay(b *testing.B, h http.Handler, req *http.Request, body []byte, want int) {
	b.Helper()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := req.Clone(req.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			b.Fatalf("status %d, want %d: %s", w.Code, want, w.Body)
		}
	}
}

// BenchmarkGatewayThrottled: an SDK-signed call over its rate limit (429).
func BenchmarkGatewayThrottled(b *testing.B) {
	s, h, base := benchServer(b)
	body := []byte(`{"url":"https://example.com/a.png"}`)
	req := sdktest.Signed(b, "POST", base+"/v2/"+s.Root.Project.ID+"/ocr/general-text", body, rootAK, rootSK, time.Now())
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	h.ServeHTTP(httptest.NewRecorder(), r) // uses up the minute's one call
	replay(b, h, req, body, 429)
}

// BenchmarkGatewayBadSignature: an SDK-signed call whose signature is wrong (401).
func BenchmarkGatewayBadSignature(b *testing.B) {
	s, h, base := benchServer(b)
	body := []byte(`{"url":"https://example.com/a.png"}`)
	req := sdktest.Signed(b, "POST", base+"/v2/"+s.Root.Project.ID+"/ocr/general-text", body, rootAK, rootSK, time.Now())
	a := req.Header.Get("Authorization")
	req.Header.Set("Authorization", a[:len(a)-4]+"0000")
	replay(b, h, req, body, 401)
}

// BenchmarkGatewayAccepted: an SDK-signed call that reaches its handler (200).
func BenchmarkGatewayAccepted(b *testing.B) {
	s, h, base := benchServer(b)
	body := []byte(`{"url":"https://example.com/a.png"}`)
	req := sdktest.Signed(b, "POST", base+"/v2/"+s.Root.Project.ID+"/image/tagging", body, rootAK, rootSK, time.Now())
	replay(b, h, req, body, 200)
}
