package vision

import (
	"math"
	"sort"
)

// Box is an axis-aligned box, corners (X1,Y1) top-left and (X2,Y2)
// bottom-right.
type Box struct{ X1, Y1, X2, Y2 float32 }

// Area is zero for degenerate boxes.
func (b Box) Area() float32 {
	return float32(math.Max(0, float64(b.X2-b.X1))) * float32(math.Max(0, float64(b.Y2-b.Y1)))
}

// IoU is the intersection over union of two boxes (0 when both are empty).
func IoU(a, b Box) float32 {
	ix := min(a.X2, b.X2) - max(a.X1, b.X1)
	iy := min(a.Y2, b.Y2) - max(a.Y1, b.Y1)
	if ix <= 0 || iy <= 0 {
		return 0
	}
	inter := ix * iy
	union := a.Area() + b.Area() - inter
	if union <= 0 {
		return 0
	}
	return inter / union
}

// Detection is one scored, classified box.
type Detection struct {
	Box
	Score float32
	Class int
}

// NMS keeps the highest-scoring detections, dropping any whose IoU with a
// kept one exceeds iou. With perClass only detections of the same class
// suppress each other. maxOut <= 0 keeps all survivors. The result is
// sorted by descending score; ties keep input order.
func NMS(dets []Detection, iou float32, perClass bool, maxOut int) []Detection {
	order := make([]int, len(dets))
	for k := range order {
		order[k] = k
	}
	sort.SliceStable(order, func(i, j int) bool { return dets[order[i]].Score > dets[order[j]].Score })
	var kept []Detection
	for _, k := range order {
		d := dets[k]
		ok := true
		for _, q := range kept {
			if perClass && q.Class != d.Class {
				continue
			}
			if IoU(q.Box, d.Box) > iou {
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, d)
			if maxOut > 0 && len(kept) == maxOut {
				break
			}
		}
	}
	return kept
}

// DecodeCenterNet reads CenterNet's [N,6] detections output (x1, y1, x2,
// y2 in input pixels, score, class), keeps those scoring at least
// minScore and maps the boxes to the source image through t.
func DecodeCenterNet(out []float32, minScore float32, t Transform) []Detection {
	var dets []Detection
	for k := 0; k+6 <= len(out); k += 6 {
		r := out[k : k+6]
		if r[4] < minScore {
			continue
		}
		b := t.BoxToSource(Box{r[0], r[1], r[2], r[3]})
		if b.Area() <= 0 {
			continue
		}
		dets = append(dets, Detection{Box: b, Score: r[4], Class: int(r[5])})
	}
	return dets
}
