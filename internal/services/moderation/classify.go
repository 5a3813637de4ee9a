package moderation

import (
	"context"
	"fmt"
	"image"
	"strings"

	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/vision"
)

// NSFW model files as the model manager names them.
const (
	NSFWModel = "nsfw-mobilenet-v2"
	NSFWFile  = "model.onnx"
	nsfwSide  = 224
)

// nsfwInput is the model's input: RGB/255 stretched to 224×224 with
// bilinear resampling and align_corners=true, exactly as nsfwjs feeds it,
// so our scores are the reference model's.
var nsfwInput = vision.InputSpec{Width: nsfwSide, Height: nsfwSide, Scale: 1, AlignCorners: true}

// Thresholds turn NSFW class probabilities into suggestions. A class at or
// above its block threshold blocks; at or above its review threshold asks
// for review. Sexy (suggestive but not explicit) never blocks on its own.
type Thresholds struct {
	PornBlock, PornReview     float64 // "Porn" class (photographic)
	HentaiBlock, HentaiReview float64 // "Hentai" class (drawn explicit)
	SexyReview                float64 // "Sexy" class
}

// DefaultThresholds favour precision at block and recall at review: the
// MobileNetV2 model's top-1 accuracy is about 90 %, and confusions between
// Porn and Sexy are its commonest error, so only confident explicit scores
// block.
func DefaultThresholds() Thresholds {
	return Thresholds{PornBlock: 0.75, PornReview: 0.40, HentaiBlock: 0.80, HentaiReview: 0.45, SexyReview: 0.70}
}

// Scores are the model's class probabilities by class name.
type Scores map[string]float64

// Classifier runs the NSFW model.
type Classifier struct {
	m      *engine.Model
	labels []string
	input  string
}

// NewClassifier wraps an opened NSFW model and its class names.
func NewClassifier(m *engine.Model, labels []string) (*Classifier, error) {
	ins, outs := m.Inputs(), m.Outputs()
	if len(ins) != 1 || len(outs) != 1 {
		return nil, fmt.Errorf("nsfw model: want 1 input and 1 output, have %d and %d", len(ins), len(outs))
	}
	if sh := outs[0].Shape; len(sh) != 2 || int(sh[1]) != len(labels) {
		return nil, fmt.Errorf("nsfw model: output shape %v does not fit %d labels", sh, len(labels))
	}
	return &Classifier{m: m, labels: labels, input: ins[0].Name}, nil
}

// ClassifyImage scores an image.
func (c *Classifier) ClassifyImage(ctx context.Context, img image.Image) (Scores, error) {
	t, _ := vision.Tensor(img, nsfwInput)
	return c.classify(ctx, t)
}

// ClassifyRGB scores a 224×224 frame of packed 8-bit RGB.
func (c *Classifier) ClassifyRGB(ctx context.Context, rgb []byte) (Scores, error) {
	if len(rgb) != nsfwSide*nsfwSide*3 {
		return nil, fmt.Errorf("nsfw: frame of %d bytes, want %d", len(rgb), nsfwSide*nsfwSide*3)
	}
	t := make([]float32, len(rgb))
	for i, v := range rgb {
		t[i] = float32(v) / 255
	}
	return c.classify(ctx, t)
}

func (c *Classifier) classify(ctx context.Context, t []float32) (Scores, error) {
	out, err := c.m.Run(ctx, []engine.Tensor{{Name: c.input, Shape: []int64{1, nsfwSide, nsfwSide, 3}, Data: t}})
	if err != nil {
		return nil, err
	}
	if len(out) != 1 || len(out[0].Data) != len(c.labels) {
		return nil, fmt.Errorf("nsfw: unexpected output")
	}
	s := Scores{}
	for i, l := range c.labels {
		s[strings.ToLower(l)] = float64(out[0].Data[i])
	}
	return s, nil
}

// Verdict is one label that reached a threshold.
type Verdict struct {
	Label      string // porn, hentai or sexy
	Suggestion string // block or review
	Confidence float64
}

// Judge applies the thresholds; verdicts come most severe first.
func (t Thresholds) Judge(s Scores) []Verdict {
	var out []Verdict
	rule := func(label string, block, review float64) {
		p := s[label]
		switch {
		case block > 0 && p >= block:
			out = append(out, Verdict{label, sugBlock, p})
		case review > 0 && p >= review:
			out = append(out, Verdict{label, sugReview, p})
		}
	}
	rule("porn", t.PornBlock, t.PornReview)
	rule("hentai", t.HentaiBlock, t.HentaiReview)
	rule("sexy", 0, t.SexyReview)
	// Most severe, then most confident, first.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && worse(out[j], out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func worse(a, b Verdict) bool {
	if severity(a.Suggestion) != severity(b.Suggestion) {
		return severity(a.Suggestion) > severity(b.Suggestion)
	}
	return a.Confidence > b.Confidence
}
