package sdktest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer/algorithm"
	imagemodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/image/v2/model"
	modmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3/model"
	ocrmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/gateway/signer"
	"github.com/aisd/aisd/internal/sdktest"
)

const project = "0123456789abcdef0123456789abcdef"

// server answers IAM's project listing with one project and every other
// request with an OCR error, recording what it was asked.
func server(t *testing.T) (*httptest.Server, func() []*http.Request) {
	t.Helper()
	var (
		mu   sync.Mutex
		seen []*http.Request
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		seen = append(seen, r.Clone(r.Context()))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "rid-1")
		if r.URL.Path == "/v3/projects" {
			io.WriteString(w, `{"projects":[{"id":"`+project+`","name":"cn-north-4","domain_id":"d"}]}`)
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error_code":"AIS.0101","error_msg":"The input parameter is invalid."}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []*http.Request { mu.Lock(); defer mu.Unlock(); return append([]*http.Request(nil), seen...) }
}

func generalText() *ocrmodel.RecognizeGeneralTextRequest {
	img := "aGVsbG8="
	return &ocrmodel.RecognizeGeneralTextRequest{Body: &ocrmodel.GeneralTextRequestBody{Image: &img}}
}

func TestClientsCallTheEndpoint(t *testing.T) {
	srv, seen := server(t)
	_, err := sdktest.OCR(t, srv.URL, "AK0000000000000000001", "sk", project).RecognizeGeneralText(generalText())
	se := sdktest.WantCode(t, err, 400, "AIS.0101")
	if se.RequestId != "rid-1" || se.ErrorMessage != "The input parameter is invalid." {
		t.Fatalf("error %+v", se)
	}
	if se := sdktest.ErrOf(t, err); se.ErrorCode != "AIS.0101" {
		t.Fatalf("ErrOf %+v", se)
	}
	reqs := seen()
	if len(reqs) != 1 || reqs[0].URL.Path != "/v2/"+project+"/ocr/general-text" || reqs[0].Header.Get("X-Project-Id") != project ||
		!strings.HasPrefix(reqs[0].Header.Get("Authorization"), "SDK-HMAC-SHA256 Access=AK0000000000000000001,") {
		t.Fatalf("requests %+v", reqs)
	}
}

// Without a project id the SDK asks the IAM endpoint, the same server.
func TestProjectDiscoveryStaysLocal(t *testing.T) {
	srv, seen := server(t)
	_, err := sdktest.Image(t, srv.URL, "AK0000000000000000002", "sk", "").RunImageTagging(&imagemodel.RunImageTaggingRequest{Body: &imagemodel.ImageTaggingReq{Url: ptr("https://example.invalid/a.jpg")}})
	sdktest.ErrOf(t, err)
	reqs := seen()
	if len(reqs) != 2 || reqs[0].URL.Path != "/v3/projects" || reqs[0].URL.Query().Get("name") != sdktest.Region ||
		reqs[1].URL.Path != "/v2/"+project+"/image/tagging" {
		t.Fatalf("requests %v", paths(reqs))
	}
}

func TestSigningOption(t *testing.T) {
	srv, seen := server(t)
	_, err := sdktest.Moderation(t, srv.URL, "AK0000000000000000003", "sk", project, sdktest.Signing(algorithm.HmacSM3)).CheckImageModeration(&modmodel.CheckImageModerationRequest{Body: &modmodel.ImageDetectionReq{Url: ptr("https://example.invalid/a.jpg"), EventType: ptr("comment")}})
	sdktest.ErrOf(t, err)
	if reqs := seen(); len(reqs) != 1 || !strings.HasPrefix(reqs[0].Header.Get("Authorization"), "SDK-HMAC-SM3 ") {
		t.Fatalf("requests %v", paths(reqs))
	}
}

func paths(reqs []*http.Request) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.Method+" "+r.URL.String()+" "+r.Header.Get("Authorization"))
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// A Signed request, query and body included, verifies under aisd's own
// signature check with its secret key only.
func TestSigned(t *testing.T) {
	results := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a, err := signer.Parse(r)
		if err == nil {
			err = signer.Verify(r, body, a, "secret", time.Now())
		}
		if err == nil && (r.URL.Query().Get("a") != "1 2" || len(r.URL.Query()["b"]) != 2 || string(body) != `{"x":1}`) {
			err = fmt.Errorf("received %s %q", r.URL, body)
		}
		results <- err
	}))
	t.Cleanup(srv.Close)
	for _, c := range []struct {
		sk string
		ok bool
	}{{"secret", true}, {"other", false}} {
		resp, err := srv.Client().Do(sdktest.Signed(t, "POST", srv.URL+"/v1/p/x?a=1+2&b=3&b=4", []byte(`{"x":1}`), "AK0000000000000000004", c.sk, time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if err := <-results; (err == nil) != c.ok {
			t.Errorf("signed with %s: verification %v", c.sk, err)
		}
	}
}
