package subscription

import (
	"context"
	"testing"

	"github.com/aisd/aisd/internal/store/storetest"
)

func BenchmarkCheckCached(b *testing.B) {
	s := New(storetest.Memory(b), services)
	ctx := context.Background()
	if _, err := s.Subscribe(ctx, projA, "ocr.general-text"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = s.Check(ctx, projA, "ocr.general-text")
	}
}
