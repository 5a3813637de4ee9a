package tfjs

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aisd/aisd/internal/engine"
)

// writeLayersModel writes a Keras Sequential model.json and its float32
// weights in manifest order.
func writeLayersModel(t *testing.T, layers []map[string]any, weights []gConst) string {
	t.Helper()
	var shard []byte
	var specs []map[string]any
	for _, w := range weights {
		specs = append(specs, map[string]any{"name": w.name, "shape": w.shape, "dtype": "float32"})
		for _, v := range w.vals {
			shard = binary.LittleEndian.AppendUint32(shard, math.Float32bits(float32(v)))
		}
	}
	doc := map[string]any{
		"modelTopology": map[string]any{"keras_version": "2.2.4", "backend": "tensorflow",
			"model_config": map[string]any{"class_name": "Sequential", "config": map[string]any{"name": "seq", "layers": layers}}},
		"weightsManifest": []any{map[string]any{"paths": []string{"group1-shard1of1"}, "weights": specs}},
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "model.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "group1-shard1of1"), shard, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSequentialLayers converts a small Sequential model (the first layer
// carries the input shape) with a BatchNormalization folded into its
// convolution, and checks the outputs against a direct computation.
func TestSequentialLayers(t *testing.T) {
	layers := []map[string]any{
		{"class_name": "Conv2D", "config": map[string]any{"name": "conv", "batch_input_shape": []any{nil, 2, 2, 2},
			"filters": 2, "kernel_size": []int{1, 1}, "strides": []int{1, 1}, "padding": "valid", "activation": "linear", "use_bias": true}},
		{"class_name": "BatchNormalization", "config": map[string]any{"name": "bn", "axis": -1, "epsilon": 0.001, "center": true, "scale": true}},
		{"class_name": "ReLU", "config": map[string]any{"name": "relu", "max_value": 6}},
		{"class_name": "Flatten", "config": map[string]any{"name": "flat"}},
		{"class_name": "Dense", "config": map[string]any{"name": "dense", "units": 2, "activation": "softmax", "use_bias": true}},
	}
	// conv: out0 = a - b, out1 = 2a; bias 0.5, -1.
	// bn: scale = gamma/sqrt(var+eps), shift = beta - mean*scale.
	weights := []gConst{
		{name: "conv/kernel", shape: []int64{1, 1, 2, 2}, vals: []float64{1, 2, -1, 0}},
		{name: "conv/bias", shape: []int64{2}, vals: []float64{0.5, -1}},
		{name: "bn/gamma", shape: []int64{2}, vals: []float64{2, 0.5}},
		{name: "bn/beta", shape: []int64{2}, vals: []float64{0.1, -0.2}},
		{name: "bn/moving_mean", shape: []int64{2}, vals: []float64{1, 2}},
		{name: "bn/moving_variance", shape: []int64{2}, vals: []float64{4, 0.25}},
		{name: "dense/kernel", shape: []int64{8, 2}, vals: []float64{1, -1, 0.5, 0, 0, 1, -1, 0.25, 2, 0, 0, -2, 0.1, 0.1, 1, 1}},
		{name: "dense/bias", shape: []int64{2}, vals: []float64{0, 0.3}},
	}
	dir := writeLayersModel(t, layers, weights)
	x := []float32{1, 2, -1, 0.5, 3, 1, 0.25, -2}

	// Direct computation of the same network in float64.
	feat := make([]float64, 0, 8)
	for p := 0; p < 4; p++ {
		a, b := float64(x[2*p]), float64(x[2*p+1])
		conv := []float64{a - b + 0.5, 2*a - 1}
		for c := 0; c < 2; c++ {
			g, be, m, v := weights[2].vals[c], weights[3].vals[c], weights[4].vals[c], weights[5].vals[c]
			y := g*(conv[c]-m)/math.Sqrt(v+0.001) + be
			feat = append(feat, math.Min(math.Max(y, 0), 6))
		}
	}
	logits := []float64{0, 0.3}
	for k, f := range feat {
		logits[0] += f * weights[6].vals[2*k]
		logits[1] += f * weights[6].vals[2*k+1]
	}
	m := math.Max(logits[0], logits[1])
	e0, e1 := math.Exp(logits[0]-m), math.Exp(logits[1]-m)
	want := []float64{e0 / (e0 + e1), e1 / (e0 + e1)}

	initORT(t)
	onnx, err := Build(context.Background(), dir, "model.json", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(onnx, []byte("bn/scale")) {
		t.Error("BatchNormalization was not folded into the convolution")
	}
	path := filepath.Join(t.TempDir(), "m.onnx")
	if err := os.WriteFile(path, onnx, 0o644); err != nil {
		t.Fatal(err)
	}
	mdl, err := engine.Open(path, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mdl.Close()
	if in := mdl.Inputs(); len(in) != 1 || in[0].Shape[0] != -1 {
		t.Errorf("inputs %+v: want one input with a dynamic batch", in)
	}
	// Two identical rows: the batch dimension is dynamic.
	outs, err := mdl.Run(context.Background(), []engine.Tensor{{Shape: []int64{2, 2, 2, 2}, Data: append(append([]float32{}, x...), x...)}})
	if err != nil {
		t.Fatal(err)
	}
	if outs[0].Name != "dense" {
		t.Errorf("output named %q, want the last layer's name dense", outs[0].Name)
	}
	expectValues(t, "softmax", outs[0], []int64{2, 2}, append(append([]float64{}, want...), want...), 1e-5)
}

func TestLayersUnsupported(t *testing.T) {
	dir := writeLayersModel(t, []map[string]any{
		{"class_name": "Dense", "config": map[string]any{"name": "d", "batch_input_shape": []any{nil, 2}, "units": 1}},
		{"class_name": "LSTM", "config": map[string]any{"name": "rnn"}},
	}, []gConst{{name: "d/kernel", shape: []int64{2, 1}, vals: []float64{1, 1}}, {name: "d/bias", shape: []int64{1}, vals: []float64{0}}})
	_, err := Build(context.Background(), dir, "model.json", Options{})
	if err == nil || !strings.Contains(err.Error(), "LSTM") {
		t.Fatalf("error %v does not name the layer type LSTM", err)
	}
}

// TestTFJSSavedModels converts models saved by TensorFlow.js itself
// (tools/tfjsref/fixture.js) and compares with TFJS's outputs:
//   - tfjs-saved: functional; padding, strided conv + BatchNorm + ReLU6,
//     depthwise, add, SAME max/avg pooling, concatenate, sigmoid, global
//     pooling, flatten, dropout, dense softmax;
//   - tfjs-saved-sequential: Sequential; separable conv, LeakyReLU,
//     bilinear and nearest up-sampling, PReLU with shared axes, ELU, global
//     max pooling, dense tanh and softmax.
func TestTFJSSavedModels(t *testing.T) {
	for _, name := range []string{"tfjs-saved", "tfjs-saved-sequential"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", name)
			raw, err := os.ReadFile(filepath.Join(dir, "ref.json"))
			if err != nil {
				t.Fatal(err)
			}
			var ref parityRef
			if err := json.Unmarshal(raw, &ref); err != nil {
				t.Fatal(err)
			}
			initORT(t)
			onnx, err := Build(context.Background(), dir, "model.json", Options{Format: "tfjs-layers"})
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "m.onnx")
			if err := os.WriteFile(path, onnx, 0o644); err != nil {
				t.Fatal(err)
			}
			m, err := engine.Open(path, engine.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			for _, c := range ref.Cases {
				outs, err := m.Run(context.Background(), []engine.Tensor{{Shape: ref.Input.Shape, Data: patternInput(c.Pattern, ref.Input.Shape, ref.Input.Scale)}})
				if err != nil {
					t.Fatal(err)
				}
				compareOutput(t, c.Pattern, outs[0], c.Outputs["probs"], 1e-4)
			}
		})
	}
}

// TestDenseOnImage applies Dense to a rank-4 input: Keras maps the last
// axis, keeping the others.
func TestDenseOnImage(t *testing.T) {
	dir := writeLayersModel(t, []map[string]any{
		{"class_name": "Dense", "config": map[string]any{"name": "d", "batch_input_shape": []any{nil, 1, 2, 2}, "units": 1, "use_bias": true, "activation": "relu"}},
	}, []gConst{{name: "d/kernel", shape: []int64{2, 1}, vals: []float64{1, -2}}, {name: "d/bias", shape: []int64{1}, vals: []float64{0.5}}})
	initORT(t)
	onnx, err := Build(context.Background(), dir, "model.json", Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.onnx")
	if err := os.WriteFile(path, onnx, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := engine.Open(path, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	outs, err := m.Run(context.Background(), []engine.Tensor{{Shape: []int64{1, 1, 2, 2}, Data: []float32{3, 1, 1, 3}}})
	if err != nil {
		t.Fatal(err)
	}
	// relu(3-2+0.5)=1.5, relu(1-6+0.5)=0
	expectValues(t, "dense", outs[0], []int64{1, 1, 2, 1}, []float64{1.5, 0}, 1e-6)
}
