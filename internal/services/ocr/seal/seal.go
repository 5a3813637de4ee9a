// Package seal finds red and blue seals (stamps) on a page by colour
// segmentation (HSV thresholds, connected components), fits their shape
// (circle or ellipse from the component's extent, checked by how much of
// the outline is inked; rectangles likewise), unwarps a round seal's
// circular text with a polar transform into a straight strip, and reads
// the strip and the seal's straight centre text with the OCR recogniser.
package seal

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"math"
	"sort"
	"strings"

	"github.com/aisd/aisd/internal/services/ocr/pipeline"
	"github.com/aisd/aisd/internal/services/ocr/raster"
)

// Reader reads the text lines of an image (the OCR pipeline; the strips
// it is given are small, so detecting at their own size is enough).
type Reader func(ctx context.Context, img image.Image) ([]pipeline.Line, error)

// Words is one read text block of a seal.
type Words struct {
	Text  string
	Score float64
}

// Seal is one seal found.
type Seal struct {
	Type       string // circle, ellipse, rectangle
	Colour     string // red, blue
	Box        raster.Rect
	Confidence float64 // the inked fraction of the fitted outline
	Cx, Cy     float64 // centre and semi-axes of a round seal
	A, B       float64
	Words      []Words
	mask       *raster.Mask // the seal's colour pixels (page-sized)
}

// inks are the colours seals come in, as HSV ranges.
var inks = []struct {
	name string
	in   func(h, s, v float64) bool
}{
	{"red", func(h, s, v float64) bool { return (h <= 25 || h >= 330) && s >= 0.3 && v >= 0.3 }},
	{"blue", func(h, s, v float64) bool { return h >= 195 && h <= 255 && s >= 0.3 && v >= 0.2 }},
}

// Detect finds the seals of img.
func Detect(img *image.RGBA) []Seal {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	var out []Seal
	for _, ink := range inks {
		m := raster.NewMask(w, h)
		n := 0
		for y := 0; y < h; y++ {
			row := img.Pix[y*img.Stride:]
			for x := 0; x < w; x++ {
				hh, s, v := raster.HSV(color.RGBA{row[4*x], row[4*x+1], row[4*x+2], 255})
				if ink.in(hh, s, v) {
					m.Pix[y*w+x] = true
					n++
				}
			}
		}
		if n < 200 {
			continue
		}
		// Dilation joins a seal's glyphs, star and outline into one
		// component; the undilated mask is what is measured and read.
		for _, c := range m.Dilate(4).Components(400, true) {
			b := c.Box
			if b.Dx() < 40 || b.Dy() < 40 || max(b.Dx(), b.Dy()) > 3*min(b.Dx(), b.Dy()) {
				continue
			}
			own := raster.NewMask(w, h)
			for _, p := range c.Pixels {
				own.Pix[p] = m.Pix[p]
			}
			// The extent less the dilation is the seal's outline box.
			b = raster.Rect{X0: b.X0 + 4, Y0: b.Y0 + 4, X1: b.X1 - 4, Y1: b.Y1 - 4}
			sl := Seal{Colour: ink.name, Box: b, mask: own,
				Cx: float64(b.X0+b.X1) / 2, Cy: float64(b.Y0+b.Y1) / 2, A: float64(b.Dx()) / 2, B: float64(b.Dy()) / 2}
			ring := sl.ellipseCoverage(0.9, 1.0)
			rect := rectCoverage(own, b)
			switch {
			case ring >= 0.7 && ring >= rect:
				sl.Type, sl.Confidence = "ellipse", ring
				if math.Abs(sl.A-sl.B) <= 0.08*math.Max(sl.A, sl.B) {
					sl.Type = "circle"
				}
			case rect >= 0.7:
				sl.Type, sl.Confidence = "rectangle", rect
			default:
				continue // red or blue ink that is not a seal's outline
			}
			// The seal is all ink of its colour inside its outline: its
			// glyphs need not touch the ring.
			for y := b.Y0; y < b.Y1; y++ {
				for x := b.X0; x < b.X1; x++ {
					if !m.Pix[y*w+x] {
						continue
					}
					dx, dy := (float64(x)+0.5-sl.Cx)/sl.A, (float64(y)+0.5-sl.Cy)/sl.B
					if sl.Type == "rectangle" || dx*dx+dy*dy <= 1.05 {
						own.Pix[y*w+x] = true
					}
				}
			}
			out = append(out, sl)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Box.Y0 < out[j].Box.Y0 })
	return out
}

// ellipseCoverage is the fraction of directions in which the seal's mask
// has ink between radii r0 and r1 (fractions of the semi-axes).
func (s *Seal) ellipseCoverage(r0, r1 float64) float64 {
	const n = 360
	hit := 0
	for k := 0; k < n; k++ {
		phi := 2 * math.Pi * float64(k) / n
		for r := r0; r <= r1+1e-9; r += 0.01 {
			if s.mask.At(int(s.Cx+r*s.A*math.Cos(phi)), int(s.Cy+r*s.B*math.Sin(phi))) {
				hit++
				break
			}
		}
	}
	return float64(hit) / n
}

// rectCoverage is the inked fraction of b's outline (within 6 % inwards).
func rectCoverage(m *raster.Mask, b raster.Rect) float64 {
	dx, dy := max(2, b.Dx()*6/100), max(2, b.Dy()*6/100)
	hit, n := 0, 0
	probe := func(x, y, sx, sy, steps int) {
		n++
		for i := 0; i < steps; i++ {
			if m.At(x+i*sx, y+i*sy) {
				hit++
				return
			}
		}
	}
	for x := b.X0; x < b.X1; x += 2 {
		probe(x, b.Y0, 0, 1, dy)
		probe(x, b.Y1-1, 0, -1, dy)
	}
	for y := b.Y0; y < b.Y1; y += 2 {
		probe(b.X0, y, 1, 0, dx)
		probe(b.X1-1, y, -1, 0, dx)
	}
	return float64(hit) / float64(n)
}

// density is the fraction of directions with ink at radius r.
func (s *Seal) density(r float64) float64 {
	const n = 360
	hit := 0
	for k := 0; k < n; k++ {
		phi := 2 * math.Pi * float64(k) / n
		if s.mask.At(int(s.Cx+r*s.A*math.Cos(phi)), int(s.Cy+r*s.B*math.Sin(phi))) {
			hit++
		}
	}
	return float64(hit) / n
}

// textBand is the band of radii (fractions of the semi-axes) the circular
// text occupies: inside the outline ring, whose inner edge is where the
// ink density first drops coming in from outside.
func (s *Seal) textBand() (outer, inner float64) {
	r := 1.0
	for ; r > 0.6 && s.density(r) < 0.5; r -= 0.01 {
	}
	for ; r > 0.6 && s.density(r) >= 0.35; r -= 0.01 {
	}
	outer = r - 0.02
	return outer, outer - 0.34
}

// Unwarp maps the ring of the seal between radii outer and inner into a
// strip (outer edge at the top, so glyphs stand upright), clockwise from
// the bottom left, leaving out a gap at the bottom, seal ink black on white.
func (s *Seal) Unwarp(outer, inner float64) *image.Gray {
	const from, to = 110.0 * math.Pi / 180, 430.0 * math.Pi / 180
	rm := (s.A + s.B) / 2
	mid := (outer + inner) / 2
	w := int((to - from) * mid * rm)
	h := int((outer - inner) * rm)
	const pad = 16
	img := image.NewGray(image.Rect(0, 0, w+2*pad, h+2*pad))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for v := 0; v < h; v++ {
		r := outer - (outer-inner)*float64(v)/float64(h)
		for u := 0; u < w; u++ {
			phi := from + (to-from)*float64(u)/float64(w)
			x, y := s.Cx+r*s.A*math.Cos(phi), s.Cy+r*s.B*math.Sin(phi)
			if s.mask.At(int(math.Round(x)), int(math.Round(y))) {
				img.Pix[(v+pad)*img.Stride+u+pad] = 0
			}
		}
	}
	return img
}

// centreText is the seal's straight text below its centre (the seal's
// purpose, as 合同专用章), black on white.
func (s *Seal) centreText(inner float64) *image.Gray {
	x0, x1 := int(s.Cx-0.62*s.A), int(s.Cx+0.62*s.A)
	y0, y1 := int(s.Cy+0.18*s.B), int(s.Cy+math.Min(inner, 0.66)*s.B)
	const pad = 16
	img := image.NewGray(image.Rect(0, 0, x1-x0+2*pad, y1-y0+2*pad))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			if s.mask.At(x, y) {
				img.Pix[(y-y0+pad)*img.Stride+x-x0+pad] = 0
			}
		}
	}
	return img
}

// Read reads a seal's text: for a round seal the unwarped circular text,
// then the centre text; for a rectangle its inside as it is.
func (s *Seal) Read(ctx context.Context, read Reader) error {
	var imgs []image.Image
	if s.Type == "rectangle" {
		imgs = append(imgs, s.crop(false))
	} else {
		outer, inner := s.textBand()
		imgs = append(imgs, s.Unwarp(outer, inner), s.centreText(inner))
	}
	for _, img := range imgs {
		lines, err := read(ctx, img)
		if err != nil {
			return err
		}
		lines = distinct(lines)
		var b strings.Builder
		var sum float64
		n := 0
		for _, l := range lines {
			b.WriteString(l.Text)
			k := float64(len([]rune(l.Text)))
			sum += l.Score * k
			n += int(k)
		}
		if t := strings.TrimSpace(b.String()); t != "" {
			s.Words = append(s.Words, Words{Text: t, Score: sum / float64(n)})
		}
	}
	return nil
}

// crop is the seal's box: its ink on white (colour false: black).
func (s *Seal) crop(colour bool, src ...*image.RGBA) image.Image {
	const m = 4
	r := image.Rect(s.Box.X0-m, s.Box.Y0-m, s.Box.X1+m, s.Box.Y1+m)
	out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for i := range out.Pix {
		out.Pix[i] = 255
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if !s.mask.At(x, y) {
				continue
			}
			o := (y-r.Min.Y)*out.Stride + (x-r.Min.X)*4
			if colour && len(src) > 0 {
				copy(out.Pix[o:o+4], src[0].Pix[y*src[0].Stride+x*4:])
			} else {
				out.Pix[o], out.Pix[o+1], out.Pix[o+2] = 0, 0, 0
			}
		}
	}
	return out
}

// Image is the extracted seal, its ink in its own colours on white, PNG
// base64.
func (s *Seal) Image(src *image.RGBA) string { return pngB64(s.crop(true, src)) }

// Erase returns a copy of img with the seals' ink replaced by the paper
// colour around them (the median of the bright pixels of each seal's box),
// keeping dark ink (printed text a seal overlaps is not seal colour).
func Erase(img *image.RGBA, seals []Seal) *image.RGBA {
	out := image.NewRGBA(img.Rect)
	copy(out.Pix, img.Pix)
	for i := range seals {
		s := &seals[i]
		paper := paperOf(img, s)
		grown := s.mask.Dilate(1)
		for y := max(0, s.Box.Y0-6); y < min(img.Rect.Dy(), s.Box.Y1+6); y++ {
			for x := max(0, s.Box.X0-6); x < min(img.Rect.Dx(), s.Box.X1+6); x++ {
				if !grown.At(x, y) {
					continue
				}
				o := y*img.Stride + x*4
				_, _, v := raster.HSV(color.RGBA{img.Pix[o], img.Pix[o+1], img.Pix[o+2], 255})
				if v >= 0.45 {
					out.Pix[o], out.Pix[o+1], out.Pix[o+2] = paper.R, paper.G, paper.B
				}
			}
		}
	}
	return out
}

func paperOf(img *image.RGBA, s *Seal) color.RGBA {
	var rs, gs, bs []int
	for y := s.Box.Y0; y < s.Box.Y1; y += 2 {
		for x := s.Box.X0; x < s.Box.X1; x += 2 {
			o := y*img.Stride + x*4
			r, g, b := int(img.Pix[o]), int(img.Pix[o+1]), int(img.Pix[o+2])
			if !s.mask.At(x, y) && r+g+b > 3*160 {
				rs, gs, bs = append(rs, r), append(gs, g), append(bs, b)
			}
		}
	}
	if len(rs) == 0 {
		return color.RGBA{255, 255, 255, 255}
	}
	sort.Ints(rs)
	sort.Ints(gs)
	sort.Ints(bs)
	k := len(rs) / 2
	return color.RGBA{uint8(rs[k]), uint8(gs[k]), uint8(bs[k]), 255}
}

// PNG encodes img as base64 PNG.
func pngB64(img image.Image) string {
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

// PNGBase64 encodes img as base64 PNG.
func PNGBase64(img image.Image) string { return pngB64(img) }

// distinct drops lines the detector proposed inside a longer one (a
// widely spaced strip can yield its last glyph twice), and orders the
// rest left to right.
func distinct(lines []pipeline.Line) []pipeline.Line {
	box := func(l pipeline.Line) raster.Rect {
		r := raster.Rect{X0: math.MaxInt32, Y0: math.MaxInt32, X1: math.MinInt32, Y1: math.MinInt32}
		for _, p := range l.Box {
			r.X0, r.Y0, r.X1, r.Y1 = min(r.X0, p[0]), min(r.Y0, p[1]), max(r.X1, p[0]), max(r.Y1, p[1])
		}
		return r
	}
	sort.SliceStable(lines, func(i, j int) bool { return box(lines[i]).Dx() > box(lines[j]).Dx() })
	var out []pipeline.Line
	for _, l := range lines {
		b := box(l)
		dup := false
		for _, o := range out {
			ob := box(o)
			iw, ih := min(b.X1, ob.X1)-max(b.X0, ob.X0), min(b.Y1, ob.Y1)-max(b.Y0, ob.Y0)
			if iw > 0 && ih > 0 && 2*iw*ih >= b.Dx()*b.Dy() {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, l)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return box(out[i]).X0 < box(out[j]).X0 })
	return out
}
