// Command s3server is the S3-compatible object store of bench/replicas:
// gofakes3 (MIT, from the Go module proxy) over its in-memory backend, in
// a process of its own on a loopback port, so that the replicas and
// workers reach their objects over S3 exactly as they would a deployed
// store. It does not check request signatures; the replicas' own S3 API,
// which clients upload through, does.
//
//	go run ./bench/replicas/s3server -addr 127.0.0.1:9000
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	// The line bench/replicas waits for.
	fmt.Fprintf(os.Stdout, "s3server on http://%s\n", ln.Addr())
	faker := gofakes3.New(s3mem.New(), gofakes3.WithHostBucket(false))
	log.Fatal(http.Serve(ln, faker.Server()))
}
