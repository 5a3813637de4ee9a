package workers

import (
	"math/bits"
	"sync"
)

// bufPool keeps the buffers of large forwarded calls for the next ones: a
// worker reads every call's image into one buffer of the declared length,
// and at 2 MB a fresh one costs its zeroing and, more, the garbage
// collections that a stream of them sets off, which is where the hop's
// tail latency went. A free list bounded in bytes, not a sync.Pool: every
// collection empties a sync.Pool, and at this size one runs every few calls.
type bufPool struct {
	mu    sync.Mutex
	free  [bufClasses][][]byte
	held  int64
	limit int64
}

const (
	bufMinShift = 16 // 64 KB: smaller calls are cheap to allocate
	bufClasses  = 10 // up to 32 MB
)

// class is the index of the smallest class holding n bytes, or -1.
func bufClass(n int) int {
	if n <= 1<<bufMinShift {
		if n <= 0 {
			return -1
		}
		return 0
	}
	c := bits.Len(uint(n-1)) - bufMinShift
	if c >= bufClasses {
		return -1
	}
	return c
}

// get returns a buffer of length n, reused when one of its class is free.
// Its bytes are not zeroed: the caller overwrites all n of them.
func (p *bufPool) get(n int) []byte {
	c := bufClass(n)
	if c < 0 || n < 1<<(bufMinShift-1) {
		return make([]byte, n)
	}
	p.mu.Lock()
	if k := len(p.free[c]); k > 0 {
		b := p.free[c][k-1]
		p.free[c] = p.free[c][:k-1]
		p.held -= int64(cap(b))
		p.mu.Unlock()
		return b[:n]
	}
	p.mu.Unlock()
	return make([]byte, n, 1<<(bufMinShift+c))
}

// put hands b back once nothing refers to it any more; beyond the pool's
// limit it is left to the collector.
func (p *bufPool) put(b []byte) {
	c := bufClass(cap(b))
	if c < 0 || cap(b) != 1<<(bufMinShift+c) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held+int64(cap(b)) > p.limit {
		return
	}
	p.free[c] = append(p.free[c], b[:0])
	p.held += int64(cap(b))
}
