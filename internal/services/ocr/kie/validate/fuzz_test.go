package validate

import "testing"

// The parsers read recogniser output: any text must be answered without a
// panic, and an answer they accept must satisfy their own rule.

func FuzzParseIDNumber(f *testing.F) {
	f.Add("11010519491231002X")
	f.Add("１１０")
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := ParseIDNumber(s)
		if ok && n.Checksum && IDCheckChar(n.Number[:17]) != n.Number[17] {
			t.Fatalf("checksum accepted for %q", s)
		}
	})
}

func FuzzParseTD3(f *testing.F) {
	f.Add(icaoL1, icaoL2)
	f.Add("P<", "<<<<")
	f.Fuzz(func(t *testing.T, a, b string) {
		m, ok := ParseTD3(a, b)
		if ok && len(m.Nationality) > 3 {
			t.Fatalf("nationality %q", m.Nationality)
		}
	})
}

func FuzzParsePlate(f *testing.F) {
	f.Add("川ID·6Y2L7")
	f.Add("京A12345")
	f.Add("粤B·D12345")
	f.Fuzz(func(t *testing.T, s string) {
		_ = CleanPlate(s)
		p := ParsePlate(s)
		if p.Valid && !PlateProvince([]rune(p.Number)[0]) {
			t.Fatalf("valid plate without province: %q", s)
		}
	})
}

func FuzzChecks(f *testing.F) {
	f.Add("1M8GDM9AXKP042788")
	f.Add("91110000600037341L")
	f.Add("6222021234567890123")
	f.Fuzz(func(t *testing.T, s string) {
		_ = ValidVIN(s)
		_ = ValidHKID(s)
		_ = ValidRUN(s)
		_ = ValidUSCC(s)
		_ = Luhn(s)
		_ = LookupIssuer(s)
		_ = MRZCheck(s)
	})
}

func FuzzParseDate(f *testing.F) {
	f.Add("1990年1月2日")
	f.Add("2001.12.31-2021.12.31")
	f.Fuzz(func(t *testing.T, s string) {
		if d, ok := ParseDate(s); ok && d.IsZero() {
			t.Fatalf("zero date accepted for %q", s)
		}
		_ = HalfWidth(s)
	})
}
