package imagecheck

import (
	"bytes"
	"encoding/binary"
)

// TIFF tags read here.
const (
	tagOrientation   = 0x0112
	tagBitsPerSample = 0x0102
)

// tiffFirstValue returns the first value of a SHORT or LONG tag in IFD0 of a
// TIFF structure (a TIFF file, or the payload of an EXIF block). Every
// offset is bounds-checked: the bytes come from the client.
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
		typ, count := bo.Uint16(b[e+2:]), bo.Uint32(b[e+4:])
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
		if size*int64(count) > 4 {
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
// itself.
func exifBlock(format string, b []byte) []byte {
	switch format {
	case "jpeg":
		return jpegExif(b)
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

func jpegExif(b []byte) []byte {
	i := 2 // after SOI
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return nil
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
		if marker == 0xDA || marker == 0xD9 { // scan data or end: no EXIF after this
			return nil
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return nil
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, exifHeader) {
			return seg[len(exifHeader):]
		}
		i += 2 + n
	}
	return nil
}

func pngExif(b []byte) []byte {
	i := 8
	for i+12 <= len(b) {
		n := int64(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		if int64(i)+12+n > int64(len(b)) {
			return nil
		}
		if typ == "eXIf" {
			return b[i+8 : i+8+int(n)]
		}
		if typ == "IEND" {
			return nil
		}
		i += 12 + int(n)
	}
	return nil
}

func webpExif(b []byte) []byte {
	i := 12 // after "RIFF" size "WEBP"
	for i+8 <= len(b) {
		n := int64(binary.LittleEndian.Uint32(b[i+4:]))
		if int64(i)+8+n > int64(len(b)) {
			return nil
		}
		if string(b[i:i+4]) == "EXIF" {
			return bytes.TrimPrefix(b[i+8:i+8+int(n)], exifHeader)
		}
		i += 8 + int(n) + int(n&1) // chunks are padded to even length
	}
	return nil
}

// orientation returns the EXIF orientation (1–8) of an image, 1 when absent
// or invalid.
func orientation(format string, b []byte) int {
	v, ok := tiffFirstValue(exifBlock(format, b), tagOrientation)
	if !ok || v < 1 || v > 8 {
		return 1
	}
	return int(v)
}
