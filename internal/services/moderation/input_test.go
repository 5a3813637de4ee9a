package moderation_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3/model"

	"github.com/aisd/aisd/internal/platform/imagecheck/imagechecktest"
	"github.com/aisd/aisd/internal/platform/input"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/services/moderation"
)

// TestSDKImageModerationEXIF: a picture stored turned, with the EXIF
// orientation that says so, is classified as the upright picture is, in
// each container moderation takes that can say so (PNG eXIf, WebP EXIF
// chunk, TIFF tag 274): they decode to exactly the upright pixels, so the
// scores are the same.
func TestSDKImageModerationEXIF(t *testing.T) {
	e := newEnv(t, envOpts{model: true, mod: func(o *moderation.Options) {
		// Every class score is reported, so the comparison sees them all.
		o.Thresholds = &moderation.Thresholds{PornBlock: 1e-9, HentaiReview: 1e-9, SexyReview: 1e-9}
	}})
	up, err := png.Decode(bytes.NewReader(scene(320, 240)))
	if err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, data []byte) string {
		t.Helper()
		resp, err := e.cli.CheckImageModeration(imageReq(base64.StdEncoding.EncodeToString(data)))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(resp.Result)
		return string(b)
	}
	want := check(t, imagechecktest.PNG(up, 1))
	if check(t, imagechecktest.PNG(imagechecktest.Stored(up, 6), 1)) == want {
		t.Fatal("the turned pixels, read unturned, score as the upright ones: this test could not tell")
	}
	for name, encode := range map[string]func(image.Image, uint16) []byte{
		"png": imagechecktest.PNG, "webp": imagechecktest.WebP, "tiff": imagechecktest.TIFF,
	} {
		for _, o := range []int{6, 3} {
			t.Run(name+"/"+strconv.Itoa(o), func(t *testing.T) {
				if got := check(t, encode(imagechecktest.Stored(up, o), uint16(o))); got != want {
					t.Errorf("orientation %d:\n got %s\nwant %s", o, got, want)
				}
			})
		}
	}
}

// TestSDKVideoJobInputPolicy: a video is fetched under the input
// resolver's policy, as images are — here one that trusts only the video
// host, not loopback in general: a URL the policy refuses is refused at
// creation (AIS.0701), and a redirect to a refused address fails the job
// with AIS.0701 when it downloads.
func TestSDKVideoJobInputPolicy(t *testing.T) {
	clip := makeVideo(t, 2)
	vs := serveBytes(t, clip)
	hidden := serveBytes(t, clip) // loopback, not trusted
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, hidden.URL+"/clip.mp4", http.StatusFound)
	}))
	t.Cleanup(redirector.Close)
	cb, cs := newCallbacks(t)
	hostport := func(s *httptest.Server) string { return s.Listener.Addr().(*net.TCPAddr).String() }
	e := newEnv(t, envOpts{model: true, in: func(o *input.Options) {
		o.Fetcher = input.NewFetcher(input.FetcherOptions{AllowHosts: []string{hostport(vs), hostport(redirector), hostport(cs)}})
	}})
	// The trusted host serves.
	resp, err := e.cli.RunCreateVideoModerationJob(videoReq(vs.URL+"/clip.mp4", nil))
	if err != nil {
		t.Fatal(err)
	}
	if q := waitJob(t, e, *resp.JobId); q.Status.Value() != "succeeded" {
		t.Fatalf("trusted host: %+v", q)
	}
	// Loopback otherwise is refused before a job exists.
	_, err = e.cli.RunCreateVideoModerationJob(videoReq(hidden.URL+"/clip.mp4", nil))
	sdktest.WantCode(t, err, 400, "AIS.0701")
	// A trusted host redirecting there fails the job.
	resp, err = e.cli.RunCreateVideoModerationJob(videoReq(redirector.URL+"/v.mp4", nil, func(b *model.VideoCreateRequest) { b.Callback = ptr(cs.URL) }))
	if err != nil {
		t.Fatal(err)
	}
	got := cb.wait(t, 30*time.Second)
	var raw map[string]any
	json.Unmarshal(got.body, &raw)
	if raw["job_id"] != *resp.JobId || raw["status"] != "failed" || raw["error_code"] != "AIS.0701" {
		t.Fatalf("redirect to loopback: callback %s", got.body)
	}
}
