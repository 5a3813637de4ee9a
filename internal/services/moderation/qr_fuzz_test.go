package moderation

import (
	"image"
	"testing"
)

// FuzzDecodeQR feeds arbitrary grey pixels to the QR decoder: whatever it
// finds must lie inside the image.
func FuzzDecodeQR(f *testing.F) {
	f.Add(uint8(40), uint8(40), []byte{0, 255, 0, 255})
	f.Fuzz(func(t *testing.T, w, h uint8, pix []byte) {
		W, H := int(w%96)+1, int(h%96)+1
		img := image.NewGray(image.Rect(0, 0, W, H))
		for i := range img.Pix {
			if len(pix) > 0 {
				img.Pix[i] = pix[i%len(pix)]
			}
		}
		for _, qr := range decodeQR(img) {
			l := qr.loc
			if l.TopLeftX < 0 || l.TopLeftY < 0 || int(l.BottomRightX) > W || int(l.BottomRightY) > H || l.TopLeftX > l.BottomRightX || l.TopLeftY > l.BottomRightY {
				t.Fatalf("box %+v outside %dx%d", l, W, H)
			}
		}
	})
}
