package asynclog

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuf is an out that may be made to block, as a full pipe does.
type syncBuf struct {
	mu    sync.Mutex
	b     bytes.Buffer
	block chan struct{} // non-nil: Write waits until it is closed
}

func (s *syncBuf) Write(p []byte) (int, error) {
	if s.block != nil {
		<-s.block
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestLinesArriveInOrder(t *testing.T) {
	out := &syncBuf{}
	w := New(out, 0)
	var want strings.Builder
	for i := range 1000 {
		line := fmt.Sprintf("line %d\n", i)
		want.WriteString(line)
		w.Write([]byte(line))
	}
	w.Flush()
	if got := out.String(); got != want.String() {
		t.Fatalf("flushed %d bytes, want %d in order", len(got), want.Len())
	}
	w.Write([]byte("last\n"))
	w.Close()
	if !strings.HasSuffix(out.String(), "line 999\nlast\n") || w.Dropped() != 0 {
		t.Fatalf("after Close: ...%q, %d dropped", out.String()[out.b.Len()-20:], w.Dropped())
	}
	w.Write([]byte("after\n")) // straight through once closed
	if !strings.HasSuffix(out.String(), "last\nafter\n") {
		t.Fatal("a write after Close was not written")
	}
}

// A blocked out never blocks the writer: lines past the bound are dropped
// and counted, and those within it are written once out unblocks.
func TestBlockedOutDropsAndCounts(t *testing.T) {
	out := &syncBuf{block: make(chan struct{})}
	w := New(out, 100)
	line := []byte("0123456789\n") // 11 bytes
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 50 {
			w.Write(line)
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Write blocked on a blocked output")
	}
	// The goroutine may hold one batch already (up to 9 lines), the
	// buffer up to 9 more: at least 32 of the 50 are dropped.
	if d := w.Dropped(); d < 32 || d > 50 {
		t.Fatalf("%d lines dropped, want 32 to 50", d)
	}
	close(out.block)
	w.Close()
	if got := strings.Count(out.String(), "\n"); uint64(got)+w.Dropped() != 50 {
		t.Fatalf("%d written + %d dropped, want 50", got, w.Dropped())
	}
}
