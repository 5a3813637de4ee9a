// Package asynclog is the process log's writer: a line is copied into a
// buffer and written out by a goroutine of its own, so no request waits
// for stderr (a slow terminal, a full pipe). When the buffer is full the
// line is dropped and counted instead of blocking the caller.
package asynclog

import (
	"io"
	"sync"
	"sync/atomic"
)

// DefaultMax is the buffer's bound: a few thousand access-log lines.
const DefaultMax = 1 << 20

// Writer buffers whole Writes (slog's handlers write one record per
// call) and writes them to out in order, batched.
type Writer struct {
	out     io.Writer
	max     int
	dropped atomic.Uint64

	mu      sync.Mutex
	buf     []byte // waiting to be written
	closed  bool
	writing bool // the goroutine holds a batch (Flush waits for it)
	idle    *sync.Cond

	wake      chan struct{}
	stop      chan struct{}
	closeOnce sync.Once
	done      chan struct{}
}

// New starts a Writer to out that holds at most max bytes waiting
// (DefaultMax when max <= 0).
func New(out io.Writer, max int) *Writer {
	if max <= 0 {
		max = DefaultMax
	}
	w := &Writer{out: out, max: max, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	w.idle = sync.NewCond(&w.mu)
	go w.run()
	return w
}

// Write queues p, or drops it (and counts it) when the buffer would grow
// past its bound. It never fails and never waits for out. After Close it
// writes straight to out.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return w.out.Write(p)
	}
	if len(w.buf)+len(p) > w.max {
		w.mu.Unlock()
		w.dropped.Add(1)
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return len(p), nil
}

// Dropped is the number of lines dropped because the buffer was full.
func (w *Writer) Dropped() uint64 { return w.dropped.Load() }

func (w *Writer) run() {
	defer close(w.done)
	var spare []byte
	for {
		select {
		case <-w.wake:
		case <-w.stop:
			w.drain(&spare)
			return
		}
		w.drain(&spare)
	}
}

// drain writes what is buffered, swapping buffers so that writers append
// to the other one meanwhile.
func (w *Writer) drain(spare *[]byte) {
	for {
		w.mu.Lock()
		if len(w.buf) == 0 {
			w.writing = false
			w.idle.Broadcast()
			w.mu.Unlock()
			return
		}
		batch := w.buf
		w.buf, w.writing = (*spare)[:0], true
		w.mu.Unlock()
		_, _ = w.out.Write(batch) // nowhere to report a failing log
		*spare = batch
	}
}

// Flush waits until everything written so far is out.
func (w *Writer) Flush() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
	w.mu.Lock()
	for !w.closed && (len(w.buf) > 0 || w.writing) {
		w.idle.Wait()
	}
	w.mu.Unlock()
}

// Close writes what is buffered and stops the goroutine; later Writes go
// straight to out.
func (w *Writer) Close() error {
	w.closeOnce.Do(func() {
		close(w.stop)
		<-w.done
		w.mu.Lock()
		w.closed = true
		w.idle.Broadcast()
		w.mu.Unlock()
	})
	return nil
}
