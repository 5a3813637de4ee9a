package server_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/invoker/retry"
	imagemodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/image/v2/model"

	"github.com/aisd/aisd/internal/admin"
	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/server"
)

// fakeClock is a settable clock for crossing rate-limit windows.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newEnvClock(t *testing.T, clk *fakeClock, mutate func(*aisdcfg.Config)) *env {
	t.Helper()
	cfg := aisdcfg.Default()
	dir := t.TempDir()
	cfg.DataDir, cfg.DSN = dir, "sqlite:"+dir+"/aisd.db"
	cfg.RootAK, cfg.RootSK = rootAK, rootSK
	cfg.Engines = nil
	if mutate != nil {
		mutate(&cfg)
	}
	var opts []server.Option
	if clk != nil {
		opts = append(opts, server.WithClock(clk.Now))
	}
	s, err := server.New(context.Background(), cfg, nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{s: s}
	e.srv = httptestServer(t, s)
	return e
}

// echoTagging answers image tagging with a fixed, well-typed body: a fake
// service for exercising the platform in front of it.
func echoTagging(ctx context.Context, c *api.Call) (any, error) {
	return map[string]any{"result": map[string]any{"tags": []any{}}}, nil
}

func tagReq() *imagemodel.RunImageTaggingRequest {
	u := "https://example.invalid/x.jpg"
	return &imagemodel.RunImageTaggingRequest{Body: &imagemodel.ImageTaggingReq{Url: &u}}
}

func TestThrottleAndSDKRetry(t *testing.T) {
	clk := &fakeClock{t: time.Now()}
	e := newEnvClock(t, clk, func(c *aisdcfg.Config) { c.RateLimit = 2 })
	e.s.Handle("RunImageTagging", echoTagging)
	cli := sdktest.Image(t, e.srv.URL, rootAK, rootSK, e.s.Root.Project.ID)
	for i := 0; i < 2; i++ {
		if _, err := cli.RunImageTagging(tagReq()); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	_, err := cli.RunImageTagging(tagReq())
	se := sdktest.ErrOf(t, err)
	if se.StatusCode != 429 || se.ErrorCode != "APIG.0308" || se.ErrorMessage != "The request is sent too fast and exceeds the default rate limit of the service." || se.RequestId == "" {
		t.Fatalf("%+v", se)
	}
	// The SDK's own retry recovers once the window has passed.
	retries := 0
	_, err = cli.RunImageTaggingInvoker(tagReq()).WithRetry(3, func(resp interface{}, err error) bool {
		if err != nil && strings.Contains(err.Error(), "APIG.0308") {
			retries++
			clk.Add(61 * time.Second)
			return true
		}
		return false
	}, retry.None{}).Invoke()
	if err != nil || retries != 1 {
		t.Fatalf("retry: err %v after %d retries", err, retries)
	}
	// Rate-limit headers on every response.
	r := sdktest.Signed(t, "POST", e.srv.URL+"/v2/"+e.s.Root.Project.ID+"/image/tagging", []byte(`{"url":"x"}`+"\n"), rootAK, rootSK, time.Now())
	resp, _ := do(t, r)
	if resp.Header.Get("X-RateLimit-Limit") != "2" || resp.Header.Get("X-RateLimit-Remaining") == "" {
		t.Fatalf("headers %v", resp.Header)
	}
}

// account is an unpaid tenant with one user and credential.
type account struct {
	domainID, projectID, userID, ak, sk string
}

// tenant creates an unpaid account with a user and credential.
func tenant(t *testing.T, e *env) account {
	t.Helper()
	ctx := context.Background()
	c := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
	var created struct {
		Domain  admin.Domain  `json:"domain"`
		Project admin.Project `json:"project"`
	}
	if err := c.Do(ctx, "POST", "/v1/admin/domains", nil, map[string]any{"name": "tenant"}, &created); err != nil {
		t.Fatal(err)
	}
	var u struct {
		User admin.User `json:"user"`
	}
	if err := c.Do(ctx, "POST", "/v1/admin/domains/"+created.Domain.ID+"/users", nil, map[string]any{"name": "dev", "password": "password123"}, &u); err != nil {
		t.Fatal(err)
	}
	var cr struct {
		Credential admin.Credential `json:"credential"`
	}
	if err := c.Do(ctx, "POST", "/v1/admin/users/"+u.User.ID+"/credentials", nil, nil, &cr); err != nil {
		t.Fatal(err)
	}
	return account{created.Domain.ID, created.Project.ID, u.User.ID, cr.Credential.AK, cr.Credential.SK}
}

func TestSubscriptionAndQuota(t *testing.T) {
	e := newEnvClock(t, nil, func(c *aisdcfg.Config) { c.FreePerMonth = 2 })
	e.s.Handle("RunImageTagging", echoTagging)
	a := tenant(t, e)
	pid, ak, sk := a.projectID, a.ak, a.sk
	cli := sdktest.Image(t, e.srv.URL, ak, sk, pid)
	_, err := cli.RunImageTagging(tagReq())
	if se := sdktest.ErrOf(t, err); se.ErrorCode != "AIS.0007" || se.StatusCode != 400 {
		t.Fatalf("unsubscribed: %+v", se)
	}
	// Subscribe through the AIP-dialect API with the tenant's own key.
	tc := &admin.Client{Endpoint: e.srv.URL, AK: ak, SK: sk}
	ctx := context.Background()
	if err := tc.Do(ctx, "POST", "/v1/"+pid+"/subscriptions", nil, map[string]any{"service_name": "image.tagging"}, nil); err != nil {
		t.Fatal(err)
	}
	var apiErr *admin.APIError
	if err := tc.Do(ctx, "POST", "/v1/"+pid+"/subscriptions", nil, map[string]any{"service_name": "image.tagging"}, nil); !errors.As(err, &apiErr) || apiErr.Code != "AIP.0011" {
		t.Fatalf("second subscribe: %v", err)
	}
	for i := 0; i < 2; i++ {
		if _, err := cli.RunImageTagging(tagReq()); err != nil {
			t.Fatalf("call %d within allowance: %v", i, err)
		}
	}
	// Metering is asynchronous; the allowance is counted exactly anyway.
	_, err = cli.RunImageTagging(tagReq())
	if se := sdktest.ErrOf(t, err); se.ErrorCode != "AIS.0032" {
		t.Fatalf("over allowance: %+v", se)
	}
	// Usage is visible to the operator.
	var usage map[string]any
	if err := (&admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}).Do(ctx, "GET", "/v1/admin/usage", map[string][]string{"project_id": {pid}}, nil, &usage); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(toJSON(usage), "RunImageTagging") {
		t.Fatalf("usage %v", usage)
	}
}

func TestInflightDeadlineBreaker(t *testing.T) {
	e := newEnvClock(t, nil, func(c *aisdcfg.Config) { c.MaxInflight = 1; c.BackendTimeout = 300 * time.Millisecond })
	release, started := make(chan struct{}), make(chan struct{}, 1)
	var mode atomic.Int32 // 0 block, 1 sleep past deadline, 2 fail
	e.s.Handle("RunImageTagging", func(ctx context.Context, c *api.Call) (any, error) {
		switch mode.Load() {
		case 0:
			started <- struct{}{}
			<-release
			return echoTagging(ctx, c)
		case 1:
			select {
			case <-time.After(2 * time.Second):
			case <-ctx.Done():
			}
			return nil, ctx.Err()
		default:
			return nil, catalog.E(catalog.KindRecognition)
		}
	})
	cli := sdktest.Image(t, e.srv.URL, rootAK, rootSK, e.s.Root.Project.ID)
	done := make(chan error, 1)
	go func() { _, err := cli.RunImageTagging(tagReq()); done <- err }()
	<-started // the first call holds the only slot
	_, err := cli.RunImageTagging(tagReq())
	if se := sdktest.ErrOf(t, err); se.ErrorCode != "ModelArts.4401" {
		t.Fatalf("in-flight limit: %+v", se)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mode.Store(1)
	_, err = cli.RunImageTagging(tagReq())
	if se := sdktest.ErrOf(t, err); se.ErrorCode != "ModelArts.4402" {
		t.Fatalf("deadline: %+v", se)
	}
	mode.Store(2)
	var last string
	for i := 0; i < 40 && last != "ModelArts.4403"; i++ {
		_, err := cli.RunImageTagging(tagReq())
		last = sdktest.ErrOf(t, err).ErrorCode
	}
	if last != "ModelArts.4403" {
		t.Fatalf("breaker never opened; last %s", last)
	}
}

func TestBodyLimits(t *testing.T) {
	e := newEnvClock(t, nil, nil)
	e.s.Handle("RunImageTagging", echoTagging)
	url := e.srv.URL + "/v2/" + e.s.Root.Project.ID + "/image/tagging"
	big := func(n int) []byte {
		return append(append([]byte(`{"image":"`), bytes.Repeat([]byte("A"), n)...), '"', '}')
	}
	resp, b := do(t, sdktest.Signed(t, "POST", url, big(11<<20), rootAK, rootSK, time.Now()))
	if resp.StatusCode != 400 || b.Code != "AIS.0020" {
		t.Fatalf("11 MB: %d %+v", resp.StatusCode, b)
	}
	resp, b = do(t, sdktest.Signed(t, "POST", url, big(13<<20), rootAK, rootSK, time.Now()))
	if resp.StatusCode != 413 || b.Code != "APIG.0201" || b.RequestID == "" {
		t.Fatalf("13 MB: %d %+v", resp.StatusCode, b)
	}
	ocrURL := e.srv.URL + "/v2/" + e.s.Root.Project.ID + "/ocr/general-text"
	e.s.Handle("RecognizeGeneralText", echoTagging)
	resp, b = do(t, sdktest.Signed(t, "POST", ocrURL, big(11<<20), rootAK, rootSK, time.Now()))
	if b.Code != "ModelArts.4104" {
		t.Fatalf("OCR 11 MB: %d %+v", resp.StatusCode, b)
	}
}

func TestFaultInjection(t *testing.T) {
	e := newEnvClock(t, nil, nil)
	e.s.Handle("RunImageTagging", echoTagging)
	ctx := context.Background()
	adm := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
	pid := e.s.Root.Project.ID
	var created struct {
		ID string `json:"id"`
	}
	if err := adm.Do(ctx, "POST", "/v1/admin/faults", nil, map[string]any{
		"project_id": pid, "api": "RunImageTagging", "code": "ModelArts.4403", "mode": "count", "count": 2,
	}, &created); err != nil {
		t.Fatal(err)
	}
	cli := sdktest.Image(t, e.srv.URL, rootAK, rootSK, pid)
	for i := 0; i < 2; i++ {
		_, err := cli.RunImageTagging(tagReq())
		se := sdktest.ErrOf(t, err)
		if se.StatusCode != 400 || se.ErrorCode != "ModelArts.4403" || se.ErrorMessage != "Backend service unavailable error." {
			t.Fatalf("injected call %d: %+v", i, se)
		}
	}
	if _, err := cli.RunImageTagging(tagReq()); err != nil {
		t.Fatalf("after the fault is spent: %v", err)
	}
	// An unknown code is refused by the admin API.
	var apiErr *admin.APIError
	err := adm.Do(ctx, "POST", "/v1/admin/faults", nil, map[string]any{"project_id": pid, "api": "*", "code": "AIS.9999", "mode": "count", "count": 1}, nil)
	if !errors.As(err, &apiErr) || !strings.HasPrefix(apiErr.Code, "AIP.") {
		t.Fatalf("unknown code accepted: %v", err)
	}
	// A gateway code keeps its own status.
	if err := adm.Do(ctx, "POST", "/v1/admin/faults", nil, map[string]any{"project_id": pid, "api": "*", "code": "APIG.0201", "mode": "count", "count": 1}, nil); err != nil {
		t.Fatal(err)
	}
	_, err = cli.RunImageTagging(tagReq())
	if se := sdktest.ErrOf(t, err); se.StatusCode != 413 || se.ErrorCode != "APIG.0201" {
		t.Fatalf("%+v", se)
	}
}

func TestInjectedThrottleMessage(t *testing.T) {
	e := newEnvClock(t, nil, nil)
	e.s.Handle("RunImageTagging", echoTagging)
	adm := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
	pid := e.s.Root.Project.ID
	if err := adm.Do(context.Background(), "POST", "/v1/admin/faults", nil, map[string]any{
		"project_id": pid, "api": "RunImageTagging", "code": "APIG.0308", "mode": "percent", "percent": 100,
	}, nil); err != nil {
		t.Fatal(err)
	}
	_, err := sdktest.Image(t, e.srv.URL, rootAK, rootSK, pid).RunImageTagging(tagReq())
	se := sdktest.ErrOf(t, err)
	// Image Recognition's page words APIG.0308 without the limit.
	if se.StatusCode != 429 || se.ErrorMessage != "The request is sent too fast and exceeds the default rate limit of the service." {
		t.Fatalf("%+v", se)
	}
}

// TestDeletedKeyRefusedAtOnce: the gateway serves credentials from memory,
// but a key deleted through the admin API is refused on the very next call.
func TestDeletedKeyRefusedAtOnce(t *testing.T) {
	e := newEnvClock(t, nil, nil)
	e.s.Handle("RunImageTagging", echoTagging)
	acct := tenant(t, e)
	adm := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
	if err := adm.Do(context.Background(), "PUT", "/v1/admin/projects/"+acct.projectID+"/subscriptions/image.tagging", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	cli := sdktest.Image(t, e.srv.URL, acct.ak, acct.sk, acct.projectID)
	for i := 0; i < 3; i++ { // warm the cache
		if _, err := cli.RunImageTagging(tagReq()); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if err := adm.Do(context.Background(), "DELETE", "/v1/admin/credentials/"+acct.ak, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	_, err := cli.RunImageTagging(tagReq())
	se := sdktest.ErrOf(t, err)
	if se.StatusCode != 401 || se.ErrorCode != "APIG.0301" || !strings.Contains(se.ErrorMessage, "ak not exist") {
		t.Fatalf("deleted key: %+v", se)
	}
}

// TestThrottleHeadersOnce: a refused call carries each rate-limit header
// once, as the cloud's gateway sends them.
func TestThrottleHeadersOnce(t *testing.T) {
	e := newEnvClock(t, nil, func(c *aisdcfg.Config) { c.RateLimit = 1 })
	url := e.srv.URL + "/v2/" + e.s.Root.Project.ID + "/ocr/general-text"
	var last *http.Response
	for i := 0; i < 2; i++ {
		res, err := http.DefaultClient.Do(sdktest.Signed(t, "POST", url, []byte(`{"url":"https://example.com/a.png"}`), rootAK, rootSK, time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		last = res
	}
	if last.StatusCode != 429 {
		t.Fatalf("second call: %d", last.StatusCode)
	}
	for _, h := range []string{"Retry-After", "X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset"} {
		if n := len(last.Header.Values(h)); n != 1 {
			t.Errorf("%s sent %d times: %v", h, n, last.Header.Values(h))
		}
	}
}
