package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// templateCommands manage the custom OCR templates and classifiers of a
// project (the custom-template API's template_id and classifier_id).
func templateCommands(call adminCall) []*cobra.Command {
	sub := func(use, short string, args cobra.PositionalArgs, run func(cmd *cobra.Command, a []string) error) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: args, RunE: run}
	}
	path := func(project, kind string, id ...string) string {
		return "/v1/admin/projects/" + project + "/" + kind + strings.Join(append([]string{""}, id...), "/")
	}

	tpl := &cobra.Command{Use: "ocr-template", Short: "Custom OCR templates: reference image, anchors and recognition areas"}
	var (
		spec, image, url string
		anchors, areas   []string
	)
	create := sub("create PROJECT NAME", "Create a template", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
		body := map[string]any{}
		if spec != "" {
			raw, err := os.ReadFile(spec)
			if err != nil {
				return err
			}
			if err := json.Unmarshal(raw, &body); err != nil {
				return fmt.Errorf("%s: %w", spec, err)
			}
		}
		body["name"] = a[1]
		switch {
		case image != "":
			raw, err := os.ReadFile(image)
			if err != nil {
				return err
			}
			body["image"] = base64.StdEncoding.EncodeToString(raw)
		case url != "":
			body["url"] = url
		}
		list := func(key string) []any {
			l, _ := body[key].([]any)
			return l
		}
		for _, s := range anchors {
			text, box, hasBox := strings.Cut(s, "=")
			an := map[string]any{"text": text}
			if hasBox {
				loc, err := parseBox(box)
				if err != nil {
					return fmt.Errorf("--anchor %q: %w", s, err)
				}
				an["location"] = loc
			}
			body["anchors"] = append(list("anchors"), an)
		}
		for _, s := range areas {
			name, box, ok := strings.Cut(s, "=")
			if !ok {
				return fmt.Errorf("--area %q: want NAME=X0,Y0,X1,Y1", s)
			}
			loc, err := parseBox(box)
			if err != nil {
				return fmt.Errorf("--area %q: %w", s, err)
			}
			body["areas"] = append(list("areas"), map[string]any{"name": name, "location": loc})
		}
		return call(cmd, "POST", path(a[0], "ocr-templates"), nil, body)
	})
	f := create.Flags()
	f.StringVar(&spec, "spec", "", "JSON file with anchors and areas, as the API takes them")
	f.StringVar(&image, "image", "", "reference image file (kept inline, up to 2 MiB)")
	f.StringVar(&url, "url", "", "reference image URL (obs://bucket/key stays in the object store)")
	f.StringArrayVar(&anchors, "anchor", nil, "anchor: printed TEXT, or TEXT=X0,Y0,X1,Y1 with its box (repeat; without a box the server finds the text by OCR)")
	f.StringArrayVar(&areas, "area", nil, "recognition area NAME=X0,Y0,X1,Y1 (repeat)")
	tpl.AddCommand(create,
		sub("list PROJECT", "List a project's templates", cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "GET", path(a[0], "ocr-templates"), nil, nil)
		}),
		sub("get PROJECT ID", "Show a template", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "GET", path(a[0], "ocr-templates", a[1]), nil, nil)
		}),
		sub("delete PROJECT ID", "Delete a template no classifier uses", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "DELETE", path(a[0], "ocr-templates", a[1]), nil, nil)
		}),
	)

	cls := &cobra.Command{Use: "ocr-classifier", Short: "Custom OCR classifiers: named sets of templates"}
	cls.AddCommand(
		sub("create PROJECT NAME TEMPLATE_ID...", "Create a classifier over templates", cobra.MinimumNArgs(3), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "POST", path(a[0], "ocr-classifiers"), nil, map[string]any{"name": a[1], "template_ids": a[2:]})
		}),
		sub("list PROJECT", "List a project's classifiers", cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "GET", path(a[0], "ocr-classifiers"), nil, nil)
		}),
		sub("get PROJECT ID", "Show a classifier", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "GET", path(a[0], "ocr-classifiers", a[1]), nil, nil)
		}),
		sub("delete PROJECT ID", "Delete a classifier (its templates stay)", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "DELETE", path(a[0], "ocr-classifiers", a[1]), nil, nil)
		}),
	)
	return []*cobra.Command{tpl, cls}
}

// parseBox reads X0,Y0,X1,Y1 (an upright rectangle's opposite corners).
func parseBox(s string) ([][]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return nil, fmt.Errorf("want X0,Y0,X1,Y1")
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, fmt.Errorf("want X0,Y0,X1,Y1: %w", err)
		}
		v[i] = f
	}
	return [][]float64{{v[0], v[1]}, {v[2], v[3]}}, nil
}
