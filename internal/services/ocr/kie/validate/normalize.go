package validate

import (
	"regexp"
	"strings"
	"time"
)

// HalfWidth folds full-width ASCII (U+FF01–FF5E) and the ideographic space
// to their half-width forms.
func HalfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == 0x3000:
			return ' '
		}
		return r
	}, s)
}

var dateRe = regexp.MustCompile(`(\d{4})\s*[年.\-/]?\s*(\d{1,2})\s*[月.\-/]?\s*(\d{1,2})\s*日?`)

// monthRe reads the passport style, 08 AUG 1960, with English or
// Spanish month abbreviations (Latin-American identity cards).
var monthRe = regexp.MustCompile(`(\d{1,2})\s*(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|ENE|ABR|AGO|DIC)\s*(\d{4})`)

var spanishMonths = map[string]string{"ENE": "JAN", "ABR": "APR", "AGO": "AUG", "DIC": "DEC"}

// ParseDate reads a printed date (1990年1月2日, 1990.01.02, 1990-1-2,
// 19900102, 02 JAN 1990) and returns it as a time; ok is false for no date or an
// impossible one.
func ParseDate(s string) (time.Time, bool) {
	s = HalfWidth(s)
	if m := monthRe.FindStringSubmatch(strings.ToUpper(s)); m != nil {
		d := m[1]
		if len(d) == 1 {
			d = "0" + d
		}
		mon := m[2]
		if en, ok := spanishMonths[mon]; ok {
			mon = en
		}
		t, err := time.Parse("02 Jan 2006", d+" "+mon[:1]+strings.ToLower(mon[1:])+" "+m[3])
		return t, err == nil
	}
	m := dateRe.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	pad := func(v string) string {
		if len(v) == 1 {
			return "0" + v
		}
		return v
	}
	t, err := time.Parse("2006-01-02", m[1]+"-"+pad(m[2])+"-"+pad(m[3]))
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}
