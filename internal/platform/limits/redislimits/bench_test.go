package redislimits_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/platform/limits"
	"github.com/aisd/aisd/internal/platform/limits/redislimits"
	"github.com/aisd/aisd/internal/platform/limits/redislimits/redistest"
)

// What each shared control costs a call on the local Redis, beside the
// memory implementation: go test ./internal/platform/limits/redislimits -run '^$' -bench .
func BenchmarkWindowsTake(b *testing.B) {
	for _, im := range []struct {
		name string
		w    func(b *testing.B) limits.Windows
	}{
		{"memory", func(*testing.B) limits.Windows { return limits.NewMemoryWindows(0) }},
		{"redis", func(b *testing.B) limits.Windows { return redislimits.NewWindows(redistest.Client(b, testDB), "b:") }},
	} {
		b.Run(im.name, func(b *testing.B) {
			w := im.w(b)
			ctx := context.Background()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := w.Take(ctx, "user"+strconv.Itoa(i%1024), 1<<30, time.Now()); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		})
	}
}

func BenchmarkSlotsAcquireRelease(b *testing.B) {
	for _, im := range []struct {
		name string
		s    func(b *testing.B) limits.Slots
	}{
		{"memory", func(*testing.B) limits.Slots { return limits.NewInFlight(1<<20, nil) }},
		{"redis", func(b *testing.B) limits.Slots {
			return redislimits.NewSlots(redistest.Client(b, testDB), "b:", 1<<20, nil, 0, nil)
		}},
	} {
		b.Run(im.name, func(b *testing.B) {
			s := im.s(b)
			ctx := context.Background()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					rel, err := s.Acquire(ctx, "ocr")
					if err != nil {
						b.Fatal(err)
					}
					rel()
				}
			})
		})
	}
}
