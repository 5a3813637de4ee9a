package kie

import (
	"math"
	"sort"
	"strings"

	"github.com/aisd/aisd/internal/services/ocr/kie/geom"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// Masked values (朱*, 张**) print '*' as a small mark raised above the
// line's middle, which the recogniser drops — most often at the line's
// end, after a full-height character. For a field marked stars, the
// stretch of its label's line after the label is scanned for such
// marks: runs of ink columns whose ink is short and sits in the line's
// upper part. Each is read again alone, and the ones read as stars that
// the text lacks are put back at their place, so the value's pattern
// sees what is printed.

// starLines answers lines with the stars restored on those holding a
// label of one of the spec's stars fields (lines unchanged otherwise).
func (p *Page) starLines(lines []*Line, s *Spec) []*Line {
	if p == nil || p.reader == nil || p.readImg == nil {
		return lines
	}
	var out []*Line
	for _, l := range lines {
		from := -1
		for _, f := range s.Fields {
			if !f.Stars {
				continue
			}
			for _, re := range f.labelRes {
				if m := re.FindStringIndex(l.Text); m != nil && (from < 0 || m[1] < from) {
					from = m[1]
				}
			}
		}
		if from >= 0 {
			if r := p.restoreStars(l, from); r != nil {
				if out == nil {
					out = append([]*Line(nil), lines...)
				}
				for i := range out {
					if out[i] == l {
						out[i] = r
					}
				}
			}
		}
	}
	if out == nil {
		return lines
	}
	return out
}

type inkRun struct{ x0, x1, top, bottom float64 }

// mark reports whether a run of l's ink is shaped like a star: short,
// narrow and above the line's lower third.
func (r inkRun) mark(l *Line) bool {
	h := l.H()
	return r.bottom-r.top <= 0.5*h && r.x1-r.x0 <= 0.8*h && r.bottom <= l.Y0+0.7*h
}

// restoreStars is l with the stars found after byte offset from put
// back into its text and characters; nil when none is missing.
func (p *Page) restoreStars(l *Line, from int) *Line {
	if len(l.charX) != len(l.Chars) || len(l.Chars) == 0 {
		return nil
	}
	h := l.H()
	if h < 6 {
		return nil
	}
	x0 := l.X1
	off := 0
	for i, c := range l.Chars {
		if off >= from {
			x0 = l.charX[i][0]
			break
		}
		off += len(c.Char)
	}
	if off < from {
		// The label ends the line: its value may still follow, unread.
		x0 = l.X1
	}
	// The detector's box may end before a trailing mark.
	x1 := l.X1 + 0.6*h
	runs := p.inkRuns(l, x0, x1)
	if runs == nil {
		return nil
	}
	// Marks: short, narrow ink above the line's lower third.
	var stars []pipeline.Char
	var starX [][2]float64
	for i, r := range runs {
		if !r.mark(l) {
			continue
		}
		// The mark alone, up to its neighbours' ink, read again.
		c0, c1 := r.x0-0.3*h, r.x1+0.3*h
		if i > 0 {
			c0 = math.Max(c0, runs[i-1].x1+1)
		}
		if i+1 < len(runs) {
			c1 = math.Min(c1, runs[i+1].x0-1)
		}
		img, _, ok := p.cropFrame(c0, l.Y0-0.1*h, c1, l.Y1+0.1*h, 32/h)
		if !ok {
			continue
		}
		res, err := p.reader.Run(p.ctx, img, pipeline.RunOptions{NoDet: true, NoCls: true})
		if err != nil || len(res.Lines) == 0 || res.Lines[0].Text != "*" {
			continue
		}
		box := p.frameRect(r.x0, r.top, r.x1+1, r.bottom+1)
		stars = append(stars, pipeline.Char{Char: "*", Score: res.Lines[0].Score, Box: box})
		starX = append(starX, [2]float64{r.x0, r.x1 + 1})
	}
	// The value's characters after the label, stars among them.
	had := 0
	off = 0
	for _, c := range l.Chars {
		if off >= from && strings.ContainsAny(c.Char, "*＊") {
			had++
		}
		off += len(c.Char)
	}
	if len(stars) <= had {
		return nil
	}
	// The line's characters, the read stars of the value dropped, and the
	// marks found merged in by their place.
	type ch struct {
		c pipeline.Char
		x [2]float64
	}
	var keep []ch
	off = 0
	for i, c := range l.Chars {
		if !(off >= from && strings.ContainsAny(c.Char, "*＊")) {
			keep = append(keep, ch{c, l.charX[i]})
		}
		off += len(c.Char)
	}
	for i := range stars {
		keep = append(keep, ch{stars[i], starX[i]})
	}
	sort.SliceStable(keep, func(i, j int) bool { return keep[i].x[0]+keep[i].x[1] < keep[j].x[0]+keep[j].x[1] })
	out := *l
	out.Chars, out.charX = nil, nil
	var sb strings.Builder
	for _, k := range keep {
		sb.WriteString(k.c.Char)
		out.Chars = append(out.Chars, k.c)
		out.charX = append(out.charX, k.x)
	}
	out.Text = sb.String()
	for _, s := range stars {
		out.Box = union(out.Box, s.Box)
	}
	out.X1 = math.Max(out.X1, starX[len(starX)-1][1])
	return &out
}

// inkRuns are the runs of ink columns in l's row between x0 and x1 of
// the page frame, each with its ink's top and bottom; nil when the line
// shows no ink against its paper.
func (p *Page) inkRuns(l *Line, x0, x1 float64) []inkRun {
	h := l.H()
	ya, yb := l.Y0-0.15*h, l.Y1+0.15*h
	b := p.readImg.Bounds()
	lum := func(x, y float64) float64 {
		q := geom.Rotate(geom.Pt{X: x, Y: y}, p.centre, p.Skew*math.Pi/180)
		if q.X < float64(b.Min.X) || q.Y < float64(b.Min.Y) || q.X >= float64(b.Max.X) || q.Y >= float64(b.Max.Y) {
			return 255
		}
		r, g, bl, _ := p.readImg.At(int(q.X), int(q.Y)).RGBA()
		return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 257
	}
	// Ink is darker than the line's paper: below the midpoint of its
	// darkest and median levels.
	var all []float64
	for x := l.X0; x < l.X1; x += 2 {
		for y := l.Y0; y < l.Y1; y += 2 {
			all = append(all, lum(x, y))
		}
	}
	if len(all) < 20 {
		return nil
	}
	sort.Float64s(all)
	lo, mid := all[len(all)/50], all[len(all)/2]
	if mid-lo < 40 {
		return nil
	}
	thr := (lo + mid) / 2
	var runs []inkRun
	var cur *inkRun
	for x := x0; x < x1; x++ {
		top, bottom := math.Inf(1), math.Inf(-1)
		for y := ya; y < yb; y++ {
			if lum(x, y) < thr {
				top, bottom = math.Min(top, y), math.Max(bottom, y)
			}
		}
		if math.IsInf(top, 0) {
			cur = nil
			continue
		}
		if cur == nil {
			runs = append(runs, inkRun{x, x, top, bottom})
			cur = &runs[len(runs)-1]
			continue
		}
		cur.x1, cur.top, cur.bottom = x, math.Min(cur.top, top), math.Max(cur.bottom, bottom)
	}
	return runs
}
