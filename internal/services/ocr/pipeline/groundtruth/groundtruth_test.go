package groundtruth

import (
	"os"
	"testing"
)

// TestSetDeterministic: two renderings of the set are byte-identical, and
// every variant is present with text.
func TestSetDeterministic(t *testing.T) {
	a, err := Set()
	if err != nil {
		t.Skip(err)
	}
	b, err := build()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("%d then %d samples", len(a), len(b))
	}
	seen := map[string]int{}
	for i := range a {
		if a[i].Name != b[i].Name || string(a[i].Data) != string(b[i].Data) {
			t.Errorf("%s rendered differently the second time", a[i].Name)
		}
		if len(a[i].Lines) == 0 || a[i].Image.Bounds().Empty() {
			t.Errorf("%s: empty", a[i].Name)
		}
		seen[a[i].Variant]++
	}
	for _, v := range Variants() {
		if seen[v] == 0 {
			t.Errorf("variant %s missing", v)
		}
	}
	if dir := os.Getenv("GROUNDTRUTH_DUMP"); dir != "" {
		if _, err := WriteDir(dir); err != nil {
			t.Fatal(err)
		}
	}
}
