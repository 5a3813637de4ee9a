package table

import (
	"bytes"
	"image"
	"image/jpeg"
	"syscall"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/services/ocr/table/tabletest"
	"github.com/aisd/aisd/internal/services/ocr/template/templatetest"
)

// variants are the conditions the accuracy benchmark reads each generated
// table in: as drawn, as a JPEG at quality 60, and photographed slightly
// turned and scaled.
var variants = []struct {
	name  string
	apply func(testing.TB, *image.RGBA) image.Image
}{
	{"clean", func(_ testing.TB, img *image.RGBA) image.Image { return img }},
	{"jpeg60", func(t testing.TB, img *image.RGBA) image.Image {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 60}); err != nil {
			t.Fatal(err)
		}
		out, err := jpeg.Decode(&b)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}},
	{"turned1.5", func(_ testing.TB, img *image.RGBA) image.Image {
		w, h := img.Rect.Dx(), img.Rect.Dy()
		return templatetest.Warp(img, templatetest.Similarity(1.5, 0.95, float64(w)/2, float64(h)/2, 0, 0), w, h)
	}},
}

// BenchmarkBorderedAccuracy reads generated bordered tables (random sizes,
// text and merged cells) in each variant and reports the cell accuracy (a
// cell counts when its row, column, spans and text are all right) and the
// time per page (OCR with character boxes plus table analysis). The
// figures are in docs/benchmarks-table.md.
func BenchmarkBorderedAccuracy(b *testing.B) {
	p := testPipeline(b)
	const pages = 8
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			var acc float64
			var elapsed, cpu time.Duration
			n := 0
			for i := 0; i < b.N; i++ {
				for seed := uint64(1); seed <= pages; seed++ {
					s := tabletest.Random(seed)
					img := v.apply(b, render(b, s))
					start, c0 := time.Now(), cpuTime()
					page := analyse(b, p, img, Options{BorderedOnly: true})
					elapsed += time.Since(start)
					cpu += cpuTime() - c0
					a := 0.0
					if len(page.Tables) == 1 {
						a = cellAccuracy(wantCells(s), gotCells(page.Tables[0]))
					}
					acc += a
					n++
				}
			}
			b.ReportMetric(acc/float64(n)*100, "cell-acc-%")
			b.ReportMetric(float64(elapsed.Milliseconds())/float64(n), "ms/page")
			b.ReportMetric(float64(cpu.Milliseconds())/float64(n), "cpu-ms/page")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// cpuTime is the process's user and system CPU time: on a shared machine
// it says what a page costs when wall time says how busy the machine is.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBorderlessAccuracy: the same measure on generated tables
// without ruling (tabletest.RandomBorderless).
func BenchmarkBorderlessAccuracy(b *testing.B) {
	p := testPipeline(b)
	const pages = 8
	var acc float64
	n := 0
	for i := 0; i < b.N; i++ {
		for seed := uint64(1); seed <= pages; seed++ {
			s := tabletest.RandomBorderless(seed)
			page := analyse(b, p, render(b, s), Options{})
			a := 0.0
			if len(page.Tables) == 1 {
				a = cellAccuracy(wantCells(s), gotCells(page.Tables[0]))
			} else {
				b.Logf("seed %d: %d tables", seed, len(page.Tables))
			}
			if a < 1 && len(page.Tables) == 1 {
				b.Logf("seed %d: %.3f\ngot  %v\nwant %v", seed, a, gotCells(page.Tables[0]), wantCells(s))
			}
			acc += a
			n++
		}
	}
	b.ReportMetric(acc/float64(n)*100, "cell-acc-%")
	b.ReportMetric(0, "ns/op")
}
