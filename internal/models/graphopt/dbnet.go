package graphopt

import (
	"math"

	pb "github.com/aisd/aisd/internal/models/onnxpb"
	"google.golang.org/protobuf/proto"
)

// foldIntoConvTranspose folds what follows a ConvTranspose with constant
// weights — a per-channel Add or Mul by a constant, an inference
// BatchNormalization — into its weights and bias, as ONNX Runtime does for
// Conv but not for ConvTranspose. PP-OCR's DB head follows each of its
// upsampling ConvTransposes with a bias Add and a batch norm, each a full
// pass over the largest feature maps of the detector.
func foldIntoConvTranspose(g *pb.GraphProto) int {
	n := 0
	for {
		x := index(g)
		cons := x.consumers()
		done := true
		for _, ct := range g.Node {
			if ct.GetOpType() != "ConvTranspose" || len(ct.Input) < 2 || len(ct.Output) != 1 || int64OrOne(attrInt(ct, "group")) != 1 {
				continue
			}
			next := cons[ct.Output[0]]
			if len(next) != 1 || x.uses[ct.Output[0]] != 1 {
				continue
			}
			op := next[0]
			w, wd, b, ok := x.weights(ct, 1)
			if !ok {
				continue
			}
			ci, co := int(wd[0]), int(wd[1])
			s, t := make([]float32, co), make([]float32, co)
			for c := range s {
				s[c] = 1
			}
			switch op.GetOpType() {
			case "Add", "Mul":
				if len(op.Input) != 2 || op.Input[0] != ct.Output[0] {
					continue
				}
				k, ok := x.perChannel(op.Input[1], co)
				if !ok {
					continue
				}
				if op.GetOpType() == "Add" {
					t = k
				} else {
					s = k
				}
			case "BatchNormalization":
				if len(op.Input) != 5 || len(op.Output) != 1 || op.Input[0] != ct.Output[0] {
					continue
				}
				gamma, ok1 := x.perChannel(op.Input[1], co)
				beta, ok2 := x.perChannel(op.Input[2], co)
				mean, ok3 := x.perChannel(op.Input[3], co)
				vr, ok4 := x.perChannel(op.Input[4], co)
				if !ok1 || !ok2 || !ok3 || !ok4 {
					continue
				}
				eps := float32(1e-5)
				if a := attr(op, "epsilon"); a != nil {
					eps = a.GetF()
				}
				for c := range s {
					s[c] = gamma[c] / float32(math.Sqrt(float64(vr[c]+eps)))
					t[c] = beta[c] - mean[c]*s[c]
				}
			default:
				continue
			}
			// W is [in, out, kh, kw]: output channel c scales W[:, c].
			per := int(wd[2] * wd[3])
			for i := 0; i < ci; i++ {
				for c := 0; c < co; c++ {
					for e := 0; e < per; e++ {
						w[(i*co+c)*per+e] *= s[c]
					}
				}
			}
			for c := range b {
				b[c] = b[c]*s[c] + t[c]
			}
			ct.Input = []string{ct.Input[0], x.put(ct.Input[1], w, wd), x.put(ct.GetName()+"_bias", b, []int64{int64(co)})}
			ct.Output[0] = op.Output[0]
			removeNodes(g, map[*pb.NodeProto]bool{op: true})
			n++
			done = false
			break
		}
		if done {
			return n
		}
	}
}

func int64OrOne(v int64) int64 {
	if v == 0 {
		return 1
	}
	return v
}

// residualGate rewrites x + x·s, the residual squeeze-excitation of
// PP-OCR's detector neck, as x·(s + 1): the Add then runs on the small
// gate instead of the full feature map.
func residualGate(g *pb.GraphProto) int {
	x := index(g)
	cons := x.consumers()
	n := 0
	drop := map[*pb.NodeProto]bool{}
	var out []*pb.NodeProto
	for _, add := range g.Node {
		out = append(out, add)
		if add.GetOpType() != "Add" || len(add.Input) != 2 {
			continue
		}
		for side := 0; side < 2; side++ {
			xv, mv := add.Input[side], add.Input[1-side]
			pi, ok := x.producer[mv]
			if !ok || x.uses[mv] != 1 || len(cons[mv]) != 1 {
				continue
			}
			mul := g.Node[pi]
			if mul.GetOpType() != "Mul" || len(mul.Input) != 2 || drop[mul] {
				continue
			}
			var gate string
			switch xv {
			case mul.Input[0]:
				gate = mul.Input[1]
			case mul.Input[1]:
				gate = mul.Input[0]
			default:
				continue
			}
			gp, ok := x.producer[gate]
			if !ok || (g.Node[gp].GetOpType() != "HardSigmoid" && g.Node[gp].GetOpType() != "Sigmoid") {
				continue
			}
			plus := &pb.NodeProto{OpType: proto.String("Add"), Input: []string{gate, x.put(gate+"_one", []float32{1}, nil)}, Output: []string{gate + "_plus1"}}
			// The new Add goes right before this node; the gate is
			// computed earlier, so the order stays topological.
			out = append(out[:len(out)-1], plus, add)
			add.OpType = proto.String("Mul")
			add.Input = []string{xv, plus.Output[0]}
			drop[mul] = true
			n++
			break
		}
	}
	g.Node = out
	removeNodes(g, drop)
	return n
}
