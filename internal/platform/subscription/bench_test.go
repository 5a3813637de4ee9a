package subscription

import (
	"context"
	"testing"

	"github.com/aisd/aisd/internal/catalog"
)

func BenchmarkCheckCached(b *testing.B) {
	s := New(newMem(), services)
	ctx := context.Background()
	if _, err := s.Subscribe(ctx, projA, "ocr.general-text"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = s.Check(ctx, catalog.FamilyOCR, projA, "ocr.general-text")
	}
}
