package pipeline

import (
	"context"
	"math"
	"strings"
)

// The API's quick_mode is for images holding a single line of text: those
// are recognised whole, skipping the detector (most of the pipeline's
// work). lineBand decides from the image itself whether it is one line:
// the rows holding ink must form one band (a second band separated by a
// blank gap means several lines), wider than tall.

// minLineAspect is the smallest width/height of a text band read as one
// line: a single character is about square, and anything narrower is not
// a horizontal line of text.
const minLineAspect = 1.5

// lineBand returns the bounding box of the image's ink, if the ink forms
// a single horizontal line.
func lineBand(m *bgr) (x0, y0, x1, y1 int, ok bool) {
	if m.w < 8 || m.h < 8 || m.w < m.h {
		return 0, 0, 0, 0, false
	}
	grey := make([]uint8, m.w*m.h)
	var hist [256]int
	for i := range grey {
		p := m.pix[3*i:]
		g := uint8((int(p[0])*114 + int(p[1])*587 + int(p[2])*299) / 1000)
		grey[i] = g
		hist[g]++
	}
	t := otsu(&hist, len(grey))
	dark := 0
	for v := 0; v <= t; v++ {
		dark += hist[v]
	}
	textDark := dark*2 < len(grey)
	rows := make([]int, m.h)
	cols := make([]int, m.w)
	for y := 0; y < m.h; y++ {
		for x := 0; x < m.w; x++ {
			if (int(grey[y*m.w+x]) <= t) == textDark {
				rows[y]++
				cols[x]++
			}
		}
	}
	// Rows and columns with a few ink pixels only are noise.
	rowNeed, colNeed := max(1, m.w/200), max(1, m.h/25)
	var bands [][2]int
	for y := 0; y < m.h; {
		if rows[y] < rowNeed {
			y++
			continue
		}
		s := y
		for y < m.h && rows[y] >= rowNeed {
			y++
		}
		bands = append(bands, [2]int{s, y})
	}
	if len(bands) == 0 {
		return 0, 0, 0, 0, false
	}
	// Merge bands split by small gaps (dots of i, accents, the two parts
	// of 二 or 三): a gap under a third of the taller neighbour's height
	// is inside a line; a wider gap separates lines.
	merged := [][2]int{bands[0]}
	for _, b := range bands[1:] {
		last := &merged[len(merged)-1]
		gap := b[0] - last[1]
		if float64(gap) < float64(max(last[1]-last[0], b[1]-b[0]))/3 {
			last[1] = b[1]
			continue
		}
		merged = append(merged, b)
	}
	// Thin bands (rules, underlines, stray specks) next to the line do not
	// make it two lines; bands of text height do.
	main := 0
	for i, b := range merged {
		if b[1]-b[0] > merged[main][1]-merged[main][0] {
			main = i
		}
	}
	mh := merged[main][1] - merged[main][0]
	for i, b := range merged {
		if i != main && b[1]-b[0] > mh/3 {
			return 0, 0, 0, 0, false
		}
	}
	y0, y1 = merged[main][0], merged[main][1]
	x0, x1 = m.w, 0
	for x := 0; x < m.w; x++ {
		if cols[x] >= colNeed {
			x0, x1 = min(x0, x), x+1
		}
	}
	if x1 <= x0 || float64(x1-x0) < minLineAspect*float64(y1-y0) {
		return 0, 0, 0, 0, false
	}
	return x0, y0, x1, y1, true
}

// singleLine reads src as one line of text when it is one; ok is false
// when the image is not a single line (or the line does not read), and
// the caller then runs the full pipeline.
func (p *Pipeline) singleLine(ctx context.Context, src *bgr, opts RunOptions) (Result, bool, error) {
	res := Result{Direction: -1}
	x0, y0, x1, y1, ok := lineBand(src)
	if !ok {
		return res, false, nil
	}
	// A margin of a quarter of the text height on each side, as the
	// detector's unclipped boxes leave.
	m := int(math.Ceil(0.25 * float64(y1-y0)))
	x0, y0 = max(0, x0-m), max(0, y0-m)
	x1, y1 = min(src.w, x1+m), min(src.h, y1+m)
	img := newBGR(x1-x0, y1-y0)
	for y := y0; y < y1; y++ {
		copy(img.pix[(y-y0)*img.w*3:(y-y0+1)*img.w*3], src.pix[(y*src.w+x0)*3:(y*src.w+x1)*3])
	}
	box := [4]pt{{float64(x0), float64(y0)}, {float64(x1), float64(y0)}, {float64(x1), float64(y1)}, {float64(x0), float64(y1)}}
	crops := []crop{{img: img, box: box}}
	if opts.DetectDirection && p.cls != nil && !opts.NoCls {
		if err := p.classify(ctx, crops); err != nil {
			return res, false, err
		}
	}
	recs, err := p.recognize(ctx, crops, opts.CharBoxes, false)
	if err != nil {
		return res, false, err
	}
	r := recs[0]
	minScore := p.cfg.TextScore
	if opts.TextScore > 0 {
		minScore = opts.TextScore
	}
	if strings.TrimSpace(r.text) == "" || r.score < max(minScore, p.cfg.QualityScore) {
		return res, false, nil
	}
	c := crops[0]
	toOrig := func(q pt) Point {
		return Point{int(math.Round(clampF(q.x, 0, float64(src.w)))), int(math.Round(clampF(q.y, 0, float64(src.h))))}
	}
	l := Line{Text: r.text, Score: r.score, Angle: c.angle}
	for k := range l.Box {
		l.Box[k] = toOrig(c.box[k])
	}
	if opts.CharBoxes {
		l.Chars = charBoxes(c, r, toOrig)
	}
	res.Lines = []Line{l}
	res.Regions = 1
	if opts.DetectDirection {
		res.Direction = float64(c.angle)
	}
	return res, true, nil
}
