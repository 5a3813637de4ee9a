package obs

import (
	"bytes"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// FuzzVerifySignature: any SigV4 Authorization header, presigned query,
// date and streaming body an S3 client sends is checked without a panic,
// and nothing verifies under a key the test never gave it.
func FuzzVerifySignature(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AK/20261201/cn-north-4/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=00",
		"20261201T120000Z", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "/bucket/key?uploads", []byte("5;chunk-signature=00\r\nhello\r\n0;chunk-signature=00\r\n\r\n"))
	f.Add("", "", "", "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20261201%2Fr%2Fs3%2Faws4_request&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Date=20261201T120000Z&X-Amz-Expires=60", []byte(nil))
	f.Add("AWS4-HMAC-SHA256 Credential=/, SignedHeaders=, Signature=", "x", "UNSIGNED-PAYLOAD", "/", []byte("x"))
	auth := func(ak string) (string, string, error) { return "not the signer's key", "p1", nil }
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, authz, date, payload, target string, body []byte) {
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return
		}
		r := &http.Request{Method: "PUT", URL: u, Host: "127.0.0.1:8081", Header: http.Header{}, Body: http.NoBody}
		r.Header.Set("Authorization", authz)
		r.Header.Set("X-Amz-Date", date)
		r.Header.Set("X-Amz-Content-Sha256", payload)
		r.Body = readCloser{bytes.NewReader(body)}
		r.ContentLength = int64(len(body))
		if _, err := verifySignature(r, auth, now); err == nil {
			t.Fatalf("verified without the right key: %q %q", authz, target)
		}
	})
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
