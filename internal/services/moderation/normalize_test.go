package moderation

import (
	"testing"
	"unicode/utf8"
)

func TestNormalizeFolds(t *testing.T) {
	cases := []struct{ in, want string }{
		{"ＦＵＣＫ", "fuck"},      // full width
		{"ｶﾀｶﾅ", "カタカナ"},      // half-width katakana widen
		{"黃片", "黄片"},          // traditional → simplified
		{"幹你娘", "干你娘"},        // OpenCC's first candidate
		{"fuсk", "fuck"},      // Cyrillic с
		{"ⓢⓔⓧ", "sex"},        // circled letters (NFKC)
		{"𝐬𝐞𝐱", "sex"},        // mathematical bold
		{"s3x", "sex"},        // digit between letters
		{"f@ck", "fack"},      // symbol between letters
		{"约🔥炮", "约炮"},         // emoji dropped
		{"傻\u200b逼", "傻逼"},    // zero width dropped
		{"abc 123", "abc123"}, // digits kept outside words
		{"k粉", "k粉"},          //
		{"ﬁne", "fine"},       // ligature expands
		{"me @ you", "meyou"}, // a lone symbol is a separator
		{"3p", "3p"},          // a digit at a word's edge stays
	}
	for _, c := range cases {
		n := normalize([]rune(c.in))
		if string(n.r) != c.want {
			t.Errorf("normalize(%q) = %q, want %q", c.in, string(n.r), c.want)
		}
		if len(n.r) != len(n.src) {
			t.Fatalf("%q: %d runes, %d sources", c.in, len(n.r), len(n.src))
		}
	}
}

// TestNormalizeMapsBack: every normalised rune points at the rune of the
// caller's text it came from, in order.
func TestNormalizeMapsBack(t *testing.T) {
	in := []rune("ﬁ黃ＦＵ·ｃＫ🔥s3x")
	n := normalize(in)
	want := []int32{0, 0, 1, 2, 3, 5, 6, 8, 9, 10}
	if len(n.src) != len(want) {
		t.Fatalf("src %v, want %v (%q)", n.src, want, string(n.r))
	}
	for i := range want {
		if n.src[i] != want[i] {
			t.Fatalf("src %v, want %v", n.src, want)
		}
	}
}

func TestContactFormNumerals(t *testing.T) {
	cases := []struct{ in, want string }{
		{"一三八一二三四五六七八", "13812345678"},
		{"壹叁捌 ①②③ ４５６", "138 123 456"},
		{"幺三九零", "1390"},
		{"ＶＸ：ＡＢＣ", "vx:abc"},
	}
	for _, c := range cases {
		ct := contactForm([]rune(c.in))
		if ct.s != c.want {
			t.Errorf("contactForm(%q) = %q, want %q", c.in, ct.s, c.want)
		}
		if len(ct.idx) != len(ct.s)+1 {
			t.Fatalf("idx %d for %d bytes", len(ct.idx), len(ct.s))
		}
	}
}

func TestContactScanners(t *testing.T) {
	d := detector(t)
	cases := []struct {
		name, text, seg, sug string
	}{
		{"mobile numerals", "打我电话一三八一二三四五六七八", "一三八一二三四五六七八", sugReview},
		{"mobile circled", "电话①③⑧①②③④⑤⑥⑦⑧", "①③⑧①②③④⑤⑥⑦⑧", sugReview},
		{"mobile +86 spaced", "call +86 139 1234 5678 now", "+86 139 1234 5678", sugReview},
		{"landline", "座机 010-62345678 转", "010-62345678", sugReview},
		{"landline 4-digit area", "电话0755-8765 4321", "0755-8765 4321", sugReview},
		{"service 400", "热线 400-820-8820", "400-820-8820", sugReview},
		{"email", "写信到 deals.cheap+x@mail-box.com 领取", "deals.cheap+x@mail-box.com", sugReview},
		{"domain with 点", "上 haoyun88点com 看看", "haoyun88点com", sugReview},
		{"domain with dot", "visit cheapbags dot net today", "cheapbags dot net", sugReview},
		{"https link", "见https://t.example.io/a?b=1。", "https://t.example.io/a?b=1", sugReview},
		{"wechat full width", "加ＶＸ：ｓｈｏｐ８８８", "ＶＸ：ｓｈｏｐ８８８", sugBlock},
		{"wechat number", "微信号是 wxid_abc123", "微信号是 wxid_abc123", sugBlock},
		{"qq spaced cue", "q q 二三四五六七八九", "q q 二三四五六七八九", sugBlock},
		{"telegram", "telegram: @cheap_vpn_bot", "telegram: @cheap_vpn_bot", sugBlock},
		{"tg", "联系tg @seller_01", "tg @seller_01", sugBlock},
		{"qq glued", "QQ123456789", "QQ123456789", sugBlock},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := d.Detect(c.text, []string{"ad"})
			if len(got) != 1 || got[0].Suggestion != c.sug {
				t.Fatalf("%q: %+v, want %s", c.text, got, c.sug)
			}
			found := false
			for _, s := range got[0].Segments {
				if s.Text == c.seg {
					found = true
				}
				if string([]rune(c.text)[s.Start:s.End]) != s.Text {
					t.Errorf("segment %q not at [%d,%d)", s.Text, s.Start, s.End)
				}
			}
			if !found {
				t.Fatalf("%q: segments %+v, want %q", c.text, got[0].Segments, c.seg)
			}
		})
	}
	for _, text := range []string{
		"订单号 13812345678901 已发货",
		"运单 SF1234567890 到了",
		"版本 1.2.3 发布，见第 3.5 节",
		"圆周率约等于3.14159265358",
		"我们一起去看了三场电影",
		"wxyz12345 is a password",
		"class.method() 调用",
		"2024年10月20日 15:30 开会",
	} {
		if got := d.Detect(text, []string{"ad"}); len(got) != 0 {
			t.Errorf("%q: unexpected %+v", text, got)
		}
	}
}

// FuzzNormalize: the normaliser and the contact form accept any text, keep
// their maps in step with their output, and point only at runes of the
// input, in order.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"ＦＵＣＫ", "黃片 s3x", "ﬁ①②③", "\u200b傻逼", "a@b.com", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		in := []rune(s)
		n := normalize(in)
		if len(n.r) != len(n.src) {
			t.Fatal("runes and sources differ in length")
		}
		for i, p := range n.src {
			if p < 0 || int(p) >= len(in) || i > 0 && p < n.src[i-1] {
				t.Fatalf("source %d of %d out of order or range", p, len(in))
			}
		}
		ct := contactForm(in)
		if len(ct.idx) != len(ct.s)+1 || int(ct.idx[len(ct.s)]) != len(in) {
			t.Fatal("contact index out of step")
		}
		for _, h := range scanContacts(ct.s) {
			a, b := ct.span(h.a, h.b)
			if a < 0 || b > len(in) || a >= b {
				t.Fatalf("contact span [%d,%d) of %d", a, b, len(in))
			}
		}
	})
}

// FuzzDetect: any text through the whole detector, a glossary included,
// yields segments that are the caller's runes at their positions.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{"出售冰毒 加vx：abc12345", "ＦＵＣＫ　ＹＯＵ", "警方破获贩毒案", "一三八一二三四五六七八", "竞品A 废物利用", "qq123456789"} {
		f.Add(s)
	}
	d, err := NewTextDetector()
	if err != nil {
		f.Fatal(err)
	}
	mk := func(typ, sug string, words ...string) *compiledGlossary {
		var ts []term
		for _, w := range words {
			rs := normTerm(w)
			ts = append(ts, term{text: w, runes: rs, label: labelCustomized, severity: sug, glossary: "g", word: isWordTerm(rs)})
		}
		return &compiledGlossary{name: "g", typ: typ, suggestion: sug, m: newMatcher(ts)}
	}
	black := []*compiledGlossary{mk(glossaryTypeBlack, sugReview, "竞品a", "x")}
	white := []*compiledGlossary{mk(glossaryTypeWhite, "", "废物利用")}
	f.Fuzz(func(t *testing.T, s string) {
		rs := []rune(s)
		if len(rs) > MaxTextRunes {
			rs = rs[:MaxTextRunes]
		}
		for _, fd := range d.DetectWith(s, defaultTextCategories, black, white) {
			if fd.Suggestion != sugBlock && fd.Suggestion != sugReview && fd.Suggestion != sugPass {
				t.Fatalf("suggestion %q", fd.Suggestion)
			}
			for _, sg := range fd.Segments {
				if sg.Start < 0 || sg.End > len(rs) || sg.Start >= sg.End || string(rs[sg.Start:sg.End]) != sg.Text {
					t.Fatalf("segment %+v of %d runes", sg, len(rs))
				}
			}
		}
	})
}
