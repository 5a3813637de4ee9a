package moderation

import (
	"context"
	"errors"
	"image"
	"image/color"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/models"
)

var (
	clsOnce sync.Once
	clsVal  *Classifier
	clsErr  error
)

// testClassifier opens the installed NSFW model once per test binary; it
// skips when the model is not installed unless AISD_REQUIRE_MODELS=1.
func testClassifier(t testing.TB) *Classifier {
	t.Helper()
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	mgr := models.Open(root)
	for _, f := range [][2]string{{"onnxruntime", "libonnxruntime.so.1"}, {NSFWModel, NSFWFile}} {
		if _, err := mgr.Path(f[0], f[1]); err != nil {
			if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
				t.Fatalf("model missing: %v", err)
			}
			t.Skipf("NSFW model not installed (aisd models install onnxruntime %s): %v", NSFWModel, errors.Unwrap(err))
		}
	}
	clsOnce.Do(func() {
		if clsErr = engine.Init(engine.LibPath(root)); clsErr != nil {
			return
		}
		p, _ := mgr.Path(NSFWModel, NSFWFile)
		labels, err := mgr.Labels(NSFWModel)
		if err != nil {
			clsErr = err
			return
		}
		m, err := engine.Open(p, engine.Options{IntraOpThreads: 2})
		if err != nil {
			clsErr = err
			return
		}
		clsVal, clsErr = NewClassifier(m, labels)
	})
	if clsErr != nil {
		t.Fatal(clsErr)
	}
	return clsVal
}

// landscape draws a plain outdoor-like scene: sky gradient over grass.
func landscape(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if y < h*3/5 {
				img.Set(x, y, color.RGBA{uint8(90 + 60*y/h), uint8(150 + 60*y/h), 235, 255})
			} else {
				img.Set(x, y, color.RGBA{40, uint8(120 + 40*x/w), 50, 255})
			}
		}
	}
	return img
}

func TestClassifierScoresAreADistribution(t *testing.T) {
	c := testClassifier(t)
	sc, err := c.ClassifyImage(context.Background(), landscape(300, 200))
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, l := range []string{"drawing", "hentai", "neutral", "porn", "sexy"} {
		p, ok := sc[l]
		if !ok || p < 0 || p > 1 {
			t.Fatalf("class %s: %v (scores %v)", l, p, sc)
		}
		sum += p
	}
	if math.Abs(sum-1) > 1e-3 {
		t.Fatalf("scores sum to %v: %v", sum, sc)
	}
	t.Logf("landscape scores %v", sc)
	if v := DefaultThresholds().Judge(sc); len(v) != 0 {
		t.Fatalf("a landscape is flagged: %+v (scores %v)", v, sc)
	}
}

func TestClassifyRGBMatchesImagePath(t *testing.T) {
	c := testClassifier(t)
	img := landscape(nsfwSide, nsfwSide).(*image.RGBA)
	rgb := make([]byte, 0, nsfwSide*nsfwSide*3)
	for i := 0; i < len(img.Pix); i += 4 {
		rgb = append(rgb, img.Pix[i], img.Pix[i+1], img.Pix[i+2])
	}
	a, err := c.ClassifyImage(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.ClassifyRGB(context.Background(), rgb)
	if err != nil {
		t.Fatal(err)
	}
	for k := range a {
		if math.Abs(a[k]-b[k]) > 1e-4 {
			t.Fatalf("%s: image %v, rgb %v", k, a[k], b[k])
		}
	}
	if _, err := c.ClassifyRGB(context.Background(), rgb[:10]); err == nil {
		t.Fatal("short frame accepted")
	}
}

func TestThresholdsJudge(t *testing.T) {
	th := DefaultThresholds()
	cases := []struct {
		name   string
		scores Scores
		want   []Verdict
	}{
		{"neutral", Scores{"neutral": 0.97, "drawing": 0.02, "porn": 0.01}, nil},
		{"drawing", Scores{"drawing": 0.9, "hentai": 0.1}, nil},
		{"porn blocks", Scores{"porn": 0.9, "sexy": 0.1}, []Verdict{{"porn", sugBlock, 0.9}}},
		{"porn at block threshold", Scores{"porn": 0.75}, []Verdict{{"porn", sugBlock, 0.75}}},
		{"porn reviewed", Scores{"porn": 0.5, "neutral": 0.5}, []Verdict{{"porn", sugReview, 0.5}}},
		{"hentai blocks", Scores{"hentai": 0.85}, []Verdict{{"hentai", sugBlock, 0.85}}},
		{"sexy only reviews", Scores{"sexy": 0.99}, []Verdict{{"sexy", sugReview, 0.99}}},
		{"block first", Scores{"sexy": 0.72, "porn": 0.0, "hentai": 0.81}, []Verdict{{"hentai", sugBlock, 0.81}, {"sexy", sugReview, 0.72}}},
		{"review by confidence", Scores{"porn": 0.45, "hentai": 0.5}, []Verdict{{"hentai", sugReview, 0.5}, {"porn", sugReview, 0.45}}},
	}
	for _, c := range cases {
		got := th.Judge(c.scores)
		if len(got) != len(c.want) {
			t.Fatalf("%s: %+v, want %+v", c.name, got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Fatalf("%s: %+v, want %+v", c.name, got, c.want)
			}
		}
	}
}
