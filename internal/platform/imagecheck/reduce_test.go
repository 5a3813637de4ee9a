package imagecheck

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"testing"

	"github.com/aisd/aisd/internal/catalog"
)

// boxAverage is the reference: Go's decoder, then each f×f block of the
// NRGBA image averaged, rounding to nearest.
func boxAverage(t testing.TB, data []byte, f int) *image.NRGBA {
	t.Helper()
	src, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b := src.Bounds()
	ow, oh := (b.Dx()+f-1)/f, (b.Dy()+f-1)/f
	out := image.NewNRGBA(image.Rect(0, 0, ow, oh))
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			var sum [4]uint32
			n := uint32(0)
			for y := oy * f; y < min((oy+1)*f, b.Dy()); y++ {
				for x := ox * f; x < min((ox+1)*f, b.Dx()); x++ {
					c := color.NRGBAModel.Convert(src.At(x, y)).(color.NRGBA)
					if n64, ok := src.(*image.NRGBA64); ok {
						// The samples' high bytes, not a premultiplied round trip.
						d := n64.NRGBA64At(x, y)
						c = color.NRGBA{uint8(d.R >> 8), uint8(d.G >> 8), uint8(d.B >> 8), uint8(d.A >> 8)}
					}
					sum[0] += uint32(c.R)
					sum[1] += uint32(c.G)
					sum[2] += uint32(c.B)
					sum[3] += uint32(c.A)
					n++
				}
			}
			out.SetNRGBA(ox, oy, color.NRGBA{uint8((sum[0] + n/2) / n), uint8((sum[1] + n/2) / n), uint8((sum[2] + n/2) / n), uint8((sum[3] + n/2) / n)})
		}
	}
	return out
}

// testPNGs are images of every colour type and depth the stream decoder
// takes, with content (noise, gradients, flat areas) that makes the
// encoder use every row filter.
func testPNGs(t testing.TB, w, h int) map[string][]byte {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	val := func(x, y int) uint16 {
		switch {
		case y < h/3:
			return uint16(r.IntN(65536))
		case y < 2*h/3:
			return uint16((x*65535/w + y*97) & 0xffff)
		}
		return 0x8040
	}
	pal := color.Palette{}
	for i := 0; i < 200; i++ {
		pal = append(pal, color.NRGBA{uint8(i), uint8(255 - i), uint8(i * 7), uint8(128 + i/2)})
	}
	imgs := map[string]image.Image{
		"gray8":    image.NewGray(image.Rect(0, 0, w, h)),
		"gray16":   image.NewGray16(image.Rect(0, 0, w, h)),
		"rgb8":     image.NewRGBA(image.Rect(0, 0, w, h)),
		"rgba8":    image.NewNRGBA(image.Rect(0, 0, w, h)),
		"rgba16":   image.NewNRGBA64(image.Rect(0, 0, w, h)),
		"paletted": image.NewPaletted(image.Rect(0, 0, w, h), pal),
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := val(x, y)
			imgs["gray8"].(*image.Gray).SetGray(x, y, color.Gray{uint8(v >> 8)})
			imgs["gray16"].(*image.Gray16).SetGray16(x, y, color.Gray16{v})
			imgs["rgb8"].(*image.RGBA).SetRGBA(x, y, color.RGBA{uint8(v >> 8), uint8(v), uint8(x), 255})
			imgs["rgba8"].(*image.NRGBA).SetNRGBA(x, y, color.NRGBA{uint8(v >> 8), uint8(v), uint8(y), uint8(v >> 4)})
			imgs["rgba16"].(*image.NRGBA64).SetNRGBA64(x, y, color.NRGBA64{v, ^v, v / 2, v | 0x100})
			imgs["paletted"].(*image.Paletted).SetColorIndex(x, y, uint8(int(v)%len(pal)))
		}
	}
	out := map[string][]byte{}
	for name, im := range imgs {
		var b bytes.Buffer
		if err := png.Encode(&b, im); err != nil {
			t.Fatal(err)
		}
		out[name] = b.Bytes()
	}
	return out
}

func TestReducePNGMatchesWholeDecode(t *testing.T) {
	for name, data := range testPNGs(t, 97, 61) {
		for _, f := range []int{2, 3, 8} {
			got, err := reducePNG(data, f)
			if err != nil {
				t.Fatalf("%s /%d: %v", name, f, err)
			}
			want := boxAverage(t, data, f)
			if got.Factor != f || got.Bounds() != want.Bounds() || !bytes.Equal(got.Image.(*image.NRGBA).Pix, want.Pix) {
				t.Fatalf("%s /%d: the streamed reduction differs from the whole decode averaged (%v vs %v)", name, f, got.Bounds(), want.Bounds())
			}
		}
	}
}

// TestReduceOverBudget: a PNG whose whole decode is over the budget is
// answered as too large, unless the API takes it reduced — then it is
// decoded to at most maxSide per side and costs only that.
func TestReduceOverBudget(t *testing.T) {
	defer SetDecodeBudget(0)
	SetDecodeBudget(8 << 20)
	im := image.NewNRGBA(image.Rect(0, 0, 1600, 1200)) // 1.9 Mpx: 7 bytes a pixel whole, 13 MB: over 8 MB
	for i := range im.Pix {
		im.Pix[i] = uint8(i * 31)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, im); err != nil {
		t.Fatal(err)
	}
	spec := Spec{MaxSide: 30000}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := Check(b.Bytes(), spec, InRequest(ctx)); !catalog.IsKind(err, catalog.KindImageSize) {
		t.Fatalf("whole decode over the budget: %v, want the image-size kind", err)
	}
	c, err := Check(b.Bytes(), spec, InRequest(ctx), ReduceOver(4<<20, 500))
	if err != nil {
		t.Fatal(err)
	}
	red, ok := c.Image.(*Reduced)
	if !ok || red.Factor != 4 || red.Bounds().Dx() != 400 || red.Bounds().Dy() != 300 {
		t.Fatalf("reduced: %T %+v", c.Image, c.Image.Bounds())
	}
	if c.Width != 1600 || c.Height != 1200 {
		t.Fatalf("the header keeps the caller's size: %dx%d", c.Width, c.Height)
	}
	// A small image is never reduced.
	small := image.NewGray(image.Rect(0, 0, 64, 64))
	b.Reset()
	png.Encode(&b, small)
	c, err = Check(b.Bytes(), spec, ReduceOver(4<<20, 500))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Image.(*Reduced); ok {
		t.Fatal("a small image was reduced")
	}
}

// FuzzReducePNG: any bytes either fail to stream or reduce to exactly what
// the whole decode averages to; nothing panics.
func FuzzReducePNG(f *testing.F) {
	for _, data := range testPNGs(f, 13, 9) {
		f.Add(data, uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, factor uint8) {
		fct := int(factor%7) + 2
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width*cfg.Height > 1<<16 {
			return
		}
		got, err := reducePNG(data, fct)
		if err != nil {
			return
		}
		if _, err := png.Decode(bytes.NewReader(data)); err != nil {
			return // Go's decoder is stricter about trailing data; nothing to compare
		}
		want := boxAverage(t, data, fct)
		if !bytes.Equal(got.Image.(*image.NRGBA).Pix, want.Pix) {
			t.Fatalf("reduction /%d differs from the whole decode", fct)
		}
	})
}

func BenchmarkReducePNG(b *testing.B) {
	im := image.NewNRGBA(image.Rect(0, 0, 3000, 2000))
	r := rand.New(rand.NewPCG(3, 4))
	for i := range im.Pix {
		if i%4 == 3 {
			im.Pix[i] = 255
		} else if (i/4/3000)%50 < 25 {
			im.Pix[i] = uint8(r.IntN(256))
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, im)
	b.SetBytes(int64(len(im.Pix)))
	b.ResetTimer()
	for range b.N {
		if _, err := reducePNG(buf.Bytes(), 4); err != nil {
			b.Fatal(err)
		}
	}
}
