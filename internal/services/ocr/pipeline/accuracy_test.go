package pipeline

import (
	"context"
	"strings"
	"testing"

	"github.com/aisd/aisd/internal/services/ocr/pipeline/groundtruth"
)

func groundTruth(t testing.TB) []groundtruth.Sample {
	t.Helper()
	set, err := groundtruth.Set()
	if err != nil {
		t.Skip(err) // the fonts are installed by make deps
	}
	return set
}

func joined(res Result) string {
	var t []string
	for _, l := range res.Lines {
		t = append(t, l.Text)
	}
	return strings.Join(t, "\n")
}

// TestDefaultBeatsReference: on the first image of every ground-truth
// variant (clean and hard, turned pages included), the default settings
// make fewer character errors than the reference settings, and stay under
// a bound. The full comparison is bench/ocr -accuracy.
func TestDefaultBeatsReference(t *testing.T) {
	ref := testPipeline(t)
	def := accurate(t)
	seen := map[string]bool{}
	var editsRef, editsDef, chars float64
	for _, s := range groundTruth(t) {
		if seen[s.Variant] {
			continue
		}
		seen[s.Variant] = true
		want := []rune(strings.Join(s.Lines, "\n"))
		a, _ := ref.Run(context.Background(), s.Image, RunOptions{})
		b, err := def.Run(context.Background(), s.Image, RunOptions{})
		if err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
		er, ed := CER([]rune(joined(a)), want), CER([]rune(joined(b)), want)
		t.Logf("%s: reference %.3f, default %.3f %q", s.Name, er, ed, joined(b))
		editsRef += er * float64(len(want))
		editsDef += ed * float64(len(want))
		chars += float64(len(want))
	}
	cr, cd := editsRef/chars, editsDef/chars
	t.Logf("CER reference %.4f, default %.4f", cr, cd)
	if cd >= cr || cd > 0.06 {
		t.Errorf("default CER %.4f, reference %.4f: want the default lower and under 0.06", cd, cr)
	}
}

// TestLineBand: the single-line test of quick_mode accepts one line (with
// a rule under it) and refuses two lines, a square block and a column.
func TestLineBand(t *testing.T) {
	page := func(lines ...string) *bgr {
		img, err := groundtruth.Page("noto-sans-sc", 30, lines...)
		if err != nil {
			t.Skip(err)
		}
		return fromImage(img)
	}
	if _, _, _, _, ok := lineBand(page("北京市海淀区中关村大街27号")); !ok {
		t.Error("one line not seen as one")
	}
	if _, _, _, _, ok := lineBand(page("Meeting moved to Room 4B")); !ok {
		t.Error("one English line (ascenders, descenders) not seen as one")
	}
	if _, _, _, _, ok := lineBand(page("欢迎使用文字识别服务", "人工智能让生活更美好")); ok {
		t.Error("two lines seen as one")
	}
	if _, _, _, _, ok := lineBand(page("好")); ok {
		t.Error("a single square character is not a line")
	}
	ruled := page("订单已发货，预计明天送达")
	y := ruled.h - ruled.h/4
	for x := 10; x < ruled.w-10; x++ {
		copy(ruled.pix[(y*ruled.w+x)*3:], []uint8{0, 0, 0})
	}
	if _, _, _, _, ok := lineBand(ruled); !ok {
		t.Error("an underline made one line two")
	}
	if _, _, _, _, ok := lineBand(turnBGR(page("北京市海淀区中关村大街27号"), 90)); ok {
		t.Error("a vertical column seen as a horizontal line")
	}
}

// TestSingleLineSameText: quick_mode reads each single-line ground-truth
// image with at most the default's errors, and falls back to the full
// pipeline on pages of several lines.
func TestSingleLineSameText(t *testing.T) {
	p := accurate(t)
	for _, s := range groundTruth(t) {
		if s.Variant != "single" && s.Variant != "clean" {
			continue
		}
		full, err := p.Run(context.Background(), s.Image, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		quick, err := p.Run(context.Background(), s.Image, RunOptions{SingleLine: true})
		if err != nil {
			t.Fatal(err)
		}
		want := []rune(strings.Join(s.Lines, "\n"))
		ef, eq := CER([]rune(joined(full)), want), CER([]rune(joined(quick)), want)
		if s.Variant == "clean" {
			if joined(quick) != joined(full) {
				t.Errorf("%s (%d lines): quick %q, full %q", s.Name, len(s.Lines), joined(quick), joined(full))
			}
			continue
		}
		if len(quick.Lines) != 1 || eq > ef+1e-9 && eq > 0.05 {
			t.Errorf("%s: quick %q (CER %.3f), full %q (CER %.3f)", s.Name, joined(quick), eq, joined(full), ef)
		}
	}
}

// BenchmarkQuickMode compares the default pipeline with quick_mode on a
// single-line image (the documented use of quick_mode).
func BenchmarkQuickMode(b *testing.B) {
	p := accurate(b)
	img, err := groundtruth.Page("noto-sans-sc", 32, "北京市海淀区中关村大街27号")
	if err != nil {
		b.Skip(err)
	}
	for _, c := range []struct {
		name string
		opts RunOptions
	}{{"default", RunOptions{}}, {"quick_mode", RunOptions{SingleLine: true}}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				res, err := p.Run(context.Background(), img, c.opts)
				if err != nil || joined(res) != "北京市海淀区中关村大街27号" {
					b.Fatalf("%q %v", joined(res), err)
				}
			}
		})
	}
}

// BenchmarkQuickModeSet: the default pipeline and quick_mode over the
// single-line images of the ground-truth set, all of them per op; the
// CER of each mode over the set is reported next to its time, so a faster
// quick_mode that reads worse shows.
func BenchmarkQuickModeSet(b *testing.B) {
	p := accurate(b)
	var set []groundtruth.Sample
	for _, s := range groundTruth(b) {
		if s.Variant == "single" {
			set = append(set, s)
		}
	}
	if len(set) == 0 {
		b.Skip("no single-line images in the ground-truth set")
	}
	for _, c := range []struct {
		name string
		opts RunOptions
	}{{"default", RunOptions{}}, {"quick_mode", RunOptions{SingleLine: true}}} {
		b.Run(c.name, func(b *testing.B) {
			var got, want []rune
			for i := 0; i < b.N; i++ {
				got, want = got[:0], want[:0]
				for _, s := range set {
					res, err := p.Run(context.Background(), s.Image, c.opts)
					if err != nil {
						b.Fatal(err)
					}
					got = append(append(got, []rune(joined(res))...), '\n')
					want = append(append(want, []rune(strings.Join(s.Lines, "\n"))...), '\n')
				}
			}
			b.ReportMetric(CER(got, want), "CER")
			b.ReportMetric(float64(len(set)), "images/op")
		})
	}
}
