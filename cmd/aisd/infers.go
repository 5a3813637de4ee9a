package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// inferCommands are `aisd admin infer …`: a project's real-time inference
// services (/v1/infers/{service_id}), an installed engine or an ONNX model
// registered with its input and output specification.
func inferCommands(call adminCall) []*cobra.Command {
	sub := func(use, short string, args cobra.PositionalArgs, run func(cmd *cobra.Command, a []string) error) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: args, RunE: run}
	}
	base := func(project string) string { return "/v1/admin/projects/" + project + "/infer-services" }
	infer := &cobra.Command{Use: "infer", Short: "Real-time inference services (/v1/infers/{service_id}): engines and your own ONNX models"}
	var engineName, modelFile, specFile, desc string
	create := sub("create PROJECT_ID NAME", "Serve an engine (--engine) or an ONNX model (--model with --spec) as a real-time service", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
		body := map[string]any{"name": a[1], "description": desc}
		switch {
		case engineName != "" && modelFile != "":
			return fmt.Errorf("--engine or --model, not both")
		case engineName != "":
			body["engine"] = engineName
		case modelFile != "" && specFile != "":
			onnx, err := os.ReadFile(modelFile)
			if err != nil {
				return err
			}
			raw, err := os.ReadFile(specFile)
			if err != nil {
				return err
			}
			var spec struct {
				Inputs  []json.RawMessage `json:"inputs"`
				Outputs []json.RawMessage `json:"outputs"`
			}
			if err := json.Unmarshal(raw, &spec); err != nil {
				return fmt.Errorf("%s: %w", specFile, err)
			}
			body["model"] = map[string]any{"onnx": base64.StdEncoding.EncodeToString(onnx), "inputs": spec.Inputs, "outputs": spec.Outputs}
		default:
			return fmt.Errorf("give --engine ocr|image|moderation, or --model FILE.onnx with --spec FILE.json")
		}
		return call(cmd, "POST", base(a[0]), nil, body)
	})
	create.Flags().StringVar(&engineName, "engine", "", "an installed engine: ocr, image or moderation")
	create.Flags().StringVar(&modelFile, "model", "", "an ONNX model file")
	create.Flags().StringVar(&specFile, "spec", "", `its inputs and outputs, JSON: {"inputs":[{"name":"x","dtype":"float32","shape":[1,-1]}],"outputs":[{"name":"y","labels":["cat","dog"]}]}`)
	create.Flags().StringVar(&desc, "description", "", "what the service is for")
	state := func(use, st, short string) *cobra.Command {
		return sub(use+" PROJECT_ID SERVICE_ID", short, cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "PATCH", base(a[0])+"/"+a[1], nil, map[string]any{"state": st})
		})
	}
	infer.AddCommand(create,
		sub("list PROJECT_ID", "List a project's services", cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "GET", base(a[0]), nil, nil)
		}),
		sub("show PROJECT_ID SERVICE_ID", "Show a service", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "GET", base(a[0])+"/"+a[1], nil, nil)
		}),
		state("stop", "stopped", "Stop a service (its calls answer ModelArts.4508)"),
		state("start", "running", "Start a stopped service"),
		sub("delete PROJECT_ID SERVICE_ID", "Delete a service and its model", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "DELETE", base(a[0])+"/"+a[1], nil, nil)
		}),
	)
	return []*cobra.Command{infer}
}
