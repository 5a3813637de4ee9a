package fault

import (
	"context"
	"testing"

	"github.com/aisd/aisd/internal/store/storetest"
)

// The hot path when no faults exist: no store query per call.
func BenchmarkApplyNoFaults(b *testing.B) {
	in, _ := newInjector(storetest.Memory(b))
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = in.Apply(ctx, projA, "RecognizeGeneralText")
	}
}
