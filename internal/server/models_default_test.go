package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/models"
	"github.com/aisd/aisd/internal/server"
	"github.com/aisd/aisd/internal/services/imagerec"
	"github.com/aisd/aisd/internal/services/moderation"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// onlyDefaultsEnv names, for the child process of the test below, the
// models directory holding only the default models.
const onlyDefaultsEnv = "AISD_TEST_ONLY_DEFAULT_MODELS"

// TestDefaultModelsAreWhatEnginesLoad: `aisd models install` without
// names installs exactly the models the engines open — no fewer (every
// engine starts on a directory holding only those) and no more.
func TestDefaultModelsAreWhatEnginesLoad(t *testing.T) {
	if dir := os.Getenv(onlyDefaultsEnv); dir != "" {
		startOnDefaults(t, dir)
		return
	}
	mgr := models.Open(t.TempDir())
	defaults := mgr.Defaults()
	loaded := append([]string{strings.Split(engine.LibRel, "/")[0], pipeline.ModelDir, moderation.NSFWModel}, imagerec.Models...)
	slices.Sort(defaults)
	slices.Sort(loaded)
	if !slices.Equal(defaults, loaded) {
		t.Fatalf("default models %q, engines load %q", defaults, loaded)
	}

	// A models directory with the default models alone.
	src := models.Open(models.DefaultRoot())
	only := t.TempDir()
	for _, name := range defaults {
		if _, err := src.Verify(context.Background(), []string{name}); err != nil {
			if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
				t.Fatal(err)
			}
			t.Skipf("default model %s not installed (run: make models): %v", name, err)
		}
		if err := os.Symlink(src.Dir(name), filepath.Join(only, name)); err != nil {
			t.Fatal(err)
		}
	}
	// ONNX Runtime loads once per process, from one path: the engines
	// start in a child process, so this package's other tests keep theirs.
	cmd := exec.Command(os.Args[0], "-test.run=^TestDefaultModelsAreWhatEnginesLoad$", "-test.v")
	cmd.Env = append(os.Environ(), onlyDefaultsEnv+"="+only)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("engines on the default models alone: %v\n%s", err, out)
	}
}

// startOnDefaults starts every engine on the models directory only.
func startOnDefaults(t *testing.T, only string) {
	cfg := aisdcfg.Default()
	dir := t.TempDir()
	cfg.DataDir, cfg.DSN, cfg.RootAK, cfg.RootSK = dir, "memory:", rootAK, rootSK
	cfg.ModelsDir = only
	var logs bytes.Buffer
	s, err := server.New(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := s.Engines()
	slices.Sort(got)
	if want := []string{"image", "moderation", "ocr"}; !slices.Equal(got, want) || logs.Len() > 0 {
		t.Fatalf("with the default models only: engines %q (want %q), errors:\n%s", got, want, logs.String())
	}
}
