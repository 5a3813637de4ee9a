package main

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	ocr "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"
)

const (
	httpAK = "AISDBENCHAK000000001"
	httpSK = "aisdBenchSecretKey0000000000000000000001"
)

// memoryOnly stops the HTTP peer after its memory pass (-http-memory-only).
var memoryOnly bool

// runHTTP measures aisd as users meet it: the server binary as its own
// process, called through the official SDK (signing, gateway, platform
// controls, JSON), on the same images.
func runHTTP(s spec, root string) peerResult {
	bin := filepath.Join(root, "bin", "aisd")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/aisd").CombinedOutput(); err != nil {
		return peerResult{Skipped: fmt.Sprintf("build aisd: %v: %s", err, out)}
	}
	data, err := os.MkdirTemp("", "aisd-bench-")
	if err != nil {
		return peerResult{Skipped: err.Error()}
	}
	defer os.RemoveAll(data)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return peerResult{Skipped: err.Error()}
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "AISD_ADDR="+addr, "AISD_DATA_DIR="+data, "AISD_ENGINES=ocr", "AISD_S3_ADDR=",
		"AISD_ROOT_AK="+httpAK, "AISD_ROOT_SK="+httpSK, "AISD_RATE_LIMIT=100000", "AISD_LOG_LEVEL=warn")
	stdout, _ := cmd.StdoutPipe()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return peerResult{Skipped: err.Error()}
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening on") {
				ready <- true
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			return peerResult{Skipped: "aisd exited before listening"}
		}
	case <-time.After(60 * time.Second):
		return peerResult{Skipped: "aisd did not start in 60 s"}
	}
	r := peerResult{LoadMS: ms(time.Since(start)), MedianMS: map[string]float64{}, Texts: map[string][]string{}}
	endpoint := "http://" + addr
	cred, err := basic.NewCredentialsBuilder().WithAk(httpAK).WithSk(httpSK).WithIamEndpointOverride(endpoint).SafeBuild()
	if err != nil {
		return peerResult{Skipped: err.Error()}
	}
	hc, err := ocr.OcrClientBuilder().WithRegion(region.NewRegion("cn-north-4", endpoint)).WithCredential(cred).SafeBuild()
	if err != nil {
		return peerResult{Skipped: err.Error()}
	}
	client := ocr.NewOcrClient(hc)
	bodies := map[string]string{}
	for _, img := range s.Images {
		b, err := os.ReadFile(img.Path)
		if err != nil {
			return peerResult{Skipped: err.Error()}
		}
		bodies[img.Name] = base64.StdEncoding.EncodeToString(b)
	}
	call := func(img benchImage) []string {
		b64 := bodies[img.Name]
		resp, err := client.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{Body: &model.GeneralTextRequestBody{Image: &b64}})
		if err != nil {
			return []string{"error: " + err.Error()}
		}
		var t []string
		for _, w := range resp.Result.WordsBlockList {
			t = append(t, w.Words)
		}
		return t
	}
	// The memory target first, while the high-water mark is still the
	// load's: 2 concurrent calls over the ground-truth sets (generated set
	// and repository fixtures), read as VmHWM before any other image runs.
	loadRSS := vmHWM(cmd.Process.Pid)
	gt := spec{Rounds: 1}
	for _, img := range s.Images {
		if img.Set == "gt" || img.Set == "repo" {
			gt.Images = append(gt.Images, img)
		}
	}
	var mu sync.Mutex
	gtIPS := throughput(gt, 2, func(i benchImage) {
		t := call(i)
		mu.Lock()
		r.Texts[i.Name] = t
		mu.Unlock()
	})
	r.Extra = map[string]any{"rss_load_kb": loadRSS, "rss_gt2_kb": vmHWM(cmd.Process.Pid), "gt2_ips": gtIPS, "extra_runs": len(gt.Images)}
	if memoryOnly {
		r.PeakRSS = vmHWM(cmd.Process.Pid)
		r.CPUSec = procCPU(cmd.Process.Pid)
		return r
	}
	for _, img := range s.Images {
		r.Texts[img.Name] = call(img)
	}
	for _, img := range s.Images {
		var d []float64
		for range s.Reps {
			st := time.Now()
			call(img)
			d = append(d, ms(time.Since(st)))
		}
		r.MedianMS[img.Name] = median(d)
	}
	r.IPS1 = throughput(s, 1, func(i benchImage) { call(i) })
	r.IPS2 = throughput(s, 2, func(i benchImage) { call(i) })
	r.PeakRSS = vmHWM(cmd.Process.Pid)
	r.CPUSec = procCPU(cmd.Process.Pid)
	return r
}

// procCPU is a live process's CPU time so far (utime + stime of
// /proc/PID/stat, in clock ticks of 1/100 s on Linux), in seconds.
func procCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: count from after it.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	var ut, st float64
	fmt.Sscan(f[11], &ut)
	fmt.Sscan(f[12], &st)
	return (ut + st) / 100
}

// vmHWM is a live process's peak resident set, in kB.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(l, "VmHWM:"), "kB")), &kb)
			return kb
		}
	}
	return 0
}
