package moderation

import (
	"sort"
)

// term is one pattern of the automaton: a lexicon or glossary entry, or a
// form derived from one (its pinyin).
type term struct {
	text     string // as written in the list
	runes    []rune // normalised
	label    string // category, or "customized" for a glossary term
	severity string // "block" or "review"
	source   string // lexicon source, "pinyin", or the glossary's name
	glossary string // glossary name for glossary terms
	white    bool   // a white-glossary term: it clears what it covers
	// word terms are pure ASCII letters/digits; they match only as whole
	// words of the original text, so "ass" does not hit "class".
	word bool
}

// matcher is an Aho–Corasick automaton over the normalised alphabet: one
// pass over a text finds every occurrence of every term, whatever their
// overlap. Edges live in one hash map keyed by (state, rune) plus a dense
// table for the root, so memory grows with the terms, not with the
// alphabet (tens of thousands of CJK terms), and the common case — a rune
// that starts no term — costs one array load.
type matcher struct {
	root  []int32 // root transitions for runes < rootSpan; 0 = none
	edges map[uint64]int32
	fail  []int32
	// out[s] lists the terms ending at s itself; dict[s] is the nearest
	// state on s's failure chain with terms of its own (0 = none).
	out   [][]int32
	dict  []int32
	terms []term
}

const rootSpan = 0x10000

func edgeKey(s int32, r rune) uint64 { return uint64(s)<<32 | uint64(uint32(r)) }

func (m *matcher) next(s int32, r rune) (int32, bool) {
	if s == 0 {
		if r < rootSpan {
			n := m.root[r]
			return n, n != 0
		}
	}
	n, ok := m.edges[edgeKey(s, r)]
	return n, ok
}

func newMatcher(ts []term) *matcher {
	m := &matcher{root: make([]int32, rootSpan), edges: map[uint64]int32{}, fail: []int32{0}, out: [][]int32{nil}, dict: []int32{0}}
	children := [][]rune{nil} // per state, in insertion order, for the BFS
	for _, t := range ts {
		if len(t.runes) == 0 {
			continue
		}
		m.terms = append(m.terms, t)
		idx := int32(len(m.terms) - 1)
		s := int32(0)
		for _, r := range t.runes {
			n, ok := m.next(s, r)
			if !ok {
				n = int32(len(m.fail))
				m.fail = append(m.fail, 0)
				m.out = append(m.out, nil)
				m.dict = append(m.dict, 0)
				children = append(children, nil)
				if s == 0 && r < rootSpan {
					m.root[r] = n
				} else {
					m.edges[edgeKey(s, r)] = n
				}
				children[s] = append(children[s], r)
			}
			s = n
		}
		m.out[s] = append(m.out[s], idx)
	}
	// Breadth-first failure and dictionary links; children in rune order
	// so the build is deterministic.
	queue := []int32{0}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		cs := children[s]
		sort.Slice(cs, func(i, j int) bool { return cs[i] < cs[j] })
		for _, r := range cs {
			c, _ := m.next(s, r)
			if s != 0 {
				f := m.fail[s]
				for {
					if n, ok := m.next(f, r); ok {
						m.fail[c] = n
						break
					}
					if f == 0 {
						break
					}
					f = m.fail[f]
				}
			}
			if f := m.fail[c]; len(m.out[f]) > 0 {
				m.dict[c] = f
			} else {
				m.dict[c] = m.dict[f]
			}
			queue = append(queue, c)
		}
	}
	return m
}

// hit is a term found in a text: runes [start, end) of the caller's text.
type hit struct {
	term       *term
	start, end int
}

// maxGap bounds the separators allowed between two characters of a term:
// enough for "f.u.c.k" or "约 - 炮", not for characters of different
// sentences that happen to spell a term.
const maxGap = 3

// find returns the terms occurring in n, located in the caller's runes.
// orig is the caller's text (for whole-word checks of ASCII terms).
func (m *matcher) find(n normText, orig []rune) []hit {
	var hits []hit
	s := int32(0)
	for i, r := range n.r {
		for {
			if nx, ok := m.next(s, r); ok {
				s = nx
				break
			}
			if s == 0 {
				break
			}
			s = m.fail[s]
		}
		for o := s; o != 0; o = m.dict[o] {
			for _, ti := range m.out[o] {
				t := &m.terms[ti]
				first := i - len(t.runes) + 1
				if !spaced(n.src[first : i+1]) {
					continue
				}
				start, end := int(n.src[first]), int(n.src[i])+1
				if t.word && !wholeWord(orig, start, end) {
					continue
				}
				hits = append(hits, hit{term: t, start: start, end: end})
			}
		}
	}
	return hits
}

// spaced reports whether consecutive matched characters are at most maxGap
// characters of the caller's text apart.
func spaced(src []int32) bool {
	for k := 1; k < len(src); k++ {
		if src[k]-src[k-1]-1 > maxGap {
			return false
		}
	}
	return true
}

// wholeWord reports whether orig[start:end] is not glued to Latin letters
// or digits on either side.
func wholeWord(orig []rune, start, end int) bool {
	glued := func(i int) bool {
		if i < 0 || i >= len(orig) {
			return false
		}
		var buf [8]rune
		f := foldRune(buf[:0], orig[i])
		return len(f) > 0 && f[0] < 0x80 && significant(f[0])
	}
	return !glued(start-1) && !glued(end)
}

func isWordTerm(rs []rune) bool {
	for _, r := range rs {
		if r >= 0x80 {
			return false
		}
	}
	return true
}
