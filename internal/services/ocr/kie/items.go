package kie

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
)

// Column is one column of a printed item table (an invoice's goods
// list): the API's field name and the header labels that head it.
type Column struct {
	Name   string
	Labels []string
	// Text columns continue on the lines below an item's first (item
	// names wrap inside their cell); other columns are read from the
	// first line only.
	Text bool
	// Pattern, when set, is what the column's value is (a fare class
	// letter, a yyyy-mm-dd date): a line whose characters were placed in
	// columns it does not fit — the detector merged neighbouring cells
	// into one line and the recogniser's character positions drift
	// along it — is cut again by the patterns of the columns it spans.
	Pattern string
}

// Items is an item table read from a page.
type Items struct {
	// Rows holds one map per item, by column name.
	Rows []map[string]*Field
	// Total is the closing row (合计) split by the same columns.
	Total map[string]*Field
	// RowY is the page-frame centre of each item's first row.
	RowY []float64
	// Header and Stop are the header line and the closing row's line;
	// Stop is nil when the table runs to the page's end.
	Header, Stop *Line
}

type colHit struct {
	col      int
	line     *Line
	x0, x1   float64
	from, to int // byte offsets in the line's text
}

// ReadItems reads the item table headed by cols: the header is the row
// holding the key column's label, the table ends at the first line below
// it holding one of the stop labels. Each line's characters go to the
// column whose extent (between the midpoints of the gaps separating the
// header labels) holds their centre; lines sharing a row form one row,
// and a row whose key column is empty continues the item above (a
// wrapped name).
func ReadItems(p *Page, cols []Column, key string, stop []string) (Items, bool) {
	ki := -1
	for i, c := range cols {
		if c.Name == key {
			ki = i
		}
	}
	if ki < 0 {
		return Items{}, false
	}
	var hits []colHit
	for ci, c := range cols {
		for _, lab := range c.Labels {
			re := labelRe(lab)
			for _, l := range p.Lines {
				for _, m := range re.FindAllStringIndex(l.Text, -1) {
					x0, x1 := l.spanX(m[0], m[1])
					hits = append(hits, colHit{ci, l, x0, x1, m[0], m[1]})
				}
			}
		}
	}
	// A label inside another column's longer label is part of that one
	// (日期 in 客票生效日期), not a header of its own.
	inner := func(h colHit) bool {
		for _, o := range hits {
			if o.col != h.col && o.line == h.line && o.from <= h.from && h.to <= o.to && o.to-o.from > h.to-h.from {
				return true
			}
		}
		return false
	}
	kept := hits[:0:0]
	for _, h := range hits {
		if !inner(h) {
			kept = append(kept, h)
		}
	}
	hits = kept
	var hdr *Line
	for _, h := range hits {
		if h.col == ki {
			hdr = h.line
			break
		}
	}
	if hdr == nil {
		return Items{}, false
	}
	// Each column's label nearest the header row.
	best := map[int]colHit{}
	for _, h := range hits {
		d := math.Abs(h.line.CY() - hdr.CY())
		if d > 1.5*hdr.H() {
			continue
		}
		if b, ok := best[h.col]; !ok || d < math.Abs(b.line.CY()-hdr.CY()) || (d == math.Abs(b.line.CY()-hdr.CY()) && h.x1-h.x0 > b.x1-b.x0) {
			best[h.col] = h
		}
	}
	var found []colHit
	hdrLines := map[*Line]bool{}
	hdrBottom := hdr.Y1
	for _, h := range best {
		found = append(found, h)
		hdrLines[h.line] = true
		hdrBottom = math.Max(hdrBottom, h.line.Y1)
	}
	if len(found) < 3 {
		return Items{}, false
	}
	sort.Slice(found, func(i, j int) bool { return found[i].x0 < found[j].x0 })
	bounds := make([]float64, len(found)-1)
	for i := range bounds {
		bounds[i] = (found[i].x1 + found[i+1].x0) / 2
	}
	left := found[0].x0 - 2*hdr.H()
	colOf := func(x float64) int {
		i := sort.SearchFloat64s(bounds, x)
		return found[i].col
	}
	out := Items{Header: hdr}
	bottom := math.Inf(1)
	var stopRes []*regexp.Regexp
	for _, s := range stop {
		stopRes = append(stopRes, labelRe(s))
	}
	for _, l := range p.Lines {
		if l.Y0 < hdrBottom-0.2*hdr.H() || hdrLines[l] {
			continue
		}
		for _, re := range stopRes {
			if re.MatchString(l.Text) && l.Y0 < bottom {
				out.Stop, bottom = l, l.Y0
			}
		}
	}
	type frag struct {
		col      int
		line     *Line
		from, to int
	}
	split := func(l *Line) []frag {
		if len(l.charX) != len(l.Chars) || len(l.Chars) == 0 {
			if l.X1 < left {
				return nil
			}
			return []frag{{colOf((l.X0 + l.X1) / 2), l, 0, len(l.Text)}}
		}
		var fs []frag
		off := 0
		for i, c := range l.Chars {
			cx := (l.charX[i][0] + l.charX[i][1]) / 2
			if cx < left {
				// Left of the table's first column (a row heading).
				off += len(c.Char)
				continue
			}
			ci := colOf(cx)
			if n := len(fs); n > 0 && fs[n-1].col == ci {
				fs[n-1].to = off + len(c.Char)
			} else {
				fs = append(fs, frag{ci, l, off, off + len(c.Char)})
			}
			off += len(c.Char)
		}
		if off != len(l.Text) {
			return []frag{{colOf((l.X0 + l.X1) / 2), l, 0, len(l.Text)}}
		}
		return fs
	}
	// pos is each column's place, left to right, in the header.
	pos := map[int]int{}
	for i, h := range found {
		pos[h.col] = i
	}
	pats := map[int]*regexp.Regexp{}
	for ci, c := range cols {
		if c.Pattern != "" {
			if re, err := regexp.Compile(`^(?:` + c.Pattern + `)$`); err == nil {
				pats[ci] = re
			}
		}
	}
	// refit cuts one line's fragments again by the column patterns when
	// one of them does not fit its column: the text they cover is matched
	// against the patterns of a run of columns within one column of those
	// they were placed in (a cell's text wholly or partly placed in its
	// neighbour), the nearest run first.
	refit := func(fs []frag) []frag {
		if len(fs) == 0 {
			return fs
		}
		bad := false
		for _, f := range fs {
			if re := pats[f.col]; re != nil && !re.MatchString(strings.Join(strings.Fields(f.line.Text[f.from:f.to]), "")) {
				bad = true
			}
		}
		if !bad {
			return fs
		}
		a, b := len(found), -1
		for _, f := range fs {
			a, b = min(a, pos[f.col]), max(b, pos[f.col])
		}
		l, from, to := fs[0].line, fs[0].from, fs[len(fs)-1].to
		text := l.Text[from:to]
		// The spans within one column of the placed one, nearest first.
		var spans [][2]int
		for s := max(a-1, 0); s <= b+1; s++ {
			for e := s; e <= min(b+1, len(found)-1); e++ {
				spans = append(spans, [2]int{s, e})
			}
		}
		off := func(sp [2]int) int { return abs(sp[0]-a) + abs(sp[1]-b) }
		sort.SliceStable(spans, func(i, j int) bool { return off(spans[i]) < off(spans[j]) })
		for _, sp := range spans {
			s, e := sp[0], sp[1]
			var sb strings.Builder
			sb.WriteString(`^\s*`)
			ok := true
			for i := s; i <= e; i++ {
				c := cols[found[i].col]
				if c.Pattern == "" {
					ok = false
					break
				}
				fmt.Fprintf(&sb, `(?P<c%d>(?:%s))\s*`, i, c.Pattern)
			}
			if !ok {
				continue
			}
			sb.WriteString(`$`)
			re, err := regexp.Compile(sb.String())
			if err != nil {
				continue
			}
			m := re.FindStringSubmatchIndex(text)
			if m == nil {
				continue
			}
			var out []frag
			for i := s; i <= e; i++ {
				g := re.SubexpIndex(fmt.Sprintf("c%d", i))
				if m[2*g] < m[2*g+1] {
					out = append(out, frag{found[i].col, l, from + m[2*g], from + m[2*g+1]})
				}
			}
			return out
		}
		return fs
	}
	read := func(fs []frag) map[string]*Field {
		m := map[string]*Field{}
		for _, f := range fs {
			v := strings.TrimSpace(f.line.Text[f.from:f.to])
			if v == "" {
				continue
			}
			name := cols[f.col].Name
			nf := field(&FieldSpec{}, f.line, f.from, f.to, v)
			if old := m[name]; old != nil {
				old.Value += v
				old.Box = union(old.Box, nf.Box)
				old.Confidence = (old.Confidence + nf.Confidence) / 2
				continue
			}
			m[name] = nf
		}
		return m
	}
	// Body lines, grouped into rows.
	var body []*Line
	for _, l := range p.Lines {
		if l.Y0 >= hdrBottom-0.2*hdr.H() && !hdrLines[l] && l.CY() < bottom && l != out.Stop {
			body = append(body, l)
		}
	}
	sort.SliceStable(body, func(i, j int) bool { return body[i].CY() < body[j].CY() })
	var rows [][]*Line
	for _, l := range body {
		if n := len(rows); n > 0 {
			r := rows[n-1][0]
			if math.Abs(l.CY()-r.CY()) < 0.5*math.Max(l.H(), r.H()) {
				rows[n-1] = append(rows[n-1], l)
				continue
			}
		}
		rows = append(rows, []*Line{l})
	}
	for _, r := range rows {
		sort.SliceStable(r, func(i, j int) bool { return r[i].X0 < r[j].X0 })
		var fs []frag
		for _, l := range r {
			fs = append(fs, refit(split(l))...)
		}
		m := read(fs)
		if m[key] != nil || len(out.Rows) == 0 {
			if m[key] == nil && m[cols[0].Name] == nil {
				continue
			}
			out.Rows = append(out.Rows, m)
			out.RowY = append(out.RowY, r[0].CY())
			continue
		}
		cur := out.Rows[len(out.Rows)-1]
		for _, c := range cols {
			v := m[c.Name]
			if !c.Text || v == nil {
				continue
			}
			if old := cur[c.Name]; old != nil {
				old.Value += v.Value
				old.Box = union(old.Box, v.Box)
			} else {
				cur[c.Name] = v
			}
		}
	}
	if out.Stop != nil {
		var fs []frag
		for _, l := range p.Lines {
			if l == out.Stop || (l.Y0 >= hdrBottom && math.Abs(l.CY()-out.Stop.CY()) < 0.5*math.Max(l.H(), out.Stop.H())) {
				fs = append(fs, split(l)...)
			}
		}
		out.Total = read(fs)
	}
	return out, true
}

// LinesBetween are the page's lines whose centres lie between y0 and y1
// of the page frame, and (when x1 > x0) between x0 and x1.
func LinesBetween(p *Page, y0, y1, x0, x1 float64) []*Line {
	var out []*Line
	for _, l := range p.Lines {
		cx := (l.X0 + l.X1) / 2
		if l.CY() >= y0 && l.CY() < y1 && (x1 <= x0 || cx >= x0 && cx < x1) {
			out = append(out, l)
		}
	}
	return out
}

// FindLine is the first line (in reading order) holding the label,
// spaced or not; nil when none does.
func FindLine(lines []*Line, label string) *Line {
	re := labelRe(label)
	for _, l := range lines {
		if re.MatchString(l.Text) {
			return l
		}
	}
	return nil
}

// LabelX is where on its line a label starts and ends in the page frame.
func LabelX(l *Line, label string) (float64, float64, bool) {
	m := labelRe(label).FindStringIndex(l.Text)
	if m == nil {
		return 0, 0, false
	}
	x0, x1 := l.spanX(m[0], m[1])
	return x0, x1, true
}

// LabelXs are the page-frame extents of every occurrence of a label on
// a line.
func LabelXs(l *Line, label string) [][2]float64 {
	var out [][2]float64
	for _, m := range labelRe(label).FindAllStringIndex(l.Text, -1) {
		x0, x1 := l.spanX(m[0], m[1])
		out = append(out, [2]float64{x0, x1})
	}
	return out
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
