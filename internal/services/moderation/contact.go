package moderation

import (
	"sort"
	"strings"
)

// Contact details and links are found by pattern, not by lexicon: the
// scanners below run over contactForm's text (numerals as digits, width
// and case folded) in linear time; Go's regexp engine was the whole cost of
// a check before (see BenchmarkDetect10000).

// contactKind says what a contact hit is, for its suggestion and
// confidence.
type contactKind int

const (
	kindIM    contactKind = iota // an instant-messaging id after its cue word
	kindPhone                    // a mainland mobile, landline or 400/800 number
	kindURL                      // a link or bare domain name
	kindEmail                    // an e-mail address
)

type contactHit struct {
	kind contactKind
	a, b int // byte range in the contact text
}

// imCues introduce an instant-messaging id: WeChat, QQ and Telegram and
// their usual disguises. ascii cues must not be glued to a preceding
// letter ("wx" in "gwx" is no cue).
var imCues = []struct {
	cue    string
	ascii  bool
	digits bool // the id is a number (QQ)
}{
	{"微信", false, false}, {"威信", false, false}, {"薇信", false, false}, {"徽信", false, false},
	{"维信", false, false}, {"v信", false, false}, {"v❤", false, false}, {"vx", true, false},
	{"wx", true, false}, {"wechat", true, false}, {"weixin", true, false}, {"加v", false, false},
	{"qq", true, true}, {"q q", true, true}, {"v x", true, false}, {"w x", true, false}, {"扣扣", false, true}, {"企鹅", false, true}, {"球球", false, true},
	{"telegram", true, false}, {"tg", true, false}, {"电报", false, false}, {"飞机号", false, false},
}

// imFill may stand between a cue and the id: "微信号：", "QQ号码是", "vx id =".
var imFill = []string{"号码", "号", "id", "账号", "帐号", "是", "为", ":", "：", "=", " ", "\t", "-", "@", "：", "】", "[", "]", "【", "(", ")", "（", "）", "\u200b"}

func isIDByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLatinByte(c byte) bool { return 'a' <= c && c <= 'z' }

// scanIM finds ids after their cue words: one search per cue over the
// contact text, which is short (contactForm writes every character no
// pattern uses as one byte) and mostly free of the cues' first bytes.
func scanIM(s string, out []contactHit) []contactHit {
	start := len(out)
	for _, c := range imCues {
		for off := 0; ; {
			k := strings.Index(s[off:], c.cue)
			if k < 0 {
				break
			}
			at := off + k
			off = at + 1
			if c.ascii && at > 0 && isLatinByte(s[at-1]) {
				continue
			}
			if end, ok := imID(s, at, c.cue, c.ascii, c.digits); ok {
				out = append(out, contactHit{kindIM, at, end})
			}
		}
	}
	// A cue inside another's hit ("微信号" after "加微信") is one contact.
	hs := out[start:]
	sort.Slice(hs, func(i, j int) bool { return hs[i].a < hs[j].a || hs[i].a == hs[j].a && hs[i].b > hs[j].b })
	kept := hs[:0]
	for _, h := range hs {
		if n := len(kept); n > 0 && h.a < kept[n-1].b {
			continue
		}
		kept = append(kept, h)
	}
	return out[:start+len(kept)]
}

// imID reads the fill and id after a cue at i; it returns the id's end.
func imID(s string, i int, cue string, ascii, digits bool) (int, bool) {
	off := i + len(cue)
	j := off
	for steps := 0; steps < 6; steps++ {
		moved := false
		for _, f := range imFill {
			if strings.HasPrefix(s[j:], f) {
				j += len(f)
				moved = true
				break
			}
		}
		if !moved {
			break
		}
	}
	k := j
	for k < len(s) && isIDByte(s[k]) {
		k++
	}
	id := s[j:k]
	if len(id) < 5 || len(id) > 32 || !isLatinOrDigit(id[0]) {
		return 0, false
	}
	if digits && !allDigits(id) {
		return 0, false
	}
	// "vxabcde": an ascii cue glued to letters is a word, not a cue,
	// unless the id is a number.
	if ascii && j == off && !isDigit(id[0]) {
		return 0, false
	}
	return k, true
}

func isLatinOrDigit(c byte) bool { return isLatinByte(c) || isDigit(c) }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// phoneSep may stand between the digits of a phone number.
func phoneSep(c byte) bool {
	return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '_' || c == '/'
}

// scanPhones finds digit runs (digits with at most two separators between
// them) that are a whole mainland number: mobile 1[3-9]+9 digits, landline
// 0+area code+7–8 digits, 400/800 service numbers, each optionally after
// 86 / +86. A run with more digits is an order or tracking number.
func scanPhones(s string, out []contactHit) []contactHit {
	var digits []byte
	var pos []int
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		if i > 0 && (isLatinByte(s[i-1]) || s[i-1] == '_') {
			// glued to letters: an id, not a number
			for i < len(s) && isIDByte(s[i]) {
				i++
			}
			continue
		}
		digits, pos = digits[:0], pos[:0]
		j := i
		last := i
		for j < len(s) {
			if isDigit(s[j]) {
				digits = append(digits, s[j])
				pos = append(pos, j)
				last = j
				j++
				continue
			}
			k := j
			for k < len(s) && k-j < 2 && phoneSep(s[k]) {
				k++
			}
			if k > j && k < len(s) && isDigit(s[k]) {
				j = k
				continue
			}
			break
		}
		end := last + 1
		start := i
		if start > 0 && s[start-1] == '+' {
			start--
		}
		if !(end < len(s) && isLatinByte(s[end])) && isPhone(string(digits)) {
			out = append(out, contactHit{kindPhone, start, end})
		}
		i = j
	}
	return out
}

func isPhone(d string) bool {
	if strings.HasPrefix(d, "86") && len(d) == 13 {
		d = d[2:]
	} else if strings.HasPrefix(d, "0086") && len(d) == 15 {
		d = d[4:]
	}
	if len(d) < 10 {
		return false
	}
	switch {
	case len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9':
		return true
	case (strings.HasPrefix(d, "400") || strings.HasPrefix(d, "800")) && len(d) == 10:
		return true
	case d[0] == '0' && d[1] != '0' && len(d) >= 10 && len(d) <= 12:
		// area code 0XX (010, 02X) or 0XXX, then 7–8 digits
		return true
	}
	return false
}

// tlds are the top-level domains a bare domain name is recognised by.
var tlds = map[string]bool{
	"com": true, "cn": true, "net": true, "org": true, "top": true, "xyz": true, "vip": true,
	"cc": true, "info": true, "io": true, "me": true, "shop": true, "club": true, "site": true,
	"online": true, "co": true, "tv": true, "hk": true, "tw": true, "app": true, "ltd": true,
	"wang": true, "ink": true, "fun": true, "live": true, "store": true, "link": true, "biz": true,
	"bet": true, "win": true, "icu": true, "pw": true, "ws": true, "asia": true, "tk": true,
	"ru": true, "su": true, "la": true, "im": true, "gg": true, "ly": true, "to": true,
}

func isLabelByte(c byte) bool { return labelByte[c] }

// labelByte: a-z, 0-9 and '-', the bytes domain labels are written with.
var labelByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		t[c] = isLatinByte(b) || isDigit(b) || b == '-'
	}
	return
}()

// urlEnd extends a link from i over the characters a URL is written with.
func urlEnd(s string, i int) int {
	for i < len(s) {
		c := s[i]
		if c <= ' ' || c >= 0x80 || strings.IndexByte(`"'<>()[]{}|\^`+"`", c) >= 0 {
			break
		}
		i++
	}
	for i > 0 && strings.IndexByte(".,;:!?", s[i-1]) >= 0 {
		i--
	}
	return i
}

// dots are what people write between the labels of a domain to dodge a
// link filter: "example点com", "example dot com", "example。com".
var dots = []string{".", "点", "。", "．", " dot ", "(dot)", "[dot]", "(.)", "[.]"}

// dotsAt are dots by their first byte, in the order of dots.
var dotsAt = func() (t [256][]string) {
	for _, d := range dots {
		t[d[0]] = append(t[d[0]], d)
	}
	return
}()

// scanLinks finds links (scheme or www.), e-mail addresses and bare domain
// names.
func scanLinks(s string, out []contactHit) []contactHit {
	covered := 0 // links already reported end here
	for i := 0; i < len(s); i++ {
		if i < covered {
			continue
		}
		c := s[i]
		if c >= 0x80 {
			continue
		}
		switch {
		case c == 'h' && (strings.HasPrefix(s[i:], "http://") || strings.HasPrefix(s[i:], "https://")) || c == 'w' && strings.HasPrefix(s[i:], "www.") && (i == 0 || !isLabelByte(s[i-1])):
			e := urlEnd(s, i)
			if e > i+len("www.") {
				out = append(out, contactHit{kindURL, i, e})
				covered = e
				i = e - 1
			}
			continue
		}
		if !isLabelByte(s[i]) || i > 0 && (isLabelByte(s[i-1]) || s[i-1] == '.') {
			continue
		}
		// a run of labels joined by dots, ending in a known TLD
		j := i
		lastLabelStart, labels := -1, 0
		end := -1
		for {
			k := j
			for k < len(s) && isLabelByte(s[k]) {
				k++
			}
			if k == j {
				break
			}
			labels++
			lastLabelStart = j
			if labels >= 2 && tlds[s[lastLabelStart:k]] && (k == len(s) || !isLabelByte(s[k])) {
				end = k
			}
			sep := ""
			if k == len(s) {
				break
			}
			for _, d := range dotsAt[s[k]] {
				if strings.HasPrefix(s[k:], d) {
					sep = d
					break
				}
			}
			if sep == "" {
				break
			}
			j = k + len(sep)
		}
		if end < 0 {
			continue
		}
		start, kind := i, kindURL
		// local@domain: an e-mail address
		if i > 1 && s[i-1] == '@' {
			l := i - 1
			for l > 0 && (isIDByte(s[l-1]) || s[l-1] == '.' || s[l-1] == '+') {
				l--
			}
			if l < i-1 {
				start, kind = l, kindEmail
			}
		}
		if kind == kindURL && !hasLetter(s[i:end]) {
			continue // "3.14.cn"? numbers with dots, not a name
		}
		if end < len(s) && s[end] == '/' {
			end = urlEnd(s, end)
		}
		out = append(out, contactHit{kind, start, end})
		covered = end
		i = end - 1
	}
	return out
}

func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if isLatinByte(s[i]) {
			return true
		}
	}
	return false
}

// scanContacts runs every scanner over the contact text.
func scanContacts(s string) []contactHit { return scanContactsInto(s, nil) }

// scanContactsInto is scanContacts appending to out.
func scanContactsInto(s string, out []contactHit) []contactHit {
	out = scanIM(s, out)
	out = scanPhones(s, out)
	out = scanLinks(s, out)
	return out
}
