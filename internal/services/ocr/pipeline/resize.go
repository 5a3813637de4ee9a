package pipeline

import "math"

// OpenCV's INTER_LINEAR on 8-bit images works in fixed point: weights are
// scaled by 2^11, the horizontal pass keeps ints, the vertical pass
// combines two rows the way its SIMD kernel does. Reproducing that (and the
// 2× area shortcut) keeps crops and model inputs bit-identical in the common
// case rather than off by one grey level.
const resizeCoefBits = 11
const resizeCoefScale = 1 << resizeCoefBits

type axisMap struct {
	ofs   []int   // source index of the left/top tap
	alpha []int16 // two weights per destination index
}

// linearAxis maps destination to source indices; OpenCV clamps only the
// horizontal taps here, rows are clamped when fetched.
func linearAxis(src, dst int, clamp bool) axisMap {
	scale := float64(src) / float64(dst)
	m := axisMap{ofs: make([]int, dst), alpha: make([]int16, 2*dst)}
	for d := 0; d < dst; d++ {
		f := float32((float64(d)+0.5)*scale - 0.5)
		s := int(math.Floor(float64(f)))
		f -= float32(s)
		if clamp && s < 0 {
			f, s = 0, 0
		}
		if clamp && s >= src-1 {
			f, s = 0, src-1
		}
		m.ofs[d] = s
		a0 := saturateShort(float32(1-f) * resizeCoefScale)
		m.alpha[2*d] = a0
		m.alpha[2*d+1] = saturateShort(f * resizeCoefScale)
	}
	return m
}

func saturateShort(v float32) int16 {
	r := math.RoundToEven(float64(v))
	if r > math.MaxInt16 {
		return math.MaxInt16
	}
	if r < math.MinInt16 {
		return math.MinInt16
	}
	return int16(r)
}

// resize scales m to w×h with OpenCV's INTER_LINEAR semantics.
func (m *bgr) resize(w, h int) *bgr {
	if w == m.w && h == m.h {
		out := newBGR(w, h)
		copy(out.pix, m.pix)
		return out
	}
	if m.w == 2*w && m.h == 2*h {
		return m.halve()
	}
	xm := linearAxis(m.w, w, true)
	ym := linearAxis(m.h, h, false)
	out := newBGR(w, h)
	parallel(h, 64, func(y0, y1 int) {
		m.resizeRows(w, xm, ym, y0, y1, func(dy int, r0, r1 []int32, b0, b1 int32) {
			o := out.pix[dy*w*3 : (dy+1)*w*3]
			r0, r1 = r0[:len(o)], r1[:len(o)]
			for i := range o {
				o[i] = blendRows(r0[i], r1[i], b0, b1)
			}
		})
	})
	return out
}

// resizeNormCHW writes m resized to w×h (as resize) straight into a
// 3×h×w tensor of normLUT values, without the intermediate image: at the
// detector's sizes that image is up to 9 MB of freshly faulted memory.
func (m *bgr) resizeNormCHW(w, h int, dst []float32) {
	if w == m.w && h == m.h || m.w == 2*w && m.h == 2*h {
		normalizeCHW(m.resize(w, h), dst, w)
		return
	}
	xm := linearAxis(m.w, w, true)
	ym := linearAxis(m.h, h, false)
	plane := w * h
	parallel(h, 64, func(y0, y1 int) {
		m.resizeRows(w, xm, ym, y0, y1, func(dy int, r0, r1 []int32, b0, b1 int32) {
			bp, gp, rp := dst[dy*w:][:w], dst[plane+dy*w:][:w], dst[2*plane+dy*w:][:w]
			r0, r1 = r0[:3*w], r1[:3*w]
			for x := range bp {
				i := 3 * x
				bp[x] = normLUT[blendRows(r0[i], r1[i], b0, b1)]
				gp[x] = normLUT[blendRows(r0[i+1], r1[i+1], b0, b1)]
				rp[x] = normLUT[blendRows(r0[i+2], r1[i+2], b0, b1)]
			}
		})
	})
}

// blendRows is OpenCV's vertical pass of an 8-bit INTER_LINEAR resize.
func blendRows(a, b, b0, b1 int32) uint8 {
	v := ((b0*(a>>4))>>16 + (b1*(b>>4))>>16 + 2) >> 2
	return clamp255(v)
}

// resizeRows computes output rows [y0,y1) of a w-wide resize: for each it
// hands emit the horizontal passes of the two source rows and their
// vertical weights, which emit combines with blendRows.
func (m *bgr) resizeRows(w int, xm, ym axisMap, y0, y1 int, emit func(dy int, r0, r1 []int32, b0, b1 int32)) {
	// Horizontal pass results for the two source rows in use, cached since
	// consecutive output rows share them.
	type cached struct {
		y   int
		buf []int32
	}
	cache := [2]cached{{-1, make([]int32, w*3)}, {-1, make([]int32, w*3)}}
	fetch := func(sy, keep int) []int32 {
		for k := range cache {
			if cache[k].y == sy {
				return cache[k].buf
			}
		}
		k := 0
		if cache[0].y == keep {
			k = 1
		}
		src := m.pix[sy*m.w*3 : (sy+1)*m.w*3]
		dst := cache[k].buf
		for dx := 0; dx < w; dx++ {
			sx := xm.ofs[dx] * 3
			a0, a1 := int32(xm.alpha[2*dx]), int32(xm.alpha[2*dx+1])
			sx1 := sx + 3
			if sx1 >= len(src) {
				sx1 = sx
			}
			d := dst[dx*3 : dx*3+3]
			s0, s1 := src[sx:sx+3], src[sx1:sx1+3]
			d[0] = int32(s0[0])*a0 + int32(s1[0])*a1
			d[1] = int32(s0[1])*a0 + int32(s1[1])*a1
			d[2] = int32(s0[2])*a0 + int32(s1[2])*a1
		}
		cache[k].y = sy
		return dst
	}
	for dy := y0; dy < y1; dy++ {
		sy := ym.ofs[dy]
		// Rows outside the image are clamped to the edge.
		sy0 := min(max(sy, 0), m.h-1)
		sy1 := min(max(sy+1, 0), m.h-1)
		r0 := fetch(sy0, -1)
		r1 := fetch(sy1, sy0)
		emit(dy, r0, r1, int32(ym.alpha[2*dy]), int32(ym.alpha[2*dy+1]))
	}
}

// halve is OpenCV's INTER_AREA fast path, which INTER_LINEAR takes for an
// exact 2× reduction on both axes.
func (m *bgr) halve() *bgr {
	w, h := m.w/2, m.h/2
	out := newBGR(w, h)
	s := m.w * 3
	for y := 0; y < h; y++ {
		r0 := m.pix[2*y*s:]
		r1 := m.pix[(2*y+1)*s:]
		o := out.pix[y*w*3:]
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				i := 6*x + c
				o[3*x+c] = uint8((int(r0[i]) + int(r0[i+3]) + int(r1[i]) + int(r1[i+3]) + 2) >> 2)
			}
		}
	}
	return out
}
