package vision

import (
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestLabelsMatchManifests: the zh/en tables must list the same classes in
// the same order as the model manifests' labels, which name the outputs.
func TestLabelsMatchManifests(t *testing.T) {
	cases := []struct {
		manifest string
		labels   []Label
	}{
		{"centernet.tfjs.yaml", COCO80},
		{"nsfw-mobilenet-v2.tfjs.yaml", NSFWClasses},
		{"nsfw-inception-v3.tfjs.yaml", NSFWClasses},
		{"nsfw-mobilenet-v2-mid.tfjs.yaml", NSFWClasses},
	}
	for _, c := range cases {
		raw, err := os.ReadFile(filepath.Join("..", "models", "manifest", c.manifest))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Labels struct {
				Inline []string `yaml:"inline"`
			} `yaml:"labels"`
		}
		if err := yaml.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		if len(m.Labels.Inline) != len(c.labels) {
			t.Errorf("%s: %d labels, table has %d", c.manifest, len(m.Labels.Inline), len(c.labels))
			continue
		}
		for k, l := range c.labels {
			if l.EN != m.Labels.Inline[k] {
				t.Errorf("%s: class %d is %q, table says %q", c.manifest, k, m.Labels.Inline[k], l.EN)
			}
		}
	}
	seen := map[string]bool{}
	for _, l := range COCO80 {
		if l.ZH == "" || l.CategoryZH == "" || seen[l.ZH] {
			t.Errorf("COCO label %+v: empty or duplicate Chinese name", l)
		}
		seen[l.ZH] = true
	}
	if COCO80[16].EN != "dog" || COCO80[16].ZH != "狗" || COCO80[16].CategoryZH != "动物" {
		t.Errorf("class 16 = %+v, want dog", COCO80[16])
	}
}
