// Package imagecheck is the one path from an input's bytes to the image an
// engine reads. Inspect vets the headers only: format from magic bytes
// against the API's own list, colour depth, dimensions (before any pixel is
// allocated, so a tiny file declaring 20000×20000 pixels costs nothing) and
// the EXIF orientation, which JPEG (APP1), PNG (eXIf), WebP (EXIF chunk) and
// TIFF (tag 274) can carry. Decode then decodes the image once, with the
// decoder the engine needs (WithDecoder) or Go's, and turns it upright.
// Check does both. Failures are catalog errors in the caller's family.
package imagecheck

import (
	"bytes"
	"context"
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

// Header is what Inspect reads of an image without decoding a pixel.
type Header struct {
	Format string // jpeg, png, bmp, webp, tiff or gif
	// Width and Height are the upright size, after orientation.
	Width, Height int
	// Orientation is the EXIF orientation (1–8; 1: none) that Decode
	// applies.
	Orientation int
	// stored is the pixel grid as encoded, before orientation.
	stored image.Rectangle
	// bytesPerPixel is what decoding allocates per pixel.
	bytesPerPixel int
}

// Checked is an image that passed the checks, decoded.
type Checked struct {
	Header
	// Image is upright and ready for an engine: Width×Height pixels.
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

// notImages are files that are no image at all, by magic bytes (offset,
// magic, name): an image API answers them with the family's file-type
// code (AIS.0021 "The requested file type is not supported.") rather than
// its image-format code, which is for images in a format the API does not
// take. PDF is one too, except where an API renders its pages itself.
var notImages = []struct {
	off         int
	magic, name string
}{
	{0, "%PDF-", "pdf"},
	{0, "PK\x03\x04", "zip"}, // also docx, xlsx, odt, jar, apk
	{0, "\x1f\x8b", "gzip"},
	{0, "Rar!\x1a\x07", "rar"},
	{0, "7z\xbc\xaf\x27\x1c", "7z"},
	{0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"}, // doc, xls, ppt
	{0, "{\\rtf", "rtf"},
	{4, "ftyp", "video"}, // ISO media (mp4, mov, 3gp) once the image brands are ruled out
	{0, "\x1a\x45\xdf\xa3", "matroska"},
	{0, "FLV\x01", "flv"},
	{0, "OggS", "ogg"},
	{0, "ID3", "mp3"},
	{0, "fLaC", "flac"},
	{0, "\x7fELF", "elf"},
	{0, "MZ", "exe"},
}

// FileType names a file that is no image at all ("pdf", "zip", "video",
// …), or "" when data may be an image (a format of Sniff's, or unknown
// bytes).
func FileType(data []byte) string {
	switch Sniff(data) {
	case "pdf":
		return "pdf"
	case "":
	default:
		return ""
	}
	for _, n := range notImages {
		if len(data) >= n.off+len(n.magic) && string(data[n.off:n.off+len(n.magic)]) == n.magic {
			return n.name
		}
	}
	// RIFF holds audio and video as well as WebP (which Sniff knows).
	if len(data) >= 12 && string(data[:4]) == "RIFF" {
		switch string(data[8:12]) {
		case "WAVE", "AVI ":
			return strings.ToLower(strings.TrimSpace(string(data[8:12])))
		}
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

// A Decoder decodes the stored pixels of one format, before orientation:
// an engine whose reference decodes some format differently from Go's
// decoder (the OCR pipeline's libjpeg-exact JPEG) hands it to Check or
// Decode with WithDecoder.
type Decoder func(data []byte) (image.Image, error)

// Option tunes Check and Decode.
type Option func(*options)

type options struct {
	decoders   map[string]Decoder
	ctx        context.Context // InRequest
	reduceOver int64           // ReduceOver
	reduceSide int
}

// WithDecoder decodes format (Sniff's name) with dec instead of Go's
// decoder. The image dec returns must have the size the header declares.
func WithDecoder(format string, dec Decoder) Option {
	return func(o *options) {
		if o.decoders == nil {
			o.decoders = map[string]Decoder{}
		}
		o.decoders[canonical(format)] = dec
	}
}

// Check vets data against spec from its headers (Inspect), then decodes it
// once and turns it upright (Decode).
func Check(data []byte, spec Spec, opts ...Option) (*Checked, error) {
	h, err := Inspect(data, spec)
	if err != nil {
		return nil, err
	}
	img, err := h.Decode(data, opts...)
	if err != nil {
		return nil, err
	}
	return &Checked{Header: h, Image: img}, nil
}

// Inspect vets data against spec reading only its headers: the format
// from the magic bytes, the colour depth and model, the size, and the EXIF
// orientation. No pixel is decoded, so a small file declaring a huge image
// costs nothing. The size limits apply to the image as stored; orientation
// only swaps the sides, which every limit treats alike.
func Inspect(data []byte, spec Spec) (Header, error) {
	if len(data) == 0 {
		return Header{}, catalog.E(catalog.KindImageEmpty).Wrap(errors.New("no image bytes"))
	}
	if ft := FileType(data); ft != "" {
		return Header{}, catalog.E(catalog.KindFileType).Wrap(fmt.Errorf("a %s file is not an image", ft))
	}
	format := Sniff(data)
	cd, decodable := codecs[format]
	if format == "" || !decodable {
		return Header{}, catalog.E(catalog.KindImageFormat).Wrap(fmt.Errorf("unsupported format %q", format))
	}
	if len(spec.Formats) > 0 && !slices.ContainsFunc(spec.Formats, func(f string) bool { return canonical(f) == format }) {
		return Header{}, catalog.E(catalog.KindImageFormat).Wrap(fmt.Errorf("format %s not accepted by this API", format))
	}
	if bits, ok := headerDepth(format, data); ok && !depthSupported(format, bits) {
		return Header{}, catalog.E(catalog.KindColorDepth).Wrap(fmt.Errorf("%s with %d bits per sample", format, bits))
	}
	cfg, err := cd.config(bytes.NewReader(data))
	if err != nil {
		return Header{}, catalog.E(catalog.KindImageQuality).Wrap(fmt.Errorf("%s header: %w", format, err))
	}
	if !modelSupported(cfg.ColorModel) {
		return Header{}, catalog.E(catalog.KindColorDepth).Wrap(fmt.Errorf("%s colour model %T", format, cfg.ColorModel))
	}
	if err := spec.checkSize(cfg.Width, cfg.Height); err != nil {
		if cfg.Width <= 0 || cfg.Height <= 0 {
			return Header{}, catalog.E(catalog.KindImageQuality).Wrap(err)
		}
		return Header{}, catalog.E(catalog.KindImageSize).Wrap(err)
	}
	h := Header{Format: format, Width: cfg.Width, Height: cfg.Height, Orientation: orientation(format, data),
		stored: image.Rect(0, 0, cfg.Width, cfg.Height), bytesPerPixel: bytesPerPixel(cfg.ColorModel)}
	if h.Orientation >= 5 {
		h.Width, h.Height = h.Height, h.Width
	}
	return h, nil
}

// Decode decodes data, the image h describes, once: with the decoder an
// option names for its format, else Go's (GIF: the first frame, on its
// logical screen). The pixels must fill the size the header declared; the
// result is turned upright for h.Orientation.
func (h Header) Decode(data []byte, opts ...Option) (image.Image, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if f := h.reduction(o); f > 1 {
		if o.ctx != nil {
			if err := h.reserve(o.ctx, h.reducedCost(f)); err != nil {
				return nil, err
			}
		}
		// Streaming decodes are CPU-bound for seconds each: as many at
		// once as there are CPUs, so each finishes in time and the rest
		// wait (or are answered busy) instead of all timing out together.
		if err := reduceSlot(o.ctx); err != nil {
			return nil, err
		}
		red, err := reducePNG(data, f)
		releaseReduceSlot()
		if err == nil {
			red.Image = orient(red.Image, h.Orientation)
			return red, nil
		}
		if !errors.Is(err, errNotStreamable) {
			return nil, catalog.E(catalog.KindImageQuality).Wrap(fmt.Errorf("%s data: %w", h.Format, err))
		}
		// Not streamable after all: decode it whole, for its whole share
		// (taken on top of the reduced one, which the request holds too).
	}
	if o.ctx != nil {
		if err := h.reserve(o.ctx, h.Cost()); err != nil {
			return nil, err
		}
	}
	var (
		img image.Image
		err error
	)
	if dec, ok := o.decoders[h.Format]; ok {
		img, err = dec(data)
	} else if cd, ok := codecs[h.Format]; ok {
		img, err = cd.decode(bytes.NewReader(data))
	} else {
		return nil, catalog.E(catalog.KindImageFormat).Wrap(fmt.Errorf("unsupported format %q", h.Format))
	}
	if err != nil {
		return nil, catalog.E(catalog.KindImageQuality).Wrap(fmt.Errorf("%s data: %w", h.Format, err))
	}
	screen := h.stored
	if h.Format == "gif" && img.Bounds() != screen && img.Bounds().In(screen) {
		// A first frame may cover only part of the logical screen.
		canvas := image.NewRGBA(screen)
		draw.Draw(canvas, img.Bounds(), img, img.Bounds().Min, draw.Src)
		img = canvas
	}
	if b := img.Bounds(); b != screen {
		return nil, catalog.E(catalog.KindImageQuality).Wrap(
			fmt.Errorf("%s decodes to %v, header says %dx%d", h.Format, b, screen.Dx(), screen.Dy()))
	}
	return orient(img, h.Orientation), nil
}

// reduction is the factor ReduceOver decodes h at, or 1: whole.
func (h Header) reduction(o options) int {
	if o.reduceOver <= 0 || o.reduceSide <= 0 || h.Format != "png" || h.Cost() <= o.reduceOver {
		return 1
	}
	long := max(h.stored.Dx(), h.stored.Dy())
	return (long + o.reduceSide - 1) / o.reduceSide
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
		// The first SOFn segment's first byte is the sample precision.
		bits, ok := 0, false
		jpegSegments(b, func(m byte, seg []byte) bool {
			if m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC {
				if len(seg) > 0 {
					bits, ok = int(seg[0]), true
				}
				return false
			}
			return true
		})
		return bits, ok
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
