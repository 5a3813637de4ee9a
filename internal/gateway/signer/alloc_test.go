package signer_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/gateway/signer"
)

// jsonCall is a request as the official SDK sends a JSON call.
func jsonCall(tb testing.TB, body []byte, now time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/v2/"+testProject+"/ocr/general-text?x=1", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json;charset=UTF-8")
	r.Header.Set("User-Agent", "huaweicloud-usdk-go/3.0")
	r.Header.Set("X-Project-Id", testProject)
	if err := signer.Sign(r, body, testAK, testSK, now); err != nil {
		tb.Fatal(err)
	}
	return r
}

// The gateway's signature check (parse, verify, release) allocates
// nothing per request, for an accepted and for a rejected signature.
func TestParseVerifyAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	now := time.Now()
	body := []byte(`{"url":"https://example.com/a.png"}`)
	good := jsonCall(t, body, now)
	bad := jsonCall(t, body, now)
	bad.Header.Set("X-Project-Id", "another")
	for _, c := range []struct {
		name string
		r    *http.Request
		ok   bool
	}{{"accepted", good, true}, {"bad signature", bad, false}} {
		allocs := testing.AllocsPerRun(200, func() {
			a, err := signer.Parse(c.r)
			if err != nil {
				t.Fatal(err)
			}
			if err := signer.Verify(c.r, body, a, testSK, now); (err == nil) != c.ok {
				t.Fatalf("Verify = %v", err)
			}
			a.Release()
		})
		if allocs != 0 {
			t.Errorf("%s: %.1f allocations per check, want 0", c.name, allocs)
		}
	}
}
