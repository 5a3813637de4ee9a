package input

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/catalog/catalogtest"
	"github.com/aisd/aisd/internal/platform/obs"
)

// TestOpenStreams: Open hands back the input as a stream under a limit of
// the caller's own (a video's 300 MB, not the images' cap), from either
// kind of URL, and reads never pass the limit.
func TestOpenStreams(t *testing.T) {
	r, front, st := newTestResolver(t)
	ctx := context.Background()
	if _, err := st.Put(ctx, "photos", "clip.bin", bytes.NewReader(make([]byte, 5000)), 5000, ""); err != nil {
		t.Fatal(err)
	}
	big := "http://allowed.test:" + port(front) + "/big" // 2,000,000 bytes, over the resolver's 1000
	for _, tc := range []struct {
		url    string
		size   int64
		object bool
	}{
		{big, 2000000, false},
		{"http://allowed.test:" + port(front) + "/big-chunked", -1, false},
		{"obs://photos/clip.bin", 5000, true},
	} {
		src, err := r.Open(ctx, "p1", "moderation.video", tc.url, Limits{MaxBytes: 3 << 20})
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		n, err := io.Copy(io.Discard, struct{ io.Reader }{src}) // no WriterTo shortcut
		runtime.ReadMemStats(&after)
		src.Close()
		if err != nil || src.Size != tc.size || src.Object != tc.object {
			t.Fatalf("%s: copied %d, %v; size %d object %v", tc.url, n, err, src.Size, src.Object)
		}
		if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
			t.Errorf("%s: streaming %d bytes allocated %d", tc.url, n, d)
		}
	}
	// Under a smaller limit the same inputs fail, declared or not.
	for _, tc := range []struct {
		url       string
		openKind  catalog.Kind // "" when opening succeeds and reading fails
		readKind  catalog.Kind
		maxBytes  int64
		readLimit int64
	}{
		{big, catalog.KindURLTooLarge, "", 1 << 20, 0},
		{"http://allowed.test:" + port(front) + "/big-chunked", "", catalog.KindURLTooLarge, 1 << 20, 1<<20 + 1},
		{"obs://photos/clip.bin", catalog.KindOBSTooLarge, "", 4999, 0},
	} {
		src, err := r.Open(ctx, "p1", "moderation.video", tc.url, Limits{MaxBytes: tc.maxBytes})
		if tc.openKind != "" {
			catalogtest.WantKind(t, err, tc.openKind)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		n, err := io.Copy(io.Discard, struct{ io.Reader }{src})
		src.Close()
		catalogtest.WantKind(t, err, tc.readKind)
		if n != tc.readLimit {
			t.Errorf("%s: read %d bytes before failing, want %d", tc.url, n, tc.readLimit)
		}
	}
}

// TestOpenPolicy: Open refuses what Resolve refuses, with the same kinds —
// it is the policy Resolve applies.
func TestOpenPolicy(t *testing.T) {
	r, front, _ := newTestResolver(t)
	fp := port(front)
	ctx := context.Background()
	for _, tc := range []struct {
		name, project, url string
		kind               catalog.Kind
	}{
		{"loopback", "p1", "http://127.0.0.1:" + fp + "/ok", catalog.KindURLForbidden},
		{"redirect to loopback", "p1", "http://allowed.test:" + fp + "/to-loopback", catalog.KindURLForbidden},
		{"scheme", "p1", "ftp://allowed.test/v.mp4", catalog.KindURLForbidden},
		{"404", "p1", "http://allowed.test:" + fp + "/missing", catalog.KindURLFetch},
		{"no agency", "p-noagency", "obs://photos/a/cat.png", catalog.KindOBSNoAgency},
		{"other project", "p1", "obs://theirs/dog.png", catalog.KindOBSRead},
		{"missing", "p1", "obs://photos/nothing.png", catalog.KindOBSNotFound},
		{"bad obs url", "p1", "obs://photos", catalog.KindOBSBadURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := r.Open(ctx, tc.project, "svc", tc.url, Limits{})
			if err == nil {
				src.Close()
			}
			catalogtest.WantKind(t, err, tc.kind)
		})
	}
}

// TestOpenTimeout: a download's time limit covers the body: a server that
// stops sending fails the read, not the process.
func TestOpenTimeout(t *testing.T) {
	r, front, _ := newTestResolver(t)
	src, err := r.Open(context.Background(), "p1", "svc", "http://allowed.test:"+port(front)+"/slow-body", Limits{Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	start := time.Now()
	_, err = io.ReadAll(src)
	catalogtest.WantKind(t, err, catalog.KindURLFetch)
	if !errors.Is(err, ErrURLFetch) || time.Since(start) > 3*time.Second {
		t.Fatalf("read ended after %v: %v", time.Since(start), err)
	}
}

// TestOpenChecksDeclaredSize: an object that ends before its declared size
// is a failed read, not a short input.
func TestOpenChecksDeclaredSize(t *testing.T) {
	_, _, st := newTestResolver(t)
	short := New(Options{OBS: shortStore{st}, Agencies: func(context.Context, string, string) (bool, error) { return true, nil }})
	src, err := short.Open(context.Background(), "p1", "svc", "obs://photos/a/cat.png", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	_, err = io.ReadAll(src)
	catalogtest.WantKind(t, err, catalog.KindOBSRead)
}

// shortStore declares 3 bytes and serves 2.
type shortStore struct{ obs.Store }

func (s shortStore) Get(context.Context, string, string) (io.ReadCloser, int64, error) {
	return io.NopCloser(strings.NewReader("CA")), 3, nil
}

func TestCheck(t *testing.T) {
	r, front, _ := newTestResolver(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, project, url string
		kind               catalog.Kind // "" when accepted
	}{
		{"download", "p1", "http://allowed.test:" + port(front) + "/anything", ""},
		{"object with agency", "p1", "obs://photos/not-yet-uploaded.mp4", ""},
		{"object without agency", "p-noagency", "obs://photos/a.mp4", catalog.KindOBSNoAgency},
		{"bad object url", "p1", "obs://", catalog.KindOBSBadURL},
		{"scheme", "p1", "file:///etc/passwd", catalog.KindURLForbidden},
		{"literal private address", "p1", "http://10.0.0.1/v.mp4", catalog.KindURLForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := r.Check(ctx, tc.project, "svc", tc.url)
			if tc.kind == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			catalogtest.WantKind(t, err, tc.kind)
		})
	}
}
