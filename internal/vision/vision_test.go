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

func TestCosineAndNormalize(t *testing.T) {
	cases := []struct {
		name string
		a, b []float32
		want float32
	}{
		{"same direction", []float32{1, 2, 3}, []float32{2, 4, 6}, 1},
		{"opposite", []float32{1, 0}, []float32{-3, 0}, -1},
		{"orthogonal", []float32{1, 0}, []float32{0, 5}, 0},
		{"zero vector", []float32{0, 0}, []float32{1, 1}, 0},
		{"length mismatch", []float32{1}, []float32{1, 1}, 0},
		{"45 degrees", []float32{1, 0}, []float32{1, 1}, float32(math.Sqrt2 / 2)},
	}
	for _, c := range cases {
		if got := Cosine(c.a, c.b); !near(float64(got), float64(c.want), 1e-6) {
			t.Errorf("%s: Cosine = %v, want %v", c.name, got, c.want)
		}
	}
	v := Normalize([]float32{3, 4})
	if !near(float64(v[0]), 0.6, 1e-6) || !near(float64(v[1]), 0.8, 1e-6) {
		t.Errorf("Normalize(3,4) = %v", v)
	}
	if z := Normalize([]float32{0, 0}); z[0] != 0 || z[1] != 0 {
		t.Errorf("Normalize(0,0) = %v", z)
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

func TestBlazeFaceAnchors(t *testing.T) {
	cases := []struct {
		size             int
		strides, perCell []int
	}{
		{128, []int{8, 16}, []int{2, 6}},
		{256, []int{16, 32}, []int{2, 6}},
	}
	for _, c := range cases {
		a := BlazeFaceAnchors(c.size, c.strides, c.perCell)
		if len(a) != 896 {
			t.Errorf("%d px: %d anchors, want 896", c.size, len(a))
			continue
		}
		// First anchor: centre of the first 16x16 cell; anchors 0 and 1
		// share it. Anchor 512 starts the 8x8 map.
		if !near(float64(a[0].X), 1.0/32, 1e-6) || a[1] != a[0] || !near(float64(a[512].X), 1.0/16, 1e-6) {
			t.Errorf("%d px: anchors %v %v %v", c.size, a[0], a[1], a[512])
		}
		if last := a[895]; !near(float64(last.X), 15.0/16, 1e-6) || !near(float64(last.Y), 15.0/16, 1e-6) {
			t.Errorf("%d px: last anchor %v", c.size, last)
		}
	}
}

func TestDecodeBlazeFace(t *testing.T) {
	anchors := []Anchor{{0.5, 0.5}, {0.25, 0.25}}
	regs := make([]float32, 32)
	// Anchor 0: face shifted 8 px right, 32x16 px; nose keypoint at +4,+4.
	regs[0], regs[1], regs[2], regs[3] = 8, 0, 32, 16
	regs[4+2*2], regs[5+2*2] = 4, 4
	logits := []float32{3, -3} // sigmoid 0.95 and 0.05
	faces := DecodeBlazeFace(regs, logits, anchors, 128, 0.5)
	if len(faces) != 1 {
		t.Fatalf("got %d faces, want 1", len(faces))
	}
	f := faces[0]
	if want := (Box{56, 56, 88, 72}); f.Box != want {
		t.Errorf("box %v, want %v", f.Box, want)
	}
	if !near(float64(f.Score), 1/(1+math.Exp(-3)), 1e-6) {
		t.Errorf("score %v", f.Score)
	}
	if f.Keypoints[2] != [2]float32{68, 68} {
		t.Errorf("nose %v, want [68 68]", f.Keypoints[2])
	}
	dup := FaceNMS([]Face{f, {Box: f.Box, Score: 0.6}, {Box: Box{0, 0, 4, 4}, Score: 0.7}}, 0.3, 0)
	if len(dup) != 2 || dup[0].Score != f.Score || dup[1].Score != 0.7 {
		t.Errorf("FaceNMS kept %+v", dup)
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

func TestTensorLayoutsAndScaling(t *testing.T) {
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
		{"NCHW BGR -1..1", InputSpec{Width: 2, Height: 2, Layout: NCHW, BGR: true, Scale: 2, Offset: -1},
			func(o []float32, x, y, c int) float32 { return o[c*4+y*2+x] },
			[]struct {
				x, y, c int
				want    float32
			}{{0, 0, 2, 1}, {0, 0, 0, -1}, {0, 1, 0, 1}, {1, 0, 1, 1}}},
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

func TestLetterbox(t *testing.T) {
	// 4x2 white image into 4x4: scaled 1x, centred with one row of fill
	// above and below.
	img := image.NewRGBA(image.Rect(0, 0, 4, 2))
	for k := range img.Pix {
		img.Pix[k] = 255
	}
	out, tr := Tensor(img, InputSpec{Width: 4, Height: 4, Letterbox: true, Fill: [3]uint8{0, 0, 0}})
	for y := 0; y < 4; y++ {
		want := float32(1)
		if y == 0 || y == 3 {
			want = 0
		}
		if got := out[(y*4+1)*3]; got != want {
			t.Errorf("row %d = %v, want %v", y, got, want)
		}
	}
	if tr.PadY != 1 || tr.PadX != 0 || tr.ScaleX != 1 {
		t.Errorf("transform %+v", tr)
	}
	x, y := tr.ToSource(2, 2)
	if x != 2 || y != 1 {
		t.Errorf("ToSource(2,2) = %v,%v, want 2,1", x, y)
	}
	b := tr.BoxToSource(Box{0, 0, 4, 4})
	if b != (Box{0, 0, 4, 2}) {
		t.Errorf("BoxToSource = %v, want clamped {0 0 4 2}", b)
	}
}

func TestCrop(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 100, 50))
	cases := []struct {
		name   string
		box    Box
		margin float64
		square bool
		want   image.Rectangle
	}{
		{"plain", Box{10, 10, 30, 20}, 0, false, image.Rect(10, 10, 30, 20)},
		{"margin", Box{10, 10, 30, 20}, 0.5, false, image.Rect(0, 5, 40, 25)},
		{"square", Box{10, 10, 30, 20}, 0, true, image.Rect(10, 5, 30, 25)},
		{"clamped", Box{90, 40, 120, 60}, 0, false, image.Rect(90, 40, 100, 50)},
		{"outside", Box{200, 200, 210, 210}, 0, false, image.Rect(0, 0, 1, 1)},
	}
	for _, c := range cases {
		if got := Crop(img, c.box, c.margin, c.square).Bounds(); got != c.want {
			t.Errorf("%s: bounds %v, want %v", c.name, got, c.want)
		}
	}
	// Tensor of a crop reads the crop's pixels, not the image origin's.
	img.Set(50, 25, color.RGBA{255, 0, 0, 255})
	out, _ := Tensor(Crop(img, Box{50, 25, 51, 26}, 0, false), InputSpec{Width: 1, Height: 1})
	if out[0] != 1 || out[1] != 0 {
		t.Errorf("crop tensor = %v, want red", out)
	}
}
