package signer

// The canonical form as the package built it before it was made
// allocation-free, kept as the oracle of FuzzCanonicalMatchesReference: the
// strings.Split/url.PathUnescape/sort version is easy to check against the
// SDK by eye, the byte-by-byte one is not.

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

func refCanonicalRequest(r *http.Request, body []byte, signed []string, sc scheme) (string, error) {
	uri, err := refCanonicalURI(r.URL)
	if err != nil {
		return "", err
	}
	query, err := refCanonicalQuery(r.URL.RawQuery)
	if err != nil {
		return "", err
	}
	bh, err := refBodyHash(r, body, sc)
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
	refWriteHeaders(&b, r, signed)
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(bh)
	return b.String(), nil
}

// canonicalURI re-encodes each segment of the path as received. Segments are
// decoded one by one from the escaped form so that an encoded "/" inside a
// segment stays inside it.
func refCanonicalURI(u *url.URL) (string, error) {
	segs := strings.Split(u.EscapedPath(), "/")
	for i, s := range segs {
		d, err := url.PathUnescape(s)
		if err != nil {
			return "", fmt.Errorf("%w: path segment %.40q: %v", ErrMalformed, s, err)
		}
		segs[i] = refEscape(d)
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
func refCanonicalQuery(raw string) (string, error) {
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
		ek := refEscape(k)
		for _, v := range vs {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(ek)
			b.WriteByte('=')
			b.WriteString(refEscape(v))
		}
	}
	return b.String(), nil
}

// writeHeaders writes one "name:value" line per value of each signed
// header, values sorted, plus the final newline. Go's server moves Host out
// of the header map, so a signed "host" (other SDKs sign it) reads r.Host.
// A signed header absent from the request contributes no line, as in the
// SDK, which makes the signature fail if it was present when signed.
func refWriteHeaders(b *strings.Builder, r *http.Request, signed []string) {
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
func refBodyHash(r *http.Request, body []byte, sc scheme) (string, error) {
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
	case len(v) == len(actual) && refIsHex(v):
		if !strings.EqualFold(v, actual) {
			return "", fmt.Errorf("%w: %s does not match the body", ErrSignature, sc.contentHeader)
		}
		return v, nil
	}
	return "", fmt.Errorf("%w: %s %.40q", ErrMalformed, sc.contentHeader, v)
}

func refIsHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

func refEscape(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		b = appendEscapedByte(b, s[i])
	}
	return string(b)
}
