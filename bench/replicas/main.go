// Command replicas runs aisd as several machines would: three `aisd serve`
// replicas and two `aisd worker` processes on loopback ports, sharing a
// PostgreSQL database (the local cluster), a Redis of its own
// (`redis-server` from Debian) and an S3-compatible object store in a
// process of its own (bench/replicas/s3server: gofakes3 from the Go module
// proxy). It checks what one service must keep over many processes:
//
//   - a rate limit of N per minute holds over the replicas: of 3N calls sent
//     to them in turn, exactly N are let through;
//   - 6 bad signatures spread over the replicas lock the AK on every one;
//   - video moderation jobs created on replica A, read from the S3 store
//     and run by the workers, all complete (each once, under one claim)
//     although replica A and a worker running a job are killed with
//     SIGKILL mid-run: the surviving worker takes the dead one's jobs
//     over when their lease runs out; every job's callback, refused once
//     by the receiver, is posted again, each time with Idempotency-Key:
//     <job id> and the same outcome;
//   - the replicas find the workers in the store, where each registered
//     itself (workers: [discover]); with every worker killed, a call
//     answers ModelArts.4302 while their entries live, ModelArts.4503
//     once they expired;
//   - the circuit breaker those failures open on one replica is open on
//     another, which answers ModelArts.4403 at once;
//   - a replica whose Redis does not answer refuses to start.
//
// It exits 0 with one line saying why when PostgreSQL, redis-server,
// ffmpeg or the moderation models are missing, and non-zero when a check
// fails. With -o it writes its results into that Markdown file's
// "Multi-replica run" section.
//
//	go run ./bench/replicas -o docs/benchmarks-scale.md
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	moderation "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3/model"
	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

const (
	ak        = "REPLICASROOTAK000001"
	sk        = "replicasRootSecretKey000000000000000001"
	workerKey = "00112233445566778899aabbccddeeff"
	bucket    = "clips"
	pgAdmin   = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
)

var projectRe = regexp.MustCompile(`project[_ ]id[^0-9a-f]*([0-9a-f]{32})`)

// proc is one process of the run, its output in a log file.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL) // no shutdown code runs
	<-p.done
}

func (p *proc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

type run struct {
	work  string
	bin   string
	procs []*proc
	out   strings.Builder // the report's lines
	fails []string
}

func (r *run) start(name string, env []string, args ...string) *proc {
	logPath := filepath.Join(r.work, name+".log")
	lf, err := os.Create(logPath)
	check(err)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, lf, lf
	check(cmd.Start())
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); lf.Close(); close(p.done) }()
	r.procs = append(r.procs, p)
	return p
}

// waitLog waits for a line matching re in p's log.
func waitLog(p *proc, re *regexp.Regexp, within time.Duration) []string {
	deadline := time.Now().Add(within)
	for {
		b, _ := os.ReadFile(p.log)
		if m := re.FindStringSubmatch(string(b)); m != nil {
			return m
		}
		if !p.alive() || time.Now().After(deadline) {
			tail, _ := os.ReadFile(p.log)
			if len(tail) > 2000 {
				tail = tail[len(tail)-2000:]
			}
			log.Fatalf("%s did not log %q (alive %v):\n%s", p.name, re, p.alive(), tail)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitReady(p *proc, url string, within time.Duration) {
	deadline := time.Now().Add(within)
	for {
		if resp, err := http.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if !p.alive() || time.Now().After(deadline) {
			b, _ := os.ReadFile(p.log)
			if len(b) > 2000 {
				b = b[len(b)-2000:]
			}
			log.Fatalf("%s not ready at %s:\n%s", p.name, url, b)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (r *run) checkf(ok bool, format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	mark := "ok  "
	if !ok {
		mark = "FAIL"
		r.fails = append(r.fails, line)
	}
	fmt.Printf("%s %s\n", mark, line)
	fmt.Fprintf(&r.out, "| %s | %s |\n", map[bool]string{true: "pass", false: "**fail**"}[ok], line)
}

func main() {
	out := flag.String("o", "", "Markdown file whose \"Multi-replica run\" section gets the results")
	nJobs := flag.Int("jobs", 4, "video jobs created on replica A")
	rate := flag.Int("rate", 30, "rate limit (calls per user per API per minute)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("replicas: ")
	skip := func(why string) {
		fmt.Println("replicas: skipped: " + why)
		os.Exit(0)
	}
	models := os.Getenv("AISD_MODELS_DIR")
	if models == "" {
		wd, _ := os.Getwd()
		models = filepath.Join(wd, "models")
	}
	redisBin, err := exec.LookPath("redis-server")
	if err != nil {
		skip("redis-server is not installed (Debian package redis-server; .ci/run installs it)")
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		skip("ffmpeg is not installed (make deps installs it)")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pgAdmin)
	if err != nil {
		skip(fmt.Sprintf("no PostgreSQL answers at 127.0.0.1:5432 (%v)", err))
	}
	defer admin.Close(ctx)
	if m, _ := filepath.Glob(filepath.Join(models, "*")); len(m) == 0 {
		skip("no models in " + models + " (make models)")
	}

	work, err := os.MkdirTemp("", "aisd-replicas-")
	check(err)
	r := &run{work: work}
	defer func() {
		for _, p := range r.procs {
			if p.alive() {
				p.kill()
			}
		}
		os.RemoveAll(work)
	}()
	began := time.Now()
	r.bin = filepath.Join(work, "aisd")
	s3bin := filepath.Join(work, "s3server")
	sh("go", "build", "-o", r.bin, "./cmd/aisd")
	sh("go", "build", "-o", s3bin, "./bench/replicas/s3server")

	// PostgreSQL: a database of this run's own, dropped at the end.
	db := fmt.Sprintf("aisd_replicas_%d", os.Getpid())
	_, err = admin.Exec(ctx, "CREATE DATABASE "+db)
	check(err)
	defer admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)")
	dsn := "postgres://postgres@127.0.0.1:5432/" + db + "?sslmode=disable"
	pg, err := pgx.Connect(ctx, dsn)
	check(err)
	defer pg.Close(context.Background())

	// Redis of the run's own: nothing else's keys, and it can be stopped.
	redisPort := freePort()
	rp := r.start("redis", os.Environ(), redisBin, "--bind", "127.0.0.1", "--port", strconv.Itoa(redisPort), "--save", "", "--appendonly", "no")
	waitLog(rp, regexp.MustCompile(`Ready to accept connections`), 20*time.Second)
	redisURL := fmt.Sprintf("redis://127.0.0.1:%d/0", redisPort)

	s3p := r.start("s3server", os.Environ(), s3bin, "-addr", "127.0.0.1:0")
	s3url := "http://" + waitLog(s3p, regexp.MustCompile(`s3server on http://(\S+)`), 20*time.Second)[1]

	// Callbacks: every delivery with its Idempotency-Key and body.
	type delivery struct{ key, body string }
	var cbMu sync.Mutex
	var deliveries []delivery
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		key := req.Header.Get("Idempotency-Key")
		cbMu.Lock()
		first := true
		for _, d := range deliveries {
			first = first && d.key != key
		}
		deliveries = append(deliveries, delivery{key, string(b)})
		cbMu.Unlock()
		if first {
			// Refused once: the delivery must be retried, with the same key.
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer cb.Close()

	// A 40 s clip: at one frame a second a job runs long enough to be
	// killed in the middle of.
	clip := filepath.Join(work, "clip.mp4")
	sh("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=5:duration=40", "-pix_fmt", "yuv420p", clip)

	common := append(os.Environ(),
		"AISD_DSN="+dsn, "AISD_REDIS="+redisURL, "AISD_WORKER_KEY="+workerKey,
		"AISD_SERVER_KEY="+strings.Repeat("5a", 32),
		"AISD_OBS_ENDPOINT="+s3url, "AISD_OBS_ACCESS_KEY=replicas", "AISD_OBS_SECRET_KEY=replicas-secret",
		"AISD_OBS_BUCKET_PREFIX=aisd-", "AISD_MODELS_DIR="+models, "AISD_LOG_FORMAT=text", "AISD_LOG_LEVEL=info",
		"AISD_JOB_LEASE=3s", "AISD_FETCH_ALLOW_CIDRS=127.0.0.1/32", "AISD_FREE_PER_MONTH=0",
		"AISD_ROOT_AK="+ak, "AISD_ROOT_SK="+sk, "AISD_ORT_THREADS=1", "AISD_JOB_WORKERS=1")

	var workers []*proc
	for i := 0; i < 2; i++ {
		addr := fmt.Sprintf("127.0.0.1:%d", freePort())
		env := append(append([]string{}, common...), "AISD_DATA_DIR="+filepath.Join(work, fmt.Sprintf("w%d", i)))
		p := r.start(fmt.Sprintf("worker%d", i), env, r.bin, "worker", "--engines", "moderation", "--addr", addr)
		workers = append(workers, p)
	}
	for _, p := range workers {
		waitLog(p, regexp.MustCompile(`aisd worker on http://`), 5*time.Minute)
	}

	type replica struct {
		p         *proc
		url, s3   string
		cli       *moderation.ModerationClient
		projectID string
	}
	var reps []*replica
	for i := 0; i < 3; i++ {
		addr := fmt.Sprintf("127.0.0.1:%d", freePort())
		s3addr := fmt.Sprintf("127.0.0.1:%d", freePort())
		env := append(append([]string{}, common...),
			"AISD_DATA_DIR="+filepath.Join(work, fmt.Sprintf("r%d", i)), "AISD_ADDR="+addr, "AISD_S3_ADDR="+s3addr,
			// The workers are found in the store, where each registered itself.
			"AISD_ENGINES=moderation", "AISD_WORKERS=discover",
			"AISD_RATE_LIMIT="+strconv.Itoa(*rate), "AISD_LOCK_FAILURES=5", "AISD_LOCK_DURATION=4s")
		p := r.start(fmt.Sprintf("replica%d", i), env, r.bin, "serve")
		// One at a time: the first creates the schema and the root account.
		waitReady(p, "http://"+addr, 2*time.Minute)
		pid := waitLog(p, projectRe, 10*time.Second)[1]
		reps = append(reps, &replica{p: p, url: "http://" + addr, s3: s3addr, cli: client("http://"+addr, pid, sk), projectID: pid})
	}
	r.checkf(reps[0].projectID == reps[1].projectID && reps[1].projectID == reps[2].projectID,
		"3 replicas and 2 workers up on PostgreSQL, Redis and the S3 server; one root project %s", reps[0].projectID)
	setup := time.Since(began)

	// Objects: the clip is uploaded through replica A's S3 API and lands in
	// the S3 server, under the bucket prefix.
	mc, err := minio.New(reps[0].s3, &minio.Options{Creds: credentials.NewStaticV4(ak, sk, ""), Region: "cn-north-4"})
	check(err)
	check(mc.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: "cn-north-4"}))
	clipBytes, err := os.ReadFile(clip)
	check(err)
	_, err = mc.PutObject(ctx, bucket, "clip.mp4", bytes.NewReader(clipBytes), int64(len(clipBytes)), minio.PutObjectOptions{ContentType: "video/mp4"})
	check(err)
	direct, err := minio.New(strings.TrimPrefix(s3url, "http://"), &minio.Options{Creds: credentials.NewStaticV4("replicas", "replicas-secret", "")})
	check(err)
	st, err := direct.StatObject(ctx, "aisd-"+bucket, "clip.mp4", minio.StatObjectOptions{})
	r.checkf(err == nil && st.Size == int64(len(clipBytes)), "the clip uploaded through replica A's S3 API is in the S3 server as aisd-%s/clip.mp4 (%d bytes%s)", bucket, st.Size, errNote(err))

	// 1. The rate limit over the replicas.
	accepted, refused, other := 0, 0, map[string]int{}
	for i := 0; i < 3**rate; i++ {
		_, err := reps[i%3].cli.RunTextModeration(textReq(fmt.Sprintf("hello %d", i)))
		switch code := codeOf(err); code {
		case "":
			accepted++
		case "APIG.0308":
			refused++
		default:
			other[code]++
		}
	}
	r.checkf(accepted == *rate && refused == 2**rate && len(other) == 0,
		"rate limit %d/min over 3 replicas: %d of %d calls sent in turn accepted, %d refused APIG.0308, %d otherwise answered %v", *rate, accepted, 3**rate, refused, len(other), other)

	// 2. The AK lockout over the replicas.
	var lockMsgs []string
	for i := 1; i <= 6; i++ {
		bad := client(reps[i%3].url, reps[0].projectID, strings.Repeat("x", 40))
		_, err := bad.RunTextModeration(textReq("hi"))
		lockMsgs = append(lockMsgs, msgOf(err))
	}
	lockedEverywhere := true
	for _, rep := range reps {
		if _, err := rep.cli.RunQueryVideoModerationJob(&model.RunQueryVideoModerationJobRequest{JobId: "none"}); !strings.Contains(msgOf(err), "reach the limit") {
			lockedEverywhere = false
		}
	}
	r.checkf(strings.Contains(lockMsgs[5], "reach the limit") && !strings.Contains(lockMsgs[4], "reach the limit") && lockedEverywhere,
		"6 bad signatures spread over the replicas: the 6th answered %q; the right SK then refused on all 3: %v", lockMsgs[5], lockedEverywhere)
	time.Sleep(4500 * time.Millisecond) // the lock duration

	// 3. Video jobs on replica A; kill A and a worker while they run.
	interval := int32(1)
	def := model.GetVideoCreateRequestEventTypeEnum().DEFAULT
	porn := model.GetVideoCreateRequestImageCategoriesEnum().PORN
	cbURL := cb.URL + "/hook"
	var ids []string
	for i := 0; i < *nJobs; i++ {
		resp, err := reps[0].cli.RunCreateVideoModerationJob(&model.RunCreateVideoModerationJobRequest{Body: &model.VideoCreateRequest{
			Data:      &model.VideoCreateRequestData{Url: "obs://" + bucket + "/clip.mp4", FrameInterval: &interval},
			EventType: &def, ImageCategories: &[]model.VideoCreateRequestImageCategories{porn}, Callback: &cbURL,
		}})
		check(err)
		ids = append(ids, *resp.JobId)
	}
	// Both workers run one job each (job_workers 1); wait for that.
	var running int
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		check(pg.QueryRow(ctx, "SELECT count(*) FROM jobs WHERE state = 'running'").Scan(&running))
		if running >= 2 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second) // well into the runs
	var doneBefore int
	check(pg.QueryRow(ctx, "SELECT count(*) FROM jobs WHERE state IN ('succeeded', 'failed')").Scan(&doneBefore))
	reps[0].p.kill()
	workers[0].kill()
	killedAt := time.Now()
	fmt.Printf("killed replica A and worker 0 with %d jobs running, %d finished\n", running, doneBefore)

	var states map[string]string
	var attempts map[string]int
	deadline = time.Now().Add(5 * time.Minute)
	for {
		states, attempts = map[string]string{}, map[string]int{}
		rows, err := pg.Query(ctx, "SELECT id, state, attempts FROM jobs")
		check(err)
		for rows.Next() {
			var id, state string
			var n int
			check(rows.Scan(&id, &state, &n))
			states[id], attempts[id] = state, n
		}
		check(rows.Err())
		finished := 0
		for _, id := range ids {
			if s := states[id]; s == "succeeded" || s == "failed" {
				finished++
			}
		}
		if finished == len(ids) || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	allDone := time.Since(killedAt)
	succeeded, takenOver := 0, 0
	for _, id := range ids {
		q, err := reps[1].cli.RunQueryVideoModerationJob(&model.RunQueryVideoModerationJobRequest{JobId: id})
		if err == nil && q.Status != nil && q.Status.Value() == "succeeded" && q.Result != nil {
			succeeded++
		}
		if attempts[id] > 1 {
			takenOver++
		}
	}
	r.checkf(succeeded == len(ids) && takenOver >= 1,
		"%d video jobs created on replica A, killed (SIGKILL) with worker 0 while %d ran: %d succeeded (read on replica B), %d of them taken over after their lease (attempts > 1); all finished %.1f s after the kill",
		len(ids), running, succeeded, takenOver, allDone.Seconds())

	// Callbacks: the receiver refuses each job's first post, so every job
	// is posted at least twice, each time with its key and the same
	// outcome. A callback that replica A had reserved when it was killed
	// is posted again only once its reservation runs out (the 30 s post
	// timeout plus 30 s), so the wait covers that and a retry's backoff.
	for wait := time.Now().Add(100 * time.Second); time.Now().Before(wait); time.Sleep(500 * time.Millisecond) {
		cbMu.Lock()
		n := len(deliveries)
		cbMu.Unlock()
		if n >= 2*len(ids) {
			break
		}
	}
	time.Sleep(time.Second) // a duplicate, if any, has time to arrive
	cbMu.Lock()
	perKey, bodies, keyless := map[string]int{}, map[string]map[string]bool{}, 0
	for _, d := range deliveries {
		if d.key == "" {
			keyless++
			continue
		}
		perKey[d.key]++
		if bodies[d.key] == nil {
			bodies[d.key] = map[string]bool{}
		}
		bodies[d.key][normalize(d.body)] = true
	}
	total := len(deliveries)
	cbMu.Unlock()
	allCalled, oneOutcome := true, true
	for _, id := range ids {
		if perKey[id] < 2 {
			allCalled = false
		}
		if len(bodies[id]) > 1 {
			oneOutcome = false
		}
	}
	r.checkf(allCalled && oneOutcome && keyless == 0 && len(perKey) == len(ids),
		"callbacks: the receiver refused each job's first post; %d deliveries for %d jobs, every job's retried with Idempotency-Key = its job id (%s), one outcome per key: %v",
		total, len(ids), countsOf(perKey), oneOutcome)

	// 4. No worker left.
	workers[1].kill()
	lastKill := time.Now()
	time.Sleep(500 * time.Millisecond)
	// Image moderation: an API whose rate window the calls above left free.
	var pngBuf bytes.Buffer
	check(png.Encode(&pngBuf, image.NewRGBA(image.Rect(0, 0, 64, 64))))
	b64 := base64.StdEncoding.EncodeToString(pngBuf.Bytes())
	ev := "head_image"
	imgReq := &model.CheckImageModerationRequest{Body: &model.ImageDetectionReq{Image: &b64, EventType: &ev, Categories: &[]string{"porn"}}}
	_, err = reps[1].cli.CheckImageModeration(imgReq)
	code := codeOf(err)
	// The workers are listed but down: ModelArts.4302, not 4503 (no
	// worker serves the engine at all).
	r.checkf(code == "ModelArts.4302", "with both workers killed, replica B answers an image moderation call with %s (%s)", code, msgOf(err))

	// 5. The breaker those failures open on replica B is open on replica
	// C: its first call answers ModelArts.4403 without trying a worker.
	calls := 1
	for ; calls < *rate-1 && code != "ModelArts.4403"; calls++ {
		_, err = reps[1].cli.CheckImageModeration(imgReq)
		code = codeOf(err)
	}
	_, err = reps[2].cli.CheckImageModeration(imgReq)
	codeC := codeOf(err)
	r.checkf(code == "ModelArts.4403" && codeC == "ModelArts.4403",
		"the breaker: replica B answered %s after %d calls to the dead workers; replica C's first call then answered %s (%s)", code, calls, codeC, msgOf(err))

	// 6. Once the dead workers' entries in the store expire (and the
	// breaker's cool-down is over, so that its probe call goes through),
	// no worker is registered for the engine: ModelArts.4503.
	time.Sleep(12 * time.Second)
	_, err = reps[2].cli.CheckImageModeration(imgReq)
	code = codeOf(err)
	r.checkf(code == "ModelArts.4503", "%.0f s after the kill, their registrations expired: replica C answers %s (%s)", time.Since(lastKill).Seconds(), code, msgOf(err))

	// 7. A replica whose Redis does not answer refuses to start.
	dead := fmt.Sprintf("redis://127.0.0.1:%d/0", freePort())
	env := append(append([]string{}, common...), "AISD_REDIS="+dead, "AISD_DATA_DIR="+filepath.Join(work, "r-dead"),
		fmt.Sprintf("AISD_ADDR=127.0.0.1:%d", freePort()), "AISD_ENGINES=")
	p := r.start("replica-no-redis", env, r.bin, "serve")
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		p.kill()
	}
	b, _ := os.ReadFile(p.log)
	msg := firstLine(string(b), "does not answer")
	r.checkf(p.err != nil && msg != "", "a replica started with Redis unreachable exits (%v): %s", p.err, msg)

	// CPU of every process the run started and waited for (builds
	// included): wall time on this shared machine says little.
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	report := fmt.Sprintf("Measured %s UTC on %s, %d CPUs (`runtime.NumCPU`), shared with other work; setup (build, PostgreSQL database, Redis, S3 server, 2 workers loading the moderation models, 3 replicas) %.0f s, whole run %.0f s wall, %.1f CPU-s (user+system of every process it started).\n\n| result | check |\n| --- | --- |\n%s",
		time.Now().UTC().Format("2006-01-02 15:04"), hostname(), runtime.NumCPU(), setup.Seconds(), time.Since(began).Seconds(), cpu.Seconds(), r.out.String())
	if *out != "" {
		writeSection(*out, report)
	}
	if len(r.fails) > 0 {
		fmt.Printf("replicas: %d passed, %d failed\n", strings.Count(r.out.String(), "| pass |"), len(r.fails))
		for _, p := range r.procs {
			fmt.Printf("log of %s: %s\n", p.name, p.log)
		}
		keep := work + "-kept"
		os.Rename(work, keep)
		fmt.Println("logs kept in " + keep)
		os.Exit(1)
	}
	fmt.Printf("replicas: %d passed, 0 failed\n", strings.Count(r.out.String(), "| pass |"))
}

func textReq(s string) *model.RunTextModerationRequest {
	ev := "comment"
	return &model.RunTextModerationRequest{Body: &model.TextDetectionReq{EventType: &ev, Data: &model.TextDetectionDataReq{Text: s}}}
}

func client(url, pid, secret string) *moderation.ModerationClient {
	cred, err := basic.NewCredentialsBuilder().WithAk(ak).WithSk(secret).WithProjectId(pid).SafeBuild()
	check(err)
	hc, err := moderation.ModerationClientBuilder().WithRegion(region.NewRegion("cn-north-4", url)).
		WithCredential(cred).WithHttpConfig(config.DefaultHttpConfig().WithTimeout(60 * time.Second).WithRetries(0)).SafeBuild()
	check(err)
	return moderation.NewModerationClient(hc)
}

func codeOf(err error) string {
	if err == nil {
		return ""
	}
	var se *sdkerr.ServiceResponseError
	if errors.As(err, &se) {
		return se.ErrorCode
	}
	return "transport: " + err.Error()
}

func msgOf(err error) string {
	var se *sdkerr.ServiceResponseError
	if errors.As(err, &se) {
		return se.ErrorMessage
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// normalize drops what differs between two posts of one outcome.
func normalize(body string) string {
	var m map[string]any
	if json.Unmarshal([]byte(body), &m) != nil {
		return body
	}
	delete(m, "request_id")
	b, _ := json.Marshal(m)
	return string(b)
}

func countsOf(m map[string]int) string {
	var n []string
	for _, v := range m {
		n = append(n, strconv.Itoa(v))
	}
	sort.Strings(n)
	return "deliveries per job: " + strings.Join(n, ", ")
}

func errNote(err error) string {
	if err != nil {
		return "; " + err.Error()
	}
	return ""
}

func firstLine(s, sub string) string {
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), sub) {
			l := sc.Text()
			if i := strings.Index(l, "redis at"); i >= 0 {
				l = l[i:]
			}
			return strings.TrimRight(l, `"`)
		}
	}
	return ""
}

// prose says what the run is; it heads the section it writes.
const prose = `Every process is its own: three ` + "`aisd serve`" + ` replicas (engines: moderation, forwarded
to the workers registered in the store: ` + "`workers: [discover]`" + `), two ` + "`aisd worker --engines moderation`" + `, a database of the run's own in the
local PostgreSQL, a ` + "`redis-server`" + ` of its own, and the S3 server ` + "`bench/replicas/s3server`" + `:
gofakes3 (MIT, a Go module) over its memory backend, in its own process on a loopback port. It was
chosen over MinIO (AGPL) and SeaweedFS (a very large build) as a small S3 implementation that is not
aisd's own code, so the replicas' S3 client is checked against another server; it does not verify
signatures, which the replicas' own S3 API (the one clients upload through) does. The clip is
uploaded through replica A's S3 API and read by the workers from the S3 server by ` + "`obs://`" + `.
The kill is SIGKILL, 1 s after both workers (` + "`job_workers: 1`" + ` each, ` + "`job_lease: 3s`" + `) started a job;
the callback receiver refuses each job's first post with 503.
`

// writeSection replaces (or appends) the "## Multi-replica run" section.
func writeSection(path, body string) {
	const head = "## Multi-replica run"
	b, err := os.ReadFile(path)
	check(err)
	s := string(b)
	sec := head + "\n\nReproduce: `make test-replicas REPLICAS_OUT=docs/benchmarks-scale.md` (`go run ./bench/replicas -o docs/benchmarks-scale.md`; `make test` runs it without writing here); it needs the local PostgreSQL, `redis-server`, ffmpeg and the moderation models, and says in one line which is missing otherwise.\n\n" + prose + "\n" + body
	if i := strings.Index(s, head); i >= 0 {
		rest := s[i+len(head):]
		if j := strings.Index(rest, "\n## "); j >= 0 {
			s = s[:i] + sec + rest[j:]
		} else {
			s = s[:i] + sec
		}
	} else {
		s = strings.TrimRight(s, "\n") + "\n\n" + sec
	}
	check(os.WriteFile(path, []byte(s), 0o644))
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}

func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func sh(name string, args ...string) {
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
