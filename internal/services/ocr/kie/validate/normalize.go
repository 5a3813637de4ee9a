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

// ParseDate reads a printed date (1990年1月2日, 1990.01.02, 1990-1-2,
// 19900102) and returns it as a time; ok is false for no date or an
// impossible one.
func ParseDate(s string) (time.Time, bool) {
	m := dateRe.FindStringSubmatch(HalfWidth(s))
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
