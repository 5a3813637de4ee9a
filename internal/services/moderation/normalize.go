package moderation

import (
	"bufio"
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// The normaliser turns a text into the alphabet lexicon terms are matched
// in, keeping for every rune it produces the index of the caller's rune it
// came from, so a hit maps back to the text as written (segments).
//
// What is folded, in order, per rune:
//   - full-width and half-width forms (x/text/width), then compatibility
//     forms (NFKC: circled, parenthesised, mathematical and other styled
//     letters and digits, ligatures);
//   - case;
//   - traditional to simplified characters (OpenCC's character table);
//   - Cyrillic and Greek letters that look like Latin ones;
//   - everything that is neither letter nor digit (spaces, punctuation,
//     symbols, emoji, zero-width and combining marks) is dropped: such
//     characters inserted inside a term do not hide it (matcher.find bounds
//     how many);
//   - a digit or '@'/'$' between two Latin letters is read as the letter it
//     imitates ("s3x", "f@ck").

// normText is a normalised text: r[i] came from the caller's rune src[i].
type normText struct {
	r   []rune
	src []int32
}

//go:embed lexicon/sources/opencc/TSCharacters.txt
var tsCharacters string

// Han ranges the t2s table covers densely (CJK Unified Ideographs and
// extension A); the few supplementary-plane entries go to a map.
const (
	hanLo = 0x3400
	hanHi = 0x9FFF
)

var (
	t2sDense []rune // index r-hanLo: simplified form, 0 when unchanged
	t2sMap   map[rune]rune
)

func init() { loadT2S() }

// loadT2S parses OpenCC's TSCharacters table: "TRAD\tSIMP [ALT...]", one
// character each; the first simplified candidate is taken.
func loadT2S() {
	t2sDense = make([]rune, hanHi-hanLo+1)
	t2sMap = map[rune]rune{}
	sc := bufio.NewScanner(strings.NewReader(tsCharacters))
	for sc.Scan() {
		from, to, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue
		}
		to, _, _ = strings.Cut(to, " ")
		f, fn := utf8.DecodeRuneInString(from)
		t, tn := utf8.DecodeRuneInString(to)
		if fn != len(from) || tn != len(to) || f == t {
			continue
		}
		if f >= hanLo && f <= hanHi {
			t2sDense[f-hanLo] = t
		} else {
			t2sMap[f] = t
		}
	}
}

func t2s(r rune) rune {
	if r >= hanLo && r <= hanHi {
		if s := t2sDense[r-hanLo]; s != 0 {
			return s
		}
		return r
	}
	if s, ok := t2sMap[r]; ok {
		return s
	}
	return r
}

// homoglyphs maps Cyrillic and Greek letters (lower case) that render like
// Latin ones to those.
var homoglyphs = map[rune]rune{
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o',
	'р': 'p', 'с': 'c', 'т': 't', 'у': 'y', 'х': 'x', 'і': 'i', 'ј': 'j', 'ѕ': 's',
	'ԁ': 'd', 'ɡ': 'g', 'ո': 'n', 'ս': 'u',
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o',
	'ρ': 'p', 'τ': 't', 'υ': 'u', 'χ': 'x', 'ω': 'w',
}

// leet is what a digit or symbol stands for between two Latin letters.
var leet = map[rune]rune{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', '$': 's'}

var leetTable = func() (t [128]rune) {
	for k, v := range leet {
		t[k] = v
	}
	return
}()

func leetOf(c rune) rune {
	if c < 0 || c >= 128 {
		return 0
	}
	return leetTable[c]
}

// foldRune appends the normalised form of r (zero or more runes) to out.
func foldRune(out []rune, r rune) []rune {
	switch {
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(out, r)
	case r >= hanLo && r <= hanHi:
		return append(out, t2s(r))
	case r >= 0 && r <= foldTabMax:
		bmpOnce.Do(buildBMP)
		if f := bmpFold[r]; f >= 0 {
			return append(out, f)
		}
	}
	return foldSlow(out, r)
}

// bmpFold caches foldSlow for the Basic Multilingual Plane and the next
// one (emoji, mathematical letters such as 𝐬𝐞𝐱): the folded rune when it
// is one rune, -1 when it is several (ligatures and the like).
const foldTabMax = 0x1FFFF

var (
	bmpOnce sync.Once
	bmpFold []rune
)

func buildBMP() {
	bmpFold = make([]rune, foldTabMax+1)
	var buf [8]rune
	for r := rune(0); r <= foldTabMax; r++ {
		if f := foldSlow(buf[:0], r); len(f) == 1 {
			bmpFold[r] = f[0]
		} else {
			bmpFold[r] = -1
		}
	}
}

// foldSlow is the full per-rune pipeline.
func foldSlow(out []rune, r rune) []rune {
	if !utf8.ValidRune(r) {
		return append(out, r)
	}
	s := norm.NFKC.String(width.Fold.String(string(r)))
	for _, c := range s {
		c = unicode.ToLower(c)
		if h, ok := homoglyphs[c]; ok {
			c = h
		}
		out = append(out, t2s(c))
	}
	return out
}

// significant reports whether a normalised rune takes part in matching.
func significant(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isLatin(r rune) bool { return 'a' <= r && r <= 'z' }

// matchTab is the whole per-rune pipeline of normalizeInto for the Basic
// Multilingual Plane in one table: the rune that takes part in matching,
// 0 when the rune is dropped (a separator), -1 when it folds to several
// runes (foldSlow then). One load per rune, no branch per folding step.
var (
	matchOnce sync.Once
	matchTab  []rune
)

func buildMatchTab() {
	bmpOnce.Do(buildBMP)
	matchTab = make([]rune, 0x10000)
	for r := rune(0); r <= 0xFFFF; r++ {
		switch f := bmpFold[r]; {
		case f < 0:
			matchTab[r] = -1
		case f != 0 && (significant(f) || f == '@' || f == '$'):
			matchTab[r] = f
		}
	}
}

// normalize is the matching form of runes.
func normalize(runes []rune) normText {
	return normalizeInto(runes, normText{r: make([]rune, 0, len(runes)), src: make([]int32, 0, len(runes))})
}

// normalizeInto is normalize reusing buf's storage.
func normalizeInto(runes []rune, into normText) normText {
	matchOnce.Do(buildMatchTab)
	tab := matchTab
	n := normText{r: into.r[:0], src: into.src[:0]}
	if cap(n.r) < len(runes) {
		n.r, n.src = make([]rune, 0, len(runes)), make([]int32, 0, len(runes))
	}
	var buf [8]rune
	leetish := false // a digit or symbol the leet pass may read as a letter
	for i, r := range runes {
		if uint32(r) <= 0xFFFF {
			f := tab[r]
			if f > 0 {
				if f < 128 && leetTable[f] != 0 {
					leetish = true
				}
				n.r = append(n.r, f)
				n.src = append(n.src, int32(i))
				continue
			}
			if f == 0 {
				continue
			}
		}
		for _, c := range foldRune(buf[:0], r) {
			if significant(c) || c == '@' || c == '$' {
				leetish = leetish || leetOf(c) != 0
				n.r = append(n.r, c)
				n.src = append(n.src, int32(i))
			}
		}
	}
	if !leetish {
		return n
	}
	// Leet: a digit or symbol glued between Latin letters is the letter it
	// imitates; a symbol anywhere else is a separator after all.
	w := 0
	for i, c := range n.r {
		if l := leetOf(c); l != 0 && i > 0 && i+1 < len(n.r) && isLatin(n.r[i-1]) && (isLatin(n.r[i+1]) || leetOf(n.r[i+1]) != 0) &&
			n.src[i]-n.src[i-1] <= 1 {
			c = l
		} else if c == '@' || c == '$' {
			continue
		}
		n.r[w], n.src[w] = c, n.src[i]
		w++
	}
	n.r, n.src = n.r[:w], n.src[:w]
	return n
}

// normTerm is a lexicon term in the matching alphabet.
func normTerm(s string) []rune { return normalize([]rune(s)).r }

// chineseDigits are numerals people write phone numbers and ids in to get
// past digit patterns.
var chineseDigits = map[rune]byte{
	'〇': '0', '零': '0', '洞': '0', '一': '1', '幺': '1', '壹': '1', '二': '2', '两': '2', '贰': '2', '貳': '2',
	'三': '3', '叁': '3', '參': '3', '四': '4', '肆': '4', '五': '5', '伍': '5', '六': '6', '陆': '6', '陸': '6',
	'七': '7', '柒': '7', '八': '8', '捌': '8', '九': '9', '玖': '9',
}

// contactText is a text prepared for the contact and link patterns: width,
// NFKC and case folded, numerals as ASCII digits, separators kept (the
// patterns decide which they tolerate). idx maps each byte offset of s that
// starts a rune (and len(s)) to the caller's rune index.
type contactText struct {
	s   string
	idx []int32
}

func contactForm(runes []rune) contactText {
	ct, _, _ := contactFormInto(runes, nil, nil)
	return ct
}

// contactFormInto is contactForm building in b and idx; it returns them
// for reuse.
func contactFormInto(runes []rune, b []byte, idx []int32) (contactText, []byte, []int32) {
	b, idx = b[:0], idx[:0]
	var buf [8]rune
	put := func(c rune, i int) {
		if c < utf8.RuneSelf {
			b = append(b, byte(c))
			idx = append(idx, int32(i))
			return
		}
		n := len(b)
		b = utf8.AppendRune(b, c)
		for k := n; k < len(b); k++ {
			idx = append(idx, int32(i))
		}
	}
	for i, r := range runes {
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b = append(b, byte(r))
			idx = append(idx, int32(i))
			continue
		}
		if d := chineseDigit(r); d != 0 {
			put(rune(d), i)
			continue
		}
		if r >= hanLo && r <= hanHi {
			// t2s may leave the range (㑮 → 𫝈): such a character is in no cue.
			if r = t2s(r); r >= hanLo && r <= hanHi && contactRunes[r-hanLo] {
				put(r, i)
			} else {
				// A character no pattern looks at: one byte that is no
				// letter, digit or separator keeps the text short.
				b = append(b, 0x01)
				idx = append(idx, int32(i))
			}
			continue
		}
		for _, c := range foldRune(buf[:0], r) {
			if d := chineseDigit(c); d != 0 {
				c = rune(d)
			}
			put(c, i)
		}
	}
	idx = append(idx, int32(len(runes)))
	// The scanners read s during the call that owns b and keep only
	// offsets, so s may share b's bytes instead of copying them.
	return contactText{s: unsafe.String(unsafe.SliceData(b), len(b)), idx: idx}, b, idx
}

// digitTable is chineseDigits densely, from '〇' (U+3007) to the last
// numeral.
var digitTable = func() []byte {
	hi := rune(0)
	for r := range chineseDigits {
		hi = max(hi, r)
	}
	t := make([]byte, hi-0x3007+1)
	for r, d := range chineseDigits {
		t[r-0x3007] = d
	}
	return t
}()

// contactRunes are the Han characters the contact scanners' cues, fills
// and dots are written with.
var contactRunes = func() []bool {
	m := make([]bool, hanHi-hanLo+1)
	var words []string
	for _, c := range imCues {
		words = append(words, c.cue)
	}
	words = append(words, imFill...)
	words = append(words, dots...)
	for _, w := range words {
		for _, r := range w {
			if r >= hanLo && r <= hanHi {
				m[r-hanLo] = true
			}
		}
	}
	return m
}()

func chineseDigit(r rune) byte {
	if r < 0x3007 || int(r-0x3007) >= len(digitTable) {
		return 0
	}
	return digitTable[r-0x3007]
}

// span maps the byte range [a, b) of c.s to the caller's runes [start, end).
func (c contactText) span(a, b int) (int, int) {
	start := int(c.idx[a])
	if b >= len(c.s) {
		return start, int(c.idx[len(c.s)])
	}
	end := int(c.idx[b-1]) + 1
	return start, end
}
