package imagecheck

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"runtime"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/catalog/catalogtest"
)

// pngHeader is the signature and IHDR of a w×h PNG of the given depth and
// colour type, with no pixel data: all a decode bomb needs.
func pngHeader(w, h uint32, depth, colorType byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = depth, colorType
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// TestDecodeBombRefusedBeforeDecoding: a 12600×12600 16-bit RGBA PNG is
// inside the general-text limits (30000 px, 160 Mpx) but decodes to 1.3 GB;
// it is refused from its header, allocating next to nothing.
func TestDecodeBombRefusedBeforeDecoding(t *testing.T) {
	bomb := pngHeader(12600, 12600, 16, 6)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Check(bomb, OCRGeneralText, InRequest(context.Background()))
	runtime.ReadMemStats(&after)
	catalogtest.WantKind(t, err, catalog.KindImageSize)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
		t.Fatalf("refusing the bomb allocated %d MB", grew>>20)
	}
}

// TestDecodeBudgetIsSharedAndWaitedFor: concurrent requests share one
// budget; a request waits for its share, and answers busy when it waits
// too long.
func TestDecodeBudgetIsSharedAndWaitedFor(t *testing.T) {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 100, 100)))
	data := buf.Bytes()
	h, err := Inspect(data, OCRGeneralText)
	if err != nil {
		t.Fatal(err)
	}
	SetDecodeBudget(h.Cost() * 3 / 2) // room for one at a time
	defer SetDecodeBudget(0)
	oldWait := maxBudgetWait
	maxBudgetWait = 100 * time.Millisecond
	defer func() { maxBudgetWait = oldWait }()

	first, endFirst := context.WithCancel(context.Background())
	if _, err := Check(data, OCRGeneralText, InRequest(first)); err != nil {
		t.Fatal(err)
	}
	// The budget is taken: a second request is busy after its wait.
	_, err = Check(data, OCRGeneralText, InRequest(context.Background()))
	catalogtest.WantKind(t, err, catalog.KindTooManyRequests)

	// It gets the budget as soon as the first request ends.
	done := make(chan error, 1)
	second, endSecond := context.WithCancel(context.Background())
	defer endSecond()
	go func() { _, err := Check(data, OCRGeneralText, InRequest(second)); done <- err }()
	time.Sleep(20 * time.Millisecond)
	endFirst()
	if err := <-done; err != nil {
		t.Fatalf("second request after the first ended: %v", err)
	}
}
