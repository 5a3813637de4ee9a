package moderation

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

type goldenCase struct {
	Text     string    `json:"text"`
	Findings []Finding `json:"findings"`
}

// TestTextGolden pins what the embedded lexicon and patterns find in a set
// of texts; a change of the lists shows up as a reviewable golden diff.
func TestTextGolden(t *testing.T) {
	d := detector(t)
	f, err := os.Open("testdata/text_cases.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []goldenCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		text := strings.NewReplacer(`\n`, "\n", `\u200B`, "\u200b").Replace(line)
		fs := d.Detect(text, defaultTextCategories)
		if fs == nil {
			fs = []Finding{}
		}
		got = append(got, goldenCase{Text: text, Findings: fs})
	}
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	const golden = "testdata/text_golden.json"
	if *update {
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(b, want) {
		t.Fatalf("findings differ from %s (review, then -update):\n%s", golden, b)
	}
}
