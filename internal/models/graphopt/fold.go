package graphopt

import (
	"encoding/binary"
	"math"

	pb "github.com/aisd/aisd/internal/models/onnxpb"
	"google.golang.org/protobuf/proto"
)

// floats returns a copy of a float initializer's values and its dims.
func (x *graph) floats(name string) ([]float32, []int64, bool) {
	t, ok := x.inits[name]
	if !ok || t.GetDataType() != int32(pb.TensorProto_FLOAT) || t.GetDataLocation() == pb.TensorProto_EXTERNAL {
		return nil, nil, false
	}
	n := int64(1)
	for _, d := range t.Dims {
		n *= d
	}
	out := make([]float32, n)
	switch {
	case int64(len(t.FloatData)) == n:
		copy(out, t.FloatData)
	case int64(len(t.RawData)) == 4*n:
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.RawData[4*i:]))
		}
	default:
		return nil, nil, false
	}
	return out, append([]int64(nil), t.Dims...), true
}

// put stores values as a new initializer named after base and returns its
// name; a fresh name keeps initializers other nodes share untouched.
func (x *graph) put(base string, v []float32, dims []int64) string {
	name := base
	for i := 1; ; i++ {
		if _, taken := x.inits[name]; !taken && x.uses[name] == 0 {
			if _, produced := x.producer[name]; !produced {
				break
			}
		}
		name = base + "_f" + itoa(i)
	}
	raw := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(f))
	}
	t := &pb.TensorProto{Name: proto.String(name), Dims: dims, DataType: proto.Int32(int32(pb.TensorProto_FLOAT)), RawData: raw}
	x.g.Initializer = append(x.g.Initializer, t)
	x.inits[name] = t
	return name
}

func itoa(i int) string {
	var b [20]byte
	p := len(b)
	for {
		p--
		b[p] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[p:])
		}
	}
}

// perChannel expands a constant that broadcasts over an NCHW tensor's
// channel axis (a scalar, [C], [C,1,1] or [1,C,1,1]) to c values.
func (x *graph) perChannel(name string, c int) ([]float32, bool) {
	v, dims, ok := x.floats(name)
	if !ok {
		return nil, false
	}
	if len(v) == 1 {
		out := make([]float32, c)
		for i := range out {
			out[i] = v[0]
		}
		return out, true
	}
	if len(v) != c {
		return nil, false
	}
	// The channel axis must be the one holding c: [C], [C,1,1] or [1,C,1,1].
	switch len(dims) {
	case 1, 3:
		if dims[0] != int64(c) {
			return nil, false
		}
	case 4:
		if dims[1] != int64(c) {
			return nil, false
		}
	default:
		return nil, false
	}
	return v, true
}

func attr(n *pb.NodeProto, name string) *pb.AttributeProto {
	for _, a := range n.Attribute {
		if a.GetName() == name {
			return a
		}
	}
	return nil
}

// zeroPads reports whether a Conv adds no padding, so a constant added to
// its input can move into its bias without changing the borders.
func zeroPads(n *pb.NodeProto) bool {
	if a := attr(n, "auto_pad"); a != nil && string(a.GetS()) != "NOTSET" && string(a.GetS()) != "VALID" {
		return false
	}
	if a := attr(n, "pads"); a != nil {
		for _, p := range a.GetInts() {
			if p != 0 {
				return false
			}
		}
	}
	return true
}

func (x *graph) consumers() map[string][]*pb.NodeProto {
	c := map[string][]*pb.NodeProto{}
	for _, n := range x.g.Node {
		for _, in := range n.Input {
			c[in] = append(c[in], n)
		}
	}
	return c
}

func removeNodes(g *pb.GraphProto, drop map[*pb.NodeProto]bool) {
	kept := g.Node[:0]
	for _, n := range g.Node {
		if !drop[n] {
			kept = append(kept, n)
		}
	}
	g.Node = kept
}

// foldIntoConvBefore folds Conv → Mul(k) and Conv → Add(k), k constant per
// output channel, into the Conv's weights and bias:
// k·(W∗x + b) = (kW)∗x + kb and (W∗x + b) + k = W∗x + (b + k).
func foldIntoConvBefore(g *pb.GraphProto) int {
	x := index(g)
	cons := x.consumers()
	drop := map[*pb.NodeProto]bool{}
	n := 0
	for _, conv := range g.Node {
		if conv.GetOpType() != "Conv" || drop[conv] || len(conv.Input) < 2 || len(conv.Output) != 1 {
			continue
		}
		out := conv.Output[0]
		next := cons[out]
		if len(next) != 1 || x.uses[out] != 1 || drop[next[0]] {
			continue
		}
		op := next[0]
		if (op.GetOpType() != "Mul" && op.GetOpType() != "Add") || len(op.Input) != 2 || op.Input[0] != out {
			continue
		}
		w, wd, b, ok := x.weights(conv, 0)
		if !ok {
			continue
		}
		co := int(wd[0])
		k, ok := x.perChannel(op.Input[1], co)
		if !ok {
			continue
		}
		per := len(w) / co
		if op.GetOpType() == "Mul" {
			for o := 0; o < co; o++ {
				for i := 0; i < per; i++ {
					w[o*per+i] *= k[o]
				}
				b[o] *= k[o]
			}
		} else {
			for o := range b {
				b[o] += k[o]
			}
		}
		wn := x.put(conv.Input[1], w, wd)
		bn := x.put(conv.GetName()+"_bias", b, []int64{int64(co)})
		conv.Input = []string{conv.Input[0], wn, bn}
		conv.Output[0] = op.Output[0]
		drop[op] = true
		n++
	}
	removeNodes(g, drop)
	return n
}

// foldIntoConvAfter folds a scalar Mul(c) feeding only a Conv into the
// Conv's weights: W∗(c·x) = (cW)∗x, exact with zero padding too. A scalar
// Add(d) between them moves into the bias when the Conv has no padding
// (W∗(y+d) = W∗y + d·ΣW); with padding it is kept, rewritten as x + d/c
// ahead of the scaled Conv, which still saves the Mul's pass.
func foldIntoConvAfter(g *pb.GraphProto) int {
	x := index(g)
	cons := x.consumers()
	drop := map[*pb.NodeProto]bool{}
	n := 0
	single := func(v string) *pb.NodeProto {
		c := cons[v]
		if len(c) != 1 || x.uses[v] != 1 || drop[c[0]] {
			return nil
		}
		return c[0]
	}
	for _, mul := range g.Node {
		if mul.GetOpType() != "Mul" || drop[mul] || len(mul.Input) != 2 {
			continue
		}
		c, ok := x.scalar(mul.Input[1])
		if !ok || c == 0 {
			continue
		}
		next := single(mul.Output[0])
		if next == nil {
			continue
		}
		var add *pb.NodeProto
		var d float32
		conv := next
		if next.GetOpType() == "Add" && len(next.Input) == 2 && next.Input[0] == mul.Output[0] {
			if d, ok = x.scalar(next.Input[1]); !ok {
				continue
			}
			add = next
			if conv = single(add.Output[0]); conv == nil {
				continue
			}
		}
		if conv.GetOpType() != "Conv" || len(conv.Input) < 2 || conv.Input[0] != next.Output[0] {
			continue
		}
		w, wd, b, ok := x.weights(conv, 0)
		if !ok {
			continue
		}
		co := int(wd[0])
		per := len(w) / co
		if add != nil && zeroPads(conv) {
			for o := 0; o < co; o++ {
				var s float32
				for i := 0; i < per; i++ {
					s += w[o*per+i]
				}
				b[o] += d * s
			}
			drop[add] = true
			add = nil
			conv.Input[0] = mul.Input[0]
		} else if add != nil {
			// The offset stays, as a 1×1 depthwise Conv with unit weights:
			// the same y + d/c per element, but a node ONNX Runtime keeps in
			// its blocked channel layout, where a scalar Add would need a
			// reorder out of it and back.
			x.channelAffine(add, mul.Input[0], int(wd[1])*int(max(1, attrInt(conv, "group"))), 1, d/c)
		} else {
			conv.Input[0] = mul.Input[0]
		}
		for i := range w {
			w[i] *= c
		}
		wn := x.put(conv.Input[1], w, wd)
		bn := x.put(conv.GetName()+"_bias", b, []int64{int64(co)})
		conv.Input = []string{conv.Input[0], wn, bn}
		drop[mul] = true
		n++
	}
	removeNodes(g, drop)
	return n
}

func attrInt(n *pb.NodeProto, name string) int64 {
	if a := attr(n, name); a != nil {
		return a.GetI()
	}
	return 0
}

// channelAffine turns node into a 1×1 depthwise Conv computing
// scale·in + offset on each of c channels.
func (x *graph) channelAffine(node *pb.NodeProto, in string, c int, scale, offset float32) {
	w := make([]float32, c)
	b := make([]float32, c)
	for i := range w {
		w[i], b[i] = scale, offset
	}
	node.OpType = proto.String("Conv")
	node.Input = []string{in, x.put(node.Output[0]+"_scale", w, []int64{int64(c), 1, 1, 1}), x.put(node.Output[0]+"_offset", b, []int64{int64(c)})}
	node.Attribute = []*pb.AttributeProto{{Name: proto.String("group"), Type: pb.AttributeProto_INT.Enum(), I: proto.Int64(int64(c))}}
}

// affineAsConv turns the scalar Mul(c) → Add(d) pairs the folds left (their
// result feeds several nodes) into one 1×1 depthwise Conv: one pass instead
// of two, inside ONNX Runtime's blocked layout. The channel count comes
// from a Conv reading the result.
func affineAsConv(g *pb.GraphProto) int {
	x := index(g)
	cons := x.consumers()
	drop := map[*pb.NodeProto]bool{}
	n := 0
	for _, mul := range g.Node {
		if mul.GetOpType() != "Mul" || len(mul.Input) != 2 || len(cons[mul.Output[0]]) != 1 || x.uses[mul.Output[0]] != 1 {
			continue
		}
		c, ok := x.scalar(mul.Input[1])
		if !ok {
			continue
		}
		add := cons[mul.Output[0]][0]
		if add.GetOpType() != "Add" || len(add.Input) != 2 || add.Input[0] != mul.Output[0] {
			continue
		}
		d, ok := x.scalar(add.Input[1])
		if !ok {
			continue
		}
		ch := 0
		for _, conv := range cons[add.Output[0]] {
			if conv.GetOpType() == "Conv" && conv.Input[0] == add.Output[0] {
				if _, wd, ok := x.floats(conv.Input[1]); ok && len(wd) == 4 {
					ch = int(wd[1]) * int(max(1, attrInt(conv, "group")))
					break
				}
			}
		}
		if ch == 0 {
			continue
		}
		x.channelAffine(add, mul.Input[0], ch, c, d)
		drop[mul] = true
		n++
	}
	removeNodes(g, drop)
	return n
}

// weights returns the constant 4-D weights of a Conv (outAxis 0) or
// ConvTranspose (outAxis 1) and its bias, zeros when it has none; ok is
// false unless both are float constants this node alone reads, so folding
// into them changes nothing else.
func (x *graph) weights(n *pb.NodeProto, outAxis int) (w []float32, wd []int64, b []float32, ok bool) {
	if len(n.Input) < 2 || x.uses[n.Input[1]] != 1 {
		return nil, nil, nil, false
	}
	w, wd, ok = x.floats(n.Input[1])
	if !ok || len(wd) != 4 {
		return nil, nil, nil, false
	}
	co := int(wd[outAxis])
	b = make([]float32, co)
	if len(n.Input) > 2 && n.Input[2] != "" {
		bv, _, ok := x.floats(n.Input[2])
		if !ok || len(bv) != co || x.uses[n.Input[2]] != 1 {
			return nil, nil, nil, false
		}
		b = bv
	}
	return w, wd, b, true
}
