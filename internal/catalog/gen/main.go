// Command gen writes the error-code reference (docs/error-codes.md) from the
// catalog; run it through `go generate ./internal/catalog`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/aisd/aisd/internal/catalog"
)

func main() {
	out := flag.String("o", "docs/error-codes.md", "file to write")
	flag.Parse()
	if err := os.WriteFile(*out, catalog.Markdown(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
