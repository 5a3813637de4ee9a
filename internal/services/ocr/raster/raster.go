// Package raster holds the few binary-image operations the table and seal
// engines share: grey and colour conversion, adaptive thresholding,
// morphological opening with long line kernels, and connected components.
package raster

import (
	"image"
	"image/color"
	"image/draw"
)

// Gray is an 8-bit luminance plane.
type Gray struct {
	W, H int
	Pix  []uint8
}

// RGBA returns img as *image.RGBA with origin (0,0), converting once so
// later passes index bytes instead of calling At.
func RGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	if r, ok := img.(*image.RGBA); ok && b.Min == (image.Point{}) {
		return r
	}
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Bounds(), img, b.Min, draw.Src)
	return out
}

// ToGray converts img with the BT.601 weights.
func ToGray(img *image.RGBA) *Gray {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	g := &Gray{W: w, H: h, Pix: make([]uint8, w*h)}
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride:]
		for x := 0; x < w; x++ {
			r, gg, b := int(row[4*x]), int(row[4*x+1]), int(row[4*x+2])
			g.Pix[y*w+x] = uint8((299*r + 587*gg + 114*b + 500) / 1000)
		}
	}
	return g
}

// Mask is a binary image: true is ink.
type Mask struct {
	W, H int
	Pix  []bool
}

// NewMask is an empty w×h mask.
func NewMask(w, h int) *Mask { return &Mask{W: w, H: h, Pix: make([]bool, w*h)} }

// At reports whether (x, y) is set; outside the mask is unset.
func (m *Mask) At(x, y int) bool {
	return x >= 0 && y >= 0 && x < m.W && y < m.H && m.Pix[y*m.W+x]
}

// Adaptive marks pixels darker than the mean of their (2r+1)² window by
// more than c grey levels: robust to uneven lighting, unlike one global
// threshold. The window mean comes from an integral image (O(1) a pixel).
func Adaptive(g *Gray, r, c int) *Mask {
	w, h := g.W, g.H
	sum := make([]int64, (w+1)*(h+1))
	for y := 0; y < h; y++ {
		var row int64
		for x := 0; x < w; x++ {
			row += int64(g.Pix[y*w+x])
			sum[(y+1)*(w+1)+x+1] = sum[y*(w+1)+x+1] + row
		}
	}
	m := NewMask(w, h)
	for y := 0; y < h; y++ {
		y0, y1 := max(0, y-r), min(h, y+r+1)
		for x := 0; x < w; x++ {
			x0, x1 := max(0, x-r), min(w, x+r+1)
			s := sum[y1*(w+1)+x1] - sum[y0*(w+1)+x1] - sum[y1*(w+1)+x0] + sum[y0*(w+1)+x0]
			n := int64((y1 - y0) * (x1 - x0))
			m.Pix[y*w+x] = int64(g.Pix[y*w+x])*n < s-int64(c)*n
		}
	}
	return m
}

// OpenH is the opening of m by a 1×l horizontal segment. For a segment
// kernel the opening keeps exactly the horizontal runs at least l long, so
// it is computed run by run; gaps of up to gap pixels inside a run are
// bridged first (a closing), so a line broken by noise survives.
func (m *Mask) OpenH(l, gap int) *Mask {
	out := NewMask(m.W, m.H)
	for y := 0; y < m.H; y++ {
		keepRuns(m.W, func(i int) bool { return m.Pix[y*m.W+i] }, func(i int) { out.Pix[y*m.W+i] = true }, l, gap)
	}
	return out
}

// OpenV is OpenH with a vertical segment.
func (m *Mask) OpenV(l, gap int) *Mask {
	out := NewMask(m.W, m.H)
	for x := 0; x < m.W; x++ {
		keepRuns(m.H, func(i int) bool { return m.Pix[i*m.W+x] }, func(i int) { out.Pix[i*m.W+x] = true }, l, gap)
	}
	return out
}

func keepRuns(n int, get func(int) bool, set func(int), l, gap int) {
	start, last := -1, -1
	flush := func() {
		if start >= 0 && last-start+1 >= l {
			for i := start; i <= last; i++ {
				set(i)
			}
		}
	}
	for i := 0; i < n; i++ {
		if !get(i) {
			continue
		}
		if start < 0 || i-last-1 > gap {
			flush()
			start = i
		}
		last = i
	}
	flush()
}

// Or is the union of a and b (same size).
func Or(a, b *Mask) *Mask {
	out := NewMask(a.W, a.H)
	for i := range out.Pix {
		out.Pix[i] = a.Pix[i] || b.Pix[i]
	}
	return out
}

// Dilate grows m by a (2r+1)² square (separably).
func (m *Mask) Dilate(r int) *Mask {
	tmp := NewMask(m.W, m.H)
	for y := 0; y < m.H; y++ {
		// a pixel is set if any source pixel lies within r of it
		next := 1 << 30
		prev := -1 << 30
		nextOf := make([]int, m.W+1)
		nextOf[m.W] = next
		for x := m.W - 1; x >= 0; x-- {
			if m.Pix[y*m.W+x] {
				next = x
			}
			nextOf[x] = next
		}
		for x := 0; x < m.W; x++ {
			if m.Pix[y*m.W+x] {
				prev = x
			}
			tmp.Pix[y*m.W+x] = x-prev <= r || nextOf[x]-x <= r
		}
	}
	out := NewMask(m.W, m.H)
	nextOf := make([]int, m.H+1)
	for x := 0; x < m.W; x++ {
		next, prev := 1<<30, -1<<30
		nextOf[m.H] = next
		for y := m.H - 1; y >= 0; y-- {
			if tmp.Pix[y*m.W+x] {
				next = y
			}
			nextOf[y] = next
		}
		for y := 0; y < m.H; y++ {
			if tmp.Pix[y*m.W+x] {
				prev = y
			}
			out.Pix[y*m.W+x] = y-prev <= r || nextOf[y]-y <= r
		}
	}
	return out
}

// Erode shrinks m by a (2r+1)² square: the complement's dilation.
func (m *Mask) Erode(r int) *Mask {
	inv := NewMask(m.W, m.H)
	for i, v := range m.Pix {
		inv.Pix[i] = !v
	}
	d := inv.Dilate(r)
	for i, v := range d.Pix {
		d.Pix[i] = !v
	}
	return d
}

// Rect is a pixel rectangle, X1 and Y1 exclusive.
type Rect struct{ X0, Y0, X1, Y1 int }

// Dx is the width.
func (r Rect) Dx() int { return r.X1 - r.X0 }

// Dy is the height.
func (r Rect) Dy() int { return r.Y1 - r.Y0 }

// Contains reports whether (x, y) lies in r.
func (r Rect) Contains(x, y float64) bool {
	return x >= float64(r.X0) && x < float64(r.X1) && y >= float64(r.Y0) && y < float64(r.Y1)
}

// Component is one 8-connected region of a mask.
type Component struct {
	Box  Rect
	Area int
	// Pixels are the component's pixel indices (y*W+x), kept only when
	// Components is asked for them.
	Pixels []int32
}

// Components labels m's 8-connected regions of at least minArea pixels.
func (m *Mask) Components(minArea int, keepPixels bool) []Component {
	seen := make([]bool, len(m.Pix))
	var out []Component
	var stack []int32
	for i, v := range m.Pix {
		if !v || seen[i] {
			continue
		}
		c := Component{Box: Rect{m.W, m.H, 0, 0}}
		var px []int32
		stack = append(stack[:0], int32(i))
		seen[i] = true
		for len(stack) > 0 {
			p := int(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			x, y := p%m.W, p/m.W
			c.Area++
			if keepPixels {
				px = append(px, int32(p))
			}
			c.Box.X0, c.Box.Y0 = min(c.Box.X0, x), min(c.Box.Y0, y)
			c.Box.X1, c.Box.Y1 = max(c.Box.X1, x+1), max(c.Box.Y1, y+1)
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= m.W || ny >= m.H {
						continue
					}
					q := ny*m.W + nx
					if m.Pix[q] && !seen[q] {
						seen[q] = true
						stack = append(stack, int32(q))
					}
				}
			}
		}
		if c.Area >= minArea {
			c.Pixels = px
			out = append(out, c)
		}
	}
	return out
}

// HSV converts an 8-bit colour to hue in degrees [0, 360), saturation and
// value in [0, 1].
func HSV(c color.RGBA) (h, s, v float64) {
	r, g, b := float64(c.R)/255, float64(c.G)/255, float64(c.B)/255
	mx, mn := max(r, g, b), min(r, g, b)
	v = mx
	if mx == 0 {
		return 0, 0, 0
	}
	d := mx - mn
	s = d / mx
	if d == 0 {
		return 0, s, v
	}
	switch mx {
	case r:
		h = 60 * (g - b) / d
	case g:
		h = 60 * (2 + (b-r)/d)
	default:
		h = 60 * (4 + (r-g)/d)
	}
	if h < 0 {
		h += 360
	}
	return h, s, v
}
