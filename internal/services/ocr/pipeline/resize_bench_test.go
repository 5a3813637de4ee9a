package pipeline

import "testing"

func BenchmarkResizeNormCHW(b *testing.B) {
	src := newBGR(1352, 250)
	for i := range src.pix {
		src.pix[i] = uint8(i * 7)
	}
	w, h := 3968, 736
	dst := make([]float32, 3*w*h)
	b.SetBytes(int64(len(dst) * 4))
	for b.Loop() {
		src.resizeNormCHW(w, h, dst)
	}
}
