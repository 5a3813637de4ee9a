package moderation

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
)

//go:embed lexicon/compiled.tsv
var compiledLexicon string

// MaxTextRunes is how much of a text is checked; the rest is ignored, as
// the API documents.
const MaxTextRunes = 10000

// Suggestions, most severe first in severity().
const (
	sugBlock  = "block"
	sugReview = "review"
	sugPass   = "pass"
)

func severity(s string) int {
	switch s {
	case sugBlock:
		return 2
	case sugReview:
		return 1
	}
	return 0
}

// Confidences of lexicon and pattern hits. A lexicon hit is a decision, not
// a probability; these say how often such a hit is a true positive in the
// experience behind the lists: block terms are unambiguous, review terms and
// bare URLs or phone numbers often are not.
const (
	confBlockTerm   = 0.95
	confReviewTerm  = 0.75
	confContact     = 0.9
	confURLOrNumber = 0.7
)

// textCategories are the categories the request may name. A category
// mapped to false would be documented but have no detector here; naming it
// is refused rather than answered with a pass nobody checked.
var textCategories = map[string]bool{
	"terrorism": true, "porn": true, "ban": true, "abuse": true, "ad": true,
	"politics": true,
}

// defaultTextCategories are checked when the request names none.
var defaultTextCategories = []string{"politics", "terrorism", "porn", "ban", "abuse", "ad"}

var textEventTypes = map[string]bool{
	"nickname": true, "title": true, "article": true, "comment": true,
	"barrage": true, "search": true, "profile": true,
}

// TextDetector finds lexicon terms and spam patterns in text.
type TextDetector struct {
	m *matcher
	// ctx are the context rules; nil checks the lexicon alone.
	ctx *contextRules
}

// WithoutContext is the detector without its context rules, to measure
// what they buy.
func (d *TextDetector) WithoutContext() *TextDetector {
	ts, err := parseCompiled(compiledLexicon)
	if err != nil {
		panic(err) // NewTextDetector has parsed it already
	}
	return &TextDetector{m: newMatcher(append(ts, pinyinTerms(ts)...))}
}

// NewTextDetector builds the detector over the embedded compiled lexicon
// (lexicon/compiled.tsv, `make lexicon`) and the pinyin forms of its
// reviewed terms.
func NewTextDetector() (*TextDetector, error) {
	defaultOnce.Do(func() { defaultDet, defaultErr = buildTextDetector() })
	return defaultDet, defaultErr
}

// The detector is immutable once built, so every caller shares one: the
// lexicon's automaton takes a second or two to build.
var (
	defaultOnce sync.Once
	defaultDet  *TextDetector
	defaultErr  error
)

func buildTextDetector() (*TextDetector, error) {
	ts, err := parseCompiled(compiledLexicon)
	if err != nil {
		return nil, err
	}
	ts = append(ts, pinyinTerms(ts)...)
	cr, err := loadContextRules()
	if err != nil {
		return nil, err
	}
	ts = append(ts, cr.comboTerms...)
	cr.attachRules(ts)
	return &TextDetector{m: newMatcher(ts), ctx: cr}, nil
}

// parseCompiled reads compiled.tsv.
func parseCompiled(s string) ([]term, error) {
	var ts []term
	for n, line := range strings.Split(s, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("compiled lexicon:%d: %d fields", n+1, len(f))
		}
		if _, ok := textCategories[f[1]]; !ok {
			return nil, fmt.Errorf("compiled lexicon:%d: category %q", n+1, f[1])
		}
		if f[2] != sugBlock && f[2] != sugReview {
			return nil, fmt.Errorf("compiled lexicon:%d: severity %q", n+1, f[2])
		}
		rs := normTerm(f[0])
		if len(rs) < 2 {
			return nil, fmt.Errorf("compiled lexicon:%d: term %q too short", n+1, f[0])
		}
		ts = append(ts, term{text: f[0], runes: rs, label: f[1], severity: f[2], source: f[3], word: isWordTerm(rs)})
	}
	return ts, nil
}

// Segment is a hit located in the checked text: runes [Start, End).
type Segment struct {
	Text       string
	Start, End int
	// Glossary names the custom glossary the hit comes from.
	Glossary string `json:",omitempty"`
}

// Finding is what one category found.
type Finding struct {
	Label      string
	Suggestion string
	Confidence float64
	Segments   []Segment
}

// Detect checks the first MaxTextRunes runes of text for the categories
// given and returns one finding per category that hit, most severe first.
func (d *TextDetector) Detect(text string, categories []string) []Finding {
	return d.DetectWith(text, categories, nil, nil)
}

// scratch holds a call's large buffers between calls.
type scratch struct {
	runes    []rune
	off      []int32 // byte offset in the caller's text of each rune, and the end
	norm     normText
	hits     []hit
	cb       []byte
	cidx     []int32
	ct       ctxText
	parts    []hit
	lex      []hit
	cands    []candidate
	contacts []contactHit
	// group's buffers
	keys   []uint64
	counts []int
	grank  []int
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// candidate is one hit before grouping.
type candidate struct {
	start, end int32
	lab        labelID
	gloss      int16 // index of the black glossary, -1 for none
	sev        string
	conf       float64
}

// labelID numbers the labels a finding may have, in their alphabetical
// order (group orders findings' segments by label, then glossary name).
type labelID uint8

const (
	labAbuse labelID = iota
	labAd
	labBan
	labCustom
	labPolitics
	labPorn
	labTerrorism
	numLabels
	labNone labelID = 255 // context cues and parts of no category of their own
)

var labelNames = [numLabels]string{"abuse", "ad", "ban", labelCustomized, "politics", "porn", "terrorism"}

func labelOf(s string) labelID {
	for i, n := range labelNames {
		if n == s {
			return labelID(i)
		}
	}
	return labNone
}

// labelSet is a set of labels, the categories a call checks.
type labelSet uint16

func labelSetOf(categories []string) labelSet {
	var w labelSet
	for _, c := range categories {
		if l := labelOf(c); l != labNone {
			w |= 1 << l
		}
	}
	return w
}

func (w labelSet) has(l labelID) bool { return l < numLabels && w&(1<<l) != 0 }

// DetectWith is Detect that also matches the black glossaries (label
// "customized", the glossary's suggestion) and drops every hit lying
// inside a term of a white glossary.
func (d *TextDetector) DetectWith(text string, categories []string, black, white []*compiledGlossary) []Finding {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	runes, off := sc.runes[:0], sc.off[:0]
	valid := true // text as far as it is checked is well-formed UTF-8
	end := len(text)
	for i, r := range text {
		if len(runes) == MaxTextRunes {
			end = i
			break
		}
		if r == utf8.RuneError && !strings.HasPrefix(text[i:], "\uFFFD") {
			valid = false
		}
		runes = append(runes, r)
		off = append(off, int32(i))
	}
	off = append(off, int32(end))
	sc.runes, sc.off = runes, off
	want := labelSetOf(categories)
	norm := normalizeInto(runes, sc.norm)
	sc.norm = norm
	ct := &sc.ct
	ct.reset(runes)
	cands := sc.cands[:0]
	parts, lex := sc.parts[:0], sc.lex[:0] // combo verbs and nouns; lexicon hits
	sc.hits = d.m.findInto(norm, runes, sc.hits[:0])
	for _, h := range sc.hits {
		if isContextPart(h.term) {
			if p := h.term.part; p == partIsVerb || p == partIsNoun {
				parts = append(parts, h)
			} else {
				ct.addCue(h)
			}
			continue
		}
		if !want.has(h.term.lab) {
			continue
		}
		lex = append(lex, h)
	}
	for _, h := range lex {
		if d.ctx != nil && !d.ctx.keep(ct, h.term, h.start, h.end) {
			continue
		}
		conf := confBlockTerm
		if h.term.severity == sugReview {
			conf = confReviewTerm
		}
		cands = append(cands, candidate{lab: h.term.lab, gloss: -1, sev: h.term.severity, conf: conf, start: int32(h.start), end: int32(h.end)})
	}
	if d.ctx != nil && len(parts) > 1 {
		cands = d.ctx.combos(cands, parts, ct, want)
	}
	sc.parts, sc.lex = parts, lex
	if want.has(labAd) {
		var ct contactText
		ct, sc.cb, sc.cidx = contactFormInto(runes, sc.cb, sc.cidx)
		sc.contacts = scanContactsInto(ct.s, sc.contacts[:0])
		for _, h := range sc.contacts {
			sev, conf := sugReview, confURLOrNumber
			if h.kind == kindIM {
				sev, conf = sugBlock, confContact
			}
			start, end := ct.span(h.a, h.b)
			cands = append(cands, candidate{lab: labAd, gloss: -1, sev: sev, conf: conf, start: int32(start), end: int32(end)})
		}
	}
	for gi, g := range black {
		for _, h := range g.m.find(norm, runes) {
			cands = append(cands, candidate{lab: labCustom, gloss: int16(gi), sev: g.suggestion, conf: confGlossaryHit, start: int32(h.start), end: int32(h.end)})
		}
	}
	if len(white) > 0 && len(cands) > 0 {
		var spans [][2]int32
		for _, g := range white {
			for _, h := range g.m.find(norm, runes) {
				spans = append(spans, [2]int32{int32(h.start), int32(h.end)})
			}
		}
		kept := cands[:0]
		for _, c := range cands {
			covered := false
			for _, sp := range spans {
				if sp[0] <= c.start && c.end <= sp[1] {
					covered = true
					break
				}
			}
			if !covered {
				kept = append(kept, c)
			}
		}
		cands = kept
	}
	sc.cands = cands
	segText := func(a, b int32) string {
		if valid {
			return text[off[a]:off[b]] // the caller's bytes: no copy
		}
		return string(runes[a:b])
	}
	return group(sc, cands, black, segText)
}

// Bits of a sort key of group: start, MaxTextRunes-end (longest first),
// then the candidate's index.
const (
	posBits   = 14
	idxBits   = 64 - 2*posBits
	startShft = idxBits + posBits
	endShft   = idxBits
)

var _ = [1 << posBits]struct{}{}[MaxTextRunes] // positions fit posBits

// group turns candidates into one finding per label, most severe first.
// Candidates are bucketed by label and glossary (glossaries by name) and
// each bucket sorted by start, longest first, as packed integer keys; a
// walk then drops repeats and merges overlaps (a segment inside another of
// the same glossary, "冰毒" inside "出售冰毒", adds nothing a reviewer
// needs). All findings' segments share one allocation.
func group(sc *scratch, cands []candidate, black []*compiledGlossary, segText func(a, b int32) string) []Finding {
	if len(cands) == 0 {
		return []Finding{}
	}
	// Buckets: labels before customized, one per glossary name (in name
	// order), labels after it.
	grank := sc.grank[:0]
	ng := 0
	if len(black) > 0 {
		for range black {
			grank = append(grank, 0)
		}
		for i, g := range black {
			for _, h := range black {
				if h.name < g.name {
					grank[i]++ // names are unique (resolve), so ranks are too
				}
			}
			ng = max(ng, grank[i]+1)
		}
	}
	sc.grank = grank
	bucket := func(c *candidate) int {
		switch {
		case c.lab < labCustom:
			return int(c.lab)
		case c.lab == labCustom:
			return int(labCustom) + grank[c.gloss]
		}
		return int(c.lab) + max(ng, 1) - 1
	}
	nb := int(numLabels) + max(ng, 1) - 1
	counts := sc.counts[:0]
	for range nb + 1 {
		counts = append(counts, 0)
	}
	for i := range cands {
		counts[bucket(&cands[i])+1]++
	}
	for b := 1; b <= nb; b++ {
		counts[b] += counts[b-1]
	}
	keys := slices.Grow(sc.keys[:0], len(cands))[:len(cands)]
	fill := slices.Clone(counts) // small: one per bucket
	for i := range cands {
		c := &cands[i]
		b := bucket(c)
		keys[fill[b]] = uint64(c.start)<<startShft | uint64(MaxTextRunes-c.end)<<endShft | uint64(i)
		fill[b]++
	}
	// First walk: sort each bucket, count the segments that survive
	// merging, so that all findings' segments take one exact allocation.
	nsegs := 0
	var have labelSet
	for b := 0; b < nb; b++ {
		ks := keys[counts[b]:counts[b+1]]
		if len(ks) == 0 {
			continue
		}
		slices.Sort(ks)
		have |= 1 << cands[ks[0]&(1<<idxBits-1)].lab
		end := int32(-1)
		for _, k := range ks {
			c := &cands[k&(1<<idxBits-1)]
			if c.start < end {
				end = max(end, c.end)
				continue
			}
			nsegs++
			end = c.end
		}
	}
	all := make([]Segment, 0, nsegs)
	out := make([]Finding, 0, bits.OnesCount16(uint16(have)))
	// Second walk: buckets of a label are adjacent, so each finding's
	// segments are a run of all.
	for b := 0; b < nb; {
		ks := keys[counts[b]:counts[b+1]]
		if len(ks) == 0 {
			b++
			continue
		}
		first := &cands[ks[0]&(1<<idxBits-1)]
		l := first.lab
		fd := Finding{Label: labelNames[l], Suggestion: first.sev}
		sev := severity(first.sev)
		lo := len(all)
		for ; b < nb; b++ {
			ks := keys[counts[b]:counts[b+1]]
			if len(ks) == 0 {
				continue
			}
			if cands[ks[0]&(1<<idxBits-1)].lab != l {
				break
			}
			last := -1 // this bucket's last segment in all
			for _, k := range ks {
				c := &cands[k&(1<<idxBits-1)]
				if sv := severity(c.sev); sv > sev {
					fd.Suggestion, sev = c.sev, sv
				}
				fd.Confidence = math.Max(fd.Confidence, c.conf)
				if last >= 0 && int(c.start) < all[last].End {
					all[last].End = max(all[last].End, int(c.end))
					continue
				}
				sg := Segment{Start: int(c.start), End: int(c.end)}
				if c.gloss >= 0 {
					sg.Glossary = black[c.gloss].name
				}
				all = append(all, sg)
				last = len(all) - 1
			}
		}
		fd.Segments = all[lo:len(all):len(all)]
		for k := range fd.Segments {
			sg := &fd.Segments[k]
			sg.Text = segText(int32(sg.Start), int32(sg.End))
		}
		if l == labCustom && ng > 1 {
			// Glossary by glossary so far: in text order, ties by name.
			slices.SortStableFunc(fd.Segments, func(a, b Segment) int { return a.Start - b.Start })
		}
		out = append(out, fd)
	}
	slices.SortFunc(out, func(a, b Finding) int {
		if sa, sb := severity(a.Suggestion), severity(b.Suggestion); sa != sb {
			return sb - sa
		}
		if a.Confidence != b.Confidence {
			if a.Confidence > b.Confidence {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Label, b.Label)
	})
	return out
}

// --- API -------------------------------------------------------------------

type textData struct {
	Text     *jsonText `json:"text"`
	Language *string   `json:"language"`
}

// jsonText is a JSON string checked as it was sent: encoding/json turns
// invalid UTF-8 and unpaired surrogate escapes into U+FFFD, which would
// then be moderated as if the client had written replacement characters.
type jsonText struct {
	s string
	// valid: the string as sent is well-formed Unicode.
	valid bool
}

func (t *jsonText) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &t.s); err != nil {
		return err
	}
	t.valid = wellFormedJSONString(b)
	return nil
}

// wellFormedJSONString reports whether the JSON string token raw (quotes
// included) is valid UTF-8 whose \u escapes pair every surrogate. Escape
// syntax is json.Unmarshal's to judge; a broken escape is passed here.
func wellFormedJSONString(raw []byte) bool {
	if !utf8.Valid(raw) {
		return false
	}
	for i := 0; i < len(raw)-1; i++ {
		if raw[i] != '\\' {
			continue
		}
		if raw[i+1] != 'u' {
			i++ // an escaped character, "\\" included
			continue
		}
		r1, ok := hex4(raw, i+2)
		if !ok {
			return true
		}
		i += 5 // on the escape's last hex digit
		if !utf16.IsSurrogate(r1) {
			continue
		}
		if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
			if r2, ok := hex4(raw, i+3); ok && utf16.DecodeRune(r1, r2) != utf8.RuneError {
				i += 6
				continue
			}
		}
		return false
	}
	return true
}

// hex4 reads the four hex digits at raw[i:].
func hex4(raw []byte, i int) (rune, bool) {
	if i+4 > len(raw) {
		return 0, false
	}
	var r rune
	for _, c := range raw[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

type textBody struct {
	EventType          *string   `json:"event_type"`
	Categories         *[]string `json:"categories"`
	GlossaryNames      *[]string `json:"glossary_names"`
	Data               *textData `json:"data"`
	WhiteGlossaryNames *[]string `json:"white_glossary_names"`
	BizType            *string   `json:"biz_type"`
}

type textSegment struct {
	Segment      string  `json:"segment"`
	GlossaryName string  `json:"glossary_name,omitempty"`
	Position     []int32 `json:"position"`
}

type textDetail struct {
	Suggestion string        `json:"suggestion"`
	Label      string        `json:"label"`
	Confidence float32       `json:"confidence"`
	Segments   []textSegment `json:"segments"`
}

type textResult struct {
	Suggestion string       `json:"suggestion"`
	Label      string       `json:"label"`
	Details    []textDetail `json:"details"`
}

type textResponse struct {
	RequestID string     `json:"request_id"`
	Result    textResult `json:"result"`
}

// labelNormal is the label of a text that passed.
const labelNormal = "normal"

func (s *Service) text(ctx context.Context, c *api.Call) (any, error) {
	var b textBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	if err := checkPolicy(b.BizType, b.EventType, textEventTypes); err != nil {
		return nil, err
	}
	if b.Data == nil || b.Data.Text == nil || strings.TrimSpace(b.Data.Text.s) == "" {
		return nil, catalog.E(catalog.KindMissingParam).Wrap(errors.New("data.text is empty"))
	}
	if !b.Data.Text.valid {
		return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("data.text is not valid UTF-8"))
	}
	text := b.Data.Text.s
	if l := api.Deref(b.Data.Language); l != "" && l != "zh" {
		return nil, catalog.E(catalog.KindLanguage).Wrap(errors.New("language " + l))
	}
	cats, err := pickCategories(api.Deref(b.Categories), textCategories, defaultTextCategories)
	if err != nil {
		return nil, err
	}
	black, err := s.opt.Glossaries.resolve(ctx, c.ProjectID, api.Deref(b.GlossaryNames), glossaryTypeBlack)
	if err != nil {
		return nil, err
	}
	white, err := s.opt.Glossaries.resolve(ctx, c.ProjectID, api.Deref(b.WhiteGlossaryNames), glossaryTypeWhite)
	if err != nil {
		return nil, err
	}
	return textResponse{RequestID: c.RequestID, Result: textAnswer(s.textDet.DetectWith(text, cats, black, white))}, nil
}

// textAnswer is the result body of findings: the most severe decides the
// suggestion and label; a glossary hit whose suggestion is pass is
// reported in details but leaves the text normal.
func textAnswer(found []Finding) textResult {
	res := textResult{Suggestion: sugPass, Label: labelNormal, Details: []textDetail{}}
	for i, fd := range found {
		if i == 0 && fd.Suggestion != sugPass {
			res.Suggestion, res.Label = fd.Suggestion, fd.Label
		}
		d := textDetail{Suggestion: fd.Suggestion, Label: fd.Label, Confidence: conf(fd.Confidence), Segments: []textSegment{}}
		for _, sg := range fd.Segments {
			d.Segments = append(d.Segments, textSegment{Segment: sg.Text, GlossaryName: sg.Glossary, Position: []int32{int32(sg.Start), int32(sg.End)}})
		}
		res.Details = append(res.Details, d)
	}
	return res
}

// checkPolicy validates biz_type and event_type. aisd has no console, so no
// custom policy (biz_type) exists; without one the API requires event_type.
func checkPolicy(bizType, eventType *string, known map[string]bool) error {
	if api.Deref(bizType) != "" {
		return catalog.E(catalog.KindBadParam).Wrap(fmt.Errorf("biz_type %q: no custom moderation policies are configured", *bizType))
	}
	et := api.Deref(eventType)
	if et == "" {
		return catalog.E(catalog.KindMissingParam).Wrap(errors.New("event_type is required when biz_type is absent"))
	}
	if !known[et] {
		return catalog.E(catalog.KindBadParam).Wrap(fmt.Errorf("event_type %q", et))
	}
	return nil
}

// pickCategories validates requested categories: an unknown one, or one
// aisd documents but cannot check, is refused with the family's
// "service does not exist" code, whose handling is "check the category".
func pickCategories(req []string, known map[string]bool, def []string) ([]string, error) {
	if len(req) == 0 {
		return def, nil
	}
	seen := map[string]bool{}
	var out []string
	for _, c := range req {
		ok, exists := known[c]
		switch {
		case !exists:
			return nil, catalog.E(catalog.KindCategory).Wrap(fmt.Errorf("unknown category %q", c))
		case !ok:
			return nil, catalog.E(catalog.KindCategory).Wrap(fmt.Errorf("category %q is not supported by this deployment (no model)", c))
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out, nil
}

// conf rounds a score to 4 places, as the cloud prints confidences.
func conf(f float64) float32 { return float32(math.Round(f*1e4) / 1e4) }
