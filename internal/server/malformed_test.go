package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/server"
)

// serve runs the server as `aisd serve` does, on a loopback port, and
// returns its address.
func serve(t *testing.T) string {
	t.Helper()
	addr, _ := serveWith(t, nil)
	return addr
}

// serveWith is serve with the configuration changed by edit; it returns the
// server too.
func serveWith(t *testing.T, edit func(*aisdcfg.Config)) (string, *server.Server) {
	t.Helper()
	cfg := aisdcfg.Default()
	dir := t.TempDir()
	cfg.DataDir, cfg.DSN = dir, "sqlite:"+filepath.Join(dir, "aisd.db")
	cfg.RootAK, cfg.RootSK = rootAK, rootSK
	cfg.Engines = nil
	cfg.Addr, cfg.S3Addr = "127.0.0.1:0", ""
	if edit != nil {
		edit(&cfg)
	}
	s, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- s.Serve(ctx, func(addr, _ string) { addrc <- addr }) }()
	t.Cleanup(func() { cancel(); <-done; s.Close() })
	select {
	case addr := <-addrc:
		return addr, s
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}
	return "", nil
}

var requestIDRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

// readAnswer reads one response and checks it is a catalog answer.
func readAnswer(t *testing.T, br *bufio.Reader, status int, code string) *http.Response {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var b struct {
		Code string `json:"error_code"`
		Msg  string `json:"error_msg"`
	}
	if resp.StatusCode != status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
		json.Unmarshal(raw, &b) != nil || b.Code != code || b.Msg == "" ||
		!requestIDRe.MatchString(resp.Header.Get("X-Request-Id")) || resp.Header.Get("Date") == "" {
		t.Fatalf("want %d %s as catalog JSON with a request id, got %d %v\n%s", status, code, resp.StatusCode, resp.Header, raw)
	}
	return resp
}

// Requests net/http refuses before any handler runs still get the
// catalog's JSON body and a fresh X-Request-Id, over a raw TCP connection.
func TestMalformedRequestsAnswerInTheCatalogShape(t *testing.T) {
	addr := serve(t)
	for _, c := range []struct {
		name, req string
		status    int
		code      string
	}{
		{"header line without a colon", "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400, "AIP.0012"},
		{"invalid header name", "GET /healthz HTTP/1.1\r\nHost: x\r\nBad\x01Name: v\r\n\r\n", 400, "AIP.0012"},
		{"invalid header value", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400, "AIP.0012"},
		{"missing Host", "GET /healthz HTTP/1.1\r\n\r\n", 400, "AIP.0012"},
		{"malformed request line", "HELLO\r\n\r\n", 400, "AIP.0012"},
		{"headers too large", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 1<<20+8192) + "\r\n\r\n", 431, "APIG.0201"},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			go io.WriteString(conn, c.req) // the server may answer before reading it all
			resp := readAnswer(t, bufio.NewReader(conn), c.status, c.code)
			if !resp.Close {
				t.Error("connection not closed after the answer")
			}
		})
	}

	// On a kept-alive connection, a good request's answer passes untouched
	// and the malformed one after it is rewritten.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(raw), `"ok"`) || resp.Close {
		t.Fatalf("healthz: %d %s (close %v)", resp.StatusCode, raw, resp.Close)
	}
	io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
	readAnswer(t, br, 400, "AIP.0012")
}
