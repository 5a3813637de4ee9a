package validate

import (
	"strings"
)

// vinValue is ISO 3779 Annex A's transliteration (I, O and Q are not used).
func vinValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'H':
		return int(c-'A') + 1
	case c >= 'J' && c <= 'N':
		return int(c-'J') + 1
	case c == 'P':
		return 7
	case c == 'R':
		return 9
	case c >= 'S' && c <= 'Z':
		return int(c-'S') + 2
	}
	return -1
}

var vinWeights = [17]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}

// VINCheckChar is the check character of a 17-character VIN (position 9;
// sum of weighted values mod 11, 10 written X), or 0 when s is not a VIN.
// The check digit is mandatory in North America and in China (GB 16735).
func VINCheckChar(s string) byte {
	if len(s) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := vinValue(s[i])
		if v < 0 {
			return 0
		}
		sum += v * vinWeights[i]
	}
	c := sum % 11
	if c == 10 {
		return 'X'
	}
	return byte('0' + c)
}

// ValidVIN reports whether s is 17 VIN characters with a matching check digit.
func ValidVIN(s string) bool {
	c := VINCheckChar(s)
	return c != 0 && s[8] == c
}

// usccAlphabet is GB 32100-2015's character set: digits and the capital
// letters other than I, O, Z, S and V; a character's value is its index.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// USCCCheckChar is the check character of the first 17 characters of a
// unified social credit code (GB 32100-2015 §5: 31 - sum mod 31, with 31
// written 0), or 0 when they hold a character outside the alphabet.
func USCCCheckChar(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccAlphabet, first17[i])
		if v < 0 {
			return 0
		}
		sum += v * usccWeights[i]
	}
	return usccAlphabet[(31-sum%31)%31]
}

// ValidUSCC reports whether s is an 18-character code with a matching
// check character.
func ValidUSCC(s string) bool {
	if len(s) != 18 {
		return false
	}
	c := USCCCheckChar(s[:17])
	return c != 0 && s[17] == c
}

// plateProvinces are the one-character abbreviations of the 31 mainland
// provincial divisions that open a GA 36-2018 plate number.
const plateProvinces = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

// Plate is a Chinese motor-vehicle plate number, parsed.
type Plate struct {
	Number    string
	NewEnergy bool // 8 characters: D/F (or a digit then D/F) marks new energy
	Valid     bool
}

func plateLetter(r rune) bool { return r >= 'A' && r <= 'Z' && r != 'I' && r != 'O' }
func plateAlnum(r rune) bool  { return plateLetter(r) || (r >= '0' && r <= '9') }

// ParsePlate checks a plate number against the GA 36-2018 grammar: a
// province character, an issuing-authority letter, then five serial
// characters (letters other than I and O, or digits), the last of which
// may be 学, 警, 挂, 港 or 澳; new-energy plates have six serial characters,
// the first being D or F (small cars) or the last being D or F (large).
func ParsePlate(s string) Plate {
	s = strings.ToUpper(strings.ReplaceAll(strings.ReplaceAll(s, "·", ""), " ", ""))
	p := Plate{Number: s}
	rs := []rune(s)
	if len(rs) < 7 || len(rs) > 8 || !strings.ContainsRune(plateProvinces, rs[0]) || !plateLetter(rs[1]) {
		return p
	}
	serial := rs[2:]
	last := serial[len(serial)-1]
	for _, r := range serial[:len(serial)-1] {
		if !plateAlnum(r) {
			return p
		}
	}
	if len(serial) == 5 {
		p.Valid = plateAlnum(last) || strings.ContainsRune("学警挂港澳", last)
		return p
	}
	isDF := func(r rune) bool { return r == 'D' || r == 'F' }
	if plateAlnum(last) && (isDF(serial[0]) || isDF(last)) {
		p.NewEnergy, p.Valid = true, true
	}
	return p
}

// PlateProvince reports whether r opens a plate number.
func PlateProvince(r rune) bool { return strings.ContainsRune(plateProvinces, r) }

// CleanPlate normalises recognised plate text: separators and spaces
// dropped, letters upper-cased, and the letters GA 36 never prints in the
// serial (I, O) read as the digits they resemble. An I between the
// province character and the authority letter is a stroke artefact of the
// plate's rivet or frame and is dropped.
func CleanPlate(s string) string {
	var rs []rune
	for _, r := range strings.ToUpper(HalfWidth(s)) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r >= 0x4E00 {
			rs = append(rs, r)
		}
	}
	if len(rs) >= 3 && PlateProvince(rs[0]) && rs[1] == 'I' && plateLetter(rs[2]) {
		rs = append(rs[:1], rs[2:]...)
	}
	for i := 2; i < len(rs); i++ {
		switch rs[i] {
		case 'I':
			rs[i] = '1'
		case 'O':
			rs[i] = '0'
		}
	}
	return string(rs)
}

// ValidHKID checks a Hong Kong identity card number, A123456(3) or
// AB123456(A): letters count 10–35 (a missing second letter 36), weights
// 9 down to 2 over the eight characters, and the check character makes
// the sum a multiple of 11 (10 written A).
func ValidHKID(s string) bool {
	s = strings.NewReplacer("(", "", ")", "", " ", "").Replace(strings.ToUpper(s))
	if len(s) == 8 {
		s = " " + s
	}
	if len(s) != 9 {
		return false
	}
	sum := 0
	for i := 0; i < 8; i++ {
		c := s[i]
		var v int
		switch {
		case c == ' ' && i == 0:
			v = 36
		case c >= 'A' && c <= 'Z' && i < 2:
			v = int(c-'A') + 10
		case c >= '0' && c <= '9' && i >= 2:
			v = int(c - '0')
		default:
			return false
		}
		sum += v * (9 - i)
	}
	want := (11 - sum%11) % 11
	c := s[8]
	return (want == 10 && c == 'A') || (want < 10 && c == byte('0'+want))
}

// HKIDCheckChar completes the first seven or eight characters of a Hong
// Kong identity number with its check character.
func HKIDCheckChar(body string) byte {
	for _, c := range []byte("0123456789A") {
		if ValidHKID(body + string(c)) {
			return c
		}
	}
	return 0
}

// ValidRUN checks a Chilean RUN/RUT (12.345.678-5): the check character
// is 11 - (Σ digit × 2,3,4,5,6,7 repeating from the right) mod 11, with
// 11 written 0 and 10 written K.
func ValidRUN(s string) bool {
	s = strings.ToUpper(strings.NewReplacer(".", "", " ", "").Replace(s))
	body, check, ok := strings.Cut(s, "-")
	if !ok || len(check) != 1 || len(body) < 6 || len(body) > 8 || !allDigits(body) {
		return false
	}
	return RUNCheckChar(body) == check[0]
}

// RUNCheckChar is the check character of a RUN's digits (0 if not digits).
func RUNCheckChar(body string) byte {
	if !allDigits(body) {
		return 0
	}
	sum, w := 0, 2
	for i := len(body) - 1; i >= 0; i-- {
		sum += int(body[i]-'0') * w
		if w++; w > 7 {
			w = 2
		}
	}
	switch c := 11 - sum%11; c {
	case 11:
		return '0'
	case 10:
		return 'K'
	default:
		return byte('0' + c)
	}
}
