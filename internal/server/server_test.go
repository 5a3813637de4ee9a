package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ocrmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/admin"
	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/server"
)

const (
	rootAK = "AISDTESTROOTAK000001"
	rootSK = "aisdTestRootSecretKey0000000000000000001"
)

type env struct {
	s   *server.Server
	srv *httptest.Server
}

func newEnv(t *testing.T, mutate ...func(*aisdcfg.Config)) *env {
	t.Helper()
	cfg := aisdcfg.Default()
	dir := t.TempDir()
	cfg.DataDir = dir
	cfg.DSN = "sqlite:" + filepath.Join(dir, "aisd.db")
	cfg.RootAK, cfg.RootSK = rootAK, rootSK
	cfg.ModelsDir = modelsDir()
	cfg.Engines = nil // tests that need an engine ask for it
	for _, m := range mutate {
		m(&cfg)
	}
	s, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { srv.Close(); s.Close() })
	return &env{s: s, srv: srv}
}

func modelsDir() string { return "" }

func generalText() *ocrmodel.RecognizeGeneralTextRequest {
	img := "not base64 at all!"
	return &ocrmodel.RecognizeGeneralTextRequest{Body: &ocrmodel.GeneralTextRequestBody{Image: &img}}
}

// A correctly signed call passes the gateway: whatever it answers comes from
// the platform or the service, never from authentication.
func TestSDKSignedCallPassesAuthentication(t *testing.T) {
	e := newEnv(t)
	_, err := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, e.s.Root.Project.ID).RecognizeGeneralText(generalText())
	if err == nil {
		return
	}
	se := sdktest.ErrOf(t, err)
	if strings.HasPrefix(se.ErrorCode, "APIG.") || se.StatusCode == 401 {
		t.Fatalf("signed call refused by the gateway: %+v", se)
	}
	if se.RequestId == "" {
		t.Fatalf("no request id: %+v", se)
	}
}

func TestSDKWrongSecretAndLockout(t *testing.T) {
	e := newEnv(t)
	bad := sdktest.OCR(t, e.srv.URL, rootAK, strings.Repeat("x", 40), e.s.Root.Project.ID)
	for i := 1; i <= 6; i++ {
		_, err := bad.RecognizeGeneralText(generalText())
		se := sdktest.ErrOf(t, err)
		if se.StatusCode != 401 || se.ErrorCode != "APIG.0301" || se.RequestId == "" {
			t.Fatalf("attempt %d: %+v", i, se)
		}
		want := "verify aksk signature fail"
		if i == 6 {
			want = "AK access failed to reach the limit,forbidden"
		}
		if !strings.Contains(se.ErrorMessage, want) {
			t.Fatalf("attempt %d: message %q, want %q", i, se.ErrorMessage, want)
		}
	}
	// Locked: even the right secret is refused for the lock's duration.
	_, err := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, e.s.Root.Project.ID).RecognizeGeneralText(generalText())
	if se := sdktest.ErrOf(t, err); !strings.Contains(se.ErrorMessage, "reach the limit") {
		t.Fatalf("locked AK accepted: %+v", se)
	}
}

func TestSDKUnknownAK(t *testing.T) {
	e := newEnv(t)
	_, err := sdktest.OCR(t, e.srv.URL, "NOSUCHAK000000000000", rootSK, e.s.Root.Project.ID).RecognizeGeneralText(generalText())
	se := sdktest.ErrOf(t, err)
	if se.StatusCode != 401 || se.ErrorCode != "APIG.0301" || !strings.Contains(se.ErrorMessage, "ak not exist") {
		t.Fatalf("%+v", se)
	}
}

func TestSDKProjectDiscovery(t *testing.T) {
	e := newEnv(t)
	// No project id: the SDK asks the IAM endpoint for the region's project.
	_, err := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, "").RecognizeGeneralText(generalText())
	if err != nil {
		if se := sdktest.ErrOf(t, err); strings.HasPrefix(se.ErrorCode, "APIG.") {
			t.Fatalf("discovery or signing failed: %+v", se)
		}
	}
}

type errBody struct {
	Code      string `json:"error_code"`
	Msg       string `json:"error_msg"`
	RequestID string `json:"request_id"`
}

func do(t *testing.T, r *http.Request) (*http.Response, errBody) {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var b errBody
	_ = json.Unmarshal(raw, &b)
	if resp.StatusCode >= 400 && (b.Code == "" || resp.Header.Get("X-Request-Id") == "") {
		t.Fatalf("error without catalog body or request id: %d %s", resp.StatusCode, raw)
	}
	return resp, b
}

func TestStaleSignatureRefused(t *testing.T) {
	e := newEnv(t)
	url := e.srv.URL + "/v3/projects"
	resp, b := do(t, sdktest.Signed(t, "GET", url, nil, rootAK, rootSK, time.Now().Add(-16*time.Minute)))
	if resp.StatusCode != 401 || b.Code != "APIG.0301" || b.RequestID == "" {
		t.Fatalf("16-minute-old signature: %d %+v", resp.StatusCode, b)
	}
	resp, _ = do(t, sdktest.Signed(t, "GET", url, nil, rootAK, rootSK, time.Now().Add(-14*time.Minute)))
	if resp.StatusCode != 200 {
		t.Fatalf("14-minute-old signature refused: %d", resp.StatusCode)
	}
}

func token(t *testing.T, e *env, scope map[string]any) (string, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{
			"user": map[string]any{"name": "root", "password": rootSK, "domain": map[string]any{"name": "root"}}}},
		"scope": scope,
	}})
	resp, err := http.Post(e.srv.URL+"/v3/auth/tokens", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 201 {
		raw, _ := io.ReadAll(resp.Body)
		t.Fatalf("token: %d %s", resp.StatusCode, raw)
	}
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.Header.Get("X-Subject-Token"), out
}

func tokenCall(t *testing.T, e *env, tok string, set bool) (*http.Response, errBody) {
	return tokenCallPath(t, e, "/v2/"+e.s.Root.Project.ID+"/ocr/general-text", tok, set)
}

func tokenCallPath(t *testing.T, e *env, path, tok string, set bool) (*http.Response, errBody) {
	t.Helper()
	r, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(`{"image":"!!"}`))
	r.Header.Set("Content-Type", "application/json")
	if set {
		r.Header["X-Auth-Token"] = []string{tok}
	}
	return do(t, r)
}

func TestTokenFlow(t *testing.T) {
	e := newEnv(t)
	tok, body := token(t, e, map[string]any{"project": map[string]any{"name": "cn-north-4"}})
	tk := body["token"].(map[string]any)
	if tk["project"].(map[string]any)["id"] != e.s.Root.Project.ID || tk["expires_at"] == "" {
		t.Fatalf("token body %v", body)
	}
	exp, _ := time.Parse("2006-01-02T15:04:05.000000Z", tk["expires_at"].(string))
	if d := time.Until(exp); d < 23*time.Hour || d > 25*time.Hour {
		t.Fatalf("token lifetime %v", d)
	}
	// A valid project token passes authentication.
	resp, b := tokenCall(t, e, tok, true)
	if resp.StatusCode == 401 || strings.HasPrefix(b.Code, "APIG.") || strings.HasPrefix(b.Code, "ModelArts.41") {
		t.Fatalf("valid token refused: %d %+v", resp.StatusCode, b)
	}

	domainTok, _ := token(t, e, map[string]any{"domain": map[string]any{"name": "root"}})
	cases := []struct {
		name   string
		tok    string
		set    bool
		status int
		code   string
		msg    string
	}{
		{"missing", "", false, 401, "APIG.0301", "x-auth-token not found"},
		{"empty", "", true, 400, "ModelArts.4101", ""},
		{"garbled", "this is not a token", true, 400, "ModelArts.4103", ""},
		{"tampered", tok[:len(tok)-6] + "AAAAAA", true, 401, "APIG.0301", "decrypt token fail"},
		// OCR prints no token-scope code: a domain token is an invalid token there.
		{"domain-scoped", domainTok, true, 400, "ModelArts.0203", ""},
	}
	for _, c := range cases {
		resp, b := tokenCall(t, e, c.tok, c.set)
		if resp.StatusCode != c.status || b.Code != c.code || !strings.Contains(b.Msg, c.msg) {
			t.Errorf("%s: got %d %+v, want %d %s %q", c.name, resp.StatusCode, b, c.status, c.code, c.msg)
		}
	}
	// Image Recognition and Moderation publish AIS.0026 for the wrong token type.
	for _, p := range []string{"/v2/" + e.s.Root.Project.ID + "/image/tagging", "/v3/" + e.s.Root.Project.ID + "/moderation/text"} {
		if resp, b := tokenCallPath(t, e, p, domainTok, true); resp.StatusCode != 400 || b.Code != "AIS.0026" {
			t.Errorf("%s with a domain token: %d %+v", p, resp.StatusCode, b)
		}
	}
}

func TestExpiredToken(t *testing.T) {
	e := newEnv(t, func(c *aisdcfg.Config) { c.TokenTTL = time.Second })
	tok, _ := token(t, e, map[string]any{"project": map[string]any{"name": "cn-north-4"}})
	time.Sleep(1100 * time.Millisecond)
	resp, b := tokenCall(t, e, tok, true)
	if resp.StatusCode != 401 || b.Code != "APIG.0301" || !strings.Contains(b.Msg, "token expires") {
		t.Fatalf("%d %+v", resp.StatusCode, b)
	}
}

func TestRoutesAndMethods(t *testing.T) {
	e := newEnv(t)
	resp, b := do(t, mustReq("GET", e.srv.URL+"/v2/nothing/here"))
	if resp.StatusCode != 404 || b.Code != "APIG.0101" || b.RequestID == "" {
		t.Fatalf("unknown route: %d %+v", resp.StatusCode, b)
	}
	// Image Recognition and Moderation answer a wrong method with AIS.0013;
	// OCR prints no method code, and its gateway routes by method and path.
	for path, code := range map[string]string{
		"/v2/" + e.s.Root.Project.ID + "/image/tagging":    "AIS.0013",
		"/v3/" + e.s.Root.Project.ID + "/moderation/text":  "AIS.0013",
		"/v2/" + e.s.Root.Project.ID + "/ocr/general-text": "APIG.0101",
	} {
		if resp, b := do(t, mustReq("GET", e.srv.URL+path)); b.Code != code {
			t.Errorf("GET %s: %d %+v, want %s", path, resp.StatusCode, b, code)
		}
	}
}

func mustReq(method, url string) *http.Request {
	r, err := http.NewRequest(method, url, nil)
	if err != nil {
		panic(err)
	}
	return r
}

func TestAccountStatesAndProjectMismatch(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
	acct := tenant(t, e)
	// A non-administrator may not use the admin API.
	dev := &admin.Client{Endpoint: e.srv.URL, AK: acct.ak, SK: acct.sk}
	var apiErr *admin.APIError
	if err := dev.Do(ctx, "GET", "/v1/admin/domains", nil, nil, nil); !errors.As(err, &apiErr) || apiErr.Code != "AIP.0003" {
		t.Fatalf("non-admin: %v", err)
	}
	// acme's key used against the root project: permission error.
	body := []byte(`{"image":"!!"}` + "\n")
	resp, b := do(t, sdktest.Signed(t, "POST", e.srv.URL+"/v2/"+e.s.Root.Project.ID+"/ocr/general-text", body, acct.ak, acct.sk, time.Now()))
	if b.Code != "ModelArts.4203" {
		t.Fatalf("foreign project: %d %+v", resp.StatusCode, b)
	}
	own := e.srv.URL + "/v2/" + acct.projectID + "/image/tagging"
	for _, st := range []struct{ state, code string }{{"frozen", "AIS.0027"}, {"restricted", "ModelArts.4106"}} {
		if err := c.Do(ctx, "POST", "/v1/admin/domains/"+acct.domainID+"/state", nil, map[string]any{"state": st.state}, nil); err != nil {
			t.Fatal(err)
		}
		resp, b := do(t, sdktest.Signed(t, "POST", own, body, acct.ak, acct.sk, time.Now()))
		if b.Code != st.code {
			t.Fatalf("%s account: %d %+v", st.state, resp.StatusCode, b)
		}
	}
}

func TestErrorCodesEndpoint(t *testing.T) {
	e := newEnv(t)
	resp, err := http.Get(e.srv.URL + "/v1/error-codes?service=ocr")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ErrorCodes []struct {
			Code string `json:"error_code"`
		} `json:"error_codes"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	seen := map[string]bool{}
	for _, c := range out.ErrorCodes {
		seen[c.Code] = true
	}
	for _, want := range []string{"AIS.0101", "ModelArts.4105", "APIG.0301", "AIS.0122"} {
		if !seen[want] {
			t.Errorf("OCR listing lacks %s", want)
		}
	}
}

// requireModels skips model-dependent tests unless `make test` asked for them.
func requireModels(t *testing.T, e *env) {
	t.Helper()
	if e.s.OCR == nil {
		if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
			t.Fatal("OCR engine not loaded although AISD_REQUIRE_MODELS=1 (run: aisd models install onnxruntime ppocr-v4)")
		}
		t.Skip("OCR models not installed (run: make models)")
	}
}

func TestSDKRecognizeGeneralTextOnFixture(t *testing.T) {
	const img = "../../../shared/fixtures/rapidocr/ch_en_num.jpg"
	raw, err := os.ReadFile(img)
	if err != nil {
		t.Skip("../shared fixtures absent: the repo fixture test covers this path")
	}
	// The line count is RapidOCR's on this photo: the reference mode's.
	e := newEnv(t, func(c *aisdcfg.Config) { c.Engines = []string{"ocr"}; c.OCRMode = "reference" })
	requireModels(t, e)
	b64 := base64.StdEncoding.EncodeToString(raw)
	dd, cm := true, true
	resp, err := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, e.s.Root.Project.ID).RecognizeGeneralText(&ocrmodel.RecognizeGeneralTextRequest{
		Body: &ocrmodel.GeneralTextRequestBody{Image: &b64, DetectDirection: &dd, CharacterMode: &cm},
	})
	if err != nil {
		t.Fatal(err)
	}
	res := resp.Result
	if res.WordsBlockCount != 18 || len(res.WordsBlockList) != 18 || res.WordsBlockList[0].Words != "正品促销" {
		t.Fatalf("got %d lines, first %q", res.WordsBlockCount, res.WordsBlockList[0].Words)
	}
	first := res.WordsBlockList[0]
	if len(first.Location) != 4 || first.Confidence < 0.5 || len(first.CharList) != 4 || *first.CharList[0].Char != "正" {
		t.Fatalf("first block %+v", first)
	}
	if resp.XRequestId == nil || *resp.XRequestId == "" {
		t.Fatal("no X-Request-Id")
	}
}

func TestUnimplementedServicesAfterAuth(t *testing.T) {
	e := newEnv(t)
	pid := e.s.Root.Project.ID
	for path, code := range map[string]string{
		"/v2/" + pid + "/ocr/id-card":                      "ModelArts.4508",
		"/v2/" + pid + "/image/celebrity-recognition":      "AIP.0004",
		"/v3/" + pid + "/moderation/audio/jobs/abc/../xyz": "APIG.0101",
	} {
		body := []byte(`{"image":"AAAA"}` + "\n")
		// Unauthenticated: the gateway answers first.
		r, _ := http.NewRequest("POST", e.srv.URL+path, bytes.NewReader(body))
		if _, b := do(t, r); b.Code != "APIG.0301" && b.Code != "APIG.0101" {
			t.Errorf("%s unauthenticated: %+v", path, b)
		}
		resp, b := do(t, sdktest.Signed(t, "POST", e.srv.URL+path, body, rootAK, rootSK, time.Now()))
		if b.Code != code {
			t.Errorf("%s: %d %+v, want %s", path, resp.StatusCode, b, code)
		}
	}
}
