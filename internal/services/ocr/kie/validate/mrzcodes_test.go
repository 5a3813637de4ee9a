package validate

import "testing"

func TestFixMRZCode(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"DEU", "DEU", true}, {"D", "D", true}, {"MAC", "MAC", true},
		{"MAO", "MAC", true}, // O read for C: the only code one look-alike away
		{"HN", "HN", false},  // a letter lost: not guessed
		{"QQQ", "QQQ", false},
	} {
		got, ok := FixMRZCode(c.in)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("FixMRZCode(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
