package vision

import "math"

// Anchor is an SSD anchor centre in normalised [0,1] input coordinates.
type Anchor struct{ X, Y float32 }

// BlazeFaceAnchors generates the anchors of MediaPipe's face detectors:
// for each feature map of the given stride, perCell anchors at every cell
// centre, row-major. Front (128 px): strides {8, 16}, perCell {2, 6};
// back (256 px): strides {16, 32}, perCell {2, 6}; 896 anchors each.
func BlazeFaceAnchors(inputSize int, strides, perCell []int) []Anchor {
	var out []Anchor
	for k, s := range strides {
		n := (inputSize + s - 1) / s
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				for a := 0; a < perCell[k]; a++ {
					out = append(out, Anchor{X: (float32(x) + 0.5) / float32(n), Y: (float32(y) + 0.5) / float32(n)})
				}
			}
		}
	}
	return out
}

// Face is a decoded BlazeFace detection in model-input pixels: the box and
// six keypoints (right eye, left eye, nose, mouth, right ear, left ear as
// seen in the image).
type Face struct {
	Box       Box
	Score     float32
	Keypoints [6][2]float32
}

// DecodeBlazeFace turns per-anchor regressors (16 values: centre offset x,
// y, width, height, then six keypoint x,y offsets, all in input pixels)
// and logits into faces scoring at least minScore.
func DecodeBlazeFace(regressors []float32, logits []float32, anchors []Anchor, inputSize int, minScore float32) []Face {
	size := float32(inputSize)
	var out []Face
	for k, a := range anchors {
		if k >= len(logits) || (k+1)*16 > len(regressors) {
			break
		}
		l := math.Max(-100, math.Min(100, float64(logits[k])))
		score := float32(1 / (1 + math.Exp(-l)))
		if score < minScore {
			continue
		}
		r := regressors[k*16 : (k+1)*16]
		cx := r[0]/size + a.X
		cy := r[1]/size + a.Y
		w, h := r[2]/size, r[3]/size
		f := Face{Score: score, Box: Box{(cx - w/2) * size, (cy - h/2) * size, (cx + w/2) * size, (cy + h/2) * size}}
		for p := 0; p < 6; p++ {
			f.Keypoints[p] = [2]float32{(r[4+2*p]/size + a.X) * size, (r[5+2*p]/size + a.Y) * size}
		}
		out = append(out, f)
	}
	return out
}

// FaceNMS removes overlapping faces, keeping the best scoring.
func FaceNMS(faces []Face, iou float32, maxOut int) []Face {
	dets := make([]Detection, len(faces))
	for k, f := range faces {
		dets[k] = Detection{Box: f.Box, Score: f.Score, Class: k}
	}
	kept := NMS(dets, iou, false, maxOut)
	out := make([]Face, len(kept))
	for k, d := range kept {
		out[k] = faces[d.Class]
	}
	return out
}
