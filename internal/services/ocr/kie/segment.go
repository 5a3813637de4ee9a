package kie

import (
	"image"
	"math"
	"sort"

	"github.com/aisd/aisd/internal/services/ocr/kie/geom"
)

// Segments groups the page's lines into documents: lines belong together
// when they are near neighbours — on one row, or stacked in overlapping
// columns, within four line heights (a passport's MRZ lies that far
// under its data, a bank card's number under its bank's name) — and the
// groups are their connected components, largest first. Documents laid
// side by side (several cards in one photo) are apart by more than
// that: their margins on both sides.
func Segments(p *Page) [][]*Line {
	n := len(p.Lines)
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	near := func(a, b *Line) bool {
		h := math.Max(a.H(), b.H())
		dx := math.Max(0, math.Max(a.X0, b.X0)-math.Min(a.X1, b.X1))
		dy := math.Max(0, math.Max(a.Y0, b.Y0)-math.Min(a.Y1, b.Y1))
		switch {
		case dy == 0:
			return dx < 4*h
		case dx == 0:
			return dy < 4*h
		}
		return math.Hypot(dx, dy) < 1.5*h
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if near(p.Lines[i], p.Lines[j]) {
				parent[find(i)] = find(j)
			}
		}
	}
	groups := map[int][]*Line{}
	for i, l := range p.Lines {
		r := find(i)
		groups[r] = append(groups[r], l)
	}
	var out [][]*Line
	for _, g := range groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i][0].Y0 < out[j][0].Y0
	})
	return out
}

// Sub is the page restricted to some of its lines (one document of
// several), in reading order, with their block as its quadrilateral.
func (p *Page) Sub(lines []*Line) *Page {
	q := &Page{Quarter: p.Quarter, Skew: p.Skew, Img: p.Img, toRead: p.toRead, fromRead: p.fromRead, centre: p.centre, Warped: p.Warped}
	q.Lines = append(q.Lines, lines...)
	sort.SliceStable(q.Lines, func(i, j int) bool {
		a, b := q.Lines[i], q.Lines[j]
		if math.Abs(a.CY()-b.CY()) < math.Min(a.H(), b.H())/2 {
			return a.X0 < b.X0
		}
		return a.CY() < b.CY()
	})
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, l := range lines {
		x0, y0 = math.Min(x0, l.X0), math.Min(y0, l.Y0)
		x1, y1 = math.Max(x1, l.X1), math.Max(y1, l.Y1)
	}
	if len(lines) > 0 {
		for i, corner := range [4]geom.Pt{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}} {
			q.Quad[i] = p.fromFrame(corner)
		}
	}
	return q
}

// Documents groups the page's lines by document: when the image shows
// several documents lying apart (CardRegions), each takes the lines whose
// centre lies on it, and the lines on none are grouped by Segments; else
// the page is grouped by Segments alone.
func Documents(p *Page) [][]*Line {
	regions := CardRegions(p.Img)
	if len(regions) < 2 {
		return Segments(p)
	}
	groups := make([][]*Line, len(regions))
	var rest []*Line
	for _, l := range p.Lines {
		c := centre(l.Box)
		placed := false
		for i, r := range regions {
			if image.Pt(int(c.X), int(c.Y)).In(r) {
				groups[i] = append(groups[i], l)
				placed = true
				break
			}
		}
		if !placed {
			rest = append(rest, l)
		}
	}
	var out [][]*Line
	for _, g := range groups {
		if len(g) > 0 {
			out = append(out, g)
		}
	}
	if len(rest) > 0 {
		out = append(out, Segments(p.Sub(rest))...)
	}
	return out
}
