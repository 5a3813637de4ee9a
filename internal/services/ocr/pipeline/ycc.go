package pipeline

import "image"

// The reference decodes JPEGs with libjpeg, whose default chroma
// upsampling is "fancy" (triangular filter) and whose YCbCr→RGB conversion
// uses its own fixed-point tables. Go's decoder replicates chroma samples
// instead, which shifts colours at every edge by several levels and, after
// the detector's large upscaling of small images, moves text boxes. So the
// planes Go decodes are converted here the libjpeg way.

var (
	crR, cbB [256]int32
	crG, cbG [256]int32
)

func init() {
	const bits = 16
	const half = 1 << (bits - 1)
	fix := func(v float64) int32 { return int32(v*(1<<bits) + 0.5) }
	for i := 0; i < 256; i++ {
		x := int32(i - 128)
		crR[i] = (fix(1.40200)*x + half) >> bits
		cbB[i] = (fix(1.77200)*x + half) >> bits
		crG[i] = -fix(0.71414) * x
		cbG[i] = -fix(0.34414)*x + half
	}
}

func clamp255(v int32) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// ycbcrToBGR converts a decoded JPEG; ok is false for subsampling layouts
// it does not handle (the caller falls back to Go's conversion).
func ycbcrToBGR(src *image.YCbCr) (*bgr, bool) {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	var hs, vs int
	switch src.SubsampleRatio {
	case image.YCbCrSubsampleRatio444:
		hs, vs = 1, 1
	case image.YCbCrSubsampleRatio422:
		hs, vs = 2, 1
	case image.YCbCrSubsampleRatio420:
		hs, vs = 2, 2
	default:
		return nil, false
	}
	if b.Min != (image.Point{}) {
		return nil, false
	}
	cw, ch := (w+hs-1)/hs, (h+vs-1)/vs
	up := func(plane []uint8) []uint8 {
		if hs == 1 && vs == 1 {
			out := make([]uint8, w*h)
			for y := 0; y < h; y++ {
				copy(out[y*w:(y+1)*w], plane[y*src.CStride:])
			}
			return out
		}
		out := make([]uint8, (cw*hs)*(ch*vs))
		ow := cw * hs
		row := func(y int) []uint8 {
			y = min(max(y, 0), ch-1)
			return plane[y*src.CStride : y*src.CStride+cw]
		}
		for y := 0; y < ch; y++ {
			for v := 0; v < vs; v++ {
				o := out[(y*vs+v)*ow:]
				in0 := row(y)
				if cw <= 2 {
					// libjpeg installs its fancy kernels only for
					// rows of more than two samples (jdsample.c);
					// narrower ones are replicated in both directions.
					for i, s := range in0 {
						o[2*i], o[2*i+1] = s, s
					}
					continue
				}
				if vs == 1 {
					upsampleH(in0, o)
					continue
				}
				in1 := row(y - 1)
				if v == 1 {
					in1 = row(y + 1)
				}
				upsampleHV(in0, in1, o)
			}
		}
		return out
	}
	cb, cr := up(src.Cb), up(src.Cr)
	cstride := w
	if hs == 2 {
		cstride = cw * 2
	}
	out := newBGR(w, h)
	for y := 0; y < h; y++ {
		yr := src.Y[y*src.YStride:]
		cbr, crr := cb[y*cstride:], cr[y*cstride:]
		o := out.pix[y*w*3:]
		for x := 0; x < w; x++ {
			yy := int32(yr[x])
			cbv, crv := cbr[x], crr[x]
			o[3*x+2] = clamp255(yy + crR[crv])
			o[3*x+1] = clamp255(yy + (cbG[cbv]+crG[crv])>>16)
			o[3*x] = clamp255(yy + cbB[cbv])
		}
	}
	return out, true
}

// upsampleH doubles a row of at least three samples with libjpeg's h2v1
// triangular filter.
func upsampleH(in, out []uint8) {
	n := len(in)
	out[0] = in[0]
	out[1] = uint8((int(in[0])*3 + int(in[1]) + 2) >> 2)
	for i := 1; i < n-1; i++ {
		v := int(in[i]) * 3
		out[2*i] = uint8((v + int(in[i-1]) + 1) >> 2)
		out[2*i+1] = uint8((v + int(in[i+1]) + 2) >> 2)
	}
	out[2*n-2] = uint8((int(in[n-1])*3 + int(in[n-2]) + 1) >> 2)
	out[2*n-1] = in[n-1]
}

// upsampleHV produces one output row of libjpeg's h2v2 triangular filter
// from the nearest input row and the next nearest one, of at least three
// samples each.
func upsampleHV(in0, in1, out []uint8) {
	n := len(in0)
	col := func(i int) int { return int(in0[i])*3 + int(in1[i]) }
	this, next := col(0), col(1)
	out[0] = uint8((this*4 + 8) >> 4)
	out[1] = uint8((this*3 + next + 7) >> 4)
	last := this
	this = next
	for i := 1; i < n-1; i++ {
		next = col(i + 1)
		out[2*i] = uint8((this*3 + last + 8) >> 4)
		out[2*i+1] = uint8((this*3 + next + 7) >> 4)
		last, this = this, next
	}
	out[2*n-2] = uint8((this*3 + last + 8) >> 4)
	out[2*n-1] = uint8((this*4 + 7) >> 4)
}
