package tfjs

import (
	"fmt"
	"math"
)

// dtype is an element type of a tensor inside the converter.
type dtype int

const (
	dtFloat dtype = iota
	dtInt32
	dtInt64
	dtBool
)

func (d dtype) String() string {
	switch d {
	case dtFloat:
		return "float32"
	case dtInt32:
		return "int32"
	case dtInt64:
		return "int64"
	case dtBool:
		return "bool"
	}
	return "?"
}

// tensor is a constant held in Go: weights, shapes and folded values.
// Float data lives in f; integer and boolean data in i.
type tensor struct {
	dt    dtype
	shape []int64
	f     []float32
	i     []int64
}

func numel(shape []int64) int64 {
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	return n
}

func (t *tensor) size() int64 { return numel(t.shape) }

func floatTensor(shape []int64, f []float32) *tensor {
	return &tensor{dt: dtFloat, shape: append([]int64(nil), shape...), f: f}
}

func intTensor(dt dtype, shape []int64, v []int64) *tensor {
	return &tensor{dt: dt, shape: append([]int64(nil), shape...), i: v}
}

// scalarF reads element k as float64 whatever the type.
func (t *tensor) at(k int64) float64 {
	if t.dt == dtFloat {
		return float64(t.f[k])
	}
	return float64(t.i[k])
}

// ints returns the values as int64 (for shapes, axes and indices).
func (t *tensor) ints() []int64 {
	if t.dt == dtFloat {
		out := make([]int64, len(t.f))
		for k, v := range t.f {
			out[k] = int64(v)
		}
		return out
	}
	return append([]int64(nil), t.i...)
}

func (t *tensor) reshaped(shape []int64) *tensor {
	c := *t
	c.shape = append([]int64(nil), shape...)
	return &c
}

// transpose permutes the axes of t: out.shape[k] = t.shape[perm[k]].
func (t *tensor) transpose(perm []int) *tensor {
	r := len(t.shape)
	if len(perm) != r {
		panic("transpose: rank mismatch")
	}
	outShape := make([]int64, r)
	for k, p := range perm {
		outShape[k] = t.shape[p]
	}
	inStride := strides(t.shape)
	n := t.size()
	out := &tensor{dt: t.dt, shape: outShape}
	if t.dt == dtFloat {
		out.f = make([]float32, n)
	} else {
		out.i = make([]int64, n)
	}
	idx := make([]int64, r)
	for o := int64(0); o < n; o++ {
		src := int64(0)
		for k := 0; k < r; k++ {
			src += idx[k] * inStride[perm[k]]
		}
		if t.dt == dtFloat {
			out.f[o] = t.f[src]
		} else {
			out.i[o] = t.i[src]
		}
		for k := r - 1; k >= 0; k-- {
			idx[k]++
			if idx[k] < outShape[k] {
				break
			}
			idx[k] = 0
		}
	}
	return out
}

func strides(shape []int64) []int64 {
	s := make([]int64, len(shape))
	acc := int64(1)
	for k := len(shape) - 1; k >= 0; k-- {
		s[k] = acc
		acc *= shape[k]
	}
	return s
}

// broadcastShape applies numpy broadcasting; -1 marks an unknown dimension.
func broadcastShape(a, b []int64) ([]int64, error) {
	r := max(len(a), len(b))
	out := make([]int64, r)
	for k := 0; k < r; k++ {
		da, db := int64(1), int64(1)
		if k-(r-len(a)) >= 0 {
			da = a[k-(r-len(a))]
		}
		if k-(r-len(b)) >= 0 {
			db = b[k-(r-len(b))]
		}
		switch {
		case da == db:
			out[k] = da
		case da == 1:
			out[k] = db
		case db == 1:
			out[k] = da
		case da == -1 || db == -1:
			out[k] = max(da, db)
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast", a, b)
		}
	}
	return out, nil
}

// binaryFold evaluates an elementwise op on two constants with broadcasting.
func binaryFold(op string, a, b *tensor) (*tensor, error) {
	shape, err := broadcastShape(a.shape, b.shape)
	if err != nil {
		return nil, err
	}
	n := numel(shape)
	r := len(shape)
	pad := func(s []int64) []int64 {
		p := make([]int64, r)
		for k := range p {
			p[k] = 1
		}
		copy(p[r-len(s):], s)
		return p
	}
	as, bs := pad(a.shape), pad(b.shape)
	ast, bst := strides(as), strides(bs)
	outDT := a.dt
	if op == "Equal" || op == "Less" || op == "Greater" {
		outDT = dtBool
	}
	out := &tensor{dt: outDT, shape: shape}
	if outDT == dtFloat {
		out.f = make([]float32, n)
	} else {
		out.i = make([]int64, n)
	}
	idx := make([]int64, r)
	for o := int64(0); o < n; o++ {
		ai, bi := int64(0), int64(0)
		for k := 0; k < r; k++ {
			if as[k] != 1 {
				ai += idx[k] * ast[k]
			}
			if bs[k] != 1 {
				bi += idx[k] * bst[k]
			}
		}
		if a.dt == dtFloat {
			x, y := float64(a.f[ai]), float64(b.f[bi])
			var v float64
			switch op {
			case "Add":
				v = x + y
			case "Sub":
				v = x - y
			case "Mul":
				v = x * y
			case "Div":
				v = x / y
			case "Maximum":
				v = math.Max(x, y)
			case "Minimum":
				v = math.Min(x, y)
			case "FloorDiv":
				v = math.Floor(x / y)
			case "FloorMod":
				v = x - math.Floor(x/y)*y
			case "Equal":
				out.i[o] = b2i(x == y)
			default:
				return nil, fmt.Errorf("cannot fold %s", op)
			}
			if outDT == dtFloat {
				out.f[o] = float32(v)
			}
		} else {
			x, y := a.i[ai], b.i[bi]
			var v int64
			switch op {
			case "Add":
				v = x + y
			case "Sub":
				v = x - y
			case "Mul":
				v = x * y
			case "Maximum":
				v = max(x, y)
			case "Minimum":
				v = min(x, y)
			case "FloorDiv", "Div":
				if y == 0 {
					return nil, fmt.Errorf("integer division by zero")
				}
				v = floorDiv(x, y)
			case "FloorMod":
				if y == 0 {
					return nil, fmt.Errorf("integer division by zero")
				}
				v = x - floorDiv(x, y)*y
			case "Equal":
				v = b2i(x == y)
			default:
				return nil, fmt.Errorf("cannot fold %s", op)
			}
			out.i[o] = v
		}
		for k := r - 1; k >= 0; k-- {
			idx[k]++
			if idx[k] < shape[k] {
				break
			}
			idx[k] = 0
		}
	}
	return out, nil
}

func floorDiv(x, y int64) int64 {
	q := x / y
	if (x%y != 0) && ((x < 0) != (y < 0)) {
		q--
	}
	return q
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// castTensor converts a constant to another element type.
func castTensor(t *tensor, to dtype) *tensor {
	if t.dt == to {
		return t
	}
	out := &tensor{dt: to, shape: append([]int64(nil), t.shape...)}
	n := t.size()
	if to == dtFloat {
		out.f = make([]float32, n)
		for k := int64(0); k < n; k++ {
			out.f[k] = float32(t.at(k))
		}
		return out
	}
	out.i = make([]int64, n)
	for k := int64(0); k < n; k++ {
		v := t.at(k)
		if to == dtBool {
			out.i[k] = b2i(v != 0)
		} else {
			out.i[k] = int64(v) // truncation, as TF Cast does
		}
	}
	return out
}

// halfToFloat decodes an IEEE 754 binary16 value.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0:
		// Subnormal: renormalise into a binary32 normal number.
		e := uint32(127 - 15 + 1)
		for frac&0x400 == 0 {
			frac <<= 1
			e--
		}
		frac &= 0x3ff
		return math.Float32frombits(sign | e<<23 | frac<<13)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}
