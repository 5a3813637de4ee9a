package vision

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"sort"
)

// Face is one detected face in source pixels: its box, the detector's
// score (0..1), and the six BlazeFace keypoints (the subject's right eye,
// left eye, nose tip, mouth centre, right ear, left ear).
type Face struct {
	Box
	Score     float32
	Keypoints [6][2]float32
}

// BlazeFace anchor layout (MediaPipe's SSD anchor calculator with
// fixed-size anchors): a 16×16 grid with 2 anchors per cell (512), then an
// 8×8 grid with 6 (384). The front (128 px) and back (256 px) models share
// it; only the input size differs.
var blazeGrids = []struct{ grid, perCell int }{{16, 2}, {8, 6}}

// BlazeAnchors returns the anchor centres (0..1) in output order.
func BlazeAnchors() [][2]float32 {
	var out [][2]float32
	for _, g := range blazeGrids {
		for y := 0; y < g.grid; y++ {
			for x := 0; x < g.grid; x++ {
				c := [2]float32{(float32(x) + 0.5) / float32(g.grid), (float32(y) + 0.5) / float32(g.grid)}
				for k := 0; k < g.perCell; k++ {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// DecodeBlazeFace turns the two heads of a BlazeFace model into faces in
// model-input pixels: logits and 16 regressors per anchor, the 512-anchor
// head first. size is the model's square input side; faces scoring under
// minScore are dropped; overlapping faces (IoU ≥ iou) are blended into
// the strongest, as MediaPipe's weighted NMS does.
func DecodeBlazeFace(logits, regs [][]float32, size int, minScore, iou float32) []Face {
	anchors := BlazeAnchors()
	var all []float32
	var reg []float32
	for i := range logits {
		all = append(all, logits[i]...)
		reg = append(reg, regs[i]...)
	}
	if len(all) != len(anchors) || len(reg) != len(anchors)*16 {
		return nil
	}
	s := float32(size)
	var cands []Face
	for i, a := range anchors {
		l := math.Max(-100, math.Min(100, float64(all[i])))
		score := float32(1 / (1 + math.Exp(-l)))
		if score < minScore {
			continue
		}
		r := reg[i*16 : i*16+16]
		cx, cy := a[0]*s+r[0], a[1]*s+r[1]
		w, h := r[2], r[3]
		f := Face{Box: Box{cx - w/2, cy - h/2, cx + w/2, cy + h/2}, Score: score}
		for k := 0; k < 6; k++ {
			f.Keypoints[k] = [2]float32{a[0]*s + r[4+2*k], a[1]*s + r[5+2*k]}
		}
		cands = append(cands, f)
	}
	return weightedNMS(cands, iou)
}

// weightedNMS groups faces overlapping the strongest remaining one and
// replaces the group by its score-weighted mean geometry.
func weightedNMS(faces []Face, iou float32) []Face {
	sort.SliceStable(faces, func(i, j int) bool { return faces[i].Score > faces[j].Score })
	used := make([]bool, len(faces))
	var out []Face
	for i := range faces {
		if used[i] {
			continue
		}
		var sum float32
		var acc Face
		for j := i; j < len(faces); j++ {
			if used[j] || IoU(faces[i].Box, faces[j].Box) < iou {
				continue
			}
			used[j] = true
			w := faces[j].Score
			sum += w
			acc.X1 += faces[j].X1 * w
			acc.Y1 += faces[j].Y1 * w
			acc.X2 += faces[j].X2 * w
			acc.Y2 += faces[j].Y2 * w
			for k := range acc.Keypoints {
				acc.Keypoints[k][0] += faces[j].Keypoints[k][0] * w
				acc.Keypoints[k][1] += faces[j].Keypoints[k][1] * w
			}
		}
		acc.X1, acc.Y1, acc.X2, acc.Y2 = acc.X1/sum, acc.Y1/sum, acc.X2/sum, acc.Y2/sum
		for k := range acc.Keypoints {
			acc.Keypoints[k][0] /= sum
			acc.Keypoints[k][1] /= sum
		}
		acc.Score = faces[i].Score
		out = append(out, acc)
	}
	return out
}

// Letterbox scales img to fit a size×size square without distortion,
// centred on black, and returns the square with the factor and offsets
// that map square pixels back: src = (p - off) / scale.
func Letterbox(img image.Image, size int) (*image.RGBA, float64, float64, float64) {
	src := rgba(img)
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	scale := float64(size) / float64(max(sw, sh))
	w, h := max(1, int(math.Round(float64(sw)*scale))), max(1, int(math.Round(float64(sh)*scale)))
	offX, offY := float64(size-w)/2, float64(size-h)/2
	out := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.Draw(out, out.Rect, &image.Uniform{color.Black}, image.Point{}, draw.Src)
	ox, oy := int(math.Floor(offX)), int(math.Floor(offY))
	for y := 0; y < h; y++ {
		fy := math.Max(0, (float64(y)+0.5)/scale-0.5)
		for x := 0; x < w; x++ {
			r, g, b := bilinear(src, math.Max(0, (float64(x)+0.5)/scale-0.5), fy)
			o := out.PixOffset(ox+x, oy+y)
			out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = uint8(r+0.5), uint8(g+0.5), uint8(b+0.5), 255
		}
	}
	return out, scale, float64(ox), float64(oy)
}

// AlignedCrop cuts a size×size face patch from img: a square of side
// scale×max(box w,h) centred on the box, turned so the eyes are level
// (the detector's keypoints 0 and 1). Pixels outside the image are black.
func AlignedCrop(img image.Image, f Face, scale float64, size int) *image.RGBA {
	src := rgba(img)
	cx := float64(f.X1+f.X2) / 2
	cy := float64(f.Y1+f.Y2) / 2
	side := scale * math.Max(float64(f.X2-f.X1), float64(f.Y2-f.Y1))
	re, le := f.Keypoints[0], f.Keypoints[1]
	angle := math.Atan2(float64(le[1]-re[1]), float64(le[0]-re[0]))
	// The subject's right eye is on the image's left: a level face has
	// angle 0; a mirrored keypoint order would flip it by π.
	if math.Abs(angle) > math.Pi/2 {
		angle -= math.Copysign(math.Pi, angle)
	}
	cos, sin := math.Cos(angle), math.Sin(angle)
	out := image.NewRGBA(image.Rect(0, 0, size, size))
	w, h := src.Rect.Dx(), src.Rect.Dy()
	step := side / float64(size)
	for y := 0; y < size; y++ {
		dy := (float64(y)+0.5)*step - side/2
		for x := 0; x < size; x++ {
			dx := (float64(x)+0.5)*step - side/2
			sx := cx + dx*cos - dy*sin - 0.5
			sy := cy + dx*sin + dy*cos - 0.5
			o := out.PixOffset(x, y)
			out.Pix[o+3] = 255
			if sx < -0.5 || sy < -0.5 || sx > float64(w)-0.5 || sy > float64(h)-0.5 {
				continue
			}
			r, g, b := bilinear(src, math.Max(0, sx), math.Max(0, sy))
			out.Pix[o], out.Pix[o+1], out.Pix[o+2] = uint8(r+0.5), uint8(g+0.5), uint8(b+0.5)
		}
	}
	return out
}

// L2Normalize scales v to unit length in place (a zero vector stays zero)
// and returns it.
func L2Normalize(v []float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return v
	}
	n := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= n
	}
	return v
}

// Cosine is the dot product of two unit vectors (0 when lengths differ).
func Cosine(a, b []float32) float32 {
	if len(a) != len(b) {
		return 0
	}
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
