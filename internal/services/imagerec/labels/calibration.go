package labels

import (
	"bytes"
	_ "embed"
	"fmt"
	"math"

	"go.yaml.in/yaml/v3"
)

//go:embed calibration.yaml
var calibrationYAML []byte

// Calibration turns a detector class's evidence in one image into the
// tag confidence the API answers: the probability that a person would
// tag the image with it, a logistic of the best instance's detector score,
// the log of its share of the frame and the log of the number of
// confident instances. The weights are fitted on the reviewed photo set
// of imagerec's testdata (TestCalibrationFit refits them).
type Calibration struct {
	Bias     float64 `yaml:"bias"`
	Score    float64 `yaml:"score"`
	LogArea  float64 `yaml:"log_area"`
	LogCount float64 `yaml:"log_count"`
	// CountFloor is the detector score an instance needs to count.
	CountFloor float64 `yaml:"count_floor"`
}

// Features are one tag candidate's inputs.
type Features struct {
	Score     float64 // best instance's detector score, 0..1
	AreaShare float64 // its box's share of the frame, 0..1
	Count     int     // instances scoring at least CountFloor
}

func (f Features) vector() [4]float64 {
	return [4]float64{1, f.Score, math.Log10(f.AreaShare + 1e-4), math.Log1p(float64(f.Count))}
}

func (c Calibration) weights() [4]float64 {
	return [4]float64{c.Bias, c.Score, c.LogArea, c.LogCount}
}

// Confidence is the calibrated probability, 0..1.
func (c Calibration) Confidence(f Features) float64 {
	x, w := f.vector(), c.weights()
	z := 0.0
	for i := range x {
		z += x[i] * w[i]
	}
	return 1 / (1 + math.Exp(-z))
}

// DefaultCalibration is the shipped calibration.
func DefaultCalibration() (Calibration, error) {
	var c Calibration
	dec := yaml.NewDecoder(bytes.NewReader(calibrationYAML))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("labels: calibration: %w", err)
	}
	if c.Score <= 0 || c.CountFloor <= 0 || c.CountFloor >= 1 {
		return c, fmt.Errorf("labels: calibration: score weight %v, count floor %v", c.Score, c.CountFloor)
	}
	return c, nil
}

// Sample is one labelled tag candidate.
type Sample struct {
	Features
	Subject bool // a person tags the image with it
}

// Fit finds the logistic weights by Newton's method with a small ridge
// (0.1) that keeps a near-separable set finite.
func Fit(samples []Sample, countFloor float64) Calibration {
	const ridge = 0.1
	var w [4]float64
	for iter := 0; iter < 50; iter++ {
		var g [4]float64
		var h [4][4]float64
		for _, s := range samples {
			x := s.vector()
			z := 0.0
			for i := range x {
				z += x[i] * w[i]
			}
			p := 1 / (1 + math.Exp(-z))
			y := 0.0
			if s.Subject {
				y = 1
			}
			for i := range x {
				g[i] += (y - p) * x[i]
				for j := range x {
					h[i][j] += p * (1 - p) * x[i] * x[j]
				}
			}
		}
		for i := range w {
			g[i] -= ridge * w[i]
			h[i][i] += ridge
		}
		step := solve4(h, g)
		for i := range w {
			w[i] += step[i]
		}
	}
	return Calibration{Bias: w[0], Score: w[1], LogArea: w[2], LogCount: w[3], CountFloor: countFloor}
}

// solve4 solves h·x = g by Gaussian elimination with partial pivoting.
func solve4(h [4][4]float64, g [4]float64) [4]float64 {
	const n = 4
	for c := 0; c < n; c++ {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(h[r][c]) > math.Abs(h[p][c]) {
				p = r
			}
		}
		h[c], h[p] = h[p], h[c]
		g[c], g[p] = g[p], g[c]
		if h[c][c] == 0 {
			continue
		}
		for r := c + 1; r < n; r++ {
			f := h[r][c] / h[c][c]
			for k := c; k < n; k++ {
				h[r][k] -= f * h[c][k]
			}
			g[r] -= f * g[c]
		}
	}
	var x [4]float64
	for r := n - 1; r >= 0; r-- {
		s := g[r]
		for k := r + 1; k < n; k++ {
			s -= h[r][k] * x[k]
		}
		if h[r][r] != 0 {
			x[r] = s / h[r][r]
		}
	}
	return x
}
