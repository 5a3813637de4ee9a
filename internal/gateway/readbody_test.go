package gateway

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aisd/aisd/internal/catalog"
)

// overlong is a body longer than the Content-Length its request declares
// (net/http's server cuts such bodies; a Body set by other code may not).
type overlong struct{ r io.Reader }

func (o overlong) Read(p []byte) (int, error) { return o.r.Read(p) }
func (overlong) Close() error                 { return nil }

func TestReadBody(t *testing.T) {
	const limit = 1 << 10
	for _, tc := range []struct {
		name    string
		body    io.ReadCloser
		cl      int64
		wantLen int
		want413 bool
	}{
		{"declared", io.NopCloser(strings.NewReader(strings.Repeat("a", 100))), 100, 100, false},
		{"declared at the limit", io.NopCloser(strings.NewReader(strings.Repeat("a", limit))), limit, limit, false},
		{"declared over the limit", io.NopCloser(strings.NewReader(strings.Repeat("a", limit+1))), limit + 1, 0, true},
		{"undeclared", io.NopCloser(strings.NewReader(strings.Repeat("a", 700))), -1, 700, false},
		{"undeclared at the limit", io.NopCloser(strings.NewReader(strings.Repeat("a", limit))), -1, limit, false},
		{"undeclared over the limit", io.NopCloser(strings.NewReader(strings.Repeat("a", limit+1))), -1, 0, true},
		{"longer than declared, over the limit", overlong{strings.NewReader(strings.Repeat("a", limit+5))}, 10, 0, true},
		{"no body", http.NoBody, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			r.Body, r.ContentLength = tc.body, tc.cl
			b, err := readBody(r, limit)
			if tc.want413 {
				if e, ok := catalog.From(err); !ok || e.In(catalog.FamilyAIP).Code != "APIG.0201" {
					t.Fatalf("err %v, want APIG.0201", err)
				}
				return
			}
			if err != nil || len(b) != tc.wantLen {
				t.Fatalf("read %d bytes, %v; want %d", len(b), err, tc.wantLen)
			}
			again, _ := io.ReadAll(r.Body)
			if !bytes.Equal(again, b) {
				t.Fatalf("the request's body reads %d bytes afterwards, not the %d read", len(again), len(b))
			}
		})
	}
}

// A declared length sizes the buffer once: reading 1 MiB costs the buffer
// and the body's replacement, not the dozen growth steps of io.ReadAll.
func TestReadBodySizedByContentLength(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 1<<20)
	r := httptest.NewRequest("POST", "/", nil)
	allocs := testing.AllocsPerRun(20, func() {
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(data)), int64(len(data))
		if b, err := readBody(r, 2<<20); err != nil || len(b) != len(data) {
			t.Fatalf("read %d, %v", len(b), err)
		}
	})
	// 2 for the test's own NopCloser and Reader, 3 for readBody's buffer,
	// NopCloser and Reader.
	if allocs > 5 {
		t.Fatalf("%.0f allocations to read a 1 MiB body of declared length, want at most 5", allocs)
	}
}
