package pipeline

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// jpegGoldenDir holds JPEGs made by libjpeg's cjpeg and what libjpeg's
// djpeg decodes them to, written by tools/jpeggolden (see there for the
// cases and the flags).
const jpegGoldenDir = "testdata/jpeg"

type jpegGoldenEntry struct {
	File        string
	Width       int
	Height      int
	Channels    int
	SHA256      string
	Ref         string
	Unsupported bool
}

func loadJPEGGolden(t testing.TB) []jpegGoldenEntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(jpegGoldenDir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Images []jpegGoldenEntry }
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Images) == 0 {
		t.Fatal("golden.json lists no images")
	}
	return m.Images
}

// refPNM reads a case's reference pixels (interleaved RGB or grey, rows
// packed) and checks them against the SHA-256 that djpeg's own PPM/PGM
// output had, so the PNG copy cannot drift from libjpeg's result.
func refPNM(t *testing.T, e jpegGoldenEntry) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join(jpegGoldenDir, e.Ref))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != image.Rect(0, 0, e.Width, e.Height) {
		t.Fatalf("%s: bounds %v, want %dx%d", e.Ref, img.Bounds(), e.Width, e.Height)
	}
	pix := make([]byte, 0, e.Width*e.Height*e.Channels)
	switch m := img.(type) {
	case *image.Gray:
		if e.Channels != 1 {
			t.Fatalf("%s: grey PNG for a %d-channel case", e.Ref, e.Channels)
		}
		for y := 0; y < e.Height; y++ {
			pix = append(pix, m.Pix[y*m.Stride:y*m.Stride+e.Width]...)
		}
	case *image.RGBA:
		if e.Channels != 3 {
			t.Fatalf("%s: colour PNG for a %d-channel case", e.Ref, e.Channels)
		}
		for y := 0; y < e.Height; y++ {
			row := m.Pix[y*m.Stride:]
			for x := 0; x < e.Width; x++ {
				pix = append(pix, row[4*x], row[4*x+1], row[4*x+2])
			}
		}
	default:
		t.Fatalf("%s: unexpected PNG model %T", e.Ref, img)
	}
	kind := "P6"
	if e.Channels == 1 {
		kind = "P5"
	}
	sum := sha256.Sum256(append([]byte(fmt.Sprintf("%s\n%d %d\n255\n", kind, e.Width, e.Height)), pix...))
	if hex.EncodeToString(sum[:]) != e.SHA256 {
		t.Fatalf("%s does not hold djpeg's output (SHA-256 differs from golden.json); rerun tools/jpeggolden", e.Ref)
	}
	return pix
}

// decodedPNM turns the decoder's output into the layout of djpeg's: grey
// stays grey, colour goes through the same conversion Run uses (fromImage:
// libjpeg's upsampling and YCbCr→RGB) and is reordered from BGR to RGB.
func decodedPNM(img image.Image, channels int) ([]byte, error) {
	if channels == 1 {
		g, ok := img.(*image.Gray)
		if !ok {
			return nil, fmt.Errorf("decoded a %T, want *image.Gray", img)
		}
		b := g.Bounds()
		pix := make([]byte, 0, b.Dx()*b.Dy())
		for y := 0; y < b.Dy(); y++ {
			pix = append(pix, g.Pix[g.PixOffset(b.Min.X, b.Min.Y+y):][:b.Dx()]...)
		}
		return pix, nil
	}
	if _, ok := img.(*image.YCbCr); !ok {
		return nil, fmt.Errorf("decoded a %T, want *image.YCbCr", img)
	}
	m := fromImage(img)
	pix := make([]byte, len(m.pix))
	for i := 0; i < len(pix); i += 3 {
		pix[i], pix[i+1], pix[i+2] = m.pix[i+2], m.pix[i+1], m.pix[i]
	}
	return pix, nil
}

// TestJPEGGolden decodes every JPEG under testdata/jpeg with the
// libjpeg-exact decoder and requires libjpeg's pixels exactly; layouts
// the decoder declines must be declined with errJPEGUnsupported (Decode
// then falls back to image/jpeg).
func TestJPEGGolden(t *testing.T) {
	for _, e := range loadJPEGGolden(t) {
		t.Run(e.File, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(jpegGoldenDir, e.File))
			if err != nil {
				t.Fatal(err)
			}
			img, err := decodeJPEGExact(data)
			if e.Unsupported {
				if !errors.Is(err, errJPEGUnsupported) {
					t.Fatalf("want errJPEGUnsupported, got image %v, err %v", img != nil, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds(); got != image.Rect(0, 0, e.Width, e.Height) {
				t.Fatalf("bounds %v, want %dx%d", got, e.Width, e.Height)
			}
			want := refPNM(t, e)
			got, err := decodedPNM(img, e.Channels)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(got, want) {
				return
			}
			n, first := 0, -1
			for i := range want {
				if got[i] != want[i] {
					if first < 0 {
						first = i
					}
					n++
				}
			}
			px := first / e.Channels
			x, y := px%e.Width, px/e.Width
			at := func(p []byte) []byte { return p[px*e.Channels : (px+1)*e.Channels] }
			t.Errorf("%d of %d samples differ from djpeg; first at (x=%d, y=%d): got %v, djpeg %v",
				n, len(want), x, y, at(got), at(want))
		})
	}
}
