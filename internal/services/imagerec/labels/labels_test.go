package labels

import (
	"strings"
	"testing"

	"github.com/aisd/aisd/internal/models"
)

// TestCOCOCoversCenterNet checks the table against the class list of the
// detector's manifest: every class named, no two classes sharing a name in
// either language (a user could not tell them apart).
func TestCOCOCoversCenterNet(t *testing.T) {
	ms, err := models.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var classes []string
	for _, m := range ms {
		if m.Name == "centernet" {
			classes = m.Labels.Inline
		}
	}
	if len(classes) != 80 {
		t.Fatalf("centernet manifest lists %d classes, want 80", len(classes))
	}
	ls, err := For(classes)
	if err != nil {
		t.Fatal(err)
	}
	en, zh := map[string]string{}, map[string]string{}
	for i, l := range ls {
		if l.Class != classes[i] {
			t.Errorf("label %d is %q, want %q", i, l.Class, classes[i])
		}
		if prev, ok := en[l.Tag.En]; ok {
			t.Errorf("en %q used by %q and %q", l.Tag.En, prev, l.Class)
		}
		if prev, ok := zh[l.Tag.Zh]; ok {
			t.Errorf("zh %q used by %q and %q", l.Tag.Zh, prev, l.Class)
		}
		en[l.Tag.En], zh[l.Tag.Zh] = l.Class, l.Class
	}
	table, _ := COCO()
	if len(table) != len(classes) {
		t.Errorf("table has %d entries for %d classes", len(table), len(classes))
	}
}

func TestSpotChecks(t *testing.T) {
	table, err := COCO()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ class, en, zh, typeEn, typeZh string }{
		{"dog", "Dog", "狗", "Animal", "动物"},
		{"person", "Person", "人", "Person", "人物"},
		{"bicycle", "Bicycle", "自行车", "Vehicle", "交通工具"},
		{"broccoli", "Broccoli", "西兰花", "Food", "食物"},
		{"potted plant", "Potted plant", "盆栽", "Plant", "植物"},
	}
	for _, c := range cases {
		l := table[c.class]
		if l.Tag.In("en") != c.en || l.Tag.In("zh") != c.zh || l.Type.In("en") != c.typeEn || l.Type.In("zh") != c.typeZh {
			t.Errorf("%s: got %+v", c.class, l)
		}
	}
	if got := table["dog"].Tag.In(""); got != "狗" {
		t.Errorf("default language gave %q, want zh", got)
	}
}

func TestParseRefusesBadTables(t *testing.T) {
	head := "categories:\n  animal: {en: Animal, zh: 动物}\nlabels:\n"
	cases := []struct{ name, yaml, want string }{
		{"unknown type", head + "  - {class: dog, en: Dog, zh: 狗, type: pet}\n", "unknown type"},
		{"twice", head + "  - {class: dog, en: Dog, zh: 狗, type: animal}\n  - {class: dog, en: Dog, zh: 狗, type: animal}\n", "twice"},
		{"no zh", head + "  - {class: dog, en: Dog, zh: ' ', type: animal}\n", "lacks a name"},
		{"unknown field", head + "  - {class: dog, en: Dog, zh: 狗, type: animal, fr: Chien}\n", "fr"},
		{"category without name", "categories:\n  animal: {en: Animal}\nlabels: []\n", "category"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parse([]byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, c.want)
			}
		})
	}
	if _, err := For([]string{"dog", "unicorn"}); err == nil || !strings.Contains(err.Error(), "unicorn") {
		t.Fatalf("For with an unknown class: %v", err)
	}
}
