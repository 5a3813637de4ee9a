package pipeline

import (
	"context"
	"errors"
	"image"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aisd/aisd/internal/engine"
)

func repoImage(t testing.TB, name string) image.Image {
	t.Helper()
	img, _, err := Decode(decodeFile(t, filepath.Join("..", "testdata", name)))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestUnreadableIsImageQuality(t *testing.T) {
	p := testPipeline(t)
	// Raising the pipeline's own quality bar above any achievable score
	// turns a readable image into an unreadable one.
	q := *p
	q.cfg.QualityScore = 1.01
	_, err := q.Run(context.Background(), repoImage(t, "zh_noto_sans.png"), RunOptions{})
	if !errors.Is(err, ErrUnreadable) {
		t.Fatalf("err = %v, want ErrUnreadable", err)
	}
	// A caller's own higher text threshold only filters lines.
	res, err := p.Run(context.Background(), repoImage(t, "zh_noto_sans.png"), RunOptions{TextScore: 1.0})
	if err != nil || len(res.Lines) != 0 || res.Regions == 0 {
		t.Fatalf("TextScore 1.0: %+v, %v; want no lines, no error", res, err)
	}
}

func TestBlankImageIsEmptyNotError(t *testing.T) {
	p := testPipeline(t)
	white := image.NewRGBA(image.Rect(0, 0, 200, 120))
	for i := range white.Pix {
		white.Pix[i] = 255
	}
	for _, c := range []struct {
		name string
		img  image.Image
	}{
		{"white", white},
		{"grey 1x1", image.NewGray(image.Rect(0, 0, 1, 1))},
		{"transparent", image.NewNRGBA(image.Rect(0, 0, 64, 64))},
		{"black wide", image.NewRGBA(image.Rect(0, 0, 900, 20))},
	} {
		res, err := p.Run(context.Background(), c.img, RunOptions{DetectDirection: true})
		if err != nil || len(res.Lines) != 0 || res.Direction != -1 {
			t.Errorf("%s: %+v, %v; want empty result", c.name, res, err)
		}
	}
}

func TestEngineFailureIsRecognitionFailed(t *testing.T) {
	p := testPipeline(t)
	det, cls, _ := p.Models()
	// The classifier's output cannot be decoded as recognition output.
	broken, err := New(DefaultConfig(), det, cls, cls, p.chars[1:len(p.chars)-1])
	if err != nil {
		t.Fatal(err)
	}
	_, err = broken.Run(context.Background(), repoImage(t, "zh_noto_sans.png"), RunOptions{})
	var ee *EngineError
	if !errors.As(err, &ee) {
		t.Fatalf("err = %v, want an EngineError", err)
	}
	// A cancelled request is reported as such, not as an engine failure.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Run(ctx, repoImage(t, "zh_noto_sans.png"), RunOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestCharBoxesAndDirection(t *testing.T) {
	p := testPipeline(t)
	img := repoImage(t, "zh_bold_plain.png")
	res, err := p.Run(context.Background(), img, RunOptions{CharBoxes: true, DetectDirection: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Direction != 0 || len(res.Lines) != 2 {
		t.Fatalf("direction %v, %d lines", res.Direction, len(res.Lines))
	}
	l := res.Lines[0]
	var s []string
	for _, c := range l.Chars {
		s = append(s, c.Char)
	}
	if strings.Join(s, "") != l.Text {
		t.Fatalf("chars %q do not spell %q", s, l.Text)
	}
	checkCharBoxes(t, l)

	// Upside down, the classifier turns each line and the direction says so.
	flipped := rotate180(img)
	fr, err := p.Run(context.Background(), flipped, RunOptions{CharBoxes: true, DetectDirection: true})
	if err != nil {
		t.Fatal(err)
	}
	if fr.Direction != 180 {
		t.Fatalf("flipped direction %v", fr.Direction)
	}
	var got []string
	for _, l := range fr.Lines {
		got = append(got, l.Text)
	}
	if !slices.Contains(got, "欢迎使用文字识别服务") {
		t.Fatalf("flipped image read as %q", got)
	}
	// Characters of a turned line still run in reading order, which on
	// the page is right to left.
	for _, l := range fr.Lines {
		if l.Text == "欢迎使用文字识别服务" && l.Chars[0].Box[0][0] <= l.Chars[len(l.Chars)-1].Box[0][0] {
			t.Errorf("first char at x=%d, last at x=%d; want right to left", l.Chars[0].Box[0][0], l.Chars[len(l.Chars)-1].Box[0][0])
		}
	}
	// Line boxes stay inside the image.
	b := img.Bounds()
	for _, l := range append(res.Lines, fr.Lines...) {
		for _, q := range l.Box {
			if q[0] < 0 || q[1] < 0 || q[0] > b.Dx() || q[1] > b.Dy() {
				t.Errorf("box %v outside %v", l.Box, b)
			}
		}
	}
}

func rotate180(img image.Image) image.Image {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.Set(b.Dx()-1-x, b.Dy()-1-y, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

func TestConcurrentRunsAgree(t *testing.T) {
	p := testPipeline(t)
	names := []string{"zh_noto_sans.png", "en_liberation_serif_rot.png", "mixed_noto_sans.png"}
	want := map[string][]string{}
	for _, n := range names {
		r, err := p.Run(context.Background(), repoImage(t, n), RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want[n] = texts(r)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := names[g%len(names)]
			r, err := p.Run(context.Background(), repoImage(t, n), RunOptions{})
			if err != nil || !slices.Equal(texts(r), want[n]) {
				errs <- n
			}
		}()
	}
	wg.Wait()
	close(errs)
	for n := range errs {
		t.Errorf("%s: concurrent run differs", n)
	}
}

func BenchmarkPipelineRepoFixtures(b *testing.B) {
	p := testPipeline(b)
	var imgs []image.Image
	for _, f := range loadRepoFixtures(b) {
		imgs = append(imgs, repoImage(b, f.File))
	}
	before := engine.TotalUsage()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, img := range imgs {
			if _, err := p.Run(context.Background(), img, RunOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	busy := engine.TotalUsage().Busy - before.Busy
	b.ReportMetric(float64(busy)/float64(b.Elapsed())*100, "%ort")
	b.ReportMetric(float64(b.N*len(imgs))/b.Elapsed().Seconds(), "images/s")
}
