package table

import (
	"math"
	"sort"

	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// brow is one visual row of text pieces.
type brow struct {
	parts  []Part
	y0, y1 int
	lines  []int
}

// borderless finds tables without ruling among the unused lines: runs of
// at least two consecutive visual rows that each hold two or more pieces
// of text (a line is cut into pieces where its characters leave a gap
// wider than a text height), whose pieces line up in two or more column
// bands (the union of the pieces' x-extents).
func borderless(lines []pipeline.Line, used []bool, lh float64) []Table {
	type piece struct {
		p    Part
		line int
	}
	var pieces []piece
	for li, l := range lines {
		if used[li] {
			continue
		}
		chars := charsOf(l)
		start := 0
		for i := 1; i <= len(chars); i++ {
			if i < len(chars) && float64(boxOf(chars[i].Box).X0-boxOf(chars[i-1].Box).X1) <= 1.2*lh {
				continue
			}
			if p, ok := partOf(chars[start:i]); ok {
				pieces = append(pieces, piece{p, li})
			}
			start = i
		}
	}
	sort.SliceStable(pieces, func(i, j int) bool {
		return pieces[i].p.Box.Y0+pieces[i].p.Box.Y1 < pieces[j].p.Box.Y0+pieces[j].p.Box.Y1
	})
	// Rows: a piece joins the row it overlaps vertically by half its height.
	var rows []*brow
	for _, pc := range pieces {
		b := pc.p.Box
		var into *brow
		for _, r := range rows {
			ov := min(r.y1, b.Y1) - max(r.y0, b.Y0)
			if float64(ov) >= 0.5*float64(min(r.y1-r.y0, b.Dy())) {
				into = r
			}
		}
		if into == nil {
			into = &brow{y0: b.Y0, y1: b.Y1}
			rows = append(rows, into)
		}
		into.parts = append(into.parts, pc.p)
		into.lines = append(into.lines, pc.line)
		into.y0, into.y1 = min(into.y0, b.Y0), max(into.y1, b.Y1)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].y0 < rows[j].y0 })
	var out []Table
	for i := 0; i < len(rows); {
		if len(rows[i].parts) < 2 {
			i++
			continue
		}
		j := i + 1
		for j < len(rows) && len(rows[j].parts) >= 2 && float64(rows[j].y0-rows[j-1].y1) < 2.5*lh {
			j++
		}
		if t, ok := gridOf(rows[i:j], lh); ok {
			out = append(out, t)
			for _, r := range rows[i:j] {
				for _, li := range r.lines {
					used[li] = true
				}
			}
		}
		i = j
	}
	return out
}

// gridOf lays rows out in column bands.
func gridOf(rows []*brow, lh float64) (Table, bool) {
	if len(rows) < 2 {
		return Table{}, false
	}
	type band struct{ x0, x1 int }
	var spans []band
	for _, r := range rows {
		for _, p := range r.parts {
			spans = append(spans, band{p.Box.X0, p.Box.X1})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].x0 < spans[j].x0 })
	var bands []band
	for _, s := range spans {
		if n := len(bands); n > 0 && s.x0 <= bands[n-1].x1+int(lh/4) {
			bands[n-1].x1 = max(bands[n-1].x1, s.x1)
			continue
		}
		bands = append(bands, s)
	}
	if len(bands) < 2 {
		return Table{}, false
	}
	// Cell edges halfway between bands and between rows.
	xs := []int{bands[0].x0 - int(lh/2)}
	for k := 1; k < len(bands); k++ {
		xs = append(xs, (bands[k-1].x1+bands[k].x0)/2)
	}
	xs = append(xs, bands[len(bands)-1].x1+int(lh/2))
	ys := []int{rows[0].y0 - int(lh/4)}
	for k := 1; k < len(rows); k++ {
		ys = append(ys, (rows[k-1].y1+rows[k].y0)/2)
	}
	ys = append(ys, rows[len(rows)-1].y1+int(lh/4))
	t := Table{Box: Rect{X0: xs[0], Y0: ys[0], X1: xs[len(xs)-1], Y1: ys[len(ys)-1]}, Rows: len(rows), Cols: len(bands)}
	for r, row := range rows {
		byCol := make([][]Part, len(bands))
		for _, p := range row.parts {
			byCol[bandOf(xs, float64(p.Box.X0+p.Box.X1)/2)] = append(byCol[bandOf(xs, float64(p.Box.X0+p.Box.X1)/2)], p)
		}
		for c := range bands {
			cell := Cell{Row: r, Col: c, RowSpan: 1, ColSpan: 1, Box: Rect{X0: xs[c], Y0: ys[r], X1: xs[c+1], Y1: ys[r+1]}, Parts: byCol[c]}
			sortReading(cell.Parts, lh)
			t.Cells = append(t.Cells, cell)
		}
	}
	return t, true
}

func bandOf(xs []int, x float64) int {
	k := sort.Search(len(xs), func(i int) bool { return float64(xs[i]) > x }) - 1
	return int(math.Max(0, math.Min(float64(k), float64(len(xs)-2))))
}
