// Package sdktest builds official Huawei Cloud Go SDK clients for tests: AK/SK
// credentials, the cn-north-4 region at a local endpoint (an aisd server
// under test, or any httptest server) and the IAM endpoint pointed there
// too, so that project discovery stays on loopback. It also signs raw
// requests with the SDK's signer and unpacks the SDK's error for
// assertions.
package sdktest

import (
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer/algorithm"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	image "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/image/v2"
	moderation "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3"
	ocr "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1"
)

// Region is the region every client is built for.
const Region = "cn-north-4"

// Timeout bounds each call a client makes, so that a hung server fails the
// test instead of stalling it for the SDK's default two minutes.
const Timeout = 30 * time.Second

// Option adjusts a client's HTTP configuration.
type Option func(*config.HttpConfig)

// Signing has the client sign its requests with alg instead of the SDK's
// default algorithm.
func Signing(alg algorithm.SigningAlgorithm) Option {
	return func(c *config.HttpConfig) { c.WithSigningAlgorithm(alg) }
}

// Credentials are the SDK's basic AK/SK credentials for projectID, with the
// IAM endpoint at endpoint. An empty projectID leaves the SDK to discover
// the region's project from that IAM endpoint.
func Credentials(t testing.TB, endpoint, ak, sk, projectID string) *basic.Credentials {
	t.Helper()
	b := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithIamEndpointOverride(endpoint)
	if projectID != "" {
		b = b.WithProjectId(projectID)
	}
	c, err := b.SafeBuild()
	if err != nil {
		t.Fatalf("SDK credentials: %v", err)
	}
	return c
}

// OCR returns an OCR (ocr/v1) client calling endpoint.
func OCR(t testing.TB, endpoint, ak, sk, projectID string, opts ...Option) *ocr.OcrClient {
	t.Helper()
	return ocr.NewOcrClient(build(t, ocr.OcrClientBuilder(), endpoint, ak, sk, projectID, opts))
}

// Image returns an Image Recognition (image/v2) client calling endpoint.
func Image(t testing.TB, endpoint, ak, sk, projectID string, opts ...Option) *image.ImageClient {
	t.Helper()
	return image.NewImageClient(build(t, image.ImageClientBuilder(), endpoint, ak, sk, projectID, opts))
}

// Moderation returns a Content Moderation (moderation/v3) client calling
// endpoint.
func Moderation(t testing.TB, endpoint, ak, sk, projectID string, opts ...Option) *moderation.ModerationClient {
	t.Helper()
	return moderation.NewModerationClient(build(t, moderation.ModerationClientBuilder(), endpoint, ak, sk, projectID, opts))
}

func build(t testing.TB, b *core.HcHttpClientBuilder, endpoint, ak, sk, projectID string, opts []Option) *core.HcHttpClient {
	t.Helper()
	hc := config.DefaultHttpConfig().WithTimeout(Timeout)
	for _, o := range opts {
		o(hc)
	}
	c, err := b.WithRegion(region.NewRegion(Region, endpoint)).
		WithCredential(Credentials(t, endpoint, ak, sk, projectID)).
		WithHttpConfig(hc).
		SafeBuild()
	if err != nil {
		t.Fatalf("SDK client: %v", err)
	}
	return c
}

// ErrOf fails the test unless err is the SDK's error for a service's error
// answer, and returns it.
func ErrOf(t testing.TB, err error) *sdkerr.ServiceResponseError {
	t.Helper()
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) {
		t.Fatalf("want a ServiceResponseError, got %T %v", err, err)
	}
	return se
}

// Signed is a raw request signed by the SDK's own signer (SDK-HMAC-SHA256)
// with ak and sk, dated date, for calls no SDK client makes: hand-made
// bodies, back-dated signatures. A non-nil body is sent as JSON.
func Signed(t testing.TB, method, rawURL string, body []byte, ak, sk string, date time.Time) *http.Request {
	t.Helper()
	ct := ""
	if body != nil {
		ct = "application/json"
	}
	return SignedAs(t, method, rawURL, ct, body, ak, sk, date, nil)
}

// SignedAs is Signed with the body's content type and extra headers (signed
// too) chosen by the caller; an empty content type sends no body.
func SignedAs(t testing.TB, method, rawURL, contentType string, body []byte, ak, sk string, date time.Time, header map[string]string) *http.Request {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	b := request.NewHttpRequestBuilder().WithEndpoint(u.Scheme+"://"+u.Host).WithPath(u.Path).WithMethod(method).
		AddHeaderParam("X-Sdk-Date", date.UTC().Format("20060102T150405Z"))
	for k, v := range header {
		b.AddHeaderParam(k, v)
	}
	for k, vs := range u.Query() {
		// The SDK's request builder takes query values as reflect.Values.
		if len(vs) == 1 {
			b.AddQueryParam(k, reflect.ValueOf(vs[0]))
		} else {
			b.AddQueryParam(k, reflect.ValueOf(vs))
		}
	}
	if contentType != "" {
		b.AddHeaderParam("Content-Type", contentType).WithBody(contentType, string(body))
	}
	req := b.Build()
	hdr, err := signer.Sign(req, ak, sk)
	if err != nil {
		t.Fatalf("SDK signing: %v", err)
	}
	hr, err := req.ConvertRequest()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		hr.Header.Set(k, v)
	}
	return hr
}

// WantCode fails the test unless err is the service's error answer with
// the given HTTP status and error_code, and returns it.
func WantCode(t testing.TB, err error, status int, code string) *sdkerr.ServiceResponseError {
	t.Helper()
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) {
		t.Fatalf("want %d %s, got %v", status, code, err)
	}
	if se.StatusCode != status || se.ErrorCode != code {
		t.Fatalf("want %d %s, got %d %s (%s)", status, code, se.StatusCode, se.ErrorCode, se.ErrorMessage)
	}
	return se
}
