package pipeline

import (
	"math"
	"sort"
)

type pt struct{ x, y float64 }

type ipt struct{ x, y int64 }

// convexHull returns the hull of integer points counter-clockwise in image
// coordinates (Andrew's monotone chain), without collinear points.
func convexHull(p []ipt) []ipt {
	if len(p) < 3 {
		return dedup(p)
	}
	sort.Slice(p, func(i, j int) bool {
		if p[i].x != p[j].x {
			return p[i].x < p[j].x
		}
		return p[i].y < p[j].y
	})
	p = dedup(p)
	if len(p) < 3 {
		return p
	}
	cross := func(o, a, b ipt) int64 { return (a.x-o.x)*(b.y-o.y) - (a.y-o.y)*(b.x-o.x) }
	h := make([]ipt, 0, 2*len(p))
	for _, q := range p {
		for len(h) >= 2 && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	lo := len(h) + 1
	for i := len(p) - 2; i >= 0; i-- {
		q := p[i]
		for len(h) >= lo && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	return h[:len(h)-1]
}

func dedup(p []ipt) []ipt {
	out := p[:0:0]
	for i, q := range p {
		dup := false
		for _, r := range p[:i] {
			if r == q {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, q)
		}
	}
	return out
}

// miniBox orders cv2.boxPoints(cv2.minAreaRect(...)) the way RapidOCR's
// get_mini_boxes does: sorted by x, then top/bottom picked within each
// pair. hull must be in OpenCV's order (see cvHullOrder).
func miniBox(hull []ipt) ([4]pt, float64) {
	r := cvMinAreaRect(hull)
	c := r.points()
	p := c[:]
	sort.SliceStable(p, func(i, j int) bool { return p[i].x < p[j].x })
	i1, i2, i3, i4 := 0, 1, 2, 3
	if p[1].y > p[0].y {
		i1, i4 = 0, 1
	} else {
		i1, i4 = 1, 0
	}
	if p[3].y > p[2].y {
		i2, i3 = 2, 3
	} else {
		i2, i3 = 3, 2
	}
	return [4]pt{p[i1], p[i2], p[i3], p[i4]}, float64(min(r.w, r.h))
}

// polyArea and polyPerimeter measure a closed polygon.
func polyArea(p []pt) float64 {
	var a float64
	for i := range p {
		j := (i + 1) % len(p)
		a += p[i].x*p[j].y - p[j].x*p[i].y
	}
	return math.Abs(a) / 2
}

func polyPerimeter(p []pt) float64 {
	var l float64
	for i := range p {
		j := (i + 1) % len(p)
		l += math.Hypot(p[j].x-p[i].x, p[j].y-p[i].y)
	}
	return l
}

// offsetPolygon grows a closed polygon by delta with round joins,
// reproducing the Clipper library's ClipperOffset (arc tolerance 0.25) on
// integer coordinates, which is what the reference's unclip step uses.
// Input coordinates are truncated to integers as that binding does.
func offsetPolygon(in []pt, delta float64) []ipt {
	src := make([]ipt, 0, len(in))
	for _, q := range in {
		p := ipt{int64(q.x), int64(q.y)}
		if len(src) > 0 && src[len(src)-1] == p {
			continue
		}
		src = append(src, p)
	}
	for len(src) > 1 && src[len(src)-1] == src[0] {
		src = src[:len(src)-1]
	}
	if len(src) < 3 {
		return nil
	}
	if clipperArea(src) < 0 {
		for i, j := 0, len(src)-1; i < j; i, j = i+1, j-1 {
			src[i], src[j] = src[j], src[i]
		}
	}
	if math.Abs(delta) < 1e-20 {
		return src
	}
	const arcTol = 0.25
	y := arcTol
	if y > math.Abs(delta)*arcTol {
		y = math.Abs(delta) * arcTol
	}
	steps := math.Pi / math.Acos(1-y/math.Abs(delta))
	if steps > math.Abs(delta)*math.Pi {
		steps = math.Abs(delta) * math.Pi
	}
	sinS, cosS := math.Sin(2*math.Pi/steps), math.Cos(2*math.Pi/steps)
	stepsPerRad := steps / (2 * math.Pi)
	if delta < 0 {
		sinS = -sinS
	}
	n := len(src)
	normals := make([]pt, n)
	for j := 0; j < n; j++ {
		a, b := src[j], src[(j+1)%n]
		dx, dy := float64(b.x-a.x), float64(b.y-a.y)
		f := 1 / math.Sqrt(dx*dx+dy*dy)
		normals[j] = pt{dy * f, -dx * f}
	}
	round := func(v float64) int64 {
		if v < 0 {
			return int64(v - 0.5)
		}
		return int64(v + 0.5)
	}
	var out []ipt
	at := func(j int, nr pt) ipt {
		return ipt{round(float64(src[j].x) + nr.x*delta), round(float64(src[j].y) + nr.y*delta)}
	}
	k := n - 1
	for j := 0; j < n; j++ {
		nk, nj := normals[k], normals[j]
		sinA := nk.x*nj.y - nj.x*nk.y
		cosA := nk.x*nj.x + nj.y*nk.y
		if math.Abs(sinA*delta) < 1.0 {
			if cosA > 0 {
				out = append(out, at(j, nk))
				k = j
				continue
			}
		} else if sinA > 1 {
			sinA = 1
		} else if sinA < -1 {
			sinA = -1
		}
		if sinA*delta < 0 {
			out = append(out, at(j, nk), src[j], at(j, nj))
		} else {
			a := math.Atan2(sinA, cosA)
			st := max(int(round(stepsPerRad*math.Abs(a))), 1)
			x, yy := nk.x, nk.y
			for i := 0; i < st; i++ {
				out = append(out, ipt{round(float64(src[j].x) + x*delta), round(float64(src[j].y) + yy*delta)})
				x, yy = x*cosS-sinS*yy, x*sinS+yy*cosS
			}
			out = append(out, at(j, nj))
		}
		k = j
	}
	return out
}

// clipperArea is Clipper's signed area; positive means the orientation
// Clipper treats as outer.
func clipperArea(p []ipt) float64 {
	var a float64
	for i, j := 0, len(p)-1; i < len(p); j, i = i, i+1 {
		a += (float64(p[j].x) + float64(p[i].x)) * (float64(p[j].y) - float64(p[i].y))
	}
	return -a * 0.5
}
