package pipeline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	_ "image/gif" // formats accepted by Decode
	_ "image/jpeg"
	"image/png"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// Decode decodes an encoded image the way the reference loader sees it:
// the EXIF orientation of JPEGs is applied, and grey+alpha PNGs are
// flattened by keeping opaque grey and adding the transparency as white.
// It returns the format name ("jpeg", "png", ...).
func Decode(data []byte) (image.Image, string, error) {
	var (
		img    image.Image
		format string
		err    error
	)
	if len(data) > 2 && data[0] == 0xFF && data[1] == 0xD8 {
		if img, err = decodeJPEGExact(data); err == nil {
			format = "jpeg"
		}
	}
	if img == nil {
		if img, format, err = image.Decode(bytes.NewReader(data)); err != nil {
			return nil, "", err
		}
	}
	switch format {
	case "jpeg":
		if o := exifOrientation(data); o > 1 {
			img = orient(img, o)
		}
	case "png":
		if pngColorType(data) == 4 {
			img = flattenGreyAlpha(img)
		}
	}
	return img, format, nil
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

// exifOrientation returns the EXIF Orientation tag (1..8) of a JPEG, or 0.
func exifOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 0
	}
	i := 2
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return 0
		}
		marker := data[i+1]
		if marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 {
			i += 2
			continue
		}
		if marker == 0xDA || marker == 0xD9 {
			return 0
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return 0
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			o, _ := tiffOrientation(seg[6:])
			return o
		}
		i += 2 + n
	}
	return 0
}

func tiffOrientation(t []byte) (int, error) {
	if len(t) < 8 {
		return 0, errors.New("short TIFF header")
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0, errors.New("bad byte order")
	}
	off := int(bo.Uint32(t[4:]))
	if off+2 > len(t) {
		return 0, errors.New("bad IFD offset")
	}
	n := int(bo.Uint16(t[off:]))
	for k := 0; k < n; k++ {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			break
		}
		if bo.Uint16(t[e:]) == 0x0112 {
			v := int(bo.Uint16(t[e+8:]))
			if v >= 1 && v <= 8 {
				return v, nil
			}
			return 0, nil
		}
	}
	return 0, nil
}

// orient applies an EXIF orientation so the image displays upright.
func orient(img image.Image, o int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			default:
				dx, dy = x, y
			}
			out.Set(dx, dy, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

var _ = png.Decode
