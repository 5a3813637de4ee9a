package kie

import (
	"image"
	"math"

	"github.com/aisd/aisd/internal/services/ocr/kie/geom"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// ExtractLines reads spec's fields from a subset of the page's lines (one
// card of several).
func ExtractLines(p *Page, lines []*Line, s *Spec) Result { return extractLines(p, lines, s) }

// ToImage maps page-frame points back to input-image coordinates.
func (p *Page) ToImage(q [4][2]float64) [4]pipeline.Point {
	b := p.Img.Bounds()
	var out [4]pipeline.Point
	for i, v := range q {
		r := p.fromFrame(geom.Pt{X: v[0], Y: v[1]})
		out[i] = pipeline.Point{int(math.Round(clamp(r.X, 0, float64(b.Dx())))), int(math.Round(clamp(r.Y, 0, float64(b.Dy()))))}
	}
	return out
}

func clamp(v, lo, hi float64) float64 { return math.Min(math.Max(v, lo), hi) }

// ImageEvidence is what the pixels of the document region say.
type ImageEvidence struct {
	// Grey: the region has no colour (a black-and-white copy); GreyScore
	// grows as the mean chroma falls.
	Grey      bool
	GreyScore int32
	// Blurred: the variance of the Laplacian is low; BlurScore grows as
	// it falls.
	Blurred   bool
	BlurScore int32
	// Glare: a share of the region is blown out to white.
	Glare      bool
	GlareScore int32
	// BorderCut: the text block, with the margin a document keeps around
	// it, runs off the image.
	BorderCut   bool
	BorderScore int32
}

// Evidence measures the document region (the text block's quad, widened
// by a margin) of the page's image.
func Evidence(p *Page) ImageEvidence {
	var ev ImageEvidence
	b := p.Img.Bounds()
	c := p.Quad.Centre()
	var q geom.Quad
	out := 0.0
	for i, v := range p.Quad {
		q[i] = geom.Pt{X: c.X + (v.X-c.X)*1.12, Y: c.Y + (v.Y-c.Y)*1.2}
		dx := math.Max(float64(b.Min.X)-q[i].X, q[i].X-float64(b.Max.X))
		dy := math.Max(float64(b.Min.Y)-q[i].Y, q[i].Y-float64(b.Max.Y))
		out = math.Max(out, math.Max(dx, dy))
	}
	diag := math.Hypot(float64(b.Dx()), float64(b.Dy()))
	ev.BorderCut = out > 0
	ev.BorderScore = int32(clamp(out/diag*1000, 0, 100))
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, v := range q {
		x0, y0, x1, y1 = math.Min(x0, v.X), math.Min(y0, v.Y), math.Max(x1, v.X), math.Max(y1, v.Y)
	}
	r := image.Rect(int(x0), int(y0), int(x1), int(y1)).Intersect(b)
	if r.Empty() {
		return ev
	}
	step := max(1, int(math.Sqrt(float64(r.Dx()*r.Dy())/250000)))
	var chroma, n, white float64
	var lap, lap2 float64
	grey := func(x, y int) float64 {
		cr, cg, cb, _ := p.Img.At(x, y).RGBA()
		return (0.299*float64(cr) + 0.587*float64(cg) + 0.114*float64(cb)) / 257
	}
	for y := r.Min.Y + 1; y < r.Max.Y-1; y += step {
		for x := r.Min.X + 1; x < r.Max.X-1; x += step {
			cr, cg, cb, _ := p.Img.At(x, y).RGBA()
			R, G, B := float64(cr)/257, float64(cg)/257, float64(cb)/257
			chroma += math.Max(R, math.Max(G, B)) - math.Min(R, math.Min(G, B))
			if R >= 250 && G >= 250 && B >= 250 {
				white++
			}
			l := grey(x-1, y) + grey(x+1, y) + grey(x, y-1) + grey(x, y+1) - 4*grey(x, y)
			lap += l
			lap2 += l * l
			n++
		}
	}
	if n == 0 {
		return ev
	}
	mc := chroma / n
	ev.Grey = mc < 10
	ev.GreyScore = int32(clamp(100-mc*5, 0, 100))
	v := lap2/n - (lap/n)*(lap/n)
	ev.Blurred = v < 80
	ev.BlurScore = int32(clamp(100*math.Exp(-v/300), 0, 100))
	wf := white / n
	ev.Glare = wf > 0.03
	ev.GlareScore = int32(clamp(wf*1000, 0, 100))
	return ev
}

// PlateColour names a plate's background colour from the pixels around
// its characters: the most common colour class of the box widened by a
// quarter of its height (the characters take the other colour).
func PlateColour(img image.Image, box [4]pipeline.Point, newEnergy, large bool) string {
	x0, y0, x1, y1 := box[0][0], box[0][1], box[0][0], box[0][1]
	for _, p := range box {
		x0, y0 = min(x0, p[0]), min(y0, p[1])
		x1, y1 = max(x1, p[0]), max(y1, p[1])
	}
	m := (y1 - y0) / 4
	r := image.Rect(x0-m, y0-m, x1+m, y1+m).Intersect(img.Bounds())
	counts := map[string]int{}
	step := max(1, r.Dx()/200)
	for y := r.Min.Y; y < r.Max.Y; y += step {
		for x := r.Min.X; x < r.Max.X; x += step {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			counts[colourClass(float64(cr)/257, float64(cg)/257, float64(cb)/257)]++
		}
	}
	best, bn := "blue", -1
	for _, k := range []string{"blue", "yellow", "green", "white", "black"} {
		if counts[k] > bn {
			best, bn = k, counts[k]
		}
	}
	// Large new-energy plates are yellow shading into green.
	if newEnergy && large && counts["yellow"] > 0 && counts["green"] > 0 && best != "blue" {
		return "yellow_green"
	}
	if newEnergy && best == "yellow" && counts["green"] > counts["yellow"]/3 {
		return "yellow_green"
	}
	return best
}

// colourClass classes a pixel by hue, saturation and value.
func colourClass(r, g, b float64) string {
	mx := math.Max(r, math.Max(g, b))
	mn := math.Min(r, math.Min(g, b))
	v := mx / 255
	s := 0.0
	if mx > 0 {
		s = (mx - mn) / mx
	}
	if s < 0.25 {
		if v > 0.6 {
			return "white"
		}
		if v < 0.3 {
			return "black"
		}
		return "grey"
	}
	var h float64
	switch mx {
	case r:
		h = math.Mod((g-b)/(mx-mn), 6) * 60
	case g:
		h = ((b-r)/(mx-mn) + 2) * 60
	default:
		h = ((r-g)/(mx-mn) + 4) * 60
	}
	if h < 0 {
		h += 360
	}
	switch {
	case h >= 190 && h < 260:
		return "blue"
	case h >= 35 && h < 70:
		return "yellow"
	case h >= 70 && h < 170:
		return "green"
	}
	return "other"
}
