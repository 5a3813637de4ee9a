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

// FuzzCanonicalMatchesReference: the allocation-free canonical request is
// byte for byte the one the straightforward construction (reference_test.go)
// builds, for any path, query, header set and body, errors included.
func FuzzCanonicalMatchesReference(f *testing.F) {
	f.Add("http://aisd.test/v2/p/ocr/general-text?b=2&a=1&a=0", "content-type;x-sdk-date;host", "Content-Type: application/json\nX-Sdk-Date: 20261201T120000Z", []byte(`{"image":"x"}`), "")
	f.Add("http://aisd.test/a%2Fb/c+d/%7e/?q=%20+x&&=&k;v=1", "x-a;X-B;x_c", "x-a:  2 \nX-A: 1\nx_c: u\nx-b: 3", []byte(nil), "UNSIGNED-PAYLOAD")
	f.Add("http://aisd.test/%zz?a=%", "x", "x: y", []byte("x"), "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")
	f.Add("http://aisd.test", "h(x);h y", "h(x): 1\nh y: 2", []byte(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85")
	f.Fuzz(func(t *testing.T, rawURL, signed, headers string, body []byte, content string) {
		u, err := url.Parse(rawURL)
		if err != nil {
			return
		}
		r := &http.Request{Method: "POST", URL: u, Host: u.Host, Header: http.Header{}}
		for _, line := range strings.Split(headers, "\n") {
			k, v, _ := strings.Cut(line, ":")
			r.Header[k] = append(r.Header[k], v) // as sent, not canonicalized
		}
		if content != "" {
			r.Header.Set(HeaderContentSha256, content)
		}
		names := strings.Split(signed, ";")
		for _, sc := range []scheme{schemes[Algorithm], schemes[AlgorithmSM3]} {
			want, werr := refCanonicalRequest(r, body, names, sc)
			s := getState()
			gerr := s.canonical(r, body, names, sc)
			got := string(s.buf)
			putState(s)
			if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
				t.Fatalf("error %v, reference %v", gerr, werr)
			}
			if werr == nil && got != want {
				t.Fatalf("canonical request\n%q\nreference\n%q", got, want)
			}
		}
	})
}
