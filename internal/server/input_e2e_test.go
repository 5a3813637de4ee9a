package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	imagemodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/image/v2/model"

	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/sdktest"
)

// TestInputAnswersThroughTheServices: the inputs a caller names are
// fetched by the real services, and each way an input cannot be had is
// the family's own answer: for Image Recognition an OBS object that does
// not exist (ModelArts.4706), one that is empty (AIS.0025) and a body that
// is not JSON (AIS.0014); for OCR a url whose origin (allowed by the
// operator) does not serve the file (ModelArts.4603), where Image
// Recognition answers AIS.0029.
func TestInputAnswersThroughTheServices(t *testing.T) {
	e := newEnvClock(t, nil, func(c *aisdcfg.Config) {
		c.Engines = []string{"ocr", "image"}
		loopbackOrigins(c)
	})
	loaded := strings.Join(e.s.Engines(), ",")
	if !strings.Contains(loaded, "ocr") || !strings.Contains(loaded, "image") {
		requireOrSkip(t, "OCR and image engines not loaded (models not installed): "+loaded)
	}
	ctx := context.Background()
	pid := e.s.Root.Project.ID // subscribed, and its agency lets the services read its buckets
	if err := e.s.OBS.CreateBucket(ctx, pid, "photos"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.OBS.Put(ctx, "photos", "empty.png", bytes.NewReader(nil), 0, "image/png"); err != nil {
		t.Fatal(err)
	}
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/white.png" {
			w.Header().Set("Content-Type", "image/png")
			w.Write(pngOf(200, 100))
			return
		}
		http.NotFound(w, r)
	}))
	defer origin.Close()

	img := sdktest.Image(t, e.srv.URL, rootAK, rootSK, pid)
	tagURL := func(u string) error {
		_, err := img.RunImageTagging(&imagemodel.RunImageTaggingRequest{Body: &imagemodel.ImageTaggingReq{Url: &u}})
		return err
	}
	// The allowed origin serves the file: it is read (no error).
	if err := tagURL(origin.URL + "/white.png"); err != nil {
		t.Fatalf("image from the allowed origin: %v", err)
	}
	for _, c := range []struct {
		name, url, code, msg string
	}{
		{"missing object", "obs://photos/nothing.png", "ModelArts.4706", "The OBS file does not exist."},
		{"empty object", "obs://photos/empty.png", "AIS.0025", "The file stored on OBS is empty."},
		{"origin without the file", origin.URL + "/gone.png", "AIS.0029", "Failed to download the file from the Internet. Check whether the URL of the file is correct and supported."},
	} {
		se := sdktest.WantCode(t, tagURL(c.url), 400, c.code)
		if se.ErrorMessage != c.msg || se.RequestId == "" {
			t.Errorf("image, %s: %+v", c.name, se)
		}
	}
	got := send(t, sdktest.Signed(t, "POST", e.srv.URL+"/v2/"+pid+"/image/tagging", []byte(`{"url":`), rootAK, rootSK, time.Now()))
	got.want(t, "image, body not JSON", 400, "AIS.0014", "The JSON format of the input data is incorrect.")

	ocr := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, pid)
	if _, err := ocr.RecognizeGeneralText(ocrByURL(origin.URL + "/white.png")); err != nil {
		t.Fatalf("OCR from the allowed origin: %v", err)
	}
	_, err := ocr.RecognizeGeneralText(ocrByURL(origin.URL + "/gone.png"))
	if se := sdktest.WantCode(t, err, 400, "ModelArts.4603"); se.ErrorMessage != "Obtaining the file from the URL failed." || se.RequestId == "" {
		t.Errorf("OCR, origin without the file: %+v", se)
	}
}
