package input

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fakeDNS answers from a table and fails every other name, so no test
// depends on (or reaches) real DNS.
type fakeDNS map[string][]string

func (d fakeDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	ss, ok := d[strings.TrimSuffix(strings.ToLower(host), ".")] // FQDN form resolves alike
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out, nil
}

var testDNS = fakeDNS{
	"allowed.test":     {"127.0.0.1"},
	"evil.test":        {"127.0.0.1"},
	"localhost":        {"127.0.0.1", "::1"},
	"127.0.0.1.nip.io": {"127.0.0.1"},
	"metadata.test":    {"169.254.169.254"},
	"mixed.test":       {"8.8.8.8", "10.0.0.1"},
	"mapped.test":      {"::ffff:127.0.0.1"},
}

// servers starts the test servers: target is a loopback server that must
// never be reached through the policy; front is allow-listed by name
// ("allowed.test") and redirects as told by its path.
func servers(t *testing.T) (front, target *httptest.Server, targetHits *int) {
	t.Helper()
	hits := 0
	target = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		fmt.Fprint(w, "SECRET")
	}))
	t.Cleanup(target.Close)
	_, tport, _ := net.SplitHostPort(target.Listener.Addr().String())
	front = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.Header().Set("Content-Type", "image/png")
			fmt.Fprint(w, "IMAGE-BYTES")
		case "/to-loopback":
			http.Redirect(w, r, "http://127.0.0.1:"+tport+"/", http.StatusFound)
		case "/to-evil-name":
			http.Redirect(w, r, "http://evil.test:"+tport+"/", http.StatusMovedPermanently)
		case "/to-decimal":
			http.Redirect(w, r, "http://2130706433:"+tport+"/", http.StatusTemporaryRedirect)
		case "/to-file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/to-ok":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/big":
			w.Header().Set("Content-Length", "2000000")
			w.Write(make([]byte, 2000000))
		case "/big-chunked":
			fl := w.(http.Flusher)
			chunk := make([]byte, 64<<10)
			for i := 0; i < 40; i++ { // 2.5 MB, no Content-Length
				if _, err := w.Write(chunk); err != nil {
					return
				}
				fl.Flush()
			}
		case "/slow":
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
		case "/slow-body":
			w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
		case "/empty":
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(front.Close)
	return front, target, &hits
}

func port(s *httptest.Server) string {
	_, p, _ := net.SplitHostPort(s.Listener.Addr().String())
	return p
}

func newTestFetcher() *Fetcher {
	return NewFetcher(FetcherOptions{
		Resolver:   testDNS,
		AllowHosts: []string{"allowed.test"},
		Timeout:    500 * time.Millisecond,
		MaxBytes:   1 << 20,
	})
}

// hostileURLs returns URLs the policy must refuse; the {T} placeholder is the
// port of a live loopback server, so a refusal is the policy's doing and
// not a dead port.
func hostileURLs(front, target *httptest.Server) []string {
	tp, fp := port(target), port(front)
	urls := []string{
		"http://127.0.0.1:{T}/",
		"http://localhost:{T}/",
		"http://LOCALHOST:{T}/",
		"http://127.0.0.1.nip.io:{T}/",
		"http://evil.test:{T}/",
		"http://mapped.test:{T}/",
		"http://metadata.test/latest/meta-data/",
		"http://mixed.test/",
		"http://2130706433:{T}/",
		"http://0177.0.0.1:{T}/",
		"http://0x7f.1:{T}/",
		"http://0x7f000001:{T}/",
		"http://127.1:{T}/",
		"http://0:{T}/",
		"http://[::1]:{T}/",
		"http://[::ffff:127.0.0.1]:{T}/",
		"http://[::ffff:7f00:1]:{T}/",
		"http://[::127.0.0.1]:{T}/",
		"http://[64:ff9b::7f00:1]:{T}/",
		"http://[2002:7f00:1::1]:{T}/",
		"http://[2002:c0a8:101::1]/",
		"http://[fd00::1]/",
		"http://[fe80::1%25lo]:{T}/",
		"http://[::]:{T}/",
		"http://0.0.0.0:{T}/",
		"http://169.254.169.254/latest/meta-data/",
		"http://[::ffff:169.254.169.254]/",
		"http://10.0.0.1/",
		"http://172.16.0.1/",
		"http://192.168.1.1/",
		"http://100.64.0.1/",
		"http://224.0.0.1/",
		"http://255.255.255.255/",
		"ftp://allowed.test/x.png",
		"file:///etc/passwd",
		"gopher://127.0.0.1:{T}/",
		"javascript:alert(1)",
		"http://user:pass@allowed.test:{F}/ok",
		"http://allowed.test:{F}@127.0.0.1:{T}/",
		"//127.0.0.1:{T}/",
		"http://allowed.test:{F}\\@127.0.0.1:{T}/",
		"http://127.0.0.1:{T}#@allowed.test:{F}/ok",
		"http://127.0.0.1%00.allowed.test:{F}/ok",
		"http://evil.test.:{T}/",
		"HTTP://127.0.0.1:{T}/",
		"http://allowed.test:{F}/to-loopback",
		"http://allowed.test:{F}/to-evil-name",
		"http://allowed.test:{F}/to-decimal",
		"http://allowed.test:{F}/to-file",
		"http://allowed.test:{F}/to-metadata",
	}
	for i, u := range urls {
		urls[i] = strings.NewReplacer("{T}", tp, "{F}", fp).Replace(u)
	}
	return urls
}

func TestFetchRefusesHostileURLs(t *testing.T) {
	front, target, hits := servers(t)
	f := newTestFetcher()
	urls := hostileURLs(front, target)
	if len(urls) < 15 {
		t.Fatalf("matrix has %d URLs", len(urls))
	}
	for _, u := range urls {
		t.Run(u, func(t *testing.T) {
			b, err := f.Fetch(context.Background(), u, 0)
			if !errors.Is(err, ErrURLForbidden) {
				t.Fatalf("Fetch = %q, %v; want ErrURLForbidden", b, err)
			}
			t.Log(err)
		})
	}
	if *hits != 0 {
		t.Errorf("the loopback target was reached %d times", *hits)
	}
}

func TestFetchAllowListed(t *testing.T) {
	front, _, _ := servers(t)
	fp := port(front)
	for name, f := range map[string]*Fetcher{
		"host":      newTestFetcher(),
		"host:port": NewFetcher(FetcherOptions{Resolver: testDNS, AllowHosts: []string{"allowed.test:" + fp}}),
		"cidr":      NewFetcher(FetcherOptions{Resolver: testDNS, AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}),
	} {
		t.Run(name, func(t *testing.T) {
			host := "allowed.test"
			if name == "cidr" {
				host = "127.0.0.1"
			}
			for _, path := range []string{"/ok", "/to-ok"} {
				b, err := f.Fetch(context.Background(), "http://"+host+":"+fp+path, 0)
				if err != nil || string(b) != "IMAGE-BYTES" {
					t.Fatalf("Fetch %s = %q, %v", path, b, err)
				}
			}
		})
	}
	// An allow-listed name:port does not open the name's other ports.
	f := NewFetcher(FetcherOptions{Resolver: testDNS, AllowHosts: []string{"allowed.test:1"}})
	if _, err := f.Fetch(context.Background(), "http://allowed.test:"+fp+"/ok", 0); !errors.Is(err, ErrURLForbidden) {
		t.Fatalf("other port: %v, want ErrURLForbidden", err)
	}
}

func TestFetchFailures(t *testing.T) {
	front, _, _ := servers(t)
	base := "http://allowed.test:" + port(front)
	f := newTestFetcher()
	for _, tc := range []struct {
		path string
		want error
	}{
		{"/missing", ErrURLFetch},
		{"/big", ErrURLTooLarge},
		{"/big-chunked", ErrURLTooLarge},
		{"/slow", ErrURLFetch},
		{"/slow-body", ErrURLFetch},
		{"/loop", ErrURLFetch},
	} {
		t.Run(tc.path, func(t *testing.T) {
			start := time.Now()
			_, err := f.Fetch(context.Background(), base+tc.path, 0)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v despite the 500ms time-out", d)
			}
		})
	}
	// Unknown names and refused connections are download failures, not
	// policy refusals.
	if _, err := f.Fetch(context.Background(), "http://nowhere.test/x", 0); !errors.Is(err, ErrURLFetch) {
		t.Errorf("unknown host: %v", err)
	}
	// Exactly at the cap is accepted; one byte less is refused.
	if b, err := f.Fetch(context.Background(), base+"/big", 2000000); err != nil || len(b) != 2000000 {
		t.Errorf("at cap: %d bytes, %v", len(b), err)
	}
	if _, err := f.Fetch(context.Background(), base+"/big", 1999999); !errors.Is(err, ErrURLTooLarge) {
		t.Errorf("one under cap: %v", err)
	}
}

func TestReadCappedNeverBuffersBeyondCap(t *testing.T) {
	const max = 1 << 20
	// A body that lies about its length and then streams forever.
	_, err := readCapped(endless{}, max, 10)
	if !errors.Is(err, ErrURLTooLarge) {
		t.Fatalf("err = %v", err)
	}
	allocs := testing.AllocsPerRun(5, func() { readCapped(endless{}, max, 0) })
	if allocs > 40 {
		t.Errorf("%v allocations per capped read", allocs)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	readCapped(endless{}, max, 1<<40) // a huge declared length changes nothing
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 3*max {
		t.Errorf("capped read of an endless body allocated %d bytes (cap %d)", d, max)
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) { return len(p), nil }

func TestControlHookRefusesDialledAddress(t *testing.T) {
	f := newTestFetcher()
	for addr, refused := range map[string]bool{
		"127.0.0.1:80":         true,
		"[::ffff:10.0.0.1]:80": true,
		"[fe80::1%lo]:443":     true,
		"8.8.8.8:443":          false,
	} {
		err := f.control("tcp", addr, nil)
		if got := errors.Is(err, ErrURLForbidden); got != refused {
			t.Errorf("control(%s) = %v, want refused=%v", addr, err, refused)
		}
	}
}
