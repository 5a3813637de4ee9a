package moderation

import (
	"os"
	"testing"
)

func evalText(b *testing.B, normal bool) string {
	f, err := os.Open("testdata/eval/text.tsv")
	if err != nil {
		b.Fatal(err)
	}
	cases, err := ReadEvalSet(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	var rs []rune
	for len(rs) < MaxTextRunes {
		for _, c := range cases {
			if (c.Want == labelNormal) == normal {
				rs = append(rs, []rune(c.Text+"\n")...)
			}
		}
	}
	return string(rs[:MaxTextRunes])
}

// BenchmarkDetectPhases splits a Detect call into its passes, on the
// normal and on the violating text of BenchmarkDetectEvalText.
func BenchmarkDetectPhases(b *testing.B) {
	for _, normal := range []bool{true, false} {
		name := "violating"
		if normal {
			name = "normal"
		}
		b.Run(name, func(b *testing.B) { detectPhases(b, evalText(b, normal)) })
	}
}

func detectPhases(b *testing.B, text string) {
	d, err := NewTextDetector()
	if err != nil {
		b.Fatal(err)
	}
	runes := []rune(text)
	n := normalize(runes)
	ct := contactForm(runes)
	for _, p := range []struct {
		name string
		f    func()
	}{
		{"runes", func() { _ = []rune(text) }},
		{"normalize", func() { normalize(runes) }},
		{"find", func() { d.m.find(n, runes) }},
		{"contactForm", func() { contactForm(runes) }},
		{"scanContacts", func() { scanContacts(ct.s) }},
		{"scanIM", func() { scanIM(ct.s, nil) }},
		{"scanPhones", func() { scanPhones(ct.s, nil) }},
		{"scanLinks", func() { scanLinks(ct.s, nil) }},
		{"detect", func() { d.Detect(text, defaultTextCategories) }},
	} {
		b.Run(p.name, func(b *testing.B) { cpuLoop(b, len(text), p.f) })
	}
}
