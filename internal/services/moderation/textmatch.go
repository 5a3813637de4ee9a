package moderation

import (
	"sort"
	"unicode"
)

// folded is a text after width and case folding, rune for rune, so a rune
// index in it is a rune index in the caller's text.
type folded []rune

// foldRune maps full-width ASCII forms and the ideographic space to their
// half-width forms and lower-cases letters.
func foldRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000:
		r = ' '
	}
	return unicode.ToLower(r)
}

func fold(runes []rune) folded {
	out := make(folded, len(runes))
	for i, r := range runes {
		out[i] = foldRune(r)
	}
	return out
}

// significant reports whether a folded rune takes part in lexicon matching.
// Everything else (spaces, punctuation, symbols, emoji, zero-width and
// combining marks) is treated as a separator that may have been inserted
// between the characters of a term to dodge a filter.
func significant(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// compact is the significant runes of a folded text with, for each, its
// index in the folded text.
type compact struct {
	r   []rune
	pos []int
}

func compactOf(f folded) compact {
	c := compact{r: make([]rune, 0, len(f)), pos: make([]int, 0, len(f))}
	for i, r := range f {
		if significant(r) {
			c.r = append(c.r, r)
			c.pos = append(c.pos, i)
		}
	}
	return c
}

// normTerm is a lexicon term in the matcher's alphabet.
func normTerm(s string) []rune {
	var out []rune
	for _, r := range s {
		if r = foldRune(r); significant(r) {
			out = append(out, r)
		}
	}
	return out
}

// acNode is a state of the Aho–Corasick automaton.
type acNode struct {
	next map[rune]int32
	fail int32
	// out lists the terms ending here, including those reached through
	// failure links (merged at build time).
	out []int32
}

// matcher finds every occurrence of a set of terms in one pass over the
// compact text, whatever their overlap.
type matcher struct {
	nodes []acNode
	terms []term
}

// term is one lexicon entry.
type term struct {
	text     string // as written in the list
	runes    []rune // normalised
	label    string // category
	severity string // "block" or "review"
	// word terms are pure ASCII letters/digits; they match only as whole
	// words of the original text, so "ass" does not hit "class".
	word bool
}

func newMatcher(ts []term) *matcher {
	m := &matcher{nodes: []acNode{{next: map[rune]int32{}}}}
	for _, t := range ts {
		if len(t.runes) == 0 {
			continue
		}
		m.terms = append(m.terms, t)
		idx := int32(len(m.terms) - 1)
		s := int32(0)
		for _, r := range t.runes {
			n, ok := m.nodes[s].next[r]
			if !ok {
				m.nodes = append(m.nodes, acNode{next: map[rune]int32{}})
				n = int32(len(m.nodes) - 1)
				m.nodes[s].next[r] = n
			}
			s = n
		}
		m.nodes[s].out = append(m.nodes[s].out, idx)
	}
	// Breadth-first failure links; children are visited in rune order so
	// the build is deterministic.
	queue := []int32{}
	for _, r := range sortedKeys(m.nodes[0].next) {
		c := m.nodes[0].next[r]
		m.nodes[c].fail = 0
		queue = append(queue, c)
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, r := range sortedKeys(m.nodes[s].next) {
			c := m.nodes[s].next[r]
			f := m.nodes[s].fail
			for {
				if n, ok := m.nodes[f].next[r]; ok && n != c {
					m.nodes[c].fail = n
					break
				}
				if f == 0 {
					m.nodes[c].fail = 0
					break
				}
				f = m.nodes[f].fail
			}
			m.nodes[c].out = append(m.nodes[c].out, m.nodes[m.nodes[c].fail].out...)
			queue = append(queue, c)
		}
	}
	return m
}

func sortedKeys(m map[rune]int32) []rune {
	ks := make([]rune, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}

// hit is a term found in a text: runes [start, end) of the original text.
type hit struct {
	term       *term
	start, end int
}

// maxGap bounds the separators allowed between two characters of a term:
// enough for "f.u.c.k" or "约 - 炮", not for characters of different
// sentences that happen to spell a term.
const maxGap = 3

// find returns the terms occurring in f, located in f's rune indices.
func (m *matcher) find(f folded) []hit {
	c := compactOf(f)
	var hits []hit
	s := int32(0)
	for i, r := range c.r {
		for {
			if n, ok := m.nodes[s].next[r]; ok {
				s = n
				break
			}
			if s == 0 {
				break
			}
			s = m.nodes[s].fail
		}
		for _, ti := range m.nodes[s].out {
			t := &m.terms[ti]
			first := i - len(t.runes) + 1
			if !spaced(c.pos[first : i+1]) {
				continue
			}
			start, end := c.pos[first], c.pos[i]+1
			if t.word && !wholeWord(f, start, end) {
				continue
			}
			hits = append(hits, hit{term: t, start: start, end: end})
		}
	}
	return hits
}

// spaced reports whether consecutive matched characters are at most maxGap
// separators apart.
func spaced(pos []int) bool {
	for k := 1; k < len(pos); k++ {
		if pos[k]-pos[k-1]-1 > maxGap {
			return false
		}
	}
	return true
}

// wholeWord reports whether f[start:end] is not glued to letters or digits
// on either side.
func wholeWord(f folded, start, end int) bool {
	if start > 0 && significant(f[start-1]) && f[start-1] < 0x80 {
		return false
	}
	if end < len(f) && significant(f[end]) && f[end] < 0x80 {
		return false
	}
	return true
}

func isWordTerm(rs []rune) bool {
	for _, r := range rs {
		if r >= 0x80 {
			return false
		}
	}
	return true
}
