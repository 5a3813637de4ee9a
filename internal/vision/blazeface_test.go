package vision

import (
	"image"
	"image/color"
	"math"
	"testing"
)

func TestBlazeAnchors(t *testing.T) {
	a := BlazeAnchors()
	if len(a) != 896 {
		t.Fatalf("%d anchors, want 896", len(a))
	}
	// First cell of the 16×16 grid twice, then of the 8×8 grid six times.
	if a[0] != a[1] || a[0] != [2]float32{0.5 / 16, 0.5 / 16} || a[512] != [2]float32{0.5 / 8, 0.5 / 8} || a[517] != a[512] {
		t.Fatalf("anchors %v %v %v", a[0], a[1], a[512])
	}
}

// heads builds the two BlazeFace heads with every logit very negative
// except at the given anchors.
func heads(faces map[int][16]float32) (logits, regs [][]float32) {
	logits = [][]float32{make([]float32, 512), make([]float32, 384)}
	regs = [][]float32{make([]float32, 512*16), make([]float32, 384*16)}
	for i := range logits[0] {
		logits[0][i] = -20
	}
	for i := range logits[1] {
		logits[1][i] = -20
	}
	for i, r := range faces {
		h, j := 0, i
		if i >= 512 {
			h, j = 1, i-512
		}
		logits[h][j] = 5
		copy(regs[h][j*16:], r[:])
	}
	return logits, regs
}

func TestDecodeBlazeFace(t *testing.T) {
	// Anchor 0 sits at (8, 8) of a 256 px input; the face is shifted by
	// (+10, +4) and is 40×50, its right eye 12 px left of the centre.
	logits, regs := heads(map[int][16]float32{0: {10, 4, 40, 50, -12, -5, 12, -5}})
	faces := DecodeBlazeFace(logits, regs, 256, 0.5, 0.3)
	if len(faces) != 1 {
		t.Fatalf("%d faces", len(faces))
	}
	f := faces[0]
	if f.X1 != -2 || f.Y1 != -13 || f.X2 != 38 || f.Y2 != 37 || f.Score < 0.99 {
		t.Fatalf("face %+v", f)
	}
	if f.Keypoints[0] != [2]float32{-4, 3} || f.Keypoints[1] != [2]float32{20, 3} {
		t.Fatalf("eyes %v %v", f.Keypoints[0], f.Keypoints[1])
	}
	// Two anchors of one cell on the same face blend into one.
	logits, regs = heads(map[int][16]float32{0: {0, 0, 40, 40}, 1: {2, 0, 40, 40}})
	if faces := DecodeBlazeFace(logits, regs, 256, 0.5, 0.3); len(faces) != 1 || faces[0].X1 != -11 {
		t.Fatalf("blended %+v", faces)
	}
	// Far apart faces stay two; wrong head sizes give none.
	logits, regs = heads(map[int][16]float32{0: {0, 0, 10, 10}, 895: {0, 0, 10, 10}})
	if faces := DecodeBlazeFace(logits, regs, 256, 0.5, 0.3); len(faces) != 2 {
		t.Fatalf("%d faces, want 2", len(faces))
	}
	if faces := DecodeBlazeFace(logits[:1], regs[:1], 256, 0.5, 0.3); faces != nil {
		t.Fatalf("partial heads decoded %v", faces)
	}
}

func TestLetterboxAndAlignedCrop(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 200, 100))
	for y := 0; y < 100; y++ {
		for x := 0; x < 200; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 0, 255})
		}
	}
	box, scale, ox, oy := Letterbox(img, 100)
	if scale != 0.5 || ox != 0 || oy != 25 {
		t.Fatalf("scale %v offset %v,%v", scale, ox, oy)
	}
	if c := box.RGBAAt(50, 10); c.R != 0 || c.G != 0 {
		t.Fatalf("padding %v, want black", c)
	}
	if c := box.RGBAAt(50, 50); math.Abs(float64(c.R)-101) > 2 || math.Abs(float64(c.G)-50) > 2 {
		t.Fatalf("centre %v, want about (101, 50)", c)
	}
	// A level face: the crop is the box's square, scaled.
	f := Face{Box: Box{X1: 80, Y1: 30, X2: 120, Y2: 70}, Keypoints: [6][2]float32{{90, 45}, {110, 45}}}
	crop := AlignedCrop(img, f, 1, 40)
	if c := crop.RGBAAt(0, 0); math.Abs(float64(c.R)-80) > 1 || math.Abs(float64(c.G)-30) > 1 {
		t.Fatalf("level crop corner %v", c)
	}
	// Eyes one above the other (a head lying on its side): the crop's x
	// axis runs down the eye line, so its top row comes from the box's
	// right (more red) and its bottom row from its left.
	f.Keypoints = [6][2]float32{{100, 35}, {100, 55}}
	crop = AlignedCrop(img, f, 1, 40)
	top, bottom := crop.RGBAAt(20, 0), crop.RGBAAt(20, 39)
	if !(top.R > bottom.R) {
		t.Fatalf("turned crop: top %v bottom %v", top, bottom)
	}
	// Outside the image is black.
	f = Face{Box: Box{X1: -50, Y1: -50, X2: -10, Y2: -10}}
	if c := AlignedCrop(img, f, 1, 8).RGBAAt(4, 4); c.R != 0 || c.G != 0 {
		t.Fatalf("outside %v", c)
	}
}

func TestL2NormalizeAndCosine(t *testing.T) {
	v := L2Normalize([]float32{3, 4})
	if math.Abs(float64(v[0])-0.6) > 1e-6 || math.Abs(float64(v[1])-0.8) > 1e-6 {
		t.Fatalf("%v", v)
	}
	if z := L2Normalize([]float32{0, 0}); z[0] != 0 {
		t.Fatal("zero vector changed")
	}
	if c := Cosine(v, v); math.Abs(float64(c)-1) > 1e-6 {
		t.Fatalf("self cosine %v", c)
	}
	if Cosine(v, []float32{1}) != 0 {
		t.Fatal("lengths differ, cosine not 0")
	}
}
