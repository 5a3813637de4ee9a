// Command bench-docs measures the document OCR APIs on generated
// specimens (package specimen): field accuracy per document type on clean
// and photo-like pages, time per document through the official SDK, and
// the server's peak RSS. It runs `aisd serve` (OCR engine) as its own
// process and writes docs/benchmarks-docs.md.
//
//	make bench-docs            # or: go run ./bench/docs -n 10
//	go run ./bench/docs -n 5 -kinds health_code,waybill_electronic -out /tmp/part.md
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	sdkcfg "github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	ocr "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/services/ocr/kie/specimen"
)

const (
	ak = "AISDBENCHDOCSAK00001"
	sk = "aisdBenchDocsSecretKey00000000000000001"
)

// call sends one specimen to its API and returns the answer as JSON.
type call func(c *ocr.OcrClient, img string) (any, error)

func s(v string) *string { return &v }

var apis = map[string]call{
	"id_card_front": func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeIdCard(&model.RecognizeIdCardRequest{Body: &model.IdCardRequestBody{Image: &img, Side: s("front")}})
		return res(r, err, func() any { return r.Result })
	},
	"id_card_back": func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeIdCard(&model.RecognizeIdCardRequest{Body: &model.IdCardRequestBody{Image: &img, Side: s("back")}})
		return res(r, err, func() any { return r.Result })
	},
	"bankcard": func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeBankcard(&model.RecognizeBankcardRequest{Body: &model.BankcardRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	},
	"passport": func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizePassport(&model.RecognizePassportRequest{Body: &model.PassportRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	},
	"vin": func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeVin(&model.RecognizeVinRequest{Body: &model.VinRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	},
	"license_plate": func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeLicensePlate(&model.RecognizeLicensePlateRequest{Body: &model.LicensePlateRequestBody{Image: &img}})
		return res(r, err, func() any {
			if r.Result == nil || len(*r.Result) == 0 {
				return nil
			}
			return (*r.Result)[0]
		})
	},
	"business_license": func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeBusinessLicense(&model.RecognizeBusinessLicenseRequest{Body: &model.BusinessLicenseRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	},
	"driver_license": func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeDriverLicense(&model.RecognizeDriverLicenseRequest{Body: &model.DriverLicenseRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	},
	"hk_id_card": func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeHkIdCard(&model.RecognizeHkIdCardRequest{Body: &model.HkIdCardRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	},
	"exit_entry_permit": func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeExitEntryPermit(&model.RecognizeExitEntryPermitRequest{Body: &model.ExitEntryPermitRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	},
	"mainland_travel_permit": func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeMainlandTravelPermit(&model.RecognizeMainlandTravelPermitRequest{Body: &model.MainlandTravelPermitRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	},
	"transportation_license": func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeTransportationLicense(&model.RecognizeTransportationLicenseRequest{Body: &model.TransportationLicenseRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	},
	"business_card": func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeBusinessCard(&model.RecognizeBusinessCardRequest{Body: &model.BusinessCardRequestBody{Image: &img}})
		return res(r, err, func() any {
			// The card's fields are lists; the benchmark compares their first value.
			m := map[string]any{}
			j, _ := json.Marshal(r.Result)
			var raw map[string][]any
			_ = json.Unmarshal(j, &raw)
			for k, v := range raw {
				if len(v) > 0 {
					m[k] = v[0]
				}
			}
			return m
		})
	},
	"chile_id_card": func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeChileIdCard(&model.RecognizeChileIdCardRequest{Body: &model.ChileIdCardRequestBody{Image: &img}})
		return res(r, err, func() any {
			m := map[string]any{}
			j, _ := json.Marshal(r.Result)
			_ = json.Unmarshal(j, &m)
			if l, ok := m["surname"].([]any); ok && len(l) > 0 {
				m["surname"] = l[0]
			}
			return m
		})
	},
	"vehicle_license": func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeVehicleLicense(&model.RecognizeVehicleLicenseRequest{Body: &model.VehicleLicenseRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	},
}

func res[T any](r T, err error, get func() any) (any, error) {
	if err != nil {
		return nil, err
	}
	return get(), nil
}

type cell struct {
	right, total, docs, failed int
	ms, cpu                    []float64
}

// cpuSeconds is the user+system CPU time of a process so far.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.ParseFloat(f[11], 64)
	k, _ := strconv.ParseFloat(f[12], 64)
	return (u + k) / 100 // USER_HZ
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func main() {
	n := flag.Int("n", 10, "specimens per type and variant")
	out := flag.String("out", "docs/benchmarks-docs.md", "report file")
	models := flag.String("models", "", "models directory (default $AISD_MODELS_DIR or ./models)")
	only := flag.String("kinds", "", "comma-separated types to measure (default: all)")
	flag.Parse()
	kinds := specimen.Kinds
	if *only != "" {
		kinds = strings.Split(*only, ",")
	}
	bin := filepath.Join(os.TempDir(), "aisd-bench-docs")
	if o, err := exec.Command("go", "build", "-o", bin, "./cmd/aisd").CombinedOutput(); err != nil {
		fail("build aisd: %v: %s", err, o)
	}
	data, _ := os.MkdirTemp("", "aisd-bench-docs-")
	defer os.RemoveAll(data)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("%v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "AISD_ADDR="+addr, "AISD_DATA_DIR="+data, "AISD_ENGINES=ocr", "AISD_S3_ADDR=",
		"AISD_ROOT_AK="+ak, "AISD_ROOT_SK="+sk, "AISD_RATE_LIMIT=100000", "AISD_LOG_LEVEL=warn")
	if *models != "" {
		cmd.Env = append(cmd.Env, "AISD_MODELS_DIR="+*models)
	}
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		fail("%v", err)
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
	if !<-ready {
		fail("aisd exited before listening")
	}
	endpoint := "http://" + addr
	cred, _ := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithIamEndpointOverride(endpoint).SafeBuild()
	hc, err := ocr.OcrClientBuilder().WithRegion(region.NewRegion("cn-north-4", endpoint)).WithCredential(cred).
		WithHttpConfig(sdkcfg.DefaultHttpConfig().WithTimeout(120 * time.Second)).SafeBuild()
	if err != nil {
		fail("%v", err)
	}
	client := ocr.NewOcrClient(hc)
	load0 := loadAvg()
	cells := map[[2]string]*cell{}
	var misses []string
	for _, kind := range kinds {
		for _, variant := range []string{"clean", "photo"} {
			c := &cell{}
			cells[[2]string{kind, variant}] = c
			for i := 0; i < *n; i++ {
				b, sp, err := specimen.Image(kind, i, variant)
				if err != nil {
					fail("%v", err)
				}
				img := base64.StdEncoding.EncodeToString(b)
				st, cpu0 := time.Now(), cpuSeconds(cmd.Process.Pid)
				got, err := apis[kind](client, img)
				c.ms = append(c.ms, float64(time.Since(st).Microseconds())/1000)
				c.cpu = append(c.cpu, cpuSeconds(cmd.Process.Pid)-cpu0)
				c.docs++
				var m map[string]any
				if err == nil && got != nil {
					j, _ := json.Marshal(got)
					_ = json.Unmarshal(j, &m)
				} else {
					c.failed++
				}
				fl := flatten(m)
				for k, want := range sp.Fields {
					c.total++
					if v, ok := fl[k]; ok && v == want {
						c.right++
					} else if len(misses) < 40 {
						misses = append(misses, fmt.Sprintf("%s %s #%d %s: got %q, want %q", kind, variant, i, k, fl[k], want))
					}
				}
				fmt.Fprintf(os.Stderr, "%s %s %d: %.0f ms\n", kind, variant, i, c.ms[len(c.ms)-1])
			}
		}
	}
	rss := vmHWM(cmd.Process.Pid)
	write(*out, *n, cells, misses, rss, load0+" at the start, "+loadAvg()+" at the end")
}

func vmHWM(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			f := strings.Fields(l)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func pct(a []float64, p float64) float64 {
	if len(a) == 0 {
		return 0
	}
	b := append([]float64(nil), a...)
	sort.Float64s(b)
	return b[min(len(b)-1, int(p*float64(len(b))))]
}

func write(path string, n int, cells map[[2]string]*cell, misses []string, rss float64, load string) {
	var b strings.Builder
	fmt.Fprintf(&b, "# Document OCR: field accuracy and time\n\n")
	fmt.Fprintf(&b, "Produced by `make bench-docs` (bench/docs) on %s, %d CPUs, %s: `aisd serve` with the OCR engine as its own process, called through the official SDK. ",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), runtime.GOOS+"/"+runtime.GOARCH)
	fmt.Fprintf(&b, "%d generated specimens per type and variant (`go run ./tools/specimens`): fictional people and companies; every fifth carries a broken check character (the value must still be returned as printed). "+
		"Clean: the page as a PNG scan. Photo-like: the page on a desk, rotated ±8°, perspective 3–8 %%, blurred, unevenly lit, noisy, JPEG quality 60–80.\n\n", n)
	fmt.Fprintf(&b, "A field counts as right only when the API's value equals the printed truth exactly. Time is the whole SDK call (signing, gateway, decoding, reading); server CPU is the aisd process's user+system time during the call, which other load on the machine does not inflate (load average %s).\n\n", load)
	fmt.Fprintf(&b, "| type | variant | field accuracy | fields | documents failed | median ms | p90 ms | median server CPU s |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, kind := range specimen.Kinds {
		for _, v := range []string{"clean", "photo"} {
			c := cells[[2]string{kind, v}]
			if c == nil || c.total == 0 {
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | %.1f %% | %d/%d | %d/%d | %.0f | %.0f | %.2f |\n", kind, v, 100*float64(c.right)/float64(c.total), c.right, c.total, c.failed, c.docs, pct(c.ms, 0.5), pct(c.ms, 0.9), pct(c.cpu, 0.5))
		}
	}
	fmt.Fprintf(&b, "\nServer peak RSS (VmHWM) over the run: %.0f MB.\n", rss)
	if len(misses) > 0 {
		fmt.Fprintf(&b, "\nFirst misses:\n\n")
		for _, m := range misses {
			fmt.Fprintf(&b, "- %s\n", m)
		}
	}
	// The sections after keepMark come from other commands (go test):
	// a new run keeps them.
	if old, err := os.ReadFile(path); err == nil {
		if i := strings.Index(string(old), keepMark); i >= 0 {
			fmt.Fprintf(&b, "\n%s", old[i:])
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		fail("%v", err)
	}
	fmt.Print(b.String())
}

const keepMark = "<!-- bench-docs keeps what follows -->"

func fail(f string, a ...any) {
	fmt.Fprintf(os.Stderr, "bench-docs: "+f+"\n", a...)
	os.Exit(1)
}
