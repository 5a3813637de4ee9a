package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	imagemodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/image/v2/model"
	modmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3/model"
	ocrmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/admin"
	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/sdktest"
)

// TestServiceCallContentType: a service call whose body comes without the
// mandatory JSON Content-Type is refused after authentication with the
// family's header code (AIS.0010 for Image Recognition and Moderation,
// OCR's parameter code AIS.0101), whether the caller signs or sends a
// token; the SDK's own calls (JSON) pass.
func TestServiceCallContentType(t *testing.T) {
	e := newSTSEnv(t, t.TempDir())
	tok := passwordToken(t, e.env)
	pid := e.s.Root.Project.ID
	body := `{"event_type":"comment","data":{"text":"hello"}}`
	for _, c := range []struct {
		name, path, contentType string
		code                    string
	}{
		{"moderation without", "/v3/" + pid + "/moderation/text", "", "AIS.0010"},
		{"moderation text/plain", "/v3/" + pid + "/moderation/text", "text/plain", "AIS.0010"},
		{"moderation garbage", "/v3/" + pid + "/moderation/text", ";;;", "AIS.0010"},
		{"image form", "/v2/" + pid + "/image/tagging", "application/x-www-form-urlencoded", "AIS.0010"},
		{"ocr without", "/v2/" + pid + "/ocr/general-text", "", "AIS.0101"},
	} {
		req, _ := http.NewRequest("POST", e.srv.URL+c.path, strings.NewReader(body))
		req.Header.Set("X-Auth-Token", tok)
		if c.contentType != "" {
			req.Header.Set("Content-Type", c.contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var ae apiErr
		_ = json.NewDecoder(resp.Body).Decode(&ae)
		resp.Body.Close()
		if resp.StatusCode != 400 || ae.Code != c.code {
			t.Errorf("%s: %d %+v, want 400 %s", c.name, resp.StatusCode, ae, c.code)
		}
		if c.code == "AIS.0010" && ae.Msg != "The header is missing or left empty." {
			t.Errorf("%s: message %q", c.name, ae.Msg)
		}
	}

	// Signed with AK/SK (Content-Type is not among the signed headers):
	// the signature holds, the missing header is what is refused.
	req := sdktest.Signed(t, "POST", e.srv.URL+"/v3/"+pid+"/moderation/text", []byte(body), rootAK, rootSK, time.Now())
	req.Header.Del("Content-Type")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ae apiErr
	_ = json.NewDecoder(resp.Body).Decode(&ae)
	resp.Body.Close()
	if resp.StatusCode != 400 || ae.Code != "AIS.0010" {
		t.Fatalf("signed without Content-Type: %d %+v", resp.StatusCode, ae)
	}
	// With charset parameters, as the SDK sends it, the call passes.
	req = sdktest.SignedAs(t, "POST", e.srv.URL+"/v3/"+pid+"/moderation/text", "application/json;charset=UTF-8", []byte(body), rootAK, rootSK, time.Now(), nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("JSON with charset: %d", resp.StatusCode)
	}
}

// TestAdminConflict: creating what already exists (a user name taken in
// the account) is AIP.0014 "%s already exists.".
func TestAdminConflict(t *testing.T) {
	e := newEnv(t)
	root := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
	ctx := context.Background()
	body := map[string]any{"name": "dev", "password": "password123"}
	if err := root.Do(ctx, "POST", "/v1/admin/domains/"+e.s.Root.Domain.ID+"/users", nil, body, nil); err != nil {
		t.Fatal(err)
	}
	err := root.Do(ctx, "POST", "/v1/admin/domains/"+e.s.Root.Domain.ID+"/users", nil, body, nil)
	var ae *admin.APIError
	if !errors.As(err, &ae) || ae.Status != 400 || ae.Code != "AIP.0014" || ae.Msg != "the object already exists." {
		t.Fatalf("got %v, want 400 AIP.0014", err)
	}
}

// TestNonImageFileRefused: a file that is no image at all (an archive, a
// PDF, a video) sent to an image API is the family's file-type code
// AIS.0021, not the image-format code, through the real services.
func TestNonImageFileRefused(t *testing.T) {
	e := newEnvClock(t, nil, func(c *aisdcfg.Config) { c.Engines = []string{"image", "moderation"} })
	loaded := map[string]bool{}
	for _, n := range e.s.Engines() {
		loaded[n] = true
	}
	if !loaded["image"] || !loaded["moderation"] {
		requireOrSkip(t, "image and moderation engines not loaded (models not installed): "+strings.Join(e.s.Engines(), ","))
	}
	pid := e.s.Root.Project.ID
	for name, file := range map[string][]byte{
		"zip": []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00rest of an archive"),
		"pdf": []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"),
		"mp4": []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2mp41"),
	} {
		b64 := base64.StdEncoding.EncodeToString(file)
		_, err := sdktest.Image(t, e.srv.URL, rootAK, rootSK, pid).RunImageTagging(&imagemodel.RunImageTaggingRequest{Body: &imagemodel.ImageTaggingReq{Image: &b64}})
		se := sdktest.WantCode(t, err, 400, "AIS.0021")
		if se.ErrorMessage != "The requested file type is not supported." {
			t.Fatalf("%s: %q", name, se.ErrorMessage)
		}
		_, err = sdktest.Moderation(t, e.srv.URL, rootAK, rootSK, pid).CheckImageModeration(&modmodel.CheckImageModerationRequest{
			Body: &modmodel.ImageDetectionReq{Image: &b64, EventType: ptrTo("head_image"), Categories: &[]string{"porn"}}})
		sdktest.WantCode(t, err, 400, "AIS.0021")
	}
	// Plain bytes that are no known file stay an unsupported image format.
	junk := base64.StdEncoding.EncodeToString([]byte("plain text, not pixels"))
	_, err := sdktest.Image(t, e.srv.URL, rootAK, rootSK, pid).RunImageTagging(&imagemodel.RunImageTaggingRequest{Body: &imagemodel.ImageTaggingReq{Image: &junk}})
	sdktest.WantCode(t, err, 400, "AIS.0502")
}

// TestDamagedImageRefused: an image whose header is damaged is each
// family's image-quality code through the real services: AIS.0503 for
// Image Recognition, AIS.0403 for Moderation, AIS.0104 for OCR.
func TestDamagedImageRefused(t *testing.T) {
	e := newEnvClock(t, nil, func(c *aisdcfg.Config) { c.Engines = []string{"ocr", "image", "moderation"} })
	loaded := strings.Join(e.s.Engines(), ",")
	if !strings.Contains(loaded, "ocr") || !strings.Contains(loaded, "image") || !strings.Contains(loaded, "moderation") {
		requireOrSkip(t, "engines not loaded (models not installed): "+loaded)
	}
	pid := e.s.Root.Project.ID
	// A PNG signature and an IHDR chunk whose data is garbage.
	b64 := base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDRjunkjunkjunk"))
	_, err := sdktest.Image(t, e.srv.URL, rootAK, rootSK, pid).RunImageTagging(&imagemodel.RunImageTaggingRequest{Body: &imagemodel.ImageTaggingReq{Image: &b64}})
	sdktest.WantCode(t, err, 400, "AIS.0503")
	_, err = sdktest.Moderation(t, e.srv.URL, rootAK, rootSK, pid).CheckImageModeration(&modmodel.CheckImageModerationRequest{
		Body: &modmodel.ImageDetectionReq{Image: &b64, EventType: ptrTo("head_image"), Categories: &[]string{"porn"}}})
	sdktest.WantCode(t, err, 400, "AIS.0403")
	_, err = sdktest.OCR(t, e.srv.URL, rootAK, rootSK, pid).RecognizeGeneralText(&ocrmodel.RecognizeGeneralTextRequest{Body: &ocrmodel.GeneralTextRequestBody{Image: &b64}})
	sdktest.WantCode(t, err, 400, "AIS.0104")
}
