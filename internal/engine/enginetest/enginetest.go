// Package enginetest starts ONNX Runtime for tests of packages that run
// models, with the project's rule for a missing runtime: skip with a reason,
// or fail under AISD_REQUIRE_MODELS=1 (as make test sets).
package enginetest

import (
	"os"
	"testing"

	"github.com/aisd/aisd/internal/engine"
)

// Init initialises ONNX Runtime from the models root and returns that root.
func Init(t testing.TB) string {
	t.Helper()
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	lib := engine.LibPath(root)
	if _, err := os.Stat(lib); err != nil {
		if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
			t.Fatalf("ONNX Runtime missing: %v", err)
		}
		t.Skipf("ONNX Runtime not installed at %s (run aisd models install)", lib)
	}
	// Init is idempotent for one library path.
	if err := engine.Init(lib); err != nil {
		t.Fatal(err)
	}
	return root
}
