// Package signer verifies (and produces) the SDK-HMAC-SHA256 AK/SK request
// signatures of the cloud platform's API gateway, byte for byte as the
// official Go SDK's core/auth/signer computes them. SDK-HMAC-SM3, the same
// scheme over SM3 (X-Sdk-Content-Sm3 instead of X-Sdk-Content-Sha256), is
// verified too; the SDK's asymmetric schemes are refused.
//
// The canonical request is
//
//	METHOD \n URI \n QUERY \n HEADERS \n SIGNED_HEADERS \n BODY_HASH
//
// where URI is every path segment percent-encoded plus an always-present
// trailing "/", QUERY is the parameters sorted by key and then by value and
// encoded the same way, HEADERS holds one "name:trimmed value\n" line per
// value of each signed header, and BODY_HASH is the hex SHA-256 of the body
// or the X-Sdk-Content-Sha256 value ("UNSIGNED-PAYLOAD"). The string to sign
// is "SDK-HMAC-SHA256\n{X-Sdk-Date}\n{hex SHA-256 of the canonical request}"
// and the signature its hex HMAC-SHA256 under the secret key.
package signer

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/tjfoc/gmsm/sm3"
)

const (
	// Algorithm is the SDK's default signing algorithm, the one Sign uses.
	Algorithm = "SDK-HMAC-SHA256"
	// AlgorithmSM3 is the same scheme over SM3, chosen in the SDK with
	// HttpConfig.WithSigningAlgorithm(algorithm.HmacSM3).
	AlgorithmSM3 = "SDK-HMAC-SM3"
	// DateFormat is the layout of X-Sdk-Date.
	DateFormat = "20060102T150405Z"
	// HeaderDate carries the signing time; it must be signed.
	HeaderDate = "X-Sdk-Date"
	// HeaderContentSha256 replaces the body hash when present.
	HeaderContentSha256 = "X-Sdk-Content-Sha256"
	// HeaderContentSm3 is its SDK-HMAC-SM3 counterpart.
	HeaderContentSm3 = "X-Sdk-Content-Sm3"
	// UnsignedPayload is the X-Sdk-Content-Sha256 value the SDK sends for
	// bodies that are neither JSON nor BSON.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// MaxSkew is how far X-Sdk-Date may be from the server clock, either way
	// (the API signing guide's 15 minutes).
	MaxSkew = 15 * time.Minute
)

// Sentinel errors; the gateway maps them to APIG.0301 detail texts. Returned
// errors wrap one of them with a detail, so test with errors.Is.
var (
	// ErrMissing: the request has no Authorization header.
	ErrMissing = errors.New("signer: no Authorization header")
	// ErrMalformed: Authorization or X-Sdk-Date cannot be parsed, or the
	// date is not among the signed headers.
	ErrMalformed = errors.New("signer: malformed signature")
	// ErrExpired: the signature is valid but X-Sdk-Date is more than MaxSkew
	// away from the server clock.
	ErrExpired = errors.New("signer: request date outside the accepted window")
	// ErrSignature: the signature does not match the request.
	ErrSignature = errors.New("signer: signature mismatch")
	// ErrUnsupportedAlgorithm: Authorization names another scheme.
	ErrUnsupportedAlgorithm = errors.New("signer: unsupported signing algorithm")
)

// scheme is one HMAC signing algorithm: its hash and the header that may
// replace the body hash.
type scheme struct {
	newHash       func() hash.Hash
	contentHeader string
}

var schemes = map[string]scheme{
	Algorithm:    {sha256.New, HeaderContentSha256},
	AlgorithmSM3: {sm3.New, HeaderContentSm3},
}

// Auth is the parsed Authorization header.
type Auth struct {
	Algorithm string
	// AK is the access key id (the "Access" parameter).
	AK string
	// SignedHeaders are the header names in the order they were signed.
	SignedHeaders []string
	// Signature is the hex signature as sent.
	Signature string
}

// BodyUnsigned reports whether the client excluded the body from the
// signature (content header UNSIGNED-PAYLOAD, which the SDK sends for
// content types other than JSON and BSON). The gateway decides whether to
// accept such bodies; Verify does not look at them.
func (a *Auth) BodyUnsigned(r *http.Request) bool {
	sc, ok := schemes[a.Algorithm]
	return ok && r.Header.Get(sc.contentHeader) == UnsignedPayload
}

// SDKSendsUnsigned reports whether the official SDK marks a request with
// this Content-Type UNSIGNED-PAYLOAD (core/auth/signer's
// processContentHeader): it does for every content type that contains
// neither "application/json" nor "application/bson" (file and stream
// uploads), and never for a request without a Content-Type.
func SDKSendsUnsigned(contentType string) bool {
	return contentType != "" &&
		!strings.Contains(contentType, "application/json") && !strings.Contains(contentType, "application/bson")
}

// Parse reads the Authorization header of r. It does not look at the
// signature's validity; see Verify.
func Parse(r *http.Request) (*Auth, error) {
	v := strings.TrimSpace(r.Header.Get("Authorization"))
	if v == "" {
		return nil, ErrMissing
	}
	alg, rest, _ := strings.Cut(v, " ")
	if _, ok := schemes[alg]; !ok {
		return nil, fmt.Errorf("%w: %.40q", ErrUnsupportedAlgorithm, alg)
	}
	a := &Auth{Algorithm: alg}
	seen := map[string]bool{}
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("%w: parameter %.40q has no value", ErrMalformed, part)
		}
		if seen[k] {
			return nil, fmt.Errorf("%w: repeated parameter %s", ErrMalformed, k)
		}
		seen[k] = true
		switch k {
		case "Access":
			a.AK = val
		case "SignedHeaders":
			for _, h := range strings.Split(val, ";") {
				if h == "" || strings.ContainsAny(h, " \t:") {
					return nil, fmt.Errorf("%w: bad signed header name %.40q", ErrMalformed, h)
				}
				a.SignedHeaders = append(a.SignedHeaders, h)
			}
		case "Signature":
			a.Signature = val
		default:
			return nil, fmt.Errorf("%w: unknown parameter %.40q", ErrMalformed, k)
		}
	}
	switch {
	case a.AK == "":
		return nil, fmt.Errorf("%w: no Access", ErrMalformed)
	case len(a.SignedHeaders) == 0:
		return nil, fmt.Errorf("%w: no SignedHeaders", ErrMalformed)
	case a.Signature == "":
		return nil, fmt.Errorf("%w: no Signature", ErrMalformed)
	}
	return a, nil
}

// Verify checks a's signature over r and body (the exact bytes received)
// with the secret key sk. The signature is checked before the date window,
// so ErrExpired is only returned for requests really signed with sk: the
// caller can tell a stale but authentic request from a wrong key.
func Verify(r *http.Request, body []byte, a *Auth, sk string, now time.Time) error {
	if a == nil {
		return ErrMissing
	}
	sc, ok := schemes[a.Algorithm]
	if !ok {
		return fmt.Errorf("%w: %.40q", ErrUnsupportedAlgorithm, a.Algorithm)
	}
	got, err := hex.DecodeString(a.Signature)
	if err != nil || len(got) != sc.newHash().Size() {
		return fmt.Errorf("%w: signature is not a hex %s", ErrMalformed, a.Algorithm)
	}
	date, t, err := requestDate(r, a.SignedHeaders)
	if err != nil {
		return err
	}
	cr, err := canonicalRequest(r, body, a.SignedHeaders, sc)
	if err != nil {
		return err
	}
	want := signature(a.Algorithm, sc, sk, date, cr)
	if !hmac.Equal(got, want) {
		return ErrSignature
	}
	if d := now.Sub(t); d > MaxSkew || d < -MaxSkew {
		return fmt.Errorf("%w: %s is %s from server time", ErrExpired, date, d.Round(time.Second))
	}
	return nil
}

// Sign signs r the way the official Go SDK does: it sets X-Sdk-Date (and
// X-Sdk-Content-Sha256 for non-JSON bodies), signs every header already on r
// except Content-Type and names containing "_", and sets Authorization. Host
// is not signed, as in the SDK. body must be the bytes r will send.
func Sign(r *http.Request, body []byte, ak, sk string, now time.Time) error {
	if ak == "" || sk == "" {
		return errors.New("signer: empty AK or SK")
	}
	r.Header.Del("Authorization")
	if SDKSendsUnsigned(r.Header.Get("Content-Type")) {
		r.Header.Set(HeaderContentSha256, UnsignedPayload)
	}
	date := now.UTC().Format(DateFormat)
	r.Header.Set(HeaderDate, date)
	var names []string
	for k := range r.Header {
		l := strings.ToLower(k)
		if strings.HasPrefix(l, "content-type") || strings.Contains(l, "_") {
			continue
		}
		names = append(names, l)
	}
	sort.Strings(names)
	sc := schemes[Algorithm]
	cr, err := canonicalRequest(r, body, names, sc)
	if err != nil {
		return err
	}
	r.Header.Set("Authorization", fmt.Sprintf("%s Access=%s, SignedHeaders=%s, Signature=%s",
		Algorithm, ak, strings.Join(names, ";"), hex.EncodeToString(signature(Algorithm, sc, sk, date, cr))))
	return nil
}

// CanonicalRequest returns the SDK-HMAC-SHA256 canonical request of r as
// the signature covers it; the gateway may log it to debug a client.
func CanonicalRequest(r *http.Request, body []byte, signedHeaders []string) (string, error) {
	return canonicalRequest(r, body, signedHeaders, schemes[Algorithm])
}

func signature(alg string, sc scheme, sk, date, canonical string) []byte {
	h := sc.newHash()
	h.Write([]byte(canonical))
	sts := alg + "\n" + date + "\n" + hex.EncodeToString(h.Sum(nil))
	m := hmac.New(sc.newHash, []byte(sk))
	m.Write([]byte(sts))
	return m.Sum(nil)
}

// requestDate returns X-Sdk-Date, which must be present once, parse, and be
// among the signed headers (otherwise an old signature could be replayed
// with a fresh date).
func requestDate(r *http.Request, signed []string) (string, time.Time, error) {
	vals := r.Header.Values(HeaderDate)
	if len(vals) != 1 {
		return "", time.Time{}, fmt.Errorf("%w: want exactly one %s header, got %d", ErrMalformed, HeaderDate, len(vals))
	}
	t, err := time.Parse(DateFormat, vals[0])
	if err != nil {
		return "", time.Time{}, fmt.Errorf("%w: %s %.40q is not %s", ErrMalformed, HeaderDate, vals[0], DateFormat)
	}
	for _, h := range signed {
		if strings.EqualFold(h, HeaderDate) {
			return vals[0], t, nil
		}
	}
	return "", time.Time{}, fmt.Errorf("%w: %s is not signed", ErrMalformed, HeaderDate)
}

func canonicalRequest(r *http.Request, body []byte, signed []string, sc scheme) (string, error) {
	uri, err := canonicalURI(r.URL)
	if err != nil {
		return "", err
	}
	query, err := canonicalQuery(r.URL.RawQuery)
	if err != nil {
		return "", err
	}
	bh, err := bodyHash(r, body, sc)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(256)
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(query)
	b.WriteByte('\n')
	writeHeaders(&b, r, signed)
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(bh)
	return b.String(), nil
}

// canonicalURI re-encodes each segment of the path as received. Segments are
// decoded one by one from the escaped form so that an encoded "/" inside a
// segment stays inside it.
func canonicalURI(u *url.URL) (string, error) {
	segs := strings.Split(u.EscapedPath(), "/")
	for i, s := range segs {
		d, err := url.PathUnescape(s)
		if err != nil {
			return "", fmt.Errorf("%w: path segment %.40q: %v", ErrMalformed, s, err)
		}
		segs[i] = escape(d)
	}
	p := strings.Join(segs, "/")
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p, nil
}

// canonicalQuery parses the raw query itself because url.ParseQuery rejects
// ";" in keys and values, which a client may sign unencoded. "+" decodes to a
// space: the SDK sends spaces as "%20", form encoders as "+".
func canonicalQuery(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	q := map[string][]string{}
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, err := url.QueryUnescape(k)
		if err != nil {
			return "", fmt.Errorf("%w: query key %.40q: %v", ErrMalformed, k, err)
		}
		dv, err := url.QueryUnescape(v)
		if err != nil {
			return "", fmt.Errorf("%w: query value of %.40q: %v", ErrMalformed, dk, err)
		}
		q[dk] = append(q[dk], dv)
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		vs := q[k]
		sort.Strings(vs)
		ek := escape(k)
		for _, v := range vs {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(ek)
			b.WriteByte('=')
			b.WriteString(escape(v))
		}
	}
	return b.String(), nil
}

// writeHeaders writes one "name:value" line per value of each signed
// header, values sorted, plus the final newline. Go's server moves Host out
// of the header map, so a signed "host" (other SDKs sign it) reads r.Host.
// A signed header absent from the request contributes no line, as in the
// SDK, which makes the signature fail if it was present when signed.
func writeHeaders(b *strings.Builder, r *http.Request, signed []string) {
	first := true
	for _, name := range signed {
		var vals []string
		if strings.EqualFold(name, "host") && r.Host != "" {
			vals = []string{r.Host}
		} else {
			vals = r.Header.Values(name)
		}
		trimmed := make([]string, len(vals))
		for i, v := range vals {
			trimmed[i] = strings.TrimSpace(v)
		}
		sort.Strings(trimmed)
		for _, v := range trimmed {
			if !first {
				b.WriteByte('\n')
			}
			first = false
			b.WriteString(name)
			b.WriteByte(':')
			b.WriteString(v)
		}
	}
	b.WriteByte('\n')
}

// bodyHash returns the hex hash of body, or the value of the scheme's
// content header. Besides UNSIGNED-PAYLOAD, a client may send the real hash
// there; it must then match the body, or an unsigned body could ride on it.
func bodyHash(r *http.Request, body []byte, sc scheme) (string, error) {
	h := sc.newHash()
	h.Write(body)
	sum := h.Sum(nil)
	actual := hex.EncodeToString(sum)
	vals := r.Header.Values(sc.contentHeader)
	if len(vals) == 0 {
		return actual, nil
	}
	v := vals[0]
	switch {
	case len(vals) > 1:
		return "", fmt.Errorf("%w: repeated %s", ErrMalformed, sc.contentHeader)
	case v == UnsignedPayload:
		return v, nil
	case len(v) == len(actual) && isHex(v):
		if !strings.EqualFold(v, actual) {
			return "", fmt.Errorf("%w: %s does not match the body", ErrSignature, sc.contentHeader)
		}
		return v, nil
	}
	return "", fmt.Errorf("%w: %s %.40q", ErrMalformed, sc.contentHeader, v)
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// escape percent-encodes everything except A-Z a-z 0-9 _ - ~ . with
// upper-case hex, the SDK's rule for path segments and query parts.
func escape(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if mustEscape(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	t := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if mustEscape(c) {
			t = append(t, '%', hexDigits[c>>4], hexDigits[c&15])
		} else {
			t = append(t, c)
		}
	}
	return string(t)
}

func mustEscape(c byte) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return false
	case c == '_', c == '-', c == '~', c == '.':
		return false
	}
	return true
}
