package gateway

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The filter never says "no pattern" for a path the mux serves: checked
// against a real ServeMux holding patterns of every shape the server
// mounts, on paths made of their segments, the service routes' and noise.
func TestMuxFilterNeverMissesAMatch(t *testing.T) {
	patterns := []string{
		"POST /v3/auth/tokens", "GET /v3/projects", "/v1/error-codes", "GET /metrics", "GET /console/",
		"GET /healthz", "/v1/admin/projects/{project_id}/glossaries/{name}", "/v1/admin/faults",
		"/v1/{project_id}/subscriptions", "/v1/{project_id}/subscriptions/{service_name}",
		"GET /v4/files/{path...}", "/v2/{$}", "GET  /v1/admin/me",
	}
	mux := http.NewServeMux()
	for _, p := range patterns {
		mux.Handle(p, http.NotFoundHandler())
	}
	f := newMuxFilter(patterns)
	words := []string{"v1", "v2", "v3", "admin", "faults", "projects", "p1", "subscriptions", "ocr", "general-text",
		"auth", "tokens", "console", "x.js", "files", "metrics", "v4", "healthz", "glossaries", "g", "", ".", "..", "%61dmin", "me", "error-codes"}
	rng := rand.New(rand.NewPCG(1, 2))
	missed, skipped := 0, 0
	for range 200000 {
		n := 1 + rng.IntN(5)
		segs := make([]string, n)
		for i := range segs {
			segs[i] = words[rng.IntN(len(words))]
		}
		path := "/" + strings.Join(segs, "/")
		method := []string{"GET", "POST", "DELETE", "HEAD"}[rng.IntN(4)]
		r := httptest.NewRequest(method, "http://aisd.test"+path, nil)
		_, pat := mux.Handler(r)
		could := f.couldMatch(r)
		if pat != "" && !could {
			missed++
			if missed < 10 {
				t.Errorf("%s %s: the mux serves it (%q), the filter says no pattern can", method, path, pat)
			}
		}
		if !could {
			skipped++
		}
	}
	if missed > 0 {
		t.Fatalf("%d paths missed", missed)
	}
	// And it does skip: a service call's path is not the mux's.
	if skipped == 0 || f.couldMatch(httptest.NewRequest("POST", "/v3/p1/moderation/text", nil)) {
		t.Fatalf("the filter skips nothing (%d)", skipped)
	}
}

// A host pattern or a catch-all turns the filter off.
func TestMuxFilterAsksForEverythingItCannotJudge(t *testing.T) {
	for _, ps := range [][]string{{"aisd.test/v1/x"}, {"/"}, {"GET /"}} {
		if !newMuxFilter(ps).couldMatch(httptest.NewRequest("POST", "/v2/p1/ocr/general-text", nil)) {
			t.Errorf("%q: a path skipped", ps)
		}
	}
}
