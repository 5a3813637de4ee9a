package routes_test

import (
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/gateway/routes"
)

const pid = "0123456789abcdef0123456789abcdef"

func TestCountsPerFamily(t *testing.T) {
	want := map[catalog.Family]int{catalog.FamilyOCR: 52, catalog.FamilyImage: 6, catalog.FamilyModeration: 7}
	got := map[catalog.Family]int{}
	for _, r := range routes.All() {
		got[r.Family]++
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("routes per family = %v, want %v", got, want)
	}
	if routes.SDKVersion != "v0.1.207" {
		t.Errorf("SDKVersion = %q", routes.SDKVersion)
	}
}

func TestTableWellFormed(t *testing.T) {
	svc := regexp.MustCompile(`^(ocr|image|moderation)\.[a-z0-9]+(-[a-z0-9]+)*$`)
	sdk := map[catalog.Family]string{catalog.FamilyOCR: "ocr/v1", catalog.FamilyImage: "image/v2", catalog.FamilyModeration: "moderation/v3"}
	seen := map[string]bool{}
	for _, r := range routes.All() {
		if !svc.MatchString(r.Service) || !strings.HasPrefix(r.Service, string(r.Family)+".") {
			t.Errorf("%s: service key %q breaks the rule", r.Operation, r.Service)
		}
		if r.SDK != sdk[r.Family] {
			t.Errorf("%s: SDK %q for family %s", r.Operation, r.SDK, r.Family)
		}
		if !strings.HasPrefix(r.Path, "/v") || !strings.Contains(r.Path, "/{project_id}/"+string(r.Family)+"/") {
			t.Errorf("%s: path %q", r.Operation, r.Path)
		}
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			t.Errorf("%s: method %q", r.Operation, r.Method)
		}
		if !strings.HasPrefix(r.ContentType, "application/json") {
			t.Errorf("%s: content type %q", r.Operation, r.ContentType)
		}
		k := r.Method + " " + r.Path
		if seen[k] {
			t.Errorf("duplicate %s", k)
		}
		seen[k] = true
		// Every route must be reachable through the matcher.
		path := strings.NewReplacer("{project_id}", pid, "{job_id}", "j1").Replace(r.Path)
		got, _, st := routes.Match(r.Method, path)
		if st != routes.Found || got.Operation != r.Operation {
			t.Errorf("Match(%s %s) = %v, %v", r.Method, path, got, st)
		}
	}
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		method, path string
		status       routes.MatchStatus
		op           string
		family       catalog.Family
		service      string
		params       map[string]string
	}{
		{"POST", "/v2/" + pid + "/ocr/general-text", routes.Found, "RecognizeGeneralText", catalog.FamilyOCR, "ocr.general-text",
			map[string]string{"project_id": pid}},
		{"POST", "/v2/" + pid + "/ocr/id-card", routes.Found, "RecognizeIdCard", catalog.FamilyOCR, "ocr.id-card",
			map[string]string{"project_id": pid}},
		{"POST", "/v2/p1/ocr/vat-invoice", routes.Found, "RecognizeVatInvoice", catalog.FamilyOCR, "ocr.vat-invoice",
			map[string]string{"project_id": "p1"}},
		{"POST", "/v2/" + pid + "/image/tagging", routes.Found, "RunImageTagging", catalog.FamilyImage, "image.tagging",
			map[string]string{"project_id": pid}},
		{"POST", "/v3/" + pid + "/image/main-object-detection", routes.Found, "RunImageMainObjectDetection", catalog.FamilyImage,
			"image.main-object-detection", map[string]string{"project_id": pid}},
		{"POST", "/v3/" + pid + "/moderation/text", routes.Found, "RunTextModeration", catalog.FamilyModeration, "moderation.text",
			map[string]string{"project_id": pid}},
		{"POST", "/v3/" + pid + "/moderation/image", routes.Found, "CheckImageModeration", catalog.FamilyModeration, "moderation.image",
			map[string]string{"project_id": pid}},
		{"POST", "/v3/" + pid + "/moderation/image/batch", routes.Found, "BatchCheckImageSync", catalog.FamilyModeration,
			"moderation.image-batch", map[string]string{"project_id": pid}},
		{"POST", "/v3/" + pid + "/moderation/video/jobs", routes.Found, "RunCreateVideoModerationJob", catalog.FamilyModeration,
			"moderation.video", map[string]string{"project_id": pid}},
		{"GET", "/v3/" + pid + "/moderation/video/jobs/01h-job.7", routes.Found, "RunQueryVideoModerationJob", catalog.FamilyModeration,
			"moderation.video", map[string]string{"project_id": pid, "job_id": "01h-job.7"}},
		{"GET", "/v3/" + pid + "/moderation/audio/jobs/a b", routes.Found, "RunQueryAudioModerationJob", catalog.FamilyModeration,
			"moderation.audio", map[string]string{"project_id": pid, "job_id": "a b"}},
		// A project id that happens to look like a static segment is still
		// a parameter.
		{"POST", "/v2/ocr/ocr/general-text", routes.Found, "RecognizeGeneralText", catalog.FamilyOCR, "ocr.general-text",
			map[string]string{"project_id": "ocr"}},

		// Path exists, method does not.
		{"GET", "/v2/" + pid + "/ocr/general-text", routes.MethodNotAllowed, "", catalog.FamilyOCR, "", nil},
		{"PUT", "/v2/" + pid + "/image/tagging", routes.MethodNotAllowed, "", catalog.FamilyImage, "", nil},
		{"DELETE", "/v3/" + pid + "/moderation/video/jobs/j1", routes.MethodNotAllowed, "", catalog.FamilyModeration, "", nil},
		{"GET", "/v3/" + pid + "/moderation/video/jobs", routes.MethodNotAllowed, "", catalog.FamilyModeration, "", nil},
		{"post", "/v3/" + pid + "/moderation/text", routes.MethodNotAllowed, "", catalog.FamilyModeration, "", nil},

		// Unknown paths.
		{"POST", "/v2/" + pid + "/ocr/no-such-api", routes.NotFound, "", "", "", nil},
		{"POST", "/v2/" + pid + "/ocr/general-text/", routes.NotFound, "", "", "", nil},
		{"POST", "/v2/" + pid + "/ocr/general-text/extra", routes.NotFound, "", "", "", nil},
		{"POST", "/v2//ocr/general-text", routes.NotFound, "", "", "", nil},
		{"POST", "/v2/" + pid + "/ocr", routes.NotFound, "", "", "", nil},
		{"POST", "/v1/" + pid + "/ocr/general-text", routes.NotFound, "", "", "", nil},
		{"POST", "/v3/" + pid + "/ocr/general-text", routes.NotFound, "", "", "", nil},
		{"POST", "/v2/" + pid + "/image/celebrity-recognition/x", routes.NotFound, "", "", "", nil},
		{"GET", "/v3/" + pid + "/moderation/video/jobs/", routes.NotFound, "", "", "", nil},
		{"GET", "/v3/" + pid + "/moderation/video/jobs/a/b", routes.NotFound, "", "", "", nil},
		{"GET", "/", routes.NotFound, "", "", "", nil},
		{"GET", "", routes.NotFound, "", "", "", nil},
		{"GET", "v2/" + pid + "/ocr/general-text", routes.NotFound, "", "", "", nil},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			r, params, st := routes.Match(c.method, c.path)
			if st != c.status {
				t.Fatalf("status = %v, want %v", st, c.status)
			}
			switch st {
			case routes.Found:
				if r.Operation != c.op || r.Family != c.family || r.Service != c.service || r.Method != c.method {
					t.Errorf("route = %+v", r)
				}
				if !reflect.DeepEqual(params, c.params) {
					t.Errorf("params = %v, want %v", params, c.params)
				}
			case routes.MethodNotAllowed:
				// The family picks the method-not-allowed code.
				if r == nil || r.Family != c.family {
					t.Errorf("route = %+v, want one of family %s", r, c.family)
				}
				if params != nil {
					t.Errorf("params = %v, want nil", params)
				}
			case routes.NotFound:
				if r != nil || params != nil {
					t.Errorf("NotFound returned %+v %v", r, params)
				}
			}
		})
	}
}

func TestAllowed(t *testing.T) {
	if got := routes.Allowed("/v3/p/moderation/video/jobs/x"); !reflect.DeepEqual(got, []string{"GET"}) {
		t.Errorf("Allowed(job) = %v", got)
	}
	if got := routes.Allowed("/v2/p/ocr/general-text"); !reflect.DeepEqual(got, []string{"POST"}) {
		t.Errorf("Allowed(general-text) = %v", got)
	}
	if got := routes.Allowed("/v2/p/ocr/nothing"); got != nil {
		t.Errorf("Allowed(unknown) = %v", got)
	}
}

func TestLookup(t *testing.T) {
	r, ok := routes.Lookup(catalog.FamilyOCR, "RecognizeGeneralText")
	if !ok || r.Path != "/v2/{project_id}/ocr/general-text" || r.Method != "POST" {
		t.Fatalf("Lookup = %+v, %v", r, ok)
	}
	if !reflect.DeepEqual(r.Headers, []string{"Enterprise-Project-Id"}) {
		t.Errorf("headers = %v", r.Headers)
	}
	if _, ok := routes.Lookup(catalog.FamilyImage, "RecognizeGeneralText"); ok {
		t.Error("Lookup found an OCR operation under image")
	}
}

func BenchmarkMatch(b *testing.B) {
	for _, c := range []struct{ name, m, p string }{
		{"static", "POST", "/v2/" + pid + "/ocr/general-text"},
		{"param", "GET", "/v3/" + pid + "/moderation/video/jobs/01hjobid"},
		{"notfound", "POST", "/v2/" + pid + "/ocr/unknown"},
		{"method", "GET", "/v2/" + pid + "/ocr/web-image"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				routes.Match(c.m, c.p)
			}
		})
	}
}

// The precomputed action of the route Match returns is the one Action
// computes, for every route of the table.
func TestActionOfMatchesAction(t *testing.T) {
	for _, r := range routes.All() {
		path := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(r.Path, "x1")
		m, _, st := routes.Match(r.Method, path)
		if st != routes.Found {
			t.Fatalf("%s %s: not found", r.Method, path)
		}
		if got, want := routes.ActionOf(m), m.Action(); got != want {
			t.Errorf("%s %s: ActionOf %q, Action %q", r.Method, r.Path, got, want)
		}
	}
}
