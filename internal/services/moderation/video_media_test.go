package moderation_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/sdktest"
)

// renderClip renders a test pattern with ffmpeg: size WxH, codec and
// extra output flags as given (skips without ffmpeg, as makeVideo).
func renderClip(t *testing.T, size, codec string, extra ...string) []byte {
	t.Helper()
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
			t.Fatal("ffmpeg not installed although AISD_REQUIRE_MODELS=1 (apt-get install ffmpeg)")
		}
		t.Skip("ffmpeg not installed (apt-get install ffmpeg)")
	}
	out := filepath.Join(t.TempDir(), "clip.mp4")
	args := []string{"-nostdin", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
		"-i", "testsrc=duration=2:size=" + size + ":rate=10", "-c:v", codec}
	args = append(append(args, extra...), "-y", out)
	if b, err := exec.Command(ff, args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cutAtMdat keeps an MP4 up to the first bytes of its media data: the
// header (moov, written first with +faststart) still describes a whole
// clip, but no frame can be decoded.
func cutAtMdat(t *testing.T, b []byte) []byte {
	t.Helper()
	for i := 0; i+8 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[i:]))
		if bytes.Equal(b[i+4:i+8], []byte("mdat")) {
			return b[:i+8+16]
		}
		if n < 8 {
			break
		}
		i += n
	}
	t.Fatal("no mdat box in the clip")
	return nil
}

// TestSDKVideoJobMediaFailures: the video's own faults, each made for
// real and sent through the SDK to a video job, fail the job with the
// code the moderation page publishes for them:
//
//   - a URL answering without a length or framing (a body that ends
//     when the connection closes) is AIS.0703 "The video size is
//     unknown"; a chunked or gzip-encoded answer, which has no usable
//     Content-Length either, is read up to the cap and moderated;
//   - an MP4 cut right after its header, which ffprobe reads (320×240,
//     2 s) but whose frames are gone, is AIS.0706 (the video cannot be
//     decoded);
//   - a 16×16 video, under the 20 px minimum side, is AIS.0711.
func TestSDKVideoJobMediaFailures(t *testing.T) {
	clip := makeVideo(t, 2)
	cut := cutAtMdat(t, renderClip(t, "320x240", "mjpeg", "-pix_fmt", "yuvj420p", "-movflags", "+faststart"))
	tiny := renderClip(t, "16x16", "mpeg4")
	videos := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chunked.mp4":
			// Flushing before the end makes the body chunked: no
			// Content-Length is sent.
			w.Header().Set("Content-Type", "video/mp4")
			w.Write(clip[:1024])
			w.(http.Flusher).Flush()
			w.Write(clip[1024:])
		case "/gzip.mp4":
			// gzip-encoded with its length: the fetch's transport decodes
			// it and drops Content-Length.
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			zw.Write(clip)
			zw.Close()
			w.Header().Set("Content-Type", "video/mp4")
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Length", strconv.Itoa(gz.Len()))
			w.Write(gz.Bytes())
		case "/close.mp4":
			// No length and no chunking: the body ends when the
			// connection closes, so a cut-off download looks whole.
			c, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nConnection: close\r\n\r\n")
			buf.Write(clip)
			buf.Flush()
		case "/cut.mp4":
			http.ServeContent(w, r, "cut.mp4", time.Time{}, bytes.NewReader(cut))
		case "/tiny.mp4":
			http.ServeContent(w, r, "tiny.mp4", time.Time{}, bytes.NewReader(tiny))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(videos.Close)
	e := newEnv(t, envOpts{model: true})
	for _, c := range []struct {
		path string
		kind catalog.Kind
		code string
	}{
		{"/close.mp4", catalog.KindVideoSizeUnknown, "AIS.0703"},
		{"/cut.mp4", catalog.KindVideoCorrupt, "AIS.0706"},
		{"/tiny.mp4", catalog.KindVideoResolution, "AIS.0711"},
	} {
		t.Run(c.path, func(t *testing.T) {
			resp, err := e.cli.RunCreateVideoModerationJob(videoReq(videos.URL+c.path, nil))
			if err != nil {
				t.Fatal(err)
			}
			q := waitJob(t, e, *resp.JobId)
			if q.Status.Value() != "failed" || q.Result != nil {
				t.Fatalf("%+v", q)
			}
			// The failure's code and message are on the query answer
			// (fields the SDK's model does not carry, so read raw).
			hr := sdktest.SignedAs(t, http.MethodGet, e.srv.URL+"/v3/"+e.s.Root.Project.ID+"/moderation/video/jobs/"+*resp.JobId,
				"", nil, rootAK, rootSK, time.Now(), nil)
			hresp, err := http.DefaultClient.Do(hr)
			if err != nil {
				t.Fatal(err)
			}
			defer hresp.Body.Close()
			var raw map[string]any
			if err := json.NewDecoder(hresp.Body).Decode(&raw); err != nil {
				t.Fatal(err)
			}
			status := hresp.StatusCode
			want := catalog.Render(catalog.E(c.kind), catalog.FamilyModeration)
			if status != 200 || raw["error_code"] != c.code || raw["error_msg"] != want.Msg || want.Code != c.code {
				t.Fatalf("%d %v, want %s %q", status, raw, c.code, want.Msg)
			}
		})
	}
	// Chunked and gzip-encoded answers carry no usable Content-Length, yet
	// their end is known: the video is read and moderated.
	for _, path := range []string{"/chunked.mp4", "/gzip.mp4"} {
		t.Run(path, func(t *testing.T) {
			resp, err := e.cli.RunCreateVideoModerationJob(videoReq(videos.URL+path, nil))
			if err != nil {
				t.Fatal(err)
			}
			if q := waitJob(t, e, *resp.JobId); q.Status.Value() != "succeeded" || q.Result == nil {
				t.Fatalf("%+v", q)
			}
		})
	}
}
