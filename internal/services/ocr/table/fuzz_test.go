package table

import (
	"image"
	"image/color"
	"testing"

	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// FuzzAnalyse: any page (pixels and OCR boxes from the fuzzer) yields
// tables whose cells stay inside their grid, and an answer that encodes,
// spreadsheet included.
func FuzzAnalyse(f *testing.F) {
	f.Add([]byte{40, 30, 0, 255, 0, 255}, []byte{1, 2, 30, 10})
	f.Add(make([]byte, 64), []byte{})
	f.Fuzz(func(t *testing.T, pix, boxes []byte) {
		if len(pix) < 2 {
			return
		}
		w, h := 16+int(pix[0])%200, 16+int(pix[1])%150
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := range img.Pix {
			img.Pix[i] = 255
		}
		// The bytes draw ruling: each names a row or column to ink.
		for k, b := range pix[2:] {
			if k%2 == 0 {
				for x := 0; x < w; x++ {
					img.Set(x, int(b)%h, color.Black)
				}
			} else {
				for y := 0; y < h; y++ {
					img.Set(int(b)%w, y, color.Black)
				}
			}
		}
		var lines []pipeline.Line
		for k := 0; k+3 < len(boxes) && len(lines) < 40; k += 4 {
			x, y := int(boxes[k])%w, int(boxes[k+1])%h
			bw, bh := 1+int(boxes[k+2])%w, 1+int(boxes[k+3])%40
			q := [4]pipeline.Point{{x, y}, {x + bw, y}, {x + bw, y + bh}, {x, y + bh}}
			lines = append(lines, pipeline.Line{Text: "单元ab", Score: 0.9, Box: q})
		}
		page := Analyse(img, lines, Options{})
		for _, tb := range page.Tables {
			for _, c := range tb.Cells {
				if c.Row < 0 || c.Col < 0 || c.RowSpan < 1 || c.ColSpan < 1 || c.Row+c.RowSpan > tb.Rows || c.Col+c.ColSpan > tb.Cols {
					t.Fatalf("cell %+v outside a %dx%d table", c, tb.Rows, tb.Cols)
				}
			}
		}
		if _, err := page.GeneralTable(Flags{TextLocation: true, CharLocation: true, Confidence: true, Excel: true}); err != nil {
			t.Fatal(err)
		}
	})
}
