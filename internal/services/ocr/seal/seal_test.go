package seal

import (
	"context"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
	"github.com/aisd/aisd/internal/services/ocr/raster"
	"github.com/aisd/aisd/internal/services/ocr/seal/sealtest"
)

func need(t testing.TB, err error, what string) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
		t.Fatalf("%s: %v", what, err)
	}
	t.Skipf("%s: %v", what, err)
}

var (
	loadOnce sync.Once
	shared   *pipeline.Pipeline
	loadErr  error
)

func reader(t testing.TB) Reader {
	t.Helper()
	root, err := engine.ModelsRoot()
	need(t, err, "models")
	for _, f := range []string{engine.LibPath(root), filepath.Join(root, pipeline.ModelDir, pipeline.RecFile)} {
		_, err := os.Stat(f)
		need(t, err, "OCR models (aisd models install onnxruntime ppocr-v4)")
	}
	loadOnce.Do(func() {
		shared, loadErr = pipeline.Load(root, pipeline.DefaultConfig(), pipeline.LoadOptions{Options: engine.Options{IntraOpThreads: 2, PoolSize: 1}})
	})
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return func(ctx context.Context, img image.Image) ([]pipeline.Line, error) {
		res, err := shared.Run(ctx, img, pipeline.RunOptions{Quick: true})
		return res.Lines, err
	}
}

func save(t *testing.T, name string, img image.Image) {
	if d := os.Getenv("SEAL_DEBUG_DIR"); d != "" {
		f, _ := os.Create(filepath.Join(d, name))
		defer f.Close()
		_ = png.Encode(f, img)
	}
}

func TestDetectAndRead(t *testing.T) {
	page, err := sealtest.Contract.Render()
	need(t, err, "fixture font")
	save(t, "page.png", page)
	seals := Detect(page)
	if len(seals) != 1 {
		t.Fatalf("%d seals", len(seals))
	}
	s := seals[0]
	st := sealtest.Contract.Stamp
	if s.Type != "circle" || s.Colour != "red" || s.Confidence < 0.9 {
		t.Errorf("seal %s %s confidence %.3f", s.Type, s.Colour, s.Confidence)
	}
	want := raster.Rect{X0: int(st.Cx - st.R), Y0: int(st.Cy - st.R), X1: int(st.Cx + st.R), Y1: int(st.Cy + st.R)}
	if d := max(abs(s.Box.X0-want.X0), abs(s.Box.Y0-want.Y0), abs(s.Box.X1-want.X1), abs(s.Box.Y1-want.Y1)); d > 3 {
		t.Errorf("box %+v, want %+v", s.Box, want)
	}
	o, i := s.textBand()
	save(t, "strip.png", s.Unwarp(o, i))
	save(t, "centre.png", s.centreText(i))
	if err := s.Read(context.Background(), reader(t)); err != nil {
		t.Fatal(err)
	}
	t.Logf("band %.2f-%.2f words %+v", i, o, s.Words)
	if len(s.Words) != 2 || s.Words[0].Text != st.Arc || s.Words[1].Text != st.Centre {
		t.Errorf("words %+v, want %q, %q", s.Words, st.Arc, st.Centre)
	}
	er := Erase(page, seals)
	save(t, "erased.png", er)
	if n := len(Detect(er)); n != 0 {
		t.Errorf("%d seals left after erasing", n)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// BenchmarkSealPage: detection, unwarping and reading of the contract
// page's seal, and its erasure (the figures in docs/benchmarks-table.md).
func BenchmarkSealPage(b *testing.B) {
	page, err := sealtest.Contract.Render()
	need(b, err, "fixture font")
	read := reader(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		seals := Detect(page)
		for k := range seals {
			if err := seals[k].Read(context.Background(), read); err != nil {
				b.Fatal(err)
			}
		}
		Erase(page, seals)
	}
}

// TestShapesAndColours: a blue oval stamp is a blue ellipse; red ink that
// is no outline (a red heading) is not a seal.
func TestShapesAndColours(t *testing.T) {
	p := sealtest.Contract
	p.Stamp.Ink = color.RGBA{30, 60, 190, 255}
	p.Stamp.Squash = 0.68
	img, err := p.Render()
	need(t, err, "fixture font")
	// A red title bar above the text.
	for y := 20; y < 60; y++ {
		for x := 300; x < 700; x++ {
			img.Set(x, y, sealtest.Red)
		}
	}
	seals := Detect(img)
	if len(seals) != 1 {
		t.Fatalf("%d seals", len(seals))
	}
	if s := seals[0]; s.Type != "ellipse" || s.Colour != "blue" || math.Abs(s.B/s.A-0.68) > 0.03 {
		t.Errorf("seal %s %s axes %.0f/%.0f", s.Type, s.Colour, s.A, s.B)
	}
}
