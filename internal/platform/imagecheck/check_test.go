package imagecheck

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"runtime"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/catalog/catalogtest"
	"github.com/aisd/aisd/internal/platform/imagecheck/imagechecktest"
)

// quadrants is a w×h image whose four quadrants are red, green, blue and
// white (top-left, top-right, bottom-left, bottom-right), so any rotation or
// mirror is visible.
func quadrants(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var c color.RGBA
			switch {
			case x < w/2 && y < h/2:
				c = color.RGBA{255, 0, 0, 255}
			case y < h/2:
				c = color.RGBA{0, 255, 0, 255}
			case x < w/2:
				c = color.RGBA{0, 0, 255, 255}
			default:
				c = color.RGBA{255, 255, 255, 255}
			}
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

func encode(t testing.TB, format string, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, m)
	case "jpeg":
		err = jpeg.Encode(&buf, m, &jpeg.Options{Quality: 95})
	case "gif":
		err = gif.Encode(&buf, m, nil)
	case "bmp":
		err = bmp.Encode(&buf, m)
	case "tiff":
		err = tiff.Encode(&buf, m, nil)
	case "webp":
		return imagechecktest.WebP(m, 1)
	default:
		t.Fatalf("no encoder for %s", format)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngHeaderOnly is a PNG that declares w×h RGB pixels and carries one
// empty IDAT: decoding it would need w*h*4 bytes.
func pngHeaderOnly(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, imagechecktest.PNGChunk("IHDR", ihdr)...)
	out = append(out, imagechecktest.PNGChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, imagechecktest.PNGChunk("IEND", nil)...)
}

func TestCheckFormats(t *testing.T) {
	all := Spec{MinSide: 15, MaxSide: 100}
	for _, format := range []string{"png", "jpeg", "gif", "bmp", "tiff", "webp"} {
		t.Run(format, func(t *testing.T) {
			data := encode(t, format, quadrants(40, 20))
			if got := Sniff(data); got != format {
				t.Fatalf("Sniff = %q", got)
			}
			c, err := Check(data, all)
			if err != nil {
				t.Fatal(err)
			}
			if c.Format != format || c.Width != 40 || c.Height != 20 || c.Orientation != 1 {
				t.Fatalf("Checked = %+v", c)
			}
			r, g, b, _ := c.Image.At(5, 5).RGBA()
			if r>>8 < 200 || g>>8 > 60 || b>>8 > 60 {
				t.Errorf("top-left pixel = %d,%d,%d, want red", r>>8, g>>8, b>>8)
			}
		})
	}
}

func TestCheckPresetsAcceptTheirFormats(t *testing.T) {
	for name, tc := range map[string]struct {
		spec   Spec
		accept []string
		refuse []string
	}{
		"ocr":        {OCRGeneralText, []string{"png", "jpeg", "gif", "bmp", "tiff", "webp"}, nil},
		"tagging":    {ImageTagging, []string{"png", "jpeg", "bmp", "webp"}, []string{"gif", "tiff"}},
		"moderation": {Moderation, []string{"png", "jpeg", "gif", "tiff", "webp"}, []string{"bmp"}},
	} {
		for _, f := range tc.accept {
			if _, err := Check(encode(t, f, quadrants(40, 40)), tc.spec); err != nil {
				t.Errorf("%s refuses %s: %v", name, f, err)
			}
		}
		for _, f := range tc.refuse {
			t.Run(name+"/"+f, func(t *testing.T) {
				_, err := Check(encode(t, f, quadrants(40, 40)), tc.spec)
				catalogtest.WantKind(t, err, catalog.KindImageFormat)
			})
		}
	}
}

func TestCheckFailures(t *testing.T) {
	png40 := encode(t, "png", quadrants(40, 40))
	corrupt := append([]byte{}, png40...)
	for i := 60; i < len(corrupt)-20; i++ {
		corrupt[i] ^= 0x5A
	}
	jpg := encode(t, "jpeg", quadrants(40, 40))
	jpeg12 := append([]byte{}, jpg...)
	for i := 2; i+4 < len(jpeg12); {
		if jpeg12[i+1] == 0xC0 {
			jpeg12[i+4] = 12
			break
		}
		i += 2 + int(binary.BigEndian.Uint16(jpeg12[i+2:]))
	}
	bmp16 := encode(t, "bmp", quadrants(40, 40))
	binary.LittleEndian.PutUint16(bmp16[28:], 16)

	cases := []struct {
		name string
		data []byte
		spec Spec
		kind catalog.Kind
	}{
		{"empty", nil, OCRGeneralText, catalog.KindImageEmpty},
		{"random bytes", []byte("definitely not an image, just text"), OCRGeneralText, catalog.KindImageFormat},
		{"pdf", []byte("%PDF-1.7\n%..."), OCRGeneralText, catalog.KindFileType},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00"), ImageTagging, catalog.KindFileType},
		{"mp4", []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00"), Moderation, catalog.KindFileType},
		{"wav", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), Moderation, catalog.KindFileType},
		{"heic is an image, not taken", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"), Moderation, catalog.KindImageFormat},
		{"psd", []byte("8BPS\x00\x01rest"), OCRGeneralText, catalog.KindImageFormat},
		{"gif for tagging", encode(t, "gif", quadrants(40, 40)), ImageTagging, catalog.KindImageFormat},
		{"jpg alias accepted, png not", png40, Spec{Formats: []string{"jpg"}}, catalog.KindImageFormat},
		{"png garbage header", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDRjunk"), OCRGeneralText, catalog.KindImageQuality},
		{"gif garbage", []byte("GIF89a\xff\xff"), OCRGeneralText, catalog.KindImageQuality},
		{"png corrupt pixels", corrupt, OCRGeneralText, catalog.KindImageQuality},
		{"jpeg truncated", jpg[:len(jpg)/2], OCRGeneralText, catalog.KindImageQuality},
		{"png zero width", pngHeaderOnly(0, 40), OCRGeneralText, catalog.KindImageQuality},
		{"jpeg 12-bit", jpeg12, OCRGeneralText, catalog.KindColorDepth},
		{"bmp 16-bit", bmp16, OCRGeneralText, catalog.KindColorDepth},
		{"too narrow for ocr", encode(t, "png", quadrants(14, 100)), OCRGeneralText, catalog.KindImageSize},
		{"too wide for tagging", pngHeaderOnly(4097, 100), ImageTagging, catalog.KindImageSize},
		{"too small for moderation", encode(t, "png", quadrants(19, 19)), Moderation, catalog.KindImageSize},
		{"too large for moderation", pngHeaderOnly(6001, 20), Moderation, catalog.KindImageSize},
		{"over ocr pixel cap", pngHeaderOnly(20000, 8001), OCRGeneralText, catalog.KindImageSize},
		{"over ocr side", pngHeaderOnly(30001, 20), OCRGeneralText, catalog.KindImageSize},
		{"over custom pixel cap", encode(t, "png", quadrants(11, 11)), Spec{MaxPixels: 120}, catalog.KindImageSize},
	}
	for _, tc := range cases {
		for _, fam := range catalog.Families {
			t.Run(tc.name+"/"+string(fam), func(t *testing.T) {
				c, err := Check(tc.data, tc.spec)
				if err == nil {
					t.Fatalf("Check = %+v, want an error", c)
				}
				catalogtest.WantKind(t, err, tc.kind)
			})
		}
	}
	// At the limits exactly: accepted.
	for _, tc := range []struct {
		w, h int
		spec Spec
	}{{15, 15, OCRGeneralText}, {4096, 15, ImageTagging}, {20, 20, Moderation}} {
		if _, err := Check(encode(t, "png", image.NewGray(image.Rect(0, 0, tc.w, tc.h))), tc.spec); err != nil {
			t.Errorf("%dx%d: %v", tc.w, tc.h, err)
		}
	}
}

// TestDecompressionBombHeader: a 20000×20000 PNG (1.6 GB of pixels) is
// refused from its header, allocating almost nothing.
func TestDecompressionBombHeader(t *testing.T) {
	bomb := pngHeaderOnly(20000, 20000)
	for _, fam := range catalog.Families {
		_, err := Check(bomb, OCRGeneralText)
		t.Run(string(fam), func(t *testing.T) { catalogtest.WantKind(t, err, catalog.KindImageSize) })
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	allocs := testing.AllocsPerRun(10, func() { Check(bomb, OCRGeneralText) })
	runtime.ReadMemStats(&after)
	perRun := (after.TotalAlloc - before.TotalAlloc) / 11 // AllocsPerRun runs once more to warm up
	if perRun > 64<<10 {
		t.Errorf("refusing the bomb allocated %d bytes per run", perRun)
	}
	if allocs > 100 {
		t.Errorf("refusing the bomb took %v allocations per run", allocs)
	}
	t.Logf("bomb refused with %v allocs, %d bytes per run", allocs, perRun)
}

func TestOrientation(t *testing.T) {
	// Where the red (top-left) quadrant of a 40×20 image ends up, as a
	// point of the upright result, for each EXIF orientation.
	type pt struct{ x, y int }
	want := map[uint16]struct {
		w, h int
		red  pt
		blue pt
	}{
		1: {40, 20, pt{5, 5}, pt{5, 15}},
		2: {40, 20, pt{35, 5}, pt{35, 15}},
		3: {40, 20, pt{35, 15}, pt{35, 5}},
		4: {40, 20, pt{5, 15}, pt{5, 5}},
		5: {20, 40, pt{5, 5}, pt{15, 5}},
		6: {20, 40, pt{15, 5}, pt{5, 5}},
		7: {20, 40, pt{15, 35}, pt{5, 35}},
		8: {20, 40, pt{5, 35}, pt{15, 35}},
	}
	src := quadrants(40, 20)
	for _, format := range []string{"png", "jpeg", "webp", "tiff"} {
		for o, w := range want {
			var data []byte
			switch format {
			case "png":
				data = imagechecktest.PNG(src, o)
			case "jpeg":
				data = imagechecktest.JPEG(src, o)
			case "webp":
				data = imagechecktest.WebP(src, o)
			case "tiff":
				data = imagechecktest.TIFF(src, o)
			}
			if h, err := Inspect(data, OCRGeneralText); err != nil || h.Orientation != int(o) || h.Width != w.w || h.Height != w.h {
				t.Errorf("%s o=%d: Inspect = %+v, %v", format, o, h, err)
			}
			c, err := Check(data, OCRGeneralText)
			if err != nil {
				t.Fatalf("%s o=%d: %v", format, o, err)
			}
			if c.Orientation != int(o) || c.Width != w.w || c.Height != w.h {
				t.Errorf("%s o=%d: got %dx%d orientation %d, want %dx%d", format, o, c.Width, c.Height, c.Orientation, w.w, w.h)
				continue
			}
			r, g, b, _ := c.Image.At(w.red.x, w.red.y).RGBA()
			if r>>8 < 200 || g>>8 > 60 || b>>8 > 60 {
				t.Errorf("%s o=%d: pixel at %v = %d,%d,%d, want red", format, o, w.red, r>>8, g>>8, b>>8)
			}
			r, g, b, _ = c.Image.At(w.blue.x, w.blue.y).RGBA()
			if b>>8 < 200 || r>>8 > 60 || g>>8 > 60 {
				t.Errorf("%s o=%d: pixel at %v = %d,%d,%d, want blue", format, o, w.blue, r>>8, g>>8, b>>8)
			}
		}
	}
	// A damaged EXIF block is ignored, not fatal.
	broken := imagechecktest.JPEG(src, 6)
	copy(broken[4+2+6:], "XX") // byte order mark of the TIFF block
	if c, err := Check(broken, OCRGeneralText); err != nil || c.Orientation != 1 {
		t.Errorf("broken EXIF: %+v, %v", c, err)
	}
}

func TestGIFFirstFrame(t *testing.T) {
	pal := color.Palette{color.Black, color.White, color.RGBA{255, 0, 0, 255}}
	f1 := image.NewPaletted(image.Rect(0, 0, 30, 30), pal)
	for i := range f1.Pix {
		f1.Pix[i] = 2 // red
	}
	f2 := image.NewPaletted(image.Rect(0, 0, 30, 30), pal)
	for i := range f2.Pix {
		f2.Pix[i] = 1 // white
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{f1, f2}, Delay: []int{10, 10}}); err != nil {
		t.Fatal(err)
	}
	c, err := Check(buf.Bytes(), Moderation)
	if err != nil {
		t.Fatal(err)
	}
	if r, g, _, _ := c.Image.At(10, 10).RGBA(); r>>8 != 255 || g != 0 {
		t.Errorf("first frame not used: %v", c.Image.At(10, 10))
	}
}

// TestBombHeadersEveryFormat: each decodable format, declaring more pixels
// than the OCR preset allows in a file of a few hundred bytes, is refused
// from its header within a small allocation budget.
func TestBombHeadersEveryFormat(t *testing.T) {
	small := func(format string) []byte { return encode(t, format, quadrants(16, 16)) }
	jpg := small("jpeg")
	for i := 2; i+9 < len(jpg); i += 2 + int(binary.BigEndian.Uint16(jpg[i+2:])) {
		if jpg[i+1] == 0xC0 { // SOF0: precision, height, width
			binary.BigEndian.PutUint16(jpg[i+5:], 20000)
			binary.BigEndian.PutUint16(jpg[i+7:], 20000)
			break
		}
	}
	bm := small("bmp")
	binary.LittleEndian.PutUint32(bm[18:], 20000)
	binary.LittleEndian.PutUint32(bm[22:], 20000)
	gf := small("gif")
	binary.LittleEndian.PutUint16(gf[6:], 65535)
	binary.LittleEndian.PutUint16(gf[8:], 65535)
	tf := small("tiff")
	for _, tag := range []uint16{0x0100, 0x0101} { // ImageWidth, ImageLength
		patchTIFFTag(t, tf, tag, 20000)
	}
	bombs := map[string][]byte{
		"png":  pngHeaderOnly(20000, 20000),
		"jpeg": jpg,
		"bmp":  bm,
		"gif":  gf,
		"tiff": tf,
		"webp": imagechecktest.SolidWebP(16384, 16384, color.NRGBA{A: 255}),
	}
	for format, data := range bombs {
		t.Run(format, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := Check(data, OCRGeneralText)
			runtime.ReadMemStats(&after)
			catalogtest.WantKind(t, err, catalog.KindImageSize)
			if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
				t.Errorf("refusing a %d-byte %s bomb allocated %d bytes", len(data), format, d)
			}
		})
	}
}

// patchTIFFTag sets a SHORT or LONG tag of IFD0 in place.
func patchTIFFTag(t *testing.T, b []byte, tag uint16, v uint32) {
	t.Helper()
	bo := binary.ByteOrder(binary.LittleEndian)
	if string(b[:2]) == "MM" {
		bo = binary.BigEndian
	}
	ifd := int(bo.Uint32(b[4:]))
	for i := 0; i < int(bo.Uint16(b[ifd:])); i++ {
		e := ifd + 2 + 12*i
		if bo.Uint16(b[e:]) != tag {
			continue
		}
		switch bo.Uint16(b[e+2:]) {
		case 3:
			bo.PutUint16(b[e+8:], uint16(v))
		case 4:
			bo.PutUint32(b[e+8:], v)
		}
		return
	}
	t.Fatalf("tag %#x not found", tag)
}

// TestOrientationKeepsPixels: a picture stored turned, in each lossless
// container, decodes upright to exactly the picture's pixels, in the pixel
// type the decoder returns for it unturned.
func TestOrientationKeepsPixels(t *testing.T) {
	noisy := image.NewNRGBA(image.Rect(0, 0, 31, 17))
	for i := range noisy.Pix {
		noisy.Pix[i] = uint8(i*131 + i/7)
	}
	opaque := image.NewRGBA(image.Rect(0, 0, 31, 17))
	grey := image.NewGray(image.Rect(0, 0, 31, 17))
	for i := range opaque.Pix {
		opaque.Pix[i] = uint8(i * 37)
		if i%4 == 3 {
			opaque.Pix[i] = 255
		}
	}
	for i := range grey.Pix {
		grey.Pix[i] = uint8(i * 11)
	}
	enc := map[string]func(image.Image, uint16) []byte{
		"png": imagechecktest.PNG, "webp": imagechecktest.WebP, "tiff": imagechecktest.TIFF,
	}
	for name, up := range map[string]image.Image{"nrgba": noisy, "opaque": opaque, "grey": grey} {
		for format, encode := range enc {
			if format != "png" && name == "grey" {
				continue // the WebP and TIFF writers store colour
			}
			plain, err := Check(encode(up, 1), Spec{})
			if err != nil {
				t.Fatalf("%s %s: %v", format, name, err)
			}
			for o := 1; o <= 8; o++ {
				var stored image.Image = imagechecktest.Stored(up, o)
				if name == "grey" { // keep the encoder writing grey
					g := image.NewGray(stored.Bounds())
					draw.Draw(g, g.Bounds(), stored, image.Point{}, draw.Src)
					stored = g
				}
				data := encode(stored, uint16(o))
				c, err := Check(data, Spec{})
				if err != nil {
					t.Fatalf("%s %s o=%d: %v", format, name, o, err)
				}
				if fmt.Sprintf("%T", c.Image) != fmt.Sprintf("%T", plain.Image) {
					t.Errorf("%s %s o=%d: decoded to %T, unturned to %T", format, name, o, c.Image, plain.Image)
				}
				if c.Image.Bounds() != up.Bounds() || c.Width != 31 || c.Height != 17 {
					t.Fatalf("%s %s o=%d: %v, %dx%d", format, name, o, c.Image.Bounds(), c.Width, c.Height)
				}
				for y := 0; y < 17; y++ {
					for x := 0; x < 31; x++ {
						if g, w := c.Image.At(x, y), plain.Image.At(x, y); g != w {
							t.Fatalf("%s %s o=%d: pixel (%d,%d) = %v, want %v", format, name, o, x, y, g, w)
						}
					}
				}
			}
		}
	}
}

// TestInspectReadsHeadersOnly: the orientation and the upright size come
// from the headers; a bomb that is also turned costs nothing.
func TestInspectReadsHeadersOnly(t *testing.T) {
	bomb := imagechecktest.WithPNGExif(pngHeaderOnly(15000, 10000), 6)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	h, err := Inspect(bomb, OCRGeneralText)
	runtime.ReadMemStats(&after)
	if err != nil || h.Width != 10000 || h.Height != 15000 || h.Orientation != 6 || h.Format != "png" {
		t.Fatalf("Inspect = %+v, %v", h, err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 64<<10 {
		t.Errorf("Inspect allocated %d bytes", d)
	}
	// The limits apply to the sides whichever way round they are.
	_, err = Inspect(imagechecktest.WithPNGExif(pngHeaderOnly(4097, 100), 8), ImageTagging)
	catalogtest.WantKind(t, err, catalog.KindImageSize)
}

// TestWithDecoder: an engine's decoder replaces Go's for its format, is
// called once, and its result is turned like any other; it must fill the
// declared size.
func TestWithDecoder(t *testing.T) {
	data := imagechecktest.JPEG(quadrants(40, 20), 6)
	calls := 0
	green := image.NewGray(image.Rect(0, 0, 40, 20))
	green.Pix[0] = 200 // stored top-left
	dec := func(b []byte) (image.Image, error) {
		calls++
		if !bytes.Equal(b, data) {
			t.Error("decoder got other bytes")
		}
		return green, nil
	}
	c, err := Check(data, OCRGeneralText, WithDecoder("jpg", dec))
	if err != nil || calls != 1 {
		t.Fatalf("Check = %v, %d calls", err, calls)
	}
	if _, ok := c.Image.(*image.Gray); !ok || c.Width != 20 || c.Height != 40 {
		t.Fatalf("got %T %dx%d", c.Image, c.Width, c.Height)
	}
	if v := c.Image.(*image.Gray).GrayAt(19, 0).Y; v != 200 { // orientation 6: stored top-left shows top-right
		t.Errorf("upright top-right = %d, want 200", v)
	}
	// Other formats keep Go's decoder.
	if _, err := Check(imagechecktest.PNG(quadrants(40, 20), 1), OCRGeneralText, WithDecoder("jpeg", dec)); err != nil || calls != 1 {
		t.Fatalf("png: %v, %d calls", err, calls)
	}
	wrong := func([]byte) (image.Image, error) { return image.NewGray(image.Rect(0, 0, 8, 8)), nil }
	_, err = Check(data, OCRGeneralText, WithDecoder("jpeg", wrong))
	catalogtest.WantKind(t, err, catalog.KindImageQuality)
	failing := func([]byte) (image.Image, error) { return nil, errors.New("bad huffman code") }
	_, err = Check(data, OCRGeneralText, WithDecoder("jpeg", failing))
	catalogtest.WantKind(t, err, catalog.KindImageQuality)
}
