package moderation_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3/model"

	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/services/moderation"
)

// scene draws a plain outdoor-like picture: sky gradient over grass.
func scene(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if y < h*3/5 {
				img.Set(x, y, color.RGBA{uint8(90 + 60*y/h), uint8(150 + 60*y/h), 235, 255})
			} else {
				img.Set(x, y, color.RGBA{40, uint8(120 + 40*x/w), 50, 255})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func imageReq(b64 string, cats ...string) *model.CheckImageModerationRequest {
	if len(cats) == 0 {
		cats = []string{"porn"}
	}
	return &model.CheckImageModerationRequest{Body: &model.ImageDetectionReq{EventType: ptr("album"), Categories: &cats, Image: &b64}}
}

func TestSDKImageModeration(t *testing.T) {
	e := newEnv(t, envOpts{model: true})
	neutral := base64.StdEncoding.EncodeToString(scene(320, 240))
	t.Run("neutral image passes", func(t *testing.T) {
		resp, err := e.cli.CheckImageModeration(imageReq(neutral))
		if err != nil {
			t.Fatal(err)
		}
		if resp.RequestId == nil || *resp.RequestId == "" || resp.Result == nil {
			t.Fatalf("%+v", resp)
		}
		r := resp.Result
		if *r.Suggestion != "pass" || r.Category != nil || r.Details == nil || len(*r.Details) != 0 {
			t.Fatalf("suggestion %s details %+v", *r.Suggestion, r.Details)
		}
	})
	t.Run("url input", func(t *testing.T) {
		img := scene(64, 64)
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(img) }))
		defer ts.Close()
		cats := []string{"porn"}
		resp, err := e.cli.CheckImageModeration(&model.CheckImageModerationRequest{Body: &model.ImageDetectionReq{EventType: ptr("head_image"), Categories: &cats, Url: ptr(ts.URL + "/a.png")}})
		if err != nil {
			t.Fatal(err)
		}
		if *resp.Result.Suggestion != "pass" {
			t.Fatalf("%+v", resp.Result)
		}
	})
	tiny := base64.StdEncoding.EncodeToString(scene(10, 10))
	notImage := base64.StdEncoding.EncodeToString([]byte("just some text, not a picture at all"))
	for _, c := range []struct {
		name string
		req  *model.CheckImageModerationRequest
		code string
	}{
		{"terrorism has no model", imageReq(neutral, "porn", "terrorism"), "AIS.0005"},
		{"politics has no model", imageReq(neutral, "politics"), "AIS.0005"},
		{"image_text without an OCR engine", imageReq(neutral, "image_text"), "AIS.0005"},
		{"unknown category", imageReq(neutral, "nudity"), "AIS.0005"},
		{"no categories", &model.CheckImageModerationRequest{Body: &model.ImageDetectionReq{EventType: ptr("album"), Image: &neutral}}, "AIS.0011"},
		{"bad event type", &model.CheckImageModerationRequest{Body: &model.ImageDetectionReq{EventType: ptr("selfie"), Categories: &[]string{"porn"}, Image: &neutral}}, "AIS.0401"},
		{"no input", &model.CheckImageModerationRequest{Body: &model.ImageDetectionReq{EventType: ptr("album"), Categories: &[]string{"porn"}}}, "AIS.0011"},
		{"bad base64", imageReq("!!!not-base64!!!"), "AIS.0015"},
		{"too small", imageReq(tiny), "AIS.0504"},
		{"not an image", imageReq(notImage), "AIS.0402"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.cli.CheckImageModeration(c.req)
			sdktest.WantCode(t, err, 400, c.code)
		})
	}
}

func TestSDKBatchImageModeration(t *testing.T) {
	e := newEnv(t, envOpts{model: true})
	img := scene(200, 150)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok.png":
			w.Write(img)
		case "/text":
			w.Write([]byte("hello"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer ts.Close()
	batch := func(urls ...model.ImageBatchSyncReqUrls) *model.BatchCheckImageSyncRequest {
		return &model.BatchCheckImageSyncRequest{Body: &model.ImageBatchSyncReq{EventType: ptr("album"), Categories: &[]string{"porn"}, Urls: urls}}
	}
	resp, err := e.cli.BatchCheckImageSync(batch(
		model.ImageBatchSyncReqUrls{Url: ts.URL + "/ok.png", DataId: "a-1"},
		model.ImageBatchSyncReqUrls{Url: ts.URL + "/missing.png", DataId: "b_2"},
		model.ImageBatchSyncReqUrls{Url: ts.URL + "/text", DataId: "c3"},
	))
	if err != nil {
		t.Fatal(err)
	}
	if resp.RequestId == nil || resp.Results == nil || len(*resp.Results) != 3 {
		t.Fatalf("%+v", resp)
	}
	rs := *resp.Results
	if rs[0].DataId != "a-1" || rs[0].Suggestion == nil || *rs[0].Suggestion != "pass" || rs[0].Details == nil || rs[0].ErrorCode != nil {
		t.Fatalf("first %+v", rs[0])
	}
	if rs[1].DataId != "b_2" || rs[1].ErrorCode == nil || *rs[1].ErrorCode != "AIS.0029" || rs[1].ErrorMsg == nil || rs[1].Suggestion != nil {
		t.Fatalf("second %+v", rs[1])
	}
	if rs[2].DataId != "c3" || rs[2].ErrorCode == nil || *rs[2].ErrorCode != "AIS.0402" {
		t.Fatalf("third %+v", rs[2])
	}
	for _, c := range []struct {
		name string
		req  *model.BatchCheckImageSyncRequest
		code string
	}{
		{"no urls", batch(), "AIS.0011"},
		{"repeated data_id", batch(model.ImageBatchSyncReqUrls{Url: ts.URL + "/ok.png", DataId: "x"}, model.ImageBatchSyncReqUrls{Url: ts.URL + "/ok.png", DataId: "x"}), "AIS.0401"},
		{"malformed data_id", batch(model.ImageBatchSyncReqUrls{Url: ts.URL + "/ok.png", DataId: "has space"}), "AIS.0401"},
		{"too many", batch(make([]model.ImageBatchSyncReqUrls, 11)...), "AIS.0401"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.cli.BatchCheckImageSync(c.req)
			sdktest.WantCode(t, err, 400, c.code)
		})
	}
}

// TestSDKImageFlaggedShape lowers the thresholds so that a harmless image's
// small class scores trip them: it checks the flagged response's shape
// through the SDK without an explicit fixture.
func TestSDKImageFlaggedShape(t *testing.T) {
	e := newEnv(t, envOpts{model: true, mod: func(o *moderation.Options) {
		o.Thresholds = &moderation.Thresholds{PornBlock: 1e-9, HentaiReview: 1e-9, SexyReview: 1e-9}
	}})
	resp, err := e.cli.CheckImageModeration(imageReq(base64.StdEncoding.EncodeToString(scene(320, 240))))
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Result
	if *r.Suggestion != "block" || r.Category == nil || *r.Category != "porn" || len(*r.Details) != 3 {
		t.Fatalf("%s %v %+v", *r.Suggestion, r.Category, *r.Details)
	}
	want := []struct{ label, sug string }{{"porn", "block"}, {"hentai", "review"}, {"sexy", "review"}}
	ds := *r.Details
	if ds[1].Label != nil && ds[2].Label != nil && *ds[1].Label == "sexy" {
		ds[1], ds[2] = ds[2], ds[1] // the two reviews are ordered by confidence
	}
	for i, w := range want {
		d := ds[i]
		if d.Label == nil || *d.Label != w.label || d.Suggestion != w.sug || d.Category != "porn" || d.Confidence < 0 || d.Confidence > 1 {
			t.Fatalf("detail %d: %+v", i, d)
		}
	}
}
