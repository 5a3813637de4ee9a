package moderation_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3/model"

	"github.com/aisd/aisd/internal/jobs"
	"github.com/aisd/aisd/internal/platform/input"
	"github.com/aisd/aisd/internal/platform/obs"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/services/moderation"
)

// makeVideo renders a test-pattern clip with ffmpeg (MPEG-4 in MP4, a few
// tens of kB), skipping when ffmpeg is absent unless AISD_REQUIRE_MODELS=1.
func makeVideo(t *testing.T, seconds int) []byte {
	t.Helper()
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
			t.Fatal("ffmpeg not installed although AISD_REQUIRE_MODELS=1 (apt-get install ffmpeg)")
		}
		t.Skip("ffmpeg not installed (apt-get install ffmpeg)")
	}
	out := filepath.Join(t.TempDir(), "clip.mp4")
	cmd := exec.Command(ff, "-nostdin", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
		"-i", "testsrc=duration="+itoa(seconds)+":size=320x240:rate=10", "-c:v", "mpeg4", "-q:v", "5", "-y", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// callbacks records what a callback endpoint receives.
type callbacks struct {
	mu   sync.Mutex
	got  []received
	wake chan struct{}
}

type received struct {
	sig  string
	body []byte
}

func newCallbacks(t *testing.T) (*callbacks, *httptest.Server) {
	cb := &callbacks{wake: make(chan struct{}, 16)}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		cb.mu.Lock()
		cb.got = append(cb.got, received{r.Header.Get("X-Auth-Signature"), b})
		cb.mu.Unlock()
		cb.wake <- struct{}{}
	}))
	t.Cleanup(ts.Close)
	return cb, ts
}

func (c *callbacks) wait(t *testing.T, d time.Duration) received {
	t.Helper()
	select {
	case <-c.wake:
	case <-time.After(d):
		t.Fatal("no callback")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.got[len(c.got)-1]
}

// signature is the documented X-Auth-Signature, computed here from the
// API's description rather than with the server's code.
func signature(seed, createTime, jobID, requestID string) string {
	m := hmac.New(sha256.New, []byte(seed))
	io.WriteString(m, createTime+jobID+requestID+seed)
	return hex.EncodeToString(m.Sum(nil))
}

func serveBytes(t *testing.T, b []byte) *httptest.Server {
	stop := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing.mp4":
			http.NotFound(w, r)
			return
		case "/slow.mp4":
			w.Header().Set("Content-Length", itoa(len(b)))
			w.Write(b[:100])
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-stop:
			}
			return
		}
		http.ServeContent(w, r, "clip.mp4", time.Time{}, bytesReader(b))
	}))
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(stop) }) // runs first: releases trickling handlers

	return ts
}

func imageCats(vs ...string) *[]model.VideoCreateRequestImageCategories {
	out := make([]model.VideoCreateRequestImageCategories, len(vs))
	for i, v := range vs {
		if err := out[i].UnmarshalJSON([]byte(`"` + v + `"`)); err != nil {
			panic(err)
		}
	}
	return &out
}

func videoReq(url string, interval *int32, mod ...func(*model.VideoCreateRequest)) *model.RunCreateVideoModerationJobRequest {
	def := model.GetVideoCreateRequestEventTypeEnum().DEFAULT
	b := &model.VideoCreateRequest{
		Data:            &model.VideoCreateRequestData{Url: url, FrameInterval: interval},
		EventType:       &def,
		ImageCategories: imageCats("porn"),
	}
	for _, m := range mod {
		m(b)
	}
	return &model.RunCreateVideoModerationJobRequest{Body: b}
}

// waitJob polls the query API until the job is no longer running.
func waitJob(t *testing.T, e *env, id string) *model.RunQueryVideoModerationJobResponse {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		q, err := e.cli.RunQueryVideoModerationJob(&model.RunQueryVideoModerationJobRequest{JobId: id})
		if err != nil {
			t.Fatal(err)
		}
		if st := q.Status.Value(); st != "running" {
			return q
		}
		if time.Now().After(deadline) {
			t.Fatal("job still running")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSDKVideoJobEndToEnd(t *testing.T) {
	clip := makeVideo(t, 4)
	e := newEnv(t, envOpts{model: true})
	vs := serveBytes(t, clip)
	cb, cs := newCallbacks(t)
	const seed = "Seed_42"
	resp, err := e.cli.RunCreateVideoModerationJob(videoReq(vs.URL+"/clip.mp4", ptr(int32(1)), func(b *model.VideoCreateRequest) {
		b.Callback, b.Seed = ptr(cs.URL+"/hook"), ptr(seed)
	}))
	if err != nil {
		t.Fatal(err)
	}
	if resp.JobId == nil || *resp.JobId == "" || resp.RequestId == nil || *resp.RequestId == "" {
		t.Fatalf("%+v", resp)
	}
	got := cb.wait(t, 60*time.Second)
	var body struct {
		RequestID  string `json:"request_id"`
		JobID      string `json:"job_id"`
		Status     string `json:"status"`
		CreateTime string `json:"create_time"`
	}
	if err := json.Unmarshal(got.body, &body); err != nil {
		t.Fatalf("callback body %s: %v", got.body, err)
	}
	if body.JobID != *resp.JobId || body.RequestID != *resp.RequestId || body.Status != "succeeded" {
		t.Fatalf("callback body %s", got.body)
	}
	if want := signature(seed, body.CreateTime, body.JobID, body.RequestID); got.sig != want {
		t.Fatalf("X-Auth-Signature %q, want %q", got.sig, want)
	}
	// The callback body decodes as the SDK's query response.
	var asSDK model.RunQueryVideoModerationJobResponse
	if err := json.Unmarshal(got.body, &asSDK); err != nil {
		t.Fatal(err)
	}

	q := waitJob(t, e, *resp.JobId)
	if q.Status.Value() != "succeeded" || *q.JobId != *resp.JobId || *q.CreateTime != body.CreateTime {
		t.Fatalf("%+v", q)
	}
	if q.RequestId == nil || *q.RequestId == *resp.RequestId {
		t.Fatal("query must carry its own request_id")
	}
	if _, err := time.Parse(time.RFC3339, *q.UpdateTime); err != nil {
		t.Fatal(err)
	}
	p := q.RequestParams
	if p.Data.Url != vs.URL+"/clip.mp4" || *p.Data.FrameInterval != 1 || p.EventType != "default" ||
		len(p.ImageCategories) != 1 || p.ImageCategories[0] != "porn" || *p.Callback != cs.URL+"/hook" {
		t.Fatalf("request_params %+v", p)
	}
	r := q.Result
	if r == nil || r.Suggestion.Value() != "pass" || r.ImageDetail == nil || len(*r.ImageDetail) != 0 {
		t.Fatalf("result %+v", r)
	}
}

// TestSDKVideoFrameTimes trips the thresholds on every frame to check the
// sampling: one frame per interval, at 0, interval, 2×interval… seconds.
func TestSDKVideoFrameTimes(t *testing.T) {
	clip := makeVideo(t, 4)
	e := newEnv(t, envOpts{model: true, mod: func(o *moderation.Options) {
		o.Thresholds = &moderation.Thresholds{PornReview: 1e-9}
	}})
	vs := serveBytes(t, clip)
	for _, c := range []struct {
		interval *int32
		times    []float32
	}{
		{ptr(int32(1)), []float32{0, 1, 2, 3}},
		{ptr(int32(2)), []float32{0, 2}},
		{ptr(int32(3)), []float32{0, 3}},
		{nil, []float32{0}},            // default 5 s
		{ptr(int32(60)), []float32{0}}, // a clip shorter than half the interval
	} {
		resp, err := e.cli.RunCreateVideoModerationJob(videoReq(vs.URL+"/clip.mp4", c.interval))
		if err != nil {
			t.Fatal(err)
		}
		q := waitJob(t, e, *resp.JobId)
		if q.Status.Value() != "succeeded" || q.Result.Suggestion.Value() != "review" {
			t.Fatalf("%+v", q)
		}
		if want := int32(5); c.interval == nil && *q.RequestParams.Data.FrameInterval != want {
			t.Fatalf("default frame_interval %d", *q.RequestParams.Data.FrameInterval)
		}
		fr := *q.Result.ImageDetail
		if len(fr) != len(c.times) {
			t.Fatalf("interval %v: %d frames, want %v", c.interval, len(fr), c.times)
		}
		for i, f := range fr {
			d := (*f.Detail)[0]
			if *f.Time != c.times[i] || f.Suggestion.Value() != "review" || f.Category.Value() != "porn" ||
				*d.Label != "porn" || d.Category.Value() != "porn" || *d.Confidence < 0 || *d.Confidence > 1 {
				t.Fatalf("frame %d: %+v %+v", i, f, d)
			}
		}
	}
}

func TestSDKVideoJobValidation(t *testing.T) {
	e := newEnv(t, envOpts{model: true})
	const u = "http://127.0.0.1:9/v.mp4"
	var audioPorn model.VideoCreateRequestAudioCategories
	audioPorn.UnmarshalJSON([]byte(`"porn"`))
	for _, c := range []struct {
		name string
		req  *model.RunCreateVideoModerationJobRequest
		code string
	}{
		{"frame_interval 0", videoReq(u, ptr(int32(0))), "AIS.0401"},
		{"frame_interval 61", videoReq(u, ptr(int32(61))), "AIS.0401"},
		{"no url", videoReq("", nil), "AIS.0011"},
		{"ftp url", videoReq("ftp://127.0.0.1/v.mp4", nil), "AIS.0701"},
		{"no image categories", videoReq(u, nil, func(b *model.VideoCreateRequest) { b.ImageCategories = nil }), "AIS.0011"},
		{"politics has no model", videoReq(u, nil, func(b *model.VideoCreateRequest) { b.ImageCategories = imageCats("porn", "politics") }), "AIS.0005"},
		{"audio has no model", videoReq(u, nil, func(b *model.VideoCreateRequest) {
			b.AudioCategories = &[]model.VideoCreateRequestAudioCategories{audioPorn}
		}), "AIS.0005"},
		{"bad seed", videoReq(u, nil, func(b *model.VideoCreateRequest) { b.Seed = ptr("not a seed!") }), "AIS.0401"},
		{"bad callback", videoReq(u, nil, func(b *model.VideoCreateRequest) { b.Callback = ptr("file:///etc/passwd") }), "AIS.0401"},
		{"no event type", videoReq(u, nil, func(b *model.VideoCreateRequest) { b.EventType = nil }), "AIS.0011"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.cli.RunCreateVideoModerationJob(c.req)
			sdktest.WantCode(t, err, 400, c.code)
		})
	}
	t.Run("unknown job", func(t *testing.T) {
		_, err := e.cli.RunQueryVideoModerationJob(&model.RunQueryVideoModerationJobRequest{JobId: "0123456789abcdef0123456789abcdef"})
		sdktest.WantCode(t, err, 400, "AIS.0030")
	})
}

func TestSDKVideoJobFailures(t *testing.T) {
	clip := makeVideo(t, 4)
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(i * 7)
	}
	gone := filepath.Join(t.TempDir(), "ffprobe")
	if err := os.WriteFile(gone, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		body []byte
		path string
		mod  func(*moderation.Options)
		code string
	}{
		{"download refused", clip, "/missing.mp4", nil, "AIS.0702"},
		{"not a video", garbage, "/clip.mp4", nil, "AIS.0705"},
		// A playlist pointing at a local file must not be followed.
		{"playlist", []byte("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n" + localClip(t, clip) + "\n#EXT-X-ENDLIST\n"), "/clip.mp4", nil, "AIS.0705"},
		{"over the size cap", clip, "/clip.mp4", func(o *moderation.Options) { o.MaxVideoBytes = 1000 }, "AIS.0704"},
		{"over the duration cap", clip, "/clip.mp4", func(o *moderation.Options) { o.MaxVideoDuration = 2 * time.Second }, "AIS.0710"},
		{"download too slow", clip, "/slow.mp4", func(o *moderation.Options) { o.DownloadTimeout = 300 * time.Millisecond }, "AIS.0708"},
		// The tool exists when the service loads and is gone when the job runs.
		{"ffprobe gone after load", clip, "/clip.mp4", func(o *moderation.Options) { o.FFprobe = gone }, "AIS.0709"},
		{"ffmpeg missing", clip, "/clip.mp4", func(o *moderation.Options) { o.FFmpeg = "/nonexistent/ffmpeg" }, "AIS.0709"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, envOpts{model: true, mod: c.mod})
			if c.name == "ffprobe gone after load" {
				os.Remove(gone)
			}
			vs := serveBytes(t, c.body)
			cb, cs := newCallbacks(t)
			resp, err := e.cli.RunCreateVideoModerationJob(videoReq(vs.URL+c.path, nil, func(b *model.VideoCreateRequest) {
				b.Callback, b.Seed = ptr(cs.URL), ptr("s")
			}))
			if err != nil {
				t.Fatal(err)
			}
			q := waitJob(t, e, *resp.JobId)
			if q.Status.Value() != "failed" || q.Result != nil {
				t.Fatalf("%+v", q)
			}
			got := cb.wait(t, 30*time.Second)
			var raw map[string]any
			json.Unmarshal(got.body, &raw)
			if raw["job_id"] != *resp.JobId || raw["status"] != "failed" || raw["error_code"] != c.code || raw["error_msg"] == "" ||
				raw["request_id"] != *resp.RequestId || raw["create_time"] != *q.CreateTime || raw["request_params"] == nil {
				t.Fatalf("callback %s, want %s", got.body, c.code)
			}
			if want := signature("s", *q.CreateTime, *resp.JobId, *resp.RequestId); got.sig != want {
				t.Fatalf("X-Auth-Signature %q, want %q", got.sig, want)
			}
			if msg, _ := raw["error_msg"].(string); c.code == "AIS.0709" && !strings.Contains(msg, "ff") {
				t.Fatalf("error_msg %q does not name the tool", msg)
			}
			if c.name == "ffmpeg missing" && e.svc.VideoUnavailable() == nil {
				t.Fatal("service does not report the missing ffmpeg")
			}
		})
	}
}

// localClip writes clip to a local file and returns its path.
func localClip(t *testing.T, clip []byte) string {
	p := filepath.Join(t.TempDir(), "local.mp4")
	if err := os.WriteFile(p, clip, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSDKAudioJobsRefused(t *testing.T) {
	e := newEnv(t, envOpts{model: true})
	def := model.GetAudioCreateRequestEventTypeEnum().DEFAULT
	porn := model.GetAudioCreateRequestCategoriesEnum().PORN
	req := func(url string, cats ...model.AudioCreateRequestCategories) *model.RunCreateAudioModerationJobRequest {
		b := &model.AudioCreateRequest{Data: &model.AudioInputBody{Url: url}, EventType: &def}
		if cats != nil {
			b.Categories = &cats
		}
		return &model.RunCreateAudioModerationJobRequest{Body: b}
	}
	for _, c := range []struct {
		name string
		req  *model.RunCreateAudioModerationJobRequest
		code string
	}{
		{"valid request, no speech model", req("http://127.0.0.1:9/a.mp3", porn), "AIS.0005"},
		{"no categories", req("http://127.0.0.1:9/a.mp3"), "AIS.0011"},
		{"bad url", req("gopher://x/a.mp3", porn), "AIS.0022"},
		{"no url", req("", porn), "AIS.0011"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.cli.RunCreateAudioModerationJob(c.req)
			sdktest.WantCode(t, err, 400, c.code)
		})
	}
	t.Run("query", func(t *testing.T) {
		_, err := e.cli.RunQueryAudioModerationJob(&model.RunQueryAudioModerationJobRequest{JobId: "0123456789abcdef0123456789abcdef"})
		sdktest.WantCode(t, err, 400, "AIS.0030")
	})
}

func TestSDKVideoJobLimit(t *testing.T) {
	clip := makeVideo(t, 2)
	e := newEnv(t, envOpts{model: true, jobs: func(o *jobs.Options) { o.MaxUnfinishedPerProject = 1 }})
	vs := serveBytes(t, clip)
	first, err := e.cli.RunCreateVideoModerationJob(videoReq(vs.URL+"/slow.mp4", nil))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.cli.RunCreateVideoModerationJob(videoReq(vs.URL+"/clip.mp4", nil))
	sdktest.WantCode(t, err, 400, "AIS.0031")
	q, err := e.cli.RunQueryVideoModerationJob(&model.RunQueryVideoModerationJobRequest{JobId: *first.JobId})
	if err != nil || q.Status.Value() != "running" || q.Result != nil {
		t.Fatalf("%v %+v", err, q)
	}
}

func TestSDKVideoJobFromOBS(t *testing.T) {
	clip := makeVideo(t, 2)
	store, err := obs.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	granted := true
	e := newEnv(t, envOpts{model: true, in: func(o *input.Options) {
		o.OBS = store
		o.Agencies = func(_ context.Context, _, service string) (bool, error) {
			return granted && service == "moderation.video", nil
		}
	}})
	ctx := context.Background()
	for _, b := range []struct{ bucket, owner string }{{"mine", e.s.Root.Project.ID}, {"theirs", "another-project"}} {
		if err := store.CreateBucket(ctx, b.owner, b.bucket); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Put(ctx, b.bucket, "v/clip.mp4", bytes.NewReader(clip), int64(len(clip)), "video/mp4"); err != nil {
			t.Fatal(err)
		}
	}
	run := func(url string) *model.RunQueryVideoModerationJobResponse {
		t.Helper()
		resp, err := e.cli.RunCreateVideoModerationJob(videoReq(url, nil))
		if err != nil {
			t.Fatal(err)
		}
		return waitJob(t, e, *resp.JobId)
	}
	if q := run("obs://mine/v/clip.mp4"); q.Status.Value() != "succeeded" || q.Result.Suggestion.Value() != "pass" {
		t.Fatalf("own object: %+v", q)
	}
	cb, cs := newCallbacks(t)
	for _, c := range []struct{ url, code string }{
		{"obs://mine/v/none.mp4", "ModelArts.4706"},
		{"obs://nobucket/v/clip.mp4", "ModelArts.4706"},
		{"obs://theirs/v/clip.mp4", "AIS.0024"}, // another project's bucket
	} {
		resp, err := e.cli.RunCreateVideoModerationJob(videoReq(c.url, nil, func(b *model.VideoCreateRequest) { b.Callback = ptr(cs.URL) }))
		if err != nil {
			t.Fatal(err)
		}
		got := cb.wait(t, 30*time.Second)
		var raw map[string]any
		json.Unmarshal(got.body, &raw)
		if raw["job_id"] != *resp.JobId || raw["status"] != "failed" || raw["error_code"] != c.code {
			t.Fatalf("%s: callback %s, want %s", c.url, got.body, c.code)
		}
	}
	granted = false
	_, err = e.cli.RunCreateVideoModerationJob(videoReq("obs://mine/v/clip.mp4", nil))
	sdktest.WantCode(t, err, 400, "ModelArts.4702")
}

// fakeResolver answers fixed addresses for names, without the network.
type fakeResolver map[string][]netip.Addr

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, fmt.Errorf("no such host %s", host)
}

// TestVideoCallbackResolvedAtCreation: a callback whose name resolves to a
// refused address (or not at all) is refused at creation with the
// parameter error, like the same address written as an IP literal; the
// operator's allow-list covers names as it covers addresses.
func TestVideoCallbackResolvedAtCreation(t *testing.T) {
	vs := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(vs.Close)
	res := fakeResolver{
		"private.example":  {netip.MustParseAddr("10.0.0.5")},
		"metadata.example": {netip.MustParseAddr("169.254.169.254")},
		"mixed.example":    {netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("192.168.1.1")},
		"receiver.test":    {netip.MustParseAddr("127.0.0.1")},
	}
	// The server hands its one fetcher to the inputs and the callbacks alike.
	fetch := input.NewFetcher(input.FetcherOptions{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Resolver: res})
	e := newEnv(t, envOpts{model: true,
		in:   func(o *input.Options) { o.Fetcher = fetch },
		jobs: func(o *jobs.Options) { o.CallbackClient = fetch.Client() },
	})
	for _, c := range []struct {
		name, callback, code string
	}{
		{"private name", "http://private.example/hook", "AIS.0401"},
		{"metadata name", "http://metadata.example/latest", "AIS.0401"},
		{"one refused address", "https://mixed.example/hook", "AIS.0401"},
		{"unresolvable", "https://nowhere.example/hook", "AIS.0401"},
		{"private literal", "http://10.0.0.5/hook", "AIS.0401"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.cli.RunCreateVideoModerationJob(videoReq(vs.URL+"/v.mp4", nil, func(b *model.VideoCreateRequest) { b.Callback = ptr(c.callback) }))
			sdktest.WantCode(t, err, 400, c.code)
		})
	}
	// A name the allow-list admits (here: loopback, a local test receiver)
	// is accepted and its callback arrives.
	cb, cs := newCallbacks(t)
	hook := strings.Replace(cs.URL, "127.0.0.1", "receiver.test", 1) + "/hook"
	resp, err := e.cli.RunCreateVideoModerationJob(videoReq(vs.URL+"/v.mp4", nil, func(b *model.VideoCreateRequest) { b.Callback = ptr(hook) }))
	if err != nil {
		t.Fatal(err)
	}
	got := cb.wait(t, 30*time.Second)
	if !strings.Contains(string(got.body), *resp.JobId) {
		t.Fatalf("callback %s", got.body)
	}
}
