package gallery

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// FuzzHandlerBodies posts arbitrary bodies to the gallery creation and
// enrolment endpoints: every answer is a success or an AIP.* error body,
// never a server error.
func FuzzHandlerBodies(f *testing.F) {
	for _, seed := range []string{
		`{"name":"team"}`, `{"name":"team","description":"x"}`, `{}`, `[]`, `null`, `{"name":5}`,
		`{"label":"Ada","images":["` + b64("face:a") + `"]}`, `{"label":"Ada","images":"x"}`,
		`{"label":"` + strings.Repeat("x", 200) + `","images":[]}`, "\x00\xff", `{"name":"team"}{"name":"b"}`,
	} {
		f.Add(seed)
	}
	s := New(memStore(f))
	srv := serve(f, s, fakeEnroller{})
	base := srv.URL + "/v1/admin/projects/" + project + "/celebrity-galleries"
	if st, _ := do(f, "POST", base, `{"name":"team"}`); st != 201 {
		f.Fatalf("setup: %d", st)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"", "/team/people"} {
			req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var out map[string]any
			err = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if resp.StatusCode >= 500 || err != nil {
				t.Fatalf("POST %s %q: %d %v %v", path, body, resp.StatusCode, out, err)
			}
			if resp.StatusCode >= 400 {
				if code, _ := out["error_code"].(string); !strings.HasPrefix(code, "AIP.") {
					t.Fatalf("POST %s %q: %d %v", path, body, resp.StatusCode, out)
				}
			}
		}
	})
}
