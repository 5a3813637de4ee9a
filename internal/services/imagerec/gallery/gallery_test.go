package gallery

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/memory"
)

const project = "0123456789abcdef0123456789abcdef"

func memStore(t testing.TB) store.Store {
	t.Helper()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	return st
}

func unit(v ...float32) Vector {
	var s float64
	for _, x := range v {
		s += float64(x * x)
	}
	out := make(Vector, len(v))
	for i, x := range v {
		out[i] = x / float32(math.Sqrt(s))
	}
	return out
}

func TestVectorJSONRoundTrip(t *testing.T) {
	v := Vector{0, 1, -0.5, float32(math.Pi), 1e-30}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var back Vector
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back) != len(v) {
		t.Fatalf("%d values back, want %d", len(back), len(v))
	}
	for i := range v {
		if back[i] != v[i] {
			t.Fatalf("value %d: %v, want %v", i, back[i], v[i])
		}
	}
	for _, bad := range []string{`"AAA="`, `"!!"`, `12`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
}

func TestGalleryLifecycle(t *testing.T) {
	ctx := context.Background()
	s := New(memStore(t))
	g, err := s.Create(ctx, project, "staff", "the team", "faceres")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, project, "staff", "", "faceres"); !errors.Is(err, ErrConflict) {
		t.Fatalf("second create: %v, want ErrConflict", err)
	}
	if _, err := s.Create(ctx, project, "bad name", "", "faceres"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("name with a space: %v", err)
	}
	if Enrolled([]Gallery{g}, "faceres") {
		t.Fatal("an empty gallery counts as enrolled")
	}
	if _, err := s.AddFaces(ctx, project, "staff", "Ada", "faceres", []Vector{unit(1, 0, 0), unit(1, 0.1, 0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddFaces(ctx, project, g.ID, "Bob", "faceres", []Vector{unit(0, 1, 0)}); err != nil {
		t.Fatal(err)
	}
	p, err := s.AddFaces(ctx, project, "staff", "Ada", "faceres", []Vector{unit(1, 0, 0.1)})
	if err != nil || len(p.Faces) != 3 {
		t.Fatalf("Ada after a second enrolment: %+v, %v", p, err)
	}
	if _, err := s.AddFaces(ctx, project, "staff", "Eve", "mobilefacenet", []Vector{unit(0, 0, 1)}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("descriptor of another model: %v", err)
	}
	if _, err := s.AddFaces(ctx, project, "nope", "Eve", "faceres", []Vector{unit(0, 0, 1)}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown gallery: %v", err)
	}
	all, err := s.List(ctx, project)
	if err != nil || len(all) != 1 {
		t.Fatalf("list: %v %v", all, err)
	}
	m, ok := Best(all, "faceres", unit(0.9, 0.2, 0))
	if !ok || m.Label != "Ada" || m.Gallery != "staff" {
		t.Fatalf("best match %+v %v, want Ada", m, ok)
	}
	if m, _ := Best(all, "faceres", unit(0.1, 1, 0)); m.Label != "Bob" {
		t.Fatalf("best match %+v, want Bob", m)
	}
	if _, ok := Best(all, "mobilefacenet", unit(1, 0, 0)); ok {
		t.Fatal("a gallery of another model matched")
	}
	if err := s.RemovePerson(ctx, project, "staff", "Bob"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemovePerson(ctx, project, "staff", "Bob"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second removal: %v", err)
	}
	if m, _ := Best(mustList(t, s), "faceres", unit(0, 1, 0)); m.Label != "Ada" {
		t.Fatalf("after removing Bob: %+v", m)
	}
	// Another project sees nothing.
	if gs, _ := s.List(ctx, "fedcba9876543210fedcba9876543210"); len(gs) != 0 {
		t.Fatalf("other project lists %d galleries", len(gs))
	}
	if err := s.Delete(ctx, project, "staff"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, project, g.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted gallery: %v", err)
	}
}

func mustList(t *testing.T, s *Store) []Gallery {
	gs, err := s.List(context.Background(), project)
	if err != nil {
		t.Fatal(err)
	}
	return gs
}

func TestLimits(t *testing.T) {
	ctx := context.Background()
	s := New(memStore(t))
	if _, err := s.Create(ctx, project, "g", "", "faceres"); err != nil {
		t.Fatal(err)
	}
	many := make([]Vector, MaxFacesPerLabel+1)
	for i := range many {
		many[i] = unit(1, float32(i))
	}
	if _, err := s.AddFaces(ctx, project, "g", "Ada", "faceres", many); !errors.Is(err, ErrFull) {
		t.Fatalf("%d faces: %v", len(many), err)
	}
	for _, l := range []string{"", " Ada", "a/b", "tab\there", strings.Repeat("x", MaxLabelLen+1)} {
		if _, err := s.AddFaces(ctx, project, "g", l, "faceres", many[:1]); !errors.Is(err, ErrInvalid) {
			t.Errorf("label %q: %v", l, err)
		}
	}
	if !ValidLabel("周杰伦") || !ValidLabel("Jay Chou") {
		t.Fatal("ordinary names refused")
	}
}

// fakeEnroller turns a photo whose bytes are "face:<x>" into a descriptor
// and refuses anything else as faceless.
type fakeEnroller struct{}

func (fakeEnroller) DescriptorModel() string { return "faceres" }

func (fakeEnroller) Enroll(_ context.Context, img []byte) (Vector, error) {
	s := string(img)
	switch {
	case strings.HasPrefix(s, "face:"):
		return unit(1, float32(len(s))), nil
	case s == "notimage":
		return nil, catalog.E(catalog.KindImageFormat)
	}
	return nil, &PhotoError{Reason: "shows no face of at least 40 px"}
}

func serve(t testing.TB, s *Store, enrol Enroller) *httptest.Server {
	t.Helper()
	h := api.InFamily(catalog.FamilyAIP, s.Handler(func(_ context.Context, p string) error {
		if p != project {
			return catalog.New(catalog.AIP0003)
		}
		return nil
	}, enrol))
	mux := http.NewServeMux()
	for _, p := range []string{"", "/{gallery}", "/{gallery}/people", "/{gallery}/people/{label}"} {
		mux.Handle("/v1/admin/projects/{project_id}/celebrity-galleries"+p, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func do(t testing.TB, method, url, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestHandler(t *testing.T) {
	s := New(memStore(t))
	srv := serve(t, s, fakeEnroller{})
	base := srv.URL + "/v1/admin/projects/" + project + "/celebrity-galleries"
	cases := []struct {
		name, method, path, body string
		status                   int
		code                     string // error_code, or "" for success
	}{
		{"create", "POST", "", `{"name":"team","description":"our staff"}`, 201, ""},
		{"create twice", "POST", "", `{"name":"team"}`, 400, "AIP.0014"},
		{"create without name", "POST", "", `{}`, 400, "AIP.0006"},
		{"create bad name", "POST", "", `{"name":"a b"}`, 400, "AIP.0007"},
		{"create unknown field", "POST", "", `{"name":"x","colour":1}`, 400, "AIP.0009"},
		{"create name of wrong type", "POST", "", `{"name":5}`, 400, "AIP.0007"},
		{"enrol", "POST", "/team/people", `{"label":"Ada","images":["` + b64("face:ada") + `"]}`, 201, ""},
		{"enrol faceless", "POST", "/team/people", `{"label":"Bob","images":["` + b64("cat") + `"]}`, 400, "AIP.0016"},
		{"enrol non-image", "POST", "/team/people", `{"label":"Bob","images":["` + b64("notimage") + `"]}`, 400, "AIP.0016"},
		{"enrol bad base64", "POST", "/team/people", `{"label":"Bob","images":["***"]}`, 400, "AIP.0016"},
		{"enrol no images", "POST", "/team/people", `{"label":"Bob","images":[]}`, 400, "AIP.0006"},
		{"enrol no label", "POST", "/team/people", `{"images":["` + b64("face:x") + `"]}`, 400, "AIP.0006"},
		{"enrol unknown gallery", "POST", "/nope/people", `{"label":"Bob","images":["` + b64("face:x") + `"]}`, 400, "AIP.0016"},
		{"show", "GET", "/team", "", 200, ""},
		{"show unknown", "GET", "/nope", "", 400, "AIP.0016"},
		{"list", "GET", "", "", 200, ""},
		{"wrong method", "PUT", "/team", "", 405, "AIP.0008"},
		{"remove person", "DELETE", "/team/people/Ada", "", 204, ""},
		{"remove person twice", "DELETE", "/team/people/Ada", "", 400, "AIP.0016"},
		{"delete", "DELETE", "/team", "", 204, ""},
	}
	for _, c := range cases {
		status, body := do(t, c.method, base+c.path, c.body)
		if status != c.status || (c.code != "" && body["error_code"] != c.code) {
			t.Errorf("%s: %d %v, want %d %s", c.name, status, body, c.status, c.code)
		}
	}
	// Another project is refused by the scope check.
	other := srv.URL + "/v1/admin/projects/fedcba9876543210fedcba9876543210/celebrity-galleries"
	if status, body := do(t, "GET", other, ""); body["error_code"] != "AIP.0003" {
		t.Errorf("other project: %d %v", status, body)
	}
}

func TestHandlerShowsPeople(t *testing.T) {
	s := New(memStore(t))
	srv := serve(t, s, fakeEnroller{})
	base := srv.URL + "/v1/admin/projects/" + project + "/celebrity-galleries"
	do(t, "POST", base, `{"name":"team"}`)
	do(t, "POST", base+"/team/people", `{"label":"Ada","images":["`+b64("face:a")+`","`+b64("face:ab")+`"]}`)
	_, g := do(t, "GET", base+"/team", "")
	people, _ := g["people"].([]any)
	if len(people) != 1 || people[0].(map[string]any)["label"] != "Ada" || people[0].(map[string]any)["faces"] != float64(2) || g["model"] != "faceres" {
		t.Fatalf("gallery view %v", g)
	}
	if _, ok := g["descriptor"]; ok {
		t.Fatal("descriptors leak into the view")
	}
}

func TestHandlerWithoutEngine(t *testing.T) {
	s := New(memStore(t))
	srv := serve(t, s, nil)
	base := srv.URL + "/v1/admin/projects/" + project + "/celebrity-galleries"
	if status, body := do(t, "POST", base, `{"name":"team"}`); body["error_code"] != "AIP.0004" {
		t.Fatalf("create without the image engine: %d %v", status, body)
	}
}
