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
	// comboM finds every combo's verbs and nouns in one pass.
	comboM *matcher
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
			ts = append(ts, term{text: v, runes: normTerm(v), label: c.Category, severity: c.Severity, source: "verb", glossary: fmt.Sprint(i)})
		}
		for _, n := range c.Nouns {
			ts = append(ts, term{text: n, runes: normTerm(n), label: c.Category, severity: c.Severity, source: "noun", glossary: fmt.Sprint(i), word: isWordTerm(normTerm(n))})
		}
	}
	r.comboM = newMatcher(ts)
	return &r, nil
}

// reportable are the categories the report and negation rules may clear.
var reportable = map[string]bool{"ban": true, "porn": true, "terrorism": true}

// sentenceEnd and clauseEnd split a text for the rules.
func sentenceEnd(r rune) bool { return strings.ContainsRune("。！？!?\n；;", r) }
func clauseEnd(r rune) bool   { return sentenceEnd(r) || strings.ContainsRune("，,：:、", r) }

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

// folded is the lower-cased, simplified form of runes[a:b] for cue tests.
func folded(runes []rune, a, b int) string {
	a, b = max(a, 0), min(b, len(runes))
	if a >= b {
		return ""
	}
	var sb strings.Builder
	var buf [8]rune
	for _, r := range runes[a:b] {
		for _, c := range foldRune(buf[:0], r) {
			sb.WriteRune(c)
		}
	}
	return sb.String()
}

// keep reports whether a lexicon hit of term t at [s, e) survives the
// rules.
func (cr *contextRules) keep(runes []rune, t *term, s, e int) bool {
	if rule, ok := cr.byNorm[string(t.runes)]; ok {
		if len(rule.NotAfter) > 0 && hasPrefixAny(folded(runes, e, e+4), rule.NotAfter) {
			return false
		}
		if len(rule.NotBefore) > 0 && hasSuffixAny(folded(runes, s-4, s), rule.NotBefore) {
			return false
		}
		if len(rule.Before) > 0 && !containsAny(folded(runes, s-2, s), rule.Before) {
			return false
		}
		if len(rule.UnlessSentence) > 0 {
			a, b := bounds(runes, s, e, sentenceEnd)
			if containsAny(folded(runes, a, b), rule.UnlessSentence) {
				return false
			}
		}
		if rule.NeedsTrade {
			near := folded(runes, s-cr.TradeWindow, s) + "|" + folded(runes, e, e+cr.TradeWindow)
			if !containsAny(near, cr.Trade) {
				return false
			}
		}
	}
	if !reportable[t.label] {
		return true
	}
	a, b := bounds(runes, s, e, sentenceEnd)
	sent := folded(runes, a, b)
	score := 0
	for cue, w := range cr.Report {
		if strings.Contains(sent, cue) {
			score += w
		}
	}
	if score >= cr.ReportThreshold {
		return false
	}
	ca, _ := bounds(runes, s, e, clauseEnd)
	return !containsAny(folded(runes, ca, s), cr.Negation)
}

// combos finds the combos in a text: candidates spanning verb and noun.
func (cr *contextRules) combos(norm normText, runes []rune, want map[string]bool) []candidate {
	if len(cr.Combos) == 0 {
		return nil
	}
	hs := cr.comboM.find(norm, runes)
	var out []candidate
	for i, v := range hs {
		if v.term.source != "verb" || !want[v.term.label] {
			continue
		}
		c := cr.Combos[atoiSmall(v.term.glossary)]
		for j, n := range hs {
			if j == i || n.term.source != "noun" || n.term.glossary != v.term.glossary {
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
			if !cr.keep(runes, t, a, b) {
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
