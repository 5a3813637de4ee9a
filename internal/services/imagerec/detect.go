package imagerec

import (
	"context"
	"errors"
	"fmt"
	"image"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/vision"
)

// Detector finds COCO objects in an image: boxes in source pixels, scores
// 0..1, class indexes into the model's label list, sorted by descending
// score. Detections scoring under minScore are dropped.
type Detector interface {
	Detect(ctx context.Context, img image.Image, minScore float32) ([]vision.Detection, error)
}

// nmsIoU merges same-class boxes of one object; CenterNet's in-graph top-k
// does no suppression of its own.
const nmsIoU = 0.5

// CenterNet runs the converted CenterNet graph: one NHWC RGB 0..255 input,
// one [1,N,6] output of x1,y1,x2,y2 (input pixels), score, class.
type CenterNet struct {
	m        *engine.Model
	in, out  string
	w, h     int
	nClasses int
}

// NewCenterNet wraps an opened CenterNet model, checking its signature.
func NewCenterNet(m *engine.Model, nClasses int) (*CenterNet, error) {
	ins, outs := m.Inputs(), m.Outputs()
	if len(ins) != 1 || len(ins[0].Shape) != 4 || ins[0].Shape[3] != 3 || ins[0].Shape[1] <= 0 || ins[0].Shape[2] <= 0 {
		return nil, fmt.Errorf("imagerec: %s: want one NHWC RGB input, have %+v", m.Path(), ins)
	}
	d := &CenterNet{m: m, in: ins[0].Name, h: int(ins[0].Shape[1]), w: int(ins[0].Shape[2]), nClasses: nClasses}
	for _, o := range outs {
		if n := len(o.Shape); n == 3 && o.Shape[n-1] == 6 {
			d.out = o.Name
		}
	}
	if d.out == "" {
		return nil, fmt.Errorf("imagerec: %s: no [1,N,6] detections output in %+v", m.Path(), outs)
	}
	return d, nil
}

// Detect stretches the image to the model input, as the model was trained
// (no letterbox, TF's asymmetric bilinear resampling as the human models
// resize), and maps the boxes back to the image.
func (d *CenterNet) Detect(ctx context.Context, img image.Image, minScore float32) ([]vision.Detection, error) {
	data, tr := vision.Tensor(img, vision.InputSpec{Width: d.w, Height: d.h, Scale: 255, Asymmetric: true})
	outs, err := d.m.Run(ctx, []engine.Tensor{{Name: d.in, Shape: []int64{1, int64(d.h), int64(d.w), 3}, Data: data}})
	if err != nil {
		if ctx.Err() != nil {
			// The platform's guard turns these into its timeout codes.
			return nil, err
		}
		return nil, catalog.E(catalog.KindRecognition).Wrap(err)
	}
	for _, o := range outs {
		if o.Name != d.out {
			continue
		}
		dets := vision.DecodeCenterNet(o.Data, minScore, tr)
		kept := dets[:0]
		for _, det := range dets {
			if det.Class >= 0 && det.Class < d.nClasses {
				kept = append(kept, det)
			}
		}
		return vision.NMS(kept, nmsIoU, true, 0), nil
	}
	return nil, catalog.E(catalog.KindRecognition).Wrap(errors.New("detections output missing"))
}

// Close releases the model.
func (d *CenterNet) Close() error { return d.m.Close() }
