package validate

import "testing"

func TestAmountInWords(t *testing.T) {
	for _, tc := range []struct {
		fen  int64
		want string
	}{
		{106000, "壹仟零陆拾圆整"},
		{123456, "壹仟贰佰叁拾肆圆伍角陆分"},
		{50, "伍角"},
		{5, "伍分"},
		{100005, "壹仟圆零伍分"},
		{10000500, "壹拾万零伍圆整"},
		{100000000, "壹佰万圆整"},
		{1000000000, "壹仟万圆整"},
		{200010000, "贰佰万零壹佰圆整"},
		{120000000000, "壹拾贰亿圆整"},
		{1000, "壹拾圆整"},
		{0, "零圆整"},
	} {
		if got := AmountInWords(tc.fen); got != tc.want {
			t.Errorf("AmountInWords(%d) = %s, want %s", tc.fen, got, tc.want)
		}
		if got, ok := ParseAmountInWords("⊗" + tc.want); !ok || got != tc.fen {
			t.Errorf("ParseAmountInWords(%s) = %d, %v; want %d", tc.want, got, ok, tc.fen)
		}
	}
}

// TestAmountInWordsRoundTrip: every amount written reads back as itself.
func TestAmountInWordsRoundTrip(t *testing.T) {
	for c := int64(0); c < 3000000; c += 7919 {
		for _, v := range []int64{c, c * 1013, c*100 + 3} {
			w := AmountInWords(v)
			if got, ok := ParseAmountInWords(w); !ok || got != v {
				t.Fatalf("%d -> %s -> %d, %v", v, w, got, ok)
			}
		}
	}
}

func TestParseAmountInWordsRejects(t *testing.T) {
	for _, s := range []string{"", "壹仟ABC", "hello", "⊗"} {
		if v, ok := ParseAmountInWords(s); ok {
			t.Errorf("ParseAmountInWords(%q) = %d, want no amount", s, v)
		}
	}
	// The printed variants: 元 for 圆, 正 for 整, 拾 alone for ten.
	if v, ok := ParseAmountInWords("拾元正"); !ok || v != 1000 {
		t.Errorf("拾元正 = %d, %v", v, ok)
	}
}

func TestNormalizeAmount(t *testing.T) {
	for in, want := range map[string]string{"¥1,060.00": "1060.00", "￥ 60.5": "60.50", "-12.00": "-12.00", "553.5元": "553.50", "¥12。30": "12.30", "7": "7.00"} {
		if got, ok := NormalizeAmount(in); !ok || got != want {
			t.Errorf("NormalizeAmount(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := NormalizeAmount("***"); ok {
		t.Error("*** is no amount")
	}
}
