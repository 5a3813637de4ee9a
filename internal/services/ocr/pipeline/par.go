package pipeline

import (
	"runtime"
	"sync"
)

// parallel runs fn over [0,n) split into at most GOMAXPROCS contiguous
// ranges of at least grain items each; small jobs run on the caller's
// goroutine. The pre- and post-processing around the models is otherwise
// single-threaded and, once the models got faster, grew past a tenth of a
// request's time on a two-core machine.
func parallel(n, grain int, fn func(lo, hi int)) {
	parts := min(runtime.GOMAXPROCS(0), n/max(grain, 1))
	if parts <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := n*p/parts, n*(p+1)/parts
		if p == parts-1 {
			fn(lo, hi)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// floatPool keeps the largest of the models' big buffers (the detector's
// input and output, up to 35 MB and 12 MB, and the recogniser's input) for
// the next request. A fresh slice of that size costs more in page faults
// and zeroing than the work that fills it, and a sync.Pool, emptied by
// every garbage collection, rarely had one to give back. One buffer per
// kind: a second, for concurrent requests, held 40 MB more at peak for no
// measurable speed.
type floatPool struct {
	mu  sync.Mutex
	buf []float32
}

var detInPool, detOutPool, recInPool floatPool

func (f *floatPool) get(n int) []float32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if cap(f.buf) >= n {
		b := f.buf[:n]
		f.buf = nil
		return b
	}
	return make([]float32, n)
}

func (f *floatPool) put(s []float32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if cap(s) > cap(f.buf) {
		f.buf = s
	}
}
