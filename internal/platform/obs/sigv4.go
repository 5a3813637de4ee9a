package obs

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// AWS Signature Version 4, as S3 clients send it: in the Authorization
// header or in the query string (presigned URLs), with the payload hashed,
// unsigned, or streamed in signed aws-chunked chunks.

const (
	sigAlgorithm      = "AWS4-HMAC-SHA256"
	amzDateFormat     = "20060102T150405Z"
	unsignedPayload   = "UNSIGNED-PAYLOAD"
	streamingPayload  = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingUnsigned = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	emptySHA256       = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	maxClockSkew      = 15 * time.Minute
	maxPresignExpiry  = 7 * 24 * time.Hour
	maxChunkSize      = 16 << 20
)

// s3Error is an S3 protocol error.
type s3Error struct {
	Code   string
	Status int
	Msg    string
}

func (e *s3Error) Error() string { return e.Code + ": " + e.Msg }

func errS3(code string, status int, format string, args ...any) *s3Error {
	return &s3Error{Code: code, Status: status, Msg: fmt.Sprintf(format, args...)}
}

// sigRequest is a parsed, verified signature: what the body checks need.
type sigRequest struct {
	AccessKey   string
	Project     string
	Date        time.Time
	Scope       string // DATE/REGION/SERVICE/aws4_request
	SigningKey  []byte
	Signature   string
	PayloadHash string // hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING-* mode
}

// awsEncode percent-encodes s the SigV4 way: everything but A-Z a-z 0-9
// - _ . ~ (and '/' when keepSlash), with upper-case hex.
func awsEncode(s string, keepSlash bool) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/') {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
	return b.String()
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

// canonicalRequest builds the SigV4 canonical request of r. skipQuery names
// a query parameter left out (the presigned signature itself).
func canonicalRequest(r *http.Request, signed []string, payloadHash, skipQuery string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	path := r.URL.Path
	if path == "" {
		path = "/"
	}
	b.WriteString(awsEncode(path, true))
	b.WriteByte('\n')
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != skipQuery {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		vs := append([]string(nil), q[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			pairs = append(pairs, awsEncode(k, false)+"="+awsEncode(v, false))
		}
	}
	b.WriteString(strings.Join(pairs, "&"))
	b.WriteByte('\n')
	for _, h := range signed {
		b.WriteString(h)
		b.WriteByte(':')
		b.WriteString(headerValue(r, h))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// headerValue is a header's canonical value: values joined by ',', with
// surrounding space trimmed and inner runs of spaces collapsed. Go's server
// moves Host and Content-Length out of the header map; they come back here.
func headerValue(r *http.Request, name string) string {
	var vs []string
	switch name {
	case "host":
		vs = []string{r.Host}
	case "content-length":
		vs = r.Header.Values("Content-Length")
		if len(vs) == 0 {
			vs = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	case "transfer-encoding":
		vs = r.TransferEncoding
	default:
		vs = r.Header.Values(name)
	}
	for i, v := range vs {
		vs[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(vs, ",")
}

// verifySignature authenticates r with the secret keys auth knows.
func verifySignature(r *http.Request, auth func(ak string) (sk, project string, err error), now time.Time) (*sigRequest, error) {
	q := r.URL.Query()
	presigned := q.Get("X-Amz-Algorithm") != ""
	var cred, signedHeaders, signature, amzDate string
	if presigned {
		if q.Get("X-Amz-Algorithm") != sigAlgorithm {
			return nil, errS3("AuthorizationQueryParametersError", 400, "unsupported algorithm")
		}
		cred, signedHeaders, signature, amzDate = q.Get("X-Amz-Credential"), q.Get("X-Amz-SignedHeaders"), q.Get("X-Amz-Signature"), q.Get("X-Amz-Date")
	} else {
		h := r.Header.Get("Authorization")
		if h == "" {
			return nil, errS3("AccessDenied", 403, "anonymous requests are not accepted")
		}
		alg, rest, _ := strings.Cut(h, " ")
		if alg != sigAlgorithm {
			return nil, errS3("AuthorizationHeaderMalformed", 400, "only %s is supported", sigAlgorithm)
		}
		for _, part := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			switch k {
			case "Credential":
				cred = v
			case "SignedHeaders":
				signedHeaders = v
			case "Signature":
				signature = v
			}
		}
		amzDate = r.Header.Get("X-Amz-Date")
	}
	cp := strings.Split(cred, "/")
	if len(cp) != 5 || cp[4] != "aws4_request" || signedHeaders == "" || len(signature) != 64 {
		return nil, errS3("AuthorizationHeaderMalformed", 400, "malformed credential or signature")
	}
	t, err := time.Parse(amzDateFormat, amzDate)
	if err != nil {
		return nil, errS3("AccessDenied", 403, "missing or malformed X-Amz-Date")
	}
	if cp[1] != t.Format("20060102") {
		return nil, errS3("AuthorizationHeaderMalformed", 400, "credential date does not match X-Amz-Date")
	}
	if presigned {
		exp, err := strconv.Atoi(q.Get("X-Amz-Expires"))
		if err != nil || exp < 1 || time.Duration(exp)*time.Second > maxPresignExpiry {
			return nil, errS3("AuthorizationQueryParametersError", 400, "X-Amz-Expires must be 1..604800")
		}
		if now.Before(t.Add(-maxClockSkew)) || now.After(t.Add(time.Duration(exp)*time.Second)) {
			return nil, errS3("AccessDenied", 403, "request has expired")
		}
	} else if d := now.Sub(t); d > maxClockSkew || d < -maxClockSkew {
		return nil, errS3("RequestTimeTooSkewed", 403, "the difference between the request time and the server's time is too large")
	}
	sk, project, err := auth(cp[0])
	if err != nil {
		return nil, errS3("InvalidAccessKeyId", 403, "the access key does not exist")
	}
	signed := strings.Split(signedHeaders, ";")
	if !sort.StringsAreSorted(signed) || !contains(signed, "host") {
		return nil, errS3("AuthorizationHeaderMalformed", 400, "signed headers must be sorted and include host")
	}
	payload := unsignedPayload
	if !presigned {
		payload = r.Header.Get("X-Amz-Content-Sha256")
		if payload == "" {
			return nil, errS3("InvalidRequest", 400, "missing x-amz-content-sha256")
		}
	}
	skip := ""
	if presigned {
		skip = "X-Amz-Signature"
	}
	scope := strings.Join(cp[1:], "/")
	key := signingKey(sk, cp[1], cp[2], cp[3])
	sts := sigAlgorithm + "\n" + amzDate + "\n" + scope + "\n" + sha256Hex([]byte(canonicalRequest(r, signed, payload, skip)))
	want := hex.EncodeToString(hmacSHA256(key, sts))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(signature))) {
		return nil, errS3("SignatureDoesNotMatch", 403, "the request signature we calculated does not match the signature you provided")
	}
	return &sigRequest{AccessKey: cp[0], Project: project, Date: t, Scope: scope, SigningKey: key,
		Signature: want, PayloadHash: payload}, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// bodyReader returns the object bytes of a signed request, checking them
// against what was signed: a plain hex SHA-256 at the end of the body, each
// chunk's signature in signed aws-chunked encoding. A mismatch surfaces as
// a read error, so the store discards the upload.
func (s *sigRequest) bodyReader(r *http.Request) (io.Reader, int64, error) {
	switch s.PayloadHash {
	case unsignedPayload:
		return r.Body, r.ContentLength, nil
	case streamingPayload, streamingUnsigned:
		n, err := strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64)
		if err != nil || n < 0 {
			return nil, 0, errS3("MissingContentLength", 411, "x-amz-decoded-content-length is required")
		}
		return &chunkedReader{br: bufio.NewReader(r.Body), sig: s, prev: s.Signature,
			signed: s.PayloadHash == streamingPayload, remaining: n}, n, nil
	default:
		if len(s.PayloadHash) != 64 {
			return nil, 0, errS3("InvalidArgument", 400, "unsupported x-amz-content-sha256 %q", s.PayloadHash)
		}
		return &hashReader{r: r.Body, want: strings.ToLower(s.PayloadHash), h: sha256.New()}, r.ContentLength, nil
	}
}

var errContentSHA256 = errS3("XAmzContentSHA256Mismatch", 400, "the provided x-amz-content-sha256 does not match what was computed")

type hashReader struct {
	r    io.Reader
	want string
	h    interface {
		io.Writer
		Sum([]byte) []byte
	}
}

func (h *hashReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	if err == io.EOF && hex.EncodeToString(h.h.Sum(nil)) != h.want {
		return n, errContentSHA256
	}
	return n, err
}

// chunkedReader decodes aws-chunked bodies: "SIZE;chunk-signature=SIG\r\n
// DATA\r\n" repeated, ending with a zero-size chunk (and, in the unsigned
// trailer mode, trailer lines up to an empty line).
type chunkedReader struct {
	br        *bufio.Reader
	sig       *sigRequest
	prev      string // signature of the previous chunk (the seed at first)
	signed    bool
	remaining int64 // decoded bytes still expected
	chunk     []byte
	done      bool
}

var errBadChunk = errS3("IncompleteBody", 400, "malformed aws-chunked body")

func (c *chunkedReader) Read(p []byte) (int, error) {
	for len(c.chunk) == 0 {
		if c.done {
			return 0, io.EOF
		}
		if err := c.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, c.chunk)
	c.chunk = c.chunk[n:]
	return n, nil
}

func (c *chunkedReader) next() error {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return errBadChunk
	}
	head := strings.TrimRight(string(line), "\r\n")
	sizeHex, ext, _ := strings.Cut(head, ";")
	size, err := strconv.ParseInt(sizeHex, 16, 64)
	if err != nil || size < 0 || size > maxChunkSize || size > c.remaining {
		return errBadChunk
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(c.br, data); err != nil {
		return errBadChunk
	}
	if c.signed {
		sig, ok := strings.CutPrefix(ext, "chunk-signature=")
		if !ok {
			return errBadChunk
		}
		sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + c.sig.Date.Format(amzDateFormat) + "\n" + c.sig.Scope + "\n" +
			c.prev + "\n" + emptySHA256 + "\n" + sha256Hex(data)
		want := hex.EncodeToString(hmacSHA256(c.sig.SigningKey, sts))
		if !hmac.Equal([]byte(want), []byte(sig)) {
			return errS3("SignatureDoesNotMatch", 403, "chunk signature mismatch")
		}
		c.prev = want
	}
	c.remaining -= size
	if size == 0 {
		if c.remaining != 0 {
			return errBadChunk
		}
		c.done = true
		// Trailers (unsigned mode) or the final CRLF.
		for {
			l, err := c.br.ReadSlice('\n')
			if err != nil && !(errors.Is(err, io.EOF) && len(bytes.TrimSpace(l)) == 0) {
				return errBadChunk
			}
			if len(bytes.TrimSpace(l)) == 0 {
				return nil
			}
			if c.signed {
				return errBadChunk // signed trailers are not supported
			}
		}
	}
	if crlf, err := c.br.ReadSlice('\n'); err != nil || strings.TrimRight(string(crlf), "\r\n") != "" {
		return errBadChunk
	}
	c.chunk = data
	return nil
}

// readSmallBody reads a request body that is not an object (bucket
// configuration) within limit, checking a signed hash.
func (s *sigRequest) readSmallBody(r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, errS3("IncompleteBody", 400, "%v", err)
	}
	if int64(len(b)) > limit {
		return nil, errS3("MaxMessageLengthExceeded", 400, "request body too large")
	}
	if s.PayloadHash != unsignedPayload && !strings.HasPrefix(s.PayloadHash, "STREAMING-") &&
		sha256Hex(b) != strings.ToLower(s.PayloadHash) {
		return nil, errContentSHA256
	}
	return b, nil
}
