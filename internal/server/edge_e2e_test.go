package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/sdktest"
)

// The official SDK's calls go through the edge (the gateway's listener as
// `aisd serve` runs it) as through net/http: signatures verify, errors come
// in the service's dialect with a request id, the throttle's headers are
// sent, and a body over the gateway's limit is APIG.0201.
func TestEdgeServesTheSDK(t *testing.T) {
	addr, s := serveWith(t, func(c *aisdcfg.Config) { c.RateLimit, c.GatewayMaxMB, c.ServiceMaxMB = 1, 1, 1 })
	ep := "http://" + addr
	pid := s.Root.Project.ID

	// No engines: the first call is verified, admitted and answered "not
	// started" in OCR's dialect; the second is over the limit of 1/min.
	client := sdktest.OCR(t, ep, rootAK, rootSK, pid)
	_, err := client.RecognizeGeneralText(ocrByURL("https://example.com/a.png"))
	se := sdktest.WantCode(t, err, 400, "ModelArts.4508")
	if !requestIDRe.MatchString(se.RequestId) {
		t.Errorf("request id %q", se.RequestId)
	}
	_, err = client.RecognizeGeneralText(ocrByURL("https://example.com/a.png"))
	sdktest.WantCode(t, err, 429, "APIG.0308")

	// A wrong SK is refused on its signature.
	bad := sdktest.Moderation(t, ep, rootAK, "wrong"+rootSK[5:], pid)
	_, err = bad.RunTextModeration(modText("hello", nil, nil))
	sdktest.WantCode(t, err, 401, "APIG.0301")

	// Raw requests: the rate-limit headers and the JSON body of a refusal,
	// and a body over the 1 MB limit refused while it is read.
	body := []byte(`{"url":"https://example.com/a.png"}`)
	url := ep + "/v2/" + pid + "/ocr/general-text"
	resp, b := do(t, sdktest.Signed(t, "POST", url, body, rootAK, rootSK, time.Now()))
	if resp.StatusCode != 429 || b.Code != "APIG.0308" || b.RequestID != resp.Header.Get("X-Request-Id") || !requestIDRe.MatchString(b.RequestID) {
		t.Errorf("throttled: %d %+v, X-Request-Id %q", resp.StatusCode, b, resp.Header.Get("X-Request-Id"))
	}
	if resp.Header.Get("Retry-After") == "" || resp.Header.Get("X-Ratelimit-Limit") != "1" || resp.Header.Get("Date") == "" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("refusal headers: %v", resp.Header)
	}
	big := bytes.Repeat([]byte("a"), 2<<20)
	resp, b = do(t, sdktest.Signed(t, "POST", url, big, rootAK, rootSK, time.Now()))
	if resp.StatusCode != 413 || b.Code != "APIG.0201" || !resp.Close {
		t.Errorf("2 MB body: %d %+v (close %v)", resp.StatusCode, b, resp.Close)
	}

	req, _ := http.NewRequest("GET", ep+"/healthz", nil)
	resp, _ = do(t, req)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || resp.Close {
		t.Errorf("healthz: %d %v (close %v)", resp.StatusCode, resp.Header, resp.Close)
	}
}
