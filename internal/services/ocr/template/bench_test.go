package template

import (
	"context"
	"testing"

	"github.com/aisd/aisd/internal/services/ocr/template/templatetest"
)

// BenchmarkLocateAndRead: matching and reading alone, on the synthetic
// invoice's lines (what a classifier pays per template).
func BenchmarkLocateAndRead(b *testing.B) {
	h := H{0.9, 0.06, 35, -0.04, 0.93, 50, 0.00008, 0.00004, 1}
	lines := photo(h,
		printed{"Invoice", 400, 40, 600, 90}, printed{"Number:", 60, 150, 200, 180},
		printed{"Date: 2026-12-01", 60, 250, 460, 280}, printed{"Total", 600, 600, 700, 630},
		printed{"INV-0042", 240, 150, 420, 180}, printed{"1,234.50", 740, 600, 900, 630})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m, err := locate(form, sequences(lines), 1000, 800)
		if err != nil {
			b.Fatal(err)
		}
		_ = read(form, m, lines)
	}
}

// BenchmarkRecognizeStaffPhoto: a whole recognition of the staff form in
// perspective - OCR with character boxes, matching, reading.
func BenchmarkRecognizeStaffPhoto(b *testing.B) {
	p := testPipeline(b)
	m := New(newMemResources(b), Options{OCR: func() Reader { return reader(p) }})
	tpl := staffTemplateB(b, m)
	form, err := templatetest.Staff.Render(staffSets[0])
	if err != nil {
		b.Fatal(err)
	}
	photo := templatetest.Warp(form.Image, templatetest.Perspective(1000, 720, [4][2]float64{{80, 40}, {960, 90}, {1010, 700}, {40, 760}}), 1080, 820)
	plan, err := m.Prepare(context.Background(), "0123456789abcdef0123456789abcdef", Request{TemplateID: tpl.ID})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lines, err := reader(p)(context.Background(), photo)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := plan.Recognize(lines, 1080, 820); err != nil {
			b.Fatal(err)
		}
	}
}
