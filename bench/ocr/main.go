// Command bench-ocr measures aisd's OCR pipeline against peers on the same
// images and writes docs/benchmarks.md. Each peer runs in its own child
// process so its peak RSS is its own:
//
//   - aisd: this binary with -child, the pipeline in-process;
//   - tesseract: the Debian CLI, one process per image (chi_sim+eng);
//   - ocr-node: @gutenye/ocr-node driven by gutenye.mjs.
//
// Run it through bench/ocr/run.sh (make bench-ocr), which installs the Node
// peer. Peers that are not installed are reported as skipped.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"

	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
	"github.com/aisd/aisd/internal/services/ocr/pipeline/groundtruth"
)

// image is one benchmark input and the text it should yield.
type benchImage struct {
	Path string   `json:"path"`
	Name string   `json:"name"`
	Want []string `json:"want"`
	Set  string   `json:"set"` // "gt", "repo" or "rapidocr"
}

// peerResult is what every peer reports.
type peerResult struct {
	Peer     string              `json:"peer"`
	Skipped  string              `json:"skipped,omitempty"`
	LoadMS   float64             `json:"load_ms"`
	MedianMS map[string]float64  `json:"median_ms"`
	Texts    map[string][]string `json:"texts"`
	IPS1     float64             `json:"ips1"`
	IPS2     float64             `json:"ips2"`
	PeakRSS  int64               `json:"peak_rss_kb"`
	ORTShare float64             `json:"ort_share,omitempty"`
	// CPUSec is the CPU time (user + system, all threads) the peer's
	// processes used for the whole run: loading, the timed runs and the
	// throughput rounds. Runs per CPU-second compare peers fairly on a
	// machine that other work shares, where wall-clock rates do not.
	CPUSec float64        `json:"cpu_s,omitempty"`
	Extra  map[string]any `json:"extra,omitempty"`
}

type spec struct {
	Images []benchImage `json:"images"`
	Reps   int          `json:"reps"`
	Rounds int          `json:"rounds"`
}

func main() {
	var (
		out      = flag.String("out", "docs/benchmarks.md", "report to write")
		reps     = flag.Int("reps", 5, "timed runs per image for the median latency")
		rounds   = flag.Int("rounds", 2, "passes over the image set for throughput")
		nodeDir  = flag.String("node-dir", "", "directory holding node_modules/@gutenye/ocr-node")
		peers    = flag.String("peers", "aisd,aisd-reference,aisd-exported,aisd-http,tesseract,ocr-node", "peers to run")
		intra    = flag.Int("intra", 2, "ONNX Runtime intra-op threads per session (aisd)")
		pool     = flag.Int("pool", 1, "sessions per model (aisd)")
		arena    = flag.Bool("arena", true, "ONNX Runtime's CPU memory arena (aisd)")
		quick    = flag.Bool("quick", false, "internal: aisd child in quick mode")
		mode     = flag.String("mode", "accurate", "internal: aisd child's ocr_mode (accurate or reference)")
		gt       = flag.Bool("gt", true, "include the generated ground-truth set (package groundtruth)")
		exported = flag.Bool("exported", false, "internal: aisd child on the model graphs as exported")
		pattern  = flag.Bool("pattern", false, "ONNX Runtime's per-shape memory planning (aisd)")
		child    = flag.Bool("child", false, "internal: run the aisd peer and print JSON")
		shared   = flag.String("shared", "", "RapidOCR fixtures directory (default ../shared/fixtures/rapidocr)")
		command  = flag.String("command", "make bench-ocr", "command recorded in the report")
		rapidAll = flag.Bool("rapidocr", true, "include the RapidOCR reference images when present")
		accuracy = flag.String("accuracy", "", "compare the pipeline's settings on ground truth and write this report instead")
		cpuprof  = flag.String("cpuprofile", "", "write the aisd peers' CPU profiles to this file, suffixed with the peer")
	)
	flag.BoolVar(&memoryOnly, "http-memory-only", false, "aisd-http: only the 2-worker pass over the ground-truth sets (peak RSS and CER), then stop")
	flag.Parse()
	if !*child {
		childProfile = *cpuprof
	}
	root := repoRoot()
	if *accuracy != "" {
		runAccuracy(root, *accuracy, *command, *intra)
		return
	}
	if *child {
		var s spec
		if err := json.NewDecoder(os.Stdin).Decode(&s); err != nil {
			log.Fatal(err)
		}
		if *cpuprof != "" {
			f, err := os.Create(*cpuprof)
			if err != nil {
				log.Fatal(err)
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				log.Fatal(err)
			}
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
		r := runAisd(s, pipeline.LoadOptions{Options: engine.Options{IntraOpThreads: *intra, PoolSize: *pool, NoMemArena: !*arena, MemPattern: *pattern}, AsExported: *exported}, *quick, *mode)
		json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	imgs := repoImages(root)
	if *gt {
		dir, err := os.MkdirTemp("", "aisd-groundtruth-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		exp, err := groundtruth.WriteDir(dir)
		if err != nil {
			log.Fatal(err)
		}
		for _, e := range exp {
			imgs = append(imgs, benchImage{Path: filepath.Join(dir, e.File), Name: e.File, Want: e.Lines, Set: "gt"})
		}
	}
	if *rapidAll {
		dir := *shared
		if dir == "" {
			dir = filepath.Join(root, "..", "shared", "fixtures", "rapidocr")
		}
		imgs = append(imgs, rapidImages(dir)...)
	}
	s := spec{Images: imgs, Reps: *reps, Rounds: *rounds}
	var results []peerResult
	for _, p := range strings.Split(*peers, ",") {
		log.Printf("running %s on %d images", p, len(imgs))
		var r peerResult
		switch p {
		case "aisd":
			r = runChild(s, *intra, *pool, *arena, *pattern, false, false, "accurate")
		case "aisd-reference":
			r = runChild(s, *intra, *pool, *arena, *pattern, false, false, "reference")
		case "aisd-exported":
			r = runChild(s, *intra, *pool, *arena, *pattern, false, true, "accurate")
		case "aisd-quick":
			r = runChild(s, *intra, *pool, *arena, *pattern, true, false, "accurate")
		case "tesseract":
			r = runTesseract(s)
		case "ocr-node":
			r = runNode(s, *nodeDir, root)
		case "aisd-http":
			r = runHTTP(s, root)
		default:
			log.Fatalf("unknown peer %q", p)
		}
		r.Peer = p
		results = append(results, r)
	}
	report := render(results, imgs, s, *command, *intra, *pool)
	dst := *out
	if !filepath.IsAbs(dst) {
		dst = filepath.Join(root, dst)
	}
	if err := os.WriteFile(dst, []byte(report), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Print(report)
}

func repoRoot() string {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		p := filepath.Dir(dir)
		if p == dir {
			log.Fatal("run from inside the repository")
		}
		dir = p
	}
}

func repoImages(root string) []benchImage {
	dir := filepath.Join(root, "internal", "services", "ocr", "testdata")
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		log.Fatal(err)
	}
	var e struct {
		Images []struct {
			File  string
			Lines []string
		}
	}
	if err := json.Unmarshal(b, &e); err != nil {
		log.Fatal(err)
	}
	var out []benchImage
	for _, i := range e.Images {
		out = append(out, benchImage{Path: filepath.Join(dir, i.File), Name: i.File, Want: i.Lines, Set: "repo"})
	}
	return out
}

func rapidImages(dir string) []benchImage {
	b, err := os.ReadFile(filepath.Join(dir, "reference_full_pipeline.json"))
	if err != nil {
		log.Printf("RapidOCR fixtures not found in %s: repo fixtures only", dir)
		return nil
	}
	var ref []struct {
		Image string
		Lines [][2]any
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		log.Fatal(err)
	}
	var out []benchImage
	for _, r := range ref {
		var want []string
		for _, l := range r.Lines {
			want = append(want, l[0].(string))
		}
		out = append(out, benchImage{Path: filepath.Join(dir, r.Image), Name: r.Image, Want: want, Set: "rapidocr"})
	}
	return out
}

// childProfile is where an aisd child writes its CPU profile ("": none).
var childProfile string

// runChild runs the aisd peer in a child process to isolate its memory.
func runChild(s spec, intra, pool int, arena, pattern, quick, exported bool, mode string) peerResult {
	self, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	cmd := exec.Command(self, "-child", fmt.Sprintf("-intra=%d", intra), fmt.Sprintf("-pool=%d", pool), fmt.Sprintf("-arena=%t", arena), fmt.Sprintf("-pattern=%t", pattern), fmt.Sprintf("-quick=%t", quick), fmt.Sprintf("-exported=%t", exported), "-mode="+mode)
	if childProfile != "" {
		tag := mode
		if exported {
			tag += "-exported"
		}
		cmd.Args = append(cmd.Args, "-cpuprofile="+childProfile+"."+tag)
	}
	in, _ := json.Marshal(s)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	outb, err := cmd.Output()
	if err != nil {
		return peerResult{Skipped: fmt.Sprintf("aisd child failed: %v", err)}
	}
	var r peerResult
	if err := json.Unmarshal(outb, &r); err != nil {
		log.Fatal(err)
	}
	r.PeakRSS = maxRSS(cmd.ProcessState)
	r.CPUSec = cpuOf(cmd.ProcessState)
	return r
}

// cpuOf is a finished process's CPU time, user and system, in seconds.
func cpuOf(ps *os.ProcessState) float64 { return (ps.UserTime() + ps.SystemTime()).Seconds() }

// runsOf is how many recognitions a peer ran: one untimed read and the
// timed repetitions of each image, then the two throughput passes.
func runsOf(s spec) int { return len(s.Images)*(1+s.Reps) + 2*s.Rounds*len(s.Images) }

func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss // kilobytes on Linux
	}
	return 0
}

// runAisd is the child side: load once, then time.
func runAisd(s spec, opts pipeline.LoadOptions, quick bool, mode string) peerResult {
	root, err := engine.ModelsRoot()
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	cfg, ok := pipeline.Modes[mode]
	if !ok {
		log.Fatalf("unknown mode %q", mode)
	}
	p, err := pipeline.Load(root, cfg(), opts)
	if err != nil {
		log.Fatal(err)
	}
	r := peerResult{LoadMS: ms(time.Since(start)), MedianMS: map[string]float64{}, Texts: map[string][]string{}}
	debug.FreeOSMemory() // as aisd serve does once its engines are loaded
	run := func(img benchImage) []string {
		data, err := os.ReadFile(img.Path)
		if err != nil {
			log.Fatal(err)
		}
		im, _, err := pipeline.Decode(data)
		if err != nil {
			log.Fatal(err)
		}
		res, err := p.Run(context.Background(), im, pipeline.RunOptions{Quick: quick})
		if err != nil {
			log.Printf("%s: %v", img.Name, err)
		}
		var t []string
		for _, l := range res.Lines {
			t = append(t, l.Text)
		}
		return t
	}
	for _, img := range s.Images {
		r.Texts[img.Name] = run(img) // warm-up, also the recorded text
	}
	var wall time.Duration
	before := engine.TotalUsage()
	for _, img := range s.Images {
		var d []float64
		for range s.Reps {
			st := time.Now()
			run(img)
			e := time.Since(st)
			wall += e
			d = append(d, ms(e))
		}
		r.MedianMS[img.Name] = median(d)
	}
	busy := engine.TotalUsage().Busy - before.Busy
	r.ORTShare = float64(busy) / float64(wall)
	r.IPS1 = throughput(s, 1, func(i benchImage) { run(i) })
	r.IPS2 = throughput(s, 2, func(i benchImage) { run(i) })
	r.Extra = map[string]any{"go": runtime.Version(), "ort": engine.Version()}
	return r
}

// throughput runs the set Rounds times with c workers; images per second.
func throughput(s spec, c int, f func(benchImage)) float64 {
	jobs := make(chan benchImage)
	var wg sync.WaitGroup
	st := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				f(j)
			}
		}()
	}
	n := 0
	for range s.Rounds {
		for _, img := range s.Images {
			jobs <- img
			n++
		}
	}
	close(jobs)
	wg.Wait()
	return float64(n) / time.Since(st).Seconds()
}

func runTesseract(s spec) peerResult {
	if _, err := exec.LookPath("tesseract"); err != nil {
		return peerResult{Skipped: "tesseract not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim)"}
	}
	r := peerResult{MedianMS: map[string]float64{}, Texts: map[string][]string{}}
	var mu sync.Mutex
	run := func(img benchImage) []string {
		cmd := exec.Command("tesseract", img.Path, "-", "-l", "chi_sim+eng")
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Run(); err != nil {
			log.Printf("tesseract %s: %v", img.Name, err)
			return nil
		}
		mu.Lock()
		r.PeakRSS = max(r.PeakRSS, maxRSS(cmd.ProcessState))
		r.CPUSec += cpuOf(cmd.ProcessState)
		mu.Unlock()
		var t []string
		for _, l := range strings.Split(out.String(), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				t = append(t, l)
			}
		}
		return t
	}
	for _, img := range s.Images {
		r.Texts[img.Name] = run(img)
		var d []float64
		for range s.Reps {
			st := time.Now()
			run(img)
			d = append(d, ms(time.Since(st)))
		}
		r.MedianMS[img.Name] = median(d)
	}
	r.IPS1 = throughput(s, 1, func(i benchImage) { run(i) })
	r.IPS2 = throughput(s, 2, func(i benchImage) { run(i) })
	return r
}

func runNode(s spec, nodeDir, root string) peerResult {
	if nodeDir == "" {
		return peerResult{Skipped: "no -node-dir given (run through bench/ocr/run.sh)"}
	}
	if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", "@gutenye", "ocr-node")); err != nil {
		return peerResult{Skipped: "@gutenye/ocr-node not installed in " + nodeDir}
	}
	script := filepath.Join(root, "bench", "ocr", "gutenye.mjs")
	cmd := exec.Command("node", script)
	cmd.Dir = nodeDir
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(nodeDir, "node_modules"))
	in, _ := json.Marshal(s)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	outb, err := cmd.Output()
	if err != nil {
		return peerResult{Skipped: fmt.Sprintf("ocr-node failed: %v", err)}
	}
	var r peerResult
	if err := json.Unmarshal(outb, &r); err != nil {
		log.Fatalf("ocr-node output: %v", err)
	}
	r.PeakRSS = maxRSS(cmd.ProcessState)
	r.CPUSec = cpuOf(cmd.ProcessState)
	return r
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// agreement is 1 - CER of the whitespace-free concatenated text, floored
// at 0: how much of the expected text a peer reproduces.
func agreement(got, want []string) float64 {
	return max(0, 1-pipeline.CER(squash(strings.Join(got, "")), squash(strings.Join(want, ""))))
}

func squash(s string) []rune {
	var out []rune
	for _, r := range s {
		if !unicode.IsSpace(r) {
			out = append(out, r)
		}
	}
	return out
}

func render(rs []peerResult, imgs []benchImage, s spec, command string, intra, pool int) string {
	var b strings.Builder
	host, _ := os.Hostname()
	_ = host
	fmt.Fprintf(&b, "# OCR benchmarks\n\n%s\n\n", otherBenchmarks("docs"))
	fmt.Fprintf(&b, "Produced by `%s` (bench/ocr/run.sh) on %s, %d CPUs, %s.\n", command, time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), runtime.GOOS+"/"+runtime.GOARCH)
	fmt.Fprintf(&b, "aisd: PP-OCRv4 pipeline in-process, ONNX Runtime intra-op threads %d, sessions per model: %d.\n", intra, pool)
	fmt.Fprintf(&b, "Images: %d (%d generated ground-truth images, %d repository fixtures", len(imgs), countSet(imgs, "gt"), countSet(imgs, "repo"))
	if n := countSet(imgs, "rapidocr"); n > 0 {
		fmt.Fprintf(&b, ", %d RapidOCR reference images", n)
	}
	fmt.Fprintf(&b, "). Latency includes reading and decoding the file; tesseract's includes its process start, as that is how its CLI is used.\n\n")
	fmt.Fprintf(&b, "| peer | CER (ground truth) | CER (repo) | total of per-image medians (ms) | images/s, 1 worker | images/s, 2 workers | images per CPU-second | peak RSS (MB) | time in ONNX Runtime | agreement (repo) | agreement (RapidOCR ref.) |\n")
	fmt.Fprintf(&b, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range rs {
		if r.Skipped != "" {
			fmt.Fprintf(&b, "| %s | skipped: %s | | | | | | | | | |\n", r.Peer, r.Skipped)
			continue
		}
		var total float64
		for _, v := range r.MedianMS {
			total += v
		}
		share := "n/a"
		if r.ORTShare > 0 {
			share = fmt.Sprintf("%.1f %%", 100*r.ORTShare)
		}
		perCPU := "n/a"
		if r.CPUSec > 0 {
			perCPU = fmt.Sprintf("%.2f", float64(runsOf(s)+extraInt(r, "extra_runs"))/r.CPUSec)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %.0f | %.2f | %.2f | %s | %.0f | %s | %s | %s |\n", r.Peer, pooledCER(r, imgs, "gt"), pooledCER(r, imgs, "repo"), total, r.IPS1, r.IPS2,
			perCPU, float64(r.PeakRSS)/1024, share, agree(r, imgs, "repo"), agree(r, imgs, "rapidocr"))
	}
	for _, r := range rs {
		if r.Peer != "aisd-http" || r.Skipped != "" || r.Extra["rss_gt2_kb"] == nil {
			continue
		}
		fmt.Fprintf(&b, "\n**Memory of `aisd serve`** (OCR engine alone, `AISD_ENGINES=ocr`): peak RSS %.0f MB under 2 concurrent general-text calls over the ground-truth sets (the %d generated images and repository fixtures, one pass, %.2f images/s), measured as the server's VmHWM before it had seen any other image; %.0f MB once the models were loaded; %.0f MB at the end of the whole run above (every image, 1 and 2 workers).\n",
			float64(extraInt(r, "rss_gt2_kb"))/1024, extraInt(r, "extra_runs"), extraFloat(r, "gt2_ips"), float64(extraInt(r, "rss_load_kb"))/1024, float64(r.PeakRSS)/1024)
	}
	fmt.Fprintf(&b, "\nCER is the edit distance of the text (lines joined by newlines in the order returned, spaces included) over the known text's length, pooled over the set; the ground-truth set is rendered by package internal/services/ocr/pipeline/groundtruth (clean, small, long lines, skew, noise, low contrast, inverted, blur, heavy JPEG, photo of a screen, pages turned 90/180/270, single lines), and the settings behind aisd's default are compared on it in [benchmarks-ocr-accuracy.md](benchmarks-ocr-accuracy.md). aisd is the default (`ocr_mode: accurate`), aisd-reference `ocr_mode: reference` (RapidOCR v3.5.0's settings exactly).\n")
	fmt.Fprintf(&b, "\nAgreement is 1 − character error rate of the whitespace-free text against the known text (repository fixtures) or RapidOCR v3.5.0's output (reference images), averaged per image.\n\n")
	fmt.Fprintf(&b, "aisd-reference reproduces RapidOCR v3.5.0, whose detector input scales the short side up to 736 px: a small or wide image is enlarged several times before detection (column \"det input\"), and detection cost grows with that area. aisd's default enlarges towards a 736-px short side by at most 1.5× (\"default\" in that column; chosen by CER on ground truth, see benchmarks-ocr-accuracy.md); @gutenye/ocr-node detects at the image's own size (rounded up to 32).\n\nImages per CPU-second divide the recognitions a peer ran (one untimed read and the timed repetitions per image, and the two throughput passes) by the CPU time, user and system, of all its processes: on a machine other work shares, wall-clock rates measure the load as much as the peer, CPU time much less.\n\n")
	fmt.Fprintf(&b, "Agreement with RapidOCR measures fidelity to the reference, not accuracy: on text_rec.jpg and text_cls.jpg the reference's enlarged detection splits the words, and aisd's default, which reads the images' actual text (\"韩国小馆\", \"怪我咯\"), scores 0 there.\n\n")
	fmt.Fprintf(&b, "aisd loads the models through internal/models/graphopt, which folds the exporter's scalar affines, batch norms and biases into the neighbouring Conv/ConvTranspose weights, writes hard-swish as HardSigmoid+Mul and the neck's residual gate as x·(gate+1), and ends the recogniser in per-step arg-max and maximum; aisd-exported runs the same pipeline on the graphs exactly as exported, for comparison. All sessions share one ONNX Runtime arena, and at most as many intra-op threads run as there are CPUs. Peak RSS follows the detector's largest input: about 160 MB a megapixel inside ONNX Runtime over a 170 MB base with the models loaded (RapidOCR's text_vertical_words.png, 832×1984 at its own size, alone reaches 364 MB).\n\n")
	fmt.Fprintf(&b, "## Per-image median latency (ms)\n\n| image | det input |")
	for _, r := range rs {
		if r.Skipped == "" {
			fmt.Fprintf(&b, " %s |", r.Peer)
		}
	}
	fmt.Fprintf(&b, "\n| --- | --- |")
	for _, r := range rs {
		if r.Skipped == "" {
			fmt.Fprintf(&b, " --- |")
		}
	}
	fmt.Fprintln(&b)
	cfg := pipeline.ReferenceConfig()
	for _, img := range imgs {
		if img.Set == "gt" {
			continue // summarised by the CER column
		}
		size := "?"
		if data, err := os.ReadFile(img.Path); err == nil {
			if im, _, err := pipeline.Decode(data); err == nil {
				w, h := cfg.DetInput(im.Bounds().Dx(), im.Bounds().Dy(), false)
				qw, qh := pipeline.DefaultConfig().DetInput(im.Bounds().Dx(), im.Bounds().Dy(), false)
				size = fmt.Sprintf("%d×%d (default %d×%d)", w, h, qw, qh)
			}
		}
		fmt.Fprintf(&b, "| %s | %s |", img.Name, size)
		for _, r := range rs {
			if r.Skipped == "" {
				fmt.Fprintf(&b, " %.0f |", r.MedianMS[img.Name])
			}
		}
		fmt.Fprintln(&b)
	}
	return b.String()
}

// extraInt and extraFloat read a figure a peer reported in Extra (JSON
// numbers decode as float64).
func extraInt(r peerResult, k string) int {
	v, _ := r.Extra[k].(float64)
	if i, ok := r.Extra[k].(int); ok {
		return i
	}
	if i, ok := r.Extra[k].(int64); ok {
		return int(i)
	}
	return int(v)
}

func extraFloat(r peerResult, k string) float64 {
	v, _ := r.Extra[k].(float64)
	return v
}

func countSet(imgs []benchImage, set string) int {
	n := 0
	for _, i := range imgs {
		if i.Set == set {
			n++
		}
	}
	return n
}

func agree(r peerResult, imgs []benchImage, set string) string {
	var sum float64
	n := 0
	for _, i := range imgs {
		if i.Set != set {
			continue
		}
		sum += agreement(r.Texts[i.Name], i.Want)
		n++
	}
	if n == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.3f", sum/float64(n))
}

// otherBenchmarks links the reports the other benchmark scripts write
// (docs/benchmarks-*.md), each by its title, so a new report is listed
// without editing this program.
func otherBenchmarks(dir string) string {
	paths, _ := filepath.Glob(filepath.Join(dir, "benchmarks-*.md"))
	var links []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		title, _, _ := strings.Cut(string(b), "\n")
		// A page without a title of its own is a fragment another
		// script appends to its report (benchmarks-gateway-notes.md).
		if !strings.HasPrefix(title, "# ") {
			continue
		}
		title = strings.TrimSpace(strings.TrimPrefix(title, "# "))
		links = append(links, fmt.Sprintf("[%s](%s)", title, filepath.Base(p)))
	}
	if len(links) == 0 {
		return ""
	}
	return "Other benchmarks: " + strings.Join(links, ", ") + "."
}

// pooledCER is the peer's CER over one set: edits over known characters.
func pooledCER(r peerResult, imgs []benchImage, set string) string {
	var edits, chars float64
	for _, i := range imgs {
		if i.Set != set {
			continue
		}
		want := []rune(strings.Join(i.Want, "\n"))
		edits += pipeline.CER([]rune(strings.Join(r.Texts[i.Name], "\n")), want) * float64(len(want))
		chars += float64(len(want))
	}
	if chars == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.4f", edits/chars)
}
