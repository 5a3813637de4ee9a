package tfjs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCommandConvertsDirectory(t *testing.T) {
	dir := writeGraphModel(t, []int64{1, 2}, []gConst{{"two", "float32", []int64{}, []float64{2}}},
		[]gNode{{"name": "y", "op": "Mul", "input": []string{"x", "two"}}})
	out := filepath.Join(t.TempDir(), "sub", "y.onnx")
	cmd := Command()
	var stdout bytes.Buffer
	cmd.SetOut(&stdout)
	cmd.SetErr(&stdout)
	cmd.SetArgs([]string{dir, out})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "wrote "+out) {
		t.Errorf("output %q does not report the file", stdout.String())
	}
	st, err := os.Stat(out)
	if err != nil || st.Size() == 0 || st.Mode().Perm() != 0o644 {
		t.Fatalf("converted file: %v %v", st, err)
	}

	// Asking for the wrong format fails and names both.
	cmd = Command()
	cmd.SetOut(&stdout)
	cmd.SetErr(&stdout)
	cmd.SetArgs([]string{"--format", "tfjs-layers", filepath.Join(dir, "model.json"), out})
	err = cmd.ExecuteContext(context.Background())
	if err == nil || !strings.Contains(err.Error(), "tfjs-graph") {
		t.Errorf("format mismatch error %v", err)
	}

	// A directory without a model is reported.
	cmd = Command()
	cmd.SetOut(&stdout)
	cmd.SetErr(&stdout)
	cmd.SetArgs([]string{t.TempDir(), out})
	if err := cmd.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), "model.json") {
		t.Errorf("empty directory error %v", err)
	}
}
