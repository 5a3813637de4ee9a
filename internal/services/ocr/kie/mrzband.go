package kie

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/math/f64"

	"github.com/aisd/aisd/internal/services/ocr/kie/validate"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// The machine-readable zone is read a second time when its first reading
// does not decode with every check digit: on photos the detector splits a
// row of fillers into several boxes or misses a row, and the recogniser
// drops characters of a blurred 30-character row. The band the MRZ rows
// occupy is cut out of the read image upright and enlarged, its rows are
// found again in it, and each row is recognised whole across the band's
// width. Every reading of a row is a candidate; the check digits (ICAO
// 9303) choose among their combinations.

// mrzCand is one reading of an MRZ row.
type mrzCand struct {
	text  string
	score float64
	box   [4]pipeline.Point // input-image coordinates
	// fy0, fy1: the row's extent in the page frame.
	fy0, fy1 float64
	// exact: read in pieces, each with as many characters as glyphs.
	exact bool
}

// looksMRZ: a line made of the MRZ alphabet with a filler run.
func looksMRZ(s string) bool {
	c := validate.CleanMRZ(strings.ReplaceAll(s, " ", ""))
	return len(c) >= 10 && strings.Contains(c, "<<") && len(c)*10 >= len(strings.ReplaceAll(s, " ", ""))*8
}

// bandScale enlarges the band so that an MRZ row is about this tall.
const bandRowPx = 56

// mrzRows re-reads the MRZ band of the page, which holds n rows: the
// candidates for each row, top to bottom (nil when the page was not read
// by Read or carries no MRZ-like line).
func (p *Page) mrzRows(lines []*Line, n int) [][]mrzCand {
	if p.reader == nil || p.readImg == nil {
		return nil
	}
	var mrz []*Line
	for _, l := range lines {
		if looksMRZ(l.Text) {
			mrz = append(mrz, l)
		}
	}
	if len(mrz) == 0 {
		return nil
	}
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	var hs []float64
	for _, l := range mrz {
		x0, y0, x1, y1 = math.Min(x0, l.X0), math.Min(y0, l.Y0), math.Max(x1, l.X1), math.Max(y1, l.Y1)
		hs = append(hs, l.H())
	}
	sort.Float64s(hs)
	h := hs[len(hs)/2]
	// Rows the detector missed lie within a row pitch (about 1.6 heights)
	// of the ones found; the band reaches as far as n rows could.
	rows := int(math.Round((y1-y0-h)/(1.6*h))) + 1
	ext := float64(max(0, n-rows))*1.6*h + 0.5*h
	y0, y1 = y0-ext, y1+ext
	// The first row's start or the last one's end may have been cut.
	x0, x1 = x0-1.5*h, x1+1.5*h
	band, s, ok := p.cropFrame(x0, y0, x1, y1, bandRowPx/h)
	if !ok {
		return nil
	}
	res, err := p.reader.Run(p.ctx, band, pipeline.RunOptions{NoCls: true})
	if err != nil {
		return nil
	}
	// The band's boxes, merged into rows.
	type row struct {
		y0, y1, x0, x1 float64
		parts          []pipeline.Line
	}
	var rs []*row
	for _, l := range res.Lines {
		if !looksMRZ(l.Text) && len(validate.CleanMRZ(l.Text)) < 4 {
			continue
		}
		ly0, ly1, lx0, lx1 := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		for _, q := range l.Box {
			ly0, ly1 = math.Min(ly0, float64(q[1])), math.Max(ly1, float64(q[1]))
			lx0, lx1 = math.Min(lx0, float64(q[0])), math.Max(lx1, float64(q[0]))
		}
		var into *row
		for _, r := range rs {
			if math.Min(r.y1, ly1)-math.Max(r.y0, ly0) > 0.5*math.Min(r.y1-r.y0, ly1-ly0) {
				into = r
				break
			}
		}
		if into == nil {
			into = &row{y0: ly0, y1: ly1, x0: lx0, x1: lx1}
			rs = append(rs, into)
		}
		into.y0, into.y1 = math.Min(into.y0, ly0), math.Max(into.y1, ly1)
		into.x0, into.x1 = math.Min(into.x0, lx0), math.Max(into.x1, lx1)
		into.parts = append(into.parts, l)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].y0 < rs[j].y0 })
	// Rows the detector merged or missed even in the band: they stand a
	// row pitch above and below the ones found, and are read whole there.
	if len(rs) > 0 && len(rs) < n {
		rh := rs[0].y1 - rs[0].y0
		pitch := 1.6 * rh
		if len(rs) > 1 {
			pitch = (rs[len(rs)-1].y0 - rs[0].y0) / float64(len(rs)-1)
		}
		first, last := rs[0], rs[len(rs)-1]
		bh := (y1 - y0) * s
		for k := 1; k < n; k++ {
			for _, y := range []float64{first.y0 - float64(k)*pitch, last.y0 + float64(k)*pitch} {
				if y < 0 || y+rh > bh {
					continue
				}
				clash := false
				for _, r := range rs {
					if math.Abs(r.y0-y) < rh/2 {
						clash = true
					}
				}
				if !clash {
					rs = append(rs, &row{y0: y, y1: y + rh, x0: first.x0, x1: first.x1})
				}
			}
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].y0 < rs[j].y0 })
	}
	var out [][]mrzCand
	for _, r := range rs {
		sort.Slice(r.parts, func(i, j int) bool { return r.parts[i].Box[0][0] < r.parts[j].Box[0][0] })
		var b strings.Builder
		sc := 0.0
		for _, l := range r.parts {
			b.WriteString(l.Text)
			sc += l.Score
		}
		if len(r.parts) > 0 {
			sc /= float64(len(r.parts))
		}
		// Band pixels → frame → input image, for the row's box.
		fy0, fy1 := y0+r.y0/s, y0+r.y1/s
		fx0, fx1 := x0+r.x0/s, x0+r.x1/s
		box := p.frameRect(fx0, fy0, fx1, fy1)
		var cs []mrzCand
		if len(r.parts) > 0 {
			cs = append(cs, mrzCand{text: b.String(), score: sc, box: box, fy0: fy0, fy1: fy1})
		}
		// The whole row across the band, as one line: no box split, no
		// characters lost at a box's edge.
		rh := (fy1 - fy0)
		// Stretched wider, a blurred row's glyphs span more of the
		// recogniser's steps, and fewer are dropped.
		for _, pw := range [][2]float64{{0.2, 1}, {0.45, 1}, {0.2, 1.6}, {0.3, 2.2}} {
			pad := pw[0]
			img, _, ok := p.cropFrameWide(x0, fy0-pad*rh, x1, fy1+pad*rh, bandRowPx/rh, pw[1])
			if !ok {
				continue
			}
			one, err := p.reader.Run(p.ctx, img, pipeline.RunOptions{NoDet: true, NoCls: true})
			if err == nil && len(one.Lines) > 0 {
				cs = append(cs, mrzCand{text: one.Lines[0].Text, score: one.Lines[0].Score, box: box, fy0: fy0, fy1: fy1})
			}
			if pw == [2]float64{0.2, 1} {
				if t, sc, exact, ok := p.readInPieces(img, 3); ok {
					cs = append(cs, mrzCand{text: t, score: sc, box: box, fy0: fy0, fy1: fy1, exact: exact})
				}
			}
		}
		if len(cs) > 0 {
			out = append(out, cs)
		}
	}
	return out
}

// cropFrame cuts the page-frame rectangle out of the read image, upright
// and scaled by s; it answers the scale used (capped so the crop stays
// small).
func (p *Page) cropFrame(x0, y0, x1, y1, s float64) (*image.RGBA, float64, bool) {
	return p.cropFrameWide(x0, y0, x1, y1, s, 1)
}

// cropFrameWide is cropFrame with the width stretched sx times more than
// the height.
func (p *Page) cropFrameWide(x0, y0, x1, y1, s, sx float64) (*image.RGBA, float64, bool) {
	s = math.Min(math.Max(s, 0.5), 4)
	w, h := int((x1-x0)*s*sx), int((y1-y0)*s)
	if w < 8 || h < 8 {
		return nil, 0, false
	}
	if w*h > 4<<20 {
		return nil, 0, false
	}
	// dst (u,v) → frame (x0+u/s, y0+v/s) → read image: rotate by +Skew
	// about the centre.
	a := p.Skew * math.Pi / 180
	cs, sn := math.Cos(a), math.Sin(a)
	c := p.centre
	// read = R·(frame − c) + c, frame = (x0,y0) + dst/s
	// src = M·dst + t
	m00, m01 := cs/(s*sx), -sn/s
	m10, m11 := sn/(s*sx), cs/s
	fx, fy := x0-c.X, y0-c.Y
	tx := cs*fx - sn*fy + c.X
	ty := sn*fx + cs*fy + c.Y
	// xdraw wants source → destination: invert the affine map.
	det := m00*m11 - m01*m10
	i00, i01 := m11/det, -m01/det
	i10, i11 := -m10/det, m00/det
	s2d := f64.Aff3{i00, i01, -(i00*tx + i01*ty), i10, i11, -(i10*tx + i11*ty)}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	// The band's surroundings are the card: fill white where the image ends.
	for i := range out.Pix {
		out.Pix[i] = 255
	}
	xdraw.CatmullRom.Transform(out, s2d, p.readImg, p.readImg.Bounds(), xdraw.Over, nil)
	return out, s, true
}

// readInPieces reads a row cut into n pieces at the blank columns
// between its glyphs. PP-OCRv4's recogniser mixes features across the
// whole line, and a long run of fillers then swallows the letters before
// it (a clean "LEI<<MAN<HOU" followed by 18 fillers reads "<<<<<<"; its
// first half alone reads right); a third of a row is short enough. A
// piece read as nothing but fillers may come back as Λ, the recogniser's
// filler seen upside down.
//
// exact: every piece read as many characters as it shows glyphs
// (separate runs of ink), its trailing fillers aside, so no letter was
// dropped or doubled.
func (p *Page) readInPieces(img *image.RGBA, n int) (text string, score float64, exact, ok bool) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w < 8*n || h < 8 {
		return "", 0, false, false
	}
	// Ink per column over the middle of the row, dark by Otsu's threshold.
	var hist [256]int
	lum := make([]uint8, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := img.PixOffset(img.Rect.Min.X+x, img.Rect.Min.Y+y)
			v := uint8((299*int(img.Pix[i]) + 587*int(img.Pix[i+1]) + 114*int(img.Pix[i+2])) / 1000)
			lum[y*w+x] = v
			hist[v]++
		}
	}
	th := otsu(hist[:], w*h)
	// The paper's colour, to pad each piece with.
	var sum [3]int
	paper := 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if lum[y*w+x] > th {
				i := img.PixOffset(img.Rect.Min.X+x, img.Rect.Min.Y+y)
				sum[0], sum[1], sum[2] = sum[0]+int(img.Pix[i]), sum[1]+int(img.Pix[i+1]), sum[2]+int(img.Pix[i+2])
				paper++
			}
		}
	}
	bg := color.RGBA{255, 255, 255, 255}
	if paper > 0 {
		bg = color.RGBA{uint8(sum[0] / paper), uint8(sum[1] / paper), uint8(sum[2] / paper), 255}
	}
	ink := make([]int, w)
	for y := h / 5; y < h-h/5; y++ {
		for x := 0; x < w; x++ {
			if lum[y*w+x] <= th {
				ink[x]++
			}
		}
	}
	a, b := -1, -1
	for x := 0; x < w; x++ {
		if ink[x] > 0 {
			if a < 0 {
				a = x
			}
			b = x
		}
	}
	if a < 0 || b-a < 4*n {
		return "", 0, false, false
	}
	cuts := []int{0}
	span := float64(b-a) / float64(n)
	for k := 1; k < n; k++ {
		c, ok := blankNear(ink, a, b, float64(a)+float64(k)*span, span/6)
		if !ok {
			return "", 0, false, false
		}
		cuts = append(cuts, c)
	}
	cuts = append(cuts, w)
	var out strings.Builder
	exact = true
	for k := 0; k < n; k++ {
		t, sc, ex, ok := p.readPiece(img, bg, ink, cuts[k], cuts[k+1], 1)
		if !ok {
			return "", 0, false, false
		}
		out.WriteString(t)
		score += sc / float64(n)
		exact = exact && ex
	}
	return out.String(), score, exact, true
}

// readPiece reads columns [x0, x1) of a row; a piece the recogniser
// reads as nothing is cut in two at its middle blank and read in halves,
// depth times at most.
func (p *Page) readPiece(img *image.RGBA, bg color.RGBA, ink []int, x0, x1, depth int) (string, float64, bool, bool) {
	var glyphEnds []int // the column after each glyph's last
	for x := x0; x < x1; x++ {
		if ink[x] > 0 && (x+1 == x1 || ink[x+1] == 0) {
			glyphEnds = append(glyphEnds, x+1)
		}
	}
	glyphs := len(glyphEnds)
	// Any reading counts: the pieces' scores rank the candidate.
	t, score, ok := p.readCols(img, bg, x0, x1, 0)
	if !ok {
		return "", 0, false, false
	}
	if t == "" {
		if depth == 0 || glyphs < 2 {
			return "", 0, false, false
		}
		c, ok := blankNear(ink, x0, x1-1, float64(x0+x1)/2, float64(x1-x0)/4)
		if !ok {
			return "", 0, false, false
		}
		l, ls, le, lok := p.readPiece(img, bg, ink, x0, c, depth-1)
		r, rs, re, rok := p.readPiece(img, bg, ink, c, x1, depth-1)
		return l + r, (ls + rs) / 2, le && re, lok && rok
	}
	// The recogniser miscounts a long run of fillers, not the letters
	// before it: a piece ending in one is given as many characters as it
	// shows glyphs by that run's length. Unless it dropped a letter at
	// the piece's edge ("OU<<<" read "U<<<"): the glyphs the letters read
	// and the missing ones are read again alone, with a margin, and
	// taken when they read as that many letters.
	exact := true
	if d := glyphs - utf8.RuneCountInString(t); d != 0 {
		head := strings.TrimRight(t, "<")
		run := len(t) - len(head)
		if run >= 3 && run+d >= 1 {
			t = head + strings.Repeat("<", run+d)
			if k := utf8.RuneCountInString(head) + d; d > 0 && k < glyphs {
				if again, _, ok := p.readCols(img, bg, x0, glyphEnds[k-1]+1, img.Rect.Dy()/4); ok &&
					utf8.RuneCountInString(again) == k && !strings.HasSuffix(again, "<") {
					t = again + strings.Repeat("<", glyphs-k)
				}
			}
		} else {
			exact = false
		}
	}
	return t, score, exact, true
}

// readCols reads columns [x0, x1) of a row without the detector, with pad
// columns of paper (bg) before them, spaces dropped and the filler seen
// upside down (Λ) taken for what it is.
func (p *Page) readCols(img *image.RGBA, bg color.RGBA, x0, x1, pad int) (string, float64, bool) {
	h := img.Rect.Dy()
	var piece image.Image = img.SubImage(image.Rect(img.Rect.Min.X+x0, img.Rect.Min.Y, img.Rect.Min.X+x1, img.Rect.Max.Y))
	if pad > 0 {
		m := image.NewRGBA(image.Rect(0, 0, x1-x0+pad, h))
		draw.Draw(m, m.Rect, image.NewUniform(bg), image.Point{}, draw.Src)
		draw.Draw(m, image.Rect(pad, 0, pad+x1-x0, h), img, image.Pt(img.Rect.Min.X+x0, img.Rect.Min.Y), draw.Src)
		piece = m
	}
	res, err := p.reader.Run(p.ctx, piece, pipeline.RunOptions{NoDet: true, NoCls: true, TextScore: 0.01})
	if err != nil {
		return "", 0, false
	}
	if len(res.Lines) == 0 {
		return "", 0, true
	}
	return strings.ReplaceAll(strings.ReplaceAll(res.Lines[0].Text, " ", ""), "Λ", "<"), float64(res.Lines[0].Score), true
}

// blankNear is the middle of the run of blank columns (no ink) nearest
// t, between the ink's ends a and b and within tol of t.
func blankNear(ink []int, a, b int, t, tol float64) (int, bool) {
	best, bestD := -1, tol
	for x := max(a+1, int(t-tol)); x <= min(b-1, int(t+tol)); x++ {
		if ink[x] > 0 {
			continue
		}
		x0, x1 := x, x
		for x0 > a && ink[x0-1] == 0 {
			x0--
		}
		for x1 < b && ink[x1+1] == 0 {
			x1++
		}
		m := (x0 + x1) / 2
		if d := math.Abs(float64(m) - t); d < bestD {
			best, bestD = m, d
		}
		x = x1
	}
	return best, best >= 0
}

// otsu is the threshold that best separates a histogram's two classes.
func otsu(hist []int, total int) uint8 {
	var sum float64
	for i, c := range hist {
		sum += float64(i * c)
	}
	var sumB, wB float64
	best, th := -1.0, 0
	for i, c := range hist {
		wB += float64(c)
		if wB == 0 {
			continue
		}
		wF := float64(total) - wB
		if wF == 0 {
			break
		}
		sumB += float64(i * c)
		mB, mF := sumB/wB, (sum-sumB)/wF
		if v := wB * wF * (mB - mF) * (mB - mF); v > best {
			best, th = v, i
		}
	}
	return uint8(th)
}
