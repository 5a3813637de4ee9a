package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/models"
	"github.com/aisd/aisd/internal/server"
	"github.com/aisd/aisd/internal/services/imagerec"
)

// TestGalleryCLI drives `aisd admin gallery` against a server with the
// image engine: create, enrol a packaged face photo, show, remove, rm.
func TestGalleryCLI(t *testing.T) {
	skip := func(why string) {
		if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	photo := "/usr/lib/python3/dist-packages/skimage/data/astronaut.png"
	if _, err := os.Stat(photo); err != nil {
		skip("python3-skimage's sample photos missing (make deps)")
	}
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.Open(root).Verify(context.Background(), append([]string{"onnxruntime"}, imagerec.Models...)); err != nil {
		skip("image models not installed (make models): " + err.Error())
	}
	cfg := config.Default()
	dir := t.TempDir()
	cfg.DataDir, cfg.DSN = dir, "sqlite:"+filepath.Join(dir, "aisd.db")
	cfg.RootAK, cfg.RootSK, cfg.ModelsDir, cfg.Engines = ak, sk, root, []string{"image"}
	s, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer func() { srv.Close(); s.Close() }()
	adm := []string{"admin", "--endpoint", srv.URL, "--ak", ak, "--sk", sk, "-o", "json", "gallery"}
	pid := s.Root.Project.ID
	steps := []struct {
		args []string
		want string // in the output, or in the error when it starts with "!"
	}{
		{[]string{"create", pid, "crew", "--description", "NASA"}, `"name": "crew"`},
		{[]string{"create", pid, "crew"}, "!AIP.0014"},
		{[]string{"add", pid, "crew", "Eileen Collins", photo}, `"faces": 1`},
		{[]string{"show", pid, "crew"}, `"label": "Eileen Collins"`},
		{[]string{"list", pid}, `"count": 1`},
		{[]string{"remove", pid, "crew", "Eileen Collins"}, ""},
		{[]string{"show", pid, "crew"}, `"people": []`},
		{[]string{"rm", pid, "crew"}, ""},
		{[]string{"show", pid, "crew"}, "!AIP.0016"},
	}
	for _, st := range steps {
		out, err := run(t, append(adm, st.args...)...)
		if want, ok := strings.CutPrefix(st.want, "!"); ok {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("%v: want error %s, got %v %s", st.args, want, err, out)
			}
			continue
		}
		if err != nil || !strings.Contains(out, st.want) {
			t.Fatalf("%v: %v %s", st.args, err, out)
		}
	}
}
