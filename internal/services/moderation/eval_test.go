package moderation

import (
	"os"
	"testing"
)

// TestEvaluationSet scores the detector on the labelled set and prints
// its misses; `make bench-moderation` writes the same figures to
// docs/benchmarks-moderation.md.
func TestEvaluationSet(t *testing.T) {
	f, err := os.Open("testdata/eval/text.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases, err := ReadEvalSet(f)
	if err != nil {
		t.Fatal(err)
	}
	r := Evaluate(detector(t), cases)
	for _, c := range r.Categories() {
		t.Logf("%-10s recall %5.1f%% (%d/%d)", c, 100*r.Recall(c), r.Found[c], r.Positives[c])
	}
	t.Logf("false positives %.1f%% (%d/%d)", 100*r.FPRate(), r.FalsePositives, r.Negatives)
	for _, m := range r.Missed {
		t.Log("missed:", m)
	}
	for _, m := range r.FalseAlarms {
		t.Log("false alarm:", m)
	}
}

// TestHeldOutSet scores the held-out set (not used for tuning); the
// figures are reported, misses are listed, nothing is asserted here.
func TestHeldOutSet(t *testing.T) {
	f, err := os.Open("testdata/eval/heldout.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases, err := ReadEvalSet(f)
	if err != nil {
		t.Fatal(err)
	}
	r := Evaluate(detector(t), cases)
	for _, c := range r.Categories() {
		t.Logf("%-10s recall %5.1f%% (%d/%d)", c, 100*r.Recall(c), r.Found[c], r.Positives[c])
	}
	t.Logf("false positives %.1f%% (%d/%d)", 100*r.FPRate(), r.FalsePositives, r.Negatives)
	for _, m := range r.Missed {
		t.Log("missed:", m)
	}
	for _, m := range r.FalseAlarms {
		t.Log("false alarm:", m)
	}
}
