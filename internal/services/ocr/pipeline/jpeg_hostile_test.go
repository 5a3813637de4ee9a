package pipeline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// jpegSeg is one marker segment of a JPEG header: off is the offset of its
// 0xFF, n the length field (0 for markers without one).
type jpegSeg struct {
	marker byte
	off, n int
}

// jpegSegments lists the segments from SOI up to and including the first
// SOS, whose entropy-coded data is not walked.
func jpegSegments(t testing.TB, b []byte) []jpegSeg {
	t.Helper()
	var segs []jpegSeg
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			t.Fatalf("no marker at offset %d", i)
		}
		m := b[i+1]
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		segs = append(segs, jpegSeg{m, i, n})
		if m == 0xDA {
			return segs
		}
		i += 2 + n
	}
	t.Fatal("no SOS")
	return nil
}

func findSeg(t testing.TB, b []byte, marker byte) jpegSeg {
	t.Helper()
	for _, s := range jpegSegments(t, b) {
		if s.marker == marker {
			return s
		}
	}
	t.Fatalf("no marker 0x%02X", marker)
	return jpegSeg{}
}

func goldenJPEG(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(jpegGoldenDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func patched(b []byte, edit func(c []byte) []byte) []byte {
	return edit(append([]byte(nil), b...))
}

// TestJPEGHostile feeds the decoder damaged headers: each must come back
// as an ordinary error of the expected class, never a panic. The first
// is the review's crasher, a scan naming Huffman table 4 (it indexed past
// the four tables).
func TestJPEGHostile(t *testing.T) {
	src := goldenJPEG(t, "q75_420.jpg")
	gray := goldenJPEG(t, "gray_q75.jpg")
	sos := findSeg(t, src, 0xDA)
	sof := findSeg(t, src, 0xC0)
	dqt := findSeg(t, src, 0xDB)
	dht := findSeg(t, src, 0xC4)
	graySOF := findSeg(t, gray, 0xC0)
	// Offsets inside SOF: +4 precision, +5 height, +7 width, +9 count,
	// then 3 bytes per component (id, sampling, Tq) from +10.
	// Inside SOS: +4 count, then 2 bytes per component (id, Td<<4|Ta)
	// from +5.
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"SOS DC table 4", patched(src, func(c []byte) []byte { c[sos.off+6] = 0x40; return c }), errJPEGCorrupt},
		{"SOS AC table 4", patched(src, func(c []byte) []byte { c[sos.off+6] = 0x04; return c }), errJPEGCorrupt},
		{"SOS DC table 15", patched(src, func(c []byte) []byte { c[sos.off+8] = 0xF1; return c }), errJPEGCorrupt},
		{"SOS undefined table 3", patched(src, func(c []byte) []byte { c[sos.off+6] = 0x33; return c }), errJPEGCorrupt},
		{"SOS no components", patched(src, func(c []byte) []byte { c[sos.off+4] = 0; return c }), errJPEGCorrupt},
		{"SOS more components than the frame", patched(src, func(c []byte) []byte { c[sos.off+4] = 4; return c }), errJPEGCorrupt},
		{"SOS unknown component", patched(src, func(c []byte) []byte { c[sos.off+5] = 9; return c }), errJPEGCorrupt},
		{"SOS component twice", patched(src, func(c []byte) []byte { c[sos.off+7] = c[sos.off+5]; return c }), errJPEGCorrupt},
		{"SOS before SOF", patched(src, func(c []byte) []byte {
			// Move the SOF segment after the SOS header.
			f := append([]byte(nil), c[sof.off:sof.off+2+sof.n]...)
			c = append(c[:sof.off:sof.off], c[sof.off+2+sof.n:]...)
			at := sos.off - len(f) + 2 + sos.n
			return append(c[:at:at], append(f, c[at:]...)...)
		}), errJPEGCorrupt},
		{"DQT table 5", patched(src, func(c []byte) []byte { c[dqt.off+4] = 0x05; return c }), errJPEGCorrupt},
		{"DQT precision 2", patched(src, func(c []byte) []byte { c[dqt.off+4] = 0x20; return c }), errJPEGCorrupt},
		{"DQT truncated", patched(src, func(c []byte) []byte {
			binary.BigEndian.PutUint16(c[dqt.off+2:], 40)
			return c
		}), errJPEGCorrupt},
		{"DHT table 4", patched(src, func(c []byte) []byte { c[dht.off+4] = 0x04; return c }), errJPEGCorrupt},
		{"DHT class 2", patched(src, func(c []byte) []byte { c[dht.off+4] = 0x20; return c }), errJPEGCorrupt},
		{"DHT truncated", patched(src, func(c []byte) []byte {
			binary.BigEndian.PutUint16(c[dht.off+2:], 12)
			return c
		}), errJPEGCorrupt},
		{"DHT overfull code lengths", patched(src, func(c []byte) []byte {
			// Two codes of length 1 leave none for longer lengths;
			// libjpeg refuses the table when a scan uses it. (The table
			// is the standard DC luminance one; its total stays 12.)
			c[dht.off+5] += 2
			c[dht.off+6]--
			c[dht.off+7]--
			return c
		}), errJPEGCorrupt},
		{"SOF no components", patched(src, func(c []byte) []byte {
			c[sof.off+9] = 0
			binary.BigEndian.PutUint16(c[sof.off+2:], 8)
			return append(c[:sof.off+10:sof.off+10], c[sof.off+2+sof.n:]...)
		}), errJPEGCorrupt},
		{"SOF length mismatch", patched(src, func(c []byte) []byte { c[sof.off+9] = 2; return c }), errJPEGCorrupt},
		{"SOF zero height", patched(src, func(c []byte) []byte { c[sof.off+5], c[sof.off+6] = 0, 0; return c }), errJPEGCorrupt},
		{"SOF quantisation table 4", patched(src, func(c []byte) []byte { c[sof.off+12] = 4; return c }), errJPEGCorrupt},
		{"SOF sampling 0", patched(src, func(c []byte) []byte { c[sof.off+11] = 0x02; return c }), errJPEGCorrupt},
		{"SOF sampling 5", patched(src, func(c []byte) []byte { c[sof.off+11] = 0x52; return c }), errJPEGCorrupt},
		{"SOF sampling 3x1", patched(src, func(c []byte) []byte { c[sof.off+11] = 0x31; return c }), errJPEGUnsupported},
		{"SOF twice", patched(src, func(c []byte) []byte {
			f := append([]byte(nil), c[sof.off:sof.off+2+sof.n]...)
			return append(c[:sof.off:sof.off], append(f, c[sof.off:]...)...)
		}), errJPEGCorrupt},
		{"SOF 16-bit precision", patched(src, func(c []byte) []byte { c[sof.off+4] = 16; return c }), errJPEGUnsupported},
		{"huge dimensions, tiny data", patched(src, func(c []byte) []byte {
			binary.BigEndian.PutUint16(c[sof.off+5:], 0xFFFF)
			binary.BigEndian.PutUint16(c[sof.off+7:], 0xFFFF)
			return c
		}), errJPEGTooLarge},
		{"large grey dimensions, tiny data", patched(gray, func(c []byte) []byte {
			// 400 megasamples: under jpegMaxSamples, so only the data
			// bound stops it.
			binary.BigEndian.PutUint16(c[graySOF.off+5:], 20000)
			binary.BigEndian.PutUint16(c[graySOF.off+7:], 20000)
			return c
		}), errJPEGCorrupt},
		{"segment length past the end", patched(src, func(c []byte) []byte {
			binary.BigEndian.PutUint16(c[dqt.off+2:], 0xFFFF)
			return c
		}), errJPEGCorrupt},
		{"segment length 1", patched(src, func(c []byte) []byte {
			binary.BigEndian.PutUint16(c[dqt.off+2:], 1)
			return c
		}), errJPEGCorrupt},
		{"DRI length", patched(src, func(c []byte) []byte {
			at := sos.off
			return append(c[:at:at], append([]byte{0xFF, 0xDD, 0x00, 0x03, 0x00}, c[at:]...)...)
		}), errJPEGCorrupt},
		{"unknown marker", patched(src, func(c []byte) []byte {
			at := sos.off
			return append(c[:at:at], append([]byte{0xFF, 0xF3, 0x00, 0x02}, c[at:]...)...)
		}), errJPEGCorrupt},
		{"second SOI", patched(src, func(c []byte) []byte {
			at := sos.off
			return append(c[:at:at], append([]byte{0xFF, 0xD8}, c[at:]...)...)
		}), errJPEGCorrupt},
		{"cut inside DQT", src[:dqt.off+20], errJPEGCorrupt},
		{"cut inside the SOF length", src[:sof.off+3], errJPEGCorrupt},
		{"cut after SOF", src[:sof.off+2+sof.n], errJPEGCorrupt},
		{"cut inside SOS", src[:sos.off+7], errJPEGCorrupt},
		{"EOI before any scan", append(append([]byte(nil), src[:sos.off]...), 0xFF, 0xD9), errJPEGCorrupt},
		{"SOI only", []byte{0xFF, 0xD8, 0xFF, 0xD9}, errJPEGCorrupt},
		{"no SOI", []byte("\x00\x00\x00\x00"), errJPEGCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img, err := decodeJPEGExact(c.data)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			t.Log(err)
			if img != nil {
				t.Fatal("an image came back with the error")
			}
			if _, _, err := Decode(c.data); err == nil && !errors.Is(c.want, errJPEGUnsupported) {
				t.Fatal("Decode accepted it")
			}
		})
	}
}

// TestJPEGHugeHeaderAllocatesLittle: a header declaring 65535×65535, or a
// 400-megasample grey frame, with a few hundred bytes of data must be
// refused before the planes are allocated.
func TestJPEGHugeHeaderAllocatesLittle(t *testing.T) {
	gray := goldenJPEG(t, "gray_q75.jpg")
	sof := findSeg(t, gray, 0xC0)
	for _, dim := range []uint16{0xFFFF, 20000, 4000} {
		b := patched(gray, func(c []byte) []byte {
			binary.BigEndian.PutUint16(c[sof.off+5:], dim)
			binary.BigEndian.PutUint16(c[sof.off+7:], dim)
			return c
		})
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := decodeJPEGExact(b)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatalf("%d×%d from %d bytes decoded", dim, dim, len(b))
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Errorf("%d×%d from %d bytes: allocated %d bytes before refusing (%v)", dim, dim, len(b), n, err)
		}
	}
}

// TestJPEGStopsAtFirstImage: what follows a complete single-scan image
// (here a second JPEG whose scan names Huffman table 4, the review's
// crasher) cannot change it, as for libjpeg and image/jpeg.
func TestJPEGStopsAtFirstImage(t *testing.T) {
	src := goldenJPEG(t, "q75_420.jpg")
	sos := findSeg(t, src, 0xDA)
	bad := patched(src, func(c []byte) []byte { c[sos.off+6] = 0x40; return c })
	want, err := decodeJPEGExact(src)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"after EOI":         append(append([]byte(nil), src...), bad...),
		"EOI missing":       append(append([]byte(nil), src[:len(src)-2]...), bad[2:]...),
		"trailing garbage":  append(append([]byte(nil), src...), []byte("\xff\x00\xff\xda\x00\x02garbage")...),
		"stuffed after EOI": append(append([]byte(nil), src[:len(src)-2]...), 0xFF, 0x00, 0x12, 0xFF, 0x00, 0xFF, 0xD9),
	} {
		got, err := decodeJPEGExact(data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !bytes.Equal(got.(*image.YCbCr).Y, want.(*image.YCbCr).Y) || !bytes.Equal(got.(*image.YCbCr).Cr, want.(*image.YCbCr).Cr) {
			t.Errorf("%s: pixels differ from the image alone", name)
		}
	}
}
