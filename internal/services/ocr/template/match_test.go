package template

import (
	"math"
	"testing"

	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// printed is text on the reference page, one box per character.
type printed struct {
	text           string
	x0, y0, x1, y1 float64
}

// photo renders printed texts as the pipeline's lines of a photo taken
// through h: every character's box mapped, the line box around them.
func photo(h H, items ...printed) []pipeline.Line {
	pt := func(p P) pipeline.Point {
		m, _ := h.Apply(p)
		return pipeline.Point{int(math.Round(m.X)), int(math.Round(m.Y))}
	}
	var out []pipeline.Line
	for _, it := range items {
		rs := []rune(it.text)
		l := pipeline.Line{Text: it.text, Score: 0.98}
		step := (it.x1 - it.x0) / float64(len(rs))
		for i, r := range rs {
			a, b := it.x0+float64(i)*step, it.x0+float64(i+1)*step
			l.Chars = append(l.Chars, pipeline.Char{Char: string(r), Score: 0.98,
				Box: [4]pipeline.Point{pt(P{a, it.y0}), pt(P{b, it.y0}), pt(P{b, it.y1}), pt(P{a, it.y1})}})
		}
		l.Box = [4]pipeline.Point{pt(P{it.x0, it.y0}), pt(P{it.x1, it.y0}), pt(P{it.x1, it.y1}), pt(P{it.x0, it.y1})}
		out = append(out, l)
	}
	return out
}

func loc(x0, y0, x1, y1 float64) []Point {
	return []Point{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
}

var form = &Template{
	Width: 1000, Height: 700,
	Anchors: []Anchor{
		{Text: "Invoice", Location: loc(400, 40, 600, 90)},
		{Text: "Number:", Location: loc(60, 150, 200, 180)},
		{Text: "Date:", Location: loc(60, 250, 160, 280)},
		{Text: "Total", Location: loc(600, 600, 700, 630)},
	},
	Areas: []Area{
		{Name: "number", Location: loc(220, 140, 600, 190)},
		{Name: "date", Location: loc(180, 240, 500, 290)},
		{Name: "total", Location: loc(720, 590, 960, 640)},
	},
}

func fieldMap(fs Fields) map[string]string {
	m := map[string]string{}
	for _, f := range fs {
		m[f.Name] = f.Words
	}
	return m
}

// The fields are read through a perspective, with a label read with an
// OCR error, a decoy copy of a label elsewhere, and a value sharing its
// detected line with its label.
func TestLocateAndRead(t *testing.T) {
	h := H{0.9, 0.06, 35, -0.04, 0.93, 50, 0.00008, 0.00004, 1}
	lines := photo(h,
		printed{"Invoice", 400, 40, 600, 90},
		printed{"Nunber:", 60, 150, 200, 180}, // one OCR error
		printed{"Date: 2026-12-01", 60, 250, 460, 280},
		printed{"Total", 600, 600, 700, 630},
		printed{"INV-0042", 240, 150, 420, 180},
		printed{"1,234.50", 740, 600, 900, 630},
		printed{"Total", 60, 400, 160, 430}, // a decoy: same text, wrong place
	)
	m, err := locate(form, sequences(lines), 1000, 800)
	if err != nil {
		t.Fatal(err)
	}
	if m.Found != 4 || m.Model != "homography" {
		t.Fatalf("found %d anchors with a %s, want 4 with a homography", m.Found, m.Model)
	}
	got := fieldMap(read(form, m, lines))
	want := map[string]string{"number": "INV-0042", "date": "2026-12-01", "total": "1,234.50"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	// Score: three exact anchors and one at 5/6 ("number" folded).
	if want := (3 + 5.0/6) / 4; math.Abs(m.Score-want) > 1e-9 {
		t.Errorf("score %v, want %v", m.Score, want)
	}
}

func TestLocateFails(t *testing.T) {
	id := H{1, 0, 0, 0, 1, 0, 0, 0, 1}
	cases := []struct {
		name  string
		lines []pipeline.Line
		want  error
	}{
		{"nothing read", nil, errNoMatch},
		{"one anchor of four", photo(id, printed{"Invoice", 400, 40, 600, 90}), errNoMatch},
		{"anchors too garbled", photo(id, printed{"Imv0ize", 400, 40, 600, 90}, printed{"Nmbr", 60, 150, 200, 180}, printed{"Dt", 60, 250, 160, 280}), errNoMatch},
		// Every anchor found, but each where no single transform puts them.
		{"anchors scattered", photo(id,
			printed{"Invoice", 700, 600, 900, 650}, printed{"Number:", 60, 150, 200, 180},
			printed{"Date:", 800, 40, 900, 70}, printed{"Total", 100, 500, 200, 530}), errNoMatch},
		// The page read mirrored: the anchors are where a mirror puts them.
		{"mirrored", photo(H{-1, 0, 1000, 0, 1, 0, 0, 0, 1},
			printed{"Invoice", 400, 40, 600, 90}, printed{"Number:", 60, 150, 200, 180},
			printed{"Date:", 60, 250, 160, 280}, printed{"Total", 600, 600, 700, 630}), errNoMatch},
		// Every anchor where one transform puts them, but that transform
		// shrinks the page to a speck: no photo of the form.
		{"speck of a page", photo(H{0.04, 0, 10, 0, 0.04, 10, 0, 0, 1},
			printed{"Invoice", 400, 40, 600, 90}, printed{"Number:", 60, 150, 200, 180},
			printed{"Date:", 60, 250, 160, 280}, printed{"Total", 600, 600, 700, 630}), errDegenerate},
	}
	for _, c := range cases {
		if _, err := locate(form, sequences(c.lines), 1000, 700); err != c.want && !(c.want == errNoMatch && err == errDegenerate) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestFindText(t *testing.T) {
	lines := photo(H{1, 0, 0, 0, 1, 0, 0, 0, 1},
		printed{"姓名：王小明", 0, 0, 300, 40},
		printed{"ＮＯ．12345", 0, 100, 300, 140},
	)
	seqs := sequences(lines)
	cases := []struct {
		text  string
		found bool
		score float64
		x1    float64 // right edge of the match
	}{
		{"姓名", true, 1, 100},       // a substring of a line: its characters' box
		{"姓 名:", true, 1, 100},     // spaces and punctuation do not count
		{"性名", false, 0, 0},        // two runes: no edit allowed
		{"no.12345", true, 1, 300}, // full-width folded; the whole line's box
		{"NO.12845", true, 6.0 / 7, 300},
		{"王小明先生", false, 0, 0},
	}
	for _, c := range cases {
		got := findText(c.text, seqs, 1)
		if (len(got) > 0) != c.found {
			t.Errorf("%q: found %v, want %v", c.text, len(got) > 0, c.found)
			continue
		}
		if c.found && (math.Abs(got[0].score-c.score) > 1e-9 || math.Abs(got[0].in[1].X-c.x1) > 1) {
			t.Errorf("%q: score %v right edge %v, want %v %v", c.text, got[0].score, got[0].in[1].X, c.score, c.x1)
		}
	}
}

func TestFieldsKeepAreaOrder(t *testing.T) {
	b, err := Fields{{Name: "z", Words: "1", Location: [][]int32{}}, {Name: "a", Words: "2", Location: [][]int32{}}}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"z":{"words":"1","confidence":0,"location":[]},"a":{"words":"2","confidence":0,"location":[]}}`; string(b) != want {
		t.Fatalf("%s, want %s", b, want)
	}
}
