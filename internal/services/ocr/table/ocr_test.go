package table

import (
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
	"github.com/aisd/aisd/internal/services/ocr/table/tabletest"
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

func testPipeline(t testing.TB) *pipeline.Pipeline {
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
	return shared
}

func render(t testing.TB, s tabletest.Spec) *image.RGBA {
	t.Helper()
	img, err := s.Render()
	need(t, err, "fixture font")
	return img
}

func analyse(t testing.TB, p *pipeline.Pipeline, img image.Image, o Options) Page {
	t.Helper()
	res, err := p.Run(context.Background(), img, pipeline.RunOptions{CharBoxes: true})
	if err != nil {
		t.Fatal(err)
	}
	return Analyse(img, res.Lines, o)
}

// cellKey is a cell as the fixture states it.
func cellKey(row, col, rs, cs int, text string) string {
	return fmt.Sprintf("r%d c%d %dx%d %q", row, col, rs, cs, text)
}

func wantCells(s tabletest.Spec) []string {
	var out []string
	for _, c := range s.Cells {
		out = append(out, cellKey(c.Row, c.Col, c.RowSpan, c.ColSpan, c.Text))
	}
	sort.Strings(out)
	return out
}

func gotCells(t Table) []string {
	var out []string
	for _, c := range t.Cells {
		out = append(out, cellKey(c.Row, c.Col, c.RowSpan, c.ColSpan, c.Text()))
	}
	sort.Strings(out)
	return out
}

// cellAccuracy is the fraction of the fixture's cells found exactly
// (position, spans and text), over the larger of the two cell counts.
func cellAccuracy(want, got []string) float64 {
	have := map[string]int{}
	for _, g := range got {
		have[g]++
	}
	n := 0
	for _, w := range want {
		if have[w] > 0 {
			have[w]--
			n++
		}
	}
	return float64(n) / float64(max(len(want), len(got)))
}

func TestBorderedWithMergedCells(t *testing.T) {
	p := testPipeline(t)
	page := analyse(t, p, render(t, tabletest.Invoice), Options{})
	if len(page.Tables) != 1 {
		t.Fatalf("%d tables", len(page.Tables))
	}
	tb := page.Tables[0]
	if !tb.Bordered || tb.Rows != 5 || tb.Cols != 4 {
		t.Errorf("table %dx%d bordered=%v", tb.Rows, tb.Cols, tb.Bordered)
	}
	if got, want := strings.Join(gotCells(tb), "\n"), strings.Join(wantCells(tabletest.Invoice), "\n"); got != want {
		t.Errorf("cells:\n%s\nwant\n%s", got, want)
	}
	var text []string
	for _, p := range page.Text {
		text = append(text, p.Text)
	}
	if fmt.Sprint(text) != "[采购清单 审核人：王芳]" {
		t.Errorf("text outside the table: %q", text)
	}
}

func TestBorderless(t *testing.T) {
	p := testPipeline(t)
	page := analyse(t, p, render(t, tabletest.Schedule), Options{})
	if len(page.Tables) != 1 {
		t.Fatalf("%d tables", len(page.Tables))
	}
	tb := page.Tables[0]
	if tb.Bordered || tb.Rows != 4 || tb.Cols != 3 {
		t.Errorf("table %dx%d bordered=%v", tb.Rows, tb.Cols, tb.Bordered)
	}
	if got, want := strings.Join(gotCells(tb), "\n"), strings.Join(wantCells(tabletest.Schedule), "\n"); got != want {
		t.Errorf("cells:\n%s\nwant\n%s", got, want)
	}
	// with_borders: only ruled tables.
	if page := analyse(t, p, render(t, tabletest.Schedule), Options{BorderedOnly: true}); len(page.Tables) != 0 || len(page.Text) != 13 {
		t.Errorf("bordered only: %d tables, %d text lines", len(page.Tables), len(page.Text))
	}
}

// TestRandomBorderedAccuracy: cell accuracy over generated bordered tables
// (the figure docs/benchmarks-table.md reports) stays at or above 95 %.
func TestRandomBorderedAccuracy(t *testing.T) {
	p := testPipeline(t)
	var sum float64
	const n = 12
	for seed := uint64(1); seed <= n; seed++ {
		s := tabletest.Random(seed)
		page := analyse(t, p, render(t, s), Options{BorderedOnly: true})
		acc := 0.0
		if len(page.Tables) == 1 {
			acc = cellAccuracy(wantCells(s), gotCells(page.Tables[0]))
		}
		if acc < 1 {
			t.Logf("seed %d: accuracy %.3f (%d tables)", seed, acc, len(page.Tables))
			if len(page.Tables) == 1 {
				t.Logf("got\n%s\nwant\n%s", strings.Join(gotCells(page.Tables[0]), "\n"), strings.Join(wantCells(s), "\n"))
			}
		}
		sum += acc
	}
	if acc := sum / n; acc < 0.95 {
		t.Errorf("cell accuracy %.3f < 0.95", acc)
	}
}

// BenchmarkAnalyse: structure and cell assignment alone, OCR excluded.
func BenchmarkAnalyse(b *testing.B) {
	p := testPipeline(b)
	img := render(b, tabletest.Random(3))
	res, err := p.Run(context.Background(), img, pipeline.RunOptions{CharBoxes: true})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Analyse(img, res.Lines, Options{})
	}
}

// BenchmarkPage: a whole bordered page, OCR with character boxes and
// table analysis (what general-table costs per page, minus decoding).
func BenchmarkPage(b *testing.B) {
	p := testPipeline(b)
	img := render(b, tabletest.Random(3))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		analyse(b, p, img, Options{})
	}
}
