package main

import (
	"encoding/base64"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aisd/aisd/internal/models"
	"github.com/aisd/aisd/internal/models/tfjs"
	"github.com/aisd/aisd/internal/platform/obs"
)

// extraCommands are the top-level commands other packages provide.
func extraCommands() []*cobra.Command {
	m := models.Command()
	m.AddCommand(tfjs.Command())
	return []*cobra.Command{m, obs.Command()}
}

// extraAdminCommands are admin subcommands for platform controls.
func extraAdminCommands(call adminCall) []*cobra.Command {
	sub := func(use, short string, args cobra.PositionalArgs, run func(cmd *cobra.Command, a []string) error) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: args, RunE: run}
	}

	subs := &cobra.Command{Use: "subscription", Short: "Service subscriptions of a project"}
	subs.AddCommand(
		sub("list PROJECT", "List a project's subscriptions", cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "GET", "/v1/admin/projects/"+a[0]+"/subscriptions", nil, nil)
		}),
		sub("add PROJECT SERVICE", "Subscribe a project to a service (e.g. ocr.general-text)", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "PUT", "/v1/admin/projects/"+a[0]+"/subscriptions/"+a[1], nil, nil)
		}),
		sub("rm PROJECT SERVICE", "Unsubscribe", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "DELETE", "/v1/admin/projects/"+a[0]+"/subscriptions/"+a[1], nil, nil)
		}),
	)

	var service, from, to string
	usage := sub("usage PROJECT", "Calls per day and API", cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
		q := url.Values{"project_id": {a[0]}}
		for k, v := range map[string]string{"service": service, "from": from, "to": to} {
			if v != "" {
				q.Set(k, v)
			}
		}
		return call(cmd, "GET", "/v1/admin/usage", q, nil)
	})
	usage.Flags().StringVar(&service, "service", "", "only this service (e.g. ocr.general-text)")
	usage.Flags().StringVar(&from, "from", "", "first day, YYYY-MM-DD (default: start of this month)")
	usage.Flags().StringVar(&to, "to", "", "end day, exclusive")

	fault := &cobra.Command{Use: "fault", Short: "Fault injection: make calls fail with any catalog code"}
	var (
		api, code, mode     string
		count, pct, latency int
	)
	add := sub("add PROJECT", "Inject a fault", cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
		body := map[string]any{"project_id": a[0], "api": api, "mode": mode}
		if code != "" {
			body["code"] = code
		}
		switch mode {
		case "count":
			body["count"] = count
		case "percent":
			body["percent"] = pct
		case "latency":
			body["latency_ms"] = latency
		}
		return call(cmd, "POST", "/v1/admin/faults", nil, body)
	})
	f := add.Flags()
	f.StringVar(&api, "api", "*", "SDK operation name (e.g. RecognizeGeneralText) or * for every API")
	f.StringVar(&code, "code", "", "catalog error code to answer with (see /v1/error-codes)")
	f.StringVar(&mode, "mode", "count", "count (next N calls), percent, or latency")
	f.IntVar(&count, "count", 1, "calls to fail (count mode)")
	f.IntVar(&pct, "percent", 100, "share of calls to fail (percent mode)")
	f.IntVar(&latency, "latency-ms", 1000, "added latency (latency mode)")
	fault.AddCommand(add,
		sub("list [PROJECT]", "List faults", cobra.MaximumNArgs(1), func(cmd *cobra.Command, a []string) error {
			var q url.Values
			if len(a) == 1 {
				q = url.Values{"project_id": {a[0]}}
			}
			return call(cmd, "GET", "/v1/admin/faults", q, nil)
		}),
		sub("rm ID", "Remove a fault", cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "DELETE", "/v1/admin/faults/"+a[0], nil, nil)
		}),
	)
	return append([]*cobra.Command{subs, usage, fault, galleryCommand(call, sub), glossaryCommand(call)}, templateCommands(call)...)
}

// glossaryCommand manages a project's text moderation glossaries
// (glossary_names / white_glossary_names of moderation requests).
func glossaryCommand(call adminCall) *cobra.Command {
	g := &cobra.Command{Use: "glossary", Short: "Custom moderation glossaries of a project (black and white term lists)"}
	var typ, suggestion, description, wordsFile, rename string
	var words []string
	body := func(name string) (map[string]any, error) {
		ws := append([]string(nil), words...)
		if wordsFile != "" {
			var b []byte
			var err error
			if wordsFile == "-" {
				b, err = io.ReadAll(os.Stdin)
			} else {
				b, err = os.ReadFile(wordsFile)
			}
			if err != nil {
				return nil, err
			}
			for _, l := range strings.Split(string(b), "\n") {
				if l = strings.TrimSpace(l); l != "" {
					ws = append(ws, l)
				}
			}
		}
		return map[string]any{"name": name, "type": typ, "suggestion": suggestion, "description": description, "words": ws}, nil
	}
	flags := func(c *cobra.Command) *cobra.Command {
		f := c.Flags()
		f.StringVar(&typ, "type", "black", "black (terms to find) or white (terms whose hits are cleared)")
		f.StringVar(&suggestion, "suggestion", "block", "black glossaries: block, review or pass")
		f.StringVar(&description, "description", "", "free text")
		f.StringArrayVar(&words, "word", nil, "a term (repeatable)")
		f.StringVar(&wordsFile, "words-file", "", "file with one term per line (- for stdin)")
		return c
	}
	path := func(project string) string { return "/v1/admin/projects/" + project + "/glossaries" }
	create := flags(&cobra.Command{Use: "create PROJECT NAME", Short: "Create a glossary (at most 20 per project, 10000 terms of at most 50 characters)",
		Args: cobra.ExactArgs(2), RunE: func(cmd *cobra.Command, a []string) error {
			b, err := body(a[1])
			if err != nil {
				return err
			}
			return call(cmd, "POST", path(a[0]), nil, b)
		}})
	update := flags(&cobra.Command{Use: "update PROJECT NAME", Short: "Replace a glossary's terms and settings",
		Args: cobra.ExactArgs(2), RunE: func(cmd *cobra.Command, a []string) error {
			name := a[1]
			if rename != "" {
				name = rename
			}
			b, err := body(name)
			if err != nil {
				return err
			}
			return call(cmd, "PUT", path(a[0])+"/"+a[1], nil, b)
		}})
	update.Flags().StringVar(&rename, "rename", "", "new name")
	g.AddCommand(create, update,
		&cobra.Command{Use: "list PROJECT", Short: "List a project's glossaries", Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, a []string) error { return call(cmd, "GET", path(a[0]), nil, nil) }},
		&cobra.Command{Use: "show PROJECT NAME", Short: "Show a glossary with its terms", Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, a []string) error { return call(cmd, "GET", path(a[0])+"/"+a[1], nil, nil) }},
		&cobra.Command{Use: "rm PROJECT NAME", Short: "Delete a glossary", Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, a []string) error { return call(cmd, "DELETE", path(a[0])+"/"+a[1], nil, nil) }},
	)
	return g
}

// galleryCommand manages the celebrity galleries of a project.
func galleryCommand(call adminCall, sub func(string, string, cobra.PositionalArgs, func(*cobra.Command, []string) error) *cobra.Command) *cobra.Command {
	// The client escapes the path: names and labels go in as they are.
	base := func(project string) string { return "/v1/admin/projects/" + project + "/celebrity-galleries" }
	g := &cobra.Command{Use: "gallery", Short: "Celebrity galleries: the people celebrity recognition identifies"}
	var desc string
	create := sub("create PROJECT NAME", "Create an empty gallery", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
		return call(cmd, "POST", base(a[0]), nil, map[string]string{"name": a[1], "description": desc})
	})
	create.Flags().StringVar(&desc, "description", "", "what the gallery holds")
	g.AddCommand(create,
		sub("list PROJECT", "List a project's galleries", cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "GET", base(a[0]), nil, nil)
		}),
		sub("show PROJECT GALLERY", "Show a gallery's people (GALLERY: name or id)", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "GET", base(a[0])+"/"+a[1], nil, nil)
		}),
		sub("rm PROJECT GALLERY", "Delete a gallery and everyone in it", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "DELETE", base(a[0])+"/"+a[1], nil, nil)
		}),
		sub("add PROJECT GALLERY LABEL PHOTO...", "Enrol a person from face photos (JPEG, PNG or BMP with one face; the photos are not kept)", cobra.MinimumNArgs(4), func(cmd *cobra.Command, a []string) error {
			var images []string
			for _, f := range a[3:] {
				b, err := os.ReadFile(f)
				if err != nil {
					return err
				}
				images = append(images, base64.StdEncoding.EncodeToString(b))
			}
			return call(cmd, "POST", base(a[0])+"/"+a[1]+"/people", nil, map[string]any{"label": a[2], "images": images})
		}),
		sub("remove PROJECT GALLERY LABEL", "Remove a person", cobra.ExactArgs(3), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "DELETE", base(a[0])+"/"+a[1]+"/people/"+a[2], nil, nil)
		}),
	)
	return g
}
