package moderation

import (
	"strings"
	"testing"
)

func detector(t *testing.T) *TextDetector {
	t.Helper()
	d, err := NewTextDetector()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

type seg struct {
	label, text string
	start, end  int
}

func TestDetectFindsAndLocates(t *testing.T) {
	d := detector(t)
	all := defaultTextCategories
	cases := []struct {
		name string
		text string
		want []seg // every segment expected, in label order then position
		sug  string
	}{
		{"plain term", "这里有黄片出售", []seg{{"porn", "黄片", 3, 5}}, sugBlock},
		{"full width and case", "ＦＵＣＫ you", []seg{{"abuse", "ＦＵＣＫ you", 0, 8}}, sugBlock},
		{"separators inserted", "约.炮 吗", []seg{{"porn", "约.炮", 0, 3}}, sugBlock},
		{"zero width inserted", "傻\u200b逼", []seg{{"abuse", "傻\u200b逼", 0, 3}}, sugBlock},
		{"spaced latin", "you are a f u c k", []seg{{"abuse", "f u c k", 10, 17}}, sugBlock},
		{"review only", "你真是个白痴", []seg{{"abuse", "白痴", 4, 6}}, sugReview},
		{"wechat contact", "有意加微信：abc_12345 详聊", []seg{{"ad", "微信：abc_12345", 3, 15}}, sugBlock},
		{"qq contact", "QQ 123456789", []seg{{"ad", "QQ 123456789", 0, 12}}, sugBlock},
		{"phone with dashes", "电话 138-1234-5678 咨询", []seg{{"ad", "138-1234-5678", 3, 16}}, sugReview},
		{"url", "详情见 www.example.com 谢谢", []seg{{"ad", "www.example.com", 4, 19}}, sugReview},
		{"bare domain", "上 spam-shop.top 买", []seg{{"ad", "spam-shop.top", 2, 15}}, sugReview},
		{"two categories", "冰毒 and idiot", []seg{{"abuse", "idiot", 7, 12}, {"ban", "冰毒", 0, 2}}, sugBlock},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := d.Detect(c.text, all)
			if len(got) == 0 || got[0].Suggestion != c.sug {
				t.Fatalf("%q: findings %+v, want top suggestion %s", c.text, got, c.sug)
			}
			var segs []seg
			for _, f := range got {
				for _, s := range f.Segments {
					segs = append(segs, seg{f.Label, s.Text, s.Start, s.End})
					if rs := []rune(c.text); string(rs[s.Start:s.End]) != s.Text {
						t.Errorf("segment %q not at runes [%d,%d) of the text", s.Text, s.Start, s.End)
					}
				}
				if f.Confidence <= 0 || f.Confidence > 1 {
					t.Errorf("confidence %v", f.Confidence)
				}
			}
			sortSegs(segs)
			want := append([]seg(nil), c.want...)
			sortSegs(want)
			if len(segs) != len(want) {
				t.Fatalf("%q: segments %+v, want %+v", c.text, segs, want)
			}
			for i := range want {
				if segs[i] != want[i] {
					t.Fatalf("%q: segments %+v, want %+v", c.text, segs, want)
				}
			}
		})
	}
}

func sortSegs(s []seg) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && less(s[j], s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func less(a, b seg) bool {
	if a.label != b.label {
		return a.label < b.label
	}
	if a.start != b.start {
		return a.start < b.start
	}
	return a.end < b.end
}

func TestDetectPassesCleanText(t *testing.T) {
	d := detector(t)
	for _, text := range []string{
		"今天天气很好，我们一起去公园散步吧。",
		"The class assignment is due on Friday; please pass it to the assistant.",
		"订单号 13812345678901 已发货", // a long number, not a phone
		"约定的时间。炮竹声中一岁除",          // 约…炮 too far apart
		"Scunthorpe United won the match at 3 pm.",
		"请联系 xxx 办理",
	} {
		if got := d.Detect(text, defaultTextCategories); len(got) != 0 {
			t.Errorf("%q: unexpected findings %+v", text, got)
		}
	}
}

func TestDetectOnlyRequestedCategories(t *testing.T) {
	d := detector(t)
	got := d.Detect("黄片 and idiot", []string{"abuse"})
	if len(got) != 1 || got[0].Label != "abuse" {
		t.Fatalf("%+v", got)
	}
}

func TestDetectChecksFirst10000Runes(t *testing.T) {
	d := detector(t)
	pad := strings.Repeat("好", MaxTextRunes-1)
	if got := d.Detect(pad+"黄片", defaultTextCategories); len(got) != 0 {
		t.Fatalf("term straddling the limit found: %+v", got)
	}
	got := d.Detect(pad[:len(pad)-3*2]+"黄片", defaultTextCategories)
	if len(got) != 1 || got[0].Segments[0].Start != MaxTextRunes-3 {
		t.Fatalf("term inside the limit: %+v", got)
	}
}

func TestMatcherOverlaps(t *testing.T) {
	m := newMatcher([]term{
		{text: "he", runes: []rune("he")}, {text: "she", runes: []rune("she")},
		{text: "his", runes: []rune("his")}, {text: "hers", runes: []rune("hers")},
	})
	got := map[string]int{}
	for _, h := range m.find(normalize([]rune("ushers")), []rune("ushers")) {
		got[h.term.text] = h.start
	}
	want := map[string]int{"she": 1, "he": 2, "hers": 2}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%v", got)
		}
	}
}
