// Package geom is the plane geometry of document pages: points, quads and
// the homography between a photographed page and its upright rectangle.
package geom

import "math"

// Pt is a point in pixels.
type Pt struct{ X, Y float64 }

// Quad is four corners: top-left, top-right, bottom-right, bottom-left.
type Quad [4]Pt

// H is a 3×3 homography, row-major.
type H [9]float64

// Homography solves the projective map taking src[i] to dst[i] (the
// direct linear transform with h33 = 1, by Gaussian elimination with
// partial pivoting). ok is false for degenerate quads.
func Homography(src, dst Quad) (H, bool) {
	var a [8][9]float64
	for i := 0; i < 4; i++ {
		x, y, u, v := src[i].X, src[i].Y, dst[i].X, dst[i].Y
		a[2*i] = [9]float64{x, y, 1, 0, 0, 0, -x * u, -y * u, u}
		a[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -x * v, -y * v, v}
	}
	for c := 0; c < 8; c++ {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < 1e-10 {
			return H{}, false
		}
		a[c], a[p] = a[p], a[c]
		for r := 0; r < 8; r++ {
			if r == c {
				continue
			}
			f := a[r][c] / a[c][c]
			for k := c; k < 9; k++ {
				a[r][k] -= f * a[c][k]
			}
		}
	}
	var h H
	for i := 0; i < 8; i++ {
		h[i] = a[i][8] / a[i][i]
	}
	h[8] = 1
	return h, true
}

// Apply maps p through h.
func (h H) Apply(p Pt) Pt {
	w := h[6]*p.X + h[7]*p.Y + h[8]
	if w == 0 {
		return Pt{math.Inf(1), math.Inf(1)}
	}
	return Pt{(h[0]*p.X + h[1]*p.Y + h[2]) / w, (h[3]*p.X + h[4]*p.Y + h[5]) / w}
}

// Inverse returns h⁻¹ (ok false when h is singular).
func (h H) Inverse() (H, bool) {
	m := h
	det := m[0]*(m[4]*m[8]-m[5]*m[7]) - m[1]*(m[3]*m[8]-m[5]*m[6]) + m[2]*(m[3]*m[7]-m[4]*m[6])
	if math.Abs(det) < 1e-15 {
		return H{}, false
	}
	d := 1 / det
	return H{
		(m[4]*m[8] - m[5]*m[7]) * d, (m[2]*m[7] - m[1]*m[8]) * d, (m[1]*m[5] - m[2]*m[4]) * d,
		(m[5]*m[6] - m[3]*m[8]) * d, (m[0]*m[8] - m[2]*m[6]) * d, (m[2]*m[3] - m[0]*m[5]) * d,
		(m[3]*m[7] - m[4]*m[6]) * d, (m[1]*m[6] - m[0]*m[7]) * d, (m[0]*m[4] - m[1]*m[3]) * d,
	}, true
}

// Rect is the upright w×h rectangle as a Quad.
func Rect(w, h float64) Quad { return Quad{{0, 0}, {w, 0}, {w, h}, {0, h}} }

// Centre is the mean of the corners.
func (q Quad) Centre() Pt {
	return Pt{(q[0].X + q[1].X + q[2].X + q[3].X) / 4, (q[0].Y + q[1].Y + q[2].Y + q[3].Y) / 4}
}

// Map maps every corner through h.
func (q Quad) Map(h H) Quad {
	for i := range q {
		q[i] = h.Apply(q[i])
	}
	return q
}

// Rotate turns p by angle a (radians) about c.
func Rotate(p, c Pt, a float64) Pt {
	s, co := math.Sincos(a)
	dx, dy := p.X-c.X, p.Y-c.Y
	return Pt{c.X + dx*co - dy*s, c.Y + dx*s + dy*co}
}
