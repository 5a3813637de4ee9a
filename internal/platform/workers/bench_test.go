package workers

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"runtime"
	"sort"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/api"
)

// BenchmarkHop is the forwarding hop alone on loopback: a replica's pool
// calling a worker whose handler does nothing, with request bodies the
// size of a small, a typical and a large base64 image. The p50 and p99 of
// one call are what forwarding adds to a model call; cpu-us is the CPU
// time (user and system, of the replica's and the worker's side together:
// both run in this process) one call costs, which on a shared machine
// says more than the tail of its wall time. Each size is warmed up first
// (the token, the connection and its socket buffers, the heap) and only
// the calls after that are measured; gc/op is the GC cycles one call
// starts (both sides share one heap here), dials the connections opened
// while measuring (0: every call reuses the kept-alive one).
//
//	go test -run '^$' -bench Hop -benchtime 2000x ./internal/platform/workers
func BenchmarkHop(b *testing.B) {
	answer := map[string]any{"result": map[string]any{"words_block_count": 1,
		"words_block_list": []any{map[string]any{"words": "欢迎使用文字识别服务", "confidence": 0.99,
			"location": [][]int{{1, 2}, {3, 4}, {5, 6}, {7, 8}}}}}}
	srv := httptest.NewServer(NewServer(ServerOptions{Key: key, Engines: []string{"ocr"}, Handlers: map[string]api.Handler{
		"RecognizeGeneralText": func(context.Context, *api.Call) (any, error) { return answer, nil },
	}}))
	defer srv.Close()
	var dials atomic.Int64
	tr := Transport()
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return dial(ctx, network, addr)
	}
	p, err := New(Options{URLs: []string{srv.URL}, Key: key, Transport: tr})
	if err != nil {
		b.Fatal(err)
	}
	p.Start(context.Background())
	defer p.Close()
	for _, size := range []int{1 << 10, 256 << 10, 2 << 20} {
		b.Run(fmt.Sprintf("body=%dKB", size>>10), func(b *testing.B) {
			c := &api.Call{API: "RecognizeGeneralText", RequestID: "bench", ProjectID: "p", Body: make([]byte, size)}
			for i := range c.Body {
				c.Body[i] = 'A' + byte(i%26)
			}
			call := func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if _, err := p.Call(ctx, "ocr", c); err != nil {
					b.Fatal(err)
				}
			}
			for i := 0; i < 20; i++ {
				call()
			}
			lat := make([]time.Duration, 0, b.N)
			b.SetBytes(int64(size))
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			dials0, cpu0 := dials.Load(), cpuTime(b)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				call()
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(b.N), "cpu-us")
			runtime.ReadMemStats(&m1)
			b.ReportMetric(float64(m1.NumGC-m0.NumGC)/float64(b.N), "gc/op")
			b.ReportMetric(float64(dials.Load()-dials0), "dials")
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))].Microseconds()) }
			b.ReportMetric(q(0.5), "p50-us")
			b.ReportMetric(q(0.99), "p99-us")
			b.ReportMetric(q(0.999), "p999-us")
			b.ReportMetric(q(1), "max-us")
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
