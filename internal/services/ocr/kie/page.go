// Package kie extracts key information from documents: one engine reads
// the OCR pipeline's lines, put into the page's upright frame, against a
// declarative spec of the document type (specs/*.yaml: fields, printed
// labels, value patterns, geometry, normalisers, validators).
package kie

import (
	"context"
	"image"
	"image/draw"
	"math"
	"sort"
	"strings"

	xdraw "golang.org/x/image/draw"

	"github.com/aisd/aisd/internal/services/ocr/kie/geom"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// Reader is the part of the OCR pipeline the engine needs.
type Reader interface {
	Run(ctx context.Context, img image.Image, opts pipeline.RunOptions) (pipeline.Result, error)
}

// Line is a recognised line in the page frame.
type Line struct {
	pipeline.Line
	// X0..Y1 bound the line in the upright page frame.
	X0, Y0, X1, Y1 float64
	idx            int
	// charX holds each character's left and right edge in the page frame.
	charX [][2]float64
}

// byteRange is the span of text whose characters' centres lie in
// [x0, x1) of the page frame (the whole text without character boxes).
func (l *Line) byteRange(x0, x1 float64) (int, int) {
	if len(l.charX) != len(l.Chars) || len(l.Chars) == 0 {
		return 0, len(l.Text)
	}
	from, to, off := -1, 0, 0
	for i, c := range l.Chars {
		cx := (l.charX[i][0] + l.charX[i][1]) / 2
		if cx >= x0 && cx < x1 {
			if from < 0 {
				from = off
			}
			to = off + len(c.Char)
		}
		off += len(c.Char)
	}
	if from < 0 || off != len(l.Text) {
		return 0, len(l.Text)
	}
	return from, to
}

// spanX is the page-frame extent of the text between byte offsets from
// and to (the whole line without character boxes).
func (l *Line) spanX(from, to int) (float64, float64) {
	if len(l.charX) != len(l.Chars) || len(l.Chars) == 0 {
		return l.X0, l.X1
	}
	x0, x1 := math.Inf(1), math.Inf(-1)
	off := 0
	for i, c := range l.Chars {
		if off >= from && off < to {
			x0, x1 = math.Min(x0, l.charX[i][0]), math.Max(x1, l.charX[i][1])
		}
		off += len(c.Char)
	}
	if math.IsInf(x0, 0) {
		return l.X0, l.X1
	}
	return x0, x1
}

func (l *Line) H() float64  { return l.Y1 - l.Y0 }
func (l *Line) CY() float64 { return (l.Y0 + l.Y1) / 2 }

// Page is a read document page: its lines in reading order, the turn
// that made it upright and the quadrilateral the text occupies.
type Page struct {
	Lines []*Line
	// Quarter is how many quarter turns clockwise the input was turned
	// before reading (0..3), decided from the first pass's reading
	// directions; Skew the remaining in-plane angle in degrees.
	Quarter int
	Skew    float64
	// Quad is the text block's corners in input-image coordinates.
	Quad geom.Quad
	// Img is the input image (not turned) for pixel evidence.
	Img image.Image
	// toRead maps input-image points to the coordinates the page was
	// read in (shrunk, and warped when the card was rectified), fromRead
	// back; centre is the read image's centre, about which Skew turns.
	toRead, fromRead geom.H
	centre           geom.Pt
	// Warped: the card's quadrilateral was found and rectified before
	// reading.
	Warped bool
	// readImg is the image the lines were read in (shrunk, warped, not
	// turned); reader and ctx let a decoder read part of it again (the
	// MRZ band).
	readImg image.Image
	reader  Reader
	ctx     context.Context
}

// init gives a page made outside Read (tests) its identity mapping: read
// in its own image's coordinates.
func (p *Page) init() {
	if p.toRead == (geom.H{}) {
		p.toRead, p.fromRead = scaleH(1), scaleH(1)
		b := p.Img.Bounds()
		p.centre = geom.Pt{X: float64(b.Dx()) / 2, Y: float64(b.Dy()) / 2}
	}
}

// toFrame maps an input-image point into the upright page frame.
func (p *Page) toFrame(pt geom.Pt) geom.Pt {
	p.init()
	return geom.Rotate(p.toRead.Apply(pt), p.centre, -p.Skew*math.Pi/180)
}

// fromFrame maps a page-frame point back to the input image.
// frameRect is the page-frame rectangle [x0,x1]×[y0,y1] as a box in the
// input image (TL, TR, BR, BL).
func (p *Page) frameRect(x0, y0, x1, y1 float64) [4]pipeline.Point {
	var box [4]pipeline.Point
	for k, c := range [4]geom.Pt{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}} {
		q := p.fromFrame(c)
		box[k] = pipeline.Point{int(math.Round(q.X)), int(math.Round(q.Y))}
	}
	return box
}

func (p *Page) fromFrame(pt geom.Pt) geom.Pt {
	p.init()
	return p.fromRead.Apply(geom.Rotate(pt, p.centre, p.Skew*math.Pi/180))
}

func scaleH(f float64) geom.H { return geom.H{f, 0, 0, 0, f, 0, 0, 0, 1} }

// Read runs the pipeline on img, decides its orientation from the lines'
// reading directions and, when the page is turned by a quarter or more,
// reads it again upright so short values are not read sideways.
func Read(ctx context.Context, r Reader, orig image.Image) (*Page, error) {
	// A document's text all runs one way: the direction classifier's
	// verdicts are pooled over the page, so that one line (an MRZ row of
	// fillers) is not read upside down alone.
	opts := pipeline.RunOptions{CharBoxes: true, SingleOrientation: true}
	img, scale := shrink(orig)
	// fromRead: read coordinates → input image.
	fromRead := scaleH(scale)
	warped := false
	if WarpCards {
		// A card photographed at an angle is rectified first: the
		// detector and recogniser then see level, evenly sized text.
		if q, ok := FindCard(img); ok && !square(q) {
			if w, back, ok := WarpCard(img, q); ok {
				img, fromRead, warped = w, mulH(scaleH(scale), back), true
			}
		}
	}
	res, err := r.Run(ctx, img, opts)
	if err != nil {
		return nil, err
	}
	ang := readingAngle(res.Lines)
	q := int(math.Round(ang/90)) & 3
	p := &Page{Img: img, Warped: warped}
	if q != 0 {
		turned := turn(img, (4-q)&3)
		res2, err := r.Run(ctx, turned, opts)
		if err != nil {
			return nil, err
		}
		b := img.Bounds()
		for i := range res2.Lines {
			l := &res2.Lines[i]
			for k := range l.Box {
				l.Box[k] = unturn(l.Box[k], (4-q)&3, b.Dx(), b.Dy())
			}
			for c := range l.Chars {
				for k := range l.Chars[c].Box {
					l.Chars[c].Box[k] = unturn(l.Chars[c].Box[k], (4-q)&3, b.Dx(), b.Dy())
				}
			}
		}
		res = res2
		p.Quarter = (4 - q) & 3
		ang = readingAngle(res.Lines)
	}
	for i := range res.Lines {
		wordGaps(img, &res.Lines[i])
	}
	// The frame is laid out in the coordinates the lines were read in;
	// their boxes are then answered in the input image's.
	b := img.Bounds()
	p.centre = geom.Pt{X: float64(b.Dx()) / 2, Y: float64(b.Dy()) / 2}
	p.Skew = ang
	p.fromRead = fromRead
	toRead, ok := fromRead.Inverse()
	if !ok {
		toRead = scaleH(1 / scale)
	}
	p.toRead = toRead
	p.layout(res.Lines, ang)
	for _, l := range p.Lines {
		l.Box = mapBox(l.Box, fromRead)
		l.Chars = append([]pipeline.Char(nil), l.Chars...)
		for c := range l.Chars {
			l.Chars[c].Box = mapBox(l.Chars[c].Box, fromRead)
		}
	}
	p.Img = orig
	p.readImg, p.reader, p.ctx = img, r, ctx
	return p, nil
}

func mapBox(b [4]pipeline.Point, h geom.H) [4]pipeline.Point {
	for i := range b {
		q := h.Apply(geom.Pt{X: float64(b[i][0]), Y: float64(b[i][1])})
		b[i] = pipeline.Point{int(math.Round(q.X)), int(math.Round(q.Y))}
	}
	return b
}

// MaxSide is the longest side a page is read at: document text is large
// enough at this size, and detection work and memory grow with the pixels.
const MaxSide = 1600

// shrink scales a page whose long side exceeds MaxSide down to it and
// returns the factor mapping its coordinates back.
func shrink(img image.Image) (image.Image, float64) {
	b := img.Bounds()
	long := max(b.Dx(), b.Dy())
	if long <= MaxSide {
		return img, 1
	}
	f := float64(MaxSide) / float64(long)
	w, h := max(1, int(float64(b.Dx())*f)), max(1, int(float64(b.Dy())*f))
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.ApproxBiLinear.Scale(out, out.Bounds(), img, b, xdraw.Src, nil)
	return out, float64(long) / float64(MaxSide)
}

// readingAngle is the length-weighted circular mean of the lines' reading
// directions (first to last character), in degrees clockwise from +x.
// Lines running across the others (a label printed vertically, as the
// fully digitalised invoice's 购买方信息) are left out of a second pass:
// a few of them would otherwise tilt the whole frame by a degree or two,
// enough to put a table row's cells on different rows.
func readingAngle(lines []pipeline.Line) float64 {
	ang, ok := meanAngle(lines, 0, 180)
	if !ok {
		return 0
	}
	for range 2 {
		if a, ok := meanAngle(lines, ang, 30); ok {
			ang = a
		}
	}
	return ang
}

// meanAngle is the weighted mean direction of the lines within within
// degrees of around.
func meanAngle(lines []pipeline.Line, around, within float64) (float64, bool) {
	var sx, sy float64
	for _, l := range lines {
		if len(l.Chars) < 2 {
			continue
		}
		a, b := centre(l.Chars[0].Box), centre(l.Chars[len(l.Chars)-1].Box)
		dx, dy := b.X-a.X, b.Y-a.Y
		n := math.Hypot(dx, dy)
		if n == 0 {
			continue
		}
		if d := math.Abs(math.Remainder(math.Atan2(dy, dx)*180/math.Pi-around, 360)); d > within {
			continue
		}
		w := float64(len(l.Chars))
		sx += dx / n * w
		sy += dy / n * w
	}
	if sx == 0 && sy == 0 {
		return 0, false
	}
	return math.Atan2(sy, sx) * 180 / math.Pi, true
}

func centre(b [4]pipeline.Point) geom.Pt {
	return geom.Pt{X: float64(b[0][0]+b[1][0]+b[2][0]+b[3][0]) / 4, Y: float64(b[0][1]+b[1][1]+b[2][1]+b[3][1]) / 4}
}

// layout puts the lines into the frame turned back by ang degrees, in
// reading order (top to bottom, then left to right within a row).
func (p *Page) layout(lines []pipeline.Line, ang float64) {
	p.init()
	p.Skew = ang
	a := -ang * math.Pi / 180
	c := p.centre
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i := range lines {
		l := &Line{Line: lines[i], X0: math.Inf(1), Y0: math.Inf(1), X1: math.Inf(-1), Y1: math.Inf(-1), idx: i}
		for _, pt := range l.Box {
			q := geom.Rotate(geom.Pt{X: float64(pt[0]), Y: float64(pt[1])}, c, a)
			l.X0, l.Y0 = math.Min(l.X0, q.X), math.Min(l.Y0, q.Y)
			l.X1, l.Y1 = math.Max(l.X1, q.X), math.Max(l.Y1, q.Y)
		}
		for _, ch := range l.Chars {
			e := [2]float64{math.Inf(1), math.Inf(-1)}
			for _, pt := range ch.Box {
				q := geom.Rotate(geom.Pt{X: float64(pt[0]), Y: float64(pt[1])}, c, a)
				e[0], e[1] = math.Min(e[0], q.X), math.Max(e[1], q.X)
			}
			l.charX = append(l.charX, e)
		}
		minX, minY = math.Min(minX, l.X0), math.Min(minY, l.Y0)
		maxX, maxY = math.Max(maxX, l.X1), math.Max(maxY, l.Y1)
		p.Lines = append(p.Lines, l)
	}
	sort.SliceStable(p.Lines, func(i, j int) bool {
		a, b := p.Lines[i], p.Lines[j]
		if math.Abs(a.CY()-b.CY()) < math.Min(a.H(), b.H())/2 {
			return a.X0 < b.X0
		}
		return a.CY() < b.CY()
	})
	if len(lines) > 0 {
		for i, corner := range [4]geom.Pt{{X: minX, Y: minY}, {X: maxX, Y: minY}, {X: maxX, Y: maxY}, {X: minX, Y: maxY}} {
			p.Quad[i] = p.fromFrame(corner)
		}
	}
}

// turn rotates img by q quarter turns clockwise.
func turn(img image.Image, q int) image.Image {
	if q == 0 {
		return img
	}
	b := img.Bounds()
	src, ok := img.(*image.RGBA)
	if !ok {
		src = image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	}
	w, h := b.Dx(), b.Dy()
	var out *image.RGBA
	if q == 2 {
		out = image.NewRGBA(image.Rect(0, 0, w, h))
	} else {
		out = image.NewRGBA(image.Rect(0, 0, h, w))
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var nx, ny int
			switch q {
			case 1:
				nx, ny = h-1-y, x
			case 2:
				nx, ny = w-1-x, h-1-y
			case 3:
				nx, ny = y, w-1-x
			}
			copy(out.Pix[out.PixOffset(nx, ny):][:4], src.Pix[src.PixOffset(x, y):][:4])
		}
	}
	return out
}

// unturn maps a point of the image turned q quarters clockwise back to
// the w×h original.
func unturn(p pipeline.Point, q, w, h int) pipeline.Point {
	x, y := p[0], p[1]
	switch q {
	case 1:
		return pipeline.Point{y, h - x}
	case 2:
		return pipeline.Point{w - x, h - y}
	case 3:
		return pipeline.Point{w - y, x}
	}
	return p
}

// wordGaps puts back the spaces between Latin words that the recogniser
// dropped ("MARIAJOSE"; its CTC columns are evenly spaced, so the gap is
// looked for in the pixels): between two letters, a blank stretch across
// the line wider than half the line's height is a printed space.
func wordGaps(img image.Image, l *pipeline.Line) {
	n := len(l.Chars)
	if n < 3 {
		return
	}
	if !strings.ContainsFunc(l.Text, func(r rune) bool { return r < 128 && (r|0x20) >= 'a' && (r|0x20) <= 'z' }) {
		return
	}
	b := l.Box
	h := math.Hypot(float64(b[3][0]-b[0][0]), float64(b[3][1]-b[0][1]))
	h = math.Min(h, math.Hypot(float64(b[2][0]-b[1][0]), float64(b[2][1]-b[1][1])))
	if h < 6 {
		return
	}
	lum := func(x, y float64) float64 {
		r, g, bl, _ := img.At(int(x), int(y)).RGBA()
		return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 257
	}
	first, last := centre(l.Chars[0].Box), centre(l.Chars[n-1].Box)
	ux, uy := last.X-first.X, last.Y-first.Y
	un := math.Hypot(ux, uy)
	if un == 0 {
		return
	}
	ux, uy = ux/un, uy/un
	vx, vy := -uy, ux
	// Ink is darker (or lighter, on dark cards) than the line's median.
	var all []float64
	for t := 0.0; t <= un; t += 2 {
		for k := -0.3; k <= 0.3; k += 0.15 {
			all = append(all, lum(first.X+ux*t+vx*k*h, first.Y+uy*t+vy*k*h))
		}
	}
	sort.Float64s(all)
	lo, mid, hi := all[len(all)/20], all[len(all)/2], all[len(all)*19/20]
	inkDark := mid-lo > hi-mid
	ink := func(v float64) bool {
		if inkDark {
			return v < (lo+mid)/2
		}
		return v > (hi+mid)/2
	}
	// Walk the line: count glyphs (runs of ink columns) and note after
	// which glyph a word gap falls. The gaps are trusted only when the
	// glyph count equals the character count, so a space is never put
	// in the wrong place.
	blankAt := func(t float64) bool {
		px, py := first.X+ux*t, first.Y+uy*t
		for k := -0.48; k <= 0.48; k += 0.06 {
			if ink(lum(px+vx*k*h, py+vy*k*h)) {
				return false
			}
		}
		return true
	}
	half := h / 2
	glyphs, run := 0, 0.0
	inGlyph := false
	gaps := map[int]bool{}
	for t := -half; t <= un+half; t++ {
		if blankAt(t) {
			if inGlyph {
				inGlyph = false
				run = 0
			}
			run++
			if run >= 0.25*h && glyphs > 0 {
				gaps[glyphs] = true
			}
			continue
		}
		if !inGlyph {
			inGlyph = true
			glyphs++
		}
	}
	if glyphs != n || len(gaps) == 0 {
		return
	}
	var out []pipeline.Char
	changed := false
	for i, c := range l.Chars {
		out = append(out, c)
		if i+1 < n && gaps[i+1] && wordBreak(c.Char, l.Chars[i+1].Char) {
			out = append(out, pipeline.Char{Char: " ", Score: 1, Box: c.Box})
			changed = true
		}
	}
	if !changed || strings.Contains(l.Text, " ") {
		return
	}
	var sb strings.Builder
	for _, c := range out {
		sb.WriteString(c.Char)
	}
	if strings.ReplaceAll(sb.String(), " ", "") == l.Text {
		l.Text, l.Chars = sb.String(), out
	}
}

func latin(c string) bool {
	return len(c) == 1 && (c[0] >= 'A' && c[0] <= 'Z' || c[0] >= 'a' && c[0] <= 'z')
}

func digit(c string) bool { return len(c) == 1 && c[0] >= '0' && c[0] <= '9' }

// wordBreak says where a printed space may fall: between words, after a
// comma or an abbreviation's full stop, and between a word and a number
// (AV. GRAU 123).
func wordBreak(prev, next string) bool {
	return (latin(prev) || prev == "," || prev == ".") && (latin(next) || digit(next)) || digit(prev) && latin(next)
}
