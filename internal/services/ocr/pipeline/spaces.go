package pipeline

import (
	"slices"
	"strings"
	"unicode"
)

// The recogniser (PP-OCRv4's Chinese/English model, trained mostly on
// Chinese lines) has a space class but often does not pick it: "PAGE TWO"
// comes out as "PAGETWO". The image still shows the space, so wordGaps
// puts it back where the crop has an ink-free run between two characters'
// CTC columns clearly wider than the line's letter spacing.

// gapMin is the smallest word gap as a fraction of the crop height
// (about one em for a detected line): a word space with its side
// bearings is 0.3–0.5 em, a gap between letters under 0.25 em even in a
// monospaced font. gapOverMedian is how many times the line's median
// letter gap a word gap must also be.
const (
	gapMin        = 0.27
	gapOverMedian = 1.6
)

// ideograph reports a CJK character: Chinese text runs without spaces,
// and narrow ideographs (十, 一, 人) leave wide blanks in their cells, so
// no space is put between two of them.
func ideograph(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// narrow are ASCII marks with little ink in a wide cell (a monospaced
// font's "." leaves a word-sized blank on each side): a space next to one
// needs narrowFactor times the usual gap.
func narrow(s string) bool { return len(s) == 1 && strings.ContainsAny(s, ".,:;'!|`") }

const narrowFactor = 1.4

// noSpaceAround are characters whose glyphs leave blank room inside their
// own cell (full-width punctuation): a wide gap next to them is not a word
// space.
func noSpaceAround(s string) bool {
	for _, r := range s {
		if unicode.IsPunct(r) && r > 0x2000 || unicode.IsSpace(r) {
			return true
		}
	}
	return false
}

// inkColumns marks the crop columns holding text ink: pixels on the text's
// side of the crop's Otsu threshold (text is the minority class), at least
// a few per column so sensor noise does not fill word gaps.
func inkColumns(m *bgr) []bool {
	if m.w == 0 || m.h == 0 {
		return nil
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
	need := max(1, m.h/25)
	cols := make([]bool, m.w)
	for x := 0; x < m.w; x++ {
		n := 0
		for y := 0; y < m.h; y++ {
			if (int(grey[y*m.w+x]) <= t) == textDark {
				n++
			}
		}
		cols[x] = n >= need
	}
	return cols
}

func otsu(hist *[256]int, total int) int {
	var sum float64
	for i, c := range hist {
		sum += float64(i * c)
	}
	var sumB, wB float64
	best, bestVar := 0, -1.0
	for t := 0; t < 256; t++ {
		wB += float64(hist[t])
		if wB == 0 {
			continue
		}
		wF := float64(total) - wB
		if wF == 0 {
			break
		}
		sumB += float64(t * hist[t])
		mB, mF := sumB/wB, (sum-sumB)/wF
		if v := wB * wF * (mB - mF) * (mB - mF); v > bestVar {
			best, bestVar = t, v
		}
	}
	return best
}

// wordGaps returns r with a space inserted between consecutive characters
// separated by a word-sized blank in img (the crop the recogniser read,
// already turned upright).
func wordGaps(img *bgr, r recResult) recResult {
	n := len(r.cols)
	if n < 2 || r.steps == 0 || r.frac <= 0 {
		return r
	}
	ink := inkColumns(img)
	x := func(i int) int { // crop column of character i's CTC step
		return min(int((float64(r.cols[i])+0.5)/float64(r.steps)/r.frac*float64(img.w)), img.w-1)
	}
	gaps := make([]int, n-1)
	for i := 0; i+1 < n; i++ {
		run, longest := 0, 0
		for c := x(i); c <= x(i+1); c++ {
			if ink[c] {
				run = 0
				continue
			}
			run++
			longest = max(longest, run)
		}
		gaps[i] = longest
	}
	sorted := slices.Clone(gaps)
	slices.Sort(sorted)
	med := float64(sorted[len(sorted)/2])
	thr := max(gapMin*float64(img.h), gapOverMedian*med)
	var out recResult
	out.steps, out.frac = r.steps, r.frac
	var text []byte
	for i := 0; i < n; i++ {
		t := thr
		if i > 0 && (narrow(r.chars[i-1]) || narrow(r.chars[i])) {
			t *= narrowFactor
		}
		if i > 0 && float64(gaps[i-1]) >= t && !noSpaceAround(r.chars[i-1]) && !noSpaceAround(r.chars[i]) &&
			!(ideograph(r.chars[i-1]) && ideograph(r.chars[i])) {
			text = append(text, ' ')
			// The inserted space has no CTC column of its own: it sits
			// midway and scores as its neighbours do.
			out.cols = append(out.cols, (r.cols[i-1]+r.cols[i])/2)
			out.scores = append(out.scores, (r.scores[i-1]+r.scores[i])/2)
			out.chars = append(out.chars, " ")
		}
		text = append(text, r.chars[i]...)
		out.cols = append(out.cols, r.cols[i])
		out.scores = append(out.scores, r.scores[i])
		out.chars = append(out.chars, r.chars[i])
	}
	out.text = string(text)
	out.score = r.score // the recogniser's confidence, unchanged
	return out
}
