package validate

import (
	"regexp"
	"strings"
)

// TD1 is the three-line machine-readable zone of an identity card
// (ICAO 9303 part 5: 3 × 30 characters), decoded.
type TD1 struct {
	DocType, Issuer, Number, Optional1  string
	Birth, Sex, Expiry, Nationality     string // dates YYMMDD as printed
	Optional2, Surname, GivenNames      string
	Line1, Line2, Line3                 string // re-padded to 30
	NumberOK, BirthOK, ExpiryOK, CompOK bool
}

// Valid reports whether every check digit matches.
func (t TD1) Valid() bool { return t.NumberOK && t.BirthOK && t.ExpiryOK && t.CompOK }

// The fixed fields are matched strictly, the filler runs loosely:
// recognisers miscount runs of '<', so the optional fields are re-padded
// to their lengths before the check digits are computed.
var (
	// A first character lost at the line's edge leaves the document code
	// "<": the rest still decodes. The issuer and nationality admit a
	// misread character (they carry no check digit).
	td1L1 = regexp.MustCompile(`^([ACI][A-Z<]|<)([A-Z0-9<]{3})([A-Z0-9<]{9})([0-9<])(.*)$`)
	td1L2 = regexp.MustCompile(`^([0-9]{6})([0-9])([MFX<])([0-9]{6})([0-9])([A-Z0-9<]{3})(.*?)([0-9])$`)
	td1L3 = regexp.MustCompile(`^[A-Z<]+<<[A-Z<]*$`)
)

func padTo(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s + strings.Repeat("<", n-len(s))
}

// ParseTD1 decodes the three lines of an identity card's MRZ; ok is false
// when they do not have the TD1 structure.
func ParseTD1(l1, l2, l3 string) (TD1, bool) {
	l1, l2, l3 = CleanMRZ(l1), CleanMRZ(l2), CleanMRZ(l3)
	// Where only digits may stand (the dates, their check digits) or only
	// letters (the name), the look-alikes a recogniser confuses are put
	// right: O/0, I/1, S/5, B/8, Z/2. The document code, the issuer and
	// the nationality are letters too.
	letters := strings.NewReplacer("0", "O", "1", "I", "5", "S", "8", "B", "2", "Z")
	l3 = letters.Replace(l3)
	if len(l1) >= 5 {
		l1 = letters.Replace(l1[:5]) + l1[5:]
	}
	if len(l2) >= 18 {
		l2 = l2[:15] + letters.Replace(l2[15:18]) + l2[18:]
	}
	if len(l2) >= 16 { // the last character is the composite check digit
		d := strings.NewReplacer("O", "0", "D", "0", "Q", "0", "I", "1", "L", "1", "S", "5", "B", "8", "Z", "2")
		l2 = d.Replace(l2[:7]) + l2[7:8] + d.Replace(l2[8:15]) + l2[15:len(l2)-1] + d.Replace(l2[len(l2)-1:])
	}
	var t TD1
	m1, m2 := td1L1.FindStringSubmatch(l1), td1L2.FindStringSubmatch(l2)
	if m1 == nil || m2 == nil || !td1L3.MatchString(l3) {
		return t, false
	}
	d := func(s string) int {
		if s == "<" {
			return 0
		}
		return int(s[0] - '0')
	}
	opt1, opt2 := padTo(m1[5], 15), padTo(m2[7], 11)
	t.DocType = strings.TrimRight(m1[1], "<")
	t.Issuer = strings.Trim(m1[2], "<")
	t.Number = strings.TrimRight(m1[3], "<")
	t.Optional1 = strings.TrimRight(opt1, "<")
	t.Birth, t.Sex, t.Expiry = m2[1], strings.Trim(m2[3], "<"), m2[4]
	t.Nationality = strings.Trim(m2[6], "<")
	t.Optional2 = strings.TrimRight(opt2, "<")
	t.NumberOK = MRZCheck(m1[3]) == d(m1[4])
	t.BirthOK = MRZCheck(m2[1]) == d(m2[2])
	t.ExpiryOK = MRZCheck(m2[4]) == d(m2[5])
	up := m1[3] + m1[4] + opt1 + m2[1] + m2[2] + m2[4] + m2[5] + opt2
	t.CompOK = MRZCheck(up) == d(m2[8])
	sur, given, _ := strings.Cut(strings.TrimRight(l3, "<"), "<<")
	t.Surname = strings.ReplaceAll(strings.Trim(sur, "<"), "<", " ")
	t.GivenNames = strings.Join(strings.FieldsFunc(given, func(r rune) bool { return r == '<' }), " ")
	t.Line1 = padTo(m1[1]+m1[2]+m1[3]+m1[4]+opt1, 30)
	t.Line2 = m2[1] + m2[2] + m2[3] + m2[4] + m2[5] + m2[6] + opt2 + m2[8]
	t.Line3 = padTo(strings.TrimRight(l3, "<"), 30)
	return t, true
}

// TD1Lines composes the three MRZ lines of an identity card (for the
// specimens and tests); names are upper-case Latin, spaces become '<'.
func TD1Lines(docType, issuer, number, birth, sex, expiry, nationality, surname, given string) [3]string {
	ck := func(s string) string { return string(byte('0' + MRZCheck(s))) }
	num := padTo(number, 9)
	opt1, opt2 := padTo("", 15), padTo("", 11)
	l1 := padTo(docType, 2) + padTo(issuer, 3) + num + ck(num) + opt1
	up := num + ck(num) + opt1 + birth + ck(birth) + expiry + ck(expiry) + opt2
	l2 := birth + ck(birth) + padTo(sex, 1) + expiry + ck(expiry) + padTo(nationality, 3) + opt2 + ck(up)
	l3 := padTo(strings.ReplaceAll(surname, " ", "<")+"<<"+strings.ReplaceAll(given, " ", "<"), 30)
	return [3]string{l1, l2, l3}
}
