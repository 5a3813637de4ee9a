package kie

import (
	"image"
	"image/draw"
	"math"
	"sort"

	"github.com/aisd/aisd/internal/services/ocr/kie/geom"
)

// WarpCards turns on the whole-card perspective correction of Read (the
// accuracy report compares both settings).
var WarpCards = true

// FindCard looks for the document on a photo: the largest solid region
// whose colour differs from the background seen along the image's border
// (a card on a desk), and fits its four edges. ok is false when there is
// no such region — a scan whose margin is the page's own colour, or a
// document filling the frame — when there are several, or when it is not
// a convex quadrilateral covering a fifth of the image or more.
func FindCard(img image.Image) (geom.Quad, bool) {
	b := img.Bounds()
	cg, ok := cardGrid(img)
	if !ok {
		return geom.Quad{}, false
	}
	w, h, step, label := cg.w, cg.h, cg.step, cg.label
	bestN, secondN, bestL := 0, 0, int32(0)
	for _, c := range cg.comps {
		if c.n > bestN {
			secondN = bestN
			bestN, bestL = c.n, c.id
		} else if c.n > secondN {
			secondN = c.n
		}
	}
	// Several documents on one photo (auto-classification) are read as
	// they lie: rectifying one would cut the others off.
	if bestN < w*h/5 || secondN > bestN/4 {
		return geom.Quad{}, false
	}
	// Boundary cells of the component (a neighbour outside it), and the
	// corners as the extremes along the diagonals.
	var edge []geom.Pt
	in := func(x, y int) bool { return x >= 0 && y >= 0 && x < w && y < h && label[y*w+x] == bestL }
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if in(x, y) && (!in(x-1, y) || !in(x+1, y) || !in(x, y-1) || !in(x, y+1)) {
				edge = append(edge, geom.Pt{X: float64(x) + 0.5, Y: float64(y) + 0.5})
			}
		}
	}
	var c [4]geom.Pt
	score := [4]func(p geom.Pt) float64{
		func(p geom.Pt) float64 { return -p.X - p.Y }, func(p geom.Pt) float64 { return p.X - p.Y },
		func(p geom.Pt) float64 { return p.X + p.Y }, func(p geom.Pt) float64 { return -p.X + p.Y },
	}
	for k := range c {
		best := math.Inf(-1)
		for _, p := range edge {
			if s := score[k](p); s > best {
				best, c[k] = s, p
			}
		}
	}
	// Refine each side: fit a line to the boundary cells along its middle
	// 70 % (total least squares), then intersect neighbouring sides.
	var lines [4][3]float64 // a x + b y = c with a²+b² = 1
	for k := 0; k < 4; k++ {
		p0, p1 := c[k], c[(k+1)%4]
		dx, dy := p1.X-p0.X, p1.Y-p0.Y
		L := math.Hypot(dx, dy)
		if L < 8 {
			return geom.Quad{}, false
		}
		ux, uy := dx/L, dy/L
		var pts []geom.Pt
		for _, p := range edge {
			t := (p.X-p0.X)*ux + (p.Y-p0.Y)*uy
			d := math.Abs(-(p.X-p0.X)*uy + (p.Y-p0.Y)*ux)
			if t > 0.15*L && t < 0.85*L && d < 3 {
				pts = append(pts, p)
			}
		}
		if len(pts) < 5 {
			return geom.Quad{}, false
		}
		var mx, my float64
		for _, p := range pts {
			mx += p.X
			my += p.Y
		}
		mx /= float64(len(pts))
		my /= float64(len(pts))
		var sxx, sxy, syy float64
		for _, p := range pts {
			sxx += (p.X - mx) * (p.X - mx)
			sxy += (p.X - mx) * (p.Y - my)
			syy += (p.Y - my) * (p.Y - my)
		}
		// The direction is the principal axis; the normal is across it.
		th := 0.5 * math.Atan2(2*sxy, sxx-syy)
		a, bb := -math.Sin(th), math.Cos(th)
		lines[k] = [3]float64{a, bb, a*mx + bb*my}
	}
	var q geom.Quad
	for k := 0; k < 4; k++ {
		l1, l2 := lines[(k+3)%4], lines[k]
		det := l1[0]*l2[1] - l1[1]*l2[0]
		if math.Abs(det) < 1e-6 {
			return geom.Quad{}, false
		}
		x := (l1[2]*l2[1] - l1[1]*l2[2]) / det
		y := (l1[0]*l2[2] - l1[2]*l2[0]) / det
		q[k] = geom.Pt{X: float64(b.Min.X) + x*float64(step), Y: float64(b.Min.Y) + y*float64(step)}
	}
	if !convex(q) || area(q) < float64(b.Dx()*b.Dy())/5 {
		return geom.Quad{}, false
	}
	// The region must fill its quadrilateral (a card, not a blob).
	if float64(bestN)*float64(step*step) < 0.85*area(q) {
		return geom.Quad{}, false
	}
	return q, true
}

func area(q geom.Quad) float64 {
	s := 0.0
	for i := 0; i < 4; i++ {
		a, b := q[i], q[(i+1)%4]
		s += a.X*b.Y - b.X*a.Y
	}
	return math.Abs(s) / 2
}

func convex(q geom.Quad) bool {
	sign := 0.0
	for i := 0; i < 4; i++ {
		a, b, c := q[i], q[(i+1)%4], q[(i+2)%4]
		z := (b.X-a.X)*(c.Y-b.Y) - (b.Y-a.Y)*(c.X-b.X)
		if z == 0 || sign != 0 && (z > 0) != (sign > 0) {
			return false
		}
		sign = z
	}
	return true
}

// square reports whether a quad is an upright rectangle already (edges
// within half a degree of the axes): warping it would only crop.
func square(q geom.Quad) bool {
	for i := 0; i < 4; i++ {
		a, b := q[i], q[(i+1)%4]
		ang := math.Atan2(b.Y-a.Y, b.X-a.X) * 180 / math.Pi
		off := math.Mod(math.Abs(ang)+360, 90)
		if math.Min(off, 90-off) > 0.5 {
			return false
		}
	}
	return true
}

// WarpCard resamples the card inside q (TL, TR, BR, BL) to an upright
// rectangle, with a margin of 3 % so its edges stay in view, and returns
// it with the homography taking its coordinates back to img's.
func WarpCard(img image.Image, q geom.Quad) (*image.RGBA, geom.H, bool) {
	d := func(a, b geom.Pt) float64 { return math.Hypot(b.X-a.X, b.Y-a.Y) }
	W := (d(q[0], q[1]) + d(q[3], q[2])) / 2
	H := (d(q[0], q[3]) + d(q[1], q[2])) / 2
	m := 0.03 * math.Max(W, H)
	ow, oh := int(W+2*m), int(H+2*m)
	if ow < 16 || oh < 16 || ow*oh > 16<<20 {
		return nil, geom.H{}, false
	}
	dst := geom.Quad{{X: m, Y: m}, {X: m + W, Y: m}, {X: m + W, Y: m + H}, {X: m, Y: m + H}}
	back, ok := geom.Homography(dst, q)
	if !ok {
		return nil, geom.H{}, false
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	b := img.Bounds()
	src, isRGBA := img.(*image.RGBA)
	if !isRGBA {
		// One conversion (draw's fast paths) instead of four At calls a
		// pixel.
		src = image.NewRGBA(b)
		draw.Draw(src, b, img, b.Min, draw.Src)
	}
	at := func(x, y int) (float64, float64, float64) {
		x = min(max(x, b.Min.X), b.Max.X-1)
		y = min(max(y, b.Min.Y), b.Max.Y-1)
		o := src.PixOffset(x, y)
		return float64(src.Pix[o]), float64(src.Pix[o+1]), float64(src.Pix[o+2])
	}
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			s := back.Apply(geom.Pt{X: float64(x) + 0.5, Y: float64(y) + 0.5})
			sx, sy := s.X-0.5, s.Y-0.5
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			fx, fy := sx-float64(x0), sy-float64(y0)
			r00, g00, b00 := at(x0, y0)
			r10, g10, b10 := at(x0+1, y0)
			r01, g01, b01 := at(x0, y0+1)
			r11, g11, b11 := at(x0+1, y0+1)
			mix := func(a, b, c, d float64) uint8 {
				v := (a*(1-fx)+b*fx)*(1-fy) + (c*(1-fx)+d*fx)*fy
				return uint8(math.Min(255, math.Max(0, math.Round(v))))
			}
			o := out.PixOffset(x, y)
			out.Pix[o] = mix(r00, r10, r01, r11)
			out.Pix[o+1] = mix(g00, g10, g01, g11)
			out.Pix[o+2] = mix(b00, b10, b01, b11)
			out.Pix[o+3] = 255
		}
	}
	return out, back, true
}

// mulH is the homography a∘b (b first).
func mulH(a, b geom.H) geom.H {
	var out geom.H
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			for k := 0; k < 3; k++ {
				out[r*3+c] += a[r*3+k] * b[k*3+c]
			}
		}
	}
	return out
}

// grid is the photo reduced to cells, with the foreground components
// (regions whose colour differs from the border's background).
type grid struct {
	w, h, step int
	label      []int32
	comps      []comp
}

type comp struct {
	id             int32
	n              int
	x0, y0, x1, y1 int // cell bounds
}

func cardGrid(img image.Image) (*grid, bool) {
	b := img.Bounds()
	long := max(b.Dx(), b.Dy())
	if long < 64 {
		return nil, false
	}
	// Work on a small copy: each cell is the mean of a step × step block.
	step := max(1, long/320)
	w, h := b.Dx()/step, b.Dy()/step
	px := make([][3]float64, w*h)
	// At most 3 × 3 samples a cell: the mean colour, not every pixel.
	sub := max(1, step/3)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s [3]float64
			n := 0.0
			for dy := 0; dy < step; dy += sub {
				for dx := 0; dx < step; dx += sub {
					r, g, bl, _ := img.At(b.Min.X+x*step+dx, b.Min.Y+y*step+dy).RGBA()
					s[0] += float64(r >> 8)
					s[1] += float64(g >> 8)
					s[2] += float64(bl >> 8)
					n++
				}
			}
			px[y*w+x] = [3]float64{s[0] / n, s[1] / n, s[2] / n}
		}
	}
	// The background: the median colour of a border two cells wide, and
	// how much it varies (desk texture, light falloff, noise).
	var border [3][]float64
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if x < 2 || y < 2 || x >= w-2 || y >= h-2 {
				for k := 0; k < 3; k++ {
					border[k] = append(border[k], px[y*w+x][k])
				}
			}
		}
	}
	var bg [3]float64
	for k := 0; k < 3; k++ {
		sort.Float64s(border[k])
		bg[k] = border[k][len(border[k])/2]
	}
	dist := func(c [3]float64) float64 {
		return math.Abs(c[0]-bg[0]) + math.Abs(c[1]-bg[1]) + math.Abs(c[2]-bg[2])
	}
	var spread []float64
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if x < 2 || y < 2 || x >= w-2 || y >= h-2 {
				spread = append(spread, dist(px[y*w+x]))
			}
		}
	}
	sort.Float64s(spread)
	thr := math.Max(40, 2.5*spread[len(spread)*9/10])
	fg := make([]bool, w*h)
	for i, c := range px {
		fg[i] = dist(c) > thr
	}
	// The 4-connected foreground components not touching the border.
	g := &grid{w: w, h: h, step: step, label: make([]int32, w*h)}
	label := g.label
	var stack []int
	cur := int32(0)
	for i := range fg {
		if !fg[i] || label[i] != 0 {
			continue
		}
		cur++
		n, touches := 0, false
		x0, y0, x1, y1 := w, h, 0, 0
		stack = append(stack[:0], i)
		label[i] = cur
		for len(stack) > 0 {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			n++
			x, y := j%w, j/w
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			if x == 0 || y == 0 || x == w-1 || y == h-1 {
				touches = true
			}
			for _, k := range [4]int{j - 1, j + 1, j - w, j + w} {
				if k < 0 || k >= w*h || (k == j-1 && x == 0) || (k == j+1 && x == w-1) {
					continue
				}
				if fg[k] && label[k] == 0 {
					label[k] = cur
					stack = append(stack, k)
				}
			}
		}
		if !touches {
			g.comps = append(g.comps, comp{id: cur, n: n, x0: x0, y0: y0, x1: x1 + 1, y1: y1 + 1})
		}
	}
	return g, true
}

// CardRegions are the documents lying apart on a photo or a sheet: the
// bounding boxes of the solid regions, each over a twenty-fifth of the
// image, whose colour differs from the background along its border.
func CardRegions(img image.Image) []image.Rectangle {
	g, ok := cardGrid(img)
	if !ok {
		return nil
	}
	b := img.Bounds()
	var out []image.Rectangle
	for _, c := range g.comps {
		area := (c.x1 - c.x0) * (c.y1 - c.y0)
		if c.n >= g.w*g.h/25 && float64(c.n) >= 0.7*float64(area) {
			out = append(out, image.Rect(c.x0*g.step, c.y0*g.step, c.x1*g.step, c.y1*g.step).Add(b.Min))
		}
	}
	return out
}
