package pipeline

import (
	"bytes"
	"image"
	"image/jpeg"
	"slices"
	"testing"
)

func TestSortBoxes(t *testing.T) {
	box := func(x, y float64) detBox { return detBox{p: [4]pt{{x, y}}} }
	cases := []struct {
		name string
		in   []detBox
		want []float64 // x of each box in output order
	}{
		{"rows", []detBox{box(50, 40), box(10, 0), box(30, 41), box(60, 1)}, []float64{10, 60, 30, 50}},
		// A chain of small steps stays one line even across 20 px.
		{"chained line", []detBox{box(35, 227), box(139, 223), box(35, 233), box(257, 234), box(259, 227), box(140, 243)},
			[]float64{35, 35, 139, 140, 257, 259}},
		{"gap of 10 splits", []detBox{box(5, 10), box(1, 20)}, []float64{5, 1}},
	}
	for _, c := range cases {
		sortBoxes(c.in)
		var got []float64
		for _, b := range c.in {
			got = append(got, b.p[0].x)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: order %v, want %v", c.name, got, c.want)
		}
	}
}

// TestExactJPEGDecoder compares the libjpeg-exact decoder with image/jpeg
// on JPEGs written by image/jpeg: the IDCTs differ by at most a few levels
// (libjpeg-exactness itself is asserted by TestJPEGGolden).
func TestExactJPEGDecoder(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 37, 21))
	for i := range src.Pix {
		src.Pix[i] = uint8(i*7 + i/4*13)
	}
	grey := image.NewGray(image.Rect(0, 0, 19, 9))
	for i := range grey.Pix {
		grey.Pix[i] = uint8(i * 11)
	}
	for _, c := range []struct {
		name string
		img  image.Image
	}{{"colour 4:2:0", src}, {"grey", grey}} {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, c.img, &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		exact, err := decodeJPEGExact(buf.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		ref, err := jpeg.Decode(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		a, b := fromImage(exact), fromImage(ref)
		if a.w != b.w || a.h != b.h {
			t.Fatalf("%s: size %dx%d vs %dx%d", c.name, a.w, a.h, b.w, b.h)
		}
		worst := 0
		for i := range a.pix {
			worst = max(worst, absInt(int(a.pix[i])-int(b.pix[i])))
		}
		// Chroma upsampling differs by design (libjpeg's triangle filter vs
		// replication), so colour is allowed more than grey.
		limit := 3
		if c.name != "grey" {
			limit = 40
		}
		if worst > limit {
			t.Errorf("%s: max difference %d from image/jpeg", c.name, worst)
		}
	}
	// Layouts it does not handle are refused so Decode falls back.
	var buf bytes.Buffer
	jpeg.Encode(&buf, src, nil)
	b := buf.Bytes()
	for i := 0; i+1 < len(b); i++ {
		if b[i] == 0xFF && b[i+1] == 0xC0 {
			b[i+1] = 0xC2
			break
		}
	}
	if _, err := decodeJPEGExact(b); err != errJPEGUnsupported {
		t.Fatalf("progressive marker: err = %v, want errJPEGUnsupported", err)
	}
	if _, _, err := Decode([]byte("\xff\xd8\xff\xdb garbage")); err == nil {
		t.Fatal("corrupt JPEG decoded")
	}
}

func TestDetInput(t *testing.T) {
	cfg := ReferenceConfig()
	for _, c := range []struct{ w, h, dw, dh int }{
		{323, 430, 736, 992},    // ch_en_num.jpg: short side scaled up to 736
		{362, 78, 3424, 736},    // text_rec.jpg: a 9.4× upscale
		{1167, 54, 2976, 736},   // test_letterbox_like.jpg: 118 px bands first
		{800, 1000, 800, 992},   // large enough; sides still rounded to 32
		{4000, 1000, 2848, 736}, // capped to 1984×512 first, then scaled up
	} {
		if dw, dh := cfg.DetInput(c.w, c.h, false); dw != c.dw || dh != c.dh {
			t.Errorf("DetInput(%d, %d) = %dx%d, want %dx%d", c.w, c.h, dw, dh, c.dw, c.dh)
		}
	}
}

func TestQuickDetInput(t *testing.T) {
	for _, cfg := range []Config{ReferenceConfig(), DefaultConfig()} {
		for _, c := range []struct{ w, h, dw, dh int }{
			{323, 430, 320, 416},    // native size, sides rounded to 32
			{362, 78, 352, 64},      // no upscaling
			{1167, 54, 1152, 288},   // letterboxed, then native
			{1700, 500, 1696, 512},  // under the 2000 limit: native
			{3000, 1000, 1984, 672}, // global cap to 1984×672, then native
		} {
			if dw, dh := cfg.DetInput(c.w, c.h, true); dw != c.dw || dh != c.dh {
				t.Errorf("quick DetInput(%d, %d) = %dx%d, want %dx%d", c.w, c.h, dw, dh, c.dw, c.dh)
			}
		}
	}
}

// TestDefaultDetInput: the default enlarges small images towards a
// 736-px short side by at most 2×, keeps the long side within 2400 px,
// and never shrinks.
func TestDefaultDetInput(t *testing.T) {
	cfg := DefaultConfig()
	for _, c := range []struct{ w, h, dw, dh int }{
		{323, 430, 640, 864},    // 2×
		{362, 78, 736, 160},     // 2×, not the reference's 9.4×
		{1167, 54, 2336, 576},   // letterboxed to 1167×290, then 2×
		{1700, 500, 2400, 704},  // long side capped
		{3000, 1000, 2176, 736}, // global cap to 1984×672, then up to 736
		{800, 1000, 800, 992},   // large enough: own size
	} {
		if dw, dh := cfg.DetInput(c.w, c.h, false); dw != c.dw || dh != c.dh {
			t.Errorf("DetInput(%d, %d) = %dx%d, want %dx%d", c.w, c.h, dw, dh, c.dw, c.dh)
		}
	}
}
