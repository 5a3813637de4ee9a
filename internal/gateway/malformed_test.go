package gateway

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// An answer a handler writes passes the wrapper untouched, even a
// text/plain 400 of net/http's own http.Error: only the canned answers
// written before any handler runs are rewritten.
func TestListenerLeavesHandlerAnswersAlone(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := New(Options{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		http.Error(w, "400 Bad Request", http.StatusBadRequest)
	})}
	go srv.Serve(g.Listener(ln))
	defer srv.Close()
	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") ||
		resp.Header.Get("X-Request-Id") != "" || string(b) != "400 Bad Request\n" {
		t.Fatalf("handler's answer changed: %d %v %q", resp.StatusCode, resp.Header, b)
	}
	for _, p := range []string{
		"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nDate: x\r\nConnection: close\r\n\r\n400 Bad Request",
		"HTTP/1.1 501 Not Implemented" + cannedHeaders + "Unsupported transfer encoding",
		"HTTP/1.0 400 Bad Request" + cannedHeaders + "400 Bad Request",
	} {
		if _, _, ok := parseCanned([]byte(p)); ok {
			t.Errorf("taken for a canned 400/431: %q", p)
		}
	}
}
