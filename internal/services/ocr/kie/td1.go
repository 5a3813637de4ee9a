package kie

import (
	"math"
	"regexp"
	"strings"

	"github.com/aisd/aisd/internal/services/ocr/pipeline"

	"github.com/aisd/aisd/internal/services/ocr/kie/validate"
)

// Registered as package variables so that they exist before spec.go's
// init compiles the built-in specs that name them.
var _ = func() bool {
	decoders["td1"] = decodeTD1
	pageDecoders["td1"] = decodeTD1Page
	// dashdate: Latin-American cards print 12-MAR-1985; ParseDate reads
	// the spaced form.
	normalizers["dashdate"] = func(s string) string {
		if monthDash.MatchString(strings.ToUpper(s)) {
			return strings.ReplaceAll(s, "-", " ")
		}
		return s
	}
	// dmy: day, month and year printed as numbers (Peru: 12 03 1985)
	// become YYYY-MM-DD.
	normalizers["dmy"] = func(s string) string {
		return dmyRe.ReplaceAllStringFunc(s, func(m string) string {
			p := dmyRe.FindStringSubmatch(m)
			return p[3] + "-" + p[2] + "-" + p[1]
		})
	}
	// paren_space: "MEDELLIN (ANTIOQUIA)" keeps the space before its
	// bracket, which the recogniser drops.
	normalizers["paren_space"] = func(s string) string {
		return strings.TrimSpace(parenRe.ReplaceAllString(s, "$1 ("))
	}
	return true
}()

var (
	monthDash = regexp.MustCompile(`\d{1,2}\s*-\s*[A-Z]{3}\s*-\s*\d{4}`)
	dmyRe     = regexp.MustCompile(`\b(\d{2})[ ./]?(\d{2})[ ./]?((?:19|20)\d{2})\b`)
	parenRe   = regexp.MustCompile(`(\S)\s*\(`)
)

// decodeTD1 finds the three MRZ lines of an identity card (ICAO 9303
// part 5) and answers them with their decoded fields, each flagged by
// its check digit.
func decodeTD1(lines []*Line) map[string]*Field { return decodeTD1Page(nil, lines) }

// decodeTD1Page is decodeTD1 that, on a page read by Read, re-reads the
// MRZ band when the lines found do not decode with every check digit
// right, and lets the check digits choose among the readings.
func decodeTD1Page(p *Page, lines []*Line) map[string]*Field {
	clean := make([]string, len(lines))
	for i, l := range lines {
		clean[i] = validate.CleanMRZ(strings.ReplaceAll(l.Text, " ", ""))
	}
	var best *td1Pick
	for i := range lines {
		// The first line's filler run is often cut off by the detector.
		if len(clean[i]) < 14 || !strings.Contains(clean[i], "<") {
			continue
		}
		for j := i + 1; j < len(lines) && j <= i+2; j++ {
			for k := j + 1; k < len(lines) && k <= j+2; k++ {
				t, ok := validate.ParseTD1(clean[i], clean[j], clean[k])
				if !ok {
					continue
				}
				c := &td1Pick{t: t, conf: (lines[i].Score + lines[j].Score + lines[k].Score) / 3,
					box: union(union(lines[i].Box, lines[j].Box), lines[k].Box)}
				c.rank = td1Rank(t, c.conf, clean[i], clean[j], clean[k])
				// The name row has no check digit: a reading of another
				// length than the row's 30 characters lost some.
				c.short = len(clean[k]) != 30
				if best == nil || c.rank > best.rank {
					best = c
				}
			}
		}
	}
	if (best == nil || !td1Sound(best.t) || best.short) && p != nil {
		if b := p.rereadTD1(lines); b != nil && (best == nil || b.rank > best.rank) {
			best = b
		}
	}
	if best == nil {
		return nil
	}
	fixCodes(&best.t)
	return td1Fields(best.t, best.conf, best.box)
}

// td1Sound: every check digit holds, issuer and nationality are codes an
// MRZ may carry, and the name is there.
func td1Sound(t validate.TD1) bool {
	return t.Valid() && validate.MRZCode(t.Issuer) && validate.MRZCode(t.Nationality) && t.Surname != ""
}

// fixCodes puts right an issuer or nationality that is one look-alike
// letter from a single known code (they carry no check digit).
func fixCodes(t *validate.TD1) {
	if c, ok := validate.FixMRZCode(t.Issuer); ok && c != t.Issuer && len(t.Line1) >= 5 {
		t.Issuer, t.Line1 = c, t.Line1[:2]+c+t.Line1[5:]
	}
	if c, ok := validate.FixMRZCode(t.Nationality); ok && c != t.Nationality && len(t.Line2) >= 18 {
		t.Nationality, t.Line2 = c, t.Line2[:15]+c+t.Line2[18:]
	}
}

// td1Pick is one decoding of the zone with its rank.
type td1Pick struct {
	t    validate.TD1
	conf float64
	box  [4]pipeline.Point
	rank float64
	// short: the name row was not read at its printed length.
	short bool
}

// td1Rank orders decodings: each check digit that holds counts most,
// then fields of their right shape (letters where only letters stand),
// rows of their printed length, and the recogniser's confidence.
func td1Rank(t validate.TD1, conf float64, rows ...string) float64 {
	r := 0.0
	for _, ok := range []bool{t.NumberOK, t.BirthOK, t.ExpiryOK, t.CompOK} {
		if ok {
			r += 10
		}
	}
	alpha := func(s string) bool {
		for _, c := range s {
			if c < 'A' || c > 'Z' {
				return false
			}
		}
		return true
	}
	for _, c := range []string{t.Nationality, t.Issuer} {
		switch {
		case validate.MRZCode(c):
			r += 3
		case len(c) == 3 && alpha(c):
			r++
		}
	}
	if t.Surname != "" {
		r++
	}
	if t.GivenNames != "" {
		r++
	}
	for _, s := range rows {
		r -= 0.05 * math.Abs(float64(len(s)-30))
	}
	return r + conf
}

// rereadTD1 reads the MRZ band again (Page.mrzRows) and decodes the best
// combination of the readings of three consecutive rows; the lines
// already found are candidates of the rows they overlap.
func (p *Page) rereadTD1(lines []*Line) *td1Pick {
	// A passport's 44-character rows are TD3's: no card zone to look for.
	for _, l := range lines {
		if len(clean1(l.Text)) >= 38 {
			return nil
		}
	}
	rows := p.mrzRows(lines, 3)
	for _, l := range lines {
		if !looksMRZ(l.Text) {
			continue
		}
		for i, r := range rows {
			if len(r) > 0 && math.Min(r[0].fy1, l.Y1)-math.Max(r[0].fy0, l.Y0) > 0.5*l.H() {
				rows[i] = append(r, mrzCand{text: l.Text, score: l.Score, box: l.Box})
				break
			}
		}
	}
	for i := range rows {
		rows[i] = recombineTD1First(rows[i])
	}
	var best *td1Pick
	for k := 0; k+3 <= len(rows); k++ {
		for _, a := range rows[k] {
			for _, b := range rows[k+1] {
				for _, c := range rows[k+2] {
					ra, rb, rc := clean1(a.text), clean1(b.text), clean1(c.text)
					t, ok := validate.ParseTD1(ra, rb, rc)
					if !ok {
						continue
					}
					conf := (a.score + b.score + c.score) / 3
					pk := &td1Pick{t: t, conf: conf, box: union(union(a.box, b.box), c.box), rank: td1Rank(t, conf, ra, rb, rc)}
					// A row read in pieces with a character for every
					// glyph outranks readings of the same checks that
					// dropped some: the name row has no check digit.
					for _, x := range []mrzCand{a, b, c} {
						if x.exact {
							pk.rank += 0.3
						}
					}
					if best == nil || pk.rank > best.rank {
						best = pk
					}
				}
			}
		}
	}
	return best
}

func clean1(s string) string { return validate.CleanMRZ(strings.ReplaceAll(s, " ", "")) }

func td1Fields(t validate.TD1, conf float64, box [4]pipeline.Point) map[string]*Field {
	mk := func(v string, ok bool) *Field {
		f := &Field{Value: v, Confidence: conf, Box: box}
		f.Valid = &ok
		return f
	}
	out := map[string]*Field{
		"machine_code1":   mk(t.Line1, true),
		"machine_code2":   mk(t.Line2, t.CompOK),
		"machine_code3":   mk(t.Line3, true),
		"mrz_doc_type":    mk(t.DocType, true),
		"mrz_issuer":      mk(t.Issuer, true),
		"mrz_number":      mk(t.Number, t.NumberOK),
		"mrz_sex":         mk(t.Sex, true),
		"mrz_nationality": mk(t.Nationality, true),
		"mrz_surname":     mk(t.Surname, true),
		"mrz_given_names": mk(t.GivenNames, true),
		"mrz_valid":       mk("", t.Valid()),
	}
	if d, ok := validate.MRZDate(t.Birth, true, now()); ok {
		out["mrz_birth_date"] = mk(d, t.BirthOK)
	}
	if d, ok := validate.MRZDate(t.Expiry, false, now()); ok {
		out["mrz_expiry_date"] = mk(d, t.ExpiryOK)
	}
	return out
}

// td1Number is the first row's document number and its check digit
// followed by the filler run, found from the right: a row whose first
// characters were lost still shows them.
var td1Number = regexp.MustCompile(`([A-Z0-9<]{9})([0-9])<{4,}[A-Z0-9<]*$`)

// recombineTD1First adds to a row's readings those made of one
// reading's document code and issuer and another's document number,
// where that number's check digit holds: the recogniser drops characters
// at the row's start in some readings and inside the number in others.
func recombineTD1First(cs []mrzCand) []mrzCand {
	var heads []mrzCand
	type tail struct {
		s     string
		score float64
	}
	var tails []tail
	for _, c := range cs {
		t := clean1(c.text)
		if len(t) >= 5 && validate.MRZCode(t[2:5]) && (t[0] == 'I' || t[0] == 'A' || t[0] == 'C') {
			heads = append(heads, c)
		}
		if m := td1Number.FindStringSubmatchIndex(t); m != nil {
			num, ck := t[m[2]:m[3]], t[m[4]:m[5]]
			if validate.MRZCheck(num) == int(ck[0]-'0') {
				tails = append(tails, tail{t[m[2]:], c.score})
			}
		}
	}
	out := cs
	for _, h := range heads {
		for _, tl := range tails {
			t := clean1(h.text)[:5] + tl.s
			out = append(out, mrzCand{text: t, score: (h.score + tl.score) / 2, box: h.box, fy0: h.fy0, fy1: h.fy1})
		}
	}
	return out
}
