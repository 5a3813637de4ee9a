package pipeline

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/aisd/aisd/internal/engine"
)

// The graphs as rewritten at load (graphopt) read the repository fixtures
// as the models exactly as exported do: same lines, same boxes, scores
// within float rounding.
func TestRewrittenGraphsMatchExported(t *testing.T) {
	p := testPipeline(t)
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	exported, err := Load(root, ReferenceConfig(), LoadOptions{Options: engine.Options{IntraOpThreads: 2}, AsExported: true})
	if err != nil {
		t.Fatal(err)
	}
	defer exported.Close()
	if _, _, rec := exported.Models(); len(rec.Outputs()) != 1 {
		t.Fatalf("exported recogniser has %d outputs", len(rec.Outputs()))
	}
	if _, _, rec := p.Models(); len(rec.Outputs()) != 2 {
		t.Fatalf("rewritten recogniser has %d outputs, want arg-max and maximum", len(rec.Outputs()))
	}
	for _, f := range loadRepoFixtures(t) {
		img, _, err := Decode(decodeFile(t, filepath.Join("..", "testdata", f.File)))
		if err != nil {
			t.Fatal(err)
		}
		opts := RunOptions{CharBoxes: true}
		a, errA := exported.Run(context.Background(), img, opts)
		b, errB := p.Run(context.Background(), img, opts)
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v / %v", f.File, errA, errB)
		}
		if len(a.Lines) != len(b.Lines) {
			t.Fatalf("%s: %d lines as exported, %d rewritten", f.File, len(a.Lines), len(b.Lines))
		}
		for i := range a.Lines {
			la, lb := a.Lines[i], b.Lines[i]
			if la.Text != lb.Text || la.Box != lb.Box || len(la.Chars) != len(lb.Chars) || math.Abs(la.Score-lb.Score) > 1e-3 {
				t.Errorf("%s line %d: exported %q %v %.5f, rewritten %q %v %.5f", f.File, i, la.Text, la.Box, la.Score, lb.Text, lb.Box, lb.Score)
			}
		}
	}
}
