package moderation

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
)

// EvalCase is one labelled text of the evaluation set: Want is the label a
// correct answer reports, or "normal" for a text that must pass.
type EvalCase struct {
	Want, Text string
	Line       int
}

// ReadEvalSet reads testdata/eval/text.tsv ("label<TAB>text", # comments,
// \n and \u200B escapes).
func ReadEvalSet(r io.Reader) ([]EvalCase, error) {
	var out []EvalCase
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		want, text, ok := strings.Cut(line, "\t")
		if !ok || text == "" {
			return nil, fmt.Errorf("line %d: want label<TAB>text", n)
		}
		if _, known := textCategories[want]; !known && want != labelNormal {
			return nil, fmt.Errorf("line %d: label %q", n, want)
		}
		text = strings.NewReplacer(`\n`, "\n", `\u200B`, "\u200b").Replace(text)
		out = append(out, EvalCase{Want: want, Text: text, Line: n})
	}
	return out, sc.Err()
}

// EvalResult is the detector's score on a set.
type EvalResult struct {
	// Per category: positives and those found with that label (any
	// suggestion but pass).
	Positives, Found map[string]int
	// Negatives and those not answered pass.
	Negatives, FalsePositives int
	// Misses and false alarms, for the report.
	Missed, FalseAlarms []string
}

// Recall of a category.
func (r EvalResult) Recall(cat string) float64 {
	if r.Positives[cat] == 0 {
		return 0
	}
	return float64(r.Found[cat]) / float64(r.Positives[cat])
}

// FPRate is the share of normal texts not answered pass.
func (r EvalResult) FPRate() float64 {
	if r.Negatives == 0 {
		return 0
	}
	return float64(r.FalsePositives) / float64(r.Negatives)
}

// Categories are the categories with positives, sorted.
func (r EvalResult) Categories() []string {
	var cs []string
	for c := range r.Positives {
		cs = append(cs, c)
	}
	sort.Strings(cs)
	return cs
}

// Evaluate checks every case with all categories, as a request without
// categories does.
func Evaluate(d *TextDetector, cases []EvalCase) EvalResult {
	r := EvalResult{Positives: map[string]int{}, Found: map[string]int{}}
	for _, c := range cases {
		fs := d.Detect(c.Text, defaultTextCategories)
		res := textAnswer(fs)
		if c.Want == labelNormal {
			r.Negatives++
			if res.Suggestion != sugPass {
				r.FalsePositives++
				r.FalseAlarms = append(r.FalseAlarms, fmt.Sprintf("line %d %q: %s %s %s", c.Line, c.Text, res.Suggestion, res.Label, segmentsOf(fs)))
			}
			continue
		}
		r.Positives[c.Want]++
		hit := false
		for _, f := range fs {
			if f.Label == c.Want && f.Suggestion != sugPass {
				hit = true
			}
		}
		if hit {
			r.Found[c.Want]++
		} else {
			r.Missed = append(r.Missed, fmt.Sprintf("line %d %s %q: got %s %s %s", c.Line, c.Want, c.Text, res.Suggestion, res.Label, segmentsOf(fs)))
		}
	}
	return r
}

func segmentsOf(fs []Finding) string {
	var parts []string
	for _, f := range fs {
		for _, s := range f.Segments {
			parts = append(parts, f.Label+":"+s.Text)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}
