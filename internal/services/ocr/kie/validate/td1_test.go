package validate

import (
	"strings"
	"testing"
)

func TestTD1(t *testing.T) {
	m := TD1Lines("I", "PER", "12345678", "850312", "F", "300101", "PER", "DIAZ SOTO", "MARIA JOSE")
	for i, l := range m {
		if len(l) != 30 {
			t.Fatalf("line %d %q: %d characters", i+1, l, len(l))
		}
	}
	d, ok := ParseTD1(m[0], m[1], m[2])
	if !ok || !d.Valid() {
		t.Fatalf("%v %+v", ok, d)
	}
	if d.Issuer != "PER" || d.Number != "12345678" || d.Birth != "850312" || d.Sex != "F" || d.Surname != "DIAZ SOTO" || d.GivenNames != "MARIA JOSE" {
		t.Errorf("%+v", d)
	}
	// A recogniser that miscounts fillers and reads « for < still decodes.
	short := strings.Replace(m[0], "<<<<<", "<<", 1)
	if d2, ok := ParseTD1(short, strings.ReplaceAll(m[1], "<", "«"), m[2]); !ok || !d2.Valid() || d2.Line1 != m[0] {
		t.Errorf("loose read: %v %+v", ok, d2)
	}
	// A broken number check digit is found; the other checks still hold.
	b := []byte(m[0])
	b[14] = '0' + (b[14]-'0'+3)%10
	d3, ok := ParseTD1(string(b), m[1], m[2])
	if !ok || d3.NumberOK || !d3.BirthOK || !d3.ExpiryOK || d3.Valid() {
		t.Errorf("broken check digit: %+v", d3)
	}
	if _, ok := ParseTD1("P<CHNWANG<<MING", m[1], m[2]); ok {
		t.Error("a passport line read as TD1")
	}
}

func FuzzParseTD1(f *testing.F) {
	m := TD1Lines("ID", "ESP", "ABC123456", "900101", "M", "310101", "ESP", "SOTO", "JUAN")
	f.Add(m[0], m[1], m[2])
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		d, ok := ParseTD1(a, b, c)
		if ok && (len(d.Line1) != 30 || len(d.Line2) != 30 || len(d.Line3) != 30) {
			t.Fatalf("lines %q %q %q", d.Line1, d.Line2, d.Line3)
		}
	})
}
