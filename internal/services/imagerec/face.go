package imagerec

import (
	"context"
	"fmt"
	"image"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/vision"
)

// Face models the image engine loads: the BlazeFace back-camera detector
// (faces down to about 20 px in a 256 px letterbox), the faceres
// descriptor for identities and the liveness classifier for recapture
// detection. Of the two installed face-spoofing classifiers, liveness is
// the one whose score moves on recaptured faces (antispoof scores
// originals and simulated screen recaptures alike, 0.5–0.85; see
// docs/benchmarks-celebrity.md).
const (
	FaceDetectorModel = "blazeface-back"
	FaceEmbedderModel = "faceres"
	LivenessModel     = "liveness"
)

// Models are every model the image engine opens.
var Models = []string{Model, FaceDetectorModel, FaceEmbedderModel, LivenessModel}

// Face pipeline constants.
const (
	// faceMinScore is MediaPipe's score threshold for the back model.
	faceMinScore = 0.52
	faceNMSIoU   = 0.3
	// embedCrop and spoofCrop enlarge the detector's tight box (eyes to
	// mouth) to the whole face with some hair and chin, as the descriptor
	// and the classifier were fed.
	embedCrop = 1.4
	// The liveness classifier separates best on the tight box.
	spoofCrop = 1.0
)

// runErr maps an inference failure to the family's recognition error,
// leaving context errors to the platform's timeout codes.
func runErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return err
	}
	return catalog.E(catalog.KindRecognition).Wrap(err)
}

// FaceDetector runs BlazeFace.
type FaceDetector struct {
	m    *engine.Model
	in   string
	size int
}

// NewFaceDetector checks the model's signature: one square NHWC input,
// the 512/384-anchor logits and regressors.
func NewFaceDetector(m *engine.Model) (*FaceDetector, error) {
	ins, outs := m.Inputs(), m.Outputs()
	if len(ins) != 1 || len(ins[0].Shape) != 4 || ins[0].Shape[1] != ins[0].Shape[2] || ins[0].Shape[3] != 3 {
		return nil, fmt.Errorf("imagerec: %s: want one square NHWC RGB input, have %+v", m.Path(), ins)
	}
	if len(outs) != 4 {
		return nil, fmt.Errorf("imagerec: %s: want 4 outputs, have %+v", m.Path(), outs)
	}
	return &FaceDetector{m: m, in: ins[0].Name, size: int(ins[0].Shape[1])}, nil
}

// Detect finds faces in img, boxes and keypoints in source pixels,
// strongest first.
func (d *FaceDetector) Detect(ctx context.Context, img image.Image) ([]vision.Face, error) {
	box, scale, ox, oy := vision.Letterbox(img, d.size)
	data, _ := vision.Tensor(box, vision.InputSpec{Width: d.size, Height: d.size, Scale: 2, Offset: -1})
	outs, err := d.m.Run(ctx, []engine.Tensor{{Name: d.in, Shape: []int64{1, int64(d.size), int64(d.size), 3}, Data: data}})
	if err != nil {
		return nil, runErr(ctx, err)
	}
	var logits, regs [2][]float32
	for _, o := range outs {
		n := len(o.Shape)
		if n != 3 {
			continue
		}
		i := 0
		if o.Shape[1] == 384 {
			i = 1
		}
		if o.Shape[2] == 1 {
			logits[i] = o.Data
		} else {
			regs[i] = o.Data
		}
	}
	faces := vision.DecodeBlazeFace(logits[:], regs[:], d.size, faceMinScore, faceNMSIoU)
	b := img.Bounds()
	w, h := float32(b.Dx()), float32(b.Dy())
	back := func(x, y float32) (float32, float32) {
		sx := (float64(x) - ox) / scale
		sy := (float64(y) - oy) / scale
		return min(max(float32(sx), 0), w), min(max(float32(sy), 0), h)
	}
	kept := faces[:0]
	for _, f := range faces {
		f.X1, f.Y1 = back(f.X1, f.Y1)
		f.X2, f.Y2 = back(f.X2, f.Y2)
		for k := range f.Keypoints {
			// Keypoints may sit outside the frame (a turned head's ear).
			f.Keypoints[k][0] = float32((float64(f.Keypoints[k][0]) - ox) / scale)
			f.Keypoints[k][1] = float32((float64(f.Keypoints[k][1]) - oy) / scale)
		}
		if f.X2-f.X1 >= 1 && f.Y2-f.Y1 >= 1 {
			kept = append(kept, f)
		}
	}
	return kept, nil
}

// Close releases the model.
func (d *FaceDetector) Close() error { return d.m.Close() }

// FaceEmbedder runs the faceres descriptor: an aligned crop at 224 px,
// pixels 0..255, the 1024-d global pooling, L2-normalised.
type FaceEmbedder struct {
	m        *engine.Model
	in, out  string
	size     int
	features int
}

// NewFaceEmbedder checks the descriptor's signature.
func NewFaceEmbedder(m *engine.Model) (*FaceEmbedder, error) {
	ins := m.Inputs()
	if len(ins) != 1 || len(ins[0].Shape) != 4 || ins[0].Shape[1] != ins[0].Shape[2] {
		return nil, fmt.Errorf("imagerec: %s: want one square NHWC input, have %+v", m.Path(), ins)
	}
	e := &FaceEmbedder{m: m, in: ins[0].Name, size: int(ins[0].Shape[1])}
	for _, o := range m.Outputs() {
		if len(o.Shape) == 2 && o.Shape[1] >= 128 {
			e.out, e.features = o.Name, int(o.Shape[1])
		}
	}
	if e.out == "" {
		return nil, fmt.Errorf("imagerec: %s: no descriptor output in %+v", m.Path(), m.Outputs())
	}
	return e, nil
}

// Embed returns the unit descriptor of one face of img.
func (e *FaceEmbedder) Embed(ctx context.Context, img image.Image, f vision.Face) ([]float32, error) {
	crop := vision.AlignedCrop(img, f, embedCrop, e.size)
	data, _ := vision.Tensor(crop, vision.InputSpec{Width: e.size, Height: e.size, Scale: 255})
	outs, err := e.m.Run(ctx, []engine.Tensor{{Name: e.in, Shape: []int64{1, int64(e.size), int64(e.size), 3}, Data: data}})
	if err != nil {
		return nil, runErr(ctx, err)
	}
	for _, o := range outs {
		if o.Name == e.out {
			return vision.L2Normalize(append([]float32(nil), o.Data...)), nil
		}
	}
	return nil, catalog.E(catalog.KindRecognition).Wrap(fmt.Errorf("descriptor output missing"))
}

// Close releases the model.
func (e *FaceEmbedder) Close() error { return e.m.Close() }

// Liveness runs a face liveness classifier on a square crop, pixels
// 0..1: either one sigmoid (high for a live face) or a two-way softmax
// whose first class is the live face.
type Liveness struct {
	m    *engine.Model
	in   string
	size int
}

// NewLiveness checks the classifier's signature.
func NewLiveness(m *engine.Model) (*Liveness, error) {
	ins, outs := m.Inputs(), m.Outputs()
	if len(ins) != 1 || len(ins[0].Shape) != 4 || ins[0].Shape[1] != ins[0].Shape[2] || len(outs) != 1 {
		return nil, fmt.Errorf("imagerec: %s: want one square input and one output, have %+v %+v", m.Path(), ins, outs)
	}
	if n := outs[0].Shape[len(outs[0].Shape)-1]; n != 1 && n != 2 {
		return nil, fmt.Errorf("imagerec: %s: want 1 or 2 scores, have %+v", m.Path(), outs)
	}
	return &Liveness{m: m, in: ins[0].Name, size: int(ins[0].Shape[1])}, nil
}

// Live is the probability (0..1) that face f of img is a live capture.
func (a *Liveness) Live(ctx context.Context, img image.Image, f vision.Face) (float32, error) {
	crop := vision.AlignedCrop(img, f, spoofCrop, a.size)
	data, _ := vision.Tensor(crop, vision.InputSpec{Width: a.size, Height: a.size, Scale: 1})
	outs, err := a.m.Run(ctx, []engine.Tensor{{Name: a.in, Shape: []int64{1, int64(a.size), int64(a.size), 3}, Data: data}})
	if err != nil {
		return 0, runErr(ctx, err)
	}
	if len(outs) != 1 || len(outs[0].Data) < 1 || len(outs[0].Data) > 2 {
		return 0, catalog.E(catalog.KindRecognition).Wrap(fmt.Errorf("liveness output has %d tensors", len(outs)))
	}
	return min(max(outs[0].Data[0], 0), 1), nil
}

// Close releases the model.
func (a *Liveness) Close() error { return a.m.Close() }
