package template

import (
	"math"
)

// P is a point in pixels.
type P struct{ X, Y float64 }

// Quad is four corners: top-left, top-right, bottom-right, bottom-left in
// reading order.
type Quad [4]P

func (q Quad) centre() P {
	return P{(q[0].X + q[1].X + q[2].X + q[3].X) / 4, (q[0].Y + q[1].Y + q[2].Y + q[3].Y) / 4}
}

// height is the mean length of the quad's left and right edges: the text
// height of an anchor.
func (q Quad) height() float64 { return (dist(q[0], q[3]) + dist(q[1], q[2])) / 2 }

func dist(a, b P) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// signedArea is positive for corners in clockwise order on screen (y down).
func signedArea(q []P) float64 {
	var s float64
	for i := range q {
		j := (i + 1) % len(q)
		s += q[i].X*q[j].Y - q[j].X*q[i].Y
	}
	return s / 2
}

// convexCW reports whether q is a strictly convex quadrilateral turning
// clockwise on screen (the orientation of an unmirrored page).
func convexCW(q Quad) bool {
	for i := 0; i < 4; i++ {
		a, b, c := q[i], q[(i+1)%4], q[(i+2)%4]
		if (b.X-a.X)*(c.Y-b.Y)-(b.Y-a.Y)*(c.X-b.X) <= 0 {
			return false
		}
	}
	return true
}

// inside reports whether p lies in the convex quad q (clockwise).
func inside(q Quad, p P) bool {
	for i := 0; i < 4; i++ {
		a, b := q[i], q[(i+1)%4]
		if (b.X-a.X)*(p.Y-a.Y)-(b.Y-a.Y)*(p.X-a.X) < 0 {
			return false
		}
	}
	return true
}

// H is a 3×3 projective transform, row-major.
type H [9]float64

// Apply maps p; ok is false at or beyond the line at infinity.
func (h H) Apply(p P) (P, bool) {
	w := h[6]*p.X + h[7]*p.Y + h[8]
	if math.Abs(w) < 1e-12 {
		return P{}, false
	}
	return P{(h[0]*p.X + h[1]*p.Y + h[2]) / w, (h[3]*p.X + h[4]*p.Y + h[5]) / w}, true
}

func (h H) w(p P) float64 { return h[6]*p.X + h[7]*p.Y + h[8] }

func (h H) quad(q Quad) (Quad, bool) {
	var out Quad
	for i, p := range q {
		m, ok := h.Apply(p)
		if !ok {
			return out, false
		}
		out[i] = m
	}
	return out, true
}

func mul(a, b H) H {
	var c H
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			for k := 0; k < 3; k++ {
				c[i*3+j] += a[i*3+k] * b[k*3+j]
			}
		}
	}
	return c
}

// normaliser is Hartley's conditioning: centroid to the origin, mean
// distance √2, so that the DLT's equations are of comparable size.
func normaliser(pts []P) (t, inv H) {
	var cx, cy float64
	for _, p := range pts {
		cx += p.X
		cy += p.Y
	}
	n := float64(len(pts))
	cx, cy = cx/n, cy/n
	var d float64
	for _, p := range pts {
		d += math.Hypot(p.X-cx, p.Y-cy)
	}
	d /= n
	s := 1.0
	if d > 1e-9 {
		s = math.Sqrt2 / d
	}
	t = H{s, 0, -s * cx, 0, s, -s * cy, 0, 0, 1}
	inv = H{1 / s, 0, cx, 0, 1 / s, cy, 0, 0, 1}
	return t, inv
}

// fitHomography solves dst ≈ H·src in the least-squares (algebraic) sense
// with the normalised DLT: the right singular vector of the 2N×9 design
// matrix for its smallest singular value, found as the eigenvector of AᵀA
// with the cyclic Jacobi method. ok is false with fewer than four pairs or
// when the smallest eigenvalue is not isolated (a degenerate
// configuration: collinear points, one repeated point).
func fitHomography(src, dst []P) (H, bool) {
	if len(src) < 4 || len(src) != len(dst) {
		return H{}, false
	}
	t1, _ := normaliser(src)
	t2, t2inv := normaliser(dst)
	var m [9][9]float64
	for i := range src {
		s, _ := t1.Apply(src[i])
		d, _ := t2.Apply(dst[i])
		rows := [2][9]float64{
			{-s.X, -s.Y, -1, 0, 0, 0, d.X * s.X, d.X * s.Y, d.X},
			{0, 0, 0, -s.X, -s.Y, -1, d.Y * s.X, d.Y * s.Y, d.Y},
		}
		for _, r := range rows {
			for a := 0; a < 9; a++ {
				for b := 0; b < 9; b++ {
					m[a][b] += r[a] * r[b]
				}
			}
		}
	}
	vals, vecs := jacobiEigen(m)
	lo, second := 0, -1
	for i := 1; i < 9; i++ {
		if vals[i] < vals[lo] {
			lo = i
		}
	}
	for i := 0; i < 9; i++ {
		if i != lo && (second < 0 || vals[i] < vals[second]) {
			second = i
		}
	}
	top := 0.0
	for _, v := range vals {
		top = math.Max(top, v)
	}
	// A second (near-)null direction means the points do not pin the
	// transform down (collinear or repeated points).
	if vals[second] <= 1e-10*top {
		return H{}, false
	}
	var hn H
	for i := 0; i < 9; i++ {
		hn[i] = vecs[i][lo]
	}
	h := mul(t2inv, mul(hn, t1))
	if math.Abs(h[8]) > 1e-12 {
		for i := range h {
			h[i] /= h[8]
		}
	}
	return h, true
}

// jacobiEigen returns the eigenvalues and (column) eigenvectors of the
// symmetric matrix a.
func jacobiEigen(a [9][9]float64) ([9]float64, [9][9]float64) {
	const n = 9
	var v [9][9]float64
	for i := 0; i < n; i++ {
		v[i][i] = 1
	}
	for sweep := 0; sweep < 100; sweep++ {
		var off, diag float64
		for i := 0; i < n; i++ {
			diag += a[i][i] * a[i][i]
			for j := i + 1; j < n; j++ {
				off += a[i][j] * a[i][j]
			}
		}
		if off <= 1e-30*math.Max(diag, 1e-300) {
			break
		}
		for p := 0; p < n; p++ {
			for q := p + 1; q < n; q++ {
				if math.Abs(a[p][q]) < 1e-300 {
					continue
				}
				theta := (a[q][q] - a[p][p]) / (2 * a[p][q])
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := 0; k < n; k++ {
					akp, akq := a[k][p], a[k][q]
					a[k][p] = c*akp - s*akq
					a[k][q] = s*akp + c*akq
				}
				for k := 0; k < n; k++ {
					apk, aqk := a[p][k], a[q][k]
					a[p][k] = c*apk - s*aqk
					a[q][k] = s*apk + c*aqk
				}
				for k := 0; k < n; k++ {
					vkp, vkq := v[k][p], v[k][q]
					v[k][p] = c*vkp - s*vkq
					v[k][q] = s*vkp + c*vkq
				}
			}
		}
	}
	var vals [9]float64
	for i := 0; i < n; i++ {
		vals[i] = a[i][i]
	}
	return vals, v
}

// fitSimilarity is the least-squares rotation, uniform scale and
// translation taking src to dst (no reflection): the model when too few
// anchors are found to fix a perspective.
func fitSimilarity(src, dst []P) (H, bool) {
	if len(src) < 2 || len(src) != len(dst) {
		return H{}, false
	}
	var sx, sy, dx, dy float64
	for i := range src {
		sx += src[i].X
		sy += src[i].Y
		dx += dst[i].X
		dy += dst[i].Y
	}
	n := float64(len(src))
	sx, sy, dx, dy = sx/n, sy/n, dx/n, dy/n
	var a, b, ss float64
	for i := range src {
		x, y := src[i].X-sx, src[i].Y-sy
		u, v := dst[i].X-dx, dst[i].Y-dy
		a += x*u + y*v
		b += x*v - y*u
		ss += x*x + y*y
	}
	if ss < 1e-9 {
		return H{}, false
	}
	a, b = a/ss, b/ss
	if math.Hypot(a, b) < 1e-9 {
		return H{}, false
	}
	return H{a, -b, dx - a*sx + b*sy, b, a, dy - b*sx - a*sy, 0, 0, 1}, true
}

// fitAffine is the least-squares affine map taking src to dst.
func fitAffine(src, dst []P) (H, bool) {
	if len(src) < 3 || len(src) != len(dst) {
		return H{}, false
	}
	t1, _ := normaliser(src)
	var m [3][3]float64
	var bx, by [3]float64
	for i := range src {
		s, _ := t1.Apply(src[i])
		r := [3]float64{s.X, s.Y, 1}
		for a := 0; a < 3; a++ {
			for b := 0; b < 3; b++ {
				m[a][b] += r[a] * r[b]
			}
			bx[a] += r[a] * dst[i].X
			by[a] += r[a] * dst[i].Y
		}
	}
	inv, ok := invert3(m)
	if !ok {
		return H{}, false
	}
	var px, py [3]float64
	for a := 0; a < 3; a++ {
		for b := 0; b < 3; b++ {
			px[a] += inv[a][b] * bx[b]
			py[a] += inv[a][b] * by[b]
		}
	}
	return mul(H{px[0], px[1], px[2], py[0], py[1], py[2], 0, 0, 1}, t1), true
}

func invert3(m [3][3]float64) ([3][3]float64, bool) {
	det := m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) -
		m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) +
		m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	scale := 0.0
	for _, r := range m {
		for _, v := range r {
			scale = math.Max(scale, math.Abs(v))
		}
	}
	if math.Abs(det) <= 1e-12*scale*scale*scale {
		return [3][3]float64{}, false
	}
	var o [3][3]float64
	o[0][0] = (m[1][1]*m[2][2] - m[1][2]*m[2][1]) / det
	o[0][1] = (m[0][2]*m[2][1] - m[0][1]*m[2][2]) / det
	o[0][2] = (m[0][1]*m[1][2] - m[0][2]*m[1][1]) / det
	o[1][0] = (m[1][2]*m[2][0] - m[1][0]*m[2][2]) / det
	o[1][1] = (m[0][0]*m[2][2] - m[0][2]*m[2][0]) / det
	o[1][2] = (m[0][2]*m[1][0] - m[0][0]*m[1][2]) / det
	o[2][0] = (m[1][0]*m[2][1] - m[1][1]*m[2][0]) / det
	o[2][1] = (m[0][1]*m[2][0] - m[0][0]*m[2][1]) / det
	o[2][2] = (m[0][0]*m[1][1] - m[0][1]*m[1][0]) / det
	return o, true
}
