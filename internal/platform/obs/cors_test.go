package obs

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
)

// A page of another origin (the console, on aisd's main port) may call the
// S3 API: the preflight is answered without a signature, and every answer
// names the origin; the calls themselves still need a signature.
func TestS3CORS(t *testing.T) {
	srv, _ := s3Server(t)
	const origin = "http://127.0.0.1:8080"

	pre, _ := http.NewRequest(http.MethodOptions, srv.URL+"/scans/2026/a.png", nil)
	pre.Header.Set("Origin", origin)
	pre.Header.Set("Access-Control-Request-Method", "PUT")
	pre.Header.Set("Access-Control-Request-Headers", "authorization,x-amz-content-sha256,x-amz-date,content-type")
	res, err := http.DefaultClient.Do(pre)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	h := res.Header
	if res.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != origin ||
		!strings.Contains(h.Get("Access-Control-Allow-Methods"), "PUT") ||
		h.Get("Access-Control-Allow-Headers") != "authorization,x-amz-content-sha256,x-amz-date,content-type" ||
		h.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("preflight: %d %v", res.StatusCode, h)
	}

	// An unsigned call from that origin is refused as from anywhere, and
	// the page can read why.
	get, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	get.Header.Set("Origin", origin)
	res, err = http.DefaultClient.Do(get)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || res.Header.Get("Access-Control-Allow-Origin") != origin ||
		!strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "ETag") {
		t.Fatalf("unsigned GET: %d %v", res.StatusCode, res.Header)
	}

	// A signed call still works, and without an Origin no CORS header is sent.
	c := client(t, srv, "AKALICE", "alice-secret", nil)
	if err := c.MakeBucket(context.Background(), "scans", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	plain, _ := http.Get(srv.URL + "/")
	plain.Body.Close()
	if plain.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("CORS header without an Origin: %v", plain.Header)
	}
}
