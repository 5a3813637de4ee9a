package moderation

import (
	"os"
	"strings"
	"testing"
)

// TestCompiledLexiconUpToDate: the committed compiled.tsv is what `make
// lexicon` builds from the committed sources.
func TestCompiledLexiconUpToDate(t *testing.T) {
	b, err := CompileLexicon(os.DirFS("lexicon"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != compiledLexicon {
		t.Fatal("lexicon/compiled.tsv is stale: run make lexicon")
	}
	for _, cat := range []string{"porn", "abuse", "ban", "terrorism", "ad", "politics"} {
		if !strings.Contains(compiledLexicon, "\t"+cat+"\t") {
			t.Errorf("no %s terms", cat)
		}
	}
}

// TestLexiconDropsReviewedNoise: terms the review removed from third-party
// lists do not come back, own lists keep theirs.
func TestLexiconDropsReviewedNoise(t *testing.T) {
	d := detector(t)
	for _, text := range []string{"政府工作报告", "西藏旅游攻略", "穿丝袜的模特", "按摩椅"} {
		if got := d.Detect(text, append(defaultTextCategories, "politics")); len(got) != 0 {
			t.Errorf("%q: %+v", text, got)
		}
	}
}

// TestDetectEvasions: the same terms written to get past a plain lexicon.
func TestDetectEvasions(t *testing.T) {
	d := detector(t)
	cases := []struct{ text, label, seg string }{
		{"出售冰毒", "ban", "出售冰毒"},
		{"賣槍 手槍出售", "ban", "手槍出售"},            // traditional
		{"幹你娘", "abuse", "幹你娘"},               // traditional, third-party list
		{"ｓｅｘ ｃｈａｔ", "porn", "ｓｅｘ ｃｈａｔ"},      // full width
		{"fuсk you", "abuse", "fuсk you"},     // Cyrillic с
		{"you b1tch", "abuse", "b1tch"},       // leet
		{"约🔥炮吗", "porn", "约🔥炮"},               // emoji inside
		{"有没有bing du卖", "ban", "bing du"},     // pinyin
		{"yue pao 吗", "porn", "yue pao"},      // pinyin, spaced
		{"sha bi 一个", "abuse", "sha bi"},      // pinyin
		{"网站 9899.cn 有", "ad", "9899.cn"},     // listed illegal site
		{"加入 ISIS 吧", "terrorism", "加入 ISIS"}, //
		{"推 翻 政 府", "politics", "推 翻 政 府"},    // spaced
	}
	for _, c := range cases {
		got := d.Detect(c.text, append(defaultTextCategories, "politics"))
		ok := false
		for _, f := range got {
			for _, s := range f.Segments {
				if f.Label == c.label && strings.Contains(s.Text, c.seg) {
					ok = true
				}
			}
		}
		if !ok {
			t.Errorf("%q: %+v, want %s %q", c.text, got, c.label, c.seg)
		}
	}
}
