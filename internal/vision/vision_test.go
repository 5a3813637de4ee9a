package vision

import (
	"image"
	"image/color"
	"math"
	"testing"
)

func near(a, b, eps float64) bool { return math.Abs(a-b) <= eps }

func TestIoU(t *testing.T) {
	cases := []struct {
		name string
		a, b Box
		want float32
	}{
		{"identical", Box{0, 0, 10, 10}, Box{0, 0, 10, 10}, 1},
		{"disjoint", Box{0, 0, 10, 10}, Box{20, 20, 30, 30}, 0},
		{"touching", Box{0, 0, 10, 10}, Box{10, 0, 20, 10}, 0},
		{"half overlap", Box{0, 0, 10, 10}, Box{5, 0, 15, 10}, 50.0 / 150},
		{"contained", Box{0, 0, 10, 10}, Box{2, 2, 7, 7}, 25.0 / 100},
		{"degenerate", Box{0, 0, 0, 0}, Box{0, 0, 0, 0}, 0},
	}
	for _, c := range cases {
		if got := IoU(c.a, c.b); !near(float64(got), float64(c.want), 1e-6) {
			t.Errorf("%s: IoU = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestNMS(t *testing.T) {
	dets := []Detection{
		{Box{0, 0, 10, 10}, 0.9, 0},
		{Box{1, 1, 11, 11}, 0.8, 0},   // overlaps the first, same class
		{Box{1, 1, 11, 11}, 0.7, 1},   // overlaps the first, other class
		{Box{50, 50, 60, 60}, 0.6, 0}, // far away
		{Box{0, 0, 10, 10}, 0.95, 2},  // best overall, class 2
	}
	cases := []struct {
		name     string
		perClass bool
		maxOut   int
		want     []float32 // scores kept, in order
	}{
		{"per class", true, 0, []float32{0.95, 0.9, 0.7, 0.6}},
		{"class agnostic", false, 0, []float32{0.95, 0.6}},
		{"max out", true, 2, []float32{0.95, 0.9}},
	}
	for _, c := range cases {
		got := NMS(dets, 0.5, c.perClass, c.maxOut)
		if len(got) != len(c.want) {
			t.Errorf("%s: kept %v, want scores %v", c.name, got, c.want)
			continue
		}
		for k := range got {
			if got[k].Score != c.want[k] {
				t.Errorf("%s: kept %v, want scores %v", c.name, got, c.want)
				break
			}
		}
	}
	if got := NMS(nil, 0.5, true, 0); len(got) != 0 {
		t.Errorf("NMS(nil) = %v", got)
	}
}

func TestDecodeCenterNet(t *testing.T) {
	// Two rows: one above the threshold, one below; the model input was the
	// 200x100 source stretched to 100x100.
	out := []float32{
		10, 20, 50, 60, 0.8, 16,
		0, 0, 5, 5, 0.1, 3,
	}
	tr := Transform{ScaleX: 0.5, ScaleY: 1, SrcW: 200, SrcH: 100}
	got := DecodeCenterNet(out, 0.3, tr)
	if len(got) != 1 {
		t.Fatalf("got %d detections, want 1", len(got))
	}
	d := got[0]
	if d.Class != 16 || d.Score != 0.8 || d.Box != (Box{20, 20, 100, 60}) {
		t.Errorf("detection = %+v", d)
	}
}

// checker is a 2x2 image: red, green / blue, white.
func checker() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	img.Set(1, 0, color.RGBA{0, 255, 0, 255})
	img.Set(0, 1, color.RGBA{0, 0, 255, 255})
	img.Set(1, 1, color.RGBA{255, 255, 255, 255})
	return img
}

func TestTensorScaling(t *testing.T) {
	img := checker()
	cases := []struct {
		name string
		spec InputSpec
		// value of channel c at pixel (x, y), read through index()
		at    func(out []float32, x, y, c int) float32
		check []struct {
			x, y, c int
			want    float32
		}
	}{
		{"NHWC 0..1", InputSpec{Width: 2, Height: 2},
			func(o []float32, x, y, c int) float32 { return o[(y*2+x)*3+c] },
			[]struct {
				x, y, c int
				want    float32
			}{{0, 0, 0, 1}, {0, 0, 1, 0}, {1, 0, 1, 1}, {0, 1, 2, 1}, {1, 1, 0, 1}}},
		{"NHWC -1..1", InputSpec{Width: 2, Height: 2, Scale: 2, Offset: -1},
			func(o []float32, x, y, c int) float32 { return o[(y*2+x)*3+c] },
			[]struct {
				x, y, c int
				want    float32
			}{{0, 0, 0, 1}, {0, 0, 2, -1}, {0, 1, 2, 1}, {1, 0, 1, 1}, {1, 0, 0, -1}}},
		{"NHWC 0..255", InputSpec{Width: 2, Height: 2, Scale: 255},
			func(o []float32, x, y, c int) float32 { return o[(y*2+x)*3+c] },
			[]struct {
				x, y, c int
				want    float32
			}{{0, 0, 0, 255}, {1, 1, 2, 255}, {1, 0, 0, 0}}},
	}
	for _, c := range cases {
		out, tr := Tensor(img, c.spec)
		if len(out) != 12 {
			t.Fatalf("%s: %d values", c.name, len(out))
		}
		for _, k := range c.check {
			if got := c.at(out, k.x, k.y, k.c); !near(float64(got), float64(k.want), 1e-5) {
				t.Errorf("%s: pixel (%d,%d) channel %d = %v, want %v", c.name, k.x, k.y, k.c, got, k.want)
			}
		}
		if tr.ScaleX != 1 || tr.ScaleY != 1 {
			t.Errorf("%s: transform %+v", c.name, tr)
		}
	}
}

func TestTensorBilinear(t *testing.T) {
	// A 2x1 ramp 0 -> 255 upscaled to 4x1 with half-pixel centres gives
	// 0, 63.75, 191.25, 255; with aligned corners 0, 85, 170, 255.
	img := image.NewGray(image.Rect(0, 0, 2, 1))
	img.Pix[0], img.Pix[1] = 0, 255
	// TF's legacy (asymmetric) mapping samples 0, 0.5, 1, 1.5 -> clamped.
	cases := []struct {
		name string
		spec InputSpec
		want []float32
	}{
		{"half-pixel", InputSpec{}, []float32{0, 63.75, 191.25, 255}},
		{"align corners", InputSpec{AlignCorners: true}, []float32{0, 85, 170, 255}},
		{"asymmetric", InputSpec{Asymmetric: true}, []float32{0, 127.5, 255, 255}},
	}
	for _, c := range cases {
		spec := c.spec
		spec.Width, spec.Height, spec.Scale = 4, 1, 255
		out, _ := Tensor(img, spec)
		for x, w := range c.want {
			if got := out[x*3]; !near(float64(got), float64(w), 1e-3) {
				t.Errorf("%s: x=%d got %v, want %v", c.name, x, got, w)
			}
		}
	}
}

func TestTransformClamps(t *testing.T) {
	// A 200x100 image stretched to 100x100: x halves, y stays; points
	// outside the input come back clamped to the image.
	tr := Transform{ScaleX: 0.5, ScaleY: 1, SrcW: 200, SrcH: 100}
	if x, y := tr.ToSource(50, 25); x != 100 || y != 25 {
		t.Errorf("ToSource(50,25) = %v,%v, want 100,25", x, y)
	}
	if b := tr.BoxToSource(Box{-10, -5, 120, 130}); b != (Box{0, 0, 200, 100}) {
		t.Errorf("BoxToSource = %v, want clamped {0 0 200 100}", b)
	}
}
