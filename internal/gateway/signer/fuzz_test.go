package signer

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzParseVerify: any Authorization header, date, URL and body a client
// sends is parsed and verified without a panic; a request that verifies
// under a wrong key would be a forgery.
func FuzzParseVerify(f *testing.F) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	good, _ := http.NewRequest("POST", "http://aisd.test/v2/p/ocr/general-text?a=1&b=%20", strings.NewReader(`{"image":"x"}`))
	good.Header.Set("Content-Type", "application/json")
	if err := Sign(good, []byte(`{"image":"x"}`), "AK", "SK", now); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Header.Get("Authorization"), good.Header.Get("X-Sdk-Date"), good.URL.String(), `{"image":"x"}`)
	f.Add("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=00", "20261201T120000Z", "http://aisd.test/%zz", "")
	f.Add("SDK-HMAC-SM3 Access=, SignedHeaders=, Signature=", "", "http://aisd.test/", "")
	f.Add("SDK-HMAC-SHA256 Access=AK,SignedHeaders=x-sdk-date;content-type,Signature=abc,Extra", "bad", "http://aisd.test/a/../b?x", "{")
	f.Fuzz(func(t *testing.T, authz, date, rawURL, body string) {
		u, err := url.Parse(rawURL)
		if err != nil || u.Host == "" {
			return
		}
		r := &http.Request{Method: "POST", URL: u, Host: u.Host, Header: http.Header{}}
		r.Header.Set("Authorization", authz)
		r.Header.Set("X-Sdk-Date", date)
		r.Header.Set("Content-Type", "application/json")
		a, err := Parse(r)
		if err != nil {
			return
		}
		if Verify(r, []byte(body), a, "another secret key", now) == nil && authz != "" {
			t.Fatalf("a request verified under a key it was not signed with: %q", authz)
		}
	})
}
