package quota

import (
	"context"
	"testing"

	"github.com/aisd/aisd/internal/store/storetest"
)

func BenchmarkCheckAndRecord(b *testing.B) {
	m := New(storetest.Memory(b), Options{Logger: quiet, Default: 1 << 40})
	defer m.Close()
	ctx := context.Background()
	r := call("RecognizeGeneralText", "ocr.general-text", 200, "", m.now())
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = m.Check(ctx, unpaid, proj, "ocr.general-text")
		_ = m.Record(ctx, r)
	}
}
