package moderation

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzWellFormedJSONString: the check of a text as sent never panics on
// any bytes, and never refuses a string that is well-formed Unicode as a
// JSON encoder writes it.
func FuzzWellFormedJSONString(f *testing.F) {
	for _, s := range []string{`"hello"`, `"\ud83d\ude00"`, `"\ud800"`, "\"\xff\"", `"\\ud800"`, `"\u00e9\n"`, `"`, `"\u12"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		_ = wellFormedJSONString(raw)
		if !utf8.Valid(raw) {
			return
		}
		enc, err := json.Marshal(string(raw))
		if err != nil {
			t.Fatal(err)
		}
		if !wellFormedJSONString(enc) {
			t.Fatalf("refused %s, the encoding of well-formed text", enc)
		}
	})
}
