package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/server"
	"github.com/aisd/aisd/internal/services/ocr/template/templatetest"
)

func TestTemplateCLI(t *testing.T) {
	clean, err := templatetest.Staff.Render(nil)
	if err != nil {
		t.Skipf("fixture font: %v", err)
	}
	cfg := config.Default()
	dir := t.TempDir()
	cfg.DataDir, cfg.DSN = dir, "sqlite:"+filepath.Join(dir, "aisd.db")
	cfg.RootAK, cfg.RootSK, cfg.Engines = ak, sk, nil
	s, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer func() { srv.Close(); s.Close() }()
	adm := []string{"admin", "--endpoint", srv.URL, "--ak", ak, "--sk", sk, "-o", "json"}
	pid := s.Root.Project.ID
	ref := filepath.Join(dir, "staff.png")
	if err := os.WriteFile(ref, templatetest.PNG(clean.Image), 0o600); err != nil {
		t.Fatal(err)
	}
	box := func(b templatetest.Box) string { return fmt.Sprintf("%g,%g,%g,%g", b.X0, b.Y0, b.X1, b.Y1) }
	out, err := run(t, append(adm, "ocr-template", "create", pid, "staff", "--image", ref,
		"--anchor", "姓名="+box(clean.Anchors["姓名"]), "--anchor", "部门="+box(clean.Anchors["部门"]),
		"--area", "name="+box(clean.Areas["name"]))...)
	if err != nil {
		t.Fatal(err, out)
	}
	var tv struct {
		ID      string `json:"id"`
		Anchors []struct {
			Text     string      `json:"text"`
			Location [][]float64 `json:"location"`
		} `json:"anchors"`
	}
	if err := json.Unmarshal([]byte(out), &tv); err != nil || tv.ID == "" || len(tv.Anchors) != 2 || len(tv.Anchors[1].Location) != 4 {
		t.Fatalf("create: %v %s", err, out)
	}
	out, err = run(t, append(adm, "ocr-classifier", "create", pid, "desk", tv.ID)...)
	if err != nil || !strings.Contains(out, tv.ID) {
		t.Fatalf("classifier create: %v %s", err, out)
	}
	var cv struct{ ID string }
	_ = json.Unmarshal([]byte(out), &cv)
	for _, c := range [][]string{
		{"ocr-template", "list", pid}, {"ocr-template", "get", pid, tv.ID}, {"ocr-classifier", "list", pid}, {"ocr-classifier", "get", pid, cv.ID},
	} {
		if out, err := run(t, append(adm, c...)...); err != nil || !strings.Contains(out, tv.ID) {
			t.Fatalf("%v: %v %s", c, err, out)
		}
	}
	// The template is in use until its classifier goes.
	if _, err := run(t, append(adm, "ocr-template", "delete", pid, tv.ID)...); err == nil || !strings.Contains(err.Error(), "AIP.0016") {
		t.Fatalf("delete in use: %v", err)
	}
	for _, c := range [][]string{{"ocr-classifier", "delete", pid, cv.ID}, {"ocr-template", "delete", pid, tv.ID}} {
		if out, err := run(t, append(adm, c...)...); err != nil {
			t.Fatalf("%v: %v %s", c, err, out)
		}
	}
	if out, err := run(t, append(adm, "ocr-template", "list", pid)...); err != nil || !strings.Contains(out, `"count": 0`) {
		t.Fatalf("list after delete: %v %s", err, out)
	}
	if _, err := run(t, append(adm, "ocr-template", "create", pid, "x", "--image", ref, "--area", "bad")...); err == nil || !strings.Contains(err.Error(), "NAME=X0,Y0,X1,Y1") {
		t.Fatalf("bad --area: %v", err)
	}
}
