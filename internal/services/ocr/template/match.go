package template

import (
	"encoding/json"
	"errors"
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// normalise folds text for anchor matching: full-width forms to ASCII,
// lower case, and no spaces or punctuation (a label's colon, brackets).
func normalise(s string) []rune {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		out = append(out, fold(r)...)
	}
	return out
}

func fold(r rune) []rune {
	switch {
	case r == 0x3000:
		return nil
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	}
	if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsControl(r) {
		return nil
	}
	return []rune{unicode.ToLower(r)}
}

// token is one normalised rune of a detected line, with the box of the
// character it came from (reading order corners).
type token struct {
	r   rune
	box Quad
}

// seq is a detected line as a sequence of tokens.
type seq struct {
	toks []token
	line int
	box  Quad // the detector's box of the whole line, in reading order
}

func quadOf(b [4]pipeline.Point) Quad {
	var q Quad
	for i, p := range b {
		q[i] = P{float64(p[0]), float64(p[1])}
	}
	return q
}

// sequences turns the pipeline's lines into token sequences. Lines read
// without character boxes share their line box out by rune position.
func sequences(lines []pipeline.Line) []seq {
	out := make([]seq, 0, len(lines))
	for li, l := range lines {
		s := seq{line: li}
		if len(l.Chars) > 0 {
			for _, c := range l.Chars {
				for _, r := range normalise(c.Char) {
					s.toks = append(s.toks, token{r, quadOf(c.Box)})
				}
			}
		} else {
			rs := []rune(l.Text)
			q := quadOf(l.Box)
			for i, r := range rs {
				for _, f := range fold(r) {
					s.toks = append(s.toks, token{f, sliceQuad(q, float64(i)/float64(len(rs)), float64(i+1)/float64(len(rs)))})
				}
			}
		}
		if len(s.toks) > 0 {
			first, last := s.toks[0].box, s.toks[len(s.toks)-1].box
			s.box = readingOrder(quadOf(l.Box), Quad{first[0], last[1], last[2], first[3]})
			out = append(out, s)
		}
	}
	return out
}

// readingOrder turns the detector's box (corners clockwise from the
// geometric top-left) so that it starts where the text does, as the
// characters' boxes tell.
func readingOrder(box, chars Quad) Quad {
	best, bestD := box, math.Inf(1)
	for k := 0; k < 4; k++ {
		var r Quad
		var d float64
		for i := 0; i < 4; i++ {
			r[i] = box[(i+k)%4]
			d += dist(r[i], chars[i])
		}
		if d < bestD {
			best, bestD = r, d
		}
	}
	return best
}

// sliceQuad is the part of q between fractions a and b along its reading
// direction.
func sliceQuad(q Quad, a, b float64) Quad {
	lerp := func(p, r P, t float64) P { return P{p.X + (r.X-p.X)*t, p.Y + (r.Y-p.Y)*t} }
	return Quad{lerp(q[0], q[1], a), lerp(q[0], q[1], b), lerp(q[3], q[2], b), lerp(q[3], q[2], a)}
}

// bestSubstring finds the substring of t closest to p in edit distance
// (Sellers' algorithm), returning the distance and the substring's bounds.
func bestSubstring(p []rune, t []token) (d, start, end int) {
	m := len(p)
	prev, prevS := make([]int, m+1), make([]int, m+1)
	cur, curS := make([]int, m+1), make([]int, m+1)
	for i := range prev {
		prev[i] = i
	}
	d, start, end = m+1, 0, 0
	for j := 1; j <= len(t); j++ {
		cur[0], curS[0] = 0, j
		for i := 1; i <= m; i++ {
			cost := 1
			if p[i-1] == t[j-1].r {
				cost = 0
			}
			v, s := prev[i-1]+cost, prevS[i-1]
			if prev[i]+1 < v {
				v, s = prev[i]+1, prevS[i]
			}
			if cur[i-1]+1 < v {
				v, s = cur[i-1]+1, curS[i-1]
			}
			cur[i], curS[i] = v, s
		}
		if cur[m] < d {
			d, start, end = cur[m], curS[m], j
		}
		prev, cur = cur, prev
		prevS, curS = curS, prevS
	}
	if end <= start {
		return m + 1, 0, 0
	}
	return d, start, end
}

// allowedEdits is how many edits an anchor of n runes may need and still
// be taken as found: none for one or two runes, then about one in four.
func allowedEdits(n int) int {
	switch {
	case n <= 2:
		return 0
	case n <= 5:
		return 1
	}
	return int(float64(n) * (1 - defaultAnchorFactor))
}

// candidate is one place an anchor's text was found in the input.
type candidate struct {
	anchor int
	ref    Quad
	in     Quad
	score  float64 // 1 - edits/len
}

// findText finds where text occurs among seqs, best first (at most max).
func findText(text string, seqs []seq, max int) []candidate {
	p := normalise(text)
	if len(p) == 0 {
		return nil
	}
	limit := allowedEdits(len(p))
	var out []candidate
	for _, s := range seqs {
		d, a, b := bestSubstring(p, s.toks)
		if d > limit {
			continue
		}
		// A whole line takes the detector's box, which is steadier than
		// the recogniser's character columns.
		q := s.box
		if a > 0 || b < len(s.toks) {
			first, last := s.toks[a].box, s.toks[b-1].box
			q = Quad{first[0], last[1], last[2], first[3]}
		}
		out = append(out, candidate{in: q, score: 1 - float64(d)/float64(len(p))})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	if len(out) > max {
		out = out[:max]
	}
	return out
}

// errNoMatch and errDegenerate are the two ways matching fails (AIS.0119).
var (
	errNoMatch    = errors.New("too few anchors found in the input")
	errDegenerate = errors.New("the anchors found give a degenerate transform")
)

// Match is a template located in an input image.
type Match struct {
	H      H       // reference → input
	Found  int     // anchors found where the transform puts them
	Score  float64 // Σ similarity of the anchors found / anchors in the template
	Model  string  // homography, affine or similarity
	RMS    float64 // corner residual of the anchors found, pixels
	inlier []candidate
}

// required is how many of n anchors must be found for a match.
func required(n int) int { return max(min(2, n), (n+1)/2) }

// locate finds t's anchors among the input's lines and fits the transform
// from the reference image to the input (w×h).
func locate(t *Template, seqs []seq, w, h int) (Match, error) {
	var cands [][]candidate
	for i, a := range t.Anchors {
		ref, err := parseQuad("anchor", a.Location)
		if err != nil {
			continue
		}
		cs := findText(a.Text, seqs, 3)
		for k := range cs {
			cs[k].anchor, cs[k].ref = i, ref
		}
		if len(cs) > 0 {
			cands = append(cands, cs)
		}
	}
	need := required(len(t.Anchors))
	if len(cands) < need {
		return Match{}, errNoMatch
	}
	diag := math.Hypot(float64(w), float64(h))

	// Hypotheses: a similarity from each candidate's own corners, and from
	// each pair of candidates of different anchors. Each is scored by the
	// anchors it explains within a loose tolerance; the best few are
	// refined.
	var hyps []H
	for _, cs := range cands {
		for _, c := range cs {
			if hm, ok := fitSimilarity(c.ref[:], c.in[:]); ok {
				hyps = append(hyps, hm)
			}
		}
	}
	maxPer := 3
	if len(cands) > 12 {
		maxPer = 1 // keep the pair count near 10⁴
	}
	for i := range cands {
		for j := i + 1; j < len(cands); j++ {
			for _, a := range cands[i][:min(maxPer, len(cands[i]))] {
				for _, b := range cands[j][:min(maxPer, len(cands[j]))] {
					src := append(append([]P{}, a.ref[:]...), b.ref[:]...)
					dst := append(append([]P{}, a.in[:]...), b.in[:]...)
					if hm, ok := fitSimilarity(src, dst); ok {
						hyps = append(hyps, hm)
					}
				}
			}
		}
	}
	type scored struct {
		h     H
		inl   []candidate
		score float64
		rms   float64
	}
	eval := func(hm H, loose bool) scored {
		s := scored{h: hm}
		var sq float64
		n := 0
		for _, cs := range cands {
			best, bestErr := -1, math.Inf(1)
			for k, c := range cs {
				e, ok := cornerErr(hm, c)
				if ok && e < bestErr {
					best, bestErr = k, e
				}
			}
			if best < 0 {
				continue
			}
			c := cs[best]
			tol := 0.5*c.in.height() + 0.005*diag
			if loose {
				tol = 1.5*c.in.height() + 0.03*diag
			}
			if bestErr <= tol {
				s.inl = append(s.inl, c)
				s.score += c.score
				sq += bestErr * bestErr
				n++
			}
		}
		if n > 0 {
			s.rms = math.Sqrt(sq / float64(n))
		}
		return s
	}
	better := func(a, b scored) bool {
		if len(a.inl) != len(b.inl) {
			return len(a.inl) > len(b.inl)
		}
		if a.score != b.score {
			return a.score > b.score
		}
		return a.rms < b.rms
	}
	var ranked []scored
	for _, hm := range hyps {
		ranked = append(ranked, eval(hm, true))
	}
	sort.SliceStable(ranked, func(i, j int) bool { return better(ranked[i], ranked[j]) })
	if len(ranked) > 8 {
		ranked = ranked[:8]
	}
	var best scored
	bestModel, degenerate := "", false
	for _, r := range ranked {
		cur, model := r, ""
		for iter := 0; iter < 5 && len(cur.inl) > 0; iter++ {
			hm, m, ok := fit(cur.inl)
			if !ok {
				break
			}
			next := eval(hm, false)
			if len(next.inl) == 0 || iter > 0 && !better(next, cur) && sameSet(next.inl, cur.inl) {
				cur, model = next, m
				break
			}
			cur, model = next, m
		}
		if model == "" || len(cur.inl) < need {
			continue
		}
		// A transform that explains the anchors but no photo gives is
		// passed over for the next hypothesis.
		if !plausible(cur.h, t, w, h) {
			degenerate = true
			continue
		}
		if bestModel == "" || better(cur, best) {
			best, bestModel = cur, model
		}
	}
	if bestModel == "" {
		if degenerate {
			return Match{}, errDegenerate
		}
		return Match{}, errNoMatch
	}
	return Match{H: best.h, Found: len(best.inl), Score: best.score / float64(len(t.Anchors)), Model: bestModel, RMS: best.rms, inlier: best.inl}, nil
}

func sameSet(a, b []candidate) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].anchor != b[i].anchor || a[i].in != b[i].in {
			return false
		}
	}
	return true
}

// cornerErr is the mean distance between c's input corners and where hm
// puts its reference corners.
func cornerErr(hm H, c candidate) (float64, bool) {
	var s float64
	for k := 0; k < 4; k++ {
		p, ok := hm.Apply(c.ref[k])
		if !ok {
			return 0, false
		}
		s += dist(p, c.in[k])
	}
	return s / 4, true
}

// fit picks the richest model the anchors found support with equations
// to spare, so that anchors found in the wrong places cannot all fit: a
// homography from three or more anchors spread in two directions, an
// affine map from three in a row, a similarity from one or two (two boxes
// must then agree on the scale and rotation their distance implies).
func fit(inl []candidate) (H, string, bool) {
	var src, dst []P
	for _, c := range inl {
		src = append(src, c.ref[:]...)
		dst = append(dst, c.in[:]...)
	}
	if len(inl) >= 3 && spread(inl) {
		if hm, ok := fitHomography(src, dst); ok {
			// With anchors to spare, keep the perspective only if it
			// predicts a left-out anchor better than an affine map does:
			// a flat photo's noise otherwise bends the far side of the page.
			if len(inl) >= 4 {
				if ha, ok := fitAffine(src, dst); ok && looErr(inl, fitAffine) < looErr(inl, fitHomography) {
					return ha, "affine", true
				}
			}
			return hm, "homography", true
		}
	}
	if len(inl) >= 3 {
		if hm, ok := fitAffine(src, dst); ok {
			return hm, "affine", true
		}
	}
	hm, ok := fitSimilarity(src, dst)
	return hm, "similarity", ok
}

// looErr is the mean corner error of each anchor under the transform
// fitted to the others.
func looErr(inl []candidate, fitter func(src, dst []P) (H, bool)) float64 {
	var sum float64
	for i := range inl {
		var src, dst []P
		for j, c := range inl {
			if j != i {
				src = append(src, c.ref[:]...)
				dst = append(dst, c.in[:]...)
			}
		}
		hm, ok := fitter(src, dst)
		if !ok {
			return math.Inf(1)
		}
		e, ok := cornerErr(hm, inl[i])
		if !ok {
			return math.Inf(1)
		}
		sum += e
	}
	return sum / float64(len(inl))
}

// spread reports whether the anchors' centres on the reference extend
// across more than a few text heights in both directions (not collinear),
// so that a perspective is pinned down.
func spread(inl []candidate) bool {
	var cx, cy, hsum float64
	for _, c := range inl {
		p := c.ref.centre()
		cx += p.X
		cy += p.Y
		hsum += c.ref.height()
	}
	n := float64(len(inl))
	cx, cy = cx/n, cy/n
	var sxx, syy, sxy float64
	for _, c := range inl {
		p := c.ref.centre()
		sxx += (p.X - cx) * (p.X - cx)
		syy += (p.Y - cy) * (p.Y - cy)
		sxy += (p.X - cx) * (p.Y - cy)
	}
	sxx, syy, sxy = sxx/n, syy/n, sxy/n
	// Smaller eigenvalue of the covariance: variance across the best line.
	tr, det := sxx+syy, sxx*syy-sxy*sxy
	minor := tr/2 - math.Sqrt(math.Max(0, tr*tr/4-det))
	return math.Sqrt(math.Max(0, minor)) > 2*hsum/n
}

// plausible rejects transforms no photo of the form can give: a mirrored
// or folded page, the horizon crossing it, or a page far smaller or larger
// than the input.
func plausible(hm H, t *Template, w, h int) bool {
	W, Hh := float64(t.Width), float64(t.Height)
	page := Quad{{0, 0}, {W, 0}, {W, Hh}, {0, Hh}}
	for _, p := range page {
		if hm.w(p) <= 0 {
			return false
		}
	}
	q, ok := hm.quad(page)
	if !ok || !convexCW(q) {
		return false
	}
	for _, v := range hm {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	// Foreshortening beyond 4:1 between opposite edges is no photo of a
	// page one means to read.
	for _, e := range [2][2]float64{{dist(q[0], q[1]), dist(q[3], q[2])}, {dist(q[0], q[3]), dist(q[1], q[2])}} {
		if e[0] > 4*e[1] || e[1] > 4*e[0] {
			return false
		}
	}
	area := signedArea(q[:])
	img := float64(w) * float64(h)
	return area >= 0.002*img && area <= 100*img
}

// Field is one recognition area as the response gives it.
type Field struct {
	Name       string    `json:"-"`
	Words      string    `json:"words"`
	Confidence float32   `json:"confidence"`
	Location   [][]int32 `json:"location"`
}

// Fields keep the template's area order in the JSON object.
type Fields []Field

// MarshalJSON writes {"area name": {words, confidence, location}, ...}.
func (fs Fields) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Name)
		v, err := json.Marshal(f)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// read maps each recognition area into the input and collects the
// characters whose centres fall inside it, line by line in the
// template's reading order.
func read(t *Template, m Match, lines []pipeline.Line) Fields {
	inv, invOK := inverse(m.H)
	out := make(Fields, 0, len(t.Areas))
	for _, a := range t.Areas {
		ref, err := parseQuad("area", a.Location)
		if err != nil {
			continue
		}
		f := Field{Name: a.Name, Location: [][]int32{}}
		q, ok := m.H.quad(ref)
		if !ok || !convexCW(q) {
			out = append(out, f)
			continue
		}
		f.Location = wireQuad(q)
		type part struct {
			text   string
			key    P // the part's first character, in reference coordinates
			scores []float64
		}
		var parts []part
		for _, l := range lines {
			var sb strings.Builder
			var pt part
			for _, c := range l.Chars {
				cq := quadOf(c.Box)
				if !inside(q, cq.centre()) {
					continue
				}
				if sb.Len() == 0 {
					pt.key = cq.centre()
					if invOK {
						if r, ok := inv.Apply(pt.key); ok {
							pt.key = r
						}
					}
				}
				sb.WriteString(c.Char)
				pt.scores = append(pt.scores, c.Score)
			}
			if pt.text = strings.TrimSpace(sb.String()); pt.text != "" {
				parts = append(parts, pt)
			}
		}
		// Reading order on the reference: rows top to bottom (a row is
		// half a text height), left to right within a row.
		rowH := math.Max(ref.height()/4, 4)
		if len(m.inlier) > 0 {
			rowH = math.Max(m.inlier[0].ref.height()/2, 4)
		}
		sort.SliceStable(parts, func(i, j int) bool {
			a, b := parts[i].key, parts[j].key
			if math.Abs(a.Y-b.Y) > rowH {
				return a.Y < b.Y
			}
			return a.X < b.X
		})
		var words strings.Builder
		var sum float64
		n := 0
		for i, p := range parts {
			if i > 0 && needsSpace(words.String(), p.text) {
				words.WriteByte(' ')
			}
			words.WriteString(p.text)
			for _, s := range p.scores {
				sum += s
				n++
			}
		}
		f.Words = words.String()
		if n > 0 {
			f.Confidence = float32(math.Round(sum/float64(n)*1e4) / 1e4)
		}
		out = append(out, f)
	}
	return out
}

// needsSpace: parts of Latin text or numbers are joined by a space, CJK
// parts directly.
func needsSpace(prev, next string) bool {
	a, _ := utf8.DecodeLastRuneInString(prev)
	b, _ := utf8.DecodeRuneInString(next)
	latin := func(r rune) bool { return r < 0x2E80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) }
	return latin(a) && latin(b)
}

func inverse(h H) (H, bool) {
	m := [3][3]float64{{h[0], h[1], h[2]}, {h[3], h[4], h[5]}, {h[6], h[7], h[8]}}
	inv, ok := invert3(m)
	if !ok {
		return H{}, false
	}
	return H{inv[0][0], inv[0][1], inv[0][2], inv[1][0], inv[1][1], inv[1][2], inv[2][0], inv[2][1], inv[2][2]}, true
}
