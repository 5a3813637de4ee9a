package moderation

import (
	_ "embed"
	"fmt"
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
	// terms by normalised form
	byNorm map[string]termRule
	// comboTerms are the combos' verbs and nouns (source "verb"/"noun",
	// glossary = the combo's index), matched by the detector's automaton
	// in the same pass as the lexicon.
	comboTerms []term
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
	r.byNorm = map[string]termRule{}
	for t, rule := range r.Terms {
		r.byNorm[string(normTerm(t))] = rule
	}
	var ts []term
	for i, c := range r.Combos {
		if _, ok := textCategories[c.Category]; !ok || c.Severity != sugBlock && c.Severity != sugReview || c.Window <= 0 {
			return nil, fmt.Errorf("context.yaml: combo %d: category %q, severity %q, window %d", i, c.Category, c.Severity, c.Window)
		}
		// label carries the combo index, source the part
		for _, v := range c.Verbs {
			ts = append(ts, term{text: v, runes: normTerm(v), label: c.Category, severity: c.Severity, source: partVerb, glossary: fmt.Sprint(i)})
		}
		for _, n := range c.Nouns {
			ts = append(ts, term{text: n, runes: normTerm(n), label: c.Category, severity: c.Severity, source: partNoun, glossary: fmt.Sprint(i), word: isWordTerm(normTerm(n))})
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

// isContextPart reports whether a hit is one of the context rules' terms
// rather than a lexicon term.
func isContextPart(t *term) bool {
	return t.source == partVerb || t.source == partNoun || strings.HasPrefix(t.source, "cue:")
}

// reportable are the categories the report and negation rules may clear.
var reportable = map[string]bool{"ban": true, "porn": true, "terrorism": true}

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

func containsAny(s string, cues []string) bool {
	for _, c := range cues {
		if strings.Contains(s, c) {
			return true
		}
	}
	return false
}

// hasPrefixAny / hasSuffixAny check the folded neighbours of a hit.
func hasPrefixAny(s string, cues []string) bool {
	for _, c := range cues {
		if strings.HasPrefix(s, c) {
			return true
		}
	}
	return false
}

func hasSuffixAny(s string, cues []string) bool {
	for _, c := range cues {
		if strings.HasSuffix(s, c) {
			return true
		}
	}
	return false
}

// ctxText is a call's text with the context cues the detector's pass
// found in it, and the sentence scores computed so far.
type ctxText struct {
	runes                 []rune
	report, negate, trade []hit
	scores                map[int]int
}

func newCtxText(runes []rune) *ctxText { return &ctxText{runes: runes} }

// addCue files a cue hit.
func (t *ctxText) addCue(h hit) {
	switch h.term.source {
	case cueReport:
		t.report = append(t.report, h)
	case cueNegation:
		t.negate = append(t.negate, h)
	case cueTrade:
		t.trade = append(t.trade, h)
	}
}

// folded is the folded form (lower case, simplified) of runes[a:b], for
// the per-term neighbour tests.
func (t *ctxText) folded(a, b int) string {
	a, b = max(a, 0), min(b, len(t.runes))
	if a >= b {
		return ""
	}
	var sb strings.Builder
	var buf [8]rune
	for _, r := range t.runes[a:b] {
		for _, c := range foldRune(buf[:0], r) {
			sb.WriteRune(c)
		}
	}
	return sb.String()
}

// reportScore is the weight of the report cues inside the sentence [a, b).
func (cr *contextRules) reportScore(t *ctxText, a, b int) int {
	if s, ok := t.scores[a]; ok {
		return s
	}
	score := 0
	for _, h := range t.report {
		if h.start >= a && h.end <= b {
			score += h.term.weight
		}
	}
	if t.scores == nil {
		t.scores = map[int]int{}
	}
	t.scores[a] = score
	return score
}

// within reports whether a cue of hs lies inside [a, b).
func within(hs []hit, a, b int) bool {
	for _, h := range hs {
		if h.start >= a && h.end <= b {
			return true
		}
	}
	return false
}

// keep reports whether a lexicon hit of term t at [s, e) survives the
// rules.
func (cr *contextRules) keep(ct *ctxText, t *term, s, e int) bool {
	runes := ct.runes
	if rule, ok := cr.byNorm[string(t.runes)]; ok {
		if len(rule.NotAfter) > 0 && hasPrefixAny(ct.folded(e, e+4), rule.NotAfter) {
			return false
		}
		if len(rule.NotBefore) > 0 && hasSuffixAny(ct.folded(s-4, s), rule.NotBefore) {
			return false
		}
		if len(rule.Before) > 0 && !containsAny(ct.folded(s-2, s), rule.Before) {
			return false
		}
		if len(rule.UnlessSentence) > 0 {
			a, b := bounds(runes, s, e, sentenceEnd)
			if containsAny(ct.folded(a, b), rule.UnlessSentence) {
				return false
			}
		}
		if rule.NeedsTrade && !within(ct.trade, s-cr.TradeWindow, e+cr.TradeWindow) {
			return false
		}
	}
	if !reportable[t.label] {
		return true
	}
	a, b := bounds(runes, s, e, sentenceEnd)
	if cr.reportScore(ct, a, b) >= cr.ReportThreshold {
		return false
	}
	ca, _ := bounds(runes, s, e, clauseEnd)
	return !within(ct.negate, ca, s)
}

// combos pairs the verbs and nouns among hs: candidates spanning both.
func (cr *contextRules) combos(hs []hit, ct *ctxText, want map[string]bool) []candidate {
	runes := ct.runes
	var out []candidate
	for i, v := range hs {
		if v.term.source != partVerb || !want[v.term.label] {
			continue
		}
		c := cr.Combos[atoiSmall(v.term.glossary)]
		for j, n := range hs {
			if j == i || n.term.source != partNoun || n.term.glossary != v.term.glossary {
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
			t := &term{label: c.Category, severity: c.Severity}
			if !cr.keep(ct, t, a, b) {
				continue
			}
			conf := confBlockTerm
			if c.Severity == sugReview {
				conf = confReviewTerm
			}
			out = append(out, candidate{label: c.Category, sev: c.Severity, conf: conf, start: a, end: b})
		}
	}
	return out
}

func atoiSmall(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
