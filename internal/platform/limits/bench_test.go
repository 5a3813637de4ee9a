package limits

import (
	"context"
	"strconv"
	"testing"
)

func BenchmarkThrottleAllow(b *testing.B) {
	th := NewThrottle(nil, ThrottleOptions{Limit: 1 << 30})
	ctx := context.Background()
	users := make([]string, 1024)
	for i := range users {
		users[i] = "user" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			_, _ = th.Allow(ctx, users[i%len(users)], "p", "RecognizeGeneralText")
			i++
		}
	})
}

func BenchmarkGuardDo(b *testing.B) {
	g := NewGuard(GuardOptions{MaxInFlight: 1 << 20, Deadline: 1 << 40})
	ctx := context.Background()
	fn := func(context.Context) (any, error) { return nil, nil }
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _ = g.Do(ctx, "ocr.general-text", fn)
		}
	})
}
