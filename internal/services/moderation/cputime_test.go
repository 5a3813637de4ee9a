package moderation

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// threadCPU is the calling OS thread's CPU time (user + system).
func threadCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuLoop runs f b.N times on one locked OS thread and reports, besides
// the wall-time MB/s the machine's load distorts, MB/s of that thread's
// CPU time (cpu-MB/s): the figure the per-core target is about.
func cpuLoop(b *testing.B, bytes int, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.SetBytes(int64(bytes))
	f() // warm the pools
	b.ResetTimer()
	start := threadCPU(b)
	for i := 0; i < b.N; i++ {
		f()
	}
	cpu := threadCPU(b) - start
	b.StopTimer()
	if cpu > 0 {
		b.ReportMetric(float64(bytes)*float64(b.N)/cpu.Seconds()/1e6, "cpu-MB/s")
	}
}
