package graphopt

import (
	"context"
	"math"
	"math/rand"
	"testing"

	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/engine/enginetest"
	pb "github.com/aisd/aisd/internal/models/onnxpb"
	"google.golang.org/protobuf/proto"
)

// gb builds small ONNX graphs the way Paddle's exporter writes them.
type gb struct {
	g   *pb.GraphProto
	rnd *rand.Rand
	n   int
}

func newGB(opset int64) (*gb, *pb.ModelProto) {
	g := &pb.GraphProto{Name: proto.String("t")}
	m := &pb.ModelProto{IrVersion: proto.Int64(7), Graph: g,
		OpsetImport: []*pb.OperatorSetIdProto{{Version: proto.Int64(opset)}}}
	return &gb{g: g, rnd: rand.New(rand.NewSource(7))}, m
}

func (b *gb) name(p string) string { b.n++; return p + "_" + itoa(b.n) }

// constant adds a Constant node, as Paddle's exporter does for weights.
func (b *gb) constant(dims []int64, v ...float32) string {
	out := b.name("const")
	t := &pb.TensorProto{Dims: dims, DataType: proto.Int32(int32(pb.TensorProto_FLOAT)), FloatData: v}
	b.g.Node = append(b.g.Node, &pb.NodeProto{OpType: proto.String("Constant"), Output: []string{out},
		Attribute: []*pb.AttributeProto{{Name: proto.String("value"), Type: pb.AttributeProto_TENSOR.Enum(), T: t}}})
	return out
}

func (b *gb) random(dims ...int64) string {
	n := int64(1)
	for _, d := range dims {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(b.rnd.NormFloat64() * 0.3)
	}
	return b.constant(dims, v...)
}

func (b *gb) op(typ string, ins []string, attrs ...*pb.AttributeProto) string {
	out := b.name(typ)
	b.g.Node = append(b.g.Node, &pb.NodeProto{OpType: proto.String(typ), Input: ins, Output: []string{out}, Attribute: attrs})
	return out
}

func ints(name string, v ...int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INTS.Enum(), Ints: v}
}

func intAttr(name string, v int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

func floatAttr(name string, v float32) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_FLOAT.Enum(), F: proto.Float32(v)}
}

func scalar(b *gb, v float32) string { return b.constant([]int64{1}, v) }

// hardSwishChain is x*Clip(x+3,0,6)/6 with Clip's bounds as inputs
// (opset ≥ 11) or attributes.
func (b *gb) hardSwishChain(x string, clipInputs bool) string {
	a := b.op("Add", []string{x, scalar(b, 3)})
	var c string
	if clipInputs {
		c = b.op("Clip", []string{a, b.constant(nil, 0), b.constant(nil, 6)})
	} else {
		c = b.op("Clip", []string{a}, floatAttr("min", 0), floatAttr("max", 6))
	}
	m := b.op("Mul", []string{x, c})
	return b.op("Div", []string{m, scalar(b, 6)})
}

func io(name string, c int64) *pb.ValueInfoProto {
	dim := func(p string) *pb.TensorShapeProto_Dimension {
		return &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimParam{DimParam: p}}
	}
	cd := &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimValue{DimValue: c}}
	return &pb.ValueInfoProto{Name: proto.String(name), Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{TensorType: &pb.TypeProto_Tensor{
		ElemType: proto.Int32(int32(pb.TensorProto_FLOAT)),
		Shape:    &pb.TensorShapeProto{Dim: []*pb.TensorShapeProto_Dimension{dim("n"), cd, dim("h"), dim("w")}},
	}}}}
}

// lcnetBlock is the PP-LCNetV3 pattern: conv, learnable affine (constant
// first), hard-swish, learnable affine, then a padded depthwise conv whose
// input also feeds a 1×1 conv, and a 1×1 conv after a second affine.
func lcnetModel(opset int64, clipInputs bool) *pb.ModelProto {
	b, m := newGB(opset)
	b.g.Input = []*pb.ValueInfoProto{io("x", 3)}
	c1 := b.op("Conv", []string{"x", b.random(8, 3, 3, 3)}, ints("pads", 1, 1, 1, 1), ints("kernel_shape", 3, 3))
	a1 := b.op("Add", []string{b.op("Mul", []string{scalar(b, 1.3), c1}), scalar(b, -0.2)})
	hs := b.hardSwishChain(a1, clipInputs)
	s := b.op("Add", []string{b.op("Mul", []string{scalar(b, 0.8), hs}), scalar(b, 0.4)})
	dw := b.op("Conv", []string{s, b.random(8, 1, 3, 3), b.random(8)}, ints("pads", 1, 1, 1, 1), intAttr("group", 8), ints("kernel_shape", 3, 3))
	side := b.op("Conv", []string{s, b.random(8, 8, 1, 1), b.random(8)}, ints("kernel_shape", 1, 1))
	hs2 := b.hardSwishChain(dw, clipInputs)
	s2 := b.op("Add", []string{b.op("Mul", []string{hs2, scalar(b, 1.1)}), scalar(b, -0.3)})
	pw := b.op("Conv", []string{s2, b.random(8, 8, 1, 1), b.random(8)}, ints("kernel_shape", 1, 1))
	out := b.op("Add", []string{pw, side})
	// The detector neck's residual squeeze-excitation, x + x·gate.
	gate := b.op("HardSigmoid", []string{b.op("Conv", []string{b.op("GlobalAveragePool", []string{out}), b.random(8, 8, 1, 1), b.random(8)})},
		floatAttr("alpha", 0.2), floatAttr("beta", 0.5))
	se := b.op("Add", []string{out, b.op("Mul", []string{out, gate})})
	// The DB head's upsampling: ConvTranspose, bias Add, batch norm, Relu.
	up := b.op("ConvTranspose", []string{se, b.random(8, 4, 2, 2)}, ints("kernel_shape", 2, 2), ints("strides", 2, 2))
	up = b.op("Add", []string{up, b.random(1, 4, 1, 1)})
	bn := b.op("BatchNormalization", []string{up, b.random(4), b.random(4), b.random(4), b.constant([]int64{4}, 0.5, 1, 1.5, 2)}, floatAttr("epsilon", 1e-5))
	b.g.Node = append(b.g.Node, &pb.NodeProto{OpType: proto.String("Relu"), Input: []string{bn}, Output: []string{"y"}})
	b.g.Output = []*pb.ValueInfoProto{io("y", 4)}
	return m
}

func count(m *pb.ModelProto) map[string]int {
	c := map[string]int{}
	for _, n := range m.Graph.Node {
		c[n.GetOpType()]++
	}
	return c
}

func TestOptimizeRewrites(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opset      int64
		clipInputs bool
	}{{"opset 11 clip inputs", 11, true}, {"opset 9 clip attributes", 9, false}} {
		t.Run(tc.name, func(t *testing.T) {
			m := lcnetModel(tc.opset, tc.clipInputs)
			st, err := Optimize(m)
			if err != nil {
				t.Fatal(err)
			}
			want := Stats{Constants: st.Constants, Swapped: 2, HardSwish: 2, FoldedConv: 3, AffineConv: 1, FoldedConvT: 2, ResidualGate: 1}
			if st != want {
				t.Fatalf("stats %+v, want %+v", st, want)
			}
			got := count(m)
			// Left: 5 Convs of the model + 1 for the shared affine; the two
			// hard-swishes as HardSigmoid+Mul; the block's residual Add;
			// the gate as HardSigmoid, Add on the gate and one Mul; the
			// ConvTranspose with bias and batch norm folded in, and Relu.
			exp := map[string]int{"Conv": 6, "HardSigmoid": 3, "Mul": 3, "Add": 2, "GlobalAveragePool": 1, "ConvTranspose": 1, "Relu": 1}
			for op, n := range exp {
				if got[op] != n {
					t.Errorf("%d %s nodes, want %d (all: %v)", got[op], op, n, got)
				}
			}
			for op := range got {
				if _, ok := exp[op]; !ok {
					t.Errorf("unexpected %s left: %v", op, got)
				}
			}
		})
	}
}

// A Mul or Add whose result is read twice, or a Conv whose weights are
// shared, must stay as it is.
func TestOptimizeLeavesSharedValues(t *testing.T) {
	b, m := newGB(11)
	b.g.Input = []*pb.ValueInfoProto{io("x", 3)}
	w := b.random(4, 3, 1, 1)
	c1 := b.op("Conv", []string{"x", w})
	c2 := b.op("Conv", []string{"x", w})
	m1 := b.op("Mul", []string{c1, scalar(b, 2)})
	sum := b.op("Add", []string{m1, c2})
	twice := b.op("Mul", []string{sum, scalar(b, 3)})
	b.g.Node = append(b.g.Node, &pb.NodeProto{OpType: proto.String("Add"), Input: []string{twice, twice}, Output: []string{"y"}})
	b.g.Output = []*pb.ValueInfoProto{io("y", 4)}
	st, err := Optimize(m)
	if err != nil {
		t.Fatal(err)
	}
	if st.FoldedConv != 0 || st.AffineConv != 0 || st.HardSwish != 0 {
		t.Fatalf("rewrote shared values: %+v", st)
	}
	if got := count(m); got["Mul"] != 2 || got["Conv"] != 2 {
		t.Fatalf("nodes %v", got)
	}
}

// The rewritten graph computes what the original does, within float
// rounding, through ONNX Runtime.
func TestOptimizedGraphAgrees(t *testing.T) {
	enginetest.Init(t)
	for _, opset := range []int64{9, 11} {
		orig, err := proto.Marshal(lcnetModel(opset, opset >= 11))
		if err != nil {
			t.Fatal(err)
		}
		opt, _, err := OptimizeBytes(orig)
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, 2*3*17*23)
		r := rand.New(rand.NewSource(1))
		for i := range x {
			x[i] = float32(r.NormFloat64() * 2)
		}
		run := func(data []byte) []float32 {
			m, err := engine.OpenData("t.onnx", data, engine.Options{IntraOpThreads: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			out, err := m.Run(context.Background(), []engine.Tensor{{Shape: []int64{2, 3, 17, 23}, Data: x}})
			if err != nil {
				t.Fatal(err)
			}
			return out[0].Data
		}
		a, b := run(orig), run(opt)
		var worst float64
		for i := range a {
			worst = math.Max(worst, math.Abs(float64(a[i]-b[i]))/(1+math.Abs(float64(a[i]))))
		}
		if worst > 1e-5 {
			t.Fatalf("opset %d: optimised graph differs by %g", opset, worst)
		}
	}
}
