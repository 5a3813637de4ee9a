package imagecheck

import (
	"bytes"
	"encoding/binary"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/aisd/aisd/internal/platform/imagecheck/imagechecktest"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzEXIF from exifSeeds")

type exifSeed struct {
	name   string
	format string // the container the seed is
	want   int    // its orientation
	data   []byte
}

func riffWebP(chunks ...[]byte) []byte {
	body := []byte("WEBP")
	for _, c := range chunks {
		body = append(body, c...)
	}
	return append(binary.LittleEndian.AppendUint32([]byte("RIFF"), uint32(len(body))), body...)
}

func webpChunk(fourCC string, data []byte) []byte {
	out := binary.LittleEndian.AppendUint32([]byte(fourCC), uint32(len(data)))
	out = append(out, data...)
	if len(data)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

func jpegSeg(marker byte, payload []byte) []byte {
	return append(binary.BigEndian.AppendUint16([]byte{0xFF, marker}, uint16(len(payload)+2)), payload...)
}

// exifSeeds are the seed corpus of FuzzEXIF: each container's EXIF in its
// plain form, and the damaged forms the reader must survive.
func exifSeeds() []exifSeed {
	soi, eoi := []byte{0xFF, 0xD8}, []byte{0xFF, 0xD9}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	exif := append([]byte("Exif\x00\x00"), imagechecktest.EXIF(6, false)...)
	pngSig := []byte("\x89PNG\r\n\x1a\n")
	ihdr := imagechecktest.PNGChunk("IHDR", []byte{0, 0, 0, 16, 0, 0, 0, 16, 8, 2, 0, 0, 0})
	long := imagechecktest.EXIF(7, true)
	long[8+2+3] = 4 // the entry's type: LONG; big-endian, so the value 7 moves
	copy(long[8+2+8:], []byte{0, 0, 0, 7})
	farIFD := imagechecktest.EXIF(3, false)
	binary.LittleEndian.PutUint32(farIFD[4:], 0xFFFFFFF0)
	manyEntries := imagechecktest.EXIF(3, false)
	binary.LittleEndian.PutUint16(manyEntries[8:], 0xFFFF)  // entries claimed…
	binary.LittleEndian.PutUint16(manyEntries[10:], 0x0100) // …but the one present is not the orientation
	outOfLine := imagechecktest.EXIF(3, false)
	binary.LittleEndian.PutUint32(outOfLine[8+2+4:], 3) // three SHORTs: stored at an offset
	binary.LittleEndian.PutUint32(outOfLine[8+2+8:], 0x7FFFFFFF)
	return []exifSeed{
		{"jpeg-app1-6", "jpeg", 6, cat(soi, jpegSeg(0xE1, exif), eoi)},
		{"jpeg-xmp-then-exif-6", "jpeg", 6, cat(soi, jpegSeg(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x/>")), jpegSeg(0xE1, exif), eoi)},
		{"jpeg-exif-after-sos", "jpeg", 1, cat(soi, jpegSeg(0xDA, []byte{1, 1, 0, 0, 63, 0}), jpegSeg(0xE1, exif), eoi)},
		{"jpeg-segment-past-end", "jpeg", 1, cat(soi, []byte{0xFF, 0xE1, 0xFF, 0xF0}, exif)},
		{"png-exif-8", "png", 8, cat(pngSig, ihdr, imagechecktest.PNGChunk("eXIf", imagechecktest.EXIF(8, true)), imagechecktest.PNGChunk("IEND", nil))},
		{"png-chunk-length-huge", "png", 1, cat(pngSig, ihdr, []byte{0xFF, 0xFF, 0xFF, 0xFF}, []byte("eXIf"), imagechecktest.EXIF(8, true))},
		{"webp-exif-prefixed-3", "webp", 3, riffWebP(webpChunk("VP8X", make([]byte, 10)), webpChunk("EXIF", append([]byte("Exif\x00\x00"), imagechecktest.EXIF(3, false)...)))},
		{"webp-odd-chunk-then-exif-2", "webp", 2, riffWebP(webpChunk("ICCP", []byte{1, 2, 3}), webpChunk("EXIF", imagechecktest.EXIF(2, true)))},
		{"webp-chunk-past-end", "webp", 1, riffWebP([]byte("EXIF\xff\xff\xff\x7f"), imagechecktest.EXIF(2, true))},
		{"tiff-be-5", "tiff", 5, imagechecktest.EXIF(5, true)},
		{"tiff-long-7", "tiff", 7, long},
		{"tiff-ifd-past-end", "tiff", 1, farIFD},
		{"tiff-entry-count-huge", "tiff", 1, manyEntries},
		{"tiff-value-offset-past-end", "tiff", 1, outOfLine},
		{"tiff-orientation-9", "tiff", 1, imagechecktest.EXIF(9, false)},
	}
}

func seedFile(data []byte) []byte {
	return []byte("go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n")
}

// TestEXIFSeeds: each seed reads as its container's orientation, and the
// committed corpus is the one exifSeeds builds (-update-seeds rewrites it).
func TestEXIFSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzEXIF")
	if *updateSeeds {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range exifSeeds() {
		if got := orientation(s.format, s.data); got != s.want {
			t.Errorf("%s: orientation %d, want %d", s.name, got, s.want)
		}
		path := filepath.Join(dir, s.name)
		if *updateSeeds {
			if err := os.WriteFile(path, seedFile(s.data), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, seedFile(s.data)) {
			t.Errorf("%s differs from exifSeeds (go test -run TestEXIFSeeds -update-seeds): %v", path, err)
		}
	}
}

// FuzzEXIF feeds arbitrary bytes to the EXIF reader, as each container and
// as the EXIF payload inside each: it must not panic, must hand back only
// bytes of its input, and must answer an orientation in 1–8. Inspect, which
// reads the same headers, must not panic either.
func FuzzEXIF(f *testing.F) {
	for _, s := range exifSeeds() {
		f.Add(s.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		payload := append([]byte("Exif\x00\x00"), data[:min(len(data), 0xFFF0)]...)
		wrapped := map[string][]byte{
			"jpeg": append(append([]byte{0xFF, 0xD8}, jpegSeg(0xE1, payload)...), 0xFF, 0xD9),
			"png":  append([]byte("\x89PNG\r\n\x1a\n"), imagechecktest.PNGChunk("eXIf", data)...),
			"webp": riffWebP(webpChunk("EXIF", data)),
			"tiff": data,
		}
		for format, w := range wrapped {
			for _, b := range [][]byte{data, w} {
				if o := orientation(format, b); o < 1 || o > 8 {
					t.Fatalf("%s: orientation %d", format, o)
				}
				if blk := exifBlock(format, b); len(blk) > 0 && !within(blk, b) {
					t.Fatalf("%s: EXIF block is not a part of the input", format)
				}
			}
		}
		for _, format := range []string{"jpeg", "bmp", "tiff"} {
			headerDepth(format, data)
		}
		Inspect(data, Spec{MaxPixels: 1 << 16})
	})
}

// within reports whether sub is a sub-slice of b's memory.
func within(sub, b []byte) bool {
	for i := range b {
		if &b[i] == &sub[0] {
			return i+len(sub) <= len(b)
		}
	}
	return false
}
