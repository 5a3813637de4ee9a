package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/aisd/aisd/internal/catalog"
)

// Edge serves an http.Handler (the gateway) on fasthttp's connection
// handling instead of net/http's. Measured on one CPU (bench/gateway):
// net/http's own work per request (its goroutine that watches a read
// connection, its per-request contexts and buffers) cost about twice
// fasthttp's, more than the gateway's whole handler for a throttled call.
// The handler keeps seeing a plain *http.Request and http.ResponseWriter:
// each request is converted once, in a few allocations (one string holds
// every header, one slice every value).
//
// What net/http did that fasthttp does not is done here: headers are
// checked as net/http checks them (a bad name or value, or a missing Host
// in HTTP/1.1, is AIP.0012), Content-Type is sniffed when a handler sets
// none, a handler's panic is logged with its stack and answered with the
// catalog's internal error, and the request's context ends when the handler
// returns. Requests refused before a handler runs (unparseable, headers
// over the limit, a body over the gateway's limit) get the catalog's JSON
// and a fresh X-Request-Id, and the connection is closed.
//
// Not supported, and not used by any route: Hijack, Flush (an answer is
// sent whole), 1xx answers other than 100 Continue, trailers.
type Edge struct {
	g    *Gateway
	h    http.Handler
	srv  *fasthttp.Server
	base context.Context
	stop context.CancelFunc
}

// EdgeOptions bound what a connection may send.
type EdgeOptions struct {
	MaxHeaderBytes int           // request line and headers; more is APIG.0201 (431)
	MaxBody        int64         // the gateway's body limit; a longer body is APIG.0201 (413)
	ReadTimeout    time.Duration // to read a whole request once it has started
	IdleTimeout    time.Duration // a kept-alive connection's wait for the next request
}

// Edge returns the edge serving h; h is normally g itself.
func (g *Gateway) Edge(h http.Handler, o EdgeOptions) *Edge {
	base, stop := context.WithCancel(context.Background())
	e := &Edge{g: g, h: h, base: base, stop: stop}
	e.srv = &fasthttp.Server{
		Handler:      e.serve,
		ErrorHandler: e.refuse,
		// The request line and headers must fit the read buffer; a
		// connection holds it only while a request is being read.
		ReadBufferSize: o.MaxHeaderBytes,
		// One byte over the limit reaches the handler, which refuses it in
		// the route's own dialect; more is refused while reading.
		MaxRequestBodySize:            int(o.MaxBody) + 1,
		ReadTimeout:                   o.ReadTimeout,
		IdleTimeout:                   o.IdleTimeout,
		NoDefaultServerHeader:         true,
		NoDefaultContentType:          true,
		DisableHeaderNamesNormalizing: true, // keys are canonicalized as net/http does, below
		DisablePreParseMultipartForm:  true,
		CloseOnShutdown:               true,
		Logger:                        edgeLogger{g.log},
	}
	return e
}

// Serve accepts connections on ln until Shutdown.
func (e *Edge) Serve(ln net.Listener) error { return e.srv.Serve(ln) }

// Shutdown stops accepting, waits for the requests being served (until ctx
// ends), then ends every request's context.
func (e *Edge) Shutdown(ctx context.Context) error {
	err := e.srv.ShutdownWithContext(ctx)
	e.stop()
	return err
}

// edgeLogger takes fasthttp's own messages (connection errors) at debug level.
type edgeLogger struct{ log *slog.Logger }

func (l edgeLogger) Printf(format string, args ...any) {
	if l.log.Enabled(context.Background(), slog.LevelDebug) {
		l.log.Debug("edge", "msg", fmt.Sprintf(format, args...))
	}
}

var hostKey = []byte("Host")

// zeroRequest is copied by WithContext into each request: one allocation
// for the request and its context field together.
var zeroRequest http.Request

func (e *Edge) serve(fc *fasthttp.RequestCtx) {
	ctx, cancel := context.WithCancel(e.base)
	defer cancel() // as net/http: the context ends when the handler returns
	r := zeroRequest.WithContext(ctx)
	if msg := e.request(fc, r); msg != "" {
		e.refuse(fc, errors.New(msg))
		return
	}
	w := &edgeWriter{fc: fc}
	defer func() {
		if p := recover(); p != nil {
			e.g.log.Error("handler panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			fc.Response.Reset()
			fc.SetConnectionClose()
			e.answer(fc, catalog.E(catalog.KindInternal).Wrap(fmt.Errorf("handler panic: %v", p)))
		}
	}()
	e.h.ServeHTTP(w, r)
	w.finish()
}

// request fills r from fc, or returns why net/http would have refused it.
func (e *Edge) request(fc *fasthttp.RequestCtx, r *http.Request) string {
	rh := &fc.Request.Header
	r.Method = method(rh.Method())
	r.RequestURI = string(fc.RequestURI())
	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil {
		return "malformed request URI"
	}
	r.URL = u
	r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.1", 1, 1
	if !rh.IsHTTP11() {
		r.Proto, r.ProtoMinor = "HTTP/1.0", 0
	}
	// The raw header block bounds the arena and the number of headers, so
	// one pass checks (as net/http does) and copies them.
	raw := rh.RawHeaders()
	var b strings.Builder
	b.Grow(len(raw))
	type span struct{ k0, k1, v1 int }
	spans := make([]span, 0, bytes.Count(raw, []byte{'\n'})+1)
	host := false
	for k, v := range rh.AllInOrder() {
		if !validHeaderName(k) {
			return "invalid header name"
		}
		if !validHeaderValue(v) {
			return "invalid header value"
		}
		k0 := b.Len()
		writeCanonicalKey(&b, k)
		k1 := b.Len()
		b.Write(v)
		spans = append(spans, span{k0, k1, b.Len()})
		host = host || k1-k0 == 4 && bytes.EqualFold(k, hostKey)
	}
	if !host && r.ProtoMinor == 1 {
		return "missing required Host header"
	}
	all := b.String()
	vals := make([]string, len(spans))
	r.Header = make(http.Header, len(spans))
	for i, s := range spans {
		k, v := all[s.k0:s.k1], all[s.k1:s.v1]
		switch k {
		case "Host":
			if r.Host == "" {
				r.Host = v
			}
			continue
		case "Transfer-Encoding":
			r.TransferEncoding = append(r.TransferEncoding, strings.ToLower(v))
			continue
		}
		vals[i] = v
		if old, ok := r.Header[k]; ok {
			r.Header[k] = append(old[:len(old):len(old)], v)
			continue
		}
		r.Header[k] = vals[i : i+1 : i+1]
	}
	if r.Host == "" {
		r.Host = u.Host
	}
	body := fc.Request.Body()
	switch {
	case rh.ContentLength() >= 0:
		r.ContentLength = int64(len(body))
	default:
		r.ContentLength = -1 // chunked: net/http does not know it beforehand
	}
	if len(body) == 0 && r.ContentLength <= 0 {
		r.Body = http.NoBody
		if r.ContentLength < 0 {
			r.ContentLength = 0
		}
	} else {
		r.Body = &edgeBody{b: body}
	}
	r.RemoteAddr = fc.RemoteAddr().String()
	return ""
}

// method returns the common methods without allocating.
func method(m []byte) string {
	switch string(m) {
	case http.MethodGet:
		return http.MethodGet
	case http.MethodPost:
		return http.MethodPost
	case http.MethodPut:
		return http.MethodPut
	case http.MethodDelete:
		return http.MethodDelete
	case http.MethodHead:
		return http.MethodHead
	case http.MethodPatch:
		return http.MethodPatch
	case http.MethodOptions:
		return http.MethodOptions
	}
	return string(m)
}

// writeCanonicalKey writes k as textproto.CanonicalMIMEHeaderKey returns it:
// the first letter and every letter after a hyphen upper case, the rest
// lower case (k is a valid token here).
func writeCanonicalKey(b *strings.Builder, k []byte) {
	upper := true
	for _, c := range k {
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
		upper = c == '-'
	}
}

// validHeaderName: a non-empty token (RFC 7230 section 3.2.6).
func validHeaderName(k []byte) bool {
	if len(k) == 0 {
		return false
	}
	for _, c := range k {
		if c >= 0x80 || !tokenByte[c] {
			return false
		}
	}
	return true
}

// validHeaderValue: no control bytes but tab (obs-text is allowed).
func validHeaderValue(v []byte) bool {
	for _, c := range v {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

var tokenByte = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// edgeBody reads the request's body, read whole by fasthttp (and valid
// until the handler returns, like net/http's).
type edgeBody struct {
	b   []byte
	off int
}

func (b *edgeBody) Read(p []byte) (int, error) {
	if b.off >= len(b.b) {
		return 0, io.EOF
	}
	n := copy(p, b.b[b.off:])
	b.off += n
	return n, nil
}

func (b *edgeBody) Close() error { return nil }

// edgeWriter is the handler's http.ResponseWriter. Its header is copied
// into fasthttp's answer at WriteHeader (later changes are ignored, as with
// net/http); the body is sent whole when the handler returns.
type edgeWriter struct {
	fc     *fasthttp.RequestCtx
	h      http.Header
	status int
	typed  bool // the handler set Content-Type (maybe to nothing)
}

func (w *edgeWriter) Header() http.Header {
	if w.h == nil {
		w.h = make(http.Header, 8)
	}
	return w.h
}

func (w *edgeWriter) WriteHeader(code int) {
	if w.status != 0 || code < 200 && code >= 100 {
		return // a second call, or an informational answer: not sent
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	w.status = code
	w.fc.SetStatusCode(code)
	rh := &w.fc.Response.Header
	for k, vs := range w.h {
		switch k {
		case "Content-Length", "Transfer-Encoding", "Date":
			continue // fasthttp writes these itself
		case "Content-Type":
			w.typed = true
			if len(vs) > 0 {
				rh.SetContentType(vs[0])
			}
			continue
		case "Connection":
			if len(vs) > 0 && strings.EqualFold(vs[0], "close") {
				w.fc.SetConnectionClose()
			}
			continue
		}
		for _, v := range vs {
			rh.Add(k, v)
		}
	}
}

func (w *edgeWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.fc.Response.AppendBody(p)
	return len(p), nil
}

// finish completes the answer as net/http would: 200 when nothing was
// written, a sniffed Content-Type when none was set.
func (w *edgeWriter) finish() {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if body := w.fc.Response.Body(); !w.typed && len(body) > 0 && len(w.fc.Response.Header.Peek("Content-Encoding")) == 0 {
		w.fc.Response.Header.SetContentType(http.DetectContentType(body))
	}
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// refuse answers a request refused before any handler ran. fasthttp closes
// the connection after it.
func (e *Edge) refuse(fc *fasthttp.RequestCtx, err error) {
	var small *fasthttp.ErrSmallBuffer
	var ne net.Error
	var cerr error
	switch {
	case errors.As(err, &small):
		cerr = catalog.New(catalog.APIG0201).Variant("header_too_large").Wrap(err)
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		cerr = catalog.New(catalog.APIG0201).Wrap(err)
	case errors.As(err, &ne) && ne.Timeout():
		cerr = catalog.E(catalog.KindBadParam).Wrap(fmt.Errorf("request not read in time: %w", err))
	default:
		cerr = catalog.E(catalog.KindBadParam).Wrap(fmt.Errorf("the request could not be parsed: %w", err))
	}
	fc.SetConnectionClose()
	e.answer(fc, cerr)
	if small != nil || errors.Is(err, fasthttp.ErrBodyTooLarge) {
		lingeringClose(fc)
	}
}

// lingeringClose sends the answer now, then reads and drops what the
// client still sends for up to half a second before fasthttp closes the
// connection, as net/http does: closed at once, with a body still arriving,
// the connection would be reset and the client would see that instead of
// the answer.
func lingeringClose(fc *fasthttp.RequestCtx) {
	c := fc.Conn()
	cw, ok := c.(interface{ CloseWrite() error })
	if !ok {
		return
	}
	if _, err := fc.Response.WriteTo(c); err != nil {
		return
	}
	_ = cw.CloseWrite()
	_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<20))
}

// answer writes err as the platform's (AIP) catalog answer: no route was
// matched for it.
func (e *Edge) answer(fc *fasthttp.RequestCtx, err error) {
	rid := newRequestID()
	rec := &recorder{h: http.Header{}}
	rend, _ := catalog.Write(rec, rid, err, catalog.FamilyAIP)
	fc.Response.Header.SetContentType(rec.h.Get("Content-Type"))
	for k, vs := range rec.h {
		if k == "Content-Type" {
			continue
		}
		for _, v := range vs {
			fc.Response.Header.Add(k, v)
		}
	}
	fc.SetStatusCode(rend.Status)
	fc.Response.SetBody(rec.body.Bytes())
	e.g.obs.observe("-", rend.Status, rend.Code, 0)
	e.g.log.LogAttrs(context.Background(), slog.LevelInfo, "request",
		slog.String("request_id", rid), slog.String("api", "-"), slog.Int("status", rend.Status),
		slog.String("error_code", rend.Code), slog.String("cause", err.Error()))
}

// recorder is the ResponseWriter catalog.Write renders into.
type recorder struct {
	h    http.Header
	body bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(int)             {}
