// Command soak runs `aisd serve` under a fixed concurrency of mixed valid
// and hostile traffic for a set time (30 minutes by default), samples
// throughput, latency, RSS and goroutines every interval, and checks every
// answer: an error must carry an error_code of the catalog and an
// X-Request-Id. It writes docs/benchmarks-soak.md and fails when an answer
// is outside the catalog or RSS or goroutines grow after warm-up.
//
//	go run ./bench/soak -duration 30m
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"

	"github.com/aisd/aisd/internal/admin"
)

const (
	ak   = "SOAKROOTAK0000000001"
	sk   = "soakRootSecretKey000000000000000000001"
	addr = "127.0.0.1:18280"
)

var projectRe = regexp.MustCompile(`project[_ ]id[^0-9a-f]*([0-9a-f]{32})`)

// A kind of request: how to send it, and what a right answer is.
type kind struct {
	name   string
	weight int
	send   func(c *http.Client) (*http.Response, error)
}

type sample struct {
	at         time.Duration
	n          int
	lat        []time.Duration
	rssMB      float64
	goroutines int
	load       string // the machine's 1-minute load average: other work shows here
}

type stats struct {
	mu        sync.Mutex
	lat       []time.Duration
	n         int
	perKind   map[string]map[string]int // kind → status/code → count
	outside   map[string]int            // answers outside the catalog
	transport int
}

func main() {
	duration := flag.Duration("duration", 30*time.Minute, "how long to run")
	every := flag.Duration("every", 30*time.Second, "sampling interval")
	conc := flag.Int("conc", 8, "concurrent clients")
	warm := flag.Float64("warmup", 0.2, "fraction of the run that is warm-up")
	out := flag.String("out", "docs/benchmarks-soak.md", "report")
	flag.Parse()
	work, err := os.MkdirTemp("", "aisd-soak-")
	check(err)
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "aisd")
	run("go", "build", "-o", bin, "./cmd/aisd")
	models := os.Getenv("AISD_MODELS_DIR")
	if models == "" {
		wd, _ := os.Getwd()
		models = filepath.Join(wd, "models")
	}
	logPath := filepath.Join(work, "aisd.log")
	lf, err := os.Create(logPath)
	check(err)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "AISD_ROOT_AK="+ak, "AISD_ROOT_SK="+sk, "AISD_ADDR="+addr,
		"AISD_DATA_DIR="+filepath.Join(work, "data"), "AISD_MODELS_DIR="+models, "AISD_ENGINES=ocr,moderation",
		"AISD_LOG_LEVEL=warn", "AISD_FREE_PER_MONTH=0", "AISD_LOG_FORMAT=text")
	cmd.Stdout, cmd.Stderr = lf, lf
	check(cmd.Start())
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	ep := "http://" + addr
	waitHealthy(ep, logPath)
	b, _ := os.ReadFile(logPath)
	m := projectRe.FindSubmatch(b)
	if m == nil {
		log.Fatalf("no project id in %s", logPath)
	}
	pid := string(m[1])
	codes := catalogCodes(ep)
	// Text moderation is not throttled; web-image stays at 1 call a minute
	// so the throttled path is exercised.
	adminSet(bin, ep, pid, "ratelimit.RunTextModeration", "1000000000")
	adminSet(bin, ep, pid, "ratelimit.RecognizeGeneralText", "1000000000")
	adminSet(bin, ep, pid, "ratelimit.RecognizeWebImage", "1")

	// The hostile signatures use a second user's AK: failures lock the AK
	// they name (as the cloud's gateway does), and locking the root AK
	// would turn the valid traffic into refusals too.
	victimAK := secondCredential(ep)
	kinds := mix(ep, pid, victimAK)
	total := 0
	for _, k := range kinds {
		total += k.weight
	}
	st := &stats{perKind: map[string]map[string]int{}, outside: map[string]int{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Timeout: 60 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				r := rand.IntN(total)
				k := kinds[0]
				for _, k = range kinds {
					if r < k.weight {
						break
					}
					r -= k.weight
				}
				t0 := time.Now()
				resp, err := k.send(c)
				d := time.Since(t0)
				st.record(k.name, resp, err, d, codes)
			}
		}()
	}
	var samples []sample
	begin := time.Now()
	tick := time.NewTicker(*every)
	for time.Since(begin) < *duration {
		<-tick.C
		st.mu.Lock()
		s := sample{at: time.Since(begin).Round(time.Second), n: st.n, lat: st.lat}
		st.n, st.lat = 0, nil
		st.mu.Unlock()
		s.rssMB = rssMB(cmd.Process.Pid)
		s.goroutines = goroutines(ep)
		if b, err := os.ReadFile("/proc/loadavg"); err == nil {
			s.load, _, _ = strings.Cut(string(b), " ")
		}
		samples = append(samples, s)
		fmt.Printf("%8s  %6.0f req/s  p50 %6.2f ms  p99 %7.2f ms  rss %6.0f MB  goroutines %d\n",
			s.at, float64(s.n)/every.Seconds(), ms(pct(s.lat, 50)), ms(pct(s.lat, 99)), s.rssMB, s.goroutines)
	}
	close(stop)
	wg.Wait()
	report(*out, *duration, *every, *conc, *warm, samples, st, kinds)
}

func (st *stats) record(name string, resp *http.Response, err error, d time.Duration, codes map[string]bool) {
	key := ""
	bad := ""
	if err != nil {
		key = "transport error"
	} else {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		key = strconv.Itoa(resp.StatusCode)
		if resp.StatusCode != 200 {
			var e struct {
				Code string `json:"error_code"`
			}
			json.Unmarshal(body, &e)
			key += " " + e.Code
			switch {
			case !codes[e.Code]:
				bad = fmt.Sprintf("%s: %d %.120s", name, resp.StatusCode, body)
			case resp.Header.Get("X-Request-Id") == "":
				bad = fmt.Sprintf("%s: %s without X-Request-Id", name, key)
			}
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if err != nil {
		st.transport++
	}
	st.n++
	st.lat = append(st.lat, d)
	if st.perKind[name] == nil {
		st.perKind[name] = map[string]int{}
	}
	st.perKind[name][key]++
	if bad != "" {
		st.outside[bad]++
	}
}

// mix is the traffic: valid calls and the hostile inputs of the hardening
// review, signed as the SDK signs.
func mix(ep, pid, victimAK string) []kind {
	img := textImage()
	ocrBody, _ := json.Marshal(map[string]any{"image": base64.StdEncoding.EncodeToString(img)})
	text := `{"event_type":"comment","data":{"text":"soak test: hello world"}}`
	post := func(path, body string, mod func(h http.Header)) func(c *http.Client) (*http.Response, error) {
		return func(c *http.Client) (*http.Response, error) {
			req := signed("POST", ep+path, body, ak, sk)
			if mod != nil {
				mod(req.Header)
			}
			return c.Do(req)
		}
	}
	huge := strings.Repeat("A", 12<<20)
	return []kind{
		{"text moderation", 30, post("/v3/"+pid+"/moderation/text", text, nil)},
		{"ocr general-text", 2, post("/v2/"+pid+"/ocr/general-text", string(ocrBody), nil)},
		{"throttled web-image", 10, post("/v2/"+pid+"/ocr/web-image", string(ocrBody), nil)},
		{"bad json", 8, post("/v3/"+pid+"/moderation/text", `{"event_type":"comment","data":`, nil)},
		{"bad base64", 8, post("/v2/"+pid+"/ocr/general-text", `{"image":"!!!not base64"}`, nil)},
		{"unknown AK", 8, func(c *http.Client) (*http.Response, error) {
			return c.Do(signed("POST", ep+"/v3/"+pid+"/moderation/text", text, fmt.Sprintf("UNKNOWN%013d", rand.Int64N(1e13)), sk))
		}},
		{"bad signature", 8, func(c *http.Client) (*http.Response, error) {
			return c.Do(signed("POST", ep+"/v3/"+pid+"/moderation/text", text, victimAK, "wrong secret key"))
		}},
		{"clock skew", 4, func(c *http.Client) (*http.Response, error) {
			req := signed("POST", ep+"/v3/"+pid+"/moderation/text", text, victimAK, "wrong secret key")
			req.Header.Set("X-Sdk-Date", time.Now().Add(-2*time.Hour).UTC().Format("20060102T150405Z"))
			return c.Do(req)
		}},
		{"unknown route", 4, func(c *http.Client) (*http.Response, error) { return c.Get(ep + "/v9/" + pid + "/nothing") }},
		{"malformed header", 4, func(*http.Client) (*http.Response, error) {
			return raw(addr, "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
		}},
		{"12 MB body", 1, post("/v3/"+pid+"/moderation/text", huge, nil)},
	}
}

// secondCredential creates a user of the root account with an AK/SK and
// returns the AK.
func secondCredential(ep string) string {
	c := &admin.Client{Endpoint: ep, AK: ak, SK: sk, HTTP: http.DefaultClient}
	ctx := context.Background()
	var ds struct{ Domains []admin.Domain }
	check(c.Do(ctx, "GET", "/v1/admin/domains", nil, nil, &ds))
	if len(ds.Domains) == 0 {
		log.Fatal("no domain")
	}
	var u struct{ User admin.User }
	check(c.Do(ctx, "POST", "/v1/admin/domains/"+ds.Domains[0].ID+"/users", nil,
		map[string]any{"name": "soak-victim", "password": "Soak-victim-1234"}, &u))
	var cr struct{ Credential admin.Credential }
	check(c.Do(ctx, "POST", "/v1/admin/users/"+u.User.ID+"/credentials", nil, map[string]any{"description": "soak"}, &cr))
	return cr.Credential.AK
}

func signed(method, rawURL, body, ak, sk string) *http.Request {
	u, err := url.Parse(rawURL)
	check(err)
	b := request.NewHttpRequestBuilder().WithEndpoint(u.Scheme+"://"+u.Host).WithPath(u.Path).WithMethod(method).
		AddHeaderParam("X-Sdk-Date", time.Now().UTC().Format("20060102T150405Z")).
		AddHeaderParam("Content-Type", "application/json").WithBody("application/json", body)
	hdr, err := signer.Sign(b.Build(), ak, sk)
	check(err)
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	check(err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return req
}

// raw sends bytes net/http would never send and reads the answer.
func raw(addr, req string) (*http.Response, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// textImage is a small picture with dark strokes on white, enough for the
// OCR pipeline to detect and recognise something.
func textImage() []byte {
	im := image.NewGray(image.Rect(0, 0, 240, 64))
	for i := range im.Pix {
		im.Pix[i] = 255
	}
	for x := 20; x < 220; x++ {
		if (x/12)%2 == 0 {
			for y := 24; y < 40; y++ {
				im.SetGray(x, y, color.Gray{Y: 20})
			}
		}
	}
	var b bytes.Buffer
	check(png.Encode(&b, im))
	return b.Bytes()
}

func catalogCodes(ep string) map[string]bool {
	resp, err := http.Get(ep + "/v1/error-codes")
	check(err)
	defer resp.Body.Close()
	var l struct {
		ErrorCodes []struct {
			Code string `json:"error_code"`
		} `json:"error_codes"`
	}
	check(json.NewDecoder(resp.Body).Decode(&l))
	codes := map[string]bool{}
	for _, c := range l.ErrorCodes {
		codes[c.Code] = true
	}
	if len(codes) == 0 {
		log.Fatal("the catalog lists no codes")
	}
	return codes
}

func adminSet(bin, ep, pid, key, value string) {
	cmd := exec.Command(bin, "admin", "project", "set", pid, key, value)
	cmd.Env = append(os.Environ(), "AISD_ENDPOINT="+ep, "AISD_ROOT_AK="+ak, "AISD_ROOT_SK="+sk)
	if out, err := cmd.CombinedOutput(); err != nil {
		log.Fatalf("admin project set %s: %v: %s", key, err, out)
	}
}

func waitHealthy(ep, logPath string) {
	for deadline := time.Now().Add(120 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if r, err := http.Get(ep + "/healthz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return
			}
		}
	}
	log.Fatalf("aisd did not become healthy; see %s", logPath)
}

func rssMB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func goroutines(ep string) int {
	resp, err := http.Get(ep + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return int(n)
		}
	}
	return -1
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p/100))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func mean(f []float64) float64 {
	if len(f) == 0 {
		return 0
	}
	t := 0.0
	for _, v := range f {
		t += v
	}
	return t / float64(len(f))
}

func report(path string, duration, every time.Duration, conc int, warm float64, samples []sample, st *stats, kinds []kind) {
	// Growth after warm-up: the last quarter of the samples against the
	// first quarter after warm-up.
	var rss, gor []float64
	for _, s := range samples {
		rss, gor = append(rss, s.rssMB), append(gor, float64(s.goroutines))
	}
	w := int(float64(len(samples)) * warm)
	post := len(samples) - w
	q := max(1, post/4)
	early, late := mean(rss[w:w+q]), mean(rss[len(rss)-q:])
	gEarly, gLate := mean(gor[w:w+q]), mean(gor[len(gor)-q:])
	rssGrowth := (late - early) / early
	gorGrowth := (gLate - gEarly) / max(gEarly, 1)
	outside := 0
	for _, n := range st.outside {
		outside += n
	}
	ok := outside == 0 && rssGrowth <= 0.10 && gorGrowth <= 0.10

	var b strings.Builder
	fmt.Fprintf(&b, "# Soak test\n\nGenerated by `go run ./bench/soak -duration %s -conc %d` on %s (%d CPUs, loopback): `aisd serve` with the OCR and moderation engines under %d clients of mixed valid and hostile traffic, sampled every %s.\n\n",
		duration, conc, time.Now().UTC().Format("2006-01-02"), runtimeCPUs(), conc, every)
	fmt.Fprintf(&b, "| check | result |\n| --- | --- |\n")
	fmt.Fprintf(&b, "| answers outside the catalog (or without X-Request-Id) | %d |\n", outside)
	fmt.Fprintf(&b, "| transport errors | %d |\n", st.transport)
	fmt.Fprintf(&b, "| RSS after warm-up: first quarter → last quarter | %.0f MB → %.0f MB (%+.1f %%) |\n", early, late, 100*rssGrowth)
	fmt.Fprintf(&b, "| goroutines after warm-up: first quarter → last quarter | %.0f → %.0f (%+.1f %%) |\n", gEarly, gLate, 100*gorGrowth)
	fmt.Fprintf(&b, "\nVerdict: **%s** (no answer outside the catalog; RSS and goroutines within +10 %% after warm-up).\n\n", map[bool]string{true: "pass", false: "FAILED"}[ok])
	fmt.Fprintf(&b, "## Answers by kind of request\n\n| request | answers |\n| --- | --- |\n")
	for _, k := range kinds {
		var parts []string
		for key, n := range st.perKind[k.name] {
			parts = append(parts, fmt.Sprintf("%s × %d", key, n))
		}
		slices.Sort(parts)
		fmt.Fprintf(&b, "| %s (weight %d) | %s |\n", k.name, k.weight, strings.Join(parts, ", "))
	}
	if outside > 0 {
		fmt.Fprintf(&b, "\n## Answers outside the catalog\n\n")
		for s, n := range st.outside {
			fmt.Fprintf(&b, "- %d × `%s`\n", n, strings.ReplaceAll(s, "`", "'"))
		}
	}
	fmt.Fprintf(&b, "\n## Over time\n\nThe load average is the whole machine's: anything above the CPU count is other work competing with the run.\n\n| t | req/s | p50 ms | p99 ms | RSS MB | goroutines | load average |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, s := range samples {
		fmt.Fprintf(&b, "| %s | %.0f | %.2f | %.2f | %.0f | %d | %s |\n", s.at, float64(s.n)/every.Seconds(), ms(pct(s.lat, 50)), ms(pct(s.lat, 99)), s.rssMB, s.goroutines, s.load)
	}
	check(os.WriteFile(path, []byte(b.String()), 0o644))
	fmt.Print(b.String())
	if !ok {
		os.Exit(1)
	}
}

func runtimeCPUs() int {
	out, err := exec.Command("nproc").Output()
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return n
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
