package tfjs

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"

	pb "github.com/aisd/aisd/internal/models/onnxpb"
	"google.golang.org/protobuf/proto"
)

// opsetVersion is the ONNX operator set the converter targets: recent enough
// for Resize coordinate modes and axes-as-input reductions that ONNX
// Runtime runs everywhere.
const opsetVersion = 13

// value is one tensor of the TF graph as the builder sees it. Shapes are
// always TF's logical shapes (NHWC for images). Rank-4 runtime values may be
// stored physically as NCHW: the builder keeps convolutions and the
// elementwise ops around them in NCHW and only transposes back where a
// layout-sensitive op (reshape, slice, output) needs NHWC.
type value struct {
	name    string
	dt      dtype
	shape   []int64
	nchw    bool
	c       *tensor // constant data in logical layout; nil for runtime values
	emitted bool    // constant already written as an initializer
	twin    *value  // the same tensor in the other layout, once made
	// conv is set on the output of a Conv node without activation, so a
	// following per-channel Mul/Add (an unfused BatchNorm) can be folded
	// into its weights.
	conv *convInfo
}

type convInfo struct {
	node *pb.NodeProto
	w, b *tensor // OIHW filter and bias (nil: none yet)
	cout int64
}

func (v *value) rank() int { return len(v.shape) }

// builder accumulates ONNX nodes and initialisers.
type builder struct {
	nodes   []*pb.NodeProto
	inits   []*pb.TensorProto
	inputs  []*pb.ValueInfoProto
	outputs []*pb.ValueInfoProto
	names   map[string]bool
	// reserved are output names kept away from internal values.
	reserved []string
}

func newBuilder() *builder { return &builder{names: map[string]bool{}} }

// fresh returns a value name not used before, based on base.
func (b *builder) fresh(base string) string {
	if base == "" {
		base = "v"
	}
	if !b.names[base] {
		b.names[base] = true
		return base
	}
	for k := 1; ; k++ {
		n := base + "_" + strconv.Itoa(k)
		if !b.names[n] {
			b.names[n] = true
			return n
		}
	}
}

func (b *builder) constant(name string, t *tensor) *value {
	return &value{name: b.fresh(name), dt: t.dt, shape: append([]int64(nil), t.shape...), c: t}
}

func (b *builder) floatConst(name string, shape []int64, f ...float32) *value {
	return b.constant(name, floatTensor(shape, f))
}

func (b *builder) int64Const(name string, v ...int64) *value {
	return b.constant(name, intTensor(dtInt64, []int64{int64(len(v))}, v))
}

// ref returns the ONNX name of v, writing constants out on first use so
// that unused weights never reach the model.
func (b *builder) ref(v *value) string {
	if v.c != nil && !v.emitted {
		data := v.c
		if v.nchw {
			data = data.transpose([]int{0, 3, 1, 2})
		}
		b.inits = append(b.inits, tensorProto(v.name, data))
		v.emitted = true
	}
	return v.name
}

func (b *builder) node(op string, ins []*value, outs []string, attrs ...*pb.AttributeProto) {
	n := &pb.NodeProto{OpType: proto.String(op), Name: proto.String(outs[0]), Output: outs, Attribute: attrs}
	for _, in := range ins {
		if in == nil {
			n.Input = append(n.Input, "")
			continue
		}
		n.Input = append(n.Input, b.ref(in))
	}
	b.nodes = append(b.nodes, n)
}

// emit adds a single-output node and returns its output value.
func (b *builder) emit(op, name string, dt dtype, shape []int64, nchw bool, ins []*value, attrs ...*pb.AttributeProto) *value {
	out := &value{name: b.fresh(name), dt: dt, shape: shape, nchw: nchw}
	b.node(op, ins, []string{out.name}, attrs...)
	return out
}

// physAxis maps a logical axis to the stored layout.
func physAxis(v *value, axis int) int {
	if !v.nchw {
		return axis
	}
	return []int{0, 2, 3, 1}[axis]
}

// nhwc returns v in logical (TF) layout.
func (b *builder) nhwc(v *value) *value {
	if !v.nchw {
		return v
	}
	if v.c != nil {
		return &value{name: b.fresh(v.name + "_nhwc"), dt: v.dt, shape: v.shape, c: v.c}
	}
	if v.twin == nil {
		t := b.emit("Transpose", v.name+"_nhwc", v.dt, v.shape, false, []*value{v}, attrInts("perm", 0, 2, 3, 1))
		t.twin, v.twin = v, t
	}
	return v.twin
}

// toNCHW returns a rank-4 v stored as NCHW.
func (b *builder) toNCHW(v *value) *value {
	if v.nchw {
		return v
	}
	if v.rank() != 4 {
		panic(fmt.Sprintf("toNCHW on rank-%d value %s", v.rank(), v.name))
	}
	if v.c != nil {
		return &value{name: b.fresh(v.name + "_nchw"), dt: v.dt, shape: v.shape, nchw: true, c: v.c}
	}
	if v.twin == nil {
		t := b.emit("Transpose", v.name+"_nchw", v.dt, v.shape, true, []*value{v}, attrInts("perm", 0, 3, 1, 2))
		t.twin, v.twin = v, t
	}
	return v.twin
}

// input declares a graph input.
func (b *builder) input(name string, dt dtype, shape []int64) *value {
	v := &value{name: b.fresh(name), dt: dt, shape: append([]int64(nil), shape...)}
	b.inputs = append(b.inputs, valueInfo(v.name, dt, shape))
	return v
}

// reserve keeps names free for the graph outputs declared at the end.
func (b *builder) reserve(names ...string) {
	for _, n := range names {
		b.names[n] = true
		b.reserved = append(b.reserved, n)
	}
}

// output declares v as a graph output called name (reserved earlier, or
// made unique here), in logical layout.
func (b *builder) output(v *value, name string) {
	v = b.nhwc(v)
	isReserved := false
	for _, r := range b.reserved {
		isReserved = isReserved || r == name
	}
	if !isReserved {
		name = b.fresh(name)
	}
	b.node("Identity", []*value{v}, []string{name})
	b.outputs = append(b.outputs, valueInfo(name, v.dt, v.shape))
}

// model assembles the ONNX model, dropping nodes and initialisers that no
// output depends on.
func (b *builder) model(graphName string, meta map[string]string) *pb.ModelProto {
	needed := map[string]bool{}
	for _, o := range b.outputs {
		needed[o.GetName()] = true
	}
	keep := make([]bool, len(b.nodes))
	for k := len(b.nodes) - 1; k >= 0; k-- {
		n := b.nodes[k]
		for _, o := range n.Output {
			if needed[o] {
				keep[k] = true
			}
		}
		if keep[k] {
			for _, in := range n.Input {
				needed[in] = true
			}
		}
	}
	g := &pb.GraphProto{Name: proto.String(graphName), Input: b.inputs, Output: b.outputs}
	for k, n := range b.nodes {
		if keep[k] {
			g.Node = append(g.Node, n)
		}
	}
	for _, t := range b.inits {
		if needed[t.GetName()] {
			g.Initializer = append(g.Initializer, t)
		}
	}
	m := &pb.ModelProto{
		IrVersion:    proto.Int64(7),
		OpsetImport:  []*pb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(opsetVersion)}},
		ProducerName: proto.String("aisd-tfjs"),
		Graph:        g,
	}
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		m.MetadataProps = append(m.MetadataProps, &pb.StringStringEntryProto{Key: proto.String(k), Value: proto.String(meta[k])})
	}
	return m
}

func onnxType(dt dtype) int32 {
	switch dt {
	case dtInt32:
		return int32(pb.TensorProto_INT32)
	case dtInt64:
		return int32(pb.TensorProto_INT64)
	case dtBool:
		return int32(pb.TensorProto_BOOL)
	}
	return int32(pb.TensorProto_FLOAT)
}

func valueInfo(name string, dt dtype, shape []int64) *pb.ValueInfoProto {
	sh := &pb.TensorShapeProto{}
	for k, d := range shape {
		dim := &pb.TensorShapeProto_Dimension{}
		if d < 0 {
			dim.Value = &pb.TensorShapeProto_Dimension_DimParam{DimParam: "d" + strconv.Itoa(k)}
			if k == 0 {
				dim.Value = &pb.TensorShapeProto_Dimension_DimParam{DimParam: "batch"}
			}
		} else {
			dim.Value = &pb.TensorShapeProto_Dimension_DimValue{DimValue: d}
		}
		sh.Dim = append(sh.Dim, dim)
	}
	return &pb.ValueInfoProto{
		Name: proto.String(name),
		Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{TensorType: &pb.TypeProto_Tensor{
			ElemType: proto.Int32(onnxType(dt)), Shape: sh}}},
	}
}

func tensorProto(name string, t *tensor) *pb.TensorProto {
	tp := &pb.TensorProto{Name: proto.String(name), Dims: append([]int64{}, t.shape...), DataType: proto.Int32(onnxType(t.dt))}
	n := t.size()
	var raw []byte
	switch t.dt {
	case dtFloat:
		raw = make([]byte, 4*n)
		for k, v := range t.f {
			binary.LittleEndian.PutUint32(raw[4*k:], math.Float32bits(v))
		}
	case dtInt32:
		raw = make([]byte, 4*n)
		for k, v := range t.i {
			binary.LittleEndian.PutUint32(raw[4*k:], uint32(int32(v)))
		}
	case dtInt64:
		raw = make([]byte, 8*n)
		for k, v := range t.i {
			binary.LittleEndian.PutUint64(raw[8*k:], uint64(v))
		}
	case dtBool:
		raw = make([]byte, n)
		for k, v := range t.i {
			raw[k] = byte(b2i(v != 0))
		}
	}
	tp.RawData = raw
	return tp
}

func attrInt(name string, v int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

func attrInts(name string, v ...int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INTS.Enum(), Ints: append([]int64{}, v...)}
}

func attrFloat(name string, v float32) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_FLOAT.Enum(), F: proto.Float32(v)}
}

func attrString(name, v string) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_STRING.Enum(), S: []byte(v)}
}
