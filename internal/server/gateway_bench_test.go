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

// benchUser is a plain user of the root account holding an AK/SK and, when
// policies are given, those policies in the root project.
func benchUser(b *testing.B, s *server.Server, policies ...string) (string, string) {
	b.Helper()
	ctx := context.Background()
	u, err := s.IAM.CreateUser(ctx, s.Root.Domain.ID, "bench", "password123", false)
	if err != nil {
		b.Fatal(err)
	}
	if len(policies) > 0 {
		if _, err := s.IAM.SetGrants(ctx, u, s.Root.Project.ID, policies); err != nil {
			b.Fatal(err)
		}
	}
	ak, sk, err := s.IAM.CreateCredential(ctx, u.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	return ak, sk
}

// BenchmarkGatewayAcceptedRestricted: BenchmarkGatewayAccepted for a user
// whose permission policies are evaluated on every call.
func BenchmarkGatewayAcceptedRestricted(b *testing.B) {
	s, h, base := benchServer(b)
	ak, sk := benchUser(b, s, "Image FullAccess", "OCR ReadOnlyAccess")
	body := []byte(`{"url":"https://example.com/a.png"}`)
	req := sdktest.Signed(b, "POST", base+"/v2/"+s.Root.Project.ID+"/image/tagging", body, ak, sk, time.Now())
	replay(b, h, req, body, 200)
}

// BenchmarkGatewayAcceptedTemporary: BenchmarkGatewayAccepted signed with
// temporary credentials (security token opened, record and parent AK
// checked on every call).
func BenchmarkGatewayAcceptedTemporary(b *testing.B) {
	s, h, base := benchServer(b)
	ak, _ := benchUser(b, s)
	id, err := s.IAM.IdentityForAK(context.Background(), ak)
	if err != nil {
		b.Fatal(err)
	}
	id.AK = ak
	c, err := s.IAM.IssueTemporary(context.Background(), id, time.Hour, nil)
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"url":"https://example.com/a.png"}`)
	req := sdktest.SignedAs(b, "POST", base+"/v2/"+s.Root.Project.ID+"/image/tagging", "application/json", body, c.AK, c.SK, time.Now(),
		map[string]string{"X-Security-Token": c.SecurityToken})
	replay(b, h, req, body, 200)
}
