package moderation

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/store"
)

// FuzzGlossaryBody: any create/update body either is refused with a
// catalog error or validates into a glossary that compiles and matches.
func FuzzGlossaryBody(f *testing.F) {
	for _, s := range []string{`{"name":"g","words":["a","竞品"]}`, `{"name":"x y","words":[]}`, `{"name":"w","type":"white","words":["  "]}`, `{"name":"b","suggestion":"pass","words":["\u200b"]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var b glossaryBody
		if json.Unmarshal(raw, &b) != nil {
			return
		}
		if err := b.validate(); err != nil {
			return
		}
		if len(b.Words) == 0 || len(b.Words) > MaxGlossaryWords {
			t.Fatalf("%d words validated", len(b.Words))
		}
		name := b.Name
		b.Name = ""
		body, _ := json.Marshal(b)
		g := NewGlossaries(nil)
		cg, err := g.compile(store.Resource{ID: "1", Name: name, Body: body, UpdatedAt: time.Unix(1, 0)})
		if err != nil {
			t.Fatal(err)
		}
		text := []rune(b.Words[0])
		n := normalize(text)
		if !spaced(n.src) {
			return // more separators inside than a hit may span: by design
		}
		if hs := cg.m.find(n, text); len(hs) == 0 {
			t.Fatalf("word %q not found in itself", b.Words[0])
		}
	})
}
