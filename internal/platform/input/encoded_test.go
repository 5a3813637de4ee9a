package input

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"

	"github.com/aisd/aisd/internal/catalog"
)

// encodedServer answers the same payload in each way a server may frame
// a body: with a length, chunked, gzip-encoded (with and without a
// length), gzip cut short, and delimited by closing the connection.
func encodedServer(t *testing.T, payload []byte) *httptest.Server {
	t.Helper()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(payload)
	zw.Close()
	bomb := gzipOfZeros(t, 64<<20) // 64 MB of zeros in ~64 KB
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/length":
			w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
			w.Write(payload)
		case "/chunked":
			w.Write(payload[:len(payload)/2])
			w.(http.Flusher).Flush()
			w.Write(payload[len(payload)/2:])
		case "/gzip-length", "/gzip-chunked", "/gzip-cut", "/gzip-bomb":
			if r.Header.Get("Accept-Encoding") != "gzip" {
				t.Errorf("the fetcher asked for %q", r.Header.Get("Accept-Encoding"))
			}
			w.Header().Set("Content-Encoding", "gzip")
			b := gz.Bytes()
			switch r.URL.Path {
			case "/gzip-length":
				w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			case "/gzip-cut":
				b = b[:len(b)-6] // the trailer's CRC and length are gone
				w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			case "/gzip-bomb":
				b = bomb
			}
			w.Write(b[:len(b)/2])
			w.(http.Flusher).Flush()
			w.Write(b[len(b)/2:])
		case "/close":
			// HTTP/1.0-style: no length, no chunking, the end is the close.
			c, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nConnection: close\r\n\r\n")
			buf.Write(payload)
			buf.Flush()
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func gzipOfZeros(t *testing.T, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	bw := bufio.NewWriter(zw)
	bw.Write(make([]byte, n))
	bw.Flush()
	zw.Close()
	return b.Bytes()
}

// TestOpenEncodedBodies: a gzip-encoded or chunked download, which carries
// no usable Content-Length (the transport drops it when it decodes gzip),
// is read up to the limit and sized by what was read; its end is known from
// the framing, so a stream cut short fails. Only a body that ends with the
// connection has no known end. Decoding never holds more than the limit.
func TestOpenEncodedBodies(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	srv := encodedServer(t, payload)
	r := New(Options{
		Fetcher:  NewFetcher(FetcherOptions{AllowHosts: []string{srv.Listener.Addr().String()}}),
		MaxBytes: 4 << 20,
	})
	ctx := context.Background()
	for _, tc := range []struct {
		path     string
		size     int64
		endKnown bool
		readKind catalog.Kind // "" when the whole payload reads
	}{
		{"/length", int64(len(payload)), true, ""},
		{"/chunked", -1, true, ""},
		{"/gzip-length", -1, true, ""},
		{"/gzip-chunked", -1, true, ""},
		{"/close", -1, false, ""},
		{"/gzip-cut", -1, true, catalog.KindURLFetch},
		{"/gzip-bomb", -1, true, catalog.KindURLTooLarge},
	} {
		t.Run(tc.path, func(t *testing.T) {
			src, err := r.Open(ctx, "p1", "moderation.video", srv.URL+tc.path, Limits{MaxBytes: 4 << 20})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if src.Size != tc.size || src.EndKnown != tc.endKnown {
				t.Fatalf("size %d, end known %v; want %d, %v", src.Size, src.EndKnown, tc.size, tc.endKnown)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			var got bytes.Buffer
			n, err := io.Copy(&got, struct{ io.Reader }{src})
			runtime.ReadMemStats(&after)
			if tc.readKind != "" {
				if !catalog.IsKind(err, tc.readKind) {
					t.Fatalf("read %d bytes, %v; want %s", n, err, tc.readKind)
				}
				if n > 4<<20+1 {
					t.Errorf("read %d bytes past the 4 MiB limit", n)
				}
				return
			}
			if err != nil || !bytes.Equal(got.Bytes(), payload) {
				t.Fatalf("read %d bytes, %v", n, err)
			}
			// The copy's buffer holds the payload; decoding adds little.
			if d := after.TotalAlloc - before.TotalAlloc; d > 8<<20 {
				t.Errorf("reading %d bytes allocated %d", n, d)
			}
		})
	}
	// Resolve (the image path) reads a gzip-encoded answer whole too.
	small := New(Options{
		Fetcher:  NewFetcher(FetcherOptions{AllowHosts: []string{srv.Listener.Addr().String()}}),
		MaxBytes: 2 << 20,
	})
	b, err := small.Resolve(ctx, "p1", "ocr", "", srv.URL+"/gzip-chunked")
	if err != nil || !bytes.Equal(b, payload) {
		t.Fatalf("Resolve: %d bytes, %v", len(b), err)
	}
	if _, err := small.Resolve(ctx, "p1", "ocr", "", srv.URL+"/gzip-bomb"); !catalog.IsKind(err, catalog.KindURLTooLarge) {
		t.Fatalf("Resolve of a gzip bomb: %v", err)
	}
}
