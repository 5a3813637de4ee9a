package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aisd/aisd/internal/admin"
	"github.com/aisd/aisd/internal/gateway/openapi"
)

// The document at /v1/openapi.json describes every pattern the server
// mounts, and every management endpoint it describes is served (answered
// by its handler, not the gateway's "no such API").
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := newEnv(t)
	resp, err := http.Get(e.srv.URL + "/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/openapi.json: %d %v", resp.StatusCode, err)
	}
	for _, p := range e.s.Patterns() {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			method, path = "", p
		}
		if strings.HasPrefix(path, "/console") {
			continue // the web console's pages are no API
		}
		ops := d.Paths[path]
		if len(ops) == 0 || (method != "" && ops[strings.ToLower(method)] == nil) {
			t.Errorf("mounted %q is not in the OpenAPI document", p)
		}
	}
	c := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
	fake := strings.NewReplacer("{domain_id}", "0123456789abcdef0123456789abcdef", "{project_id}", "0123456789abcdef0123456789abcdef",
		"{user_id}", "0123456789abcdef0123456789abcdef", "{ak}", "NOSUCHAK000000000000", "{id}", "nosuch", "{name}", "nosuch",
		"{gallery}", "nosuch", "{label}", "nosuch", "{service}", "no.such-service", "{service_name}", "no.such-service", "{key}", "nosuch")
	for _, ep := range openapi.Management {
		path := fake.Replace(ep.Path)
		var body any
		if ep.Method == "POST" || ep.Method == "PUT" {
			body = map[string]any{}
		}
		err := c.Do(context.Background(), ep.Method, path, nil, body, nil)
		var ae *admin.APIError
		if errors.As(err, &ae) && (ae.Code == "APIG.0101" || ae.Code == "AIP.0008" || ae.Status == http.StatusMethodNotAllowed) {
			t.Errorf("%s %s (%s) is documented but not served: %v", ep.Method, ep.Path, ep.ID, err)
		}
	}
}

// /healthz answers while the process runs, /readyz when the store does.
func TestProbes(t *testing.T) {
	e := newEnv(t)
	for path, want := range map[string]string{"/healthz": `"status":"ok"`, "/readyz": `"status":"ready"`} {
		resp, err := http.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Contains(b, []byte(want)) {
			t.Errorf("GET %s = %d %s", path, resp.StatusCode, b)
		}
	}
}
