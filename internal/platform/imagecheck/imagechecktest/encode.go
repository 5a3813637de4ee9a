// Package imagechecktest writes test images that carry an EXIF orientation
// in each container that can hold one: JPEG (APP1), PNG (eXIf), WebP (EXIF
// chunk of an extended file) and TIFF (tag 274 of IFD0). The Go libraries
// decode WebP but do not encode it, and their TIFF encoder writes no
// orientation, so both are written here, uncompressed and lossless: the
// decoded pixels are exactly the ones given.
//
// Stored computes what a camera stores for an upright picture and an
// orientation; it is written independently of imagecheck's orientation
// code, as plain rotations and mirrors.
package imagechecktest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
)

// Stored returns the pixels a file with EXIF orientation o holds for the
// upright picture up: displaying them turned as o says gives up back.
func Stored(up image.Image, o int) *image.NRGBA {
	b := up.Bounds()
	w, h := b.Dx(), b.Dy()
	at := func(x, y int) color.Color { return up.At(b.Min.X+x, b.Min.Y+y) }
	var out *image.NRGBA
	set := func(x, y int, c color.Color) { out.Set(x, y, c) }
	if o >= 5 && o <= 8 {
		out = image.NewNRGBA(image.Rect(0, 0, h, w))
	} else {
		out = image.NewNRGBA(image.Rect(0, 0, w, h))
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := at(x, y)
			switch o {
			case 2: // shown mirrored left-right: store mirrored
				set(w-1-x, y, c)
			case 3: // shown turned 180°: store turned 180°
				set(w-1-x, h-1-y, c)
			case 4: // mirrored top-bottom
				set(x, h-1-y, c)
			case 5: // transposed (mirrored along the main diagonal)
				set(y, x, c)
			case 6: // shown turned 90° clockwise: store turned 90° counter-clockwise
				set(y, w-1-x, c)
			case 7: // transversed (mirrored along the other diagonal)
				set(h-1-y, w-1-x, c)
			case 8: // shown turned 90° counter-clockwise: store turned clockwise
				set(h-1-y, x, c)
			default:
				set(x, y, c)
			}
		}
	}
	return out
}

// EXIF is a TIFF structure whose IFD0 holds only an orientation tag, the
// payload of an EXIF block, in Intel (little-endian) or Motorola byte order.
func EXIF(o uint16, bigEndian bool) []byte {
	var bo binary.AppendByteOrder = binary.LittleEndian
	b := []byte("II*\x00\x08\x00\x00\x00")
	if bigEndian {
		bo, b = binary.BigEndian, []byte("MM\x00*\x00\x00\x00\x08")
	}
	b = bo.AppendUint16(b, 1) // one entry
	b = bo.AppendUint16(b, 0x0112)
	b = bo.AppendUint16(b, 3) // SHORT
	b = bo.AppendUint32(b, 1)
	b = bo.AppendUint16(b, o)
	b = append(b, 0, 0)
	return bo.AppendUint32(b, 0) // no next IFD
}

// WithJPEGExif inserts an APP1 EXIF segment with orientation o after a
// JPEG's SOI marker.
func WithJPEGExif(j []byte, o uint16) []byte {
	payload := append([]byte("Exif\x00\x00"), EXIF(o, false)...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, j[:2]...)
	out = append(out, append(seg, payload...)...)
	return append(out, j[2:]...)
}

// JPEG encodes img (quality 95) with orientation o in APP1.
func JPEG(img image.Image, o uint16) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		panic(err)
	}
	return WithJPEGExif(buf.Bytes(), o)
}

// PNGChunk encodes one PNG chunk with its CRC.
func PNGChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	return b.Bytes()
}

// WithPNGExif inserts an eXIf chunk with orientation o after a PNG's IHDR.
func WithPNGExif(p []byte, o uint16) []byte {
	const afterIHDR = 8 + 25
	out := append([]byte{}, p[:afterIHDR]...)
	out = append(out, PNGChunk("eXIf", EXIF(o, true))...)
	return append(out, p[afterIHDR:]...)
}

// PNG encodes img with orientation o in an eXIf chunk.
func PNG(img image.Image, o uint16) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return WithPNGExif(buf.Bytes(), o)
}

// TIFF encodes img as a baseline TIFF (8-bit RGB, or RGBA with unassociated
// alpha when img is not opaque; uncompressed, one strip) whose IFD0 carries
// orientation o (tag 274).
func TIFF(img image.Image, o uint16) []byte {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	spp := 3
	if !opaque(img) {
		spp = 4
	}
	pix := make([]byte, 0, w*h*spp)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			pix = append(pix, c.R, c.G, c.B)
			if spp == 4 {
				pix = append(pix, c.A)
			}
		}
	}
	bo := binary.LittleEndian
	type entry struct {
		tag, typ uint16
		count    uint32
		value    uint32 // inline value or offset
	}
	const short, long = 3, 4
	nTags := 11
	if spp == 4 {
		nTags++ // ExtraSamples
	}
	ifdSize := 2 + 12*nTags + 4
	bitsOff := uint32(8 + ifdSize)        // BitsPerSample values
	pixOff := bitsOff + uint32(2*spp) + 2 // after them, even
	photometric := uint32(2)              // RGB
	entries := []entry{
		{256, long, 1, uint32(w)},          // ImageWidth
		{257, long, 1, uint32(h)},          // ImageLength
		{258, short, uint32(spp), bitsOff}, // BitsPerSample
		{259, short, 1, 1},                 // Compression: none
		{262, short, 1, photometric},       // PhotometricInterpretation
		{273, long, 1, pixOff},             // StripOffsets
		{274, short, 1, uint32(o)},         // Orientation
		{277, short, 1, uint32(spp)},       // SamplesPerPixel
		{278, long, 1, uint32(h)},          // RowsPerStrip
		{279, long, 1, uint32(len(pix))},   // StripByteCounts
		{284, short, 1, 1},                 // PlanarConfiguration: chunky
	}
	if spp == 4 {
		entries = append(entries, entry{338, short, 1, 2}) // ExtraSamples: unassociated alpha
	}
	out := []byte("II*\x00\x08\x00\x00\x00")
	out = bo.AppendUint16(out, uint16(len(entries)))
	for _, e := range entries {
		out = bo.AppendUint16(out, e.tag)
		out = bo.AppendUint16(out, e.typ)
		out = bo.AppendUint32(out, e.count)
		if e.typ == short && e.count == 1 {
			out = bo.AppendUint16(out, uint16(e.value))
			out = append(out, 0, 0)
		} else {
			out = bo.AppendUint32(out, e.value)
		}
	}
	out = bo.AppendUint32(out, 0) // no next IFD
	for i := 0; i < spp; i++ {
		out = bo.AppendUint16(out, 8)
	}
	out = append(out, 0, 0)
	return append(out, pix...)
}

func opaque(img image.Image) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0xffff {
				return false
			}
		}
	}
	return true
}
