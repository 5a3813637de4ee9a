package table

import (
	"math"

	"github.com/aisd/aisd/internal/services/ocr/pipeline"
	"github.com/aisd/aisd/internal/services/ocr/raster"
)

// rotation turns points by phi radians about (cx, cy).
type rotation struct{ cx, cy, phi float64 }

func (r rotation) apply(x, y, phi float64) (float64, float64) {
	s, c := math.Sincos(phi)
	dx, dy := x-r.cx, y-r.cy
	return r.cx + dx*c - dy*s, r.cy + dx*s + dy*c
}

// fwd maps an input point into the deskewed frame, back the other way.
func (r rotation) fwd(x, y float64) (float64, float64)  { return r.apply(x, y, r.phi) }
func (r rotation) back(x, y float64) (float64, float64) { return r.apply(x, y, -r.phi) }

// skewAngle is the rotation that makes m's rows of ink most sharply
// horizontal: the angle whose horizontal projection of the ink has the
// largest sum of squares (ruling lines and text lines become peaks). A
// coarse search over ±5° is refined to 0.025°.
func skewAngle(m *raster.Mask) float64 {
	var xs, ys []float32
	step := 1
	if n := m.W * m.H; n > 1<<20 {
		step = 2 // subsample big pages: the peaks survive
	}
	for y := 0; y < m.H; y += step {
		for x := 0; x < m.W; x += step {
			if m.Pix[y*m.W+x] {
				xs = append(xs, float32(x-m.W/2))
				ys = append(ys, float32(y-m.H/2))
			}
		}
	}
	if len(xs) == 0 {
		return 0
	}
	diag := int(math.Hypot(float64(m.W), float64(m.H))) + 2
	hist := make([]float64, diag)
	score := func(phi float64) float64 {
		s, c := math.Sincos(phi)
		clear(hist)
		off := float64(diag / 2)
		for i := range xs {
			hist[int(float64(xs[i])*s+float64(ys[i])*c+off)]++
		}
		var sum float64
		for _, h := range hist {
			sum += h * h
		}
		return sum
	}
	best, bestS := 0.0, score(0)
	search := func(from, to, by float64) {
		for a := from; a <= to+1e-9; a += by {
			if s := score(a * math.Pi / 180); s > bestS {
				best, bestS = a, s
			}
		}
	}
	search(-5, 5, 0.2)
	c := best
	search(c-0.2, c+0.2, 0.025)
	return best * math.Pi / 180
}

// rotateGray is g turned by r (bilinear; outside is paper white).
func rotateGray(g *raster.Gray, r rotation) *raster.Gray {
	out := &raster.Gray{W: g.W, H: g.H, Pix: make([]uint8, len(g.Pix))}
	for y := 0; y < g.H; y++ {
		for x := 0; x < g.W; x++ {
			u, v := r.back(float64(x), float64(y))
			x0, y0 := int(math.Floor(u)), int(math.Floor(v))
			if x0 < 0 || y0 < 0 || x0+1 >= g.W || y0+1 >= g.H {
				out.Pix[y*g.W+x] = 255
				continue
			}
			fx, fy := u-float64(x0), v-float64(y0)
			p := func(xx, yy int) float64 { return float64(g.Pix[yy*g.W+xx]) }
			val := p(x0, y0)*(1-fx)*(1-fy) + p(x0+1, y0)*fx*(1-fy) + p(x0, y0+1)*(1-fx)*fy + p(x0+1, y0+1)*fx*fy
			out.Pix[y*g.W+x] = uint8(val + 0.5)
		}
	}
	return out
}

func (r rotation) box(b [4]pipeline.Point) [4]pipeline.Point {
	var out [4]pipeline.Point
	for i, p := range b {
		x, y := r.fwd(float64(p[0]), float64(p[1]))
		out[i] = pipeline.Point{int(math.Round(x)), int(math.Round(y))}
	}
	return out
}

// lines are the OCR lines moved into the deskewed frame.
func (r rotation) lines(in []pipeline.Line) []pipeline.Line {
	out := make([]pipeline.Line, len(in))
	for i, l := range in {
		l.Box = r.box(l.Box)
		chars := make([]pipeline.Char, len(l.Chars))
		for k, c := range l.Chars {
			c.Box = r.box(c.Box)
			chars[k] = c
		}
		l.Chars = chars
		out[i] = l
	}
	return out
}

// quad is an upright rectangle of the deskewed frame as the four corners
// it has in the input.
func (r rotation) quad(b Rect) *[][]int32 {
	c := [4][2]float64{{float64(b.X0), float64(b.Y0)}, {float64(b.X1 - 1), float64(b.Y0)}, {float64(b.X1 - 1), float64(b.Y1 - 1)}, {float64(b.X0), float64(b.Y1 - 1)}}
	q := make([][]int32, 4)
	for i, p := range c {
		x, y := r.back(p[0], p[1])
		q[i] = []int32{int32(math.Round(x)), int32(math.Round(y))}
	}
	return &q
}

// points is a deskewed box back in input coordinates.
func (r rotation) points(b [4]pipeline.Point) *[][]int32 {
	q := make([][]int32, 4)
	for i, p := range b {
		x, y := r.back(float64(p[0]), float64(p[1]))
		q[i] = []int32{int32(math.Round(x)), int32(math.Round(y))}
	}
	return &q
}
