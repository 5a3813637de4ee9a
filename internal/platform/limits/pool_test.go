package limits

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// A burst of calls leaves at most maxParked runners behind, and a call
// after the burst runs on a parked one rather than a new goroutine.
func TestPooledRunnersBounded(t *testing.T) {
	before := runtime.NumGoroutine() - int(parked.Load()) // parked runners are reused below
	const n = 3 * maxParked
	var started, release sync.WaitGroup
	started.Add(n)
	release.Add(1)
	var done sync.WaitGroup
	done.Add(n)
	for range n {
		goPooled(func() {
			started.Done()
			release.Wait()
			done.Done()
		})
	}
	started.Wait() // all n at once: none could be reused
	if g := runtime.NumGoroutine(); g < before+n {
		t.Fatalf("%d goroutines for %d concurrent calls (%d before)", g, n, before)
	}
	release.Done()
	done.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+maxParked && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before+maxParked {
		t.Fatalf("%d goroutines left after the burst, want at most %d", g, before+maxParked)
	}
	for parked.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	g := runtime.NumGoroutine()
	ran := make(chan struct{})
	goPooled(func() { close(ran) })
	<-ran
	if parked.Load() == 0 {
		t.Fatal("no runner parked after the burst")
	}
	if after := runtime.NumGoroutine(); after > g {
		t.Fatalf("a call after the burst started a goroutine (%d → %d)", g, after)
	}
}
