package server_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	ocrmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/sdktest"
)

// TestOCRThrottleWindow: an OCR caller over the per-minute rate limit is
// refused by the gateway with APIG.0308 in OCR's wording (which names the
// limit), and is let through again once the window has passed.
func TestOCRThrottleWindow(t *testing.T) {
	clk := &fakeClock{t: time.Now()}
	e := newEnvClock(t, clk, func(c *aisdcfg.Config) { c.RateLimit = 1 })
	cli := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, e.s.Root.Project.ID)
	// No OCR engine runs here: the first call is admitted (and counted)
	// and then answered "not started".
	_, err := cli.RecognizeGeneralText(generalText())
	sdktest.WantCode(t, err, 400, "ModelArts.4508")
	_, err = cli.RecognizeGeneralText(generalText())
	se := sdktest.WantCode(t, err, 429, "APIG.0308")
	if se.ErrorMessage != "The throttling threshold has been reached: policy user over ratelimit,limit:1,time:1 minute" || se.RequestId == "" {
		t.Fatalf("throttled: %+v", se)
	}
	clk.Add(61 * time.Second)
	_, err = cli.RecognizeGeneralText(generalText())
	sdktest.WantCode(t, err, 400, "ModelArts.4508")
}

// slowOrigin is a loopback file server whose /slow answer the test holds
// back: each request announces itself on arrived and is answered (a blank
// PNG) only when release is closed, or never if the client gives up first.
type slowOrigin struct {
	*httptest.Server
	arrived chan struct{}
	release chan struct{}
}

func newSlowOrigin(t *testing.T) *slowOrigin {
	o := &slowOrigin{arrived: make(chan struct{}, 8), release: make(chan struct{})}
	quit := make(chan struct{})
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.arrived <- struct{}{}
		select {
		case <-o.release:
			w.Header().Set("Content-Type", "image/png")
			w.Write(pngOf(200, 100))
		case <-r.Context().Done():
		case <-quit:
		}
	}))
	t.Cleanup(func() { close(quit); o.Close() })
	return o
}

func ocrByURL(u string) *ocrmodel.RecognizeGeneralTextRequest {
	return &ocrmodel.RecognizeGeneralTextRequest{Body: &ocrmodel.GeneralTextRequestBody{Url: &u}}
}

// loopbackOrigins lets the server fetch url inputs from this machine's
// test servers (refused by default as SSRF).
func loopbackOrigins(c *aisdcfg.Config) { c.FetchAllowCIDRs = []string{"127.0.0.1/32"} }

// TestOCRInFlightLimit: with the OCR service at its in-flight cap (one
// here) — a call whose url input the origin holds back — the next call is
// refused at once with ModelArts.4401, and the held call completes when the
// origin answers. The real OCR engine reads the image.
func TestOCRInFlightLimit(t *testing.T) {
	e := newEnv(t, func(c *aisdcfg.Config) { c.Engines = []string{"ocr"}; c.MaxInflight = 1 }, loopbackOrigins)
	requireModels(t, e)
	origin := newSlowOrigin(t)
	cli := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, e.s.Root.Project.ID)
	held := make(chan error, 1)
	go func() {
		_, err := cli.RecognizeGeneralText(ocrByURL(origin.URL + "/slow"))
		held <- err
	}()
	<-origin.arrived // the first call is fetching its image: it holds the only slot
	_, err := cli.RecognizeGeneralText(ocrByURL(origin.URL + "/slow"))
	se := sdktest.WantCode(t, err, 400, "ModelArts.4401")
	if se.ErrorMessage != "Max concurrency error." || se.RequestId == "" {
		t.Fatalf("at the cap: %+v", se)
	}
	select {
	case <-origin.arrived:
		t.Fatal("the refused call fetched its input")
	default:
	}
	close(origin.release)
	if err := <-held; err != nil {
		t.Fatalf("the held call: %v", err)
	}
	// The slot is free again.
	if _, err := cli.RecognizeGeneralText(ocrByURL(origin.URL + "/slow")); err != nil {
		t.Fatalf("after the held call: %v", err)
	}
}

// TestOCRBackendDeadline: an OCR call that overruns the platform deadline
// (an origin that never answers its url input, a deadline far shorter than
// the fetcher's own time-outs) is answered ModelArts.4402, not a download
// failure and not the gateway's time-out.
func TestOCRBackendDeadline(t *testing.T) {
	e := newEnv(t, func(c *aisdcfg.Config) { c.Engines = []string{"ocr"}; c.BackendTimeout = time.Second }, loopbackOrigins)
	requireModels(t, e)
	origin := newSlowOrigin(t) // never released
	_, err := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, e.s.Root.Project.ID).RecognizeGeneralText(ocrByURL(origin.URL + "/slow"))
	se := sdktest.WantCode(t, err, 400, "ModelArts.4402")
	if se.ErrorMessage != "Backend service timeout error." || se.RequestId == "" {
		t.Fatalf("deadline: %+v", se)
	}
}
