// Command gen writes the files generated from the catalog: the error-code
// reference (docs/error-codes.md) and the code constants (codes_gen.go);
// run it through `go generate ./internal/catalog`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/aisd/aisd/internal/catalog"
)

func main() {
	doc := flag.String("o", "", "write the error-code reference to this file")
	codes := flag.String("codes", "", "write the code constants to this file")
	flag.Parse()
	write := func(path string, b []byte) {
		if path == "" {
			return
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
	write(*doc, catalog.Markdown())
	write(*codes, catalog.CodesSource())
}
