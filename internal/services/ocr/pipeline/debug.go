package pipeline

import (
	"context"
	"fmt"
	"image"

	"github.com/aisd/aisd/internal/engine"
)

// DebugArray is one intermediate of the detection stage: a BGR image
// (Data []uint8, rows packed) or the detector's probability map (Data
// []float32), Dims being height and width.
type DebugArray struct {
	Name string
	Dims []int
	Data any
}

// DebugDetect runs the detection stage of Run (not quick mode) on img and
// hands each intermediate to emit, for comparison with OpenCV and RapidOCR
// by tools/ocrdump: "src" (the decoded image as BGR), "work" (within the
// size bounds, letterboxed), "detin" (the detector's input size), "pred"
// (its output) and "crop" plus a letter per box (each box's rectified
// crop). db, when not nil, gets one line per candidate box of the DB
// post-processing. It returns the letterbox height and the boxes' corners
// in work coordinates. It sets a package-level hook while it runs, so it
// must not run alongside other calls of Run or DebugDetect.
func (p *Pipeline) DebugDetect(ctx context.Context, img image.Image, emit func(DebugArray), db func(string)) (top int, boxes [][4][2]float64, err error) {
	src := fromImage(img)
	emit(DebugArray{"src", []int{src.h, src.w}, src.pix})
	work, _, _ := p.withinBounds(src)
	work, top = p.letterbox(work)
	emit(DebugArray{"work", []int{work.h, work.w}, work.pix})
	w, h := p.cfg.detSize(work.w, work.h)
	in := work.resize(w, h)
	emit(DebugArray{"detin", []int{h, w}, in.pix})
	data := make([]float32, 3*w*h)
	normalizeCHW(in, data, w)
	out, err := p.det.Run(ctx, []engine.Tensor{{Shape: []int64{1, 3, int64(h), int64(w)}, Data: data}})
	if err != nil {
		return 0, nil, err
	}
	emit(DebugArray{"pred", []int{h, w}, out[0].Data})
	if db != nil {
		debugDB = func(hull []ipt, box [4]pt, score, dist float64, grown []ipt) {
			db(fmt.Sprintf("box=%v score=%.6f dist=%.6f grown=%v hull=%v", box, score, dist, grown, hull))
		}
		defer func() { debugDB = nil }()
	}
	for i, b := range p.cfg.dbPostprocess(out[0].Data, w, h, work.w, work.h) {
		boxes = append(boxes, [4][2]float64{{b.p[0].x, b.p[0].y}, {b.p[1].x, b.p[1].y}, {b.p[2].x, b.p[2].y}, {b.p[3].x, b.p[3].y}})
		c, _, _ := cropQuad(work, b.p)
		emit(DebugArray{"crop" + string(rune('a'+i)), []int{c.h, c.w}, c.pix})
	}
	return top, boxes, nil
}
