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
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
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
// replace the body hash. Both hashes have 32-byte sums and 64-byte blocks.
type scheme struct {
	id            int // index into state.hashes
	newHash       func() hash.Hash
	contentHeader string
}

// sumSize is the digest size of SHA-256 and SM3 alike.
const sumSize = 32

var schemes = map[string]scheme{
	Algorithm:    {0, sha256.New, HeaderContentSha256},
	AlgorithmSM3: {1, sm3.New, HeaderContentSm3},
}

// maxInlineSigned is how many signed header names an Auth holds without
// a separate allocation (the SDK signs four or five).
const maxInlineSigned = 16

// Auth is the parsed Authorization header.
type Auth struct {
	Algorithm string
	// AK is the access key id (the "Access" parameter).
	AK string
	// SignedHeaders are the header names in the order they were signed.
	SignedHeaders []string
	// Signature is the hex signature as sent.
	Signature string

	names [maxInlineSigned]string
}

var authPool = sync.Pool{New: func() any { return new(Auth) }}

// Release hands a back for reuse by a later Parse; a must not be used
// afterwards. Calling it is optional (it saves the hot path an allocation).
func (a *Auth) Release() {
	if a == nil {
		return
	}
	*a = Auth{}
	authPool.Put(a)
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
// signature's validity; see Verify. The parts of the result are substrings
// of the header, so parsing allocates nothing once the pool is warm.
func Parse(r *http.Request) (*Auth, error) {
	v := strings.TrimSpace(r.Header.Get("Authorization"))
	if v == "" {
		return nil, ErrMissing
	}
	alg, rest, _ := strings.Cut(v, " ")
	if _, ok := schemes[alg]; !ok {
		return nil, fmt.Errorf("%w: %.40q", ErrUnsupportedAlgorithm, alg)
	}
	a := authPool.Get().(*Auth)
	if err := a.parse(alg, rest); err != nil {
		a.Release()
		return nil, err
	}
	return a, nil
}

func (a *Auth) parse(alg, rest string) error {
	a.Algorithm = alg
	a.SignedHeaders = a.names[:0]
	var seenAK, seenSH, seenSig bool
	for more := true; more; {
		var part string
		part, rest, more = strings.Cut(rest, ",")
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: parameter %.40q has no value", ErrMalformed, part)
		}
		var seen *bool
		switch k {
		case "Access":
			seen = &seenAK
			a.AK = val
		case "SignedHeaders":
			seen = &seenSH
			for hmore := true; hmore; {
				var h string
				h, val, hmore = strings.Cut(val, ";")
				if h == "" || strings.ContainsAny(h, " \t:") {
					return fmt.Errorf("%w: bad signed header name %.40q", ErrMalformed, h)
				}
				a.SignedHeaders = append(a.SignedHeaders, h)
			}
		case "Signature":
			seen = &seenSig
			a.Signature = val
		default:
			return fmt.Errorf("%w: unknown parameter %.40q", ErrMalformed, k)
		}
		if *seen {
			return fmt.Errorf("%w: repeated parameter %s", ErrMalformed, k)
		}
		*seen = true
	}
	switch {
	case a.AK == "":
		return fmt.Errorf("%w: no Access", ErrMalformed)
	case len(a.SignedHeaders) == 0:
		return fmt.Errorf("%w: no SignedHeaders", ErrMalformed)
	case a.Signature == "":
		return fmt.Errorf("%w: no Signature", ErrMalformed)
	}
	return nil
}

// state is the scratch space of one verification, pooled so that a
// request's check allocates nothing: the canonical request and string to
// sign are built in buf, the decoded query in arena, and the hashes are
// reset rather than made anew.
type state struct {
	buf    []byte
	arena  []byte
	pairs  []qpair
	vals   []string
	key    []byte
	hashes [2]struct{ plain, inner, outer hash.Hash }
	sum    [sumSize]byte
	mac    [sumSize]byte
	got    [sumSize]byte
	hexSum [2 * sumSize]byte
	pad    [128]byte
}

// qpair is one decoded query parameter, as offsets into state.arena.
type qpair struct{ k0, k1, v0, v1 int }

var statePool = sync.Pool{New: func() any { return new(state) }}

func getState() *state { return statePool.Get().(*state) }

func putState(s *state) {
	// A huge query or header set is not kept alive for the next request.
	if cap(s.buf) > 64<<10 || cap(s.arena) > 64<<10 || cap(s.pairs) > 1024 || cap(s.vals) > 1024 {
		return
	}
	statePool.Put(s)
}

func (s *state) hash(sc scheme) *struct{ plain, inner, outer hash.Hash } {
	h := &s.hashes[sc.id]
	if h.plain == nil {
		h.plain, h.inner, h.outer = sc.newHash(), sc.newHash(), sc.newHash()
	}
	return h
}

// Verify checks a's signature over r and body (the exact bytes received)
// with the secret key sk. The signature is checked before the date window,
// so ErrExpired is only returned for requests really signed with sk: the
// caller can tell a stale but authentic request from a wrong key. A request
// that verifies, or fails on its signature, costs no allocation.
func Verify(r *http.Request, body []byte, a *Auth, sk string, now time.Time) error {
	if a == nil {
		return ErrMissing
	}
	sc, ok := schemes[a.Algorithm]
	if !ok {
		return fmt.Errorf("%w: %.40q", ErrUnsupportedAlgorithm, a.Algorithm)
	}
	s := getState()
	defer putState(s)
	if !decodeHex(s.got[:], a.Signature) {
		return fmt.Errorf("%w: signature is not a hex %s", ErrMalformed, a.Algorithm)
	}
	date, t, err := requestDate(r, a.SignedHeaders)
	if err != nil {
		return err
	}
	if err := s.canonical(r, body, a.SignedHeaders, sc); err != nil {
		return err
	}
	if !hmac.Equal(s.got[:], s.signature(a.Algorithm, sc, sk, date)) {
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
	s := getState()
	defer putState(s)
	if err := s.canonical(r, body, names, sc); err != nil {
		return err
	}
	r.Header.Set("Authorization", fmt.Sprintf("%s Access=%s, SignedHeaders=%s, Signature=%s",
		Algorithm, ak, strings.Join(names, ";"), hex.EncodeToString(s.signature(Algorithm, sc, sk, date))))
	return nil
}

// CanonicalRequest returns the SDK-HMAC-SHA256 canonical request of r as
// the signature covers it; the gateway may log it to debug a client.
func CanonicalRequest(r *http.Request, body []byte, signedHeaders []string) (string, error) {
	s := getState()
	defer putState(s)
	if err := s.canonical(r, body, signedHeaders, schemes[Algorithm]); err != nil {
		return "", err
	}
	return string(s.buf), nil
}

// signature returns the HMAC under sk of the string to sign for the
// canonical request in s.buf. HMAC is computed by hand over reset hashes
// (crypto/hmac.New allocates per key): H(k^opad || H(k^ipad || msg)).
func (s *state) signature(alg string, sc scheme, sk, date string) []byte {
	h := s.hash(sc)
	h.plain.Reset()
	h.plain.Write(s.buf)
	crSum := h.plain.Sum(s.sum[:0])
	hex.Encode(s.hexSum[:], crSum)
	s.buf = append(s.buf[:0], alg...)
	s.buf = append(s.buf, '\n')
	s.buf = append(s.buf, date...)
	s.buf = append(s.buf, '\n')
	s.buf = append(s.buf, s.hexSum[:]...)

	block := h.inner.BlockSize()
	key := s.pad[:block]
	clear(key)
	if len(sk) > block {
		s.key = append(s.key[:0], sk...)
		h.plain.Reset()
		h.plain.Write(s.key)
		h.plain.Sum(key[:0])
	} else {
		copy(key, sk)
	}
	for i := range key {
		key[i] ^= 0x36
	}
	h.inner.Reset()
	h.inner.Write(key)
	h.inner.Write(s.buf)
	inner := h.inner.Sum(s.sum[:0])
	for i := range key {
		key[i] ^= 0x36 ^ 0x5c
	}
	h.outer.Reset()
	h.outer.Write(key)
	h.outer.Write(inner)
	return h.outer.Sum(s.mac[:0])
}

// decodeHex decodes the hex string src into dst, which it must fill exactly.
func decodeHex(dst []byte, src string) bool {
	if len(src) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := unhex(src[2*i])
		lo, ok2 := unhex(src[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
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

// canonical builds the canonical request of r in s.buf.
func (s *state) canonical(r *http.Request, body []byte, signed []string, sc scheme) error {
	s.buf = append(s.buf[:0], r.Method...)
	s.buf = append(s.buf, '\n')
	if err := s.canonicalURI(r.URL); err != nil {
		return err
	}
	s.buf = append(s.buf, '\n')
	if err := s.canonicalQuery(r.URL.RawQuery); err != nil {
		return err
	}
	s.buf = append(s.buf, '\n')
	bh, err := s.bodyHash(r, body, sc)
	if err != nil {
		return err
	}
	s.writeHeaders(r, signed)
	s.buf = append(s.buf, '\n')
	for i, h := range signed {
		if i > 0 {
			s.buf = append(s.buf, ';')
		}
		s.buf = append(s.buf, h...)
	}
	s.buf = append(s.buf, '\n')
	s.buf = append(s.buf, bh...)
	return nil
}

// canonicalURI re-encodes each segment of the path as received. Segments are
// decoded one by one from the escaped form so that an encoded "/" inside a
// segment stays inside it; decoding and re-encoding go byte by byte, which
// is what unescaping a segment and escaping it again amounts to.
func (s *state) canonicalURI(u *url.URL) error {
	p := u.EscapedPath()
	start := len(s.buf)
	for more := true; more; {
		var seg string
		seg, p, more = strings.Cut(p, "/")
		var ok bool
		if s.buf, ok = appendReescaped(s.buf, seg, false); !ok {
			_, err := url.PathUnescape(seg)
			return fmt.Errorf("%w: path segment %.40q: %v", ErrMalformed, seg, err)
		}
		if more {
			s.buf = append(s.buf, '/')
		}
	}
	if len(s.buf) == start || s.buf[len(s.buf)-1] != '/' {
		s.buf = append(s.buf, '/')
	}
	return nil
}

// canonicalQuery parses the raw query itself because url.ParseQuery rejects
// ";" in keys and values, which a client may sign unencoded. "+" decodes to a
// space: the SDK sends spaces as "%20", form encoders as "+". Parameters are
// sorted by key and then value, bytewise, as the SDK sorts them.
func (s *state) canonicalQuery(raw string) error {
	if raw == "" {
		return nil
	}
	s.arena, s.pairs = s.arena[:0], s.pairs[:0]
	for more := true; more; {
		var part string
		part, raw, more = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		var p qpair
		var ok bool
		p.k0 = len(s.arena)
		if s.arena, ok = appendUnescapedQuery(s.arena, k); !ok {
			_, err := url.QueryUnescape(k)
			return fmt.Errorf("%w: query key %.40q: %v", ErrMalformed, k, err)
		}
		p.k1, p.v0 = len(s.arena), len(s.arena)
		if s.arena, ok = appendUnescapedQuery(s.arena, v); !ok {
			dk, _ := url.QueryUnescape(k)
			_, err := url.QueryUnescape(v)
			return fmt.Errorf("%w: query value of %.40q: %v", ErrMalformed, dk, err)
		}
		p.v1 = len(s.arena)
		s.pairs = append(s.pairs, p)
	}
	arena := s.arena
	slices.SortFunc(s.pairs, func(a, b qpair) int {
		if c := bytes.Compare(arena[a.k0:a.k1], arena[b.k0:b.k1]); c != 0 {
			return c
		}
		return bytes.Compare(arena[a.v0:a.v1], arena[b.v0:b.v1])
	})
	for i, p := range s.pairs {
		if i > 0 {
			s.buf = append(s.buf, '&')
		}
		s.buf = appendEscaped(s.buf, arena[p.k0:p.k1])
		s.buf = append(s.buf, '=')
		s.buf = appendEscaped(s.buf, arena[p.v0:p.v1])
	}
	return nil
}

// writeHeaders writes one "name:value" line per value of each signed
// header, values sorted, plus the final newline. Go's server moves Host out
// of the header map, so a signed "host" (other SDKs sign it) reads r.Host.
// A signed header absent from the request contributes no line, as in the
// SDK, which makes the signature fail if it was present when signed.
func (s *state) writeHeaders(r *http.Request, signed []string) {
	first := true
	for _, name := range signed {
		s.vals = s.vals[:0]
		if strings.EqualFold(name, "host") && r.Host != "" {
			s.vals = append(s.vals, r.Host)
		} else {
			s.vals = append(s.vals, s.headerValues(r.Header, name)...)
		}
		for i, v := range s.vals {
			s.vals[i] = strings.TrimSpace(v)
		}
		slices.Sort(s.vals)
		for _, v := range s.vals {
			if !first {
				s.buf = append(s.buf, '\n')
			}
			first = false
			s.buf = append(s.buf, name...)
			s.buf = append(s.buf, ':')
			s.buf = append(s.buf, v...)
		}
	}
	s.buf = append(s.buf, '\n')
}

// headerValues is h.Values(name) without the allocation of canonicalizing
// a lower-case name: the canonical key is built in s.key and the map is
// indexed with it directly, which the compiler does without a copy.
func (s *state) headerValues(h http.Header, name string) []string {
	s.key = append(s.key[:0], name...)
	upper := true
	for i, c := range s.key {
		if !validHeaderFieldByte(c) {
			// textproto leaves such a key as it is.
			return h[name]
		}
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		s.key[i] = c
		upper = c == '-'
	}
	return h[string(s.key)]
}

// validHeaderFieldByte is textproto's set of header name bytes (RFC 7230
// tokens).
func validHeaderFieldByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// bodyHash returns the hex hash of body, or the value of the scheme's
// content header. Besides UNSIGNED-PAYLOAD, a client may send the real hash
// there; it must then match the body, or an unsigned body could ride on it.
// The hex digest it returns may live in s.hexSum.
func (s *state) bodyHash(r *http.Request, body []byte, sc scheme) ([]byte, error) {
	h := s.hash(sc).plain
	h.Reset()
	h.Write(body)
	hex.Encode(s.hexSum[:], h.Sum(s.sum[:0]))
	actual := s.hexSum[:]
	vals := r.Header.Values(sc.contentHeader)
	if len(vals) == 0 {
		return actual, nil
	}
	v := vals[0]
	switch {
	case len(vals) > 1:
		return nil, fmt.Errorf("%w: repeated %s", ErrMalformed, sc.contentHeader)
	case v == UnsignedPayload:
		return s.hexSum[:copy(s.hexSum[:], v)], nil
	case len(v) == len(actual) && isHex(v):
		if !equalFoldASCII(v, actual) {
			return nil, fmt.Errorf("%w: %s does not match the body", ErrSignature, sc.contentHeader)
		}
		// The value as sent (its letters may be upper case) is what was signed.
		return s.hexSum[:copy(s.hexSum[:], v)], nil
	}
	return nil, fmt.Errorf("%w: %s %.40q", ErrMalformed, sc.contentHeader, v)
}

func isHex(s string) bool {
	if len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if _, ok := unhex(s[i]); !ok {
			return false
		}
	}
	return true
}

func equalFoldASCII(s string, b []byte) bool {
	if len(s) != len(b) {
		return false
	}
	for i := 0; i < len(s); i++ {
		x, y := s[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// appendReescaped appends the percent-decoding of s (query form: "+" is a
// space; path form: "+" is itself), escaped again by the SDK's rule. It
// reports false where url's unescaping would fail: a "%" not followed by
// two hex digits.
func appendReescaped(dst []byte, s string, query bool) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) {
				return dst, false
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return dst, false
			}
			c = hi<<4 | lo
			i += 2
		case c == '+' && query:
			c = ' '
		}
		dst = appendEscapedByte(dst, c)
	}
	return dst, true
}

// appendUnescapedQuery appends the query-component decoding of s.
func appendUnescapedQuery(dst []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '%':
			if i+2 >= len(s) {
				return dst, false
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return dst, false
			}
			c = hi<<4 | lo
			i += 2
		case '+':
			c = ' '
		}
		dst = append(dst, c)
	}
	return dst, true
}

// appendEscaped appends b percent-encoded: everything except A-Z a-z 0-9
// _ - ~ . with upper-case hex, the SDK's rule for path segments and query
// parts.
func appendEscaped(dst, b []byte) []byte {
	for _, c := range b {
		dst = appendEscapedByte(dst, c)
	}
	return dst
}

func appendEscapedByte(dst []byte, c byte) []byte {
	const hexDigits = "0123456789ABCDEF"
	if mustEscape(c) {
		return append(dst, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return append(dst, c)
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
