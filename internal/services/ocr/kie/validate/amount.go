package validate

import (
	"regexp"
	"strconv"
	"strings"
)

// Amounts are handled in fen (hundredths of a yuan) so sums are exact.

var amountRe = regexp.MustCompile(`-?\d+(?:\.\d{1,2})?`)

// NormalizeAmount reads a printed amount (¥1,060.00, ￥ 60.5, -12.00) as
// the plain decimal the APIs answer, with two places; ok is false when
// no amount is printed.
func NormalizeAmount(s string) (string, bool) {
	c, ok := ParseAmount(s)
	if !ok {
		return "", false
	}
	return FormatFen(c), true
}

// ParseAmount reads a printed amount in fen.
func ParseAmount(s string) (int64, bool) {
	s = HalfWidth(s)
	s = strings.NewReplacer(",", "", " ", "", "¥", "", "￥", "", "。", ".", "元", "").Replace(s)
	m := amountRe.FindString(s)
	if m == "" {
		return 0, false
	}
	neg := strings.HasPrefix(m, "-")
	m = strings.TrimPrefix(m, "-")
	whole, frac, _ := strings.Cut(m, ".")
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || len(whole) > 13 {
		return 0, false
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	v := w*100 + f
	if neg {
		v = -v
	}
	return v, true
}

// FormatFen writes fen as a decimal with two places.
func FormatFen(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return sign + strconv.FormatInt(c/100, 10) + "." + strconv.FormatInt(c/10%10, 10) + strconv.FormatInt(c%10, 10)
}

const upperDigits = "零壹贰叁肆伍陆柒捌玖"

var upperUnits = []string{"", "拾", "佰", "仟"}

// AmountInWords writes fen as the Chinese uppercase amount printed on
// invoices (大写): 1060.00 is 壹仟零陆拾圆整, 0.05 is 伍分.
func AmountInWords(c int64) string {
	var b strings.Builder
	if c < 0 {
		b.WriteString("负")
		c = -c
	}
	digit := func(d int64) string { return string([]rune(upperDigits)[d]) }
	yuan, jiao, fen := c/100, c/10%10, c%10
	if yuan > 0 {
		var groups []int64
		for n := yuan; n > 0; n /= 10000 {
			groups = append(groups, n%10000)
		}
		big := []string{"", "万", "亿", "万"}
		zero := false
		var s strings.Builder
		for gi := len(groups) - 1; gi >= 0; gi-- {
			g := groups[gi]
			if g == 0 {
				zero = s.Len() > 0
				continue
			}
			if s.Len() > 0 && g < 1000 {
				zero = true
			}
			p := int64(1000)
			for d := 3; d >= 0; d-- {
				v := g / p % 10
				p /= 10
				if v == 0 {
					if s.Len() > 0 {
						zero = true
					}
					continue
				}
				if zero {
					s.WriteString("零")
					zero = false
				}
				s.WriteString(digit(v) + upperUnits[d])
			}
			s.WriteString(big[gi])
			// Zeros at the end of a group are not written.
			zero = false
			if g%10 == 0 && gi > 0 {
				zero = true
			}
		}
		b.WriteString(s.String())
		b.WriteString("圆")
	}
	switch {
	case jiao == 0 && fen == 0:
		if yuan == 0 {
			b.WriteString("零圆")
		}
		b.WriteString("整")
	case fen == 0:
		b.WriteString(digit(jiao) + "角")
	default:
		if jiao > 0 {
			b.WriteString(digit(jiao) + "角")
		} else if yuan > 0 {
			b.WriteString("零")
		}
		b.WriteString(digit(fen) + "分")
	}
	return b.String()
}

// ParseAmountInWords reads a Chinese uppercase amount in fen; ok is false
// for text that is not one (a symbol printed before it, ⊗ or ⓧ, is
// skipped).
func ParseAmountInWords(s string) (int64, bool) {
	s = strings.TrimLeft(strings.TrimSpace(s), "⊗ⓧ×Ⓧ")
	s = strings.NewReplacer("元", "圆", "正", "整", " ", "", "人民币", "").Replace(s)
	if s == "" {
		return 0, false
	}
	neg := false
	if r := []rune(s); r[0] == '负' {
		neg, s = true, string(r[1:])
	}
	var total, section, num, yuan, jiao, fen int64
	seenYuan, seen := false, false
	for _, r := range s {
		if d := strings.IndexRune(upperDigits, r); d >= 0 {
			num = int64(len([]rune(upperDigits[:d])))
			seen = true
			continue
		}
		switch r {
		case '拾', '佰', '仟':
			u := map[rune]int64{'拾': 10, '佰': 100, '仟': 1000}[r]
			if num == 0 && r == '拾' {
				num = 1 // 拾万: ten thousand
			}
			section += num * u
			num = 0
		case '万':
			total += (section + num) * 10000
			section, num = 0, 0
		case '亿':
			total = (total + section + num) * 100000000
			section, num = 0, 0
		case '圆':
			yuan = total + section + num
			total, section, num = 0, 0, 0
			seenYuan = true
		case '角':
			jiao, num = num, 0
		case '分':
			fen, num = num, 0
		case '整':
		default:
			return 0, false
		}
		seen = true
	}
	if !seen || (!seenYuan && total+section != 0) || num != 0 && !seenYuan {
		return 0, false
	}
	v := yuan*100 + jiao*10 + fen
	if neg {
		v = -v
	}
	return v, true
}
