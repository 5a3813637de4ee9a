package pipeline

import "math"

// perspective returns the 3×3 homography mapping src[i] to dst[i] (as
// cv2.getPerspectiveTransform), solved in float64.
func perspective(src, dst [4]pt) ([9]float64, bool) {
	var a [8][9]float64
	for i := 0; i < 4; i++ {
		x, y, u, v := src[i].x, src[i].y, dst[i].x, dst[i].y
		a[i] = [9]float64{x, y, 1, 0, 0, 0, -x * u, -y * u, u}
		a[i+4] = [9]float64{0, 0, 0, x, y, 1, -x * v, -y * v, v}
	}
	// Gaussian elimination with partial pivoting.
	for c := 0; c < 8; c++ {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < 1e-12 {
			return [9]float64{}, false
		}
		a[c], a[p] = a[p], a[c]
		for r := 0; r < 8; r++ {
			if r == c {
				continue
			}
			f := a[r][c] / a[c][c]
			for k := c; k < 9; k++ {
				a[r][k] -= f * a[c][k]
			}
		}
	}
	var m [9]float64
	for i := 0; i < 8; i++ {
		m[i] = a[i][8] / a[i][i]
	}
	m[8] = 1
	return m, true
}

func invert3(m [9]float64) ([9]float64, bool) {
	det := m[0]*(m[4]*m[8]-m[5]*m[7]) - m[1]*(m[3]*m[8]-m[5]*m[6]) + m[2]*(m[3]*m[7]-m[4]*m[6])
	if det == 0 {
		return m, false
	}
	d := 1 / det
	return [9]float64{
		(m[4]*m[8] - m[5]*m[7]) * d, (m[2]*m[7] - m[1]*m[8]) * d, (m[1]*m[5] - m[2]*m[4]) * d,
		(m[5]*m[6] - m[3]*m[8]) * d, (m[0]*m[8] - m[2]*m[6]) * d, (m[2]*m[3] - m[0]*m[5]) * d,
		(m[3]*m[7] - m[4]*m[6]) * d, (m[1]*m[6] - m[0]*m[7]) * d, (m[0]*m[4] - m[1]*m[3]) * d,
	}, true
}

// OpenCV quantises source positions to 1/32 pixel and uses a fixed-point
// bicubic table (A = -0.75, weights scaled by 2^15).
const (
	interBits     = 5
	interTabSize  = 1 << interBits
	remapCoefBits = 15
)

var cubicTab = func() (t [interTabSize * interTabSize][16]int32) {
	var oneD [interTabSize][4]float32
	for i := range oneD {
		x := float32(i) / interTabSize
		const A = -0.75
		c0 := ((A*(x+1)-5*A)*(x+1)+8*A)*(x+1) - 4*A
		c1 := ((A+2)*x-(A+3))*x*x + 1
		c2 := ((A+2)*(1-x)-(A+3))*(1-x)*(1-x) + 1
		oneD[i] = [4]float32{c0, c1, c2, 1 - c0 - c1 - c2}
	}
	for ty := 0; ty < interTabSize; ty++ {
		for tx := 0; tx < interTabSize; tx++ {
			k := &t[ty*interTabSize+tx]
			var sum int32
			for i := 0; i < 4; i++ {
				for j := 0; j < 4; j++ {
					v := int32(saturateShort(oneD[ty][i] * oneD[tx][j] * (1 << remapCoefBits)))
					k[i*4+j] = v
					sum += v
				}
			}
			if diff := sum - (1 << remapCoefBits); diff != 0 {
				// Put the rounding error on the largest (or smallest)
				// of the four central weights, as OpenCV does.
				mk, Mk := 5, 5
				for a := 1; a < 3; a++ {
					for b := 1; b < 3; b++ {
						i := a*4 + b
						if k[i] < k[mk] {
							mk = i
						} else if k[i] > k[Mk] {
							Mk = i
						}
					}
				}
				if diff < 0 {
					k[Mk] -= diff
				} else {
					k[mk] -= diff
				}
			}
		}
	}
	return
}()

// cropQuad warps the quadrilateral box (TL,TR,BR,BL) of img to an upright
// rectangle, like the reference get_rotate_crop_image: size from the longer
// opposite sides (truncated), bicubic, replicated border; crops at least
// 1.5 times taller than wide are turned a quarter counter-clockwise.
func cropQuad(img *bgr, box [4]pt) (out *bgr, rotated, ok bool) {
	// The reference passes float32 points.
	for i := range box {
		box[i] = pt{float64(float32(box[i].x)), float64(float32(box[i].y))}
	}
	w := int(math.Max(dist(box[0], box[1]), dist(box[2], box[3])))
	h := int(math.Max(dist(box[0], box[3]), dist(box[1], box[2])))
	if w <= 0 || h <= 0 {
		return nil, false, false
	}
	dst := [4]pt{{0, 0}, {float64(w), 0}, {float64(w), float64(h)}, {0, float64(h)}}
	fwd, ok := perspective(box, dst)
	if !ok {
		return nil, false, false
	}
	inv, ok := invert3(fwd)
	if !ok {
		return nil, false, false
	}
	out = warpCubic(img, inv, w, h)
	if float64(out.h)/float64(out.w) >= 1.5 {
		return out.rot90(), true, true
	}
	return out, false, true
}

func dist(a, b pt) float64 { return math.Hypot(a.x-b.x, a.y-b.y) }

// warpCubic samples img at inv·(x,y,1) for every destination pixel.
func warpCubic(img *bgr, m [9]float64, w, h int) *bgr {
	out := newBGR(w, h)
	parallel(h, 32, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			warpRow(img, m, out.pix[y*w*3:(y+1)*w*3], y)
		}
	})
	return out
}

func warpRow(img *bgr, m [9]float64, o []uint8, y int) {
	stride := img.w * 3
	fy := float64(y)
	for x := 0; x < len(o)/3; x++ {
		fx := float64(x)
		W := m[6]*fx + m[7]*fy + m[8]
		if W != 0 {
			W = interTabSize / W
		}
		X := satInt((m[0]*fx + m[1]*fy + m[2]) * W)
		Y := satInt((m[3]*fx + m[4]*fy + m[5]) * W)
		sx, sy := X>>interBits, Y>>interBits
		k := &cubicTab[(Y&(interTabSize-1))*interTabSize+(X&(interTabSize-1))]
		var a0, a1, a2 int32
		if sx >= 1 && sy >= 1 && sx+2 < img.w && sy+2 < img.h {
			// Interior: all 16 taps inside the image, no clamping.
			base := (sy-1)*stride + (sx-1)*3
			for i := 0; i < 4; i++ {
				r := img.pix[base+i*stride : base+i*stride+12]
				kk := k[i*4 : i*4+4]
				a0 += int32(r[0])*kk[0] + int32(r[3])*kk[1] + int32(r[6])*kk[2] + int32(r[9])*kk[3]
				a1 += int32(r[1])*kk[0] + int32(r[4])*kk[1] + int32(r[7])*kk[2] + int32(r[10])*kk[3]
				a2 += int32(r[2])*kk[0] + int32(r[5])*kk[1] + int32(r[8])*kk[2] + int32(r[11])*kk[3]
			}
		} else {
			for i := 0; i < 4; i++ {
				yy := clampI(sy-1+i, 0, img.h-1)
				row := img.pix[yy*stride:]
				for j := 0; j < 4; j++ {
					xx := clampI(sx-1+j, 0, img.w-1) * 3
					c := k[i*4+j]
					a0 += int32(row[xx]) * c
					a1 += int32(row[xx+1]) * c
					a2 += int32(row[xx+2]) * c
				}
			}
		}
		const half = 1 << (remapCoefBits - 1)
		o[3*x] = clamp255((a0 + half) >> remapCoefBits)
		o[3*x+1] = clamp255((a1 + half) >> remapCoefBits)
		o[3*x+2] = clamp255((a2 + half) >> remapCoefBits)
	}
}

// satInt is OpenCV's saturate_cast<int>(double): round half to even, clamp.
func satInt(v float64) int {
	v = math.RoundToEven(v)
	if v > math.MaxInt32 {
		return math.MaxInt32
	}
	if v < math.MinInt32 {
		return math.MinInt32
	}
	return int(v)
}
