package tfjs

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/engine/enginetest"
	"go.yaml.in/yaml/v3"
)

// parityModels lists the models tools/tfjsref/ref.js writes references
// for; keep the two in step. Tolerances are relative to the largest
// absolute reference value of each output.
var parityModels = []struct {
	name, file string
	tol        float64
	tolByOut   map[string]float64
}{
	{name: "nsfw-mobilenet-v2", file: "model.min.js", tol: 1e-4},
	{name: "nsfw-inception-v3", file: "model.min.js", tol: 1e-4},
	{name: "nsfw-mobilenet-v2-mid", file: "model.min.js", tol: 1e-4},
	{name: "centernet", file: "centernet.json", tol: 1e-4, tolByOut: map[string]float64{"tower_0/detections": 1e-3}},
	{name: "faceres", file: "faceres.json", tol: 1e-4},
	{name: "mobilefacenet", file: "mobilefacenet.json", tol: 1e-4},
	{name: "blazeface-front", file: "blazeface-front.json", tol: 1e-4},
	{name: "blazeface-back", file: "blazeface-back.json", tol: 1e-4},
	{name: "antispoof", file: "antispoof.json", tol: 1e-4},
	{name: "liveness", file: "liveness.json", tol: 1e-4},
}

type parityRef struct {
	Model string `json:"model"`
	Input struct {
		Shape []int64 `json:"shape"`
		Scale float64 `json:"scale"`
	} `json:"input"`
	Cases []struct {
		Pattern string                `json:"pattern"`
		Outputs map[string]parityData `json:"outputs"`
	} `json:"cases"`
}

type parityData struct {
	Shape  []int64   `json:"shape"`
	Stride int       `json:"stride"`
	MaxAbs float64   `json:"max_abs"`
	Values []float64 `json:"values"`
}

// patternInput reproduces ref.js's input formulas exactly.
func patternInput(kind string, shape []int64, scale float64) []float32 {
	h, w, c := shape[1], shape[2], shape[3]
	n := h * w * c
	out := make([]float32, n)
	for i := int64(0); i < n; i++ {
		var v float64
		if kind == "noise" {
			x := uint32(i)*1103515245 + 12345
			v = float64((x>>16)&255) / 255
		} else {
			ch, px, py := i%c, (i/c)%w, i/(c*w)
			v = float64((px*3+py*5+ch*85)%256) / 255
		}
		out[i] = float32(v * scale)
	}
	return out
}

// modelDir returns the installed model's directory, or skips when it is
// absent: always for an optional model (one no engine uses, which `aisd
// models install` leaves out), else unless AISD_REQUIRE_MODELS=1.
func modelDir(t testing.TB, name string) string {
	t.Helper()
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, name)
	if _, err := os.Stat(dir); err != nil {
		if optionalModel(t, name) {
			t.Skipf("optional model %s not installed: no engine uses it (aisd models install %s to test it)", name, name)
		}
		if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
			t.Fatalf("model %s missing: %v", name, err)
		}
		t.Skipf("model %s not installed at %s (run aisd models install)", name, dir)
	}
	return dir
}

// optionalModel reports whether the model's manifest entry names no engine
// in used_by.
func optionalModel(t testing.TB, name string) bool {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "manifest", name+".tfjs.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifestConvert
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return len(m.UsedBy) == 0
}

// built caches conversions shared by the parity and manifest tests.
var built sync.Map // dir/file -> []byte

func cachedBuild(dir, file string) ([]byte, error) {
	key := filepath.Join(dir, file)
	if b, ok := built.Load(key); ok {
		return b.([]byte), nil
	}
	b, err := Build(context.Background(), dir, file, Options{})
	if err != nil {
		return nil, err
	}
	built.Store(key, b)
	return b, nil
}

func initORT(t testing.TB) { enginetest.Init(t) }

func TestParity(t *testing.T) {
	for _, pm := range parityModels {
		t.Run(pm.name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "parity", pm.name+".json"))
			if err != nil {
				t.Fatalf("reference outputs: %v (regenerate with tools/tfjsref)", err)
			}
			var ref parityRef
			if err := json.Unmarshal(raw, &ref); err != nil {
				t.Fatal(err)
			}
			dir := modelDir(t, pm.name)
			initORT(t)
			onnx, err := cachedBuild(dir, pm.file)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "model.onnx")
			if err := os.WriteFile(path, onnx, 0o644); err != nil {
				t.Fatal(err)
			}
			m, err := engine.Open(path, engine.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			for _, c := range ref.Cases {
				in := engine.Tensor{Shape: ref.Input.Shape, Data: patternInput(c.Pattern, ref.Input.Shape, ref.Input.Scale)}
				outs, err := m.Run(context.Background(), []engine.Tensor{in})
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]engine.Tensor{}
				for _, o := range outs {
					got[o.Name] = o
				}
				for name, want := range c.Outputs {
					o, ok := got[name]
					if !ok {
						t.Errorf("%s: output %q missing (have %v)", c.Pattern, name, keys(got))
						continue
					}
					tol := pm.tol
					if v, ok := pm.tolByOut[name]; ok {
						tol = v
					}
					compareOutput(t, c.Pattern+" "+name, o, want, tol)
				}
			}
		})
	}
}

func keys(m map[string]engine.Tensor) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func compareOutput(t *testing.T, label string, got engine.Tensor, want parityData, tol float64) {
	t.Helper()
	if len(got.Shape) != len(want.Shape) {
		t.Errorf("%s: shape %v, want %v", label, got.Shape, want.Shape)
		return
	}
	for k := range got.Shape {
		if got.Shape[k] != want.Shape[k] {
			t.Errorf("%s: shape %v, want %v", label, got.Shape, want.Shape)
			return
		}
	}
	vals := got.Data
	if got.Int32 != nil {
		vals = make([]float32, len(got.Int32))
		for k, v := range got.Int32 {
			vals[k] = float32(v)
		}
	}
	stride := max(want.Stride, 1)
	limit := tol * math.Max(want.MaxAbs, 1e-6)
	worst, at := 0.0, -1
	for k, w := range want.Values {
		idx := k * stride
		if idx >= len(vals) {
			t.Errorf("%s: %d values, reference needs index %d", label, len(vals), idx)
			return
		}
		if d := math.Abs(float64(vals[idx]) - w); d > worst || math.IsNaN(d) {
			worst, at = d, idx
		}
	}
	if worst > limit || math.IsNaN(worst) {
		t.Errorf("%s: max abs diff %.3g at element %d (got %v, want %v), limit %.3g", label, worst, at, vals[at], want.Values[at/stride], limit)
		return
	}
	t.Logf("%s: max abs diff %.3g (limit %.3g, scale %.3g)", label, worst, limit, want.MaxAbs)
}
