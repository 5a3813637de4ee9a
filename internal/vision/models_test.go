package vision

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/models"
	"github.com/aisd/aisd/internal/models/tfjs"
)

const darknetData = "/usr/share/darknet/data"

// openConverted converts an installed TFJS source model and opens it,
// skipping when it or ONNX Runtime is not installed (failing instead under
// AISD_REQUIRE_MODELS=1).
func openConverted(t *testing.T, name, file string) *engine.Model {
	t.Helper()
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(root, name, file)
	for _, p := range []string{engine.LibPath(root), src} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
				t.Fatalf("%s missing", p)
			}
			t.Skipf("%s not installed (run aisd models install)", p)
		}
	}
	if err := engine.Init(engine.LibPath(root)); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), name+".onnx")
	if err := tfjs.Convert(context.Background(), filepath.Dir(src), file, out, tfjs.Options{}); err != nil {
		t.Fatal(err)
	}
	m, err := engine.Open(out, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// darknetImage loads one of Debian darknet's sample images, skipping when
// the package is not installed.
func darknetImage(t *testing.T, name string) image.Image {
	t.Helper()
	f, err := os.Open(filepath.Join(darknetData, name))
	if err != nil {
		t.Skip("darknet sample images not installed (apt-get install darknet)")
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// classNames are a model's class names in output order, from the manifest.
func classNames(t *testing.T, model string) []string {
	t.Helper()
	ms, err := models.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Name == model && m.Labels != nil && len(m.Labels.Inline) > 0 {
			return m.Labels.Inline
		}
	}
	t.Fatalf("manifest %s has no inline labels", model)
	return nil
}
