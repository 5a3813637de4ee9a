package tfjs

import (
	"fmt"
	"math"

	pb "github.com/aisd/aisd/internal/models/onnxpb"
)

// convSpec describes a TF convolution on NHWC data with an HWIO filter
// (HW,C,multiplier for depthwise).
type convSpec struct {
	strides   [2]int64
	dilations [2]int64
	padding   string   // SAME, VALID or EXPLICIT
	explicit  [4]int64 // top, bottom, left, right for EXPLICIT
	depthwise bool
}

// activation is a fused activation: "", Relu, Relu6, Sigmoid, Tanh, Elu,
// LeakyRelu (alpha), Clip (lo, hi).
type activation struct {
	kind   string
	alpha  float32
	lo, hi float32
	slope  *tensor // Prelu's per-channel slopes
}

func outDim(in, k, s, d int64, padding string, pb, pe int64) int64 {
	if in < 0 {
		return -1
	}
	eff := (k-1)*d + 1
	switch padding {
	case "SAME":
		return (in + s - 1) / s
	case "VALID":
		return (in-eff)/s + 1
	}
	return (in+pb+pe-eff)/s + 1
}

// samePads splits TF SAME padding, extra pixel at the end as TF does.
func samePads(in, k, s, d int64) (int64, int64) {
	eff := (k-1)*d + 1
	out := (in + s - 1) / s
	total := max((out-1)*s+eff-in, 0)
	return total / 2, total - total/2
}

// conv emits a Conv on x with filter w (HWIO or HWCM) and optional bias.
func (b *builder) conv(name string, x *value, w *tensor, bias *tensor, cs convSpec, act activation) (*value, error) {
	if x.rank() != 4 || len(w.shape) != 4 {
		return nil, fmt.Errorf("%s: convolution needs rank-4 input and filter", name)
	}
	kh, kw := w.shape[0], w.shape[1]
	var oihw *tensor
	group := int64(1)
	cin := x.shape[3]
	var cout int64
	if cs.depthwise {
		c, m := w.shape[2], w.shape[3]
		// HWCM -> (C*M)x1xHxW: output channel c*M+j, as TF orders it.
		oihw = w.reshaped([]int64{kh, kw, c * m, 1}).transpose([]int{2, 3, 0, 1})
		group = c
		cout = c * m
	} else {
		oihw = w.transpose([]int{3, 2, 0, 1})
		cout = w.shape[3]
		if cin > 0 && cin != w.shape[2] {
			group = cin / w.shape[2]
		}
	}
	xin := b.toNCHW(x)
	h, wd := x.shape[1], x.shape[2]
	var pads [4]int64 // top, left, bottom, right (ONNX order)
	attrs := []*pb.AttributeProto{
		attrInts("kernel_shape", kh, kw),
		attrInts("strides", cs.strides[0], cs.strides[1]),
		attrInts("dilations", cs.dilations[0], cs.dilations[1]),
		attrInt("group", group),
	}
	switch cs.padding {
	case "SAME":
		if h < 0 || wd < 0 {
			attrs = append(attrs, attrString("auto_pad", "SAME_UPPER"))
			break
		}
		pads[0], pads[2] = samePads(h, kh, cs.strides[0], cs.dilations[0])
		pads[1], pads[3] = samePads(wd, kw, cs.strides[1], cs.dilations[1])
	case "VALID":
	case "EXPLICIT":
		pads = [4]int64{cs.explicit[0], cs.explicit[2], cs.explicit[1], cs.explicit[3]}
	default:
		return nil, fmt.Errorf("%s: unsupported padding %q", name, cs.padding)
	}
	if cs.padding != "SAME" || (h >= 0 && wd >= 0) {
		attrs = append(attrs, attrInts("pads", pads[0], pads[1], pads[2], pads[3]))
	}
	outShape := []int64{x.shape[0],
		outDim(h, kh, cs.strides[0], cs.dilations[0], cs.padding, pads[0], pads[2]),
		outDim(wd, kw, cs.strides[1], cs.dilations[1], cs.padding, pads[1], pads[3]),
		cout}
	ins := []*value{xin, b.constant(name+"/W", oihw)}
	if bias != nil {
		ins = append(ins, b.constant(name+"/B", bias.reshaped([]int64{cout})))
	}
	out := b.emit("Conv", name, dtFloat, outShape, true, ins, attrs...)
	if act.kind == "" {
		out.conv = &convInfo{node: b.nodes[len(b.nodes)-1], w: oihw, cout: cout}
		if bias != nil {
			out.conv.b = bias.reshaped([]int64{cout})
		}
	}
	return b.activate(name, out, act)
}

// activate applies a fused activation, keeping the layout.
func (b *builder) activate(name string, x *value, act activation) (*value, error) {
	switch act.kind {
	case "", "linear", "Identity":
		return x, nil
	case "Relu", "Sigmoid", "Tanh", "Elu", "Abs", "Softplus", "Exp":
		return b.emit(act.kind, name+"/"+act.kind, x.dt, x.shape, x.nchw, []*value{x}), nil
	case "Relu6":
		return b.clip(name+"/Relu6", x, 0, 6), nil
	case "Clip":
		return b.clip(name+"/Clip", x, act.lo, act.hi), nil
	case "LeakyRelu":
		return b.emit("LeakyRelu", name+"/LeakyRelu", x.dt, x.shape, x.nchw, []*value{x}, attrFloat("alpha", act.alpha)), nil
	case "Prelu":
		return b.prelu(name+"/Prelu", x, act.slope)
	}
	return nil, fmt.Errorf("%s: unsupported activation %q", name, act.kind)
}

func (b *builder) clip(name string, x *value, lo, hi float32) *value {
	return b.emit("Clip", name, x.dt, x.shape, x.nchw, []*value{x, b.floatConst(name+"/min", nil, lo), b.floatConst(name+"/max", nil, hi)})
}

// pool emits MaxPool or AveragePool with TF window semantics.
func (b *builder) pool(name, kind string, x *value, k, s [2]int64, padding string) (*value, error) {
	if x.rank() != 4 {
		return nil, fmt.Errorf("%s: pooling needs rank-4 input", name)
	}
	op := "MaxPool"
	if kind == "avg" {
		op = "AveragePool"
	}
	h, w := x.shape[1], x.shape[2]
	attrs := []*pb.AttributeProto{attrInts("kernel_shape", k[0], k[1]), attrInts("strides", s[0], s[1])}
	var pads [4]int64
	switch padding {
	case "SAME":
		if h < 0 || w < 0 {
			attrs = append(attrs, attrString("auto_pad", "SAME_UPPER"))
		} else {
			pads[0], pads[2] = samePads(h, k[0], s[0], 1)
			pads[1], pads[3] = samePads(w, k[1], s[1], 1)
			attrs = append(attrs, attrInts("pads", pads[0], pads[1], pads[2], pads[3]))
		}
	case "VALID":
	default:
		return nil, fmt.Errorf("%s: unsupported pooling padding %q", name, padding)
	}
	// AveragePool's default count_include_pad=0 matches TF, which averages
	// only over the pixels inside the image.
	out := []int64{x.shape[0], outDim(h, k[0], s[0], 1, padding, pads[0], pads[2]), outDim(w, k[1], s[1], 1, padding, pads[1], pads[3]), x.shape[3]}
	return b.emit(op, name, x.dt, out, true, []*value{b.toNCHW(x)}, attrs...), nil
}

// unary applies a one-input elementwise op; layout is preserved.
func (b *builder) unary(name, op string, x *value) (*value, error) {
	switch op {
	case "Identity":
		return x, nil
	case "Square":
		if x.c != nil {
			return b.fold(name, "Mul", x, x)
		}
		return b.emit("Mul", name, x.dt, x.shape, x.nchw, []*value{x, x}), nil
	case "Rsqrt":
		s := b.emit("Sqrt", name+"/sqrt", x.dt, x.shape, x.nchw, []*value{x})
		return b.emit("Reciprocal", name, x.dt, x.shape, x.nchw, []*value{s}), nil
	case "Relu6":
		return b.clip(name, x, 0, 6), nil
	case "Neg", "Relu", "Sigmoid", "Tanh", "Abs", "Sqrt", "Exp", "Log", "Floor", "Elu", "Softplus":
		return b.emit(op, name, x.dt, x.shape, x.nchw, []*value{x}), nil
	}
	return nil, fmt.Errorf("unsupported op %s", op)
}

func (b *builder) cast(name string, x *value, to dtype) *value {
	if x.c != nil {
		return b.constant(name, castTensor(x.c, to))
	}
	if x.dt == to {
		return x
	}
	return b.emit("Cast", name, to, x.shape, x.nchw, []*value{x}, attrInt("to", int64(onnxType(to))))
}

func (b *builder) fold(name, op string, x, y *value) (*value, error) {
	t, err := binaryFold(op, x.c, y.c)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b.constant(name, t), nil
}

// binary applies a broadcasting elementwise op (TF names). Constants are
// folded; a rank-4 NCHW operand keeps the result in NCHW, with constant
// operands permuted to match.
func (b *builder) binary(name, op string, x, y *value) (*value, error) {
	if x.c != nil && y.c != nil {
		return b.fold(name, op, x, y)
	}
	shape, err := broadcastShape(x.shape, y.shape)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	nchw := false
	if len(shape) == 4 {
		nchw = true
		for _, v := range []*value{x, y} {
			if v.c == nil && v.rank() != 4 {
				nchw = false // a lower-rank runtime operand: stay in TF layout
			}
		}
		if nchw && !x.nchw && !y.nchw {
			nchw = false // nothing is NCHW yet: no reason to move
		}
	}
	adapt := func(v *value) *value {
		if !nchw {
			return b.nhwc(v)
		}
		if v.c != nil && v.rank() < 4 {
			s := make([]int64, 4-v.rank(), 4)
			for k := range s {
				s[k] = 1
			}
			s = append(s, v.shape...)
			v = b.constant(v.name, v.c.reshaped(s))
		}
		return b.toNCHW(v)
	}
	x, y = adapt(x), adapt(y)
	outDT := x.dt
	switch op {
	case "Add", "AddV2", "BiasAdd":
		return b.emit("Add", name, outDT, shape, nchw, []*value{x, y}), nil
	case "Sub":
		return b.emit("Sub", name, outDT, shape, nchw, []*value{x, y}), nil
	case "Mul":
		return b.emit("Mul", name, outDT, shape, nchw, []*value{x, y}), nil
	case "RealDiv", "Div":
		return b.emit("Div", name, outDT, shape, nchw, []*value{x, y}), nil
	case "Maximum":
		return b.emit("Max", name, outDT, shape, nchw, []*value{x, y}), nil
	case "Minimum":
		return b.emit("Min", name, outDT, shape, nchw, []*value{x, y}), nil
	case "Equal":
		return b.emit("Equal", name, dtBool, shape, nchw, []*value{x, y}), nil
	case "FloorMod":
		if outDT == dtFloat {
			q := b.emit("Div", name+"/div", outDT, shape, nchw, []*value{x, y})
			f := b.emit("Floor", name+"/floor", outDT, shape, nchw, []*value{q})
			m := b.emit("Mul", name+"/mul", outDT, shape, nchw, []*value{f, y})
			return b.emit("Sub", name, outDT, shape, nchw, []*value{x, m}), nil
		}
		// Integer Mod with fmod=0 takes the divisor's sign, as FloorMod does.
		return b.emit("Mod", name, outDT, shape, nchw, []*value{x, y}, attrInt("fmod", 0)), nil
	case "FloorDiv":
		if outDT == dtFloat {
			q := b.emit("Div", name+"/div", outDT, shape, nchw, []*value{x, y})
			return b.emit("Floor", name, outDT, shape, nchw, []*value{q}), nil
		}
		// Integer Div truncates; x - floormod(x, y) is an exact multiple of
		// y, so dividing it truncates to the floored quotient.
		m := b.emit("Mod", name+"/mod", outDT, shape, nchw, []*value{x, y}, attrInt("fmod", 0))
		d := b.emit("Sub", name+"/sub", outDT, shape, nchw, []*value{x, m})
		return b.emit("Div", name, outDT, shape, nchw, []*value{d, y}), nil
	}
	return nil, fmt.Errorf("unsupported op %s", op)
}

// reduce applies Mean or Sum over logical axes.
func (b *builder) reduce(name, op string, x *value, axes []int64, keep bool) (*value, error) {
	r := int64(x.rank())
	norm := make([]int64, len(axes))
	drop := map[int64]bool{}
	for k, a := range axes {
		if a < 0 {
			a += r
		}
		if a < 0 || a >= r {
			return nil, fmt.Errorf("%s: axis %d out of range", name, axes[k])
		}
		norm[k] = a
		drop[a] = true
	}
	var outShape []int64
	for k := int64(0); k < r; k++ {
		switch {
		case !drop[k]:
			outShape = append(outShape, x.shape[k])
		case keep:
			outShape = append(outShape, 1)
		}
	}
	in := x
	if x.nchw && !keep {
		// The result stays correct in NCHW only if the surviving axes keep
		// their logical order, as for a spatial reduction to [N, C].
		ok := true
		order := []int64{}
		for p := 0; p < 4; p++ {
			l := int64([]int{0, 3, 1, 2}[p])
			if !drop[l] {
				order = append(order, l)
			}
		}
		for k := 1; k < len(order); k++ {
			if order[k] < order[k-1] {
				ok = false
			}
		}
		if !ok {
			in = b.nhwc(x)
		}
	}
	phys := make([]int64, len(norm))
	for k, a := range norm {
		phys[k] = int64(physAxis(in, int(a)))
	}
	outNCHW := in.nchw && keep
	kd := int64(0)
	if keep {
		kd = 1
	}
	switch op {
	case "Mean":
		return b.emit("ReduceMean", name, x.dt, outShape, outNCHW, []*value{in}, attrInts("axes", phys...), attrInt("keepdims", kd)), nil
	case "Sum":
		return b.emit("ReduceSum", name, x.dt, outShape, outNCHW, []*value{in, b.int64Const(name+"/axes", phys...)}, attrInt("keepdims", kd)), nil
	case "Max":
		return b.emit("ReduceMax", name, x.dt, outShape, outNCHW, []*value{in}, attrInts("axes", phys...), attrInt("keepdims", kd)), nil
	}
	return nil, fmt.Errorf("unsupported op %s", op)
}

// pad applies constant zero padding given per logical axis [before, after].
func (b *builder) pad(name string, x *value, pads [][2]int64) (*value, error) {
	if len(pads) != x.rank() {
		return nil, fmt.Errorf("%s: %d paddings for rank %d", name, len(pads), x.rank())
	}
	r := x.rank()
	onnxPads := make([]int64, 2*r)
	out := make([]int64, r)
	for k := 0; k < r; k++ {
		p := physAxis(x, k)
		onnxPads[p] = pads[k][0]
		onnxPads[r+p] = pads[k][1]
		out[k] = x.shape[k]
		if out[k] >= 0 {
			out[k] += pads[k][0] + pads[k][1]
		}
	}
	return b.emit("Pad", name, x.dt, out, x.nchw, []*value{x, b.int64Const(name+"/pads", onnxPads...)}, attrString("mode", "constant")), nil
}

// resizeBilinear resizes the spatial axes; mode is TF's coordinate rule.
func (b *builder) resizeBilinear(name string, x *value, oh, ow int64, alignCorners, halfPixel bool) (*value, error) {
	if x.rank() != 4 {
		return nil, fmt.Errorf("%s: resize needs rank-4 input", name)
	}
	mode := "asymmetric"
	switch {
	case alignCorners:
		mode = "align_corners"
	case halfPixel:
		mode = "half_pixel"
	}
	in := b.toNCHW(x)
	out := []int64{x.shape[0], oh, ow, x.shape[3]}
	attrs := []*pb.AttributeProto{attrString("mode", "linear"), attrString("coordinate_transformation_mode", mode)}
	roi := b.floatConst(name+"/roi", []int64{0})
	if x.shape[0] > 0 && x.shape[3] > 0 {
		sizes := b.int64Const(name+"/sizes", x.shape[0], x.shape[3], oh, ow)
		return b.emit("Resize", name, x.dt, out, true, []*value{in, roi, nil, sizes}, attrs...), nil
	}
	if x.shape[1] <= 0 || x.shape[2] <= 0 {
		return nil, fmt.Errorf("%s: resize needs known spatial input size", name)
	}
	scales := b.floatConst(name+"/scales", []int64{4}, 1, 1, float32(oh)/float32(x.shape[1]), float32(ow)/float32(x.shape[2]))
	return b.emit("Resize", name, x.dt, out, true, []*value{in, roi, scales}, attrs...), nil
}

// concat joins values along a logical axis.
func (b *builder) concat(name string, xs []*value, axis int64) (*value, error) {
	r := int64(xs[0].rank())
	if axis < 0 {
		axis += r
	}
	allConst := true
	anyNCHW := false
	for _, x := range xs {
		allConst = allConst && x.c != nil
		anyNCHW = anyNCHW || x.nchw
		if int64(x.rank()) != r {
			return nil, fmt.Errorf("%s: concat of different ranks", name)
		}
	}
	out := append([]int64(nil), xs[0].shape...)
	out[axis] = 0
	for _, x := range xs {
		if x.shape[axis] < 0 || out[axis] < 0 {
			out[axis] = -1
		} else {
			out[axis] += x.shape[axis]
		}
	}
	if allConst {
		return b.constant(name, concatTensors(xs, int(axis), out)), nil
	}
	ins := make([]*value, len(xs))
	for k, x := range xs {
		if anyNCHW {
			ins[k] = b.toNCHW(x)
		} else {
			ins[k] = b.nhwc(x)
		}
	}
	return b.emit("Concat", name, xs[0].dt, out, anyNCHW, ins, attrInt("axis", int64(physAxis(ins[0], int(axis))))), nil
}

func concatTensors(xs []*value, axis int, shape []int64) *tensor {
	out := &tensor{dt: xs[0].c.dt, shape: shape}
	outer := numel(shape[:axis])
	for o := int64(0); o < outer; o++ {
		for _, x := range xs {
			inner := numel(x.shape[axis:])
			if out.dt == dtFloat {
				out.f = append(out.f, x.c.f[o*inner:(o+1)*inner]...)
			} else {
				out.i = append(out.i, x.c.i[o*inner:(o+1)*inner]...)
			}
		}
	}
	return out
}

// reshape to a target with at most one -1, in logical layout.
func (b *builder) reshape(name string, x *value, target []int64) (*value, error) {
	x = b.nhwc(x)
	shape := append([]int64(nil), target...)
	known := numel(x.shape)
	if known > 0 {
		rest := int64(1)
		neg := -1
		for k, d := range shape {
			if d == -1 {
				neg = k
			} else {
				rest *= d
			}
		}
		if neg >= 0 && rest > 0 {
			shape[neg] = known / rest
		}
	}
	if x.c != nil {
		return b.constant(name, x.c.reshaped(shape)), nil
	}
	// Keep -1 only where the size is unknown (a dynamic batch).
	return b.emit("Reshape", name, x.dt, shape, false, []*value{x, b.int64Const(name+"/shape", target...)}), nil
}

func (b *builder) squeeze(name string, x *value, axes []int64) (*value, error) {
	x = b.nhwc(x)
	r := int64(x.rank())
	drop := map[int64]bool{}
	if len(axes) == 0 {
		for k, d := range x.shape {
			if d == 1 {
				drop[int64(k)] = true
			} else if d < 0 {
				return nil, fmt.Errorf("%s: squeeze of unknown dimension", name)
			}
		}
	}
	for _, a := range axes {
		if a < 0 {
			a += r
		}
		drop[a] = true
	}
	var shape, list []int64
	for k := int64(0); k < r; k++ {
		if drop[k] {
			list = append(list, k)
			continue
		}
		shape = append(shape, x.shape[k])
	}
	if x.c != nil {
		return b.constant(name, x.c.reshaped(shape)), nil
	}
	return b.emit("Squeeze", name, x.dt, shape, false, []*value{x, b.int64Const(name+"/axes", list...)}), nil
}

func (b *builder) expandDims(name string, x *value, axis int64) (*value, error) {
	x = b.nhwc(x)
	r := int64(x.rank())
	if axis < 0 {
		axis += r + 1
	}
	shape := append([]int64(nil), x.shape[:axis]...)
	shape = append(shape, 1)
	shape = append(shape, x.shape[axis:]...)
	if x.c != nil {
		return b.constant(name, x.c.reshaped(shape)), nil
	}
	return b.emit("Unsqueeze", name, x.dt, shape, false, []*value{x, b.int64Const(name+"/axes", axis)}), nil
}

func (b *builder) flatten(name string, x *value) *value {
	x = b.nhwc(x)
	inner := numel(x.shape[1:])
	if inner < 0 {
		inner = -1
	}
	return b.emit("Flatten", name, x.dt, []int64{x.shape[0], inner}, false, []*value{x}, attrInt("axis", 1))
}

// sliceSpec is TF StridedSlice's begin/end/strides with its masks.
type sliceSpec struct {
	begin, end, strides                                       []int64
	beginMask, endMask, shrinkMask, newAxisMask, ellipsisMask int64
}

func (b *builder) stridedSlice(name string, x *value, s sliceSpec) (*value, error) {
	if s.ellipsisMask != 0 || s.newAxisMask != 0 {
		return nil, fmt.Errorf("%s: StridedSlice with ellipsis or new-axis mask is not supported", name)
	}
	x = b.nhwc(x)
	var starts, ends, axes, steps, shrink []int64
	shape := append([]int64(nil), x.shape...)
	for k := range s.begin {
		st := s.strides[k]
		if st == 0 {
			return nil, fmt.Errorf("%s: zero stride", name)
		}
		bg, en := s.begin[k], s.end[k]
		if s.shrinkMask&(1<<k) != 0 {
			en = bg + 1
			if bg == -1 {
				en = math.MaxInt64
			}
			st = 1
			shrink = append(shrink, int64(k))
		} else {
			if s.beginMask&(1<<k) != 0 {
				bg = 0
				if st < 0 {
					bg = -1
				}
			}
			if s.endMask&(1<<k) != 0 {
				en = math.MaxInt64
				if st < 0 {
					en = math.MinInt64
				}
			}
		}
		if bg == 0 && en == math.MaxInt64 && st == 1 {
			continue
		}
		starts, ends, axes, steps = append(starts, bg), append(ends, en), append(axes, int64(k)), append(steps, st)
		shape[k] = sliceLen(x.shape[k], bg, en, st)
	}
	out := x
	if len(axes) > 0 {
		out = b.emit("Slice", name+"/slice", x.dt, shape, false, []*value{x,
			b.int64Const(name+"/starts", starts...), b.int64Const(name+"/ends", ends...),
			b.int64Const(name+"/axes", axes...), b.int64Const(name+"/steps", steps...)})
	}
	if len(shrink) > 0 {
		return b.squeeze(name, out, shrink)
	}
	if out == x {
		return x, nil
	}
	return out, nil
}

// sliceLen is the length ONNX Slice produces for one axis.
func sliceLen(dim, start, end, step int64) int64 {
	if dim < 0 {
		return -1
	}
	clamp := func(v, lo, hi int64) int64 { return min(max(v, lo), hi) }
	if start < 0 {
		start += dim
	}
	if end < 0 && end != math.MinInt64 {
		end += dim
	}
	if step > 0 {
		start, end = clamp(start, 0, dim), clamp(end, 0, dim)
		if end <= start {
			return 0
		}
		return (end - start + step - 1) / step
	}
	start, end = clamp(start, 0, dim-1), clamp(end, -1, dim-1)
	if start <= end {
		return 0
	}
	return (start - end - step - 1) / (-step)
}

// topK returns values and int32 indices along the last axis, as TopKV2.
func (b *builder) topK(name string, x *value, k int64) (*value, *value) {
	x = b.nhwc(x)
	shape := append([]int64(nil), x.shape...)
	shape[len(shape)-1] = k
	vals := &value{name: b.fresh(name), dt: x.dt, shape: shape}
	idx64 := &value{name: b.fresh(name + "/indices64"), dt: dtInt64, shape: shape}
	b.node("TopK", []*value{x, b.int64Const(name+"/k", k)}, []string{vals.name, idx64.name},
		attrInt("axis", -1), attrInt("largest", 1), attrInt("sorted", 1))
	return vals, b.cast(name+"/indices", idx64, dtInt32)
}

func (b *builder) gather(name string, params, indices *value, axis int64) (*value, error) {
	params, indices = b.nhwc(params), b.nhwc(indices)
	r := int64(params.rank())
	if axis < 0 {
		axis += r
	}
	var shape []int64
	shape = append(shape, params.shape[:axis]...)
	shape = append(shape, indices.shape...)
	shape = append(shape, params.shape[axis+1:]...)
	return b.emit("Gather", name, params.dt, shape, false, []*value{params, indices}, attrInt("axis", axis)), nil
}

// dense is MatMul with an optional bias and activation on rank-2 input.
func (b *builder) dense(name string, x *value, w *value, bias *tensor, transA, transB bool, act activation) (*value, error) {
	x = b.nhwc(x)
	if x.rank() > 2 && w.rank() == 2 && w.c != nil && !transA && !transB {
		// Keras Dense on a higher-rank input applies to the last axis.
		shape := append(append([]int64(nil), x.shape[:x.rank()-1]...), w.shape[1])
		out := b.emit("MatMul", name+"/matmul", dtFloat, shape, false, []*value{x, w})
		if bias != nil {
			out = b.emit("Add", name, dtFloat, shape, false, []*value{out, b.constant(name+"/bias", bias.reshaped([]int64{w.shape[1]}))})
		}
		return b.activate(name, out, act)
	}
	if x.rank() != 2 || w.rank() != 2 {
		return nil, fmt.Errorf("%s: matmul supports rank-2 operands only", name)
	}
	m := x.shape[0]
	if transA {
		m = x.shape[1]
	}
	n := w.shape[1]
	if transB {
		n = w.shape[0]
	}
	ins := []*value{x, b.nhwc(w)}
	if bias != nil {
		ins = append(ins, b.constant(name+"/bias", bias.reshaped([]int64{n})))
	}
	out := b.emit("Gemm", name, dtFloat, []int64{m, n}, false, ins, attrInt("transA", b2i(transA)), attrInt("transB", b2i(transB)))
	return b.activate(name, out, act)
}

func (b *builder) softmax(name string, x *value, axis int64) *value {
	if axis < 0 {
		axis += int64(x.rank())
	}
	return b.emit("Softmax", name, x.dt, x.shape, x.nchw, []*value{x}, attrInt("axis", int64(physAxis(x, int(axis)))))
}

// foldIntoConv folds "conv(x) op c" into the convolution's weights when c
// is a constant per output channel (shape [C], [1,C], [1,1,1,C] ...) and
// the caller knows the convolution output has no other consumer. It
// returns nil when the pattern does not apply.
func (b *builder) foldIntoConv(name, op string, x, c *value) *value {
	ci := x.conv
	if ci == nil || c.c == nil || c.c.dt != dtFloat || c.c.size() != ci.cout {
		return nil
	}
	for k, d := range c.shape {
		if d != 1 && k != len(c.shape)-1 {
			return nil
		}
	}
	bias := make([]float32, ci.cout)
	if ci.b != nil {
		copy(bias, ci.b.f)
	}
	w := ci.w
	switch op {
	case "Mul":
		nw := floatTensor(w.shape, append([]float32(nil), w.f...))
		per := int64(len(nw.f)) / ci.cout
		for k := range nw.f {
			nw.f[k] *= c.c.f[int64(k)/per]
		}
		for k := range bias {
			bias[k] *= c.c.f[k]
		}
		w = nw
	case "Add", "AddV2", "BiasAdd":
		for k := range bias {
			bias[k] += c.c.f[k]
		}
	case "Sub":
		for k := range bias {
			bias[k] -= c.c.f[k]
		}
	default:
		return nil
	}
	bt := floatTensor([]int64{ci.cout}, bias)
	wv, bv := b.constant(name+"/W", w), b.constant(name+"/B", bt)
	ci.node.Input = append(ci.node.Input[:1], b.ref(wv), b.ref(bv))
	ci.w, ci.b = w, bt
	return x
}

// prelu applies max(x,0) + slope*min(x,0) with slopes broadcast over the
// last logical axis (or a full-shape slope tensor).
func (b *builder) prelu(name string, x *value, slope *tensor) (*value, error) {
	if slope == nil {
		return nil, fmt.Errorf("%s: Prelu without slopes", name)
	}
	sv := b.constant(name+"/slope", slope)
	if x.nchw {
		c := x.shape[3]
		if slope.size() != c {
			x = b.nhwc(x)
		} else {
			sv = b.constant(name+"/slope", slope.reshaped([]int64{c, 1, 1}))
		}
	}
	return b.emit("PRelu", name, x.dt, x.shape, x.nchw, []*value{x, sv}), nil
}

// resizeNearest upsamples by repeating pixels (floor of out*in/out), as
// TF's nearest-neighbour resize without corner or half-pixel alignment.
func (b *builder) resizeNearest(name string, x *value, oh, ow int64) (*value, error) {
	if x.rank() != 4 || x.shape[1] <= 0 || x.shape[2] <= 0 {
		return nil, fmt.Errorf("%s: resize needs a rank-4 input of known size", name)
	}
	in := b.toNCHW(x)
	out := []int64{x.shape[0], oh, ow, x.shape[3]}
	roi := b.floatConst(name+"/roi", []int64{0})
	scales := b.floatConst(name+"/scales", []int64{4}, 1, 1, float32(oh)/float32(x.shape[1]), float32(ow)/float32(x.shape[2]))
	return b.emit("Resize", name, x.dt, out, true, []*value{in, roi, scales},
		attrString("mode", "nearest"), attrString("coordinate_transformation_mode", "asymmetric"),
		attrString("nearest_mode", "floor")), nil
}
