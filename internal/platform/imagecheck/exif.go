package imagecheck

import (
	"bytes"
	"encoding/binary"
)

// The one EXIF reader of aisd. The bytes come from the client: every offset
// and length is checked against the slice before it is used, and a damaged
// structure reads as "no orientation", never as an error or a panic
// (FuzzEXIF).

// TIFF tags read here.
const (
	tagOrientation   = 0x0112 // 274
	tagBitsPerSample = 0x0102
)

// tiffFirstValue returns the first value of a SHORT or LONG tag in IFD0 of a
// TIFF structure (a TIFF file, or the payload of an EXIF block).
func tiffFirstValue(b []byte, tag uint16) (uint32, bool) {
	if len(b) < 8 {
		return 0, false
	}
	var bo binary.ByteOrder
	switch string(b[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0, false
	}
	if bo.Uint16(b[2:4]) != 42 {
		return 0, false
	}
	ifd := int64(bo.Uint32(b[4:8]))
	if ifd < 8 || ifd+2 > int64(len(b)) {
		return 0, false
	}
	n := int64(bo.Uint16(b[ifd:]))
	for i := int64(0); i < n; i++ {
		e := ifd + 2 + 12*i
		if e+12 > int64(len(b)) {
			return 0, false
		}
		if bo.Uint16(b[e:]) != tag {
			continue
		}
		typ, count := bo.Uint16(b[e+2:]), int64(bo.Uint32(b[e+4:]))
		if count == 0 {
			return 0, false
		}
		var size int64
		switch typ {
		case 3: // SHORT
			size = 2
		case 4: // LONG
			size = 4
		default:
			return 0, false
		}
		val := e + 8 // values that fit in 4 bytes are stored inline
		if size*count > 4 {
			val = int64(bo.Uint32(b[e+8:]))
		}
		if val < 0 || val+size > int64(len(b)) {
			return 0, false
		}
		if size == 2 {
			return uint32(bo.Uint16(b[val:])), true
		}
		return bo.Uint32(b[val:]), true
	}
	return 0, false
}

// exifBlock finds the EXIF TIFF structure of an image: a JPEG APP1
// "Exif\0\0" segment, a PNG eXIf chunk, a WebP EXIF chunk, or the TIFF file
// itself (whose IFD0 carries the orientation tag). HEIF, BMP and GIF carry
// none that aisd reads. The result is a sub-slice of b, or nil.
func exifBlock(format string, b []byte) []byte {
	switch format {
	case "jpeg":
		var block []byte
		jpegSegments(b, func(marker byte, seg []byte) bool {
			if marker == 0xE1 && bytes.HasPrefix(seg, exifHeader) {
				block = seg[len(exifHeader):]
				return false
			}
			return true
		})
		return block
	case "png":
		return pngExif(b)
	case "webp":
		return webpExif(b)
	case "tiff":
		return b
	}
	return nil
}

var exifHeader = []byte("Exif\x00\x00")

// jpegSegments calls fn with each marker segment of a JPEG header, from the
// first after SOI up to the start of scan, until fn returns false. seg is
// the segment's payload (after the length field). Standalone markers and
// fill bytes are skipped; a malformed length ends the walk.
func jpegSegments(b []byte, fn func(marker byte, seg []byte) bool) {
	i := 2 // after SOI
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return
		}
		marker := b[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		if marker == 0xD8 || marker >= 0xD0 && marker <= 0xD7 || marker == 0x01 {
			i += 2 // markers without a length
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // scan data or end: the header is over
			return
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return
		}
		if !fn(marker, b[i+4:i+2+n]) {
			return
		}
		i += 2 + n
	}
}

func pngExif(b []byte) []byte {
	i := int64(8) // after the signature
	for i+12 <= int64(len(b)) {
		n := int64(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		if i+12+n > int64(len(b)) {
			return nil
		}
		if typ == "eXIf" {
			return b[i+8 : i+8+n]
		}
		if typ == "IEND" {
			return nil
		}
		i += 12 + n
	}
	return nil
}

func webpExif(b []byte) []byte {
	i := int64(12) // after "RIFF" size "WEBP"
	for i+8 <= int64(len(b)) {
		n := int64(binary.LittleEndian.Uint32(b[i+4:]))
		if i+8+n > int64(len(b)) {
			return nil
		}
		if string(b[i:i+4]) == "EXIF" {
			// The container specification stores the TIFF structure
			// itself; some writers keep JPEG's "Exif\0\0" before it.
			return bytes.TrimPrefix(b[i+8:i+8+n], exifHeader)
		}
		i += 8 + n + n&1 // chunks are padded to even length
	}
	return nil
}

// orientation returns the EXIF orientation (1–8) of an image of the given
// format (Sniff's name), 1 when absent or invalid.
func orientation(format string, b []byte) int {
	v, ok := tiffFirstValue(exifBlock(format, b), tagOrientation)
	if !ok || v < 1 || v > 8 {
		return 1
	}
	return int(v)
}
