package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/store"
)

func benchStore(b *testing.B) store.Store {
	s, err := store.Open(context.Background(), "sqlite:"+filepath.Join(b.TempDir(), "b.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// The per-call hot path: metering one call.
func BenchmarkRecordUsage(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	r := store.UsageRecord{ProjectID: "p1", UserID: "u1", Service: "ocr.general-text", API: "RecognizeGeneralText", Status: 200}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Time = time.Now()
			if err := s.RecordUsage(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The per-call hot path: checking for an injected fault (usually none).
func BenchmarkTakeFaultNone(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.TakeFault(ctx, "p1", "RecognizeGeneralText"); err != store.ErrNotFound {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkClaimJob(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	now := time.Now()
	for i := 0; i < b.N; i++ {
		if err := s.CreateJob(ctx, store.Job{ID: fmt.Sprint(i), ProjectID: "p1", UserID: "u1", Kind: "k", CreatedAt: now, UpdatedAt: now}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.ClaimJob(ctx, []string{"k"}); err != nil {
			b.Fatal(err)
		}
	}
}

// The metering writer's batches (512 records, the queue's half-full mark):
// request ids as random hex and as time-ordered hex (what the gateway
// assigns), which keeps the unique request_id index's inserts at its end.
func BenchmarkRecordUsageBatch(b *testing.B) {
	for _, ordered := range []bool{false, true} {
		name := "random-ids"
		if ordered {
			name = "ordered-ids"
		}
		b.Run(name, func(b *testing.B) {
			s := benchStore(b)
			ctx := context.Background()
			const batch = 512
			rs := make([]store.UsageRecord, batch)
			seq := uint64(time.Now().UnixNano())
			rng := rand.New(rand.NewPCG(1, 2))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += batch {
				for j := range rs {
					seq++
					id := rng.Uint64()
					if ordered {
						id = seq
					}
					rs[j] = store.UsageRecord{ProjectID: "p1", UserID: "u1", Service: "ocr.general-text", API: "RecognizeGeneralText",
						Time: time.Now(), Status: 429, Code: "APIG.0308", RequestID: fmt.Sprintf("%016x%016x", id, rng.Uint64())}
				}
				if err := s.RecordUsageBatch(ctx, rs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
