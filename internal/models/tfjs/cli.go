package tfjs

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
)

// Command is `models convert IN OUT`: converts a user's TFJS model. IN is
// a model.json (or model.min.js) file, or a directory holding one.
func Command() *cobra.Command {
	var opts Options
	cmd := &cobra.Command{
		Use:   "convert IN OUT",
		Short: "Convert a TensorFlow.js model (layers or graph) to ONNX",
		Long: "Convert a TensorFlow.js model to ONNX. IN is model.json (or a browserify model.min.js)\n" +
			"with its weight shards beside it, or the directory holding it; OUT is the .onnx file to write.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, file, err := locateModel(args[0])
			if err != nil {
				return err
			}
			start := time.Now()
			if err := Convert(cmd.Context(), dir, file, args[1], opts); err != nil {
				return err
			}
			st, err := os.Stat(args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d bytes) in %.2fs\n", args[1], st.Size(), time.Since(start).Seconds())
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&opts.Outputs, "output", nil, "graph node to expose as a model output (repeatable; default: the signature's outputs)")
	cmd.Flags().StringVar(&opts.Format, "format", "", "expected format, tfjs-layers or tfjs-graph (default: detect)")
	return cmd
}

// locateModel splits IN into the model directory and file name.
func locateModel(in string) (string, string, error) {
	st, err := os.Stat(in)
	if err != nil {
		return "", "", err
	}
	if !st.IsDir() {
		return filepath.Dir(in), filepath.Base(in), nil
	}
	for _, name := range []string{"model.json", "model.min.js"} {
		if _, err := os.Stat(filepath.Join(in, name)); err == nil {
			return in, name, nil
		}
	}
	return "", "", fmt.Errorf("%s holds neither model.json nor model.min.js", in)
}
