package tfjs

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// TF GraphDef as serialised into a TFJS graph model.
type tfGraph struct {
	Node []tfNode `json:"node"`
}

type tfNode struct {
	Name  string            `json:"name"`
	Op    string            `json:"op"`
	Input []string          `json:"input"`
	Attr  map[string]tfAttr `json:"attr"`
}

type tfAttr struct {
	S      *string   `json:"s"`
	I      *jsonInt  `json:"i"`
	F      *float64  `json:"f"`
	B      *bool     `json:"b"`
	Type   string    `json:"type"`
	List   *tfList   `json:"list"`
	Shape  *tfShape  `json:"shape"`
	Tensor *tfTensor `json:"tensor"`
}

type tfList struct {
	S []string  `json:"s"`
	I []jsonInt `json:"i"`
	F []float64 `json:"f"`
}

type tfShape struct {
	Dim []struct {
		Size jsonInt `json:"size"`
	} `json:"dim"`
	UnknownRank bool `json:"unknownRank"`
}

type tfTensor struct {
	Dtype       string  `json:"dtype"`
	TensorShape tfShape `json:"tensorShape"`
}

// jsonInt accepts int64 written as a JSON string (protobuf JSON) or number.
type jsonInt int64

func (j *jsonInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return err
		}
		v = int64(f)
	}
	*j = jsonInt(v)
	return nil
}

func (n *tfNode) str(k string) string {
	a, ok := n.Attr[k]
	if !ok || a.S == nil {
		return ""
	}
	b, err := base64.StdEncoding.DecodeString(*a.S)
	if err != nil {
		return *a.S
	}
	return string(b)
}

func (n *tfNode) strs(k string) []string {
	a, ok := n.Attr[k]
	if !ok || a.List == nil {
		return nil
	}
	var out []string
	for _, s := range a.List.S {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			out = append(out, s)
			continue
		}
		out = append(out, string(b))
	}
	return out
}

func (n *tfNode) ints(k string) []int64 {
	a, ok := n.Attr[k]
	if !ok || a.List == nil {
		return nil
	}
	out := make([]int64, len(a.List.I))
	for i, v := range a.List.I {
		out[i] = int64(v)
	}
	return out
}

func (n *tfNode) int(k string, def int64) int64 {
	if a, ok := n.Attr[k]; ok && a.I != nil {
		return int64(*a.I)
	}
	return def
}

func (n *tfNode) bool(k string) bool {
	a, ok := n.Attr[k]
	return ok && a.B != nil && *a.B
}

func (n *tfNode) float(k string, def float64) float64 {
	if a, ok := n.Attr[k]; ok && a.F != nil {
		return *a.F
	}
	return def
}

func tfDtype(s string) (dtype, error) {
	switch s {
	case "DT_FLOAT", "":
		return dtFloat, nil
	case "DT_INT32":
		return dtInt32, nil
	case "DT_INT64":
		return dtInt64, nil
	case "DT_BOOL":
		return dtBool, nil
	}
	return 0, fmt.Errorf("unsupported dtype %s", s)
}

// graphSignature lists the model's named inputs/outputs.
type graphSignature struct {
	Inputs  map[string]struct{ Name string } `json:"inputs"`
	Outputs map[string]struct{ Name string } `json:"outputs"`
}

type graphConverter struct {
	b       *builder
	nodes   map[string]*tfNode
	weights map[string]*tensor
	vals    map[string][]*value
	busy    map[string]bool
	// uses counts data inputs reading each node; isOutput marks graph
	// outputs. Both decide whether a value may be folded away.
	uses     map[string]int
	isOutput map[string]bool
}

// splitRef parses "node:idx" (and drops control inputs "^node").
func splitRef(ref string) (string, int, bool) {
	if strings.HasPrefix(ref, "^") {
		return "", 0, false
	}
	if k := strings.LastIndexByte(ref, ':'); k > 0 {
		if idx, err := strconv.Atoi(ref[k+1:]); err == nil {
			return ref[:k], idx, true
		}
	}
	return ref, 0, true
}

// convertGraph translates a TF graph model; outputs are node references
// (from the signature or the caller), named in the ONNX model without a
// trailing ":0".
func convertGraph(b *builder, topology json.RawMessage, weights map[string]*tensor, outputs []string) error {
	var g tfGraph
	if err := json.Unmarshal(topology, &g); err != nil {
		return err
	}
	gc := &graphConverter{b: b, nodes: map[string]*tfNode{}, weights: weights, vals: map[string][]*value{}, busy: map[string]bool{}}
	gc.uses, gc.isOutput = map[string]int{}, map[string]bool{}
	for k := range g.Node {
		gc.nodes[g.Node[k].Name] = &g.Node[k]
		for _, in := range g.Node[k].Input {
			if name, _, ok := splitRef(in); ok {
				gc.uses[name]++
			}
		}
	}
	if len(outputs) == 0 {
		outputs = sinkNodes(g.Node)
	}
	for _, o := range outputs {
		name, _, _ := splitRef(o)
		gc.isOutput[name] = true
	}
	for _, o := range outputs {
		b.reserve(outputName(o))
	}
	// Inputs are declared in graph order so their ONNX order is stable.
	for k := range g.Node {
		if g.Node[k].Op == "Placeholder" {
			if _, err := gc.value(g.Node[k].Name + ":0"); err != nil {
				return err
			}
		}
	}
	for _, o := range outputs {
		v, err := gc.value(o)
		if err != nil {
			return err
		}
		b.output(v, outputName(o))
	}
	return nil
}

// outputName is the ONNX name of a graph output reference: the node name,
// with _k appended for output k > 0.
func outputName(ref string) string {
	name, idx, _ := splitRef(ref)
	if idx != 0 {
		return fmt.Sprintf("%s_%d", name, idx)
	}
	return name
}

// sinkNodes are nodes no other node consumes, in graph order.
func sinkNodes(nodes []tfNode) []string {
	used := map[string]bool{}
	for _, n := range nodes {
		for _, in := range n.Input {
			name, _, ok := splitRef(in)
			if ok {
				used[name] = true
			}
		}
	}
	var out []string
	for _, n := range nodes {
		if !used[n.Name] && n.Op != "Const" && n.Op != "NoOp" {
			out = append(out, n.Name)
		}
	}
	return out
}

func (gc *graphConverter) value(ref string) (*value, error) {
	name, idx, ok := splitRef(ref)
	if !ok {
		return nil, fmt.Errorf("control input %s used as data", ref)
	}
	if vs, done := gc.vals[name]; done {
		if idx >= len(vs) {
			return nil, fmt.Errorf("node %s has no output %d", name, idx)
		}
		return vs[idx], nil
	}
	n, ok := gc.nodes[name]
	if !ok {
		return nil, fmt.Errorf("node %s not found", name)
	}
	if gc.busy[name] {
		return nil, fmt.Errorf("cycle at node %s", name)
	}
	gc.busy[name] = true
	var ins []*value
	for _, in := range n.Input {
		if strings.HasPrefix(in, "^") {
			continue
		}
		v, err := gc.value(in)
		if err != nil {
			return nil, err
		}
		ins = append(ins, v)
	}
	outs, err := gc.convertNode(n, ins)
	if err != nil {
		if strings.HasPrefix(err.Error(), "node ") {
			return nil, err
		}
		return nil, fmt.Errorf("node %s (%s): %w", n.Name, n.Op, err)
	}
	gc.vals[name] = outs
	if idx >= len(outs) {
		return nil, fmt.Errorf("node %s has no output %d", name, idx)
	}
	return outs[idx], nil
}

// singleUse reports whether the node behind ref feeds exactly one input
// of one node and is not a graph output.
func (gc *graphConverter) singleUse(ref string) bool {
	name, _, ok := splitRef(ref)
	return ok && gc.uses[name] == 1 && !gc.isOutput[name]
}

func constInts(v *value) ([]int64, error) {
	if v.c == nil {
		return nil, fmt.Errorf("%s must be constant", v.name)
	}
	return v.c.ints(), nil
}

func (gc *graphConverter) convertNode(n *tfNode, in []*value) ([]*value, error) {
	b := gc.b
	one := func(v *value, err error) ([]*value, error) {
		if err != nil {
			return nil, err
		}
		return []*value{v}, nil
	}
	need := func(k int) error {
		if len(in) < k {
			return fmt.Errorf("expected %d inputs, got %d", k, len(in))
		}
		return nil
	}
	if df := n.str("data_format"); df != "" && df != "NHWC" {
		return nil, fmt.Errorf("data_format %s is not supported", df)
	}
	switch n.Op {
	case "Const":
		t, ok := gc.weights[n.Name]
		if !ok {
			return nil, fmt.Errorf("constant %s has no weights", n.Name)
		}
		return []*value{b.constant(n.Name, t)}, nil
	case "Placeholder":
		dt, err := tfDtype(n.Attr["dtype"].Type)
		if err != nil {
			return nil, err
		}
		s := n.Attr["shape"].Shape
		if s == nil || s.UnknownRank || len(s.Dim) == 0 {
			return nil, fmt.Errorf("input %s has no shape; re-export the model with a fixed input rank", n.Name)
		}
		var shape []int64
		for _, d := range s.Dim {
			shape = append(shape, int64(d.Size))
		}
		return []*value{b.input(n.Name, dt, shape)}, nil
	case "Identity", "StopGradient", "Snapshot":
		if err := need(1); err != nil {
			return nil, err
		}
		return []*value{in[0]}, nil
	case "Conv2D", "DepthwiseConv2dNative", "_FusedConv2D", "FusedDepthwiseConv2dNative":
		return one(gc.conv(n, in))
	case "_FusedMatMul", "MatMul":
		if err := need(2); err != nil {
			return nil, err
		}
		var bias *tensor
		act := activation{}
		if n.Op == "_FusedMatMul" {
			ops := n.strs("fused_ops")
			if len(ops) == 0 || ops[0] != "BiasAdd" || len(in) < 3 || in[2].c == nil {
				return nil, fmt.Errorf("fused ops %v are not supported", ops)
			}
			bias = in[2].c
			var err error
			if act, err = fusedActivation(n, ops[1:], in[3:]); err != nil {
				return nil, err
			}
		}
		return one(b.dense(n.Name, in[0], in[1], bias, n.bool("transpose_a"), n.bool("transpose_b"), act))
	case "Add", "AddV2", "BiasAdd", "Sub", "Mul", "RealDiv", "Div", "Maximum", "Minimum", "FloorDiv", "FloorMod", "Equal":
		if err := need(2); err != nil {
			return nil, err
		}
		// An unfused BatchNorm after a convolution (Mul then Add by
		// per-channel constants) folds into the convolution when nothing
		// else reads the intermediate value.
		for k := 0; k < 2; k++ {
			x, c := in[k], in[1-k]
			if n.Op == "Sub" && k == 1 {
				break // c - conv(x) does not fold
			}
			if gc.singleUse(n.Input[k]) {
				if v := b.foldIntoConv(n.Name, n.Op, x, c); v != nil {
					return []*value{v}, nil
				}
			}
		}
		return one(b.binary(n.Name, n.Op, in[0], in[1]))
	case "AddN":
		out := in[0]
		for k := 1; k < len(in); k++ {
			v, err := b.binary(fmt.Sprintf("%s_%d", n.Name, k), "Add", out, in[k])
			if err != nil {
				return nil, err
			}
			out = v
		}
		return []*value{out}, nil
	case "Relu", "Relu6", "Sigmoid", "Tanh", "Abs", "Square", "Rsqrt", "Sqrt", "Exp", "Neg", "Elu", "Floor", "Log", "Softplus":
		if err := need(1); err != nil {
			return nil, err
		}
		return one(b.unary(n.Name, n.Op, in[0]))
	case "LeakyRelu":
		return one(b.activate(n.Name, in[0], activation{kind: "LeakyRelu", alpha: float32(n.float("alpha", 0.2))}))
	case "Prelu":
		if err := need(2); err != nil {
			return nil, err
		}
		if in[1].c == nil {
			return nil, fmt.Errorf("prelu needs constant slopes")
		}
		return one(b.prelu(n.Name, in[0], in[1].c))
	case "Softmax":
		return one(b.softmax(n.Name, in[0], -1), nil)
	case "Cast":
		dt, err := tfDtype(n.Attr["DstT"].Type)
		if err != nil {
			return nil, err
		}
		return one(b.cast(n.Name, in[0], dt), nil)
	case "Mean", "Sum", "Max":
		if err := need(2); err != nil {
			return nil, err
		}
		axes, err := constInts(in[1])
		if err != nil {
			return nil, err
		}
		return one(b.reduce(n.Name, n.Op, in[0], axes, n.bool("keep_dims")))
	case "MaxPool", "AvgPool":
		k, s := n.ints("ksize"), n.ints("strides")
		if len(k) != 4 || len(s) != 4 || k[0] != 1 || k[3] != 1 || s[0] != 1 || s[3] != 1 {
			return nil, fmt.Errorf("unsupported pooling window %v stride %v", k, s)
		}
		kind := "max"
		if n.Op == "AvgPool" {
			kind = "avg"
		}
		return one(b.pool(n.Name, kind, in[0], [2]int64{k[1], k[2]}, [2]int64{s[1], s[2]}, n.str("padding")))
	case "Pad", "PadV2":
		if err := need(2); err != nil {
			return nil, err
		}
		p, err := constInts(in[1])
		if err != nil {
			return nil, err
		}
		if n.Op == "PadV2" && len(in) > 2 && (in[2].c == nil || in[2].c.at(0) != 0) {
			return nil, fmt.Errorf("padding with a non-zero value is not supported")
		}
		pads := make([][2]int64, len(p)/2)
		for k := range pads {
			pads[k] = [2]int64{p[2*k], p[2*k+1]}
		}
		return one(b.pad(n.Name, in[0], pads))
	case "Reshape":
		if err := need(2); err != nil {
			return nil, err
		}
		shape, err := constInts(in[1])
		if err != nil {
			return nil, err
		}
		return one(b.reshape(n.Name, in[0], shape))
	case "Squeeze":
		return one(b.squeeze(n.Name, in[0], n.ints("squeeze_dims")))
	case "ExpandDims":
		if err := need(2); err != nil {
			return nil, err
		}
		ax, err := constInts(in[1])
		if err != nil {
			return nil, err
		}
		return one(b.expandDims(n.Name, in[0], ax[0]))
	case "ConcatV2":
		if err := need(2); err != nil {
			return nil, err
		}
		ax, err := constInts(in[len(in)-1])
		if err != nil {
			return nil, err
		}
		return one(b.concat(n.Name, in[:len(in)-1], ax[0]))
	case "StridedSlice":
		if err := need(4); err != nil {
			return nil, err
		}
		var s sliceSpec
		var err error
		if s.begin, err = constInts(in[1]); err != nil {
			return nil, err
		}
		if s.end, err = constInts(in[2]); err != nil {
			return nil, err
		}
		if s.strides, err = constInts(in[3]); err != nil {
			return nil, err
		}
		s.beginMask, s.endMask = n.int("begin_mask", 0), n.int("end_mask", 0)
		s.shrinkMask, s.newAxisMask, s.ellipsisMask = n.int("shrink_axis_mask", 0), n.int("new_axis_mask", 0), n.int("ellipsis_mask", 0)
		return one(b.stridedSlice(n.Name, in[0], s))
	case "ResizeBilinear":
		if err := need(2); err != nil {
			return nil, err
		}
		size, err := constInts(in[1])
		if err != nil {
			return nil, err
		}
		return one(b.resizeBilinear(n.Name, in[0], size[0], size[1], n.bool("align_corners"), n.bool("half_pixel_centers")))
	case "TopKV2":
		if err := need(2); err != nil {
			return nil, err
		}
		k, err := constInts(in[1])
		if err != nil {
			return nil, err
		}
		vals, idx := b.topK(n.Name, in[0], k[0])
		return []*value{vals, idx}, nil
	case "GatherV2":
		if err := need(3); err != nil {
			return nil, err
		}
		if n.int("batch_dims", 0) != 0 {
			return nil, fmt.Errorf("GatherV2 with batch_dims is not supported")
		}
		ax, err := constInts(in[2])
		if err != nil {
			return nil, err
		}
		return one(b.gather(n.Name, in[0], in[1], ax[0]))
	}
	return nil, fmt.Errorf("unsupported op %s (node %s)", n.Op, n.Name)
}

// fusedActivation reads the activation that follows BiasAdd in fused_ops.
func fusedActivation(n *tfNode, ops []string, args []*value) (activation, error) {
	if len(ops) == 0 {
		return activation{}, nil
	}
	if len(ops) > 1 {
		return activation{}, fmt.Errorf("fused ops %v are not supported", n.strs("fused_ops"))
	}
	switch ops[0] {
	case "Prelu":
		if len(args) < 1 || args[0].c == nil {
			return activation{}, fmt.Errorf("fused Prelu needs constant slopes")
		}
		return activation{kind: "Prelu", slope: args[0].c}, nil
	case "Relu", "Relu6", "Sigmoid", "Tanh", "Elu":
		return activation{kind: ops[0]}, nil
	case "LeakyRelu":
		return activation{kind: "LeakyRelu", alpha: float32(n.float("leakyrelu_alpha", 0.2))}, nil
	}
	return activation{}, fmt.Errorf("fused activation %s is not supported", ops[0])
}

func (gc *graphConverter) conv(n *tfNode, in []*value) (*value, error) {
	if len(in) < 2 {
		return nil, fmt.Errorf("expected filter input")
	}
	x, w := in[0], in[1]
	if w.c == nil {
		return nil, fmt.Errorf("filter must be constant")
	}
	s, d := n.ints("strides"), n.ints("dilations")
	if len(s) != 4 || s[0] != 1 || s[3] != 1 {
		return nil, fmt.Errorf("unsupported strides %v", s)
	}
	cs := convSpec{strides: [2]int64{s[1], s[2]}, dilations: [2]int64{1, 1}, padding: n.str("padding"),
		depthwise: strings.Contains(n.Op, "Depthwise")}
	if len(d) == 4 {
		cs.dilations = [2]int64{d[1], d[2]}
	}
	if cs.padding == "EXPLICIT" {
		e := n.ints("explicit_paddings")
		if len(e) != 8 {
			return nil, fmt.Errorf("bad explicit_paddings %v", e)
		}
		cs.explicit = [4]int64{e[2], e[3], e[4], e[5]}
	}
	var bias *tensor
	act := activation{}
	if strings.HasPrefix(n.Op, "_Fused") || strings.HasPrefix(n.Op, "Fused") {
		ops := n.strs("fused_ops")
		args := in[2:]
		switch {
		case len(ops) > 0 && ops[0] == "BiasAdd":
			if len(args) < 1 || args[0].c == nil {
				return nil, fmt.Errorf("BiasAdd needs a constant bias")
			}
			bias = args[0].c
			args = args[1:]
		default:
			return nil, fmt.Errorf("fused ops %v are not supported", ops)
		}
		var err error
		if act, err = fusedActivation(n, ops[1:], args); err != nil {
			return nil, err
		}
	}
	return gc.b.conv(n.Name, x, w.c, bias, cs, act)
}
