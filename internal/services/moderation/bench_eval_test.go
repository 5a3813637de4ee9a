package moderation

import (
	"os"
	"testing"
)

// BenchmarkDetectEvalText is bench-moderation's throughput figure as a Go
// benchmark: the evaluation set's normal texts joined to 10000 runes, the
// full lexicon, every category.
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
			b.SetBytes(int64(len(text)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d.Detect(text, defaultTextCategories)
			}
		})
	}
}
