package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.go.txt")

// TestGenerateGolden runs the generator over small meta files that use
// every construct the real ones do.
func TestGenerateGolden(t *testing.T) {
	got, err := generate("testdata/sdk", "v0.0.0-test")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "golden.go.txt")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("generated source differs from %s (run go test -update):\n%s", golden, got)
	}
	for _, s := range []string{
		`Operation: "RecognizeGeneralText", Method: "POST", Path: "/v2/{project_id}/ocr/general-text", Service: "ocr.general-text", ContentType: "application/json;charset=UTF-8", Headers: []string{"Enterprise-Project-Id"}, Query: []string{"limit"}`,
		`Operation: "RunQueryVideoModerationJob", Method: "GET", Path: "/v3/{project_id}/moderation/video/jobs/{job_id}", Service: "moderation.video"`,
		`Operation: "RunCreateVideoModerationJob", Method: "POST"`,
		`Family: catalog.FamilyImage, Operation: "RunImageTagging"`,
	} {
		if !bytes.Contains(got, []byte(s)) {
			t.Errorf("output lacks %s", s)
		}
	}
	if bytes.Contains(got, []byte("helper")) || bytes.Contains(got, []byte("X-Request-Id")) {
		t.Error("output contains a non-definition function or a response field")
	}
}

// TestCheckedInTableIsCurrent regenerates the real table from the SDK in
// the module cache and compares it with the committed file.
func TestCheckedInTableIsCurrent(t *testing.T) {
	dir, version, err := locateSDK()
	if err != nil {
		t.Skipf("SDK module not available: %v", err)
	}
	got, err := generate(dir, version)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../internal/gateway/routes/routes_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("internal/gateway/routes/routes_gen.go is stale: run go generate ./internal/gateway/routes")
	}
}

func TestServiceKey(t *testing.T) {
	ocr, mod := services[0], services[2]
	for _, c := range []struct {
		path string
		s    service
		want string
	}{
		{"/v2/{project_id}/ocr/general-text", ocr, "ocr.general-text"},
		{"/v3/{project_id}/moderation/image/batch", mod, "moderation.image-batch"},
		{"/v3/{project_id}/moderation/video/jobs", mod, "moderation.video"},
		{"/v3/{project_id}/moderation/video/jobs/{job_id}", mod, "moderation.video"},
		{"/v3/{project_id}/moderation/jobs", mod, "moderation.jobs"},
		{"/v2/{project_id}/image/tagging", ocr, ""},
		{"/v2/ocr/general-text", ocr, ""},
		{"/v2/{project_id}/ocr", ocr, ""},
	} {
		got, err := serviceKey(c.path, c.s)
		if c.want == "" {
			if err == nil {
				t.Errorf("serviceKey(%s) = %q, want an error", c.path, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("serviceKey(%s) = %q, %v; want %q", c.path, got, err, c.want)
		}
	}
}

func TestCheckRefusesDuplicates(t *testing.T) {
	a := route{Family: "FamilyOCR", Operation: "A", Method: "POST", Path: "/v2/{project_id}/ocr/x"}
	b := a
	b.Operation = "B"
	if err := check([]route{a, b}); err == nil || !strings.Contains(err.Error(), "declared by both") {
		t.Errorf("duplicate path: %v", err)
	}
	c := a
	c.Path += "y"
	if err := check([]route{a, c}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate operation: %v", err)
	}
}
