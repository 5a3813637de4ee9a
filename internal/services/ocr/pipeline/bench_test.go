package pipeline

import (
	"context"
	"testing"
)

func BenchmarkRunChEnNum(b *testing.B) {
	p := testPipeline(b)
	img, _, err := Decode(decodeFile(b, sharedFixtures(b)+"/ch_en_num.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Run(context.Background(), img, RunOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
