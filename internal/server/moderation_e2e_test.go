package server_test

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	modmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3/model"

	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/models"
	"github.com/aisd/aisd/internal/sdktest"
)

// TestModerationVideoJobSurvivesKill9 runs aisd as a process, kills it
// with SIGKILL while a video job is downloading, starts it again on the
// same data directory and expects the job to finish and its callback to
// arrive with a correct X-Auth-Signature.
func TestModerationVideoJobSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the aisd binary")
	}
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		requireOrSkip(t, "ffmpeg not installed (apt-get install ffmpeg)")
	}
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	mgr := models.Open(root)
	for _, f := range [][2]string{{"onnxruntime", "libonnxruntime.so.1"}, {"nsfw-mobilenet-v2", "model.onnx"}} {
		if _, err := mgr.Path(f[0], f[1]); err != nil {
			requireOrSkip(t, "NSFW model not installed (aisd models install onnxruntime nsfw-mobilenet-v2)")
		}
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "aisd")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/aisd/aisd/cmd/aisd").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	clip := filepath.Join(tmp, "clip.mp4")
	if out, err := exec.Command(ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
		"-i", "testsrc=duration=5:size=320x240:rate=10", "-c:v", "mpeg4", "-q:v", "5", "-y", clip).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	video, err := os.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}

	// The first download trickles (the job stays running long enough to
	// be killed); later ones are served at once.
	var downloads atomic.Int32
	started := make(chan struct{}, 1)
	vs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := downloads.Add(1)
		w.Header().Set("Content-Length", strconv.Itoa(len(video)))
		if n > 1 {
			w.Write(video)
			return
		}
		select {
		case started <- struct{}{}:
		default:
		}
		for i := 0; i < len(video); i += 1024 {
			if _, err := w.Write(video[i:min(i+1024, len(video))]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}))
	defer vs.Close()

	type delivery struct {
		sig  string
		body []byte
	}
	var (
		cbMu sync.Mutex
		cbs  []delivery
	)
	cbArrived := make(chan struct{}, 8)
	cs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		cbMu.Lock()
		cbs = append(cbs, delivery{r.Header.Get("X-Auth-Signature"), b})
		cbMu.Unlock()
		cbArrived <- struct{}{}
	}))
	defer cs.Close()

	data := filepath.Join(tmp, "data")
	env := append(os.Environ(),
		"AISD_DATA_DIR="+data, "AISD_DSN=",
		"AISD_ROOT_AK="+rootAK, "AISD_ROOT_SK="+rootSK,
		"AISD_ADDR=127.0.0.1:0", "AISD_S3_ADDR=",
		"AISD_FETCH_ALLOW_CIDRS=127.0.0.0/8",
		"AISD_ENGINES=moderation",
		"AISD_MODELS_DIR="+root,
		"AISD_LOG_FORMAT=text",
	)

	p1 := startAisd(t, bin, env)
	cli := sdktest.Moderation(t, "http://"+p1.addr, rootAK, rootSK, p1.project)
	const seed = "kill_9_seed"
	def := modmodel.GetVideoCreateRequestEventTypeEnum().DEFAULT
	porn := modmodel.GetVideoCreateRequestImageCategoriesEnum().PORN
	interval := int32(1)
	created, err := cli.RunCreateVideoModerationJob(&modmodel.RunCreateVideoModerationJobRequest{Body: &modmodel.VideoCreateRequest{
		Data:            &modmodel.VideoCreateRequestData{Url: vs.URL + "/clip.mp4", FrameInterval: &interval},
		EventType:       &def,
		ImageCategories: &[]modmodel.VideoCreateRequestImageCategories{porn},
		Callback:        ptrTo(cs.URL + "/hook"),
		Seed:            ptrTo(seed),
	}})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("the job never started downloading")
	}
	q, err := cli.RunQueryVideoModerationJob(&modmodel.RunQueryVideoModerationJobRequest{JobId: *created.JobId})
	if err != nil || q.Status.Value() != "running" {
		t.Fatalf("before the kill: %v %+v", err, q)
	}
	if err := p1.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown code runs
		t.Fatal(err)
	}
	p1.cmd.Wait()
	select {
	case <-cbArrived:
		t.Fatal("callback before the job could have finished")
	default:
	}

	p2 := startAisd(t, bin, env)
	select {
	case <-cbArrived:
	case <-time.After(120 * time.Second):
		t.Fatalf("no callback after restart (downloads: %d)", downloads.Load())
	}
	cbMu.Lock()
	got := cbs[0]
	cbMu.Unlock()
	var body struct {
		RequestID  string `json:"request_id"`
		JobID      string `json:"job_id"`
		Status     string `json:"status"`
		CreateTime string `json:"create_time"`
	}
	if err := json.Unmarshal(got.body, &body); err != nil {
		t.Fatalf("callback body %s: %v", got.body, err)
	}
	if body.JobID != *created.JobId || body.RequestID != *created.RequestId || body.Status != "succeeded" {
		t.Fatalf("callback body %s", got.body)
	}
	// HMAC-SHA256 keyed with the seed over create_time+job_id+request_id+seed,
	// as the API documents it (computed here, not with the server's code).
	m := hmac.New(sha256.New, []byte(seed))
	io.WriteString(m, body.CreateTime+body.JobID+body.RequestID+seed)
	if want := hex.EncodeToString(m.Sum(nil)); got.sig != want {
		t.Fatalf("X-Auth-Signature %q, want %q", got.sig, want)
	}
	if downloads.Load() < 2 {
		t.Fatalf("the job was not run again after the restart (downloads: %d)", downloads.Load())
	}
	q, err = sdktest.Moderation(t, "http://"+p2.addr, rootAK, rootSK, p2.project).RunQueryVideoModerationJob(&modmodel.RunQueryVideoModerationJobRequest{JobId: *created.JobId})
	if err != nil {
		t.Fatal(err)
	}
	if q.Status.Value() != "succeeded" || *q.CreateTime != body.CreateTime || q.Result == nil || q.Result.Suggestion.Value() != "pass" {
		t.Fatalf("after restart: %+v", q)
	}
}

func requireOrSkip(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
		t.Fatal(why + " although AISD_REQUIRE_MODELS=1")
	}
	t.Skip(why)
}

func ptrTo[T any](v T) *T { return &v }

type aisdProc struct {
	cmd     *exec.Cmd
	addr    string
	project string
}

var (
	listenRe  = regexp.MustCompile(`listening on http://(\S+)`)
	projectRe = regexp.MustCompile(`project id (\S+)`)
)

// startAisd runs `aisd serve` and waits for its banner.
func startAisd(t *testing.T, bin string, env []string) *aisdProc {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(t.TempDir(), "aisd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &aisdProc{cmd: cmd}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(os.Interrupt)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-done
			}
		}
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("aisd log:\n%s", b)
		}
		logf.Close()
	})
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if m := listenRe.FindStringSubmatch(line); m != nil {
				p.addr = m[1]
			}
			if m := projectRe.FindStringSubmatch(line); m != nil {
				p.project = m[1]
				close(ready)
				break
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		t.Fatal("aisd did not print its banner")
	}
	return p
}
