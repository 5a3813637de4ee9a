package pipeline

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aisd/aisd/internal/engine"
)

var (
	loadOnce sync.Once
	shared   *Pipeline
	loadErr  error
)

// testPipeline loads the models once per test binary, in the reference
// mode (ReferenceConfig) the golden tests pin; it skips when they are not
// installed unless AISD_REQUIRE_MODELS=1. accurate is the same models
// with DefaultConfig.
func testPipeline(t testing.TB) *Pipeline {
	t.Helper()
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{engine.LibPath(root), filepath.Join(root, ModelDir, RecFile)} {
		if _, err := os.Stat(f); err != nil {
			if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
				t.Fatalf("models missing: %v", err)
			}
			t.Skipf("OCR models not installed (%s); run aisd models install", f)
		}
	}
	loadOnce.Do(func() {
		shared, loadErr = Load(root, ReferenceConfig(), LoadOptions{Options: engine.Options{IntraOpThreads: 2, PoolSize: 2}})
	})
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return shared
}

// sharedFixtures returns ../shared/fixtures/rapidocr next to the repository,
// skipping when it is absent.
func sharedFixtures(t testing.TB) string {
	t.Helper()
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	// ModelsRoot may come from AISD_MODELS_DIR; the fixtures sit next to
	// the repository, found from the working directory.
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("repository root not found")
		}
		dir = parent
	}
	_ = root
	p := filepath.Join(dir, "..", "shared", "fixtures", "rapidocr")
	if _, err := os.Stat(filepath.Join(p, "reference_full_pipeline.json")); err != nil {
		t.Skipf("../shared/fixtures/rapidocr absent: RapidOCR golden tests need it")
	}
	return p
}

func decodeFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func accurate(t testing.TB) *Pipeline { return testPipeline(t).WithConfig(DefaultConfig()) }
