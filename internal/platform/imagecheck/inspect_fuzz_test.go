package imagecheck

import (
	"bytes"
	"context"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// FuzzInspectDecode: the sniffer, the header readers of every format and
// the one decode path never panic on any bytes, and an image that decodes
// has the size its header declared.
func FuzzInspectDecode(f *testing.F) {
	img := image.NewRGBA(image.Rect(0, 0, 20, 17))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 13)
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	f.Add(b.Bytes())
	b.Reset()
	jpeg.Encode(&b, img, nil)
	f.Add(b.Bytes())
	b.Reset()
	gif.Encode(&b, img, nil)
	f.Add(b.Bytes())
	b.Reset()
	bmp.Encode(&b, img)
	f.Add(b.Bytes())
	b.Reset()
	tiff.Encode(&b, img, nil)
	f.Add(b.Bytes())
	f.Add(pngHeader(12600, 12600, 16, 6))
	// Small limits: the fuzzer explores the parsers, not big allocations.
	spec := Spec{MinSide: 1, MaxSide: 512}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := Inspect(data, spec)
		if err != nil {
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		out, err := h.Decode(data, InRequest(ctx))
		if err != nil {
			return
		}
		if b := out.Bounds(); b.Dx() != h.Width || b.Dy() != h.Height {
			t.Fatalf("decoded %v, header says %dx%d", b, h.Width, h.Height)
		}
	})
}
