package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/sdktest"
)

func pngOf(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{255, 255, 255, 255})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// Every bad input to OCR answers its documented code, never a 500.
func TestOCRInputErrors(t *testing.T) {
	e := newEnv(t, func(c *aisdcfg.Config) { c.Engines = []string{"ocr"} })
	requireModels(t, e)
	pid := e.s.Root.Project.ID
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/white.png" {
			w.Write(pngOf(64, 64))
			return
		}
		http.NotFound(w, r)
	}))
	defer files.Close()
	if err := e.s.OBS.CreateBucket(context.Background(), pid, "scans"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.OBS.Put(context.Background(), "scans", "empty.png", bytes.NewReader(nil), 0, "image/png"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, body, code string
	}{
		{"malformed json", `{"image":`, "ModelArts.4105"},
		{"wrong type", `{"image":123}`, "AIS.0101"},
		{"neither image nor url", `{}`, "AIS.0101"},
		{"both image and url", `{"image":"` + b64(pngOf(64, 64)) + `","url":"http://x.test/a.png"}`, "AIS.0101"},
		{"bad base64", `{"image":"@@@not-base64@@@"}`, "AIS.0101"},
		{"unsupported language", `{"image":"` + b64(pngOf(64, 64)) + `","language":"tlh"}`, "AIS.0101"},
		{"not an image", `{"image":"` + b64([]byte("just some text, not an image at all")) + `"}`, "AIS.0102"},
		{"too small", `{"image":"` + b64(pngOf(10, 10)) + `"}`, "AIS.0103"},
		{"loopback url", `{"url":"` + files.URL + `/white.png"}`, "ModelArts.4601"},
		{"private url", `{"url":"http://10.0.0.1/a.png"}`, "ModelArts.4601"},
		{"metadata url", `{"url":"http://169.254.169.254/latest/meta-data"}`, "ModelArts.4601"},
		{"missing object", `{"url":"obs://scans/nope.png"}`, "ModelArts.4706"},
		{"malformed obs url", `{"url":"obs://"}`, "ModelArts.4703"},
		{"empty object", `{"url":"obs://scans/empty.png"}`, "AIS.0101"},
	}
	url := e.srv.URL + "/v2/" + pid + "/ocr/general-text"
	for _, c := range cases {
		resp, b := do(t, sdktest.Signed(t, "POST", url, []byte(c.body), rootAK, rootSK, time.Now()))
		if resp.StatusCode != 400 || b.Code != c.code {
			t.Errorf("%s: %d %+v, want 400 %s", c.name, resp.StatusCode, b, c.code)
		}
	}
	// A blank page is not an error: no text, no blocks.
	resp, _ := do(t, sdktest.Signed(t, "POST", url, []byte(`{"image":"`+b64(pngOf(200, 100))+`"}`), rootAK, rootSK, time.Now()))
	if resp.StatusCode != 200 {
		t.Fatalf("blank page: %d", resp.StatusCode)
	}
}

// craftedJPEGs are two JPEGs whose scan header names Huffman table 4 (of
// 0-3), which once indexed the decoder out of bounds: in the only frame
// (refused as damaged), and in a second frame after a valid one whose EOI
// is missing (the first frame is read, as libjpeg reads it).
func craftedJPEGs(t *testing.T) (only, second []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 32))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	src := b.Bytes()
	bad := append([]byte(nil), src...)
	i := bytes.Index(bad, []byte{0xFF, 0xDA})
	if i < 0 {
		t.Fatal("no SOS")
	}
	bad[i+6] = 0x40 // first component: DC table 4
	return bad, append(append([]byte(nil), src[:len(src)-2]...), bad[2:]...)
}

// TestCraftedJPEGCannotTakeOCRDown: a burst of crafted JPEGs is answered as
// bad images, and another tenant's OCR keeps working (the crasher once
// panicked the decoder and its burst opened the breaker shared by all).
func TestCraftedJPEGCannotTakeOCRDown(t *testing.T) {
	e := newEnv(t, func(c *aisdcfg.Config) { c.Engines = []string{"ocr"} })
	requireModels(t, e)
	pid := e.s.Root.Project.ID
	url := e.srv.URL + "/v2/" + pid + "/ocr/general-text"
	only, second := craftedJPEGs(t)
	bad := []byte(`{"image":"` + base64.StdEncoding.EncodeToString(only) + `"}`)
	after := []byte(`{"image":"` + base64.StdEncoding.EncodeToString(second) + `"}`)
	for i := 0; i < 40; i++ {
		resp, b := do(t, sdktest.Signed(t, "POST", url, bad, rootAK, rootSK, time.Now()))
		if resp.StatusCode != 400 || b.Code != "AIS.0104" {
			t.Fatalf("crafted JPEG %d: %d %+v, want 400 AIS.0104", i, resp.StatusCode, b)
		}
		if resp, b := do(t, sdktest.Signed(t, "POST", url, after, rootAK, rootSK, time.Now())); resp.StatusCode != 200 {
			t.Fatalf("crafted second frame %d: %d %+v, want the first frame read", i, resp.StatusCode, b)
		}
	}
	good := []byte(`{"image":"` + base64.StdEncoding.EncodeToString(pngOf(200, 100)) + `"}`)
	if resp, b := do(t, sdktest.Signed(t, "POST", url, good, rootAK, rootSK, time.Now())); resp.StatusCode != 200 {
		t.Fatalf("OCR after the burst: %d %+v", resp.StatusCode, b)
	}
}

// TestDecodeBombsRefusedCheaply: an image inside the published general-text
// limits whose pixels would take gigabytes (a 12600×12600 16-bit PNG header)
// does not grow the server. Such a PNG is decoded reduced, row by row, so
// the size alone no longer refuses it; this one is a header without pixel
// data, answered as an unreadable image once the stream runs out.
func TestDecodeBombsRefusedCheaply(t *testing.T) {
	e := newEnv(t, func(c *aisdcfg.Config) { c.Engines = []string{"ocr"} })
	requireModels(t, e)
	url := e.srv.URL + "/v2/" + e.s.Root.Project.ID + "/ocr/general-text"
	var ihdr bytes.Buffer
	ihdr.WriteString("\x89PNG\r\n\x1a\n")
	chunk := []byte("IHDR\x00\x00\x31\x38\x00\x00\x31\x38\x10\x06\x00\x00\x00") // 12600×12600, 16-bit RGBA
	binary.Write(&ihdr, binary.BigEndian, uint32(13))
	ihdr.Write(chunk)
	binary.Write(&ihdr, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	body := []byte(`{"image":"` + base64.StdEncoding.EncodeToString(ihdr.Bytes()) + `"}`)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	resp, b := do(t, sdktest.Signed(t, "POST", url, body, rootAK, rootSK, time.Now()))
	runtime.ReadMemStats(&after)
	if resp.StatusCode != 400 || b.Code != "AIS.0104" {
		t.Fatalf("16-bit 12600² PNG header without pixels: %d %+v, want 400 AIS.0104", resp.StatusCode, b)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Fatalf("refusing it allocated %d MB", grew>>20)
	}
}
