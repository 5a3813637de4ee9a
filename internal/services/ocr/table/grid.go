package table

import (
	"math"
	"sort"

	"github.com/aisd/aisd/internal/services/ocr/raster"
)

// grid is a bordered table's ruling: the x of its column lines, the y of
// its row lines, and the masks of the lines found.
type grid struct {
	box    Rect
	xs, ys []int
	h, v   *raster.Mask
	tol    int
}

// segment is one ruling line found by the opening.
type segment struct {
	pos      float64 // y of a horizontal line, x of a vertical one
	from, to int
	thick    int
}

// findGrids finds bordered tables. The kernel length is what separates
// ruling from text: longer than any stroke of a glyph (a glyph is at most
// about a text line high), yet short enough for the line of a single row.
func findGrids(g *raster.Gray, lh float64) []grid {
	bin := raster.Adaptive(g, 12, 18)
	l := max(int(math.Round(lh)), 20)
	h := bin.OpenH(l, 1)
	v := bin.OpenV(l, 1)
	all := raster.Or(h, v)
	var out []grid
	for _, c := range all.Components(4*l, true) {
		if c.Box.Dx() < 2*l || c.Box.Dy() < l {
			continue
		}
		// Only the lines connected to this ruling count: a dash or an
		// underline inside a cell is not a grid line.
		hs := segments(h, c, true)
		vs := segments(v, c, false)
		ys := cluster(hs, 4)
		xs := cluster(vs, 4)
		// A single frame (a box round a paragraph, the edge of a
		// photographed sheet) is not a table.
		if len(ys) < 2 || len(xs) < 2 || len(ys)+len(xs) < 5 {
			continue
		}
		thick := 1
		for _, s := range append(hs, vs...) {
			thick = max(thick, s.thick)
		}
		out = append(out, grid{box: c.Box, xs: xs, ys: ys, h: h, v: v, tol: thick/2 + 2})
	}
	return out
}

// segments lists the line components of m among the pixels of c.
func segments(m *raster.Mask, c raster.Component, horizontal bool) []segment {
	box := c.Box
	sub := raster.NewMask(box.Dx(), box.Dy())
	for _, p := range c.Pixels {
		if m.Pix[p] {
			x, y := int(p)%m.W, int(p)/m.W
			sub.Pix[(y-box.Y0)*sub.W+x-box.X0] = true
		}
	}
	var out []segment
	for _, c := range sub.Components(1, false) {
		b := c.Box
		if horizontal {
			out = append(out, segment{pos: float64(box.Y0) + float64(b.Y0+b.Y1-1)/2, from: box.X0 + b.X0, to: box.X0 + b.X1, thick: b.Dy()})
		} else {
			out = append(out, segment{pos: float64(box.X0) + float64(b.X0+b.X1-1)/2, from: box.Y0 + b.Y0, to: box.Y0 + b.Y1, thick: b.Dx()})
		}
	}
	return out
}

// cluster merges line positions closer than tol into one, each weighted
// by its length, and returns them in order.
func cluster(segs []segment, tol float64) []int {
	sort.Slice(segs, func(i, j int) bool { return segs[i].pos < segs[j].pos })
	var out []int
	for i := 0; i < len(segs); {
		var sum, w float64
		j := i
		for ; j < len(segs) && segs[j].pos-segs[i].pos <= tol+float64(segs[j].thick); j++ {
			n := float64(segs[j].to - segs[j].from)
			sum += segs[j].pos * n
			w += n
		}
		out = append(out, int(math.Round(sum/w)))
		i = j
	}
	return out
}

// covered is the fraction of the span [a, b) along a line at pos (within
// tol) that the mask m marks.
func covered(m *raster.Mask, pos, a, b, tol int, horizontal bool) float64 {
	if b <= a {
		return 1
	}
	n := 0
	for t := a; t < b; t++ {
		for d := -tol; d <= tol; d++ {
			if (horizontal && m.At(t, pos+d)) || (!horizontal && m.At(pos+d, t)) {
				n++
				break
			}
		}
	}
	return float64(n) / float64(b-a)
}

// table builds the cells: grid cells not separated by a drawn line are
// one merged cell.
func (g grid) table() Table {
	rows, cols := len(g.ys)-1, len(g.xs)-1
	parent := make([]int, rows*cols)
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
	join := func(a, b int) { parent[find(a)] = find(b) }
	m := g.tol + 2 // ignore the ends, where crossing lines thicken
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			if c+1 < cols && covered(g.v, g.xs[c+1], g.ys[r]+m, g.ys[r+1]-m, g.tol, false) < 0.6 {
				join(r*cols+c, r*cols+c+1)
			}
			if r+1 < rows && covered(g.h, g.ys[r+1], g.xs[c]+m, g.xs[c+1]-m, g.tol, true) < 0.6 {
				join(r*cols+c, (r+1)*cols+c)
			}
		}
	}
	type span struct{ r0, c0, r1, c1 int }
	spans := map[int]*span{}
	var order []int
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			k := find(r*cols + c)
			s, ok := spans[k]
			if !ok {
				s = &span{r, c, r, c}
				spans[k] = s
				order = append(order, k)
			}
			s.r0, s.c0 = min(s.r0, r), min(s.c0, c)
			s.r1, s.c1 = max(s.r1, r), max(s.c1, c)
		}
	}
	t := Table{Box: Rect{X0: g.xs[0], Y0: g.ys[0], X1: g.xs[cols] + 1, Y1: g.ys[rows] + 1}, Rows: rows, Cols: cols, Bordered: true}
	for _, k := range order {
		s := spans[k]
		t.Cells = append(t.Cells, Cell{Row: s.r0, Col: s.c0, RowSpan: s.r1 - s.r0 + 1, ColSpan: s.c1 - s.c0 + 1,
			Box: Rect{X0: g.xs[s.c0], Y0: g.ys[s.r0], X1: g.xs[s.c1+1], Y1: g.ys[s.r1+1]}})
	}
	sort.SliceStable(t.Cells, func(i, j int) bool {
		a, b := t.Cells[i], t.Cells[j]
		if a.Row != b.Row {
			return a.Row < b.Row
		}
		return a.Col < b.Col
	})
	return t
}
