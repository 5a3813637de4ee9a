package kie

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"os"
	"strconv"
	"testing"

	"github.com/aisd/aisd/internal/services/ocr/kie/specimen"
)

func TestDebugLines(t *testing.T) {
	kind := os.Getenv("KIE_DEBUG")
	if kind == "" {
		t.Skip()
	}
	r := reader(t)
	for n := 0; n < 3; n++ {
		for _, v := range []string{"clean", "photo"} {
			b, s, _ := specimen.Image(kind, n, v)
			p, err := Read(context.Background(), r, decode(t, b))
			if err != nil {
				t.Fatal(err)
			}
			var ls []string
			for _, l := range p.Lines {
				ls = append(ls, l.Text+"@"+strconv.FormatFloat(l.Score, 'f', 2, 64))
			}
			var rs []string
			for _, l := range Rows(p) {
				rs = append(rs, l.Text)
			}
			t.Logf("%d %s %v\n  %q\n  rows %q", n, v, s.Fields, ls, rs)
		}
	}
}

func TestDebugPlatePair(t *testing.T) {
	if os.Getenv("KIE_DEBUG") == "" {
		t.Skip()
	}
	r := reader(t)
	a, _ := specimen.Make("license_plate", 0)
	b, _ := specimen.Make("license_plate", 1)
	ma, _ := a.Layout.Render()
	mb, _ := b.Layout.Render()
	out := image.NewRGBA(image.Rect(0, 0, 1900, 500))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(out, ma.Bounds().Add(image.Pt(40, 40)), ma, image.Point{}, draw.Src)
	draw.Draw(out, mb.Bounds().Add(image.Pt(980, 40)), mb, image.Point{}, draw.Src)
	p, err := Read(context.Background(), r, out)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range p.Lines {
		t.Logf("line %q %.0f-%.0f y %.0f-%.0f", l.Text, l.X0, l.X1, l.Y0, l.Y1)
	}
	for _, l := range Rows(p) {
		t.Logf("row %q", l.Text)
	}
}
