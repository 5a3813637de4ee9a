// Command bench-moderation scores text moderation on the repository's
// labelled sets and measures its throughput, and writes
// docs/benchmarks-moderation.md (make bench-moderation).
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/aisd/aisd/internal/services/moderation"
)

const command = "make bench-moderation"

func readSet(path string) []moderation.EvalCase {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	cs, err := moderation.ReadEvalSet(f)
	if err != nil {
		log.Fatalf("%s: %v", path, err)
	}
	return cs
}

// text10k joins the set's texts of the given kind into one text of
// exactly moderation.MaxTextRunes runes.
func text10k(cases []moderation.EvalCase, normal bool) string {
	var b []rune
	for len(b) < moderation.MaxTextRunes {
		for _, c := range cases {
			if (c.Want == "normal") == normal {
				b = append(b, []rune(c.Text)...)
				b = append(b, '\n')
			}
		}
	}
	return string(b[:moderation.MaxTextRunes])
}

// throughput runs Detect on text on one goroutine for at least d.
func throughput(d *moderation.TextDetector, text string, dur time.Duration) (mbps float64, perCall time.Duration) {
	cats := []string{"politics", "terrorism", "porn", "ban", "abuse", "ad"}
	d.Detect(text, cats) // warm the caches
	n := 0
	start := time.Now()
	for time.Since(start) < dur {
		d.Detect(text, cats)
		n++
	}
	el := time.Since(start)
	return float64(len(text)*n) / el.Seconds() / 1e6, el / time.Duration(n)
}

func main() {
	dir := flag.String("dir", "internal/services/moderation/testdata/eval", "evaluation sets")
	out := flag.String("out", "docs/benchmarks-moderation.md", "report")
	dur := flag.Duration("time", 3*time.Second, "time per throughput run")
	flag.Parse()
	runtime.GOMAXPROCS(1) // per core
	t0 := time.Now()
	d, err := moderation.NewTextDetector()
	if err != nil {
		log.Fatal(err)
	}
	load := time.Since(t0)
	dev := readSet(*dir + "/text.tsv")
	held := readSet(*dir + "/heldout.tsv")

	var b strings.Builder
	fmt.Fprintf(&b, "# Text moderation benchmarks\n\nProduced by `%s` (bench/moderation/main.go) on %s, %s, Go %s, one core (GOMAXPROCS=1).\n",
		command, time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.GOOS+"/"+runtime.GOARCH, runtime.Version())
	fmt.Fprintf(&b, "Detector: compiled lexicon (`make lexicon`) with pinyin forms, contact scanners, context rules; built in %s.\n\n", load.Round(time.Millisecond))
	fmt.Fprintf(&b, "Sets (internal/services/moderation/testdata/eval): `text.tsv` (%d texts) was used to review the lexicon and tune the context rules; `heldout.tsv` (%d texts) was written afterwards. A positive counts as found when a detail of its category is not `pass`; a normal text is a false positive when the answer is not `pass`. Every request checks all six categories.\n\n", len(dev), len(held))
	type row struct {
		name string
		r    moderation.EvalResult
	}
	rows := []row{
		{"text.tsv, lexicon only (no context rules)", moderation.Evaluate(d.WithoutContext(), dev)},
		{"text.tsv", moderation.Evaluate(d, dev)},
		{"heldout.tsv", moderation.Evaluate(d, held)},
	}
	cats := rows[1].r.Categories()
	fmt.Fprintf(&b, "| set |")
	for _, c := range cats {
		fmt.Fprintf(&b, " %s recall |", c)
	}
	fmt.Fprintf(&b, " false positives |\n|---|")
	for range cats {
		fmt.Fprintf(&b, "---|")
	}
	fmt.Fprintf(&b, "---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s |", r.name)
		for _, c := range cats {
			fmt.Fprintf(&b, " %.1f%% (%d/%d) |", 100*r.r.Recall(c), r.r.Found[c], r.r.Positives[c])
		}
		fmt.Fprintf(&b, " %.1f%% (%d/%d) |\n", 100*r.r.FPRate(), r.r.FalsePositives, r.r.Negatives)
	}
	for _, r := range rows[1:] {
		if len(r.r.Missed)+len(r.r.FalseAlarms) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\nMisses and false alarms on %s:\n\n", r.name)
		for _, m := range r.r.Missed {
			fmt.Fprintf(&b, "- missed: %s\n", m)
		}
		for _, m := range r.r.FalseAlarms {
			fmt.Fprintf(&b, "- false alarm: %s\n", m)
		}
	}
	fmt.Fprintf(&b, "\n## Throughput\n\nOne `Detect` call per text of %d runes (the API's limit), all categories, one goroutine.\n\n| text | bytes (UTF-8) | per call | MB/s per core |\n|---|---|---|---|\n", moderation.MaxTextRunes)
	for _, t := range []struct {
		name   string
		normal bool
	}{{"normal texts of the sets, joined", true}, {"violating texts of the sets, joined (every sentence hits)", false}} {
		text := text10k(append(dev, held...), t.normal)
		mbps, per := throughput(d, text, *dur)
		fmt.Fprintf(&b, "| %s | %d | %s | %.1f |\n", t.name, len(text), per.Round(time.Microsecond), mbps)
		log.Printf("%s: %.1f MB/s", t.name, mbps)
	}
	fmt.Fprintf(&b, "\nThe machine is shared (2 CPUs with other work running), so figures vary between runs; `go test -bench Detect ./internal/services/moderation` gives the same measurement as a Go benchmark.\n")
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Print(b.String())
}
