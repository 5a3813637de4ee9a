// Package tfjs converts TensorFlow.js models (Keras layers and TF graph
// formats, including the browserify .min.js wrappers nsfwjs ships) into
// ONNX models for ONNX Runtime.
//
// The output keeps TF's NHWC tensors at the model boundary; convolutions,
// pooling and resizing run in NCHW between transposes the converter places
// only where a layout-sensitive op needs them. BatchNormalization is folded
// into the preceding convolution, constant subgraphs are evaluated at
// conversion time and unused weights are dropped. The same input always
// gives the same bytes.
package tfjs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"
)

// Options tune a conversion.
type Options struct {
	// Outputs selects graph-model outputs by node name ("node" or
	// "node:1"). Empty means the signature's outputs, or else every sink
	// node, in name order.
	Outputs []string
	// Name is written as the ONNX graph name; default: the model file's
	// directory name.
	Name string
	// Format, when set (tfjs-layers or tfjs-graph), must match the model.
	Format string
}

// Build converts the model at srcDir/modelJSON and returns the serialised
// ONNX model.
func Build(ctx context.Context, srcDir, modelJSON string, opts Options) (out []byte, err error) {
	// A malformed model must fail the conversion, not the process: the
	// convert command takes users' files.
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("convert %s: malformed model: %v", modelJSON, r)
		}
	}()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path := filepath.Join(srcDir, filepath.FromSlash(modelJSON))
	mf, err := readModelFile(path)
	if err != nil {
		return nil, err
	}
	weights, err := loadWeights(filepath.Dir(path), mf.WeightsManifest)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b := newBuilder()
	format := "tfjs-layers"
	if isGraphTopology(mf.ModelTopology) {
		format = "tfjs-graph"
		outs := opts.Outputs
		if len(outs) == 0 {
			outs = signatureOutputs(mf)
		}
		err = convertGraph(b, mf.ModelTopology, weights, outs)
	} else {
		if len(opts.Outputs) > 0 {
			return nil, fmt.Errorf("selecting outputs is supported for graph models only")
		}
		err = convertLayers(b, mf.ModelTopology, weights)
	}
	if err != nil {
		return nil, fmt.Errorf("convert %s: %w", modelJSON, err)
	}
	if opts.Format != "" && opts.Format != format {
		return nil, fmt.Errorf("convert %s: the model is %s, not %s", modelJSON, format, opts.Format)
	}
	name := opts.Name
	if name == "" {
		name = filepath.Base(filepath.Dir(path))
	}
	m := b.model(name, map[string]string{"source_format": format, "source_file": filepath.Base(path)})
	return proto.MarshalOptions{Deterministic: true}.Marshal(m)
}

// Convert converts srcDir/modelJSON and writes the ONNX model to out
// atomically.
func Convert(ctx context.Context, srcDir, modelJSON, out string, opts Options) error {
	data, err := Build(ctx, srcDir, modelJSON, opts)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".convert-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}

func isGraphTopology(raw json.RawMessage) bool {
	var probe struct {
		Node json.RawMessage `json:"node"`
	}
	return json.Unmarshal(raw, &probe) == nil && len(probe.Node) > 0
}

// signatureOutputs returns the graph outputs the model's signature names,
// sorted for a stable output order.
func signatureOutputs(mf *modelFile) []string {
	raws := []json.RawMessage{mf.Signature}
	var udm struct {
		Signature json.RawMessage `json:"signature"`
	}
	if json.Unmarshal(mf.UserDefinedMetadata, &udm) == nil {
		raws = append(raws, udm.Signature)
	}
	for _, raw := range raws {
		if len(bytes.TrimSpace(raw)) == 0 || string(raw) == "null" {
			continue
		}
		var sig graphSignature
		if json.Unmarshal(raw, &sig) != nil || len(sig.Outputs) == 0 {
			continue
		}
		var outs []string
		for key, o := range sig.Outputs {
			name := o.Name
			if name == "" {
				name = key
			}
			outs = append(outs, strings.TrimSuffix(name, ":0"))
		}
		slices.Sort(outs)
		return outs
	}
	return nil
}
