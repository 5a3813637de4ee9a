package models

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// fakeNPM puts a shell script named npm first on PATH. It answers
// `npm pack SPEC --pack-destination DIR` by copying the tarball registered
// for SPEC, logs every call, and fails like npm on an unknown package.
type fakeNPM struct {
	dir string // holds the script and the tarballs
	log string
}

const fakeNPMScript = `#!/bin/sh
echo "$@" >> "$FAKE_NPM_LOG"
[ "$1" = pack ] || { echo "fake npm: only pack" >&2; exit 2; }
spec=$2
dest=
while [ $# -gt 0 ]; do
	[ "$1" = --pack-destination ] && dest=$2
	shift
done
src="$FAKE_NPM_DIR/$(printf %s "$spec" | tr '/@' '__').tgz"
if [ ! -f "$src" ]; then
	echo "npm error code E404" >&2
	echo "npm error 404 Not Found - $spec" >&2
	exit 1
fi
cp "$src" "$dest/package.tgz"
`

func newFakeNPM(t *testing.T) *fakeNPM {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake npm is a shell script")
	}
	f := &fakeNPM{dir: t.TempDir()}
	f.log = filepath.Join(f.dir, "calls.log")
	must(t, os.WriteFile(filepath.Join(f.dir, "npm"), []byte(fakeNPMScript), 0o755))
	t.Setenv("PATH", f.dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_NPM_DIR", f.dir)
	t.Setenv("FAKE_NPM_LOG", f.log)
	return f
}

// publish makes spec fetchable with the given tarball.
func (f *fakeNPM) publish(t *testing.T, spec string, tgz []byte) {
	t.Helper()
	name := strings.NewReplacer("/", "_", "@", "_").Replace(spec) + ".tgz"
	must(t, os.WriteFile(filepath.Join(f.dir, name), tgz, 0o644))
}

// calls returns the argument lines npm was run with.
func (f *fakeNPM) calls(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(f.log)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	must(t, err)
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

// tarball builds an npm-style package: entries under package/, with a
// directory entry and an unrelated file like real packages have.
func tarball(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	must(t, tw.WriteHeader(&tar.Header{Name: "package/", Typeflag: tar.TypeDir, Mode: 0o755}))
	all := map[string]string{"package/package.json": `{"name":"x"}`}
	for k, v := range files {
		all[k] = v
	}
	for _, name := range sortedNames(all) {
		body := all[name]
		must(t, tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))}))
		_, err := tw.Write([]byte(body))
		must(t, err)
	}
	must(t, tw.Close())
	must(t, gz.Close())
	return buf.Bytes()
}

func sortedNames(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// The demo package: a "network" and its labels.
const (
	demoNet    = "not really a network, but bytes with a known hash\n"
	demoLabels = "cat\ndog\n"
)

func demoManifest() *Manifest {
	return &Manifest{
		Name: "demo", Task: "classification", Licence: "MIT",
		Source: Source{NPM: "@acme/demo-models", Version: "1.2.3"},
		Files: []File{
			{Src: "package/assets/net.onnx", Dst: "net.onnx", SHA256: sum(demoNet)},
			{Src: "package/assets/labels.txt", Dst: "labels.txt", SHA256: sum(demoLabels)},
		},
		Labels: &Labels{File: "labels.txt", For: "net.onnx"},
		UsedBy: []string{"image"},
	}
}

func demoTarball(t *testing.T) []byte {
	return tarball(t, map[string]string{
		"package/assets/net.onnx":   demoNet,
		"package/assets/labels.txt": demoLabels,
		"package/README.md":         "ignored",
	})
}

func newManager(t *testing.T, ms ...*Manifest) *Manager {
	t.Helper()
	for _, m := range ms {
		must(t, m.Validate())
	}
	mgr, err := New(t.TempDir(), ms)
	must(t, err)
	return mgr
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	return string(data)
}

// noTemps fails if an install left temporary files anywhere under root.
func noTemps(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), tmpPrefix) {
			t.Errorf("temporary file left behind: %s", p)
		}
		return nil
	})
}

func TestInstallFreshThenIdempotent(t *testing.T) {
	npm := newFakeNPM(t)
	npm.publish(t, "@acme/demo-models@1.2.3", demoTarball(t))
	mgr := newManager(t, demoManifest())
	ctx := context.Background()

	var out bytes.Buffer
	must(t, mgr.Install(ctx, []string{"demo"}, &out))
	dir := mgr.Dir("demo")
	if got := readFile(t, filepath.Join(dir, "net.onnx")); got != demoNet {
		t.Errorf("net.onnx = %q", got)
	}
	if got := readFile(t, filepath.Join(dir, "labels.txt")); got != demoLabels {
		t.Errorf("labels.txt = %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("unlisted tarball file was extracted")
	}
	var meta Meta
	must(t, json.Unmarshal([]byte(readFile(t, filepath.Join(dir, metaFile))), &meta))
	if meta.Name != "demo" || meta.Source != "@acme/demo-models@1.2.3" || meta.Version != "1.2.3" ||
		len(meta.Files) != 2 || meta.Files[0].SHA256 != sum(demoNet) || meta.Files[0].Size != int64(len(demoNet)) ||
		meta.InstalledAt.IsZero() {
		t.Errorf("model.json = %+v", meta)
	}
	if calls := npm.calls(t); len(calls) != 1 || !strings.HasPrefix(calls[0], "pack @acme/demo-models@1.2.3 --pack-destination ") {
		t.Errorf("npm calls = %q", calls)
	}
	for _, step := range []string{"fetch", "extract", "verify", "done"} {
		if !strings.Contains(out.String(), "[1/1] demo  "+step) {
			t.Errorf("progress lacks a %s line:\n%s", step, out.String())
		}
	}
	noTemps(t, mgr.Root())
	p, err := mgr.Path("demo", "labels.txt")
	if err != nil || p != filepath.Join(dir, "labels.txt") {
		t.Errorf("Path = %q, %v", p, err)
	}
	if labels, err := mgr.Labels("demo"); err != nil || strings.Join(labels, ",") != "cat,dog" {
		t.Errorf("Labels = %q, %v", labels, err)
	}

	// A second install changes nothing, runs nothing and says so.
	before, _ := os.Stat(filepath.Join(dir, "net.onnx"))
	out.Reset()
	fresh, _ := New(mgr.Root(), []*Manifest{demoManifest()})
	must(t, fresh.Install(ctx, nil, &out))
	if !strings.Contains(out.String(), "already installed and verified") {
		t.Errorf("second install output:\n%s", out.String())
	}
	if n := len(npm.calls(t)); n != 1 {
		t.Errorf("npm ran %d times, want 1", n)
	}
	after, _ := os.Stat(filepath.Join(dir, "net.onnx"))
	if !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("net.onnx rewritten by an idempotent install")
	}

	// With the model gone, the cached tarball is used without npm.
	must(t, os.RemoveAll(dir))
	out.Reset()
	must(t, fresh.Install(ctx, nil, &out))
	if !strings.Contains(out.String(), "using cached acme-demo-models-1.2.3.tgz") {
		t.Errorf("reinstall did not use the cache:\n%s", out.String())
	}
	if n := len(npm.calls(t)); n != 1 {
		t.Errorf("npm ran %d times, want 1", n)
	}
	if got := readFile(t, filepath.Join(dir, "net.onnx")); got != demoNet {
		t.Errorf("net.onnx after reinstall = %q", got)
	}
}

func TestInstallWrongHash(t *testing.T) {
	npm := newFakeNPM(t)
	npm.publish(t, "@acme/demo-models@1.2.3", tarball(t, map[string]string{
		"package/assets/net.onnx":   "tampered\n",
		"package/assets/labels.txt": demoLabels,
	}))
	mgr := newManager(t, demoManifest())
	var out bytes.Buffer
	err := mgr.Install(context.Background(), nil, &out)
	var he *HashError
	if !errors.As(err, &he) {
		t.Fatalf("err = %v, want a HashError", err)
	}
	if he.File != "acme-demo-models-1.2.3.tgz:package/assets/net.onnx" || he.Expected != sum(demoNet) || he.Actual != sum("tampered\n") {
		t.Errorf("HashError = %+v", he)
	}
	for _, want := range []string{"package/assets/net.onnx", sum(demoNet), sum("tampered\n")} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("HashError is not ErrCorrupt")
	}
	// Nothing with a wrong hash is left under a real name, and the model is
	// not installed.
	for _, name := range []string{"net.onnx", "labels.txt", metaFile} {
		if _, err := os.Stat(filepath.Join(mgr.Dir("demo"), name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s exists after a failed install", name)
		}
	}
	if _, err := os.Stat(filepath.Join(mgr.cacheDir(), "acme-demo-models-1.2.3.tgz")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a tarball that failed verification stayed in the cache")
	}
	noTemps(t, mgr.Root())
	if _, err := mgr.Path("demo", "net.onnx"); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("Path after failed install: %v", err)
	}
	if !strings.Contains(out.String(), "failed") {
		t.Errorf("progress does not report the failure:\n%s", out.String())
	}
}

func TestInstallReplacesBadCachedTarball(t *testing.T) {
	npm := newFakeNPM(t)
	npm.publish(t, "@acme/demo-models@1.2.3", demoTarball(t))
	mgr := newManager(t, demoManifest())
	must(t, os.MkdirAll(mgr.cacheDir(), 0o755))
	// A truncated download and a tarball of other content both get replaced.
	for _, bad := range [][]byte{demoTarball(t)[:100], tarball(t, map[string]string{"package/assets/net.onnx": "old"})} {
		must(t, os.RemoveAll(mgr.Dir("demo")))
		must(t, os.WriteFile(filepath.Join(mgr.cacheDir(), "acme-demo-models-1.2.3.tgz"), bad, 0o644))
		var out bytes.Buffer
		if err := mgr.Install(context.Background(), nil, &out); err != nil {
			t.Fatalf("install over a bad cached tarball: %v\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), "cached tarball is bad") {
			t.Errorf("output does not say why it refetched:\n%s", out.String())
		}
		if got := readFile(t, filepath.Join(mgr.Dir("demo"), "net.onnx")); got != demoNet {
			t.Errorf("net.onnx = %q", got)
		}
	}
	if n := len(npm.calls(t)); n != 2 {
		t.Errorf("npm ran %d times, want 2", n)
	}
}

func TestInstallRecoversFromInterruptedInstall(t *testing.T) {
	npm := newFakeNPM(t)
	npm.publish(t, "@acme/demo-models@1.2.3", demoTarball(t))
	mgr := newManager(t, demoManifest())
	dir := mgr.Dir("demo")
	must(t, os.MkdirAll(dir, 0o755))
	// Killed mid-way: one file done, one half-written temp, no model.json.
	must(t, os.WriteFile(filepath.Join(dir, "labels.txt"), []byte(demoLabels), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, tmpPrefix+"net.onnx-123"), []byte(demoNet[:5]), 0o644))
	must(t, os.MkdirAll(filepath.Join(mgr.cacheDir(), tmpPrefix+"pack-9"), 0o755))

	if _, err := mgr.Path("demo", "labels.txt"); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Path on a half-installed model: %v", err)
	}
	var out bytes.Buffer
	must(t, mgr.Install(context.Background(), nil, &out))
	if got := readFile(t, filepath.Join(dir, "net.onnx")); got != demoNet {
		t.Errorf("net.onnx = %q", got)
	}
	noTemps(t, mgr.Root())
	if _, err := mgr.Path("demo", "net.onnx"); err != nil {
		t.Errorf("Path after recovery: %v", err)
	}

	// Every file in place but model.json lost: finished without npm.
	must(t, os.Remove(filepath.Join(dir, metaFile)))
	must(t, os.RemoveAll(mgr.cacheDir()))
	out.Reset()
	fresh, _ := New(mgr.Root(), []*Manifest{demoManifest()})
	must(t, fresh.Install(context.Background(), nil, &out))
	if !strings.Contains(out.String(), "all 2 files already in place") {
		t.Errorf("output:\n%s", out.String())
	}
	if n := len(npm.calls(t)); n != 1 {
		t.Errorf("npm ran %d times, want 1", n)
	}
}

func TestInstallFailures(t *testing.T) {
	missingFile := demoManifest()
	missingFile.Files = append(missingFile.Files, File{Src: "package/assets/extra.bin", Dst: "extra.bin", SHA256: sum("x")})
	unpublished := demoManifest()
	unpublished.Source.Version = "9.9.9"
	for _, tc := range []struct {
		name   string
		m      *Manifest
		noNPM  bool
		models []string
		want   []string
	}{
		{"file missing from tarball", missingFile, false, nil, []string{"acme-demo-models-1.2.3.tgz lacks package/assets/extra.bin"}},
		{"npm fails", unpublished, false, nil, []string{"npm pack @acme/demo-models@9.9.9", "404 Not Found"}},
		{"npm not installed", demoManifest(), true, nil, []string{"npm is not on PATH", "apt-get install npm"}},
		{"unknown model", demoManifest(), false, []string{"nope"}, []string{"model nope: unknown model (known: demo)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			npm := newFakeNPM(t)
			npm.publish(t, "@acme/demo-models@1.2.3", demoTarball(t))
			if tc.noNPM {
				t.Setenv("PATH", t.TempDir())
			}
			mgr := newManager(t, tc.m)
			err := mgr.Install(context.Background(), tc.models, nil)
			if err == nil {
				t.Fatal("install succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			noTemps(t, mgr.Root())
		})
	}
}

func TestPathErrors(t *testing.T) {
	npm := newFakeNPM(t)
	npm.publish(t, "@acme/demo-models@1.2.3", demoTarball(t))
	other := demoManifest()
	other.Name = "other"
	mgr := newManager(t, demoManifest(), other)
	must(t, mgr.Install(context.Background(), []string{"demo"}, nil))

	// A later manager sees a file corrupted on disk.
	must(t, os.WriteFile(filepath.Join(mgr.Dir("demo"), "labels.txt"), []byte("cat\n"), 0o644))
	later, _ := New(mgr.Root(), []*Manifest{demoManifest(), other})

	for _, tc := range []struct {
		name, model, file string
		is                error
		want              []string
	}{
		{"unknown model", "nope", "x", ErrUnknown, []string{"model nope: unknown model (known: demo, other)"}},
		{"unknown file", "demo", "x.onnx", ErrUnknown, []string{"x.onnx", "the model's files are net.onnx, labels.txt"}},
		{"not installed", "other", "net.onnx", ErrNotInstalled, []string{"model other: not installed", "run: aisd models install other"}},
		{"corrupt", "demo", "net.onnx", ErrCorrupt, []string{"model demo: labels.txt", sum(demoLabels), sum("cat\n"), "run: aisd models install demo"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := later.Path(tc.model, tc.file)
			if !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}

	// Reinstalling repairs it; the first manager answered from its cache
	// all along, Verify re-hashes.
	if _, err := mgr.Path("demo", "net.onnx"); err != nil {
		t.Errorf("cached Path: %v", err)
	}
	if _, err := mgr.Verify(context.Background(), []string{"demo"}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Verify after corruption: %v", err)
	}
	if _, err := mgr.Path("demo", "net.onnx"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Path after a failed Verify: %v", err)
	}
	must(t, later.Install(context.Background(), []string{"demo"}, nil))
	if _, err := later.Path("demo", "labels.txt"); err != nil {
		t.Errorf("Path after repair: %v", err)
	}
}

func TestPlatformFiles(t *testing.T) {
	npm := newFakeNPM(t)
	npm.publish(t, "rt@1.0.0", tarball(t, map[string]string{
		"package/x64/lib.so":   "amd64 build",
		"package/arm64/lib.so": "arm64 build",
	}))
	m := &Manifest{Name: "rt", Task: "runtime", Licence: "MIT", Source: Source{NPM: "rt", Version: "1.0.0"},
		Files: []File{
			{Src: "package/x64/lib.so", Dst: "lib.so", SHA256: sum("amd64 build"), GOARCH: "amd64"},
			{Src: "package/arm64/lib.so", Dst: "lib.so", SHA256: sum("arm64 build"), GOARCH: "arm64"},
		},
		UsedBy: []string{"ocr"},
	}
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("no build in the fake package for %s", runtime.GOARCH)
	}
	mgr := newManager(t, m)
	must(t, mgr.Install(context.Background(), nil, nil))
	p, err := mgr.Path("rt", "lib.so")
	must(t, err)
	if got := readFile(t, p); got != runtime.GOARCH+" build" {
		t.Errorf("lib.so = %q on %s", got, runtime.GOARCH)
	}
	if fs := m.Platform("darwin", "amd64"); len(fs) != 1 || fs[0].Src != "package/x64/lib.so" {
		t.Errorf("Platform(darwin, amd64) = %+v", fs)
	}
	m.Files[0].GOOS, m.Files[1].GOOS = "plan9", "plan9"
	if err := newManager(t, m).Install(context.Background(), nil, nil); err == nil ||
		!strings.Contains(err.Error(), "no files for "+runtime.GOOS+"/"+runtime.GOARCH) {
		t.Errorf("install without files for this platform: %v", err)
	}
}

// upperConverter "converts" by upper-casing the entry file, which is enough
// to check the hook's contract: input in srcDir, output at out, hash pinned.
var registerTestConverters sync.Once

func testConverters() {
	registerTestConverters.Do(func() {
		RegisterConverter("test-upper", func(ctx context.Context, srcDir string, spec ConvertSpec, out string) error {
			data, err := os.ReadFile(filepath.Join(srcDir, spec.ModelJSON))
			if err != nil {
				return err
			}
			if p, _ := spec.Options["prefix"].(string); p != "" {
				data = append([]byte(p), data...)
			}
			return os.WriteFile(out, bytes.ToUpper(data), 0o644)
		})
		RegisterConverter("test-fail", func(context.Context, string, ConvertSpec, string) error {
			return errors.New("unsupported op Einsum")
		})
	})
}

func TestConvert(t *testing.T) {
	testConverters()
	converted := "P:" + strings.ToUpper(demoNet)
	withConvert := func(format, hash string) *Manifest {
		m := demoManifest()
		m.Convert = &ConvertSpec{Format: format, ModelJSON: "net.onnx", Output: "model.onnx", SHA256: hash,
			Options: map[string]any{"prefix": "p:"}}
		return m
	}
	for _, tc := range []struct {
		name    string
		m       *Manifest
		want    string // error substring; empty for success
		npmRuns int
	}{
		{"converts", withConvert("test-upper", sum(converted)), "", 1},
		{"wrong output hash", withConvert("test-upper", sum("other")), "converted model.onnx: sha256 mismatch: expected " + sum("other") + ", got " + sum(converted), 1},
		{"converter fails", withConvert("test-fail", sum(converted)), "convert net.onnx (test-fail): unsupported op Einsum", 1},
		{"no converter", withConvert("tfjs-nope", sum(converted)), `no converter registered for format "tfjs-nope"`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			npm := newFakeNPM(t)
			npm.publish(t, "@acme/demo-models@1.2.3", demoTarball(t))
			mgr := newManager(t, tc.m)
			var out bytes.Buffer
			err := mgr.Install(context.Background(), nil, &out)
			if n := len(npm.calls(t)); n != tc.npmRuns {
				t.Errorf("npm ran %d times, want %d", n, tc.npmRuns)
			}
			noTemps(t, mgr.Root())
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want %q", err, tc.want)
				}
				if _, err := os.Stat(filepath.Join(mgr.Dir("demo"), "model.onnx")); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("model.onnx exists after a failed conversion")
				}
				return
			}
			must(t, err)
			p, err := mgr.Path("demo", "model.onnx")
			must(t, err)
			if got := readFile(t, p); got != converted {
				t.Errorf("model.onnx = %q", got)
			}
			if !strings.Contains(out.String(), "convert  test-upper net.onnx → model.onnx") {
				t.Errorf("progress lacks the convert step:\n%s", out.String())
			}
			var meta Meta
			must(t, json.Unmarshal([]byte(readFile(t, filepath.Join(mgr.Dir("demo"), metaFile))), &meta))
			if len(meta.Files) != 3 || meta.Files[2].Name != "model.onnx" || meta.Files[2].SHA256 != sum(converted) {
				t.Errorf("model.json files = %+v", meta.Files)
			}
		})
	}
}

// TestInstallProgressGolden pins the plain (non-terminal) progress output.
func TestInstallProgressGolden(t *testing.T) {
	testConverters()
	npm := newFakeNPM(t)
	npm.publish(t, "@acme/demo-models@1.2.3", demoTarball(t))
	npm.publish(t, "rt@1.0.0", tarball(t, map[string]string{"package/lib.so": "lib"}))
	conv := demoManifest()
	conv.Name = "demo-converted"
	conv.Convert = &ConvertSpec{Format: "test-upper", ModelJSON: "net.onnx", Output: "model.onnx", SHA256: sum(strings.ToUpper(demoNet))}
	rt := &Manifest{Name: "rt", Task: "runtime", Licence: "MIT", Source: Source{NPM: "rt", Version: "1.0.0"},
		Files: []File{{Src: "package/lib.so", Dst: "lib.so", SHA256: sum("lib")}}, UsedBy: []string{"ocr"}}
	mgr := newManager(t, demoManifest(), conv, rt)

	var out bytes.Buffer
	must(t, mgr.Install(context.Background(), nil, &out))
	must(t, mgr.Install(context.Background(), []string{"rt"}, &out))
	got := strings.ReplaceAll(out.String(), mgr.Root(), "$ROOT")
	got = regexp.MustCompile(`in \d+\.\ds`).ReplaceAllString(got, "in 0.0s")

	golden := filepath.Join("testdata", "install_progress.golden")
	if *update {
		must(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	must(t, err)
	if got != string(want) {
		t.Errorf("progress differs from %s (rerun with -update after checking):\n--- got\n%s--- want\n%s", golden, got, want)
	}
}

func TestInstallHonoursCancellation(t *testing.T) {
	newFakeNPM(t).publish(t, "@acme/demo-models@1.2.3", demoTarball(t))
	mgr := newManager(t, demoManifest())
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	if err := mgr.Install(ctx, nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if _, err := mgr.Path("demo", "net.onnx"); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("Path after a cancelled install: %v", err)
	}
}

// Engines start concurrently; Path must be safe and agree.
func TestPathConcurrent(t *testing.T) {
	newFakeNPM(t).publish(t, "@acme/demo-models@1.2.3", demoTarball(t))
	mgr := newManager(t, demoManifest())
	must(t, mgr.Install(context.Background(), nil, nil))
	fresh, _ := New(mgr.Root(), []*Manifest{demoManifest()})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			file := []string{"net.onnx", "labels.txt"}[i%2]
			p, err := fresh.Path("demo", file)
			if err == nil && p != filepath.Join(mgr.Dir("demo"), file) {
				err = errors.New("wrong path " + p)
			}
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestInstallDefaultsOnly: without names, install fetches only the models
// an engine uses; an optional one comes by name, and verify without names
// then checks it too.
func TestInstallDefaultsOnly(t *testing.T) {
	npm := newFakeNPM(t)
	npm.publish(t, "@acme/demo-models@1.2.3", demoTarball(t))
	npm.publish(t, "@acme/extra@2.0.0", tarball(t, map[string]string{"package/extra.onnx": "extra"}))
	extra := &Manifest{Name: "extra", Task: "face", Licence: "MIT", Source: Source{NPM: "@acme/extra", Version: "2.0.0"},
		Files: []File{{Src: "package/extra.onnx", Dst: "extra.onnx", SHA256: sum("extra")}}}
	mgr := newManager(t, demoManifest(), extra)
	ctx := context.Background()
	if got := mgr.Defaults(); len(got) != 1 || got[0] != "demo" {
		t.Fatalf("Defaults = %q", got)
	}
	var out bytes.Buffer
	must(t, mgr.Install(ctx, nil, &out))
	if !strings.Contains(out.String(), "[1/1] demo") || strings.Contains(out.String(), "] extra") {
		t.Errorf("install without names:\n%s", out.String())
	}
	if _, err := os.Stat(mgr.Dir("extra")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("optional model installed without being asked for: %v", err)
	}
	if calls := npm.calls(t); len(calls) != 1 {
		t.Errorf("npm calls = %q", calls)
	}
	if _, err := mgr.Path("extra", "extra.onnx"); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("Path of the optional model: %v", err)
	}
	sts, err := mgr.Verify(ctx, nil)
	if err != nil || len(sts) != 1 || sts[0].Manifest.Name != "demo" {
		t.Fatalf("verify without names = %+v, %v; want demo alone", sts, err)
	}
	must(t, mgr.Install(ctx, []string{"extra"}, &out))
	if p, err := mgr.Path("extra", "extra.onnx"); err != nil || readFile(t, p) != "extra" {
		t.Fatalf("optional model by name: %q, %v", p, err)
	}
	sts, err = mgr.Verify(ctx, nil)
	if err != nil || len(sts) != 2 {
		t.Fatalf("verify without names after installing extra = %+v, %v", sts, err)
	}
}
