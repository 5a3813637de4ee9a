package pipeline

import (
	"encoding/binary"
	"errors"
	"image"
	"os"
	"path/filepath"
	"testing"
)

// declaredSize reads the frame size from the first SOF0/SOF1 header, the
// only frame the decoder accepts, walking the segments before it.
func declaredSize(b []byte) (w, h int, ok bool) {
	for i := 2; i+1 < len(b); {
		if b[i] != 0xFF {
			i++
			continue
		}
		m := b[i+1]
		switch {
		case m == 0xFF || m == 0x00:
			i++
			continue
		case m >= 0xD0 && m <= 0xD7 || m == 0x01:
			i += 2
			continue
		case m == 0xD9 || m == 0xDA:
			return 0, 0, false
		}
		if i+4 > len(b) {
			return 0, 0, false
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if (m == 0xC0 || m == 0xC1) && i+9 <= len(b) {
			return int(binary.BigEndian.Uint16(b[i+7:])), int(binary.BigEndian.Uint16(b[i+5:])), true
		}
		i += 2 + n
	}
	return 0, 0, false
}

// FuzzDecodeJPEG: no input panics or hangs the decoder; a failure is one
// of its three errors; a success has the size its frame header declares,
// and converts to BGR (the upsampling and colour code run on it too).
// Seeds: testdata/fuzz/FuzzDecodeJPEG (from tools/jpeggolden, plus every
// crasher found) and every golden JPEG.
func FuzzDecodeJPEG(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(jpegGoldenDir, "*.jpg"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := decodeJPEGExact(data)
		if err != nil {
			if img != nil {
				t.Fatalf("image and error %v", err)
			}
			if !errors.Is(err, errJPEGCorrupt) && !errors.Is(err, errJPEGUnsupported) && !errors.Is(err, errJPEGTooLarge) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		w, h, ok := declaredSize(data)
		if !ok {
			t.Fatal("decoded without a frame header")
		}
		if img.Bounds() != image.Rect(0, 0, w, h) {
			t.Fatalf("bounds %v, frame header declares %dx%d", img.Bounds(), w, h)
		}
		if m := fromImage(img); m.w != w || m.h != h || len(m.pix) != 3*w*h {
			t.Fatalf("BGR %dx%d (%d bytes) for %dx%d", m.w, m.h, len(m.pix), w, h)
		}
	})
}
