package moderation

import (
	"os"
	"testing"
)

// BenchmarkDetectEvalText is bench-moderation's throughput figure as a Go
// benchmark: the evaluation set's normal (and violating) texts joined to
// 10000 runes, the full lexicon, every category; cpu-MB/s is per second of
// the benchmark thread's CPU time.
func BenchmarkDetectEvalText(b *testing.B) {
	for _, normal := range []bool{true, false} {
		name := "violating"
		if normal {
			name = "normal"
		}
		b.Run(name, func(b *testing.B) {
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
			text := string(rs[:MaxTextRunes])
			d, err := NewTextDetector()
			if err != nil {
				b.Fatal(err)
			}
			cpuLoop(b, len(text), func() { d.Detect(text, defaultTextCategories) })
		})
	}
}
