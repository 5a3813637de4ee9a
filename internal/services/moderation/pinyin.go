package moderation

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// Users write sensitive terms in pinyin ("bing du", "yuepao") or its
// initials ("nmsl") to get past Chinese lexicons. The reviewed (own) terms
// of every category are therefore also matched as their toneless pinyin
// and, for terms of four or more characters, their initials; such hits are
// weaker evidence and answer review.

// pinyinStop are initial strings that are ordinary Latin-script tokens.
var pinyinStop = map[string]bool{"http": true, "https": true, "html": true, "xhtml": true, "smtp": true, "mpeg": true, "cctv": true, "bbc": true, "ccp": true}

// pinyinTerms derives the pinyin forms of the reviewed terms among ts.
func pinyinTerms(ts []term) []term {
	args := pinyin.NewArgs()
	initials := pinyin.NewArgs()
	initials.Style = pinyin.FirstLetter
	seen := map[string]bool{}
	for _, t := range ts {
		seen[string(t.runes)] = true
	}
	var out []term
	add := func(t term, py string, min int) {
		if len(py) < min || seen[py] || pinyinStop[py] {
			return
		}
		seen[py] = true
		out = append(out, term{text: t.text, runes: []rune(py), label: t.label, severity: sugReview, source: "pinyin", word: true})
	}
	for _, t := range ts {
		if !strings.HasPrefix(t.source, "aisd/") || !allHan(t.runes) {
			continue
		}
		syl := pinyin.LazyPinyin(string(t.runes), args)
		if len(syl) != len(t.runes) {
			continue
		}
		add(t, strings.Join(syl, ""), 5)
		if len(t.runes) >= 4 {
			ini := strings.Join(pinyin.LazyPinyin(string(t.runes), initials), "")
			if !strings.ContainsAny(ini, "aeiou") {
				add(t, ini, 4)
			}
		}
	}
	return out
}

func allHan(rs []rune) bool {
	for _, r := range rs {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return len(rs) > 0
}
