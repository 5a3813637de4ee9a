// Package workers carries model calls from a serving replica (`aisd serve
// --workers`) to inference workers (`aisd worker`) over plain HTTP/1.1 with
// keep-alive, and answers the platform's back-end codes when that hop
// fails: no worker for the service (ModelArts.4503), the API's sub-service
// missing on every worker of it (4506), the API unknown to the worker that
// got the call (4504), the worker unreachable or the connection lost
// before the answer (4302), a malformed or truncated answer (4502, kind
// backend_response), and no inter-service token (4301). The deadline
// (4402) and the breaker (4403) stay the platform guard's, which wraps the
// forwarding handler as it wraps an in-process one.
//
// Why HTTP/1.1 and not h2c: a call carries an image of up to 10 MB and
// runs a model for tens to hundreds of milliseconds, so a replica keeps
// only about as many connections to a worker as the worker has cores;
// HTTP/2's multiplexing saves nothing there, while one connection per call
// means a reset loses that call only and the balancer's in-flight count is
// exactly the calls on the wire.
package workers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/store"
)

// The worker's HTTP API.
const (
	PathHealth = "/v1/worker/health"
	PathTokens = "/v1/worker/tokens"
	PathCalls  = "/v1/worker/calls/" // + SDK operation name

	// HeaderDeadline is the forwarded call's deadline, Unix milliseconds.
	HeaderDeadline = "X-Aisd-Deadline"
	// HeaderOutcome says what a call's 200 body is: "ok" (the API's JSON
	// answer) or "error" (a catalog.Wire).
	HeaderOutcome = "X-Aisd-Outcome"
	// HeaderSignature signs a token request with the shared key.
	HeaderSignature = "X-Aisd-Worker-Signature"

	callContentType = "application/x-aisd-call"
)

// Health is what a worker reports about itself.
type Health struct {
	Engines    []string `json:"engines"`
	Operations []string `json:"operations"`
	InFlight   int64    `json:"in_flight"`
}

// meta is an api.Call without its body: the first line of a forwarded
// call's request body, followed by the raw body.
type meta struct {
	RequestID  string            `json:"request_id"`
	DomainID   string            `json:"domain_id"`
	ProjectID  string            `json:"project_id"`
	UserID     string            `json:"user_id"`
	Service    string            `json:"service"`
	API        string            `json:"api"`
	Method     string            `json:"method"`
	Path       string            `json:"path"`
	PathParams map[string]string `json:"path_params,omitempty"`
	Query      url.Values        `json:"query,omitempty"`
	Header     http.Header       `json:"header,omitempty"`
	Domain     store.Domain      `json:"domain"`
}

// callHead is the first line of a forwarded call's body: c's metadata as
// JSON and a newline. The JSON holds no raw newline (encoding/json escapes
// them), so the body starts after the first one. The body itself is sent
// from c.Body as it is, not copied behind the line: at 2 MB a copy costs
// the hop more than the loopback write does.
func callHead(c *api.Call) ([]byte, error) {
	m := meta{
		RequestID: c.RequestID, DomainID: c.DomainID, ProjectID: c.ProjectID, UserID: c.UserID,
		Service: c.Service, API: c.API, Method: c.Method, Path: c.Path, PathParams: c.PathParams,
		Query: c.Query, Header: forwardedHeader(c.Header), Domain: c.Domain,
	}
	line, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return append(line, '\n'), nil
}

// joinMax is the largest call sent as one buffer, the line and the body
// joined. net/http writes the request's header lines on their own, in a
// write (and on loopback a wake-up of the worker) before the body's, for
// every body but a bytes.Reader and its kind; a small call joined is one
// write of header and body together, for the cost of copying a few KB.
// Past this size the copy costs more than the extra write.
const joinMax = 32 << 10

// callBody makes a forwarded call's request body, head then body (again
// for a retried request), and tells its length. A large one is sent from
// where its parts are, not joined: at 2 MB a copy costs the hop more than
// the loopback write does.
func callBody(head, body []byte) (func() io.ReadCloser, int64) {
	n := int64(len(head) + len(body))
	if n <= joinMax {
		b := make([]byte, 0, n)
		b = append(append(b, head...), body...)
		return func() io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }, n
	}
	return func() io.ReadCloser { return &callReader{head: head, body: body} }, n
}

// callReader is a forwarded call's request body: what is left to send of
// the metadata line and of the call's body, both where they already are.
// It is its own Closer rather than wrapped in io.NopCloser, so that the
// connection (callConn) can recognise it under net/http's LimitedReader
// and write it with no copy; and its WriteTo needs no buffer, where an
// io.MultiReader's allocates 32 KB for every call (net/http drains the
// body through io.Copy after writing it, even when nothing is left).
type callReader struct{ head, body []byte }

func (r *callReader) Read(p []byte) (int, error) {
	if len(r.head) == 0 && len(r.body) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.head)
	r.head = r.head[n:]
	m := copy(p[n:], r.body)
	r.body = r.body[m:]
	return n + m, nil
}

func (r *callReader) Close() error { return nil }

func (r *callReader) WriteTo(w io.Writer) (int64, error) { return r.writeN(w, math.MaxInt64) }

// writeN writes at most n bytes of what is left straight from the
// slices: on a TCP connection one writev for the line and the body.
func (r *callReader) writeN(w io.Writer, n int64) (int64, error) {
	h, b := r.head, r.body
	if int64(len(h)) > n {
		h = h[:n]
	}
	if rest := n - int64(len(h)); int64(len(b)) > rest {
		b = b[:rest]
	}
	bufs := make(net.Buffers, 0, 2)
	if len(h) > 0 {
		bufs = append(bufs, h)
	}
	if len(b) > 0 {
		bufs = append(bufs, b)
	}
	if len(bufs) == 0 {
		return 0, nil
	}
	sent, err := bufs.WriteTo(w)
	k := min(sent, int64(len(r.head)))
	r.head = r.head[k:]
	r.body = r.body[sent-k:]
	return sent, err
}

// readSized reads r to its end, at most max bytes. When the sender
// declared the length (n > 0) the buffer is allocated once at that size
// and filled in place; io.ReadAll would grow it in steps, zeroing and
// copying the bytes of a large image several times over.
func readSized(r io.Reader, n, max int64) ([]byte, error) {
	return readSizedInto(r, n, max, nil)
}

// readSizedInto is readSized taking a declared length's buffer from bufs
// (nil: a fresh one).
func readSizedInto(r io.Reader, n, max int64, bufs *bufPool) ([]byte, error) {
	if n > max {
		return nil, errOverLimit
	}
	if n > 0 {
		var b []byte
		if bufs != nil {
			b = bufs.get(int(n))
		} else {
			b = make([]byte, n)
		}
		k, err := io.ReadFull(r, b)
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return b[:k], err
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err == nil && int64(len(b)) > max {
		err = errOverLimit
	}
	return b, err
}

var errOverLimit = errors.New("over the size limit")

// decodeCall reads a forwarded call of n bytes (-1 when unknown). The
// call's body is a slice of what was read, not a copy.
func decodeCall(r io.Reader, n, max int64) (*api.Call, error) {
	c, _, err := decodeCallInto(r, n, max, nil)
	return c, err
}

// decodeCallInto is decodeCall reading into a buffer from bufs, which it
// returns so that the caller can hand it back once the call is done with.
func decodeCallInto(r io.Reader, n, max int64, bufs *bufPool) (*api.Call, []byte, error) {
	b, err := readSizedInto(r, n, max, bufs)
	fail := func(err error) (*api.Call, []byte, error) {
		if bufs != nil && b != nil {
			bufs.put(b)
		}
		return nil, nil, err
	}
	if err != nil {
		if errors.Is(err, errOverLimit) {
			return fail(errors.New("call over the size limit"))
		}
		return fail(err)
	}
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return fail(errors.New("call header: no end of line"))
	}
	var m meta
	if err := json.Unmarshal(b[:i], &m); err != nil {
		return fail(fmt.Errorf("call header: %w", err))
	}
	body := b[i+1:]
	if len(body) == 0 {
		body = nil
	}
	return &api.Call{
		RequestID: m.RequestID, DomainID: m.DomainID, ProjectID: m.ProjectID, UserID: m.UserID,
		Service: m.Service, API: m.API, Method: m.Method, Path: m.Path, PathParams: m.PathParams,
		Query: m.Query, Header: m.Header, Body: body, Domain: m.Domain, RespHeader: http.Header{},
	}, b, nil
}

// forwardedHeader drops the caller's credentials: the worker trusts the
// replica's authentication, and a token or signature has no use there.
func forwardedHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		switch strings.ToLower(k) {
		case "authorization", "x-auth-token", "x-security-token", "cookie":
			continue
		}
		out[k] = v
	}
	return out
}

// validJSON reports whether b is one JSON value.
func validJSON(b []byte) bool { return json.Valid(bytes.TrimSpace(b)) && len(bytes.TrimSpace(b)) > 0 }
