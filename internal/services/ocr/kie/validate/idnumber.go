// Package validate checks the numbers printed on identity and vehicle
// documents by the rules of the standards that define them. Every parser
// takes untrusted recognised text and never panics; a failed check is
// reported, never hidden, so callers can return the value flagged.
package validate

import (
	"strings"
	"time"
)

// IDNumber is a GB 11643-1999 citizen identity number, decoded.
type IDNumber struct {
	Number   string
	Region   string    // first six digits (GB/T 2260 administrative division)
	Birth    time.Time // zero when the date part is not a real date
	Male     bool      // the 17th digit is odd
	Checksum bool      // ISO 7064 MOD 11-2 check character matches
	// RegionKnown: the first two digits are a province-level code of
	// GB/T 2260 (see provinces).
	RegionKnown bool
}

// ValidBirth reports whether the birth date is a real date not in the
// future (relative to now) and not before 1900.
func (n IDNumber) ValidBirth(now time.Time) bool {
	return !n.Birth.IsZero() && !n.Birth.After(now) && n.Birth.Year() >= 1900
}

// Valid is the number's own consistency: length, check character, date
// and a known province.
func (n IDNumber) Valid(now time.Time) bool {
	return n.Checksum && n.ValidBirth(now) && n.RegionKnown
}

// provinces are the province-level codes of GB/T 2260 (the first two
// digits of a division code), including Taiwan (71), Hong Kong (81) and
// Macao (82), which the standard lists although mainland cards do not use
// them for residents there.
var provinces = map[string]string{
	"11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
	"21": "辽宁", "22": "吉林", "23": "黑龙江",
	"31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
	"41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
	"50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
	"61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
	"71": "台湾", "81": "香港", "82": "澳门",
}

// Province names the province of a region code, or "".
func Province(region string) string {
	if len(region) < 2 {
		return ""
	}
	return provinces[region[:2]]
}

// mod112 is the ISO 7064 MOD 11-2 check character of 17 digits:
// weights 2^(17-i) mod 11, check = (12 - sum mod 11) mod 11, 10 → X.
func mod112(d string) byte {
	sum := 0
	w := 1
	for i := 16; i >= 0; i-- {
		w = w * 2 % 11
		sum += int(d[i]-'0') * w
	}
	c := (12 - sum%11) % 11
	if c == 10 {
		return 'X'
	}
	return byte('0' + c)
}

// IDCheckChar returns the check character for the first 17 digits of an
// identity number, or 0 when they are not 17 digits.
func IDCheckChar(first17 string) byte {
	if len(first17) != 17 || !allDigits(first17) {
		return 0
	}
	return mod112(first17)
}

// ParseIDNumber decodes an 18-character identity number (an x is read as
// X). ok is false when the text is not 17 digits and a digit or X.
func ParseIDNumber(s string) (IDNumber, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 18 || !allDigits(s[:17]) || !(isDigit(s[17]) || s[17] == 'X') {
		return IDNumber{Number: s}, false
	}
	n := IDNumber{Number: s, Region: s[:6]}
	n.Checksum = mod112(s[:17]) == s[17]
	n.RegionKnown = provinces[s[:2]] != ""
	if t, err := time.Parse("20060102", s[6:14]); err == nil {
		n.Birth = t
	}
	n.Male = (s[16]-'0')%2 == 1
	return n, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
