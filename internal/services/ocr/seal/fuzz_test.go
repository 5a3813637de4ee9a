package seal

import (
	"context"
	"image"
	"math"
	"testing"

	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// FuzzDetect: any pixels give seals inside the image, read, cropped and
// erased without fault.
func FuzzDetect(f *testing.F) {
	f.Add([]byte{120, 100, 60, 30, 20, 200, 40, 40})
	f.Add([]byte{80, 80, 40, 40, 39, 30, 60, 250})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 8 {
			return
		}
		w, h := 40+int(b[0])%160, 40+int(b[1])%160
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := range img.Pix {
			img.Pix[i] = 255
		}
		// Rings and blobs of the fuzzer's colour and size.
		for k := 2; k+5 < len(b); k += 6 {
			cx, cy, r := float64(int(b[k])%w), float64(int(b[k+1])%h), float64(5+int(b[k+2])%90)
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					d := math.Hypot(float64(x)-cx, float64(y)-cy)
					if d <= r && (b[k+3]%2 == 0 || d >= r-4) {
						o := img.PixOffset(x, y)
						img.Pix[o], img.Pix[o+1], img.Pix[o+2] = b[k+3], b[k+4], b[k+5]
					}
				}
			}
		}
		seals := Detect(img)
		read := func(ctx context.Context, im image.Image) ([]pipeline.Line, error) {
			return []pipeline.Line{{Text: "印", Score: 0.5, Box: [4]pipeline.Point{{0, 0}, {4, 0}, {4, 4}, {0, 4}}}}, nil
		}
		for i := range seals {
			s := &seals[i]
			if s.Box.X0 < 0 || s.Box.Y0 < 0 || s.Box.X1 > w || s.Box.Y1 > h {
				t.Fatalf("seal box %+v outside %dx%d", s.Box, w, h)
			}
			if err := s.Read(context.Background(), read); err != nil {
				t.Fatal(err)
			}
			_ = s.Image(img)
		}
		if e := Erase(img, seals); e.Rect != img.Rect {
			t.Fatal("erased image changed size")
		}
	})
}
