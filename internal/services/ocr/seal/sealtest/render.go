// Package sealtest draws the pages the seal tests read: printed text with
// a round red seal stamped over it - outline ring, circular text with
// each glyph turned along the arc, a star, straight text below it - in
// Noto Sans CJK (templatetest.Font).
package sealtest

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/aisd/aisd/internal/services/ocr/template/templatetest"
)

// Stamp is a round seal.
type Stamp struct {
	Arc      string // the circular text, clockwise over the top
	Centre   string // the straight text below the star
	Cx, Cy   float64
	R        float64 // outer radius
	Squash   float64 // vertical/horizontal axis ratio (1: a circle)
	Ink      color.RGBA
	ArcSize  float64 // glyph size of the circular text
	TextSize float64 // glyph size of the centre text
}

// Page is a document page with a stamp.
type Page struct {
	Lines []string // printed text, one a line
	W, H  int
	Stamp Stamp
}

// Red is a seal's red ink.
var Red = color.RGBA{214, 38, 40, 255}

// Contract is the page of the end-to-end tests.
var Contract = Page{
	Lines: []string{"购销合同", "甲方：华南示范科技有限公司", "乙方：北方数据服务有限公司", "合同金额：人民币伍万元整", "签订日期：2026年11月30日"},
	W:     900, H: 760,
	Stamp: Stamp{Arc: "华南示范科技有限公司", Centre: "合同专用章", Cx: 600, Cy: 470, R: 150, Squash: 1, Ink: Red, ArcSize: 34, TextSize: 26},
}

// glyph renders s into an alpha mask, returning it and its ink centre.
func glyph(face font.Face, s string) (*image.Alpha, float64, float64) {
	d := font.Drawer{Face: face}
	b, _ := d.BoundString(s)
	w, h := (b.Max.X-b.Min.X).Ceil()+4, (b.Max.Y-b.Min.Y).Ceil()+4
	a := image.NewAlpha(image.Rect(0, 0, w, h))
	d = font.Drawer{Dst: a, Src: image.Opaque, Face: face, Dot: fixed.Point26_6{X: -b.Min.X + fixed.I(2), Y: -b.Min.Y + fixed.I(2)}}
	d.DrawString(s)
	return a, float64(w) / 2, float64(h) / 2
}

// blend lays ink over dst at (x, y) with coverage a, as ink multiplies
// into paper (printed text under a seal stays dark).
func blend(dst *image.RGBA, x, y int, ink color.RGBA, a float64) {
	if !image.Pt(x, y).In(dst.Rect) || a <= 0 {
		return
	}
	o := dst.PixOffset(x, y)
	for c, v := range []uint8{ink.R, ink.G, ink.B} {
		p := float64(dst.Pix[o+c])
		dst.Pix[o+c] = uint8(p*(1-a) + p*float64(v)/255*a)
	}
}

// stamp draws the alpha mask g rotated so its up points along up
// (a unit vector), centred at (px, py).
func stamp(dst *image.RGBA, g *image.Alpha, gcx, gcy, px, py, upx, upy float64, ink color.RGBA) {
	rx, ry := -upy, upx // reading direction, 90° clockwise from up
	rad := math.Hypot(float64(g.Rect.Dx()), float64(g.Rect.Dy()))/2 + 1
	for y := int(py - rad); y <= int(py+rad); y++ {
		for x := int(px - rad); x <= int(px+rad); x++ {
			dx, dy := float64(x)+0.5-px, float64(y)+0.5-py
			gx := dx*rx + dy*ry + gcx
			gy := -(dx*upx + dy*upy) + gcy
			ix, iy := int(math.Floor(gx)), int(math.Floor(gy))
			if ix < 0 || iy < 0 || ix >= g.Rect.Dx() || iy >= g.Rect.Dy() {
				continue
			}
			blend(dst, x, y, ink, float64(g.AlphaAt(ix, iy).A)/255)
		}
	}
}

// Render draws the page.
func (p Page) Render() (*image.RGBA, error) {
	f, err := templatetest.Font()
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, p.W, p.H))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{250, 250, 245, 255}), image.Point{}, draw.Src)
	body, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 30, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, err
	}
	defer body.Close()
	for i, l := range p.Lines {
		d := font.Drawer{Dst: img, Src: image.NewUniform(color.RGBA{25, 25, 35, 255}), Face: body, Dot: fixed.P(80, 110+i*90)}
		d.DrawString(l)
	}
	return img, p.Stamp.Draw(img)
}

// Draw stamps s onto img.
func (s Stamp) Draw(img *image.RGBA) error {
	f, err := templatetest.Font()
	if err != nil {
		return err
	}
	sq := s.Squash
	if sq == 0 {
		sq = 1
	}
	a, b := s.R, s.R*sq
	// The outline: a ring 7 % of the radius thick.
	t := 0.07 * s.R
	for y := int(s.Cy - b - 2); y <= int(s.Cy+b+2); y++ {
		for x := int(s.Cx - a - 2); x <= int(s.Cx+a+2); x++ {
			dx, dy := (float64(x)+0.5-s.Cx)/a, (float64(y)+0.5-s.Cy)/b
			r := math.Hypot(dx, dy) * s.R
			// coverage of the ring [R-t, R] with a one-pixel soft edge
			cov := math.Min(math.Min(1, math.Max(0, s.R-r+0.5)), math.Min(1, math.Max(0, r-(s.R-t)+0.5)))
			blend(img, x, y, s.Ink, cov)
		}
	}
	// The star: a filled five-pointed star, 22 % of the radius.
	star(img, s.Cx, s.Cy, 0.24*s.R, s.Ink)
	arc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: s.ArcSize, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return err
	}
	defer arc.Close()
	rs := []rune(s.Arc)
	const from, to = 150.0, 390.0
	rText := s.R - t - s.ArcSize*0.72
	for i, r := range rs {
		phi := (from + (to-from)*(float64(i)+0.5)/float64(len(rs))) * math.Pi / 180
		ux, uy := math.Cos(phi), math.Sin(phi)
		g, gcx, gcy := glyph(arc, string(r))
		stamp(img, g, gcx, gcy, s.Cx+rText*ux*(a/s.R), s.Cy+rText*uy*(b/s.R), ux, uy, s.Ink)
	}
	if s.Centre != "" {
		ct, err := opentype.NewFace(f, &opentype.FaceOptions{Size: s.TextSize, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return err
		}
		defer ct.Close()
		g, gcx, gcy := glyph(ct, s.Centre)
		stamp(img, g, gcx, gcy, s.Cx, s.Cy+0.45*b, 0, -1, s.Ink)
	}
	return nil
}

func star(img *image.RGBA, cx, cy, r float64, ink color.RGBA) {
	var pts [10][2]float64
	for k := 0; k < 10; k++ {
		rr := r
		if k%2 == 1 {
			rr = r * 0.38
		}
		phi := -math.Pi/2 + float64(k)*math.Pi/5
		pts[k] = [2]float64{cx + rr*math.Cos(phi), cy + rr*math.Sin(phi)}
	}
	for y := int(cy - r); y <= int(cy+r); y++ {
		for x := int(cx - r); x <= int(cx+r); x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			in := false
			for i, j := 0, 9; i < 10; j, i = i, i+1 {
				if (pts[i][1] > py) != (pts[j][1] > py) && px < (pts[j][0]-pts[i][0])*(py-pts[i][1])/(pts[j][1]-pts[i][1])+pts[i][0] {
					in = !in
				}
			}
			if in {
				blend(img, x, y, ink, 1)
			}
		}
	}
}
