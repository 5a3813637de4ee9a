package console

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aisd/aisd/internal/gateway/routes"
)

// Every API of the route table has its SDK request struct, so that try it
// can build a form for it.
func TestEveryRouteHasItsSDKRequest(t *testing.T) {
	for _, r := range routes.All() {
		rt, ok := sdkRequests[r.Operation]
		if !ok {
			t.Errorf("%s: no SDK request type in sdkRequests", r.Operation)
			continue
		}
		if rt.Name() != r.Operation+"Request" {
			t.Errorf("%s: request type %s", r.Operation, rt.Name())
		}
	}
	if len(sdkRequests) != len(routes.All()) {
		t.Errorf("%d request types for %d routes", len(sdkRequests), len(routes.All()))
	}
}

func find(t *testing.T, apis []API, op string) API {
	t.Helper()
	for _, a := range apis {
		if a.Operation == op {
			return a
		}
	}
	t.Fatalf("no API %s", op)
	return API{}
}

func fieldNamed(fs []Field, name string) (Field, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// The fields come from the SDK's models: names and types as the JSON
// carries them, required where the SDK does not mark them optional.
func TestAPIsDescribeTheSDKModels(t *testing.T) {
	apis := APIs()
	gt := find(t, apis, "RecognizeGeneralText")
	if gt.BodyType != "GeneralTextRequestBody" || gt.Request != "RecognizeGeneralTextRequest" || gt.Method != "POST" || gt.Path != "/v2/{project_id}/ocr/general-text" {
		t.Fatalf("general text: %+v", gt)
	}
	for name, typ := range map[string]string{"image": "string", "url": "string", "detect_direction": "boolean", "quick_mode": "boolean"} {
		f, ok := fieldNamed(gt.Body, name)
		if !ok || f.Type != typ || f.Required {
			t.Errorf("general text field %s: %+v (found %v), want optional %s", name, f, ok, typ)
		}
	}
	job := find(t, apis, "RunQueryVideoModerationJob")
	if len(job.Params) != 1 || job.Params[0].Name != "job_id" || job.Params[0].GoName != "JobId" || job.Params[0].In != "path" || !job.Params[0].Required || job.Body != nil {
		t.Fatalf("video job query: %+v", job)
	}
	text := find(t, apis, "RunTextModeration")
	data, ok := fieldNamed(text.Body, "data")
	if !ok || data.Type != "object" || !data.Required {
		t.Fatalf("text moderation data: %+v", data)
	}
	if f, ok := fieldNamed(data.Fields, "text"); !ok || f.Type != "string" || !f.Required {
		t.Fatalf("text moderation data.text: %+v", f)
	}
	// An SDK enum is a string on the wire.
	if f, ok := fieldNamed(data.Fields, "language"); !ok || f.Type != "string" || f.Required {
		t.Fatalf("text moderation data.language: %+v", f)
	}
}

func get(t *testing.T, h http.Handler, method, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Result()
}

func TestHandlerServesTheAssets(t *testing.T) {
	h := Handler()
	for path, want := range map[string]string{
		"/console/":          `<script type="module" src="app.js">`,
		"/console/app.js":    "function loginPage",
		"/console/sign.js":   "SDK-HMAC-SHA256",
		"/console/tryit.js":  "export async function tryPage",
		"/console/app.css":   ".stage svg",
		"/console/apis.json": `"operation":"RecognizeGeneralText"`,
	} {
		res := get(t, h, "GET", path)
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s: %d, body lacks %q", path, res.StatusCode, want)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("GET %s: CSP %q", path, csp)
		}
	}
	var doc struct {
		SDKVersion string `json:"sdk_version"`
		APIs       []API  `json:"apis"`
	}
	res := get(t, h, "GET", "/console/apis.json")
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil || doc.SDKVersion != routes.SDKVersion || len(doc.APIs) != len(routes.All()) {
		t.Fatalf("apis.json: %v, %s, %d APIs", err, doc.SDKVersion, len(doc.APIs))
	}
	if res := get(t, h, "GET", "/console/nothing.js"); res.StatusCode != 404 {
		t.Errorf("missing asset: %d", res.StatusCode)
	}
	if res := get(t, h, "POST", "/console/"); res.StatusCode != 405 || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
}
