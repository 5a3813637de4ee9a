package validate

import (
	"regexp"
	"strings"
	"time"
)

// MRZCheck is the ICAO 9303 part 3 §4.9 check digit of s: weights 7, 3, 1
// repeating; digits count as themselves, A–Z as 10–35, '<' as 0.
// It returns -1 when s holds another character.
func MRZCheck(s string) int {
	w := [3]int{7, 3, 1}
	sum := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		case c == '<':
			v = 0
		default:
			return -1
		}
		sum += v * w[i%3]
	}
	return sum % 10
}

// TD3 is a passport's machine-readable zone (ICAO 9303 part 4), decoded.
type TD3 struct {
	DocType, Issuer, Surname, GivenNames string
	Number, Nationality, Sex, Optional   string
	Birth, Expiry                        string // YYMMDD as printed
	// The check digits: each true when it matches its field.
	NumberOK, BirthOK, ExpiryOK, OptionalOK, CompositeOK bool
}

// Valid reports whether every check digit matches.
func (t TD3) Valid() bool {
	return t.NumberOK && t.BirthOK && t.ExpiryOK && t.OptionalOK && t.CompositeOK
}

// line2 matches the fixed fields of the second line; the optional data is
// matched loosely because recognisers miscount runs of fillers, and is
// re-padded to its 14 characters before its check digit is computed.
var (
	line2 = regexp.MustCompile(`^([A-Z0-9<]{9})([0-9])([A-Z<]{3})([0-9]{6})([0-9])([MFX<])([0-9]{6})([0-9])(.*)$`)
	tail2 = regexp.MustCompile(`^([A-Z0-9<]*?)([0-9<])([0-9])$`)
)

// CleanMRZ keeps a recognised MRZ line's own alphabet: upper case, digits
// and '<' (recognisers read the filler as «, ‹, K< runs or spaces).
func CleanMRZ(s string) string {
	s = strings.ToUpper(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '<':
			b.WriteRune(r)
		case r == '«', r == '‹', r == '〈', r == '＜':
			b.WriteString("<")
		}
	}
	return b.String()
}

// ParseTD3 decodes the two 44-character lines of a passport MRZ. ok is
// false when the lines do not have the TD3 structure.
func ParseTD3(l1, l2 string) (TD3, bool) {
	l1, l2 = CleanMRZ(l1), CleanMRZ(l2)
	var t TD3
	if len(l1) < 6 || l1[0] != 'P' {
		return t, false
	}
	m := line2.FindStringSubmatch(l2)
	if m == nil {
		return t, false
	}
	t.DocType = strings.TrimRight(l1[:2], "<")
	t.Issuer = strings.TrimRight(l1[2:5], "<")
	names := strings.TrimRight(l1[5:], "<")
	sur, given, _ := strings.Cut(names, "<<")
	t.Surname = strings.ReplaceAll(strings.Trim(sur, "<"), "<", " ")
	t.GivenNames = strings.Join(strings.FieldsFunc(given, func(r rune) bool { return r == '<' }), " ")
	t.Number = strings.TrimRight(m[1], "<")
	t.Nationality = strings.TrimRight(m[3], "<")
	t.Birth, t.Sex, t.Expiry = m[4], m[6], m[7]
	d := func(s string) int { return int(s[0] - '0') }
	t.NumberOK = MRZCheck(m[1]) == d(m[2])
	t.BirthOK = MRZCheck(m[4]) == d(m[5])
	t.ExpiryOK = MRZCheck(m[7]) == d(m[8])
	// A line cut short (fillers and final digits unread) keeps its fixed
	// fields; the optional and composite checks then fail.
	tm := tail2.FindStringSubmatch(m[9])
	if tm == nil {
		return t, true
	}
	opt := tm[1]
	if len(opt) > 14 {
		opt = opt[:14]
	}
	opt += strings.Repeat("<", 14-len(opt))
	t.Optional = strings.TrimRight(opt, "<")
	// An all-filler optional field may carry '<' as its check digit.
	t.OptionalOK = (tm[2] == "<" && t.Optional == "") || (tm[2] != "<" && MRZCheck(opt) == d(tm[2]))
	comp := m[1] + m[2] + m[4] + m[5] + m[7] + m[8] + opt + tm[2]
	t.CompositeOK = MRZCheck(comp) == d(tm[3])
	return t, true
}

// MRZDate turns a YYMMDD MRZ date into YYYY-MM-DD. Birth dates take the
// century that puts them in the past; expiry dates the one that puts them
// within 50 years of now.
func MRZDate(yymmdd string, birth bool, now time.Time) (string, bool) {
	t, err := time.Parse("060102", yymmdd)
	if err != nil {
		return "", false
	}
	y := t.Year()%100 + now.Year()/100*100
	if birth && y > now.Year() {
		y -= 100
	}
	if !birth && y < now.Year()-50 {
		y += 100
	}
	t = time.Date(y, t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return t.Format("2006-01-02"), true
}
