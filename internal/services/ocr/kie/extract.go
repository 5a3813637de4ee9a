package kie

import (
	"math"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aisd/aisd/internal/services/ocr/kie/validate"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// Field is one extracted value.
type Field struct {
	Value      string
	Confidence float64
	// Box is where the value is in the input image (TL, TR, BR, BL).
	Box [4]pipeline.Point
	// Valid is the validator's verdict; nil when the field has none.
	Valid *bool
	// line is the detected line the value was read from (nil when read
	// again without the detector).
	line *Line
}

// Result is what Extract read from a page.
type Result struct {
	Fields map[string]*Field
	// Score is how many of the spec's anchors were found.
	Score int
	// Tables holds each table's rows by the spec's table name.
	Tables map[string][]map[string]*Field
}

type labelHit struct {
	line       *Line
	start, end int // byte offsets in the line's text
	field      int
}

// Extract reads spec's fields from the page.
func Extract(p *Page, s *Spec) Result {
	lines := p.Lines
	if s.JoinRows {
		lines = Rows(p)
	}
	res := extractLines(p, lines, s)
	readParts(p, lines, s, &res)
	return res
}

func extractLines(p *Page, lines []*Line, s *Spec) Result {
	lines = p.starLines(lines, s)
	res := Result{Fields: map[string]*Field{}, Score: score(lines, s)}
	var hits []labelHit
	for fi, f := range s.Fields {
		for _, l := range lines {
			for _, re := range f.labelRes {
				for _, m := range re.FindAllStringIndex(l.Text, -1) {
					hits = append(hits, labelHit{line: l, start: m[0], end: m[1], field: fi})
				}
			}
		}
	}
	used := map[*Line]bool{}
	for fi := range s.Fields {
		f := &s.Fields[fi]
		var got map[string]*Field
		for _, h := range hits {
			if h.field != fi {
				continue
			}
			if got = readLabelled(f, h, hits, lines, used); got != nil {
				break
			}
		}
		if f.Reread && (got == nil || failed(got[f.Name])) {
			// A missed value, or one its validator refuses (a detector box
			// that cut 回 to its inner 口): read the stretch again, and
			// keep a refused value unless the new reading passes.
			var bad *Line
			if got != nil {
				bad = got[f.Name].line
			}
			if again := p.rereadRight(f, fi, hits, lines, bad); again != nil && (got == nil || !failed(again[f.Name])) {
				got = again
			}
		}
		if got == nil && f.Anywhere {
			for _, l := range lines {
				// Printed labels are never values.
				if used[l] || (hasLabel(l, hits) && len(f.Labels) == 0) {
					continue
				}
				if got = match(f, l, 0, len(l.Text)); got != nil {
					used[l] = true
					break
				}
			}
		}
		for k, v := range got {
			if _, dup := res.Fields[k]; !dup {
				res.Fields[k] = v
			}
		}
	}
	for _, d := range s.Decoders {
		dec := decoders[d]
		if pd, ok := pageDecoders[d]; ok {
			dec = func(l []*Line) map[string]*Field { return pd(p, l) }
		}
		for k, v := range dec(lines) {
			if _, dup := res.Fields[k]; !dup {
				res.Fields[k] = v
			}
		}
	}
	for from, to := range s.Rename {
		if f, ok := res.Fields[from]; ok {
			if _, dup := res.Fields[to]; !dup {
				res.Fields[to] = f
			}
			delete(res.Fields, from)
		}
	}
	return res
}

// score counts the anchors present on the lines.
func score(lines []*Line, s *Spec) int {
	n := 0
	for _, a := range s.Anchors {
		re := labelRe(a)
		for _, l := range lines {
			if re.MatchString(l.Text) {
				n++
				break
			}
		}
	}
	return n
}

// readLabelled looks for the value of a label hit in the places the field
// allows.
func readLabelled(f *FieldSpec, h labelHit, hits []labelHit, lines []*Line, used map[*Line]bool) map[string]*Field {
	for _, w := range f.Where {
		switch w {
		case "same":
			end := len(h.line.Text)
			for _, o := range hits {
				if o.line == h.line && o.start >= h.end && o.start < end {
					end = o.start
				}
			}
			if got := match(f, h.line, h.end, end); got != nil {
				extend(f, got, h.line, lines, hits, used)
				return got
			}
		case "right", "below", "above":
			var best *Line
			bestD := math.Inf(1)
			// The label's own extent: a line may hold several labels, and
			// a label's column starts where the previous label ends
			// (bilingual labels: 国籍/Nationality).
			_, lx1 := h.line.spanX(h.start, h.end)
			lx0, prev := h.line.X0, -1
			for _, o := range hits {
				if o.line == h.line && o.field != h.field && o.end <= h.start && o.end > prev {
					prev = o.end
					_, lx0 = h.line.spanX(o.start, o.end)
				}
			}
			for _, l := range lines {
				if l == h.line {
					continue
				}
				var d float64
				if w == "right" {
					if math.Abs(l.CY()-h.line.CY()) > 0.5*math.Max(l.H(), h.line.H()) || l.X0 < lx1-0.5*h.line.H() {
						continue
					}
					d = l.X0 - lx1
				} else {
					gap := l.Y0 - h.line.Y1
					if w == "above" {
						// Cards that print the value over its caption.
						gap = h.line.Y0 - l.Y1
					}
					if gap < -0.3*h.line.H() || gap > 2.5*math.Max(l.H(), h.line.H()) || l.X1 < lx0 || l.X0 > lx1+2*h.line.H() {
						continue
					}
					d = gap + math.Abs(l.X0-lx0)*0.2
				}
				if d < bestD {
					best, bestD = l, d
				}
			}
			// The nearest line is the value or nothing: a value is never
			// taken from beyond another label.
			if best != nil && (used[best] || labelOnly(best, hits)) {
				best = nil
			}
			if best != nil {
				from, end := 0, len(best.Text)
				column := w != "right" && (hasLater(h, hits) || hasEarlier(h, hits))
				if column {
					// The label shares its line with other labels: its
					// value is what lies under its own column.
					x1 := math.Inf(1)
					if hasLater(h, hits) {
						// To the end of this field's labels on the line.
						for _, o := range hits {
							if o.line == h.line && o.field == h.field {
								_, e := h.line.spanX(o.start, o.end)
								x1 = math.Max(lx1, e)
							}
						}
					}
					from, end = best.byteRange(lx0-0.5*h.line.H(), x1)
				}
				for _, o := range hits {
					if o.line == best && o.start > from && o.start < end {
						end = o.start
					}
				}
				if got := match(f, best, from, end); got != nil {
					// A column read leaves the rest of the line to the
					// other labels.
					used[best] = !column
					extend(f, got, best, lines, hits, used)
					return got
				}
			}
		}
	}
	return nil
}

// hasEarlier reports whether another field's label precedes h on its line.
func hasEarlier(h labelHit, hits []labelHit) bool {
	for _, o := range hits {
		if o.line == h.line && o.field != h.field && o.end <= h.start {
			return true
		}
	}
	return false
}

// hasLater reports whether another field's label follows h on its line.
func hasLater(h labelHit, hits []labelHit) bool {
	for _, o := range hits {
		if o.line == h.line && o.field != h.field && o.start >= h.end {
			return true
		}
	}
	return false
}

// labelOnly reports whether a line holds nothing but labels.
func labelOnly(l *Line, hits []labelHit) bool {
	rest := l.Text
	for i := len(hits) - 1; i >= 0; i-- {
		if hits[i].line == l {
			rest = strings.Replace(rest, l.Text[hits[i].start:hits[i].end], "", 1)
		}
	}
	return len(hits) > 0 && strings.TrimSpace(strings.Trim(rest, ":：/ ")) == "" && rest != l.Text
}

// extend appends continuation lines (aligned, directly below, without a
// label) to a multi-line value.
func extend(f *FieldSpec, got map[string]*Field, first *Line, lines []*Line, hits []labelHit, used map[*Line]bool) {
	if f.Lines <= 1 || len(got) != 1 {
		return
	}
	var fl *Field
	for _, v := range got {
		fl = v
	}
	x0 := first.X0
	if fl.Box != ([4]pipeline.Point{}) {
		// Continuation lines align with the value, not its label.
		x0 = math.Inf(1)
	}
	last := first
	valX := valueX(first, fl)
	for n := 1; n < f.Lines; n++ {
		var next *Line
		for _, l := range lines {
			if used[l] || l == last || l.Y0 < last.CY() {
				continue
			}
			gap := l.Y0 - last.Y1
			if gap > 1.2*last.H() || math.Abs(l.X0-valX) > 1.5*last.H() || hasLabel(l, hits) || besideLabel(l, hits) {
				continue
			}
			if next == nil || l.Y0 < next.Y0 {
				next = l
			}
		}
		if next == nil {
			break
		}
		used[next] = true
		add := normalize(f, next.Text)
		fl.Value += add
		fl.Confidence = (fl.Confidence + next.Score) / 2
		fl.Box = union(fl.Box, next.Box)
		last = next
	}
	_ = x0
}

// valueX is the page-frame left edge of a value within its line.
func valueX(l *Line, f *Field) float64 {
	if len(l.Chars) == 0 || f.Box == ([4]pipeline.Point{}) {
		return l.X0
	}
	// The value's share of the line, measured in characters.
	n := utf8.RuneCountInString(l.Text)
	v := utf8.RuneCountInString(f.Value)
	if n == 0 || v > n {
		return l.X0
	}
	return l.X0 + (l.X1-l.X0)*float64(n-v)/float64(n)
}

// besideLabel reports whether a label sits on l's row to its left: l is
// that label's value, not a continuation of the line above.
func besideLabel(l *Line, hits []labelHit) bool {
	for _, h := range hits {
		if h.line != l && math.Abs(h.line.CY()-l.CY()) < 0.5*math.Max(l.H(), h.line.H()) && h.line.X1 <= l.X0+0.5*l.H() {
			return true
		}
	}
	return false
}

func hasLabel(l *Line, hits []labelHit) bool {
	for _, h := range hits {
		if h.line == l {
			return true
		}
	}
	return false
}

// match tries the field's pattern on text[from:to] of a line.
func match(f *FieldSpec, l *Line, from, to int) map[string]*Field {
	raw := l.Text[from:to]
	text := normalize(f, raw)
	text = strings.TrimLeft(text, ":：.,， ")
	if strings.TrimSpace(text) == "" {
		return nil
	}
	out := map[string]*Field{}
	if f.re == nil {
		out[f.Name] = field(f, l, from, to, strings.TrimSpace(text))
		return out
	}
	m := f.re.FindStringSubmatch(text)
	if m == nil {
		return nil
	}
	names := f.re.SubexpNames()
	named := false
	for i, n := range names {
		if n != "" && i < len(m) {
			named = true
			if m[i] != "" {
				out[n] = field(f, l, from, to, post(n, m[i]))
			}
		}
	}
	if !named {
		v := m[0]
		if len(m) > 1 {
			v = m[1]
		}
		out[f.Name] = field(f, l, from, to, post(f.Name, v))
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// post applies the output-format normalisers keyed by the field's name
// suffix: dates become YYYY-MM-DD.
func post(name, v string) string {
	v = strings.TrimSpace(v)
	if strings.Contains(name, "date") || name == "valid_from" || name == "valid_to" || name == "birth" {
		if t, ok := validate.ParseDate(v); ok {
			return t.Format("2006-01-02")
		}
	}
	return v
}

// field makes a Field from the characters of l.Text[from:to], with their
// mean recogniser score and enclosing box.
func field(f *FieldSpec, l *Line, from, to int, v string) *Field {
	out := &Field{Value: v, Confidence: l.Score, Box: l.Box, line: l}
	if len(l.Chars) > 0 {
		// Chars are dictionary entries in text order; walk them by bytes.
		off := 0
		var sum float64
		var n int
		var box [4]pipeline.Point
		for _, c := range l.Chars {
			if off >= from && off < to && strings.TrimSpace(c.Char) != "" {
				sum += c.Score
				n++
				box = union(box, c.Box)
			}
			off += len(c.Char)
		}
		if n > 0 {
			out.Confidence = sum / float64(n)
			out.Box = box
		}
	}
	if f.Validate != "" {
		ok := validators[f.Validate](v)
		out.Valid = &ok
	}
	return out
}

// union is the axis-aligned box around two boxes (a zero box is empty).
func union(a, b [4]pipeline.Point) [4]pipeline.Point {
	if a == ([4]pipeline.Point{}) {
		return b
	}
	x0, y0, x1, y1 := a[0][0], a[0][1], a[0][0], a[0][1]
	for _, p := range append(a[:], b[:]...) {
		x0, y0 = min(x0, p[0]), min(y0, p[1])
		x1, y1 = max(x1, p[0]), max(y1, p[1])
	}
	return [4]pipeline.Point{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
}

func normalize(f *FieldSpec, s string) string {
	for _, n := range f.Normalize {
		s = normalizers[n](s)
	}
	return s
}

var (
	abbrevDotRe  = regexp.MustCompile(`\b(\p{Lu}{1,6})\.(\p{Lu}|\d)`)
	wordNumberRe = regexp.MustCompile(`(\p{Lu}{2,})(\d)`)
	loneLetterRe = regexp.MustCompile(`(?:^|\b)([B-DF-NP-TV-XZÑ]) +(\p{Lu})`)
)

var normalizers = map[string]func(string) string{
	"halfwidth": validate.HalfWidth,
	"upper":     strings.ToUpper,
	"nospace":   func(s string) string { return strings.Join(strings.Fields(s), "") },
	"digits": func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			if r == ' ' {
				return -1
			}
			return r
		}, s)
	},
	// vin folds the letters a VIN never holds into the digits they are
	// misread for (ISO 3779 excludes I, O and Q).
	"vin": func(s string) string {
		return strings.NewReplacer("I", "1", "O", "0", "Q", "0").Replace(strings.ToUpper(s))
	},
	"mrz": validate.CleanMRZ,
	// spanishwords joins a lone letter to the word after it where Spanish
	// has no one-letter word (only a, e, o, u and y are): a place name
	// read "H UANCAYO" or "I BAGUE" is one word the recogniser split.
	"spanishwords": func(s string) string { return loneLetterRe.ReplaceAllString(s, "$1$2") },
	// addressspacing puts back the spaces a recogniser drops in a Latin
	// street address: after an abbreviation's period (AV.SAN → AV. SAN)
	// and before the house number (FLORES805 → FLORES 805).
	"addressspacing": func(s string) string {
		s = abbrevDotRe.ReplaceAllString(s, "$1. $2")
		return wordNumberRe.ReplaceAllString(s, "$1 $2")
	},
	// bloodtype: a blood type is A, B, AB or O; a zero there is a
	// misread O (the recogniser reads 〇/O/0 alike in a CJK run).
	"bloodtype": func(s string) string {
		return strings.NewReplacer("0", "O", "〇", "O", "o", "O").Replace(s)
	},
	// capsname: the surname before the comma is printed in capitals, so
	// a lower-case l there is a misread I.
	"capsname": func(s string) string {
		sur, rest, ok := strings.Cut(s, ",")
		if !ok {
			return s
		}
		return strings.ToUpper(strings.ReplaceAll(sur, "l", "I")) + "," + rest
	},
	// comma_space: names printed "SURNAME, Given" (Hong Kong cards) keep
	// their space after the comma, which recognisers drop.
	"comma_space": func(s string) string {
		sur, rest, ok := strings.Cut(s, ",")
		if !ok {
			return s
		}
		return sur + ", " + strings.TrimSpace(rest)
	},
	// nationality: the printed nationality of a PRC document as its
	// ICAO 9303 code.
	"nationality": func(s string) string {
		t := strings.ToUpper(strings.Join(strings.Fields(s), ""))
		if strings.Contains(t, "中国") || strings.Contains(t, "CHINESE") || strings.Contains(t, "CHINA") {
			return "CHN"
		}
		return s
	},
}

var now = time.Now

var validators = map[string]func(string) bool{
	"gb11643":   func(s string) bool { n, ok := validate.ParseIDNumber(s); return ok && n.Valid(now()) },
	"luhn":      validate.Luhn,
	"vin":       validate.ValidVIN,
	"hkid":      validate.ValidHKID,
	"run":       validate.ValidRUN,
	"uscc":      validate.ValidUSCC,
	"plate":     func(s string) bool { return validate.ParsePlate(s).Valid },
	"date":      func(s string) bool { _, ok := validate.ParseDate(s); return ok },
	"ethnicity": validate.Ethnicity,
}

// decoders read structures that span lines and carry their own checks.
var decoders = map[string]func([]*Line) map[string]*Field{
	"td3": decodeTD3,
}

// pageDecoders are decoders that may read parts of the page's image
// again (p is nil for lines without a page).
var pageDecoders = map[string]func(p *Page, lines []*Line) map[string]*Field{}

// decodeTD3 finds the two MRZ lines of a passport data page.
func decodeTD3(lines []*Line) map[string]*Field {
	for i, l := range lines {
		a := validate.CleanMRZ(strings.ReplaceAll(l.Text, " ", ""))
		if len(a) < 8 || !strings.HasPrefix(a, "P") || !strings.Contains(a, "<<") {
			continue
		}
		for _, m := range lines[i+1:] {
			b := validate.CleanMRZ(strings.ReplaceAll(m.Text, " ", ""))
			if len(b) < 30 {
				continue
			}
			t, ok := validate.ParseTD3(a, b)
			if !ok {
				continue
			}
			conf := (l.Score + m.Score) / 2
			box := union(l.Box, m.Box)
			mk := func(v string, ok bool) *Field {
				f := &Field{Value: v, Confidence: conf, Box: box}
				f.Valid = &ok
				return f
			}
			out := map[string]*Field{
				"passport_type":   mk(t.DocType, true),
				"country_code":    mk(t.Issuer, true),
				"surname":         mk(t.Surname, true),
				"given_name":      mk(t.GivenNames, true),
				"passport_number": mk(t.Number, t.NumberOK),
				"nationality":     mk(t.Nationality, true),
				"sex":             mk(t.Sex, true),
				"mrz_valid":       mk("", t.Valid()),
			}
			if d, ok := validate.MRZDate(t.Birth, true, now()); ok {
				out["date_of_birth"] = mk(d, t.BirthOK)
			}
			if d, ok := validate.MRZDate(t.Expiry, false, now()); ok {
				out["date_of_expiry"] = mk(d, t.ExpiryOK)
			}
			out["machine_code"] = mk(a, true)
			out["machine_code2"] = mk(b, t.CompositeOK)
			return out
		}
	}
	return nil
}

// failed reports whether a value's validator refused it.
func failed(f *Field) bool { return f != nil && f.Valid != nil && !*f.Valid }

// rereadRight reads again, without the detector, the stretch right of a
// label of field fi that ends its line, up to the next line on its row
// other than the refused value's own (or four line heights), and takes
// the value if it fits the pattern.
func (p *Page) rereadRight(f *FieldSpec, fi int, hits []labelHit, lines []*Line, refused *Line) map[string]*Field {
	if p == nil || p.reader == nil {
		return nil
	}
	for _, h := range hits {
		l := h.line
		if h.field != fi || strings.TrimSpace(l.Text[h.end:]) != "" {
			continue
		}
		hgt := l.Y1 - l.Y0
		if hgt <= 0 {
			continue
		}
		x0, x1 := l.X1+0.1*hgt, l.X1+4*hgt
		if refused != nil && refused.X0 >= l.X1 && refused.Y0 < l.Y1 && refused.Y1 > l.Y0 {
			// Around the refused value: its box was too tight, not
			// misplaced, and the gap before it may hold the label's edge.
			x0 = math.Max(x0, refused.X0-0.5*hgt)
			x1 = math.Max(x1, refused.X1+0.5*hgt)
		}
		for _, o := range lines {
			if o != l && o != refused && o.X0 >= l.X1 && o.Y0 < l.Y1 && o.Y1 > l.Y0 {
				x1 = math.Min(x1, o.X0-0.1*hgt)
			}
		}
		if x1-x0 < 0.5*hgt {
			continue
		}
		y0, y1 := l.Y0-0.15*hgt, l.Y1+0.15*hgt
		img, _, ok := p.cropFrame(x0, y0, x1, y1, 48/hgt)
		if !ok {
			continue
		}
		res, err := p.reader.Run(p.ctx, img, pipeline.RunOptions{NoDet: true, NoCls: true})
		if err != nil || len(res.Lines) == 0 || strings.TrimSpace(res.Lines[0].Text) == "" {
			continue
		}
		rl := &Line{Line: pipeline.Line{Text: res.Lines[0].Text, Score: res.Lines[0].Score}}
		got := match(f, rl, 0, len(rl.Text))
		if got == nil {
			continue
		}
		box := p.frameRect(x0, y0, x1, y1)
		for _, v := range got {
			v.Box = box
			if v.Confidence == 0 {
				v.Confidence = float64(res.Lines[0].Score)
			}
		}
		return got
	}
	return nil
}
