package input

import (
	"encoding/base64"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// FuzzDecodeBase64: what decodes is exactly what a canonical encoder wrote
// (strict decoding: one payload, one meaning), and nothing panics.
func FuzzDecodeBase64(f *testing.F) {
	for _, s := range []string{"aGVsbG8=", "aGVsbG8", "aGVsbG9=", "data:image/png;base64,aGk=", "aG\nVs bG8=", "data:,x", "=", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := DecodeBase64(s)
		if err != nil {
			return
		}
		payload := strings.TrimSpace(s)
		if len(payload) > 5 && strings.EqualFold(payload[:5], "data:") {
			payload = payload[strings.IndexByte(payload, ',')+1:]
		}
		payload = strings.Join(strings.FieldsFunc(payload, func(r rune) bool { return strings.ContainsRune(" \t\r\n\f\v", r) }), "")
		if got := base64.StdEncoding.EncodeToString(b); got != payload {
			t.Fatalf("%q decoded to %d bytes whose canonical encoding is %q", s, len(b), got)
		}
	})
}

// FuzzFetcherParse: an accepted URL is http(s) with a host, no userinfo,
// and a literal address in it is never one the policy refuses.
func FuzzFetcherParse(f *testing.F) {
	for _, s := range []string{"https://example.com/a.jpg", "http://127.0.0.1/", "http://[::1]:80/", "http://0x7f.1/", "http://2130706433/",
		"file:///etc/passwd", "http://user@host/", "http://[fe80::1%25eth0]/", "https://example.com:99999/", "HTTP://Example.COM"} {
		f.Add(s)
	}
	fe := NewFetcher(FetcherOptions{})
	f.Fuzz(func(t *testing.T, s string) {
		u, err := fe.Parse(s)
		if err != nil {
			if !errors.Is(err, ErrURLForbidden) {
				t.Fatalf("%q: %v does not wrap ErrURLForbidden", s, err)
			}
			return
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil {
			t.Fatalf("%q accepted as %#v", s, u)
		}
		if a, perr := netip.ParseAddr(u.Hostname()); perr == nil {
			if why := fe.refused(a); why != "" {
				t.Fatalf("%q accepted with a refused address: %s", s, why)
			}
		}
	})
}
