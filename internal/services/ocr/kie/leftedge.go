package kie

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// The recogniser sometimes drops a line's first glyph: the detector's box
// holds it, but the first character read starts a glyph or more inside
// the box (a toll receipt's 出口 read 口). The stretch is read again
// alone, and what it reads, when sure, is put back before the line.

// MendLeftEdges re-reads the left edge of every line whose first read
// character starts at least 0.6 of the line's height inside its box and
// puts back the glyphs found there. Pages without their image (OFD text
// layers) are left as they are.
func (p *Page) MendLeftEdges() {
	if p == nil || p.reader == nil || p.readImg == nil {
		return
	}
	for _, l := range p.Lines {
		if m := p.mendLeft(l); m != nil {
			*l = *m
		}
	}
}

// mendLeft is l with the glyphs before its first read character put
// back; nil when there are none or the reading is unsure.
func (p *Page) mendLeft(l *Line) *Line {
	if len(l.charX) != len(l.Chars) || len(l.Chars) == 0 {
		return nil
	}
	h := l.H()
	first := l.charX[0][0]
	if h < 8 || first-l.X0 < 0.6*h {
		return nil
	}
	// Ink of another line reaching into the stretch is that line's.
	for _, o := range p.Lines {
		if o != l && o.X1 > l.X0 && o.X0 < first && math.Min(o.Y1, l.Y1)-math.Max(o.Y0, l.Y0) > 0.3*h {
			return nil
		}
	}
	runs := p.inkRuns(l, l.X0-0.2*h, first)
	// Ink running into the first read character is its own.
	for len(runs) > 0 && runs[len(runs)-1].x1 >= first-1 {
		runs = runs[:len(runs)-1]
	}
	if len(runs) == 0 {
		return nil
	}
	// A glyph: ink of most of the line's height, ending where the read
	// text begins (a column's gap between them is another cell).
	last := runs[len(runs)-1]
	tall := false
	x0 := runs[0].x0
	for _, r := range runs {
		tall = tall || r.bottom-r.top >= 0.5*h
	}
	if !tall || first-last.x1 > 0.35*h {
		return nil
	}
	img, _, ok := p.cropFrame(x0-0.2*h, l.Y0-0.1*h, first, l.Y1+0.1*h, 32/h)
	if !ok {
		return nil
	}
	res, err := p.reader.Run(p.ctx, img, pipeline.RunOptions{NoDet: true, NoCls: true})
	if err != nil || len(res.Lines) == 0 {
		return nil
	}
	got := res.Lines[0]
	text := strings.TrimSpace(got.Text)
	n := utf8.RuneCountInString(text)
	// At most the glyphs the stretch has room for, read with confidence.
	if got.Score < 0.9 || n == 0 || strings.ContainsRune(text, ' ') || float64(n) > math.Ceil((first-x0)/(0.7*h)) {
		return nil
	}
	out := *l
	out.Chars = make([]pipeline.Char, 0, n+len(l.Chars))
	out.charX = make([][2]float64, 0, n+len(l.Chars))
	w := (last.x1 + 1 - x0) / float64(n)
	i := 0
	for _, r := range text {
		a, b := x0+float64(i)*w, x0+float64(i+1)*w
		box := p.frameRect(a, l.Y0, b, l.Y1)
		out.Chars = append(out.Chars, pipeline.Char{Char: string(r), Score: got.Score, Box: box})
		out.charX = append(out.charX, [2]float64{a, b})
		out.Box = union(out.Box, box)
		i++
	}
	out.Chars = append(out.Chars, l.Chars...)
	out.charX = append(out.charX, l.charX...)
	out.Text = text + l.Text
	out.X0 = math.Min(l.X0, x0)
	return &out
}

// MarkBefore reports whether a star-shaped mark (short ink in the upper
// part of the line, the shape '*' prints in) lies before the character at
// byte offset at of l's text, between it and the character before it (or
// the line's left edge), with no other ink there: a '*' the recogniser
// dropped, which a lone re-reading of so small a mark cannot confirm.
func (p *Page) MarkBefore(l *Line, at int) bool {
	if p == nil || p.readImg == nil || len(l.charX) != len(l.Chars) || len(l.Chars) == 0 {
		return false
	}
	h := l.H()
	i, off := 0, 0
	for i < len(l.Chars) && off < at {
		off += len(l.Chars[i].Char)
		i++
	}
	if i >= len(l.Chars) || off != at {
		return false
	}
	x0 := l.X0 - 0.3*h
	if i > 0 {
		x0 = l.charX[i-1][1]
	}
	runs := p.inkRuns(l, x0, l.charX[i][0])
	// The characters' own ink may reach past their estimated edges: runs
	// touching either end are theirs.
	for len(runs) > 0 && runs[len(runs)-1].x1 >= l.charX[i][0]-1 {
		runs = runs[:len(runs)-1]
	}
	for i > 0 && len(runs) > 0 && runs[0].x0 <= x0+1 {
		runs = runs[1:]
	}
	return len(runs) == 1 && runs[0].mark(l)
}
