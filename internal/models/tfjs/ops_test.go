package tfjs

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/aisd/aisd/internal/engine"
)

// Tiny TF graph models exercising single ops whose TF semantics are known
// by hand, run through ONNX Runtime.

type gConst struct {
	name  string
	dtype string // float32 or int32
	shape []int64
	vals  []float64
}

type gNode map[string]any

func attrS(s string) map[string]any { return map[string]any{"s": b64(s)} }
func attrI(i int64) map[string]any  { return map[string]any{"i": i} }
func attrB(b bool) map[string]any   { return map[string]any{"b": b} }
func attrList(is ...int64) map[string]any {
	return map[string]any{"list": map[string]any{"i": is}}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// writeGraphModel writes model.json + one weight shard to a temp dir. The
// input is a float Placeholder "x" of shape inShape.
func writeGraphModel(t *testing.T, inShape []int64, consts []gConst, nodes []gNode) string {
	t.Helper()
	dims := []map[string]any{}
	for _, d := range inShape {
		dims = append(dims, map[string]any{"size": d})
	}
	all := []gNode{{"name": "x", "op": "Placeholder", "attr": map[string]any{
		"dtype": map[string]any{"type": "DT_FLOAT"}, "shape": map[string]any{"shape": map[string]any{"dim": dims}}}}}
	var shard []byte
	var specs []map[string]any
	for _, c := range consts {
		all = append(all, gNode{"name": c.name, "op": "Const", "attr": map[string]any{}})
		specs = append(specs, map[string]any{"name": c.name, "shape": c.shape, "dtype": c.dtype})
		for _, v := range c.vals {
			if c.dtype == "int32" {
				shard = binary.LittleEndian.AppendUint32(shard, uint32(int32(v)))
			} else {
				shard = binary.LittleEndian.AppendUint32(shard, math.Float32bits(float32(v)))
			}
		}
	}
	all = append(all, nodes...)
	doc := map[string]any{"format": "graph-model",
		"modelTopology":   map[string]any{"node": all},
		"weightsManifest": []any{map[string]any{"paths": []string{"w.bin"}, "weights": specs}}}
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "model.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "w.bin"), shard, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runGraph converts dir's model with the given outputs and runs it on x.
func runGraph(t *testing.T, dir string, outputs []string, shape []int64, x []float32) map[string]engine.Tensor {
	t.Helper()
	initORT(t)
	onnx, err := Build(context.Background(), dir, "model.json", Options{Outputs: outputs})
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
	outs, err := m.Run(context.Background(), []engine.Tensor{{Shape: shape, Data: x}})
	if err != nil {
		t.Fatal(err)
	}
	res := map[string]engine.Tensor{}
	for _, o := range outs {
		res[o.Name] = o
	}
	return res
}

func asFloats(t engine.Tensor) []float64 {
	var out []float64
	for _, v := range t.Data {
		out = append(out, float64(v))
	}
	for _, v := range t.Int32 {
		out = append(out, float64(v))
	}
	for _, v := range t.Int64 {
		out = append(out, float64(v))
	}
	return out
}

func expectValues(t *testing.T, label string, got engine.Tensor, shape []int64, want []float64, eps float64) {
	t.Helper()
	if len(got.Shape) != len(shape) {
		t.Errorf("%s: shape %v, want %v", label, got.Shape, shape)
		return
	}
	for k := range shape {
		if got.Shape[k] != shape[k] {
			t.Errorf("%s: shape %v, want %v", label, got.Shape, shape)
			return
		}
	}
	g := asFloats(got)
	if len(g) != len(want) {
		t.Errorf("%s: %d values, want %d", label, len(g), len(want))
		return
	}
	for k := range want {
		if math.Abs(g[k]-want[k]) > eps {
			t.Errorf("%s: got %v, want %v", label, g, want)
			return
		}
	}
}

func ramp(n int) []float32 {
	out := make([]float32, n)
	for k := range out {
		out[k] = float32(k)
	}
	return out
}

func TestGraphIntegerDivision(t *testing.T) {
	dir := writeGraphModel(t, []int64{4},
		[]gConst{{"d", "int32", []int64{4}, []float64{2, 2, -2, -2}}},
		[]gNode{
			{"name": "xi", "op": "Cast", "input": []string{"x"}, "attr": map[string]any{"DstT": map[string]any{"type": "DT_INT32"}}},
			{"name": "q", "op": "FloorDiv", "input": []string{"xi", "d"}},
			{"name": "r", "op": "FloorMod", "input": []string{"xi", "d"}},
		})
	out := runGraph(t, dir, []string{"q", "r"}, []int64{4}, []float32{-7, 7, -7, 7})
	// Floor semantics: -7//2 = -4, 7//-2 = -4; the remainder takes the
	// divisor's sign.
	expectValues(t, "FloorDiv", out["q"], []int64{4}, []float64{-4, 3, 3, -4}, 0)
	expectValues(t, "FloorMod", out["r"], []int64{4}, []float64{1, 1, -1, -1}, 0)
}

func TestGraphStridedSlice(t *testing.T) {
	c := func(name string, v ...float64) gConst { return gConst{name, "int32", []int64{int64(len(v))}, v} }
	ss := func(name, b, e, s string, begin, end, shrink int64) gNode {
		return gNode{"name": name, "op": "StridedSlice", "input": []string{"x", b, e, s}, "attr": map[string]any{
			"begin_mask": attrI(begin), "end_mask": attrI(end), "shrink_axis_mask": attrI(shrink)}}
	}
	dir := writeGraphModel(t, []int64{2, 3, 4},
		[]gConst{
			c("b1", 0, 1, 0), c("e1", 0, 3, 4), c("s1", 1, 1, 2),
			c("b2", 1, 0, 0), c("e2", 2, 0, 0), c("s2", 1, 1, 1),
			c("b3", 0, 0, -1), c("e3", 0, 0, 0), c("s3", 1, 1, -1),
		},
		[]gNode{
			ss("a", "b1", "e1", "s1", 1, 1, 0), // x[:, 1:3, 0:4:2]
			ss("b", "b2", "e2", "s2", 6, 6, 1), // x[1]
			ss("c", "b3", "e3", "s3", 3, 7, 0), // x[:, :, ::-1]
		})
	out := runGraph(t, dir, []string{"a", "b", "c"}, []int64{2, 3, 4}, ramp(24))
	expectValues(t, "x[:,1:3,::2]", out["a"], []int64{2, 2, 2}, []float64{4, 6, 8, 10, 16, 18, 20, 22}, 0)
	expectValues(t, "x[1]", out["b"], []int64{3, 4}, []float64{12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}, 0)
	want := make([]float64, 0, 24)
	for r := 0; r < 6; r++ {
		for k := 3; k >= 0; k-- {
			want = append(want, float64(r*4+k))
		}
	}
	expectValues(t, "x[:,:,::-1]", out["c"], []int64{2, 3, 4}, want, 0)
}

// tfResize is TF's ResizeBilinear on one channel, written from its
// definition.
func tfResize(in []float64, ih, iw, oh, ow int, align, half bool) []float64 {
	scale := func(i, o int) float64 {
		if align && o > 1 {
			return float64(i-1) / float64(o-1)
		}
		return float64(i) / float64(o)
	}
	sy, sx := scale(ih, oh), scale(iw, ow)
	src := func(d int, s float64) float64 {
		if half {
			return math.Max((float64(d)+0.5)*s-0.5, 0)
		}
		return float64(d) * s
	}
	out := make([]float64, 0, oh*ow)
	for y := 0; y < oh; y++ {
		fy := src(y, sy)
		y0 := int(math.Floor(fy))
		y1 := min(y0+1, ih-1)
		dy := fy - float64(y0)
		for x := 0; x < ow; x++ {
			fx := src(x, sx)
			x0 := int(math.Floor(fx))
			x1 := min(x0+1, iw-1)
			dx := fx - float64(x0)
			top := in[y0*iw+x0] + (in[y0*iw+x1]-in[y0*iw+x0])*dx
			bot := in[y1*iw+x0] + (in[y1*iw+x1]-in[y1*iw+x0])*dx
			out = append(out, top+(bot-top)*dy)
		}
	}
	return out
}

func TestGraphResizeBilinearModes(t *testing.T) {
	rs := func(name string, align, half bool) gNode {
		return gNode{"name": name, "op": "ResizeBilinear", "input": []string{"x", "size"}, "attr": map[string]any{
			"align_corners": attrB(align), "half_pixel_centers": attrB(half)}}
	}
	dir := writeGraphModel(t, []int64{1, 2, 3, 1},
		[]gConst{{"size", "int32", []int64{2}, []float64{4, 5}}},
		[]gNode{rs("legacy", false, false), rs("align", true, false), rs("half", false, true)})
	x := []float32{0, 1, 5, 2, 3, 9}
	in := []float64{0, 1, 5, 2, 3, 9}
	out := runGraph(t, dir, []string{"legacy", "align", "half"}, []int64{1, 2, 3, 1}, x)
	expectValues(t, "asymmetric", out["legacy"], []int64{1, 4, 5, 1}, tfResize(in, 2, 3, 4, 5, false, false), 1e-5)
	expectValues(t, "align_corners", out["align"], []int64{1, 4, 5, 1}, tfResize(in, 2, 3, 4, 5, true, false), 1e-5)
	expectValues(t, "half_pixel", out["half"], []int64{1, 4, 5, 1}, tfResize(in, 2, 3, 4, 5, false, true), 1e-5)
}

func TestGraphTopKGather(t *testing.T) {
	dir := writeGraphModel(t, []int64{1, 6},
		[]gConst{
			{"k", "int32", []int64{}, []float64{3}},
			{"table", "float32", []int64{6, 2}, []float64{0, 0, 10, 11, 20, 21, 30, 31, 40, 41, 50, 51}},
			{"axis", "int32", []int64{}, []float64{0}},
			{"shape", "int32", []int64{1}, []float64{-1}},
		},
		[]gNode{
			{"name": "top", "op": "TopKV2", "input": []string{"x", "k"}, "attr": map[string]any{"sorted": attrB(true)}},
			{"name": "flat", "op": "Reshape", "input": []string{"top:1", "shape"}},
			{"name": "g", "op": "GatherV2", "input": []string{"table", "flat", "axis"}},
		})
	out := runGraph(t, dir, []string{"top", "top:1", "g"}, []int64{1, 6}, []float32{0.1, 0.9, 0.3, 0.7, 0.2, 0.8})
	expectValues(t, "values", out["top"], []int64{1, 3}, []float64{0.9, 0.8, 0.7}, 1e-7)
	expectValues(t, "indices", out["top_1"], []int64{1, 3}, []float64{1, 5, 3}, 0)
	if out["top_1"].Int32 == nil {
		t.Errorf("TopKV2 indices are %v, want int32 as in TF", out["top_1"].DType())
	}
	expectValues(t, "gather", out["g"], []int64{3, 2}, []float64{10, 11, 50, 51, 30, 31}, 0)
}

func TestGraphPoolingSame(t *testing.T) {
	pool := func(name, op string) gNode {
		return gNode{"name": name, "op": op, "input": []string{"x"}, "attr": map[string]any{
			"ksize": attrList(1, 2, 2, 1), "strides": attrList(1, 2, 2, 1), "padding": attrS("SAME")}}
	}
	dir := writeGraphModel(t, []int64{1, 3, 3, 1}, nil, []gNode{pool("avg", "AvgPool"), pool("max", "MaxPool")})
	out := runGraph(t, dir, []string{"avg", "max"}, []int64{1, 3, 3, 1}, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9})
	// TF averages only the pixels inside the image.
	expectValues(t, "AvgPool", out["avg"], []int64{1, 2, 2, 1}, []float64{3, 4.5, 7.5, 9}, 1e-6)
	expectValues(t, "MaxPool", out["max"], []int64{1, 2, 2, 1}, []float64{5, 6, 8, 9}, 0)
}

// TestGraphLayoutMix runs a convolution (NCHW inside) into ops that must
// see TF's NHWC order: a per-channel bias, a channel concat, a spatial
// mean and a reshape.
func TestGraphLayoutMix(t *testing.T) {
	// 1x1 convolution from 2 to 3 channels: out = [a, b, a+b].
	dir := writeGraphModel(t, []int64{1, 2, 2, 2},
		[]gConst{
			{"w", "float32", []int64{1, 1, 2, 3}, []float64{1, 0, 1, 0, 1, 1}},
			{"bias", "float32", []int64{3}, []float64{100, 200, 300}},
			{"axis", "int32", []int64{}, []float64{3}},
			{"red", "int32", []int64{2}, []float64{1, 2}},
			{"shape", "int32", []int64{2}, []float64{1, -1}},
		},
		[]gNode{
			{"name": "conv", "op": "Conv2D", "input": []string{"x", "w"}, "attr": map[string]any{
				"strides": attrList(1, 1, 1, 1), "padding": attrS("VALID")}},
			{"name": "biased", "op": "BiasAdd", "input": []string{"conv", "bias"}},
			{"name": "cat", "op": "ConcatV2", "input": []string{"biased", "x", "axis"}},
			{"name": "mean", "op": "Mean", "input": []string{"cat", "red"}, "attr": map[string]any{"keep_dims": attrB(false)}},
			{"name": "flat", "op": "Reshape", "input": []string{"cat", "shape"}},
		})
	x := []float32{1, 2, 3, 4, 5, 6, 7, 8} // pixels (a,b): (1,2) (3,4) (5,6) (7,8)
	out := runGraph(t, dir, []string{"mean", "flat"}, []int64{1, 2, 2, 2}, x)
	expectValues(t, "mean", out["mean"], []int64{1, 5}, []float64{104, 205, 309, 4, 5}, 1e-4)
	expectValues(t, "flat", out["flat"], []int64{1, 20}, []float64{
		101, 202, 303, 1, 2, 103, 204, 307, 3, 4, 105, 206, 311, 5, 6, 107, 208, 315, 7, 8}, 1e-4)
}

// TestGraphFusedPrelu covers _FusedConv2D with BiasAdd+Prelu (slopes per
// channel, so they must follow the NCHW layout) and _FusedMatMul with
// BiasAdd+Relu.
func TestGraphFusedPrelu(t *testing.T) {
	fused := func(ops ...string) map[string]any {
		return map[string]any{"list": map[string]any{"s": func() []string {
			var out []string
			for _, o := range ops {
				out = append(out, b64(o))
			}
			return out
		}()}}
	}
	dir := writeGraphModel(t, []int64{1, 1, 2, 2},
		[]gConst{
			{"w", "float32", []int64{1, 1, 2, 2}, []float64{1, 0, 0, 1}}, // identity 1x1
			{"bias", "float32", []int64{2}, []float64{0, -10}},
			{"alpha", "float32", []int64{2}, []float64{0.5, 0.25}},
			{"shape", "int32", []int64{2}, []float64{1, 4}},
			{"mw", "float32", []int64{4, 1}, []float64{1, 1, 1, 1}},
			{"mb", "float32", []int64{1}, []float64{-10}},
		},
		[]gNode{
			{"name": "conv", "op": "_FusedConv2D", "input": []string{"x", "w", "bias", "alpha"}, "attr": map[string]any{
				"strides": attrList(1, 1, 1, 1), "padding": attrS("VALID"), "fused_ops": fused("BiasAdd", "Prelu"), "num_args": attrI(2)}},
			{"name": "flat", "op": "Reshape", "input": []string{"conv", "shape"}},
			{"name": "mm", "op": "_FusedMatMul", "input": []string{"flat", "mw", "mb"}, "attr": map[string]any{
				"fused_ops": fused("BiasAdd", "Relu"), "num_args": attrI(1)}},
		})
	// Pixels (a, b): (-4, 2) and (6, 20).
	out := runGraph(t, dir, []string{"conv", "mm"}, []int64{1, 1, 2, 2}, []float32{-4, 2, 6, 20})
	// Channel 0: a (slope 0.5 below zero); channel 1: b-10 (slope 0.25).
	expectValues(t, "conv+prelu", out["conv"], []int64{1, 1, 2, 2}, []float64{-2, -2, 6, 10}, 1e-6)
	expectValues(t, "matmul+relu", out["mm"], []int64{1, 1}, []float64{2}, 1e-6)
}
