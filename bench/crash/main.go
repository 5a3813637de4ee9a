// Command crash kills `aisd serve` with SIGKILL, again and again, in the
// middle of metered calls, S3 uploads (single and multipart) and video
// moderation jobs, restarts it each time, and then checks what a crash must
// never cost: a job whose creation was answered, an object whose upload
// was answered, the integrity of the SQLite database, a metered call (each
// answered call recorded once; only calls cut off by the kill may be
// recorded without their answer having arrived), and an object visible
// with content it was never given. It writes docs/benchmarks-crash.md.
//
//	go run ./bench/crash -rounds 8
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	moderation "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3/model"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	_ "modernc.org/sqlite"
)

const (
	ak     = "CRASHROOTAK000000001"
	sk     = "crashRootSecretKey00000000000000000001"
	addr   = "127.0.0.1:18180"
	s3Addr = "127.0.0.1:18182"
	bucket = "crash-test"
)

var projectRe = regexp.MustCompile(`project[_ ]id[^0-9a-f]*([0-9a-f]{32})`)

type server struct {
	cmd *exec.Cmd
	log *os.File
}

func start(bin string, env []string, logPath string) (*server, string) {
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	check(err)
	cmd := exec.Command(bin, "serve")
	cmd.Env, cmd.Stdout, cmd.Stderr = env, lf, lf
	check(cmd.Start())
	deadline := time.Now().Add(60 * time.Second)
	for {
		if r, err := http.Get("http://" + addr + "/healthz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			log.Fatalf("aisd did not become healthy; see %s", logPath)
		}
		time.Sleep(100 * time.Millisecond)
	}
	b, _ := os.ReadFile(logPath)
	m := projectRe.FindAllSubmatch(b, -1)
	if m == nil {
		log.Fatalf("no project id in %s", logPath)
	}
	return &server{cmd: cmd, log: lf}, string(m[len(m)-1][1])
}

func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
	s.log.Close()
}

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
	s.log.Close()
}

// content is the deterministic body of an object key, so that any object
// listed later can be checked byte for byte.
func content(key string, size int) []byte {
	seed := sha256.Sum256([]byte(key))
	r := rand.New(rand.NewChaCha8(seed))
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

type tally struct {
	mu        sync.Mutex
	textOK    int64          // answered 200
	textLost  int64          // cut off: no answer arrived
	textOther int64          // answered with an error
	objects   map[string]int // acknowledged uploads: key → size
	started   map[string]int // every upload started: key → size
	jobs      []string
	jobLost   int64
}

func main() {
	rounds := flag.Int("rounds", 8, "kill/restart rounds")
	conc := flag.Int("conc", 4, "concurrent clients of each kind")
	out := flag.String("out", "docs/benchmarks-crash.md", "report")
	flag.Parse()
	work, err := os.MkdirTemp("", "aisd-crash-")
	check(err)
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "aisd")
	run("go", "build", "-o", bin, "./cmd/aisd")
	clip := filepath.Join(work, "clip.mp4")
	run("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=5:duration=6", "-pix_fmt", "yuv420p", clip)
	clipBytes, err := os.ReadFile(clip)
	check(err)
	videos := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "clip.mp4", time.Time{}, bytes.NewReader(clipBytes))
	}))
	defer videos.Close()
	models := os.Getenv("AISD_MODELS_DIR")
	if models == "" {
		wd, _ := os.Getwd()
		models = filepath.Join(wd, "models")
	}
	data := filepath.Join(work, "data")
	env := append(os.Environ(),
		"AISD_ROOT_AK="+ak, "AISD_ROOT_SK="+sk, "AISD_ADDR="+addr, "AISD_S3_ADDR="+s3Addr,
		"AISD_DATA_DIR="+data, "AISD_MODELS_DIR="+models, "AISD_ENGINES=moderation", "AISD_LOG_LEVEL=info",
		"AISD_RATE_LIMIT=100000000", "AISD_FREE_PER_MONTH=0", "AISD_FETCH_ALLOW_CIDRS=127.0.0.1/32", "AISD_LOG_FORMAT=text")
	logPath := filepath.Join(work, "aisd.log")

	t := &tally{objects: map[string]int{}, started: map[string]int{}}
	var project string
	for round := 1; round <= *rounds; round++ {
		srv, pid := start(bin, env, logPath)
		project = pid
		mc, err := minio.New(s3Addr, &minio.Options{Creds: credentials.NewStaticV4(ak, sk, ""), Region: "cn-north-4"})
		check(err)
		if round == 1 {
			check(mc.MakeBucket(context.Background(), bucket, minio.MakeBucketOptions{Region: "cn-north-4"}))
		}
		cli := client(pid)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := 0; w < *conc; w++ {
			wg.Add(3)
			go func() { defer wg.Done(); texts(ctx, cli, t) }()
			go func() { defer wg.Done(); uploads(ctx, mc, t, round, w) }()
			go func() { defer wg.Done(); jobs(ctx, cli, t, videos.URL+"/clip.mp4") }()
		}
		time.Sleep(time.Duration(1500+rand.IntN(2500)) * time.Millisecond)
		srv.kill() // SIGKILL: no shutdown code runs
		cancel()
		wg.Wait()
		fmt.Printf("round %d: killed; %d texts answered, %d jobs, %d objects so far\n", round, t.textOK, len(t.jobs), len(t.objects))
	}

	// The last start: every answered job must finish, every answered
	// upload must be there, nothing else may be.
	srv, pid := start(bin, env, logPath)
	cli := client(pid)
	unfinished, failed := 0, 0
	deadline := time.Now().Add(5 * time.Minute)
	for _, id := range t.jobs {
		for {
			q, err := cli.RunQueryVideoModerationJob(&model.RunQueryVideoModerationJobRequest{JobId: id})
			if err != nil {
				log.Fatalf("job %s lost: %v", id, err)
			}
			if st := q.Status.Value(); st == "succeeded" || st == "failed" {
				if st == "failed" {
					failed++
				}
				break
			}
			if time.Now().After(deadline) {
				unfinished++
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	mc, err := minio.New(s3Addr, &minio.Options{Creds: credentials.NewStaticV4(ak, sk, ""), Region: "cn-north-4"})
	check(err)
	listed, missing, corrupt, stray := 0, 0, 0, 0
	seen := map[string]bool{}
	for o := range mc.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Recursive: true}) {
		check(o.Err)
		listed++
		seen[o.Key] = true
		size, ok := t.started[o.Key]
		if !ok {
			stray++
			continue
		}
		obj, err := mc.GetObject(context.Background(), bucket, o.Key, minio.GetObjectOptions{})
		check(err)
		got, err := io.ReadAll(obj)
		check(err)
		if !bytes.Equal(got, content(o.Key, size)) {
			corrupt++
		}
	}
	for k := range t.objects {
		if !seen[k] {
			missing++
		}
	}
	srv.stop()

	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "aisd.db")+"?mode=ro")
	check(err)
	var integrity string
	check(db.QueryRow(`PRAGMA integrity_check`).Scan(&integrity))
	var metered int64
	check(db.QueryRow(`SELECT COUNT(*) FROM usage_records WHERE project_id = ? AND api = 'RunTextModeration' AND status = 200`, project).Scan(&metered))
	var jobRows int
	check(db.QueryRow(`SELECT COUNT(*) FROM jobs`).Scan(&jobRows))
	// Why failed jobs failed: a job that died with its process too often
	// is failed on purpose (see the jobs package), anything else is news.
	reasons := map[string]int{}
	rows, err := db.Query(`SELECT error_code, error_msg FROM jobs WHERE state = 'failed'`)
	check(err)
	for rows.Next() {
		var code, msg string
		check(rows.Scan(&code, &msg))
		reasons[code+" "+msg]++
	}
	rows.Close()
	db.Close()

	meterOK := metered >= t.textOK && metered <= t.textOK+t.textLost
	ok := unfinished == 0 && missing == 0 && corrupt == 0 && stray == 0 && integrity == "ok" && meterOK && t.jobLost == 0
	var b strings.Builder
	fmt.Fprintf(&b, "# Crash test: kill -9 under load\n\n")
	fmt.Fprintf(&b, "Generated by `go run ./bench/crash -rounds %d -conc %d` on %s, %d rounds of SIGKILL 1.5–4 s into mixed load (%d clients each of text moderation, S3 uploads of 1 KiB–24 MiB with multipart, and video moderation jobs), a restart after each, then a final start that checks everything.\n\n",
		*rounds, *conc, time.Now().UTC().Format("2006-01-02"), *rounds, *conc)
	fmt.Fprintf(&b, "| check | result |\n| --- | --- |\n")
	fmt.Fprintf(&b, "| video jobs answered at creation | %d (rows in the store: %d) |\n", len(t.jobs), jobRows)
	fmt.Fprintf(&b, "| of those, lost / not finished after restart | %d / %d (finished as failed: %d) |\n", t.jobLost, unfinished, failed)
	for r, n := range reasons {
		fmt.Fprintf(&b, "| failed job: %s | %d |\n", strings.ReplaceAll(r, "|", "\\|"), n)
	}
	fmt.Fprintf(&b, "| uploads answered | %d (started: %d) |\n", len(t.objects), len(t.started))
	fmt.Fprintf(&b, "| answered uploads missing / objects with wrong content / objects never uploaded | %d / %d / %d (listed: %d) |\n", missing, corrupt, stray, listed)
	fmt.Fprintf(&b, "| SQLite `PRAGMA integrity_check` | %s |\n", integrity)
	fmt.Fprintf(&b, "| text moderation calls answered 200 / cut off by the kill / answered with an error | %d / %d / %d |\n", t.textOK, t.textLost, t.textOther)
	fmt.Fprintf(&b, "| successful calls metered | %d (must lie in [answered, answered + cut off] = [%d, %d]) |\n", metered, t.textOK, t.textOK+t.textLost)
	fmt.Fprintf(&b, "\nA job whose run is cut off more than 3 times (here: by consecutive kills while it was running) is failed with AIS.0003 on purpose, so that a job that crashes its process cannot do so forever (internal/jobs, MaxAttempts); it is finished, not lost, and its callback reports the failure.\n")
	fmt.Fprintf(&b, "\nVerdict: **%s**.\n", map[bool]string{true: "nothing lost", false: "FAILED"}[ok])
	check(os.WriteFile(*out, []byte(b.String()), 0o644))
	fmt.Print(b.String())
	if !ok {
		os.Exit(1)
	}
}

func client(pid string) *moderation.ModerationClient {
	cred, err := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithProjectId(pid).SafeBuild()
	check(err)
	hc, err := moderation.ModerationClientBuilder().WithRegion(region.NewRegion("cn-north-4", "http://"+addr)).
		WithCredential(cred).WithHttpConfig(config.DefaultHttpConfig().WithTimeout(30 * time.Second).WithRetries(0)).SafeBuild()
	check(err)
	return moderation.NewModerationClient(hc)
}

// answered tells an error answer (the server spoke) from a cut-off call.
func answered(err error) bool {
	var se *sdkerr.ServiceResponseError
	return errors.As(err, &se)
}

func texts(ctx context.Context, cli *moderation.ModerationClient, t *tally) {
	comment := "comment"
	for ctx.Err() == nil {
		_, err := cli.RunTextModeration(&model.RunTextModerationRequest{Body: &model.TextDetectionReq{
			EventType: &comment, Data: &model.TextDetectionDataReq{Text: "hello crash test"},
		}})
		t.mu.Lock()
		switch {
		case err == nil:
			t.textOK++
		case answered(err):
			t.textOther++
		default:
			t.textLost++
		}
		t.mu.Unlock()
		if err != nil && !answered(err) {
			return // the server is gone
		}
	}
}

var uploadSeq atomic.Int64

func uploads(ctx context.Context, mc *minio.Client, t *tally, round, w int) {
	for ctx.Err() == nil {
		n := uploadSeq.Add(1)
		size := 1024 + rand.IntN(64<<10)
		if n%4 == 0 {
			size = 17<<20 + rand.IntN(7<<20) // over minio-go's multipart threshold
		}
		key := fmt.Sprintf("r%d/w%d/%d.bin", round, w, n)
		body := content(key, size)
		t.mu.Lock()
		t.started[key] = size
		t.mu.Unlock()
		length := int64(size)
		if n%8 == 0 {
			length = -1 // unknown length: multipart with 16 MiB parts
		}
		_, err := mc.PutObject(context.Background(), bucket, key, bytes.NewReader(body), length, minio.PutObjectOptions{})
		if err != nil {
			return
		}
		t.mu.Lock()
		t.objects[key] = size
		t.mu.Unlock()
	}
}

func jobs(ctx context.Context, cli *moderation.ModerationClient, t *tally, url string) {
	def := model.GetVideoCreateRequestEventTypeEnum().DEFAULT
	porn := model.GetVideoCreateRequestImageCategoriesEnum().PORN
	interval := int32(1)
	for ctx.Err() == nil {
		r, err := cli.RunCreateVideoModerationJob(&model.RunCreateVideoModerationJobRequest{Body: &model.VideoCreateRequest{
			Data:            &model.VideoCreateRequestData{Url: url, FrameInterval: &interval},
			EventType:       &def,
			ImageCategories: &[]model.VideoCreateRequestImageCategories{porn},
		}})
		if err != nil {
			if answered(err) { // e.g. the project's unfinished-job limit
				time.Sleep(500 * time.Millisecond)
				continue
			}
			return
		}
		if r.JobId == nil {
			t.mu.Lock()
			t.jobLost++
			t.mu.Unlock()
			continue
		}
		t.mu.Lock()
		t.jobs = append(t.jobs, *r.JobId)
		t.mu.Unlock()
		time.Sleep(200 * time.Millisecond)
	}
}

func run(name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		log.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
}

func check(err error) {
	if err != nil {
		log.Output(2, err.Error())
		os.Exit(1)
	}
}
