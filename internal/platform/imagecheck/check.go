// Package imagecheck vets an input image before any model sees it: format
// from magic bytes against the API's own list, colour depth and dimensions
// from the header before any pixel is allocated (so a tiny file declaring
// 20000×20000 pixels costs nothing), then a full decode (GIF: first frame)
// with the EXIF orientation applied. Failures are catalog errors in the
// caller's family.
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
	"io"
	"slices"
	"strings"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"

	"github.com/aisd/aisd/internal/catalog"
)

// Spec is what one API accepts.
type Spec struct {
	// Formats are the accepted formats: jpeg (or jpg), png, bmp, webp,
	// tiff (or tif), gif. Empty accepts every format this package decodes.
	Formats []string
	// MinSide and MaxSide bound both sides, in pixels (0: unbounded).
	MinSide, MaxSide int
	// MaxPixels bounds width×height (0: MaxSide², or DefaultMaxPixels when
	// MaxSide is 0 too). It is also the decode-bomb guard.
	MaxPixels int64
}

// DefaultMaxPixels bounds a Spec that sets neither MaxSide nor MaxPixels.
const DefaultMaxPixels = 160_000_000

// The published limits of the APIs (product documentation).
var (
	// OCRGeneralText: 15–30000 px per side, at most 160 megapixels.
	OCRGeneralText = Spec{Formats: []string{"jpeg", "png", "bmp", "gif", "tiff", "webp"},
		MinSide: 15, MaxSide: 30000, MaxPixels: 160_000_000}
	// ImageTagging: PNG, JPEG, BMP, WEBP, 15–4096 px per side.
	ImageTagging = Spec{Formats: []string{"png", "jpeg", "bmp", "webp"}, MinSide: 15, MaxSide: 4096}
	// Moderation (v3 image): JPG, PNG, WEBP, GIF, TIFF, 20–6000 px per side.
	Moderation = Spec{Formats: []string{"jpeg", "png", "webp", "gif", "tiff"}, MinSide: 20, MaxSide: 6000}
)

// Checked is an image that passed the checks.
type Checked struct {
	Format string // jpeg, png, bmp, webp, tiff or gif
	// Width and Height are those of Image, after orientation.
	Width, Height int
	// Orientation is the EXIF orientation that was applied (1: none).
	Orientation int
	// Image is upright and ready for an engine.
	Image image.Image
}

// Sniff names the format of data from its magic bytes: one of the formats
// Check decodes, a known format it does not ("pdf", "psd", "ico", "pcx",
// "heif", "jp2"), or "" when unrecognised.
func Sniff(data []byte) string {
	has := func(off int, magic string) bool {
		return len(data) >= off+len(magic) && string(data[off:off+len(magic)]) == magic
	}
	switch {
	case has(0, "\xFF\xD8\xFF"):
		return "jpeg"
	case has(0, "\x89PNG\r\n\x1a\n"):
		return "png"
	case has(0, "GIF87a"), has(0, "GIF89a"):
		return "gif"
	case has(0, "BM"):
		return "bmp"
	case has(0, "RIFF") && has(8, "WEBP"):
		return "webp"
	case has(0, "II*\x00"), has(0, "MM\x00*"):
		return "tiff"
	case has(0, "%PDF-"):
		return "pdf"
	case has(0, "8BPS"):
		return "psd"
	case has(0, "\x00\x00\x01\x00"):
		return "ico"
	case len(data) > 3 && data[0] == 0x0A && data[1] <= 5 && data[2] == 1:
		return "pcx"
	case has(4, "ftypheic"), has(4, "ftypheix"), has(4, "ftypmif1"), has(4, "ftypavif"):
		return "heif"
	case has(0, "\x00\x00\x00\x0CjP  \r\n\x87\n"):
		return "jp2"
	}
	return ""
}

func canonical(format string) string {
	switch f := strings.ToLower(format); f {
	case "jpg":
		return "jpeg"
	case "tif":
		return "tiff"
	default:
		return f
	}
}

type codec struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var codecs = map[string]codec{
	"jpeg": {jpeg.DecodeConfig, jpeg.Decode},
	"png":  {png.DecodeConfig, png.Decode},
	"gif":  {gif.DecodeConfig, gif.Decode}, // Decode returns the first frame
	"bmp":  {bmp.DecodeConfig, bmp.Decode},
	"tiff": {tiff.DecodeConfig, tiff.Decode},
	"webp": {webp.DecodeConfig, webp.Decode},
}

// Check vets data against spec and returns the decoded, upright image.
func Check(data []byte, spec Spec) (*Checked, error) {
	if len(data) == 0 {
		return nil, catalog.E(catalog.KindImageEmpty).Wrap(errors.New("no image bytes"))
	}
	format := Sniff(data)
	cd, decodable := codecs[format]
	if format == "" || !decodable {
		return nil, catalog.E(catalog.KindImageFormat).Wrap(fmt.Errorf("unsupported format %q", format))
	}
	if len(spec.Formats) > 0 && !slices.ContainsFunc(spec.Formats, func(f string) bool { return canonical(f) == format }) {
		return nil, catalog.E(catalog.KindImageFormat).Wrap(fmt.Errorf("format %s not accepted by this API", format))
	}
	if bits, ok := headerDepth(format, data); ok && !depthSupported(format, bits) {
		return nil, catalog.E(catalog.KindColorDepth).Wrap(fmt.Errorf("%s with %d bits per sample", format, bits))
	}
	cfg, err := cd.config(bytes.NewReader(data))
	if err != nil {
		return nil, catalog.E(catalog.KindImageQuality).Wrap(fmt.Errorf("%s header: %w", format, err))
	}
	if !modelSupported(cfg.ColorModel) {
		return nil, catalog.E(catalog.KindColorDepth).Wrap(fmt.Errorf("%s colour model %T", format, cfg.ColorModel))
	}
	if err := spec.checkSize(cfg.Width, cfg.Height); err != nil {
		if cfg.Width <= 0 || cfg.Height <= 0 {
			return nil, catalog.E(catalog.KindImageQuality).Wrap(err)
		}
		return nil, catalog.E(catalog.KindImageSize).Wrap(err)
	}
	img, err := cd.decode(bytes.NewReader(data))
	if err != nil {
		return nil, catalog.E(catalog.KindImageQuality).Wrap(fmt.Errorf("%s data: %w", format, err))
	}
	screen := image.Rect(0, 0, cfg.Width, cfg.Height)
	if format == "gif" && img.Bounds() != screen && img.Bounds().In(screen) {
		// A first frame may cover only part of the logical screen.
		canvas := image.NewRGBA(screen)
		draw.Draw(canvas, img.Bounds(), img, img.Bounds().Min, draw.Src)
		img = canvas
	}
	if b := img.Bounds(); b != screen {
		return nil, catalog.E(catalog.KindImageQuality).Wrap(
			fmt.Errorf("%s decodes to %v, header says %dx%d", format, b, cfg.Width, cfg.Height))
	}
	o := orientation(format, data)
	img = orient(img, o)
	b := img.Bounds()
	return &Checked{Format: format, Width: b.Dx(), Height: b.Dy(), Orientation: o, Image: img}, nil
}

func (s Spec) checkSize(w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("image is %dx%d", w, h)
	}
	short, long := min(w, h), max(w, h)
	if s.MinSide > 0 && short < s.MinSide {
		return fmt.Errorf("%dx%d: shorter side under %d px", w, h, s.MinSide)
	}
	if s.MaxSide > 0 && long > s.MaxSide {
		return fmt.Errorf("%dx%d: longer side over %d px", w, h, s.MaxSide)
	}
	maxPx := s.MaxPixels
	if maxPx <= 0 {
		maxPx = DefaultMaxPixels
		if s.MaxSide > 0 {
			maxPx = int64(s.MaxSide) * int64(s.MaxSide)
		}
	}
	if int64(w)*int64(h) > maxPx {
		return fmt.Errorf("%dx%d: over %d pixels", w, h, maxPx)
	}
	return nil
}

// modelSupported accepts the colour models the decoders produce for
// colour or grey images; alpha-only and unknown models carry no usable
// colour.
func modelSupported(m color.Model) bool {
	if _, ok := m.(color.Palette); ok {
		return true // may be empty: a GIF can keep its colours in per-frame tables
	}
	switch m {
	case color.GrayModel, color.Gray16Model, color.RGBAModel, color.RGBA64Model,
		color.NRGBAModel, color.NRGBA64Model, color.YCbCrModel, color.NYCbCrAModel, color.CMYKModel:
		return true
	}
	return false
}

// headerDepth reads the bits per sample a header declares, where the decoder
// supports only some: JPEG's sample precision, BMP's bits per pixel, TIFF's
// BitsPerSample.
func headerDepth(format string, b []byte) (int, bool) {
	switch format {
	case "jpeg":
		// Walk to the first SOFn segment; its first byte is the precision.
		i := 2
		for i+4 <= len(b) && b[i] == 0xFF {
			m := b[i+1]
			if m == 0xFF {
				i++
				continue
			}
			n := int(binary.BigEndian.Uint16(b[i+2:]))
			if m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC {
				if i+4 < len(b) {
					return int(b[i+4]), true
				}
				return 0, false
			}
			if m == 0xDA || n < 2 {
				return 0, false
			}
			i += 2 + n
		}
	case "bmp":
		if len(b) >= 30 && binary.LittleEndian.Uint32(b[14:]) >= 40 {
			return int(binary.LittleEndian.Uint16(b[28:])), true
		}
	case "tiff":
		if v, ok := tiffFirstValue(b, tagBitsPerSample); ok {
			return int(v), true
		}
	}
	return 0, false
}

func depthSupported(format string, bits int) bool {
	switch format {
	case "jpeg":
		return bits == 8
	case "bmp":
		return bits == 1 || bits == 2 || bits == 4 || bits == 8 || bits == 24 || bits == 32
	case "tiff":
		return bits == 1 || bits == 2 || bits == 4 || bits == 8 || bits == 16
	}
	return true
}

// orient applies an EXIF orientation, returning src itself for 1.
func orient(src image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return src
	}
	sb := src.Bounds()
	w, h := sb.Dx(), sb.Dy()
	// Work on RGBA so the per-pixel loop is plain index arithmetic.
	in, ok := src.(*image.RGBA)
	if !ok || sb.Min != (image.Point{}) {
		in = image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(in, in.Bounds(), src, sb.Min, draw.Src)
	}
	dw, dh := w, h
	if o >= 5 { // orientations 5–8 swap the axes
		dw, dh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := 0; dy < dh; dy++ {
		for dx := 0; dx < dw; dx++ {
			var sx, sy int
			switch o {
			case 2: // mirrored horizontally
				sx, sy = w-1-dx, dy
			case 3: // rotated 180°
				sx, sy = w-1-dx, h-1-dy
			case 4: // mirrored vertically
				sx, sy = dx, h-1-dy
			case 5: // transposed
				sx, sy = dy, dx
			case 6: // stored rotated 90° counter-clockwise: turn clockwise
				sx, sy = dy, h-1-dx
			case 7: // transversed
				sx, sy = w-1-dy, h-1-dx
			case 8: // stored rotated 90° clockwise: turn counter-clockwise
				sx, sy = w-1-dy, dx
			}
			si, di := in.PixOffset(sx, sy), out.PixOffset(dx, dy)
			copy(out.Pix[di:di+4], in.Pix[si:si+4])
		}
	}
	return out
}
