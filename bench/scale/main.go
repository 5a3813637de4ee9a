// Command bench-scale measures OCR general-text throughput through one
// serving replica with 1, 2, … inference workers on the same images, each
// worker pinned to its own core (taskset) with one ONNX Runtime thread, so
// that a worker's CPU is what limits it; and the forwarding hop's own
// latency (BenchmarkHop). It writes docs/benchmarks-scale.md.
//
//	make bench-scale            # or: go run ./bench/scale -workers 1,2 -seconds 30
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	ocr "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"
)

const (
	sk  = "aisdBenchSecretKey0000000000000000000001"
	key = "00112233445566778899aabbccddeeff"
)

type run struct {
	workers    int
	calls      int64
	errors     int64
	seconds    float64
	perSec     float64
	workerCPU  []float64 // share of one core each worker used
	replicaCPU float64
}

func main() {
	counts := flag.String("workers", "1,2", "worker counts to measure")
	seconds := flag.Int("seconds", 30, "measured seconds per worker count")
	out := flag.String("o", "docs/benchmarks-scale.md", "report file")
	hop := flag.Bool("hop", true, "also run BenchmarkHop")
	flag.Parse()
	bin, _ := filepath.Abs("bin/aisd")
	if b, err := exec.Command("go", "build", "-o", bin, "./cmd/aisd").CombinedOutput(); err != nil {
		log.Fatalf("build: %v\n%s", err, b)
	}
	var images [][]byte
	names, _ := filepath.Glob("internal/services/ocr/testdata/*.png")
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			log.Fatal(err)
		}
		images = append(images, b)
	}
	if len(images) == 0 {
		log.Fatal("no images under internal/services/ocr/testdata")
	}
	_, taskErr := exec.LookPath("taskset")
	var runs []run
	for _, f := range strings.Split(*counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			log.Fatalf("-workers: %q", f)
		}
		r, err := measure(bin, n, images, time.Duration(*seconds)*time.Second, taskErr == nil)
		if err != nil {
			log.Fatalf("%d workers: %v", n, err)
		}
		log.Printf("%d workers: %.2f images/s (%d calls, %d errors), worker CPU %v", n, r.perSec, r.calls, r.errors, r.workerCPU)
		runs = append(runs, r)
	}
	hopOut := ""
	if *hop {
		b, err := exec.Command("go", "test", "-run", "^$", "-bench", "Hop", "-benchtime", "2000x", "./internal/platform/workers").CombinedOutput()
		if err != nil {
			log.Fatalf("BenchmarkHop: %v\n%s", err, b)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "Benchmark") {
				hopOut += l + "\n"
			}
		}
	}
	if err := os.WriteFile(*out, report(runs, hopOut, *seconds, len(images), taskErr == nil), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s", *out)
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs the binary and waits for want on its standard output.
func start(bin string, env []string, want string, args ...string) (*exec.Cmd, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), want) {
				ready <- true
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			return nil, fmt.Errorf("%s exited before %q", args[0], want)
		}
	case <-time.After(120 * time.Second):
		cmd.Process.Kill()
		return nil, fmt.Errorf("%s: no %q in 120 s", args[0], want)
	}
	return cmd, nil
}

func stop(cmd *exec.Cmd) {
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
}

// cpuTime is a process's user+system time (Linux /proc).
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * time.Second / 100 // USER_HZ
}

func measure(bin string, n int, images [][]byte, d time.Duration, pin bool) (run, error) {
	data, err := os.MkdirTemp("", "aisd-bench-scale-")
	if err != nil {
		return run{}, err
	}
	defer os.RemoveAll(data)
	// An access key per run: the SDK caches the project id it looked up
	// per AK, and each run's database has a new root project.
	ak := fmt.Sprintf("AISDBENCHAK%09d", n)
	common := []string{"AISD_DSN=sqlite:" + filepath.Join(data, "aisd.db"), "AISD_OBS_DIR=" + filepath.Join(data, "obs"),
		"AISD_WORKER_KEY=" + key, "AISD_LOG_LEVEL=warn", "AISD_ORT_THREADS=1", "AISD_ENGINES=ocr",
		"AISD_ROOT_AK=" + ak, "AISD_ROOT_SK=" + sk}
	var workers []*exec.Cmd
	var urls []string
	defer func() {
		for _, w := range workers {
			stop(w)
		}
	}()
	for i := 0; i < n; i++ {
		addr := freeAddr()
		wbin, args := bin, []string{"worker", "--addr", addr, "--data-dir", filepath.Join(data, fmt.Sprint("w", i))}
		if pin && i < runtime.NumCPU() {
			// One core per worker: its CPU is the limit being scaled.
			wbin, args = "taskset", append([]string{"-c", strconv.Itoa(i), bin}, args...)
		}
		w, err := start(wbin, append(common, "GOMAXPROCS=2"), "aisd worker on", args...)
		if err != nil {
			return run{}, err
		}
		workers = append(workers, w)
		urls = append(urls, "http://"+addr)
	}
	addr := freeAddr()
	serve, err := start(bin, append(common, "AISD_ADDR="+addr, "AISD_DATA_DIR="+filepath.Join(data, "serve"), "AISD_S3_ADDR=",
		"AISD_RATE_LIMIT=1000000", "AISD_MAX_INFLIGHT=64", "AISD_WORKERS="+strings.Join(urls, ",")), "listening on", "serve")
	if err != nil {
		return run{}, err
	}
	defer stop(serve)
	endpoint := "http://" + addr
	cred, err := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithIamEndpointOverride(endpoint).SafeBuild()
	if err != nil {
		return run{}, err
	}
	hc, err := ocr.OcrClientBuilder().WithRegion(region.NewRegion("cn-north-4", endpoint)).WithCredential(cred).SafeBuild()
	if err != nil {
		return run{}, err
	}
	cli := ocr.NewOcrClient(hc)
	bodies := make([]string, len(images))
	for i, b := range images {
		bodies[i] = base64.StdEncoding.EncodeToString(b)
	}
	call := func(i int) error {
		img := bodies[i%len(bodies)]
		_, err := cli.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{Body: &model.GeneralTextRequestBody{Image: &img}})
		return err
	}
	// Warm every worker's sessions.
	for i := 0; i < 2*n*len(bodies); i++ {
		if err := call(i); err != nil {
			return run{}, fmt.Errorf("warm-up: %w", err)
		}
	}
	cpu0 := make([]time.Duration, n)
	for i, w := range workers {
		cpu0[i] = cpuTime(w.Process.Pid)
	}
	scpu0 := cpuTime(serve.Process.Pid)
	var calls, errs atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	deadline := t0.Add(d)
	for c := 0; c < 2*n; c++ { // two calls in flight per worker: one runs while one is sent
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := c; time.Now().Before(deadline); i += 2 * n {
				if err := call(i); err != nil {
					errs.Add(1)
					continue
				}
				calls.Add(1)
			}
		}(c)
	}
	wg.Wait()
	el := time.Since(t0)
	r := run{workers: n, calls: calls.Load(), errors: errs.Load(), seconds: el.Seconds()}
	r.perSec = float64(r.calls) / el.Seconds()
	for i, w := range workers {
		r.workerCPU = append(r.workerCPU, (cpuTime(w.Process.Pid)-cpu0[i]).Seconds()/el.Seconds())
	}
	r.replicaCPU = (cpuTime(serve.Process.Pid) - scpu0).Seconds() / el.Seconds()
	return r, nil
}

func report(runs []run, hop string, seconds, images int, pinned bool) []byte {
	var b bytes.Buffer
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "# Scaling: OCR throughput with inference workers\n\n")
	fmt.Fprintf(&b, "Reproduce: `make bench-scale` (`go run ./bench/scale -workers 1,2 -seconds %d`). Measured %s on %s, %d CPUs (`runtime.NumCPU`), shared with other work.\n\n",
		seconds, time.Now().UTC().Format("2006-01-02 15:04 MST"), host, runtime.NumCPU())
	fmt.Fprintf(&b, "One `aisd serve --workers …` replica forwards RecognizeGeneralText (the %d PNGs of `internal/services/ocr/testdata`, base64, in turn) ", images)
	fmt.Fprintf(&b, "from the official SDK, two calls in flight per worker, to N `aisd worker --engines ocr` processes, each with `ort_threads: 1`")
	if pinned {
		fmt.Fprintf(&b, " and pinned to its own core (`taskset -c i`)")
	}
	fmt.Fprintf(&b, ", so that one core is each worker's limit. Worker CPU is the share of one core each worker used while measured (user+system time / wall time); ~1.0 means the worker's core was the bottleneck.\n\n")
	fmt.Fprintf(&b, "| workers | images/s | vs 1 worker | calls | errors | worker CPU (cores) | replica CPU (cores) |\n| ---: | ---: | ---: | ---: | ---: | --- | ---: |\n")
	base := 0.0
	for _, r := range runs {
		if r.workers == 1 {
			base = r.perSec
		}
		ratio := "-"
		if base > 0 {
			ratio = fmt.Sprintf("%.2f×", r.perSec/base)
		}
		var cpus []string
		for _, c := range r.workerCPU {
			cpus = append(cpus, fmt.Sprintf("%.2f", c))
		}
		fmt.Fprintf(&b, "| %d | %.2f | %s | %d | %d | %s | %.2f |\n", r.workers, r.perSec, ratio, r.calls, r.errors, strings.Join(cpus, ", "), r.replicaCPU)
	}
	if hop != "" {
		fmt.Fprintf(&b, "\n## The forwarding hop\n\n`go test -run '^$' -bench Hop -benchtime 2000x ./internal/platform/workers`: a pool calling a worker whose handler does nothing over loopback, request bodies of 1 KB, 256 KB and 2 MB (an inline image's base64), one call at a time; p50-us and p99-us are one call's latency in microseconds.\n\n```\n%s```\n", hop)
	}
	return b.Bytes()
}
