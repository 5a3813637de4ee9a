package imagechecktest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"testing"

	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

func noise(w, h int, withAlpha bool) *image.NRGBA {
	r := rand.New(rand.NewPCG(1, 2))
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = uint8(r.UintN(256))
		if i%4 == 3 && !withAlpha {
			m.Pix[i] = 255
		}
	}
	return m
}

// sameNRGBA compares two images pixel by pixel as non-premultiplied colour.
func sameNRGBA(t *testing.T, what string, got, want image.Image) {
	t.Helper()
	if got.Bounds().Size() != want.Bounds().Size() {
		t.Fatalf("%s: size %v, want %v", what, got.Bounds().Size(), want.Bounds().Size())
	}
	gb, wb := got.Bounds(), want.Bounds()
	for y := 0; y < wb.Dy(); y++ {
		for x := 0; x < wb.Dx(); x++ {
			g := color.NRGBAModel.Convert(got.At(gb.Min.X+x, gb.Min.Y+y))
			w := color.NRGBAModel.Convert(want.At(wb.Min.X+x, wb.Min.Y+y))
			if g != w {
				t.Fatalf("%s: pixel (%d,%d) = %v, want %v", what, x, y, g, w)
			}
		}
	}
}

// The writers are lossless: Go's decoders read back the exact pixels.
func TestEncodersRoundTrip(t *testing.T) {
	for _, alpha := range []bool{false, true} {
		src := noise(37, 23, alpha)
		got, err := webp.Decode(bytes.NewReader(WebP(src, 6)))
		if err != nil {
			t.Fatalf("webp (alpha %v): %v", alpha, err)
		}
		sameNRGBA(t, "webp", got, src)
		got, err = tiff.Decode(bytes.NewReader(TIFF(src, 6)))
		if err != nil {
			t.Fatalf("tiff (alpha %v): %v", alpha, err)
		}
		sameNRGBA(t, "tiff", got, src)
		got, err = png.Decode(bytes.NewReader(PNG(src, 6)))
		if err != nil {
			t.Fatalf("png (alpha %v): %v", alpha, err)
		}
		sameNRGBA(t, "png", got, src)
	}
	solid, err := webp.Decode(bytes.NewReader(SolidWebP(20, 10, color.NRGBA{10, 200, 30, 255})))
	if err != nil {
		t.Fatal(err)
	}
	if c := color.NRGBAModel.Convert(solid.At(19, 9)); c != (color.NRGBA{10, 200, 30, 255}) || solid.Bounds().Dx() != 20 {
		t.Fatalf("solid webp %v %v", solid.Bounds(), c)
	}
}

// Stored, by the EXIF definition of each orientation: where the stored
// image's first row and first column are shown.
func TestStored(t *testing.T) {
	// A 3×2 upright picture with distinct pixels.
	up := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for i := 0; i < 6; i++ {
		up.Pix[4*i], up.Pix[4*i+3] = uint8(10*(i+1)), 255
	}
	v := func(m image.Image, x, y int) uint8 { return color.NRGBAModel.Convert(m.At(x, y)).(color.NRGBA).R }
	// up is   10 20 30
	//         40 50 60
	want := map[int][]string{
		1: {"10 20 30", "40 50 60"},
		2: {"30 20 10", "60 50 40"}, // 0th row is the top, 0th column the right side
		3: {"60 50 40", "30 20 10"},
		4: {"40 50 60", "10 20 30"},
		5: {"10 40", "20 50", "30 60"}, // 0th row is the left side, 0th column the top
		6: {"30 60", "20 50", "10 40"}, // 0th row is the right side, 0th column the top
		7: {"60 30", "50 20", "40 10"}, // 0th row is the right side, 0th column the bottom
		8: {"40 10", "50 20", "60 30"}, // 0th row is the left side, 0th column the bottom
	}
	for o, rows := range want {
		s := Stored(up, o)
		for y, row := range rows {
			var got []byte
			for x := 0; x < s.Bounds().Dx(); x++ {
				if x > 0 {
					got = append(got, ' ')
				}
				got = append(got, []byte(itoa(v(s, x, y)))...)
			}
			if string(got) != row {
				t.Errorf("orientation %d row %d = %q, want %q", o, y, got, row)
			}
		}
	}
}

func itoa(v uint8) string {
	if v < 10 {
		return string('0' + rune(v))
	}
	return itoa(v/10) + string('0'+rune(v%10))
}
