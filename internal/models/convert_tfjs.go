package models

import (
	"context"
	"fmt"

	"github.com/aisd/aisd/internal/models/tfjs"
)

// The TFJS converter handles both formats; the manifest's format is
// checked against what the model file turns out to be.
func init() {
	for _, f := range []string{"tfjs-layers", "tfjs-graph"} {
		RegisterConverter(f, func(ctx context.Context, srcDir string, spec ConvertSpec, out string) error {
			opts, err := tfjsOptions(spec)
			if err != nil {
				return err
			}
			return tfjs.Convert(ctx, srcDir, spec.ModelJSON, out, opts)
		})
	}
}

// tfjsOptions reads a convert entry's options: outputs (list of graph node
// names) and name (ONNX graph name).
func tfjsOptions(spec ConvertSpec) (tfjs.Options, error) {
	opts := tfjs.Options{Format: spec.Format}
	for k, v := range spec.Options {
		switch k {
		case "outputs":
			list, ok := v.([]any)
			if !ok {
				return opts, fmt.Errorf("convert option outputs: want a list of node names")
			}
			for _, e := range list {
				s, ok := e.(string)
				if !ok {
					return opts, fmt.Errorf("convert option outputs: %v is not a string", e)
				}
				opts.Outputs = append(opts.Outputs, s)
			}
		case "name":
			s, ok := v.(string)
			if !ok {
				return opts, fmt.Errorf("convert option name: want a string")
			}
			opts.Name = s
		default:
			return opts, fmt.Errorf("unknown convert option %q for %s", k, spec.Format)
		}
	}
	return opts, nil
}
