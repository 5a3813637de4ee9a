package pipeline

import "math"

// cvRect is OpenCV's RotatedRect.
type cvRect struct {
	cx, cy, w, h, angle float32
}

// cvMinAreaRect reproduces cv2.minAreaRect on a convex hull given in
// OpenCV's order (visually clockwise in image coordinates, starting where
// cv2.convexHull would). The float32 arithmetic is kept step for step: its
// rounding (745.99994 instead of 746) decides where later truncations land.
func cvMinAreaRect(hull []ipt) cvRect {
	n := len(hull)
	p := make([][2]float32, n)
	for i, q := range hull {
		p[i] = [2]float32{float32(q.x), float32(q.y)}
	}
	switch {
	case n == 0:
		return cvRect{}
	case n == 1:
		return cvRect{cx: p[0][0], cy: p[0][1]}
	case n == 2:
		dx := float64(p[1][0] - p[0][0])
		dy := float64(p[1][1] - p[0][1])
		r := cvRect{
			cx: (p[0][0] + p[1][0]) * 0.5, cy: (p[0][1] + p[1][1]) * 0.5,
			w: float32(math.Sqrt(dx*dx + dy*dy)),
		}
		r.angle = float32(float64(float32(math.Atan2(dy, dx))) * 180 / math.Pi)
		return r
	}
	out := rotatingCalipers(p)
	r := cvRect{
		cx: out[0] + (out[2]+out[4])*0.5,
		cy: out[1] + (out[3]+out[5])*0.5,
		w:  float32(math.Sqrt(float64(out[2])*float64(out[2]) + float64(out[3])*float64(out[3]))),
		h:  float32(math.Sqrt(float64(out[4])*float64(out[4]) + float64(out[5])*float64(out[5]))),
	}
	a := float32(math.Atan2(float64(out[3]), float64(out[2])))
	r.angle = float32(float64(a) * 180 / math.Pi)
	return r
}

func rotatingCalipers(p [][2]float32) [6]float32 {
	n := len(p)
	invLen := make([]float32, n)
	vect := make([][2]float32, n)
	left, bottom, right, top := 0, 0, 0, 0
	pt0 := p[0]
	leftX, rightX, topY, bottomY := pt0[0], pt0[0], pt0[1], pt0[1]
	for i := 0; i < n; i++ {
		if pt0[0] < leftX {
			leftX, left = pt0[0], i
		}
		if pt0[0] > rightX {
			rightX, right = pt0[0], i
		}
		if pt0[1] > topY {
			topY, top = pt0[1], i
		}
		if pt0[1] < bottomY {
			bottomY, bottom = pt0[1], i
		}
		pt := p[(i+1)%n]
		dx := float64(pt[0]) - float64(pt0[0])
		dy := float64(pt[1]) - float64(pt0[1])
		vect[i] = [2]float32{float32(dx), float32(dy)}
		invLen[i] = float32(1 / math.Sqrt(dx*dx+dy*dy))
		pt0 = pt
	}
	var orientation float32
	{
		ax, ay := float64(vect[n-1][0]), float64(vect[n-1][1])
		for i := 0; i < n; i++ {
			bx, by := float64(vect[i][0]), float64(vect[i][1])
			if c := ax*by - ay*bx; c != 0 {
				if c > 0 {
					orientation = 1
				} else {
					orientation = -1
				}
				break
			}
			ax, ay = bx, by
		}
	}
	baseA, baseB := orientation, float32(0)
	seq := [4]int{bottom, right, top, left}
	minArea := float32(math.MaxFloat32)
	var bufLeft, bufBottom int
	var bufA, bufW, bufB, bufH float32
	for k := 0; k < n; k++ {
		// Choosing the caliper to rotate compares cosines; done in float32
		// they tie on nearly parallel edges (0.99999994 both), and OpenCV
		// 4.6 evidently resolves them in double: this choice reproduces
		// its rectangles (971 of 980 bit-exact) where float32 does not.
		a, b := float64(baseA), float64(baseB)
		cos := func(i int, x, y float64) float64 {
			vx, vy := float64(vect[seq[i]][0]), float64(vect[seq[i]][1])
			return (x*vx + y*vy) / math.Sqrt(vx*vx+vy*vy)
		}
		main := 0
		maxCos := cos(0, a, b)
		for i, d := range [3][2]float64{{-b, a}, {-a, -b}, {b, -a}} {
			if c := cos(i+1, d[0], d[1]); c > maxCos {
				main, maxCos = i+1, c
			}
		}
		pi := seq[main]
		lx := vect[pi][0] * invLen[pi]
		ly := vect[pi][1] * invLen[pi]
		switch main {
		case 0:
			baseA, baseB = lx, ly
		case 1:
			baseA, baseB = ly, -lx
		case 2:
			baseA, baseB = -lx, -ly
		case 3:
			baseA, baseB = -ly, lx
		}
		seq[main]++
		if seq[main] == n {
			seq[main] = 0
		}
		dx := p[seq[1]][0] - p[seq[3]][0]
		dy := p[seq[1]][1] - p[seq[3]][1]
		width := dx*baseA + dy*baseB
		dx = p[seq[2]][0] - p[seq[0]][0]
		dy = p[seq[2]][1] - p[seq[0]][1]
		height := -dx*baseB + dy*baseA
		if area := width * height; area <= minArea {
			minArea = area
			bufLeft, bufA, bufW, bufB, bufH, bufBottom = seq[3], baseA, width, baseB, height, seq[0]
		}
	}
	A1, B1 := bufA, bufB
	A2, B2 := -bufB, bufA
	C1 := A1*p[bufLeft][0] + p[bufLeft][1]*B1
	C2 := A2*p[bufBottom][0] + p[bufBottom][1]*B2
	idet := 1 / (A1*B2 - A2*B1)
	px := (C1*B2 - C2*B1) * idet
	py := (A1*C2 - A2*C1) * idet
	return [6]float32{px, py, A1 * bufW, B1 * bufW, A2 * bufH, B2 * bufH}
}

// points is cv2.boxPoints.
func (r cvRect) points() [4]pt {
	ang := float64(r.angle) * math.Pi / 180
	b := float32(math.Cos(ang)) * 0.5
	a := float32(math.Sin(ang)) * 0.5
	var q [4][2]float32
	q[0][0] = r.cx - a*r.h - b*r.w
	q[0][1] = r.cy + b*r.h - a*r.w
	q[1][0] = r.cx + a*r.h - b*r.w
	q[1][1] = r.cy - b*r.h - a*r.w
	q[2][0] = 2*r.cx - q[0][0]
	q[2][1] = 2*r.cy - q[0][1]
	q[3][0] = 2*r.cx - q[1][0]
	q[3][1] = 2*r.cy - q[1][1]
	var out [4]pt
	for i := range q {
		out[i] = pt{float64(q[i][0]), float64(q[i][1])}
	}
	return out
}

// cvHullOrder puts a hull (clockwise on screen, as convexHull returns it)
// in the order cv2.minAreaRect sees it. That is cv2.convexHull's default
// order: clockwise on screen, starting at the right-most (then bottom-most)
// vertex; when the input positions (idx) run monotonically around the
// hull, OpenCV shifts the start to the lowest position (ascending) or the
// highest (descending). Measured against OpenCV 4.6 on 980 contours, this
// reproduces 967 rectangles to the float32 bit.
func cvHullOrder(hull []ipt, idx func(ipt) int) []ipt {
	n := len(hull)
	if n < 3 {
		return hull
	}
	start := 0
	for i, q := range hull {
		r := hull[start]
		if q.x > r.x || (q.x == r.x && q.y > r.y) {
			start = i
		}
	}
	h := append(append([]ipt(nil), hull[start:]...), hull[:start]...)
	ix := make([]int, n)
	for i, q := range h {
		ix[i] = idx(q)
	}
	minI, maxI, lt := 0, 0, 0
	for i := 1; i < n; i++ {
		if ix[i-1] < ix[i] {
			lt++
		}
		if ix[i] < ix[minI] {
			minI = i
		}
		if ix[i] > ix[maxI] {
			maxI = i
		}
		if lt > 1 && lt < i {
			break
		}
	}
	d := maxI - minI
	if d < 0 {
		d = -d
	}
	if (d == 1 || d == n-1) && (lt <= 1 || lt >= n-2) {
		i0 := maxI
		if (maxI+1)%n == minI {
			i0 = minI
		}
		return append(append([]ipt(nil), h[i0:]...), h[:i0]...)
	}
	return h
}

// contourHullOrder orders the hull of a component traced by OpenCV from its
// first raster pixel: outer contours run counter-clockwise on screen, so
// along the clockwise hull the contour positions descend from that pixel's
// 0, and the hull starts at its clockwise successor.
func contourHullOrder(hull []ipt, first ipt) []ipt {
	n := len(hull)
	f := -1
	for i, q := range hull {
		if q == first {
			f = i
		}
	}
	if f < 0 {
		return cvHullOrder(hull, func(ipt) int { return 0 })
	}
	pos := make(map[ipt]int, n)
	for k := 0; k < n; k++ {
		// hull is clockwise: stepping backwards goes counter-clockwise.
		pos[hull[(f-k+n)%n]] = k
	}
	return cvHullOrder(hull, func(q ipt) int { return pos[q] })
}
