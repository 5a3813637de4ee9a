package kie

import (
	"image"
	"image/color"
	"testing"

	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// TestTurnUnturn: a pixel turned q quarters clockwise and its position
// mapped back land where they started.
func TestTurnUnturn(t *testing.T) {
	w, h := 7, 4
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	m.Set(5, 1, color.RGBA{255, 0, 0, 255})
	for q := 1; q < 4; q++ {
		tm := turn(m, q)
		b := tm.Bounds()
		found := false
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				if r, _, _, _ := tm.At(x, y).RGBA(); r > 0 {
					found = true
					// Pixel centres: map the pixel's centre and floor it.
					p := unturn(pipeline.Point{x, y}, q, w, h)
					c := unturn(pipeline.Point{x + 1, y + 1}, q, w, h)
					if min(p[0], c[0]) != 5 || min(p[1], c[1]) != 1 {
						t.Errorf("quarter %d: (%d,%d) maps back to %v/%v", q, x, y, p, c)
					}
				}
			}
		}
		if !found {
			t.Fatalf("quarter %d lost the pixel", q)
		}
	}
}

func TestReadingAngle(t *testing.T) {
	mk := func(dx, dy int) pipeline.Line {
		var l pipeline.Line
		for i := 0; i < 4; i++ {
			x, y := 100+i*dx, 100+i*dy
			l.Chars = append(l.Chars, pipeline.Char{Char: "字", Box: [4]pipeline.Point{{x, y}, {x + 1, y}, {x + 1, y + 1}, {x, y + 1}}})
		}
		return l
	}
	for _, tc := range []struct {
		dx, dy int
		want   float64
	}{{20, 0, 0}, {0, 20, 90}, {-20, 0, 180}, {0, -20, -90}} {
		if got := readingAngle([]pipeline.Line{mk(tc.dx, tc.dy)}); got != tc.want {
			t.Errorf("direction (%d,%d): angle %v, want %v", tc.dx, tc.dy, got, tc.want)
		}
	}
}
