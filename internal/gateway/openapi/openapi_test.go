package openapi

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aisd/aisd/internal/gateway/routes"
)

var update = flag.Bool("update", false, "rewrite testdata/openapi.json")

// The served document is the golden file: a change to the route table,
// the SDK or the management table shows in review as a diff of it.
func TestGolden(t *testing.T) {
	got, err := JSON()
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "openapi.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./internal/gateway/openapi -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("document differs from %s at line %d:\n got %s\nwant %s\n(rerun with -update if the change is intended)", golden, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("document differs from %s in length: %d lines, want %d (rerun with -update)", golden, len(gl), len(wl))
	}
}

func doc(t *testing.T) map[string]any {
	t.Helper()
	b, err := JSON()
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func at(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// Every route of the table is in the document under its SDK operation name,
// and every SDK operation the generated table knows is a route.
func TestEveryRoute(t *testing.T) {
	d := doc(t)
	if d["openapi"] != "3.0.3" {
		t.Fatalf("openapi = %v", d["openapi"])
	}
	for _, r := range routes.All() {
		op := at(d, "paths", r.Path, strings.ToLower(r.Method))
		if op == nil {
			t.Errorf("%s %s missing", r.Method, r.Path)
			continue
		}
		if id := at(op, "operationId"); id != r.Operation {
			t.Errorf("%s %s: operationId %v, want %s", r.Method, r.Path, id, r.Operation)
		}
		if at(op, "responses", "200", "content", "application/json", "schema") == nil {
			t.Errorf("%s: no response schema", r.Operation)
		}
		if at(op, "responses", "default", "content", "application/json", "schema", "$ref") != "#/components/schemas/Error" {
			t.Errorf("%s: errors are not the catalog's shape", r.Operation)
		}
	}
	if len(sdkOps) != len(routes.All()) {
		t.Errorf("%d SDK operations generated for %d routes: go generate ./internal/gateway/openapi", len(sdkOps), len(routes.All()))
	}
}

// The bodies come from the SDK's structs: field names from json tags,
// required from the absence of omitempty, enums from the SDK's listings,
// nested types as components, headers kept out of the body.
func TestSchemasFromSDK(t *testing.T) {
	d := doc(t)
	schemas := at(d, "components", "schemas").(map[string]any)
	op := at(d, "paths", "/v2/{project_id}/ocr/general-text", "post")
	body := at(op, "requestBody", "content", "application/json", "schema", "$ref")
	if body != "#/components/schemas/ocr.GeneralTextRequestBody" {
		t.Fatalf("general-text body = %v", body)
	}
	gt := schemas["ocr.GeneralTextRequestBody"]
	for _, f := range []string{"image", "url", "detect_direction", "quick_mode", "character_mode", "language", "pdf_page_number"} {
		if at(gt, "properties", f) == nil {
			t.Errorf("GeneralTextRequestBody lacks %s", f)
		}
	}
	if at(gt, "properties", "pdf_page_number", "format") != "int32" || at(gt, "properties", "detect_direction", "type") != "boolean" {
		t.Errorf("field types: %v", at(gt, "properties"))
	}
	if at(gt, "required") != nil {
		t.Errorf("every field of the body is omitempty, yet required = %v", at(gt, "required"))
	}
	resp := at(op, "responses", "200", "content", "application/json", "schema")
	if at(resp, "properties", "result", "$ref") != "#/components/schemas/ocr.GeneralTextResult" {
		t.Errorf("general-text answer = %v", resp)
	}
	if at(resp, "properties", "X-Request-Id") != nil {
		t.Errorf("a response header is in the body: %v", resp)
	}
	var params []string
	for _, p := range at(op, "parameters").([]any) {
		params = append(params, at(p, "in").(string)+":"+at(p, "name").(string))
	}
	if !slices.Contains(params, "path:project_id") || !slices.Contains(params, "header:Enterprise-Project-Id") {
		t.Errorf("parameters = %v", params)
	}
	// A field without omitempty is required.
	found := false
	for name, s := range schemas {
		if r, ok := at(s, "required").([]any); ok && len(r) > 0 && strings.HasPrefix(name, "ocr.") {
			found = true
			break
		}
	}
	if !found {
		t.Errorf("no OCR schema has a required field (fields without omitempty)")
	}
	// Enums.
	video := at(d, "paths", "/v3/{project_id}/moderation/video/jobs", "post", "requestBody", "content", "application/json", "schema", "$ref")
	if video != "#/components/schemas/moderation.VideoCreateRequest" {
		t.Fatalf("video body = %v", video)
	}
	cat := at(schemas["moderation.VideoCreateRequest"], "properties", "image_categories", "items", "$ref")
	if cat == nil {
		t.Fatalf("image_categories = %v", at(schemas["moderation.VideoCreateRequest"], "properties", "image_categories"))
	}
	enum := schemas[strings.TrimPrefix(cat.(string), "#/components/schemas/")]
	vals, _ := at(enum, "enum").([]any)
	for _, want := range []string{"porn", "politics", "terrorism", "image_text"} {
		if !slices.Contains(vals, any(want)) {
			t.Errorf("image categories %v lack %s", vals, want)
		}
	}
	// Job queries take the job id in the path.
	q := at(d, "paths", "/v3/{project_id}/moderation/video/jobs/{job_id}", "get", "parameters").([]any)
	if len(q) < 2 {
		t.Errorf("video job query parameters = %v", q)
	}
}

// The management table: aisd's own wire types reflected as components.
func TestManagement(t *testing.T) {
	d := doc(t)
	op := at(d, "paths", "/v1/admin/domains", "post")
	if at(op, "responses", "201", "content", "application/json", "schema", "properties", "domain", "$ref") != "#/components/schemas/aisd.admin.Domain" {
		t.Fatalf("create domain answer = %v", at(op, "responses"))
	}
	if got := at(d, "components", "schemas", "aisd.admin.Domain", "properties", "created_at", "type"); got != "string" {
		t.Errorf("admin.Domain.created_at = %v", got)
	}
	if at(d, "paths", "/readyz", "get", "security") != nil {
		t.Error("probes need no credentials")
	}
	if at(d, "paths", "/v1/admin/faults/{id}", "delete", "responses", "204") == nil {
		t.Error("fault delete answers 204")
	}
}

func TestHandler(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/openapi.json", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" || !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("%d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
}
