package pipeline

import (
	"context"
	"encoding/json"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The reference rounds scores to 3 places; ONNX Runtime's kernels may
// differ in the last float bits between builds.
const scoreTolerance = 0.002

func loadFixture(t *testing.T, name string) image.Image {
	t.Helper()
	img, _, err := Decode(decodeFile(t, filepath.Join(sharedFixtures(t), name)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return img
}

func texts(r Result) []string {
	var s []string
	for _, l := range r.Lines {
		s = append(s, l.Text)
	}
	return s
}

// TestReferenceFullPipeline replays what RapidOCR v3.5.0 returned for each
// image with default parameters.
func TestReferenceFullPipeline(t *testing.T) {
	dir := sharedFixtures(t)
	p := testPipeline(t)
	var ref []struct {
		Image string
		Lines [][2]any
	}
	if err := json.Unmarshal(decodeFile(t, filepath.Join(dir, "reference_full_pipeline.json")), &ref); err != nil {
		t.Fatal(err)
	}
	for _, r := range ref {
		t.Run(r.Image, func(t *testing.T) {
			res, err := p.Run(context.Background(), loadFixture(t, r.Image), RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got := texts(res)
			var want []string
			scores := map[string][]float64{}
			for _, l := range r.Lines {
				txt := l[0].(string)
				if fix, ok := jpegDeviations[r.Image][txt]; ok {
					txt = fix
				}
				want = append(want, txt)
				scores[txt] = append(scores[txt], l[1].(float64))
			}
			if len(got) != len(want) {
				t.Fatalf("%d lines, want %d\n got %q\nwant %q", len(got), len(want), got, want)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("lines differ\n got %q\nwant %q", got, want)
			}
			for i, l := range res.Lines {
				if ws := r.Lines[i][1].(float64); math.Abs(l.Score-ws) > scoreTolerance {
					t.Errorf("%q score %.4f, reference %.3f", l.Text, l.Score, ws)
				}
			}
		})
	}
}

// jpegDeviations lists reference lines this pipeline is known to read
// differently. Empty since JPEGs are decoded with libjpeg's IDCT; kept so
// a future, explained difference has one place to go.
var jpegDeviations = map[string]map[string]string{}

func toGrey(img image.Image) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g.Set(x, y, color.GrayModel.Convert(img.At(x, y)))
		}
	}
	return g
}

// TestReferenceExpectations are the assertions of RapidOCR's own tests.
func TestReferenceExpectations(t *testing.T) {
	sharedFixtures(t)
	p := testPipeline(t)
	ctx := context.Background()
	run := func(t *testing.T, img image.Image, o RunOptions) Result {
		t.Helper()
		res, err := p.Run(ctx, img, o)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	first := func(t *testing.T, r Result) string {
		t.Helper()
		if len(r.Lines) == 0 {
			t.Fatal("no lines")
		}
		return r.Lines[0].Text
	}

	t.Run("ch_en_num", func(t *testing.T) {
		r := run(t, loadFixture(t, "ch_en_num.jpg"), RunOptions{})
		if len(r.Lines) != 18 || r.Lines[0].Text != "正品促销" {
			t.Fatalf("got %d lines %q", len(r.Lines), texts(r))
		}
		if g := run(t, toGrey(loadFixture(t, "ch_en_num.jpg")), RunOptions{}); len(g.Lines) < 17 {
			t.Errorf("grey: %d lines, want >= 17", len(g.Lines))
		}
		if s := run(t, loadFixture(t, "ch_en_num.jpg"), RunOptions{TextScore: 1.0}); len(s.Lines) != 0 {
			t.Errorf("text score 1.0: %q, want no lines", texts(s))
		}
	})
	t.Run("text_cls", func(t *testing.T) {
		r := run(t, loadFixture(t, "text_cls.jpg"), RunOptions{NoDet: true})
		if len(r.Lines) != 1 || r.Lines[0].Angle != 180 || r.Lines[0].Text != "怪我咯" {
			t.Fatalf("got %+v, want 180° and 怪我咯", r.Lines)
		}
	})
	t.Run("text_rec", func(t *testing.T) {
		r := run(t, loadFixture(t, "text_rec.jpg"), RunOptions{NoDet: true, NoCls: true})
		if got := first(t, r); got != "韩国小馆" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("test_without_det", func(t *testing.T) {
		r := run(t, loadFixture(t, "test_without_det.jpg"), RunOptions{NoDet: true, NoCls: true})
		if got := first(t, r); got != "在中国作家协会第三届儿童文学" {
			t.Fatalf("got %q", got)
		}
	})
	for _, name := range []string{"img_exif_orientation.jpg", "black_font_color_transparent.png", "white_font_color_transparent.png"} {
		t.Run(name, func(t *testing.T) {
			if got := first(t, run(t, loadFixture(t, name), RunOptions{})); got != "我是中国人" {
				t.Fatalf("got %q", got)
			}
		})
	}
	t.Run("issue_170", func(t *testing.T) {
		if got := first(t, run(t, loadFixture(t, "issue_170.png"), RunOptions{})); got != "TEST" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("empty", func(t *testing.T) {
		if r := run(t, loadFixture(t, "empty_black.jpg"), RunOptions{}); len(r.Lines) != 0 {
			t.Errorf("empty_black.jpg: %q", texts(r))
		}
		zero := image.NewGray(image.Rect(0, 0, 100, 100))
		if r := run(t, zero, RunOptions{}); len(r.Lines) != 0 || r.Regions != 0 {
			t.Errorf("all-zero image: %+v", r)
		}
	})
	t.Run("test_letterbox_like", func(t *testing.T) {
		r := run(t, loadFixture(t, "test_letterbox_like.jpg"), RunOptions{})
		if len(r.Lines) != 2 || !strings.HasPrefix(r.Lines[0].Text, "A：：取决于所使用的执行提供者") {
			t.Fatalf("got %q", texts(r))
		}
	})
	t.Run("per_char_black_font", func(t *testing.T) {
		r := run(t, loadFixture(t, "black_font_color_transparent.png"), RunOptions{CharBoxes: true})
		var chars []string
		for _, c := range first2(t, r).Chars {
			chars = append(chars, c.Char)
		}
		if strings.Join(chars, "/") != "我/是/中/国/人" {
			t.Fatalf("chars %q", chars)
		}
		checkCharBoxes(t, first2(t, r))
	})
	t.Run("per_char_vertical", func(t *testing.T) {
		r := run(t, loadFixture(t, "text_vertical_words.png"), RunOptions{CharBoxes: true})
		l := first2(t, r)
		var chars []string
		for _, c := range l.Chars {
			chars = append(chars, c.Char)
		}
		if strings.Join(chars, " ") != "已 取 之 時 不 參 一 人 見 而" {
			t.Fatalf("chars %q", chars)
		}
		// A vertical line: characters go down the page.
		for i := 1; i < len(l.Chars); i++ {
			if l.Chars[i].Box[0][1] <= l.Chars[i-1].Box[0][1] {
				t.Fatalf("char %d not below char %d: %v vs %v", i, i-1, l.Chars[i].Box, l.Chars[i-1].Box)
			}
		}
	})
}

func first2(t *testing.T, r Result) Line {
	t.Helper()
	if len(r.Lines) == 0 {
		t.Fatal("no lines")
	}
	return r.Lines[0]
}

// checkCharBoxes asserts that character boxes are ordered left to right,
// do not overlap much and lie inside the line box.
func checkCharBoxes(t *testing.T, l Line) {
	t.Helper()
	minX, maxX := l.Box[0][0], l.Box[0][0]
	for _, p := range l.Box {
		minX, maxX = min(minX, p[0]), max(maxX, p[0])
	}
	for i, c := range l.Chars {
		if c.Box[0][0] < minX-2 || c.Box[1][0] > maxX+2 {
			t.Errorf("char %q box %v outside line %v", c.Char, c.Box, l.Box)
		}
		if i > 0 && c.Box[0][0] < l.Chars[i-1].Box[1][0]-2 {
			t.Errorf("char %q overlaps the previous: %v vs %v", c.Char, c.Box, l.Chars[i-1].Box)
		}
	}
}

var _ = os.Getenv
