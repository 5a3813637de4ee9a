package moderation

import (
	_ "embed"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Context rules: a lexicon is wrong both ways — crime news, prevention
// campaigns, medicine and set phrases contain listed words; offers and
// insults need their neighbours to be told apart from mentions. These
// scored rules (data: lexicon/context.yaml) look at a hit's sentence,
// clause and neighbours. They only ever clear lexicon hits of the
// categories they name; contacts, links and glossary hits stay.

//go:embed lexicon/context.yaml
var contextYAML []byte

type termRule struct {
	NeedsTrade     bool     `yaml:"needs_trade"`
	Before         []string `yaml:"before"`
	NotAfter       []string `yaml:"not_after"`
	NotBefore      []string `yaml:"not_before"`
	UnlessSentence []string `yaml:"unless_sentence"`
}

type contextRules struct {
	ReportThreshold int                 `yaml:"report_threshold"`
	Report          map[string]int      `yaml:"report"`
	Negation        []string            `yaml:"negation"`
	TradeWindow     int                 `yaml:"trade_window"`
	Trade           []string            `yaml:"trade"`
	Terms           map[string]termRule `yaml:"terms"`
	Combos          []combo             `yaml:"combos"`
	// terms by normalised form, their cues as runes
	byNorm map[string]*runeRule
	// comboTerms are the combos' verbs and nouns (source "verb"/"noun",
	// combo = the combo's index), matched by the detector's automaton
	// in the same pass as the lexicon.
	comboTerms []term
}

// runeRule is a termRule with its cues as runes, compared against the
// call's folded runes without building strings.
type runeRule struct {
	needsTrade                                  bool
	before, notAfter, notBefore, unlessSentence [][]rune
}

func toRunes(ss []string) [][]rune {
	out := make([][]rune, len(ss))
	for i, s := range ss {
		out[i] = []rune(s)
	}
	return out
}

// combo is a trade verb and a contraband noun near each other.
type combo struct {
	Category string   `yaml:"category"`
	Severity string   `yaml:"severity"`
	Window   int      `yaml:"window"`
	Verbs    []string `yaml:"verbs"`
	Nouns    []string `yaml:"nouns"`
}

func loadContextRules() (*contextRules, error) {
	var r contextRules
	if err := yaml.Unmarshal(contextYAML, &r); err != nil {
		return nil, fmt.Errorf("context.yaml: %w", err)
	}
	r.byNorm = map[string]*runeRule{}
	for t, rule := range r.Terms {
		r.byNorm[string(normTerm(t))] = &runeRule{
			needsTrade: rule.NeedsTrade, before: toRunes(rule.Before), notAfter: toRunes(rule.NotAfter),
			notBefore: toRunes(rule.NotBefore), unlessSentence: toRunes(rule.UnlessSentence),
		}
	}
	var ts []term
	for i, c := range r.Combos {
		if _, ok := textCategories[c.Category]; !ok || c.Severity != sugBlock && c.Severity != sugReview || c.Window <= 0 {
			return nil, fmt.Errorf("context.yaml: combo %d: category %q, severity %q, window %d", i, c.Category, c.Severity, c.Window)
		}
		// combo carries the combo index, source the part
		for _, v := range c.Verbs {
			ts = append(ts, term{text: v, runes: normTerm(v), label: c.Category, severity: c.Severity, source: partVerb, combo: i})
		}
		for _, n := range c.Nouns {
			ts = append(ts, term{text: n, runes: normTerm(n), label: c.Category, severity: c.Severity, source: partNoun, combo: i, word: isWordTerm(normTerm(n))})
		}
	}
	for cue, w := range r.Report {
		ts = append(ts, term{text: cue, runes: normTerm(cue), source: cueReport, weight: w, word: isWordTerm(normTerm(cue))})
	}
	for _, cue := range r.Negation {
		ts = append(ts, term{text: cue, runes: normTerm(cue), source: cueNegation})
	}
	for _, cue := range r.Trade {
		ts = append(ts, term{text: cue, runes: normTerm(cue), source: cueTrade})
	}
	r.comboTerms = ts
	return &r, nil
}

// Sources of the context rules' own terms, matched in the detector's
// single pass with the lexicon.
const (
	cueReport   = "cue:report"
	cueNegation = "cue:negation"
	cueTrade    = "cue:trade"
	partVerb    = "verb"
	partNoun    = "noun"
)

// part is what a term is to the context rules, from its source.
type part uint8

const (
	partLexicon part = iota // a category term (lexicon, pinyin, glossary)
	partIsVerb
	partIsNoun
	partReport
	partNegation
	partTrade
	partOtherCue // a "cue:" source no rule reads
)

func partOf(source string) part {
	switch source {
	case partVerb:
		return partIsVerb
	case partNoun:
		return partIsNoun
	case cueReport:
		return partReport
	case cueNegation:
		return partNegation
	case cueTrade:
		return partTrade
	}
	if strings.HasPrefix(source, "cue:") {
		return partOtherCue
	}
	return partLexicon
}

// isContextPart reports whether a hit is one of the context rules' terms
// rather than a lexicon term.
func isContextPart(t *term) bool { return t.part != partLexicon }

// reportable reports whether the report and negation rules may clear hits
// of label l.
func reportable(l labelID) bool { return l == labBan || l == labPorn || l == labTerrorism }

// sentenceEnd and clauseEnd split a text for the rules.
// (Switches: the rules scan every hit's sentence, rune by rune.)
func sentenceEnd(r rune) bool {
	switch r {
	case '。', '！', '？', '!', '?', '\n', '；', ';':
		return true
	}
	return false
}

func clauseEnd(r rune) bool {
	switch r {
	case '，', ',', '：', ':', '、':
		return true
	}
	return sentenceEnd(r)
}

// bounds returns [start, end) of the unit around [s, e) that end delimits.
func bounds(runes []rune, s, e int, end func(rune) bool) (int, int) {
	a := s
	for a > 0 && !end(runes[a-1]) {
		a--
	}
	b := e
	for b < len(runes) && !end(runes[b]) {
		b++
	}
	return a, b
}

// attachRules points every term that has a per-term rule at it, so a hit
// finds its rule without a map lookup (or a string built for the key).
func (cr *contextRules) attachRules(ts []term) {
	for i := range ts {
		ts[i].rule = cr.byNorm[string(ts[i].runes)]
	}
}

// Cue tests over the folded neighbours of a hit (rune slices of the
// call's folded buffer).
func runesHasPrefix(s, p []rune) bool { return len(s) >= len(p) && slices.Equal(s[:len(p)], p) }

func runesHasSuffix(s, p []rune) bool {
	return len(s) >= len(p) && slices.Equal(s[len(s)-len(p):], p)
}

func runesContains(s, p []rune) bool {
	if len(p) == 0 {
		return true
	}
	for i := 0; i+len(p) <= len(s); i++ {
		if s[i] == p[0] && slices.Equal(s[i:i+len(p)], p) {
			return true
		}
	}
	return false
}

func anyCue(s []rune, cues [][]rune, f func(s, p []rune) bool) bool {
	for _, c := range cues {
		if f(s, c) {
			return true
		}
	}
	return false
}

// ctxText is a call's text with the context cues the detector's pass
// found in it, and the sentence scores computed so far. It is reused
// between calls (reset).
type ctxText struct {
	runes                 []rune
	report, negate, trade []hit
	// scoreAt[a] is the report score of the sentence starting at a, or
	// noScore; empty until the first sentence is scored.
	scoreAt []int32
	// tmp holds the folded neighbours of one test (foldedRunes).
	tmp []rune
	// fold[foldAt[i]:foldAt[i+1]] is runes[i] folded (lower case,
	// simplified); built once per call, when a long span is asked for.
	fold   []rune
	foldAt []int32
	folded bool
}

const noScore = math.MinInt32

// reset prepares t for a call on runes, keeping its buffers.
func (t *ctxText) reset(runes []rune) {
	t.runes = runes
	t.report, t.negate, t.trade = t.report[:0], t.negate[:0], t.trade[:0]
	t.scoreAt = t.scoreAt[:0]
	t.fold, t.foldAt, t.folded = t.fold[:0], t.foldAt[:0], false
}

// addCue files a cue hit.
func (t *ctxText) addCue(h hit) {
	switch h.term.part {
	case partReport:
		t.report = append(t.report, h)
	case partNegation:
		t.negate = append(t.negate, h)
	case partTrade:
		t.trade = append(t.trade, h)
	}
}

// foldShort is the longest span foldedRunes folds on its own; a longer
// one (a sentence without end, tested for every hit in it) is cut from the
// whole text folded once.
const foldShort = 64

// foldedRunes is the folded form of runes[a:b]. It is valid until the next
// call: most tests look at a few neighbours of a hit, and folding those
// alone is far cheaper than folding a 10 000-character text for them.
func (t *ctxText) foldedRunes(a, b int) []rune {
	a, b = max(a, 0), min(b, len(t.runes))
	if a >= b {
		return nil
	}
	if b-a <= foldShort && !t.folded {
		t.tmp = t.tmp[:0]
		for _, r := range t.runes[a:b] {
			t.tmp = foldRune(t.tmp, r)
		}
		return t.tmp
	}
	if !t.folded {
		for _, r := range t.runes {
			t.foldAt = append(t.foldAt, int32(len(t.fold)))
			t.fold = foldRune(t.fold, r)
		}
		t.foldAt = append(t.foldAt, int32(len(t.fold)))
		t.folded = true
	}
	return t.fold[t.foldAt[a]:t.foldAt[b]]
}

// reportScore is the weight of the report cues inside the sentence [a, b).
// It is remembered by the sentence's start.
func (cr *contextRules) reportScore(t *ctxText, a, b int) int {
	if len(t.scoreAt) == 0 {
		t.scoreAt = slices.Grow(t.scoreAt, len(t.runes)+1)[:len(t.runes)+1]
		for i := range t.scoreAt {
			t.scoreAt[i] = noScore
		}
	}
	if s := t.scoreAt[a]; s != noScore {
		return int(s)
	}
	score := 0
	for _, h := range t.report[firstEndAfter(t.report, a):] {
		if h.end > b {
			break
		}
		if h.start >= a {
			score += h.term.weight
		}
	}
	t.scoreAt[a] = int32(score)
	return score
}

// firstEndAfter is the index of the first hit of hs ending after a. The
// automaton emits hits in order of their end, so hs is sorted by end.
func firstEndAfter(hs []hit, a int) int {
	return sort.Search(len(hs), func(i int) bool { return hs[i].end > a })
}

// within reports whether a cue of hs (sorted by end) lies inside [a, b).
func within(hs []hit, a, b int) bool {
	for _, h := range hs[firstEndAfter(hs, a):] {
		if h.end > b {
			return false
		}
		if h.start >= a {
			return true
		}
	}
	return false
}

// keep reports whether a lexicon hit of term t at [s, e) survives the
// rules.
func (cr *contextRules) keep(ct *ctxText, t *term, s, e int) bool {
	return cr.keepRule(ct, t.rule, t.lab, s, e)
}

// keepRule is keep for a hit of label l with the per-term rule (or nil).
func (cr *contextRules) keepRule(ct *ctxText, rule *runeRule, l labelID, s, e int) bool {
	runes := ct.runes
	if rule != nil {
		if len(rule.notAfter) > 0 && anyCue(ct.foldedRunes(e, e+4), rule.notAfter, runesHasPrefix) {
			return false
		}
		if len(rule.notBefore) > 0 && anyCue(ct.foldedRunes(s-4, s), rule.notBefore, runesHasSuffix) {
			return false
		}
		if len(rule.before) > 0 && !anyCue(ct.foldedRunes(s-2, s), rule.before, runesContains) {
			return false
		}
		if len(rule.unlessSentence) > 0 {
			a, b := bounds(runes, s, e, sentenceEnd)
			if anyCue(ct.foldedRunes(a, b), rule.unlessSentence, runesContains) {
				return false
			}
		}
		if rule.needsTrade && !within(ct.trade, s-cr.TradeWindow, e+cr.TradeWindow) {
			return false
		}
	}
	if !reportable(l) {
		return true
	}
	a, b := bounds(runes, s, e, sentenceEnd)
	if cr.reportScore(ct, a, b) >= cr.ReportThreshold {
		return false
	}
	ca, _ := bounds(runes, s, e, clauseEnd)
	return !within(ct.negate, ca, s)
}

// combos appends to out the candidates spanning a verb and a noun of the
// same combo among hs (sorted by end), near each other in one clause.
func (cr *contextRules) combos(out []candidate, hs []hit, ct *ctxText, want labelSet) []candidate {
	runes := ct.runes
	span := 0 // the longest part: bounds how far a noun's end may lie
	for _, h := range hs {
		span = max(span, h.end-h.start)
	}
	for i, v := range hs {
		if v.term.part != partIsVerb || !want.has(v.term.lab) {
			continue
		}
		c := &cr.Combos[v.term.combo]
		// A noun within the window ends no earlier than v.start-Window
		// and no later than v.end+Window+span.
		for j := firstEndAfter(hs, v.start-c.Window-1); j < len(hs); j++ {
			n := hs[j]
			if n.end > v.end+c.Window+span {
				break
			}
			if j == i || n.term.part != partIsNoun || n.term.combo != v.term.combo {
				continue
			}
			a, b := min(v.start, n.start), max(v.end, n.end)
			gap := max(n.start-v.end, v.start-n.end)
			if gap < 0 || gap > c.Window || n.start < v.end && v.start < n.end {
				continue
			}
			sep := false
			for _, r := range runes[a:b] {
				if clauseEnd(r) {
					sep = true
					break
				}
			}
			if sep {
				continue
			}
			if !cr.keepRule(ct, nil, v.term.lab, a, b) {
				continue
			}
			conf := confBlockTerm
			if c.Severity == sugReview {
				conf = confReviewTerm
			}
			out = append(out, candidate{lab: v.term.lab, gloss: -1, sev: c.Severity, conf: conf, start: int32(a), end: int32(b)})
		}
	}
	return out
}
