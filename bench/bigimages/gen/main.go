// Command gen writes the request body of the largest image the published
// OCR general-text limits allow (12600×12600 = 158.8 Mpx, under 160 Mpx and
// 30000 px a side) as an 8-bit RGBA PNG that compresses to well under the
// 10 MB body limit: a few lines of black text on white.
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
)

func main() {
	const side = 12600
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	// Thick black bars: something for the detector to find.
	for y := 2000; y < 2400; y++ {
		for x := 1000; x < 11000; x++ {
			if (x/300)%2 == 0 {
				img.SetNRGBA(x, y, color.NRGBA{A: 0xFF})
			}
		}
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, img); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf(`{"image":"%s"}`, base64.StdEncoding.EncodeToString(b.Bytes()))
}
