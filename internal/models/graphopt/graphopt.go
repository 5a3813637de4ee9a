// Package graphopt rewrites exported ONNX graphs into forms ONNX Runtime's
// own optimiser can fuse. Paddle's exporter writes every learnable scale as
// Mul(constant, x) and every hard-swish as four element-wise nodes; ONNX
// Runtime only folds a Mul or Add into the preceding Conv when the constant
// is the second input, and has no pattern for the four-node hard-swish, so
// each of those nodes becomes a full pass over a feature map. On the
// PP-OCRv4 detector at 3968×736 those passes were 60 % of the run.
//
// Every rewrite is algebraically exact; results differ from the original
// graph only by float rounding (the OCR golden tests bound the effect).
package graphopt

import (
	"encoding/binary"
	"fmt"
	"math"

	pb "github.com/aisd/aisd/internal/models/onnxpb"
	"google.golang.org/protobuf/proto"
)

// Stats counts what Optimize changed.
type Stats struct {
	Constants    int // Constant nodes turned into initializers
	Swapped      int // Mul/Add whose constant operand moved to the second input
	HardSwish    int // four-node hard-swish chains replaced by HardSigmoid+Mul
	FoldedConv   int // Mul/Add by a constant folded into a neighbouring Conv
	AffineConv   int // scalar Mul+Add pairs turned into one depthwise 1×1 Conv
	FoldedConvT  int // Add/Mul/BatchNormalization folded into a ConvTranspose
	ResidualGate int // x + x·gate rewritten as x·(gate + 1)
}

// OptimizeBytes parses an ONNX model, rewrites it and serialises it again.
func OptimizeBytes(data []byte) ([]byte, Stats, error) {
	var m pb.ModelProto
	if err := proto.Unmarshal(data, &m); err != nil {
		return nil, Stats{}, fmt.Errorf("graphopt: parse: %w", err)
	}
	st, err := Optimize(&m)
	if err != nil {
		return nil, st, err
	}
	out, err := proto.MarshalOptions{Deterministic: true}.Marshal(&m)
	if err != nil {
		return nil, st, fmt.Errorf("graphopt: serialise: %w", err)
	}
	return out, st, nil
}

// Optimize rewrites m in place.
func Optimize(m *pb.ModelProto) (Stats, error) {
	g := m.GetGraph()
	if g == nil {
		return Stats{}, fmt.Errorf("graphopt: model has no graph")
	}
	var st Stats
	st.Constants = constantsToInitializers(g)
	st.Swapped = canonicalConstOperand(g)
	st.HardSwish = hardSwish(g)
	for {
		n := foldIntoConvBefore(g) + foldIntoConvAfter(g)
		if n == 0 {
			break
		}
		st.FoldedConv += n
	}
	st.AffineConv = affineAsConv(g)
	st.FoldedConvT = foldIntoConvTranspose(g)
	st.ResidualGate = residualGate(g)
	return st, nil
}

// graph indexes a GraphProto for the rewrites.
type graph struct {
	g     *pb.GraphProto
	inits map[string]*pb.TensorProto
	// uses counts how many node inputs (and graph outputs) read a value.
	uses     map[string]int
	producer map[string]int
}

func index(g *pb.GraphProto) *graph {
	x := &graph{g: g, inits: map[string]*pb.TensorProto{}, uses: map[string]int{}, producer: map[string]int{}}
	for _, t := range g.Initializer {
		x.inits[t.GetName()] = t
	}
	for i, n := range g.Node {
		for _, in := range n.Input {
			x.uses[in]++
		}
		for _, o := range n.Output {
			x.producer[o] = i
		}
	}
	for _, o := range g.Output {
		x.uses[o.GetName()]++
	}
	return x
}

// constantsToInitializers moves the value of every tensor-valued Constant
// node into the graph's initializers, so the rewrites below can read it.
func constantsToInitializers(g *pb.GraphProto) int {
	n := 0
	kept := g.Node[:0]
	for _, node := range g.Node {
		if node.GetOpType() == "Constant" && node.GetDomain() == "" && len(node.Output) == 1 && len(node.Attribute) == 1 &&
			node.Attribute[0].GetName() == "value" && node.Attribute[0].GetT() != nil {
			t := proto.Clone(node.Attribute[0].GetT()).(*pb.TensorProto)
			t.Name = proto.String(node.Output[0])
			g.Initializer = append(g.Initializer, t)
			n++
			continue
		}
		kept = append(kept, node)
	}
	g.Node = kept
	return n
}

// canonicalConstOperand puts the constant operand of Mul and Add second.
func canonicalConstOperand(g *pb.GraphProto) int {
	x := index(g)
	n := 0
	for _, node := range g.Node {
		if (node.GetOpType() == "Mul" || node.GetOpType() == "Add") && len(node.Input) == 2 {
			if _, c0 := x.inits[node.Input[0]]; c0 {
				if _, c1 := x.inits[node.Input[1]]; !c1 {
					node.Input[0], node.Input[1] = node.Input[1], node.Input[0]
					n++
				}
			}
		}
	}
	return n
}

// scalar returns the single float value of initializer name.
func (x *graph) scalar(name string) (float32, bool) {
	t, ok := x.inits[name]
	if !ok || t.GetDataType() != int32(pb.TensorProto_FLOAT) {
		return 0, false
	}
	n := int64(1)
	for _, d := range t.Dims {
		n *= d
	}
	if n != 1 {
		return 0, false
	}
	switch {
	case len(t.FloatData) == 1:
		return t.FloatData[0], true
	case len(t.RawData) == 4:
		return math.Float32frombits(binary.LittleEndian.Uint32(t.RawData)), true
	}
	return 0, false
}

// hardSwish replaces x*Clip(x+3, 0, 6)/6 — Add, Clip, Mul, Div — by
// x*HardSigmoid(x; 1/6, 1/2), which is the same function in two nodes.
func hardSwish(g *pb.GraphProto) int {
	x := index(g)
	consumers := map[string][]*pb.NodeProto{}
	for _, n := range g.Node {
		for _, in := range n.Input {
			consumers[in] = append(consumers[in], n)
		}
	}
	only := func(v string, op string) *pb.NodeProto {
		c := consumers[v]
		if len(c) != 1 || c[0].GetOpType() != op || x.uses[v] != 1 {
			return nil
		}
		return c[0]
	}
	drop := map[*pb.NodeProto]bool{}
	count := 0
	for _, add := range g.Node {
		if add.GetOpType() != "Add" || len(add.Input) != 2 || drop[add] {
			continue
		}
		if v, ok := x.scalar(add.Input[1]); !ok || v != 3 {
			continue
		}
		in := add.Input[0]
		clip := only(add.Output[0], "Clip")
		if clip == nil || !x.clipBounds(clip, 0, 6) {
			continue
		}
		mul := only(clip.Output[0], "Mul")
		if mul == nil || len(mul.Input) != 2 {
			continue
		}
		other := mul.Input[0]
		if other == clip.Output[0] {
			other = mul.Input[1]
		}
		if other != in {
			continue
		}
		div := only(mul.Output[0], "Div")
		if div == nil || div.Input[0] != mul.Output[0] {
			continue
		}
		if v, ok := x.scalar(div.Input[1]); !ok || v != 6 {
			continue
		}
		// Reuse the Add node as HardSigmoid and the Div node as the Mul,
		// keeping the Div's output name for the consumers downstream.
		hs := add.Output[0]
		add.OpType = proto.String("HardSigmoid")
		add.Input = []string{in}
		add.Attribute = []*pb.AttributeProto{
			{Name: proto.String("alpha"), Type: pb.AttributeProto_FLOAT.Enum(), F: proto.Float32(1.0 / 6)},
			{Name: proto.String("beta"), Type: pb.AttributeProto_FLOAT.Enum(), F: proto.Float32(0.5)},
		}
		div.OpType = proto.String("Mul")
		div.Input = []string{in, hs}
		drop[clip], drop[mul] = true, true
		count++
	}
	kept := g.Node[:0]
	for _, n := range g.Node {
		if !drop[n] {
			kept = append(kept, n)
		}
	}
	g.Node = kept
	return count
}

// clipBounds reports whether clip limits to [lo, hi], given as inputs
// (opset 11 on) or as attributes (earlier opsets).
func (x *graph) clipBounds(clip *pb.NodeProto, lo, hi float32) bool {
	if len(clip.Input) == 3 {
		l, ok1 := x.scalar(clip.Input[1])
		h, ok2 := x.scalar(clip.Input[2])
		return ok1 && ok2 && l == lo && h == hi
	}
	if len(clip.Input) != 1 {
		return false
	}
	var l, h *pb.AttributeProto
	for _, a := range clip.Attribute {
		switch a.GetName() {
		case "min":
			l = a
		case "max":
			h = a
		}
	}
	return l != nil && h != nil && l.GetF() == lo && h.GetF() == hi
}

// ReduceClassAxis replaces a model's single [N, T, C] float output (per-step
// class probabilities, as a CTC recogniser ends) with two [N, T] outputs:
// the index of the best class (int64, first on ties) and its probability.
// A greedy CTC decoder needs nothing else, and the full output — 6625
// classes per step for PP-OCR — is no longer copied out of ONNX Runtime.
// It returns the two output names.
func ReduceClassAxis(m *pb.ModelProto) (argmax, maxv string, err error) {
	g := m.GetGraph()
	if g == nil || len(g.Output) != 1 {
		return "", "", fmt.Errorf("graphopt: want a model with one output")
	}
	out := g.Output[0]
	tt := out.GetType().GetTensorType()
	if tt == nil || tt.GetElemType() != int32(pb.TensorProto_FLOAT) || len(tt.GetShape().GetDim()) != 3 {
		return "", "", fmt.Errorf("graphopt: output %q is not a rank-3 float tensor", out.GetName())
	}
	name := out.GetName()
	argmax, maxv = name+"_argmax", name+"_max"
	g.Node = append(g.Node,
		&pb.NodeProto{OpType: proto.String("ArgMax"), Input: []string{name}, Output: []string{argmax},
			Attribute: []*pb.AttributeProto{
				{Name: proto.String("axis"), Type: pb.AttributeProto_INT.Enum(), I: proto.Int64(2)},
				{Name: proto.String("keepdims"), Type: pb.AttributeProto_INT.Enum(), I: proto.Int64(0)},
			}},
		&pb.NodeProto{OpType: proto.String("ReduceMax"), Input: []string{name}, Output: []string{maxv},
			Attribute: []*pb.AttributeProto{
				{Name: proto.String("axes"), Type: pb.AttributeProto_INTS.Enum(), Ints: []int64{2}},
				{Name: proto.String("keepdims"), Type: pb.AttributeProto_INT.Enum(), I: proto.Int64(0)},
			}},
	)
	dims := tt.GetShape().GetDim()[:2]
	info := func(n string, elem pb.TensorProto_DataType) *pb.ValueInfoProto {
		return &pb.ValueInfoProto{Name: proto.String(n), Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{TensorType: &pb.TypeProto_Tensor{
			ElemType: proto.Int32(int32(elem)), Shape: &pb.TensorShapeProto{Dim: dims}}}}}
	}
	g.Output = []*pb.ValueInfoProto{info(argmax, pb.TensorProto_INT64), info(maxv, pb.TensorProto_FLOAT)}
	return argmax, maxv, nil
}
