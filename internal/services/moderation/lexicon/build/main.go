// Command build compiles the text moderation lexicon: it reads
// sources.yaml and the source lists under the lexicon folder and writes
// compiled.tsv there, which the detector embeds (`make lexicon`).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aisd/aisd/internal/services/moderation"
)

func main() {
	dir := flag.String("dir", "internal/services/moderation/lexicon", "lexicon folder")
	flag.Parse()
	b, err := moderation.CompileLexicon(os.DirFS(*dir))
	if err != nil {
		fmt.Fprintln(os.Stderr, "lexicon:", err)
		os.Exit(1)
	}
	out := filepath.Join(*dir, "compiled.tsv")
	if err := os.WriteFile(out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "lexicon:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d terms\n", out, strings.Count(string(b), "\n")-2)
}
