package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"

	"github.com/aisd/aisd/internal/catalog"
)

// net/http answers a request it cannot parse (a malformed request line or
// header, a missing Host, headers over MaxHeaderBytes) itself, before any
// handler runs: it writes a canned text/plain answer straight to the
// connection and closes it, and http.Server has no hook that sees it.
// Listener wraps the gateway's listener so that these answers, recognised
// by their exact shape, are rewritten into the catalog's JSON body with a
// fresh X-Request-Id, and logged and counted like every other answer.
//
// The shape is unmistakable: net/http writes it with one Write of
//
//	HTTP/1.1 <status line> CRLF Content-Type: text/plain; charset=utf-8 CRLF Connection: close CRLF CRLF <text>
//
// while every answer that goes through a handler carries a Date header (and
// the gateway's X-Request-Id) in its header block.
const cannedHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// Listener returns ln with net/http's own 400 and 431 answers rewritten
// into catalog errors (AIP.0012, and APIG.0201's header_too_large variant).
// Other canned answers (501 for an unknown transfer coding, 505 for an
// unsupported protocol version) pass unchanged: the catalog has no code
// with their status.
func (g *Gateway) Listener(ln net.Listener) net.Listener {
	return &cannedListener{Listener: ln, g: g}
}

type cannedListener struct {
	net.Listener
	g *Gateway
}

func (l *cannedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &cannedConn{Conn: c, g: l.g}, nil
}

type cannedConn struct {
	net.Conn
	g *Gateway
}

func (c *cannedConn) Write(p []byte) (int, error) {
	status, text, ok := parseCanned(p)
	if !ok {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(c.g.malformedAnswer(status, text)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CloseWrite lets net/http half-close the connection after a 431, as it
// does on the bare TCP connection.
func (c *cannedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// parseCanned recognises net/http's canned 400 and 431 answers and returns
// their status and text.
func parseCanned(p []byte) (int, string, bool) {
	rest, ok := bytes.CutPrefix(p, []byte("HTTP/1.1 "))
	if !ok {
		return 0, "", false
	}
	line, text, ok := bytes.Cut(rest, []byte(cannedHeaders))
	if !ok || len(line) < 4 || line[3] != ' ' || bytes.ContainsAny(line, "\r\n") {
		return 0, "", false
	}
	status, err := strconv.Atoi(string(line[:3]))
	if err != nil || (status != http.StatusBadRequest && status != http.StatusRequestHeaderFieldsTooLarge) {
		return 0, "", false
	}
	return status, string(text), true
}

// malformedAnswer renders the catalog answer for a canned one: no route was
// matched, so the platform's own (AIP) dialect.
func (g *Gateway) malformedAnswer(status int, text string) []byte {
	rid := newRequestID()
	cause := errors.New("net/http refused the request: " + text)
	var err error = catalog.E(catalog.KindBadParam).Wrap(cause)
	if status == http.StatusRequestHeaderFieldsTooLarge {
		err = catalog.New(catalog.APIG0201).Variant("header_too_large").Wrap(cause)
	}
	rec := &recorder{h: http.Header{}}
	rend, _ := catalog.Write(rec, rid, err, catalog.FamilyAIP)
	rec.h.Set("Date", g.now().UTC().Format(http.TimeFormat))
	resp := &http.Response{
		StatusCode: rend.Status, ProtoMajor: 1, ProtoMinor: 1, Header: rec.h,
		ContentLength: int64(rec.body.Len()), Body: io.NopCloser(&rec.body), Close: true,
	}
	var out bytes.Buffer
	_ = resp.Write(&out)
	g.obs.observe("-", rend.Status, rend.Code, 0)
	g.log.LogAttrs(context.Background(), slog.LevelInfo, "request",
		slog.String("request_id", rid), slog.String("api", "-"), slog.Int("status", rend.Status),
		slog.String("error_code", rend.Code), slog.String("cause", cause.Error()))
	return out.Bytes()
}

// recorder is the ResponseWriter catalog.Write renders into.
type recorder struct {
	h    http.Header
	body bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(int)             {}
