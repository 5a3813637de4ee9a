package pipeline

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"

	"github.com/aisd/aisd/internal/platform/imagecheck"
)

// The reference loader decodes two formats differently from Go's decoders:
// JPEG through libjpeg, and grey+alpha PNG with its own flattening.
// DecodeJPEG and DecodePNG reproduce it. Everything else on the way from
// bytes to pixels — the checks, the other formats, and the EXIF
// orientation of every format that carries one — is imagecheck's, which
// takes these two as decoder options (Decoders), so an image is decoded
// once.

// Decoders are the pipeline's decoders as imagecheck options.
func Decoders() []imagecheck.Option {
	return []imagecheck.Option{
		imagecheck.WithDecoder("jpeg", DecodeJPEG),
		imagecheck.WithDecoder("png", DecodePNG),
	}
}

// Decode decodes an encoded image upright, the way the reference loader
// sees it: imagecheck's checks (without any API's limits) and orientation,
// with Decoders. It returns the format name ("jpeg", "png", ...).
func Decode(data []byte) (image.Image, string, error) {
	c, err := imagecheck.Check(data, imagecheck.Spec{}, Decoders()...)
	if err != nil {
		return nil, "", err
	}
	return c.Image, c.Format, nil
}

// DecodeJPEG decodes a JPEG with the libjpeg-exact decoder, or with Go's
// for the layouts that one does not handle (progressive, arithmetic, ...).
// A JPEG it finds damaged or too large is an error: image/jpeg must not get
// to allocate what a hostile header declares.
func DecodeJPEG(data []byte) (image.Image, error) {
	img, err := decodeJPEGExact(data)
	switch {
	case err == nil:
		return img, nil
	case !errors.Is(err, errJPEGUnsupported):
		return nil, err
	}
	return jpeg.Decode(bytes.NewReader(data))
}

// DecodePNG decodes a PNG with Go's decoder, flattening grey+alpha images
// as the reference does (flattenGreyAlpha).
func DecodePNG(data []byte) (image.Image, error) {
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if pngColorType(data) == 4 {
		img = flattenGreyAlpha(img)
	}
	return img, nil
}

func pngColorType(data []byte) int {
	// Signature (8) + IHDR length (4) + "IHDR" (4) + width, height (8) +
	// bit depth (1), then the colour type.
	if len(data) < 26 || !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		return -1
	}
	return int(data[25])
}

// flattenGreyAlpha reproduces the reference's grey+alpha conversion:
// grey where alpha is non-zero, plus (255 - alpha), saturating.
func flattenGreyAlpha(img image.Image) image.Image {
	b := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			v := 0
			if c.A > 0 {
				v = int(c.R)
			}
			v += 255 - int(c.A)
			out.Pix[(y-b.Min.Y)*out.Stride+x-b.Min.X] = uint8(min(v, 255))
		}
	}
	return out
}
