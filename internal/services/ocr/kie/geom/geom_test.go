package geom

import (
	"math"
	"testing"
)

func TestHomographyRoundTrip(t *testing.T) {
	src := Quad{{10, 20}, {400, 35}, {390, 300}, {5, 280}}
	dst := Rect(856, 540)
	h, ok := Homography(src, dst)
	if !ok {
		t.Fatal("degenerate")
	}
	inv, ok := h.Inverse()
	if !ok {
		t.Fatal("singular")
	}
	for i := range src {
		p := h.Apply(src[i])
		if math.Hypot(p.X-dst[i].X, p.Y-dst[i].Y) > 1e-6 {
			t.Errorf("corner %d → %v, want %v", i, p, dst[i])
		}
		q := inv.Apply(p)
		if math.Hypot(q.X-src[i].X, q.Y-src[i].Y) > 1e-6 {
			t.Errorf("inverse corner %d → %v", i, q)
		}
	}
	if _, ok := Homography(Quad{{0, 0}, {0, 0}, {0, 0}, {0, 0}}, dst); ok {
		t.Error("degenerate quad solved")
	}
	r := Rotate(Pt{1, 0}, Pt{}, math.Pi/2)
	if math.Abs(r.X) > 1e-9 || math.Abs(r.Y-1) > 1e-9 {
		t.Errorf("rotate: %v", r)
	}
}
