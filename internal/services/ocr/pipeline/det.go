package pipeline

import (
	"math"
	"sort"
)

// detSize is the detector input size for an image of w×h: limit_type "min"
// scales up until the short side reaches the limit, "max" scales down until
// the long side does; both then round each side to a multiple of 32.
// "auto" is the image's own scale (quickDetSize).
func (c *Config) detSize(w, h int) (int, int) {
	switch c.DetLimitType {
	case "auto":
		return quickDetSize(w, h)
	case "capped":
		return cappedDetSize(w, h, c.DetLimitSideLen, c.DetMaxUpscale)
	}
	return detSizeFor(c.DetLimitType, c.DetLimitSideLen, w, h)
}

// cappedDetLong bounds the long side of a "capped" detector input: the
// detector's activations grow with its area.
const cappedDetLong = 2400

// cappedDetSize is "min" scaling with the enlargement capped: the short
// side goes towards limit, but by at most maxUp times (small text in a
// small photo still gains resolution, while a long thin line is not
// blown up tenfold, which splits its words), and the long side stays
// within cappedDetLong; images are never scaled down.
func cappedDetSize(w, h, limit int, maxUp float64) (int, int) {
	ratio := 1.0
	if s := min(w, h); s < limit {
		ratio = min(float64(limit)/float64(s), maxUp)
	}
	if l := float64(max(w, h)) * ratio; l > cappedDetLong {
		ratio = max(1, cappedDetLong/float64(max(w, h)))
	}
	return max(32, round32(int(float64(w)*ratio))), max(32, round32(int(float64(h)*ratio)))
}

// quickDetSize is the reference's limit_type "max" mode, used for quick
// runs: the limit adapts to the image (960, 1500 or 2000 px on the long
// side) and images are only ever scaled down.
func quickDetSize(w, h int) (int, int) {
	lim := 2000
	switch m := max(w, h); {
	case m < 960:
		lim = 960
	case m < 1500:
		lim = 1500
	}
	return detSizeFor("max", lim, w, h)
}

func detSizeFor(limitType string, limit, w, h int) (int, int) {
	ratio := 1.0
	lim := float64(limit)
	if limitType == "max" {
		if max(w, h) > limit {
			if h > w {
				ratio = lim / float64(h)
			} else {
				ratio = lim / float64(w)
			}
		}
	} else if min(w, h) < limit {
		if h < w {
			ratio = lim / float64(h)
		} else {
			ratio = lim / float64(w)
		}
	}
	rh := int(float64(h) * ratio)
	rw := int(float64(w) * ratio)
	return round32(rw), round32(rh)
}

// round32 is int(round(v/32)*32) with Python's half-to-even round.
func round32(v int) int { return int(math.RoundToEven(float64(v)/32) * 32) }

// normalizeCHW turns a BGR image into a 1×3×H×W tensor of (x/255-0.5)/0.5.
func normalizeCHW(m *bgr, dst []float32, dstW int) {
	plane := len(dst) / 3
	parallel(m.h, 64, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			row := m.pix[y*m.w*3 : (y+1)*m.w*3]
			b, g, r := dst[y*dstW:][:m.w], dst[plane+y*dstW:][:m.w], dst[2*plane+y*dstW:][:m.w]
			for x := range b {
				b[x] = normLUT[row[3*x]]
				g[x] = normLUT[row[3*x+1]]
				r[x] = normLUT[row[3*x+2]]
			}
		}
	})
}

var normLUT = func() (t [256]float32) {
	for i := range t {
		t[i] = float32((float64(i)*(1/255.0) - 0.5) / 0.5)
	}
	return
}()

// debugDB, when set by a test, sees each candidate's intermediate values.
var debugDB func(hull []ipt, box [4]pt, score, dist float64, grown []ipt)

type detBox struct {
	p     [4]pt // TL, TR, BR, BL in the detector's source image coordinates
	score float64
}

// dbPostprocess turns the probability map (mw×mh) into boxes in a dstW×dstH
// image, reproducing the reference DBPostProcess.
func (c *Config) dbPostprocess(pred []float32, mw, mh, dstW, dstH int) []detBox {
	bitmap := make([]uint8, mw*mh)
	th := float32(c.DetThresh)
	parallel(len(pred), 1<<16, func(lo, hi int) {
		for i, v := range pred[lo:hi] {
			if v > th {
				bitmap[lo+i] = 1
			}
		}
	})
	if c.DetUseDilation {
		// 2×2 kernel with anchor (1,1): a pixel is set when it or its
		// left, upper or upper-left neighbour is.
		d := make([]uint8, len(bitmap))
		parallel(mh, 64, func(y0, y1 int) {
			for y := y0; y < y1; y++ {
				cur := bitmap[y*mw : (y+1)*mw]
				out := d[y*mw : (y+1)*mw]
				out[0] = cur[0]
				for x := 1; x < mw; x++ {
					out[x] = cur[x] | cur[x-1]
				}
				if y > 0 {
					up := bitmap[(y-1)*mw : y*mw]
					out[0] |= up[0]
					for x := 1; x < mw; x++ {
						out[x] |= up[x] | up[x-1]
					}
				}
			}
		})
		bitmap = d
	}
	comps := components(bitmap, mw, mh)
	if len(comps) > c.DetMaxCandidate {
		comps = comps[:c.DetMaxCandidate]
	}
	var out []detBox
	for _, comp := range comps {
		ordered := contourHullOrder(comp.hull, comp.first)
		box, side := miniBox(ordered)
		if side < c.DetMinSize {
			continue
		}
		score := boxScoreFast(pred, mw, mh, box)
		if c.DetBoxThresh > score {
			continue
		}
		dist := polyArea(box[:]) * c.DetUnclipRatio / polyPerimeter(box[:])
		grown := offsetPolygon(box[:], dist)
		if len(grown) == 0 {
			continue
		}
		if debugDB != nil {
			debugDB(ordered, box, score, dist, grown)
		}
		box, side = miniBox(cvHullOrder(convexHull(grown), offsetIndex(grown)))
		if side < c.DetMinSize+2 {
			continue
		}
		for i := range box {
			box[i].x = clampF(math.RoundToEven(box[i].x/float64(mw)*float64(dstW)), 0, float64(dstW))
			box[i].y = clampF(math.RoundToEven(box[i].y/float64(mh)*float64(dstH)), 0, float64(dstH))
			// astype(int32) after rounding: already integral.
		}
		b := orderClockwise(box)
		for i := range b {
			b[i].x = float64(int(math.Min(math.Max(b[i].x, 0), float64(dstW-1))))
			b[i].y = float64(int(math.Min(math.Max(b[i].y, 0), float64(dstH-1))))
		}
		rw := int(math.Hypot(b[0].x-b[1].x, b[0].y-b[1].y))
		rh := int(math.Hypot(b[0].x-b[3].x, b[0].y-b[3].y))
		if rw <= 3 || rh <= 3 {
			continue
		}
		out = append(out, detBox{p: b, score: score})
	}
	sortBoxes(out)
	return out
}

func clampF(v, lo, hi float64) float64 { return math.Min(math.Max(v, lo), hi) }

// orderClockwise returns TL, TR, BR, BL: the two left-most points by x,
// each pair split by y.
func orderClockwise(p [4]pt) [4]pt {
	s := p
	sort.SliceStable(s[:], func(i, j int) bool { return s[i].x < s[j].x })
	l := []pt{s[0], s[1]}
	r := []pt{s[2], s[3]}
	sort.SliceStable(l, func(i, j int) bool { return l[i].y < l[j].y })
	sort.SliceStable(r, func(i, j int) bool { return r[i].y < r[j].y })
	return [4]pt{l[0], r[0], r[1], l[1]}
}

// sortBoxes puts boxes in reading order as RapidOCR v3.5.0 does: sorted
// by top-left y, split into lines wherever consecutive y values differ by
// 10 px or more, and each line sorted by x (ties keep y order). The older
// 10 px bubble pass differs on ch_en_num.jpg's price tags, where the
// reference output follows this grouping.
func sortBoxes(b []detBox) {
	sort.SliceStable(b, func(i, j int) bool {
		if b[i].p[0].y != b[j].p[0].y {
			return b[i].p[0].y < b[j].p[0].y
		}
		return b[i].p[0].x < b[j].p[0].x
	})
	for start := 0; start < len(b); {
		end := start + 1
		for end < len(b) && b[end].p[0].y-b[end-1].p[0].y < 10 {
			end++
		}
		line := b[start:end]
		sort.SliceStable(line, func(i, j int) bool { return line[i].p[0].x < line[j].p[0].x })
		start = end
	}
}

// boxScoreFast is the mean probability inside the box polygon, with the
// polygon rasterised like cv2.fillPoly (interior plus outline) after its
// vertices are truncated to integers.
func boxScoreFast(pred []float32, w, h int, box [4]pt) float64 {
	xmin, xmax := math.Inf(1), math.Inf(-1)
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, p := range box {
		xmin, xmax = math.Min(xmin, p.x), math.Max(xmax, p.x)
		ymin, ymax = math.Min(ymin, p.y), math.Max(ymax, p.y)
	}
	x0 := clampI(int(math.Floor(xmin)), 0, w-1)
	x1 := clampI(int(math.Ceil(xmax)), 0, w-1)
	y0 := clampI(int(math.Floor(ymin)), 0, h-1)
	y1 := clampI(int(math.Ceil(ymax)), 0, h-1)
	var poly [4]ipt
	for i, p := range box {
		poly[i] = ipt{int64(p.x - float64(x0)), int64(p.y - float64(y0))}
	}
	mw, mh := x1-x0+1, y1-y0+1
	mask := fillConvex(poly[:], mw, mh)
	var sum float64
	var n int
	for y := 0; y < mh; y++ {
		for x := 0; x < mw; x++ {
			if mask[y*mw+x] {
				sum += float64(pred[(y0+y)*w+x0+x])
				n++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

func clampI(v, lo, hi int) int { return min(max(v, lo), hi) }

// fillConvex rasterises a convex polygon into a w×h mask: pixels whose
// centres lie inside, plus its 8-connected outline.
func fillConvex(poly []ipt, w, h int) []bool {
	m := make([]bool, w*h)
	set := func(x, y int64) {
		if x >= 0 && y >= 0 && x < int64(w) && y < int64(h) {
			m[int(y)*w+int(x)] = true
		}
	}
	for y := 0; y < h; y++ {
		lo, hi := math.Inf(1), math.Inf(-1)
		fy := float64(y)
		for i := range poly {
			a, b := poly[i], poly[(i+1)%len(poly)]
			ay, by := float64(a.y), float64(b.y)
			if (fy < ay && fy < by) || (fy > ay && fy > by) {
				continue
			}
			if ay == by {
				lo = math.Min(lo, math.Min(float64(a.x), float64(b.x)))
				hi = math.Max(hi, math.Max(float64(a.x), float64(b.x)))
				continue
			}
			x := float64(a.x) + (fy-ay)*float64(b.x-a.x)/(by-ay)
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
		if lo > hi {
			continue
		}
		for x := int(math.Ceil(lo)); x <= int(math.Floor(hi)); x++ {
			set(int64(x), int64(y))
		}
	}
	for i := range poly {
		a, b := poly[i], poly[(i+1)%len(poly)]
		line(a, b, set)
	}
	return m
}

// line draws an 8-connected Bresenham segment.
func line(a, b ipt, set func(x, y int64)) {
	dx, dy := abs64(b.x-a.x), -abs64(b.y-a.y)
	sx, sy := int64(1), int64(1)
	if a.x > b.x {
		sx = -1
	}
	if a.y > b.y {
		sy = -1
	}
	e := dx + dy
	x, y := a.x, a.y
	for {
		set(x, y)
		if x == b.x && y == b.y {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x += sx
		}
		if e2 <= dx {
			e += dx
			y += sy
		}
	}
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// components finds the 8-connected foreground regions of a binary map and
// returns the convex hull of each (the hull is all that the minimum-area
// rectangle of the region's contour depends on), in raster order of each
// region's first pixel.
type component struct {
	hull  []ipt
	first ipt // first pixel in raster order, where OpenCV's trace starts
}

func components(bm []uint8, w, h int) []component {
	type run struct {
		y, x0, x1 int
		label     int
	}
	var runs []run
	parent := []int{}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(a, b int) {
		a, b = find(a), find(b)
		if a == b {
			return
		}
		if a < b {
			parent[b] = a
		} else {
			parent[a] = b
		}
	}
	prevStart, prevEnd := 0, 0
	for y := 0; y < h; y++ {
		row := bm[y*w : (y+1)*w]
		start := len(runs)
		for x := 0; x < w; {
			if row[x] == 0 {
				x++
				continue
			}
			x0 := x
			for x < w && row[x] != 0 {
				x++
			}
			l := len(parent)
			parent = append(parent, l)
			r := run{y: y, x0: x0, x1: x - 1, label: l}
			for k := prevStart; k < prevEnd; k++ {
				p := runs[k]
				if p.x0 <= r.x1+1 && p.x1 >= r.x0-1 {
					union(l, p.label)
				}
			}
			runs = append(runs, r)
		}
		prevStart, prevEnd = start, len(runs)
	}
	pts := map[int][]ipt{}
	var order []int
	for _, r := range runs {
		root := find(r.label)
		if _, ok := pts[root]; !ok {
			order = append(order, root)
		}
		pts[root] = append(pts[root], ipt{int64(r.x0), int64(r.y)}, ipt{int64(r.x1), int64(r.y)})
	}
	out := make([]component, 0, len(order))
	for _, root := range order {
		first := pts[root][0] // before convexHull sorts the slice
		out = append(out, component{first: first, hull: convexHull(pts[root])})
	}
	return out
}

// offsetIndex gives positions in the offset polygon, for cvHullOrder.
func offsetIndex(poly []ipt) func(ipt) int {
	return func(q ipt) int {
		for i, p := range poly {
			if p == q {
				return i
			}
		}
		return -1
	}
}
