package catalog

import (
	"bytes"
	"fmt"
	"strings"
)

//go:generate go run ./gen -o ../../docs/error-codes.md

// layerTitles orders the sections of the generated document.
var layerTitles = []struct {
	layer Layer
	title string
}{
	{LayerGateway, "Gateway (APIG.*)"},
	{LayerPlatform, "Platform (ModelArts.*)"},
	{LayerService, "Services (AIS.*)"},
	{LayerSubscription, "Subscription (AIP.*)"},
}

// Markdown renders the catalog as the reference page docs/error-codes.md:
// one table per layer, with the variants and the per-family wording of its
// codes, then the kind-to-code table.
func Markdown() []byte {
	var b bytes.Buffer
	b.WriteString("# aisd error codes\n\n")
	b.WriteString("<!-- Generated from internal/catalog/catalog.yaml by `go generate ./internal/catalog`; do not edit. -->\n\n")
	b.WriteString("Every error answer is `{\"error_code\": ..., \"error_msg\": ...}` with the status below; gateway (APIG.*) answers also carry `request_id`, and every answer carries the `X-Request-Id` header. ")
	fmt.Fprintf(&b, "The catalog holds %d codes. Families: ocr, image (Image Recognition), moderation (Content Moderation).\n", len(entries))
	b.WriteString("\nThe Message column is the default wording, that of the first family using the code in the order ocr, image, moderation; a family whose page words a code differently answers with its own wording, listed under each table.\n")

	for _, lt := range layerTitles {
		fmt.Fprintf(&b, "\n## %s\n\n", lt.title)
		b.WriteString("| Code | Status | Message | Families | Description | Handling |\n")
		b.WriteString("| --- | --- | --- | --- | --- | --- |\n")
		var withVariants, withMessages []*Entry
		for i := range entries {
			e := &entries[i]
			if e.Layer != lt.layer {
				continue
			}
			fams := make([]string, len(e.Families))
			for j, f := range e.Families {
				fams[j] = string(f)
			}
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s |\n", e.Code, e.Status, cell(e.Message),
				strings.Join(fams, ", "), cell(e.Description.EN), cell(e.Handling.EN))
			if len(e.Variants) > 0 {
				withVariants = append(withVariants, e)
			}
			if len(e.Messages) > 0 {
				withMessages = append(withMessages, e)
			}
		}
		if len(withMessages) > 0 {
			b.WriteString("\nThese families answer with their own wording:\n\n")
			b.WriteString("| Code | Family | Message |\n| --- | --- | --- |\n")
			for _, e := range withMessages {
				for _, f := range Families {
					if m, ok := e.Messages[f]; ok {
						fmt.Fprintf(&b, "| %s | %s | %s |\n", e.Code, f, cell(m))
					}
				}
			}
		}
		for _, e := range withVariants {
			fmt.Fprintf(&b, "\n%s is also answered with these statuses:\n\n", e.Code)
			b.WriteString("| Variant | Status | Message |\n| --- | --- | --- |\n")
			for _, v := range e.Variants {
				fmt.Fprintf(&b, "| %s | %d | %s |\n", v.Name, v.Status, cell(v.Message))
			}
		}
	}

	b.WriteString("\n## Kinds\n\nThe code each family answers for a semantic error kind (`catalog.Of`).\n\n")
	b.WriteString("| Kind | ocr | image | moderation |\n| --- | --- | --- | --- |\n")
	for _, k := range AllKinds {
		fmt.Fprintf(&b, "| %s |", k)
		for _, f := range Families {
			c, _ := CodeFor(k, f)
			fmt.Fprintf(&b, " %s |", c)
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "<", "&lt;")
	return strings.ReplaceAll(s, "\n", " ")
}
