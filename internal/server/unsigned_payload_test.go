package server_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/sdktest"
)

// sdkSignedAs signs a request with the SDK's own signer, sending body with
// the given Content-Type; the signer marks every content type other than
// JSON and BSON X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD.
func sdkSignedAs(t *testing.T, url, contentType string, body []byte) *http.Request {
	t.Helper()
	return sdktest.SignedAs(t, http.MethodPost, url, contentType, body, rootAK, rootSK, time.Now(), nil)
}

func swapBody(r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
}

// Every API aisd serves takes JSON, for which the SDK always signs the
// body's hash: a request that declares its body UNSIGNED-PAYLOAD there is
// refused as a signature failure, so a body swapped under a captured
// signature never reaches a handler.
func TestUnsignedPayloadRefusedOnJSONAPIs(t *testing.T) {
	e := newEnv(t)
	url := e.srv.URL + "/v2/" + e.s.Root.Project.ID + "/ocr/general-text"
	orig := []byte(`{"image":"aGVsbG8="}`)
	forged := []byte(`{"url":"http://127.0.0.1:1/forged.jpg"}`)

	// The control: the SDK's JSON request binds the body and passes.
	r := sdkSignedAs(t, url, "application/json;charset=UTF-8", orig)
	if r.Header.Get("X-Sdk-Content-Sha256") != "" {
		t.Fatalf("the SDK marked a JSON body %q", r.Header.Get("X-Sdk-Content-Sha256"))
	}
	if resp, b := do(t, r); resp.StatusCode == 401 || strings.HasPrefix(b.Code, "APIG.") {
		t.Fatalf("SDK-signed JSON call refused: %d %+v", resp.StatusCode, b)
	}

	for _, tc := range []struct {
		name, contentType string
		body              []byte
	}{
		{"swapped body", "application/octet-stream", forged},
		{"swapped body, text", "text/plain", forged},
		{"original body", "application/octet-stream", orig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sdkSignedAs(t, url, tc.contentType, orig)
			if got := r.Header.Get("X-Sdk-Content-Sha256"); got != "UNSIGNED-PAYLOAD" {
				t.Fatalf("the SDK sent X-Sdk-Content-Sha256 %q for %s", got, tc.contentType)
			}
			swapBody(r, tc.body)
			resp, b := do(t, r)
			if resp.StatusCode != 401 || b.Code != "APIG.0301" ||
				b.Msg != "Incorrect IAM authentication information: verify aksk signature fail" {
				t.Fatalf("UNSIGNED-PAYLOAD on a JSON API: %d %+v", resp.StatusCode, b)
			}
		})
	}

	// An UNSIGNED-PAYLOAD marker added to a JSON request is not in the SDK's
	// signature either: a signature failure, not an unsigned body.
	r = sdkSignedAs(t, url, "application/json", orig)
	r.Header.Set("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD")
	swapBody(r, forged)
	if resp, b := do(t, r); resp.StatusCode != 401 || b.Code != "APIG.0301" || !strings.HasSuffix(b.Msg, "verify aksk signature fail") {
		t.Fatalf("marker added after signing: %d %+v", resp.StatusCode, b)
	}
}
