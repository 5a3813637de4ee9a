package template

import (
	"math"
	"math/rand/v2"
	"testing"
)

func boxQuad(x0, y0, x1, y1 float64) Quad { return Quad{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}} }

func mapAll(h H, pts []P) []P {
	out := make([]P, len(pts))
	for i, p := range pts {
		out[i], _ = h.Apply(p)
	}
	return out
}

// Three anchor boxes pin a perspective down exactly; with pixel noise the
// fit stays within the noise.
func TestFitHomographyRecoversTransform(t *testing.T) {
	truth := H{0.92, 0.08, 40, -0.05, 0.97, 25, 0.00012, -0.00009, 1}
	var src []P
	for _, b := range []Quad{boxQuad(90, 160, 160, 205), boxQuad(400, 60, 610, 115), boxQuad(700, 600, 900, 640)} {
		src = append(src, b[:]...)
	}
	dst := mapAll(truth, src)
	h, ok := fitHomography(src, dst)
	if !ok {
		t.Fatal("exact correspondences refused")
	}
	for _, p := range []P{{0, 0}, {1000, 0}, {1000, 720}, {0, 720}, {500, 360}} {
		a, _ := h.Apply(p)
		b, _ := truth.Apply(p)
		if dist(a, b) > 1e-6 {
			t.Fatalf("%v maps to %v, want %v", p, a, b)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	noisy := make([]P, len(dst))
	for i, p := range dst {
		noisy[i] = P{p.X + rng.NormFloat64(), p.Y + rng.NormFloat64()}
	}
	h, ok = fitHomography(src, noisy)
	if !ok {
		t.Fatal("noisy correspondences refused")
	}
	for _, p := range src {
		a, _ := h.Apply(p)
		b, _ := truth.Apply(p)
		if dist(a, b) > 3 {
			t.Fatalf("%v maps to %v, want %v (±3 px)", p, a, b)
		}
	}
}

func TestFitDegenerate(t *testing.T) {
	line := []P{{0, 0}, {10, 10}, {20, 20}, {30, 30}, {40, 40}}
	if _, ok := fitHomography(line, line); ok {
		t.Error("collinear points gave a homography")
	}
	same := []P{{5, 5}, {5, 5}, {5, 5}, {5, 5}}
	if _, ok := fitHomography(same, same); ok {
		t.Error("one repeated point gave a homography")
	}
	if _, ok := fitSimilarity(same, same); ok {
		t.Error("one repeated point gave a similarity")
	}
	if _, ok := fitAffine(line, line); ok {
		t.Error("collinear points gave an affine map")
	}
}

func TestFitSimilarityAndAffine(t *testing.T) {
	a := 10 * math.Pi / 180
	sim := H{1.2 * math.Cos(a), -1.2 * math.Sin(a), 30, 1.2 * math.Sin(a), 1.2 * math.Cos(a), -12, 0, 0, 1}
	src := []P{{10, 10}, {110, 12}, {108, 60}, {12, 58}}
	got, ok := fitSimilarity(src, mapAll(sim, src))
	if !ok {
		t.Fatal("refused")
	}
	for i := range got {
		if math.Abs(got[i]-sim[i]) > 1e-9 {
			t.Fatalf("similarity %v, want %v", got, sim)
		}
	}
	aff := H{1.1, 0.2, 5, -0.1, 0.9, 7, 0, 0, 1}
	got, ok = fitAffine(src, mapAll(aff, src))
	if !ok {
		t.Fatal("refused")
	}
	for i := range got {
		if math.Abs(got[i]-aff[i]) > 1e-9 {
			t.Fatalf("affine %v, want %v", got, aff)
		}
	}
}

// A mirrored page, a page folded over the horizon or a speck of a page is
// no photo of the form.
func TestPlausible(t *testing.T) {
	tpl := &Template{Width: 1000, Height: 700}
	cases := []struct {
		name string
		h    H
		want bool
	}{
		{"identity", H{1, 0, 0, 0, 1, 0, 0, 0, 1}, true},
		{"mirrored", H{-1, 0, 1000, 0, 1, 0, 0, 0, 1}, false},
		{"horizon crosses the page", H{1, 0, 0, 0, 1, 0, 0.002, 0, -1}, false},
		{"tiny", H{0.01, 0, 0, 0, 0.01, 0, 0, 0, 1}, false},
		{"perspective", H{0.9, 0.05, 30, -0.04, 0.95, 20, 0.0001, 0.00005, 1}, true},
	}
	for _, c := range cases {
		if got := plausible(c.h, tpl, 1000, 700); got != c.want {
			t.Errorf("%s: plausible %v, want %v", c.name, got, c.want)
		}
	}
}
