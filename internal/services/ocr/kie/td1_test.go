package kie

import (
	"testing"

	"github.com/aisd/aisd/internal/services/ocr/kie/validate"
)

// TestRecombineTD1First: one reading lost the issuer's letters, another
// a digit of the number; their recombination decodes with every check
// digit, and the check digits choose it.
func TestRecombineTD1First(t *testing.T) {
	m := validate.TD1Lines("I", "MAC", "55845787", "021210", "M", "321012", "CHN", "CHEONG", "KUOK HONG")
	cs := recombineTD1First([]mrzCand{
		{text: "I<MAC5584577<5<<<<<<<<<<<<<<<<", score: 0.9}, // a digit lost
		{text: "I<M55845787<5<<<<<<<<<<<<<<<<", score: 0.8},  // "AC" lost
	})
	var best *td1Pick
	for _, c := range cs {
		tt, ok := validate.ParseTD1(c.text, m[1], m[2])
		if !ok {
			continue
		}
		if r := td1Rank(tt, c.score, c.text); best == nil || r > best.rank {
			best = &td1Pick{t: tt, rank: r}
		}
	}
	if best == nil || !td1Sound(best.t) || best.t.Line1 != m[0] {
		t.Fatalf("best %+v, want line 1 %q", best, m[0])
	}
	// A first row whose printed check digit is wrong stays wrong: no
	// recombination is made from it.
	bad := []byte(m[0])
	bad[14] = '0' + (bad[14]-'0'+3)%10
	if got := recombineTD1First([]mrzCand{{text: string(bad)}}); len(got) != 1 {
		t.Errorf("a wrong check digit was recombined: %v", got)
	}
}

// TestTD1DroppedLetter: on the Macao card back #3 the piece "OU<<<" of the
// name row reads "U<<<" (the O at the cut is lost); its glyphs read again
// alone give the letter back, not one more filler.
func TestTD1DroppedLetter(t *testing.T) {
	r := reader(t)
	spec, _ := Builtin("macao_id_card_back")
	p, s := readSpecimen(t, r, "macao_id_card_back", 3, "clean")
	f := Extract(p, spec).Fields["machine_code3"]
	if want := s.Fields["machine_code3"]; f == nil || f.Value != want {
		t.Fatalf("machine_code3 = %+v, want %q", f, want)
	}
}
