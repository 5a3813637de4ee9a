// Command floor is the gateway benchmark's Go floor: Go's net/http server,
// as aisd runs it, with a handler that does nothing but read the request
// body and answer the APIG.0308 body with a fresh X-Request-Id. No Go
// server answers faster than this one, so aisd's figures are read against
// it as well as against nginx: the gap to the floor is aisd's own work, the
// gap from the floor to nginx is the HTTP server's.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"io"
	"log"
	"net/http"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18091", "listen address")
	flag.Parse()
	srv := &http.Server{Addr: *addr, ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		var id [16]byte
		_, _ = rand.Read(id[:])
		rid := hex.EncodeToString(id[:])
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("X-Request-Id", rid)
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:1,time:1 minute","request_id":"`+rid+`"}`)
	})}
	log.Fatal(srv.ListenAndServe())
}
