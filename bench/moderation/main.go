// Command bench-moderation scores text moderation on the repository's
// labelled sets and measures its throughput, and writes
// docs/benchmarks-moderation.md (make bench-moderation).
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/aisd/aisd/internal/services/moderation"
)

const command = "make bench-moderation"

// targetMBps is the throughput the issue asks for, per core.
const targetMBps = 50

func readSet(path string) []moderation.EvalCase {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	cs, err := moderation.ReadEvalSet(f)
	if err != nil {
		log.Fatalf("%s: %v", path, err)
	}
	return cs
}

// text10k joins the set's texts of the given kind into one text of
// exactly moderation.MaxTextRunes runes.
func text10k(cases []moderation.EvalCase, normal bool) string {
	var b []rune
	for len(b) < moderation.MaxTextRunes {
		for _, c := range cases {
			if (c.Want == "normal") == normal {
				b = append(b, []rune(c.Text)...)
				b = append(b, '\n')
			}
		}
	}
	return string(b[:moderation.MaxTextRunes])
}

// throughput runs Detect on text on one locked OS thread for at least d
// of that thread's CPU time, and divides by CPU time: on a machine shared
// with other work, wall time measures the queue for the CPU, not the
// detector.
func throughput(d *moderation.TextDetector, text string, dur time.Duration) (mbps float64, perCall time.Duration) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cats := []string{"politics", "terrorism", "porn", "ban", "abuse", "ad"}
	d.Detect(text, cats) // warm the caches
	n := 0
	start := threadCPU()
	for threadCPU()-start < dur {
		for k := 0; k < 10; k++ {
			d.Detect(text, cats)
		}
		n += 10
	}
	el := threadCPU() - start
	return float64(len(text)*n) / el.Seconds() / 1e6, el / time.Duration(n)
}

// calibrate is SHA-256's throughput on this thread, in MB per CPU second.
func calibrate(dur time.Duration) float64 {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	buf := make([]byte, 1<<20)
	n := 0
	start := threadCPU()
	for threadCPU()-start < dur {
		sha256.Sum256(buf)
		n++
	}
	return float64(n*len(buf)) / (threadCPU() - start).Seconds() / 1e6
}

// threadCPU is the calling thread's CPU time (user and system).
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		log.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heldOutFirstRun records heldout.tsv's first score (2026-12-02), before
// anything was changed because of it.
const heldOutFirstRun = `First run of heldout.tsv (2026-12-02, before anything was changed because of it): abuse, ad, politics, terrorism 100%; ban 80.0% (16/20); porn 90.0% (18/20); false positives 0.0% (0/60). Its misses (出售各类枪支, 代开各种发票, 收购闲置银行卡, 出售公民信息, 黄网入口, 莞式全套) led to the trade-verb/contraband-noun combos and three porn terms; the rows above are after that, so heldout.tsv is no longer unseen.`

func main() {
	dir := flag.String("dir", "internal/services/moderation/testdata/eval", "evaluation sets")
	out := flag.String("out", "docs/benchmarks-moderation.md", "report")
	dur := flag.Duration("time", 3*time.Second, "time per throughput run")
	flag.Parse()
	runtime.GOMAXPROCS(1) // per core
	t0 := time.Now()
	d, err := moderation.NewTextDetector()
	if err != nil {
		log.Fatal(err)
	}
	load := time.Since(t0)
	dev := readSet(*dir + "/text.tsv")
	held := readSet(*dir + "/heldout.tsv")

	var b strings.Builder
	fmt.Fprintf(&b, "# Text moderation benchmarks\n\nProduced by `%s` (bench/moderation/main.go) on %s, %s, Go %s, one core (GOMAXPROCS=1).\n",
		command, time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.GOOS+"/"+runtime.GOARCH, runtime.Version())
	fmt.Fprintf(&b, "Detector: compiled lexicon (`make lexicon`) with pinyin forms, contact scanners, context rules; built in %s.\n\n", load.Round(time.Millisecond))
	fmt.Fprintf(&b, "Sets (internal/services/moderation/testdata/eval): `text.tsv` (%d texts) was used to review the lexicon and tune the context rules; `heldout.tsv` (%d texts) was written afterwards. A positive counts as found when a detail of its category is not `pass`; a normal text is a false positive when the answer is not `pass`. Every request checks all six categories.\n\n", len(dev), len(held))
	type row struct {
		name string
		r    moderation.EvalResult
	}
	rows := []row{
		{"text.tsv, lexicon only (no context rules)", moderation.Evaluate(d.WithoutContext(), dev)},
		{"text.tsv", moderation.Evaluate(d, dev)},
		{"heldout.tsv", moderation.Evaluate(d, held)},
	}
	cats := rows[1].r.Categories()
	fmt.Fprintf(&b, "| set |")
	for _, c := range cats {
		fmt.Fprintf(&b, " %s recall |", c)
	}
	fmt.Fprintf(&b, " false positives |\n|---|")
	for range cats {
		fmt.Fprintf(&b, "---|")
	}
	fmt.Fprintf(&b, "---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s |", r.name)
		for _, c := range cats {
			fmt.Fprintf(&b, " %.1f%% (%d/%d) |", 100*r.r.Recall(c), r.r.Found[c], r.r.Positives[c])
		}
		fmt.Fprintf(&b, " %.1f%% (%d/%d) |\n", 100*r.r.FPRate(), r.r.FalsePositives, r.r.Negatives)
	}
	// The held-out set's first run is history, not a figure this run can
	// compute: it is what the detector did before its misses were seen.
	fmt.Fprintf(&b, "\n%s\n", heldOutFirstRun)
	for _, r := range rows[1:] {
		if len(r.r.Missed)+len(r.r.FalseAlarms) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\nMisses and false alarms on %s:\n\n", r.name)
		for _, m := range r.r.Missed {
			fmt.Fprintf(&b, "- missed: %s\n", m)
		}
		for _, m := range r.r.FalseAlarms {
			fmt.Fprintf(&b, "- false alarm: %s\n", m)
		}
	}
	fmt.Fprintf(&b, "\n## Throughput\n\nOne `Detect` call per text of %d runes (the API's limit), all categories, one goroutine on a locked thread; MB/s is bytes of UTF-8 per second of that thread's CPU time (getrusage), so other work on the machine does not count against it.\n\n| text | bytes (UTF-8) | per call | MB/s per core |\n|---|---|---|---|\n", moderation.MaxTextRunes)
	for _, t := range []struct {
		name   string
		normal bool
	}{{"normal texts of the sets, joined", true}, {"violating texts of the sets, joined (every sentence hits)", false}} {
		text := text10k(append(dev, held...), t.normal)
		mbps, per := throughput(d, text, *dur)
		verdict := "meets"
		if mbps < targetMBps {
			verdict = "below"
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %.1f (%s the %d MB/s target) |\n", t.name, len(text), per.Round(time.Microsecond), mbps, verdict, targetMBps)
		log.Printf("%s: %.1f MB/s", t.name, mbps)
	}
	cal := calibrate(*dur)
	fmt.Fprintf(&b, "\nCalibration on the same thread during the same run: SHA-256 at %.0f MB/s of CPU time (a figure to compare runs and machines by).\n", cal)
	fmt.Fprintf(&b, "\n`go test -bench DetectEvalText ./internal/services/moderation` is the same measurement in wall time (lower when the machine is busy). Garbage collection on other threads is not in the thread's CPU time; the Go benchmark's figure includes it.\n")
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Print(b.String())
}
