// Command specimens writes synthetic document specimens (clean and
// photo-like, with their known fields in index.json) for the document OCR
// tests and the `make bench-docs` accuracy report.
//
//	go run ./tools/specimens -out /tmp/specimens -n 10 [-kinds id_card_front,bankcard]
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/aisd/aisd/internal/services/ocr/kie/specimen"
)

func main() {
	out := flag.String("out", "specimens", "output directory")
	n := flag.Int("n", 10, "specimens per kind and variant")
	kinds := flag.String("kinds", strings.Join(specimen.Kinds, ","), "comma-separated kinds")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	files, err := specimen.WriteSet(*out, strings.Split(*kinds, ","), *n)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d specimens to %s\n", len(files), *out)
}
