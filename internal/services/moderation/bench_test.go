package moderation

import (
	"context"
	"strings"
	"testing"
)

// BenchmarkDetect10000 checks a maximal text (10000 runes) with one planted
// term per sentence.
func BenchmarkDetect10000(b *testing.B) {
	d, err := NewTextDetector()
	if err != nil {
		b.Fatal(err)
	}
	text := []rune(strings.Repeat("今天天气很好，适合去公园散步。网址 www.example.com 有黄片。", 400))[:MaxTextRunes]
	s := string(text)
	b.SetBytes(int64(len(s)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Detect(s, defaultTextCategories)
	}
}

// BenchmarkClassifyImage is one image moderation's model time (resize and
// inference), the cost of each sampled video frame as well.
func BenchmarkClassifyImage(b *testing.B) {
	c := testClassifier(b)
	img := landscape(640, 480)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.ClassifyImage(ctx, img); err != nil {
			b.Fatal(err)
		}
	}
}
