package pipeline

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// repoFixtures are rendered by tools/ocrfixtures from known text; they make
// a fresh clone's tests exercise the real models.
type repoFixture struct {
	File  string
	Lines []string
}

func loadRepoFixtures(t testing.TB) []repoFixture {
	t.Helper()
	b, err := os.ReadFile("../testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var e struct{ Images []repoFixture }
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e.Images
}

// squash drops whitespace: the recogniser's spacing between words is not
// reliable (it reads "shot type" as "shottype" on reference images too), so
// text is compared without it.
func squash(s string) []rune {
	var out []rune
	for _, r := range s {
		if !unicode.IsSpace(r) {
			out = append(out, r)
		}
	}
	return out
}

// cer is CER, named as the tables below use it.
var cer = CER

// maxCER bounds the character error rate per image; absent means exact.
// The two English images are not read exactly by PP-OCRv4 (measured CER
// 0.015 and 0.023): DejaVu's wide spacing splits "fox" into its own box
// whose crop overlaps the next word, and the monospaced "O" reads as "0".
// maxCERQuick bounds every image in quick mode.
const maxCERQuick = 0.05

var maxCER = map[string]float64{
	"en_dejavu_plain.png": 0.05,
	"en_mono_noise.jpg":   0.05,
}

func TestRepoFixtures(t *testing.T) {
	p := testPipeline(t)
	for _, f := range loadRepoFixtures(t) {
		t.Run(f.File, func(t *testing.T) {
			img, _, err := Decode(decodeFile(t, filepath.Join("..", "testdata", f.File)))
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Run(context.Background(), img, RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(texts(res), "\n")
			want := strings.Join(f.Lines, "\n")
			e := cer(squash(got), squash(want))
			t.Logf("CER %.3f: %q", e, texts(res))
			if e > maxCER[f.File] {
				t.Errorf("CER %.3f > %.3f\n got %q\nwant %q", e, maxCER[f.File], got, want)
			}
		})
	}
}

// TestRepoFixturesQuick reads the same images in quick mode (detection at
// the image's own size).
func TestRepoFixturesQuick(t *testing.T) {
	p := testPipeline(t)
	for _, f := range loadRepoFixtures(t) {
		img, _, err := Decode(decodeFile(t, filepath.Join("..", "testdata", f.File)))
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Run(context.Background(), img, RunOptions{Quick: true})
		if err != nil {
			t.Fatalf("%s: %v", f.File, err)
		}
		got := strings.Join(texts(res), "\n")
		e := cer(squash(got), squash(strings.Join(f.Lines, "\n")))
		t.Logf("%s: CER %.3f %q", f.File, e, texts(res))
		if e > maxCERQuick {
			t.Errorf("%s: quick CER %.3f > %.2f: %q", f.File, e, maxCERQuick, got)
		}
	}
}

func TestCER(t *testing.T) {
	for _, c := range []struct {
		got, want string
		cer       float64
	}{
		{"abc", "abc", 0}, {"abd", "abc", 1.0 / 3}, {"", "ab", 1}, {"a b", "ab", 0}, {"中国人", "中国", 0.5},
	} {
		if e := cer(squash(c.got), squash(c.want)); e != c.cer {
			t.Errorf("cer(%q, %q) = %v, want %v", c.got, c.want, e, c.cer)
		}
	}
}
