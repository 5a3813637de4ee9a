// Package table finds tables on a page and reads their cells: bordered
// tables from their ruling lines (adaptive binarisation, opening with long
// horizontal and vertical kernels, a grid from the lines' positions,
// merged cells where a grid line is missing), borderless ones by
// clustering the OCR lines into rows and columns. Cell text is the OCR
// characters whose centres fall inside the cell.
package table

import (
	"image"
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aisd/aisd/internal/services/ocr/pipeline"
	"github.com/aisd/aisd/internal/services/ocr/raster"
)

// Rect is a pixel rectangle, X1 and Y1 exclusive.
type Rect = raster.Rect

// Part is a piece of one OCR line: the characters of it inside one cell
// (or the whole line, outside tables).
type Part struct {
	Text  string
	Box   Rect
	Score float64
	Chars []pipeline.Char
}

// Cell is one table cell; a merged cell spans RowSpan rows and ColSpan
// columns from (Row, Col).
type Cell struct {
	Row, Col, RowSpan, ColSpan int
	Box                        Rect
	Parts                      []Part // in reading order
}

// Text is the cell's words: parts on one visual line joined (a space
// between Latin words), lines joined by "\n".
func (c Cell) Text() string { return joinParts(c.Parts, "\n") }

// Score is the mean character confidence of the cell's text (0 if empty).
func (c Cell) Score() float64 { return meanScore(c.Parts) }

// Table is one table on the page.
type Table struct {
	Box        Rect
	Rows, Cols int
	Bordered   bool
	Cells      []Cell // row-major by top-left corner
}

// Page is what Analyse found: tables, and the text outside them in reading
// order. Its boxes are in the deskewed frame; the API answer maps them
// back to the input.
type Page struct {
	Tables []Table
	Text   []Part
	// rot maps the input into the frame the boxes above are in.
	rot rotation
}

// Options select the detectors.
type Options struct {
	// BorderedOnly skips the borderless detector (the API's with_borders).
	BorderedOnly bool
}

// Analyse finds the tables of img given its OCR lines (read with
// character boxes).
func Analyse(img image.Image, lines []pipeline.Line, o Options) Page {
	rgba := raster.RGBA(img)
	lh := lineHeight(lines)
	gray := raster.ToGray(rgba)
	// A page photographed or scanned a little turned is read in a
	// deskewed frame: ruling must be axis-aligned for the openings.
	page := Page{rot: rotation{cx: float64(gray.W) / 2, cy: float64(gray.H) / 2}}
	if phi := skewAngle(raster.Adaptive(gray, 12, 18)); math.Abs(phi) >= 0.05*math.Pi/180 {
		page.rot.phi = phi
		gray = rotateGray(gray, page.rot)
		lines = page.rot.lines(lines)
	}
	used := make([]bool, len(lines))
	for _, g := range findGrids(gray, lh) {
		t := g.table()
		fillCells(&t, lines, used, lh)
		page.Tables = append(page.Tables, t)
	}
	if !o.BorderedOnly {
		page.Tables = append(page.Tables, borderless(lines, used, lh)...)
	}
	sort.SliceStable(page.Tables, func(i, j int) bool { return page.Tables[i].Box.Y0 < page.Tables[j].Box.Y0 })
	for i, l := range lines {
		if !used[i] {
			if p, ok := wholeLine(l); ok {
				page.Text = append(page.Text, p)
			}
		}
	}
	sortReading(page.Text, lh)
	return page
}

// lineHeight is the median OCR line height: the page's text scale.
func lineHeight(lines []pipeline.Line) float64 {
	var hs []float64
	for _, l := range lines {
		hs = append(hs, float64(boxOf(l.Box).Dy()))
	}
	if len(hs) == 0 {
		return 24
	}
	sort.Float64s(hs)
	return math.Max(hs[len(hs)/2], 8)
}

func boxOf(q [4]pipeline.Point) Rect {
	r := Rect{X0: math.MaxInt32, Y0: math.MaxInt32, X1: math.MinInt32, Y1: math.MinInt32}
	for _, p := range q {
		r.X0, r.Y0 = min(r.X0, p[0]), min(r.Y0, p[1])
		r.X1, r.Y1 = max(r.X1, p[0]), max(r.Y1, p[1])
	}
	return r
}

func centre(q [4]pipeline.Point) (float64, float64) {
	var x, y float64
	for _, p := range q {
		x += float64(p[0])
		y += float64(p[1])
	}
	return x / 4, y / 4
}

func union(a, b Rect) Rect {
	if a.Dx() <= 0 && a.Dy() <= 0 {
		return b
	}
	return Rect{X0: min(a.X0, b.X0), Y0: min(a.Y0, b.Y0), X1: max(a.X1, b.X1), Y1: max(a.Y1, b.Y1)}
}

// charsOf are a line's characters, or its box shared out by rune position
// when it was read without character boxes.
func charsOf(l pipeline.Line) []pipeline.Char {
	if len(l.Chars) > 0 {
		return l.Chars
	}
	rs := []rune(l.Text)
	b := boxOf(l.Box)
	out := make([]pipeline.Char, 0, len(rs))
	for i, r := range rs {
		x0 := b.X0 + b.Dx()*i/len(rs)
		x1 := b.X0 + b.Dx()*(i+1)/len(rs)
		out = append(out, pipeline.Char{Char: string(r), Score: l.Score, Box: [4]pipeline.Point{{x0, b.Y0}, {x1, b.Y0}, {x1, b.Y1}, {x0, b.Y1}}})
	}
	return out
}

// partOf builds a part from characters of one line.
func partOf(chars []pipeline.Char) (Part, bool) {
	var p Part
	var sb strings.Builder
	for _, c := range chars {
		sb.WriteString(c.Char)
		p.Score += c.Score
		p.Box = union(p.Box, boxOf(c.Box))
	}
	p.Text = strings.TrimSpace(sb.String())
	if p.Text == "" {
		return Part{}, false
	}
	p.Score /= float64(len(chars))
	p.Chars = chars
	return p, true
}

func wholeLine(l pipeline.Line) (Part, bool) {
	p, ok := partOf(charsOf(l))
	if ok {
		p.Text, p.Score, p.Box = strings.TrimSpace(l.Text), l.Score, boxOf(l.Box)
	}
	return p, ok && p.Text != ""
}

// sortReading orders parts top to bottom, left to right within a visual
// line (centres within half a text height).
func sortReading(ps []Part, lh float64) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i].Box, ps[j].Box
		ay, by := float64(a.Y0+a.Y1)/2, float64(b.Y0+b.Y1)/2
		if math.Abs(ay-by) > lh/2 {
			return ay < by
		}
		return a.X0 < b.X0
	})
}

// joinParts joins parts already in reading order: on one visual line
// directly (a space between Latin words), across lines with sep.
func joinParts(ps []Part, sep string) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			prev := ps[i-1].Box
			if p.Box.Y0 >= (prev.Y0+prev.Y1)/2 {
				b.WriteString(sep)
			} else if needsSpace(b.String(), p.Text) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(p.Text)
	}
	return b.String()
}

func needsSpace(prev, next string) bool {
	a, _ := utf8.DecodeLastRuneInString(prev)
	b, _ := utf8.DecodeRuneInString(next)
	latin := func(r rune) bool { return r < 0x2E80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) }
	return latin(a) && latin(b)
}

func meanScore(ps []Part) float64 {
	var s float64
	n := 0
	for _, p := range ps {
		s += p.Score * float64(len(p.Chars))
		n += len(p.Chars)
	}
	if n == 0 {
		return 0
	}
	return s / float64(n)
}

// fillCells gives each cell of t the characters whose centres lie in it,
// and marks the lines whose centres lie in the table as used.
func fillCells(t *Table, lines []pipeline.Line, used []bool, lh float64) {
	for li, l := range lines {
		if used[li] {
			continue
		}
		cx, cy := centre(l.Box)
		if !t.Box.Contains(cx, cy) {
			continue
		}
		used[li] = true
		chars := charsOf(l)
		for ci := range t.Cells {
			c := &t.Cells[ci]
			var in []pipeline.Char
			for _, ch := range chars {
				x, y := centre(ch.Box)
				if c.Box.Contains(x, y) {
					in = append(in, ch)
				}
			}
			if p, ok := partOf(in); ok {
				c.Parts = append(c.Parts, p)
			}
		}
	}
	for ci := range t.Cells {
		sortReading(t.Cells[ci].Parts, lh)
	}
}
