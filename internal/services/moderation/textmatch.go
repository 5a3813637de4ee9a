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
	// weight of a report cue (context rules)
	weight int
	// combo is the index of the combo a verb or noun belongs to.
	combo int
	// rule is the term's context rule, if it has one (attachRules).
	rule *runeRule
	// Derived by newMatcher: the label's id, and what part of the
	// context rules the term is (partLexicon for a category term).
	lab  labelID
	part part
}

// matcher is an Aho–Corasick automaton over the normalised alphabet: one
// pass over a text finds every occurrence of every term, whatever their
// overlap. Runes are first mapped to dense classes (only runes that occur
// in some term have one; every other rune sends the automaton straight
// back to the root). The root's transitions are an array by class; the
// other states' are a double array: state s's child by class c sits in
// slot base[s]+c, which records s as its owner. A step is two loads
// whatever the state's fan-out; searching sorted children (what the build
// uses) cost a binary search with a cache miss per probe on the wide
// states near the root, most of a scan's time (see BenchmarkDetectPhases).
type matcher struct {
	class map[rune]int32 // rune → class (1-based) for runes ≥ classDense
	dense []int32        // class of runes < classDense; 0 = none
	root  []int32        // root transitions by class; 0 = none
	// kids[s] are state s's children, sorted by class, while building.
	kids [][]edge
	// base and slots are the double array once frozen.
	base  []int32
	slots []slot
	fail  []int32
	// out[s] lists the terms ending at s itself (outs[outLo[s]:outLo[s+1]]
	// once frozen); dict[s] is the nearest state on s's failure chain with
	// terms of its own (0 = none).
	out   [][]int32
	outs  []int32
	outLo []int32
	dict  []int32
	terms []term
}

// Once frozen, every state number the automaton steps to (root, slots,
// fail) carries emitFlag when the state or its failure chain has terms:
// the scan learns it from the transition it has loaded anyway, instead of
// a load from another table (a cache miss on most steps of a long text).
const (
	emitFlag  int32 = 1 << 30
	stateMask       = emitFlag - 1
)

type edge struct{ class, next int32 }

// slot is a cell of the double array: the state it belongs to (0: free;
// the root has an array of its own) and the child it leads to.
type slot struct{ owner, next int32 }

const classDense = 0xA000 // ASCII, Latin, CJK up to the end of the URO block

func (m *matcher) classOf(r rune) int32 {
	if r >= 0 && r < classDense {
		return m.dense[r]
	}
	return m.class[r]
}

// next is the goto function while building.
func (m *matcher) next(s, c int32) (int32, bool) {
	if s == 0 {
		n := m.root[c]
		return n, n != 0
	}
	return search(m.kids[s], c)
}

// step is the goto function of the frozen automaton; s is a plain state
// number, the result carries emitFlag.
func (m *matcher) step(s, c int32) (int32, bool) {
	if s == 0 {
		n := m.root[c]
		return n, n != 0
	}
	if i := int(m.base[s] + c); i < len(m.slots) {
		if sl := m.slots[i]; sl.owner == s {
			return sl.next, true
		}
	}
	return 0, false
}

func search(ks []edge, c int32) (int32, bool) {
	if len(ks) <= 8 {
		for _, e := range ks {
			if e.class == c {
				return e.next, true
			}
		}
		return 0, false
	}
	lo, hi := 0, len(ks)
	for lo < hi {
		mid := (lo + hi) / 2
		if ks[mid].class < c {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(ks) && ks[lo].class == c {
		return ks[lo].next, true
	}
	return 0, false
}

func newMatcher(ts []term) *matcher {
	m := &matcher{class: map[rune]int32{}, dense: make([]int32, classDense)}
	nclass := int32(0)
	classify := func(r rune) int32 {
		if c := m.classOf(r); c != 0 {
			return c
		}
		nclass++
		if r >= 0 && r < classDense {
			m.dense[r] = nclass
		} else {
			m.class[r] = nclass
		}
		return nclass
	}
	for _, t := range ts {
		for _, r := range t.runes {
			classify(r)
		}
	}
	m.root = make([]int32, nclass+1)
	m.kids, m.fail, m.out, m.dict = [][]edge{nil}, []int32{0}, [][]int32{nil}, []int32{0}
	for _, t := range ts {
		if len(t.runes) == 0 {
			continue
		}
		t.lab, t.part = labelOf(t.label), partOf(t.source)
		m.terms = append(m.terms, t)
		idx := int32(len(m.terms) - 1)
		s := int32(0)
		for _, r := range t.runes {
			c := m.classOf(r)
			n, ok := m.next(s, c)
			if !ok {
				n = int32(len(m.fail))
				m.fail = append(m.fail, 0)
				m.out = append(m.out, nil)
				m.dict = append(m.dict, 0)
				m.kids = append(m.kids, nil)
				if s == 0 {
					m.root[c] = n
				} else {
					ks := append(m.kids[s], edge{c, n})
					sort.Slice(ks, func(i, j int) bool { return ks[i].class < ks[j].class })
					m.kids[s] = ks
				}
			}
			s = n
		}
		m.out[s] = append(m.out[s], idx)
	}
	// Breadth-first failure and dictionary links.
	var queue []int32
	for c := int32(1); c <= nclass; c++ {
		if n := m.root[c]; n != 0 {
			queue = append(queue, n)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, e := range m.kids[s] {
			f := m.fail[s]
			for {
				if n, ok := m.next(f, e.class); ok {
					m.fail[e.next] = n
					break
				}
				if f == 0 {
					break
				}
				f = m.fail[f]
			}
			if f := m.fail[e.next]; len(m.out[f]) > 0 {
				m.dict[e.next] = f
			} else {
				m.dict[e.next] = m.dict[f]
			}
			queue = append(queue, e.next)
		}
	}
	m.freeze()
	return m
}

// freeze lays the children out as a double array and flattens the
// outputs. Placement is first fit over the free slots (found through a
// next-free forest), widest states first; a state that finds no room in
// a few dozen tries goes past the end, which bounds the build time.
func (m *matcher) freeze() {
	n := len(m.fail)
	m.base = make([]int32, n)
	order := make([]int32, 0, n)
	for s := 1; s < n; s++ {
		if len(m.kids[s]) > 0 {
			order = append(order, int32(s))
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return len(m.kids[order[i]]) > len(m.kids[order[j]]) })
	var used []bool
	var nextFree []int32 // nextFree[i] ≤ the first free slot ≥ i (path-halved)
	free := func(i int) int {
		for i < len(used) && used[i] {
			nf := int(nextFree[i])
			if nf > i && nf < len(used) {
				nextFree[i] = nextFree[nf]
			}
			i = max(nf, i+1)
		}
		return i
	}
	grow := func(need int) {
		for k := len(used); k < need; k++ {
			used = append(used, false)
			nextFree = append(nextFree, int32(k))
			m.slots = append(m.slots, slot{})
		}
	}
	const maxTries = 32
	for _, s := range order {
		ks := m.kids[s]
		c0 := int(ks[0].class)
		b := 0
		f := free(c0 + 1)
		for tries := 0; ; tries++ {
			if tries == maxTries {
				f = max(len(used), c0+1)
			}
			b = f - c0
			ok := true
			for _, e := range ks[1:] {
				if i := b + int(e.class); i < len(used) && used[i] {
					ok = false
					break
				}
			}
			if ok {
				break
			}
			f = free(f + 1)
		}
		m.base[s] = int32(b)
		grow(b + int(ks[len(ks)-1].class) + 1)
		for _, e := range ks {
			i := b + int(e.class)
			used[i] = true
			nextFree[i] = int32(i + 1)
			m.slots[i] = slot{owner: s, next: e.next}
		}
	}
	m.outLo = make([]int32, n+1)
	emit := make([]bool, n)
	for s := 0; s < n; s++ {
		m.outLo[s] = int32(len(m.outs))
		m.outs = append(m.outs, m.out[s]...)
		emit[s] = len(m.out[s]) > 0 || m.dict[s] != 0
	}
	m.outLo[n] = int32(len(m.outs))
	if int32(n) > stateMask {
		panic("moderation: automaton too large")
	}
	flag := func(s int32) int32 {
		if emit[s] {
			return s | emitFlag
		}
		return s
	}
	for c, s := range m.root {
		m.root[c] = flag(s)
	}
	for i, sl := range m.slots {
		if sl.owner != 0 {
			m.slots[i].next = flag(sl.next)
		}
	}
	for s, f := range m.fail {
		m.fail[s] = flag(f)
	}
	m.kids, m.out = nil, nil
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
func (m *matcher) find(n normText, orig []rune) []hit { return m.findInto(n, orig, nil) }

// findInto is find appending to hits.
func (m *matcher) findInto(n normText, orig []rune, hits []hit) []hit {
	s := int32(0)
	for i, r := range n.r {
		c := m.classOf(r)
		if c == 0 {
			s = 0 // in no term: nothing continues through it
			continue
		}
		st := int32(0) // s with its emitFlag
		for {
			if nx, ok := m.step(s, c); ok {
				st = nx
				break
			}
			if s == 0 {
				break
			}
			s = m.fail[s] & stateMask
		}
		s = st & stateMask
		if st&emitFlag == 0 {
			continue
		}
		o := s
		if m.outLo[o] == m.outLo[o+1] {
			o = m.dict[o]
		}
		for ; o != 0; o = m.dict[o] {
			for _, ti := range m.outs[m.outLo[o]:m.outLo[o+1]] {
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
