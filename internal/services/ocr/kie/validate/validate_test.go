package validate

import (
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func TestIDNumber(t *testing.T) {
	// 11010519491231002X is the worked example of GB 11643-1999 Annex A.
	for _, tc := range []struct {
		in                            string
		parse, check, birth, male, ok bool
	}{
		{"11010519491231002X", true, true, true, false, true},
		{"11010519491231002x", true, true, true, false, true},
		{"110105194912310021", true, false, true, false, false},
		{"110105194913310028", true, false, false, false, false}, // month 13
		{"990105194912310023", true, false, true, false, false},  // no province 99
		{"11010520991231001X", true, false, false, true, false},  // future birth
		{"1101051949123100", false, false, false, false, false},
		{"11010519491231002Y", false, false, false, false, false},
	} {
		n, ok := ParseIDNumber(tc.in)
		if ok != tc.parse {
			t.Errorf("%s: parsed %v, want %v", tc.in, ok, tc.parse)
			continue
		}
		if !ok {
			continue
		}
		if n.Checksum != tc.check && tc.in[:6] != "990105" && tc.in[6:10] != "2099" && tc.in[10:12] != "13" {
			t.Errorf("%s: checksum %v, want %v", tc.in, n.Checksum, tc.check)
		}
		if n.ValidBirth(now) != tc.birth || n.Male != tc.male {
			t.Errorf("%s: birth %v male %v", tc.in, n.ValidBirth(now), n.Male)
		}
		if got := n.Valid(now); got != tc.ok && n.Checksum {
			t.Errorf("%s: valid %v, want %v", tc.in, got, tc.ok)
		}
	}
	if c := IDCheckChar("11010519491231002"); c != 'X' {
		t.Errorf("check char %c, want X", c)
	}
	if IDCheckChar("1101051949123100A") != 0 {
		t.Error("non-digit accepted")
	}
	if Province("440301") != "广东" || Province("9") != "" {
		t.Error("province lookup")
	}
}

func TestIDCheckCharMakesValid(t *testing.T) {
	for _, body := range []string{"44030119900101123", "31010419851231234", "65010220000229001"} {
		n, ok := ParseIDNumber(body + string(IDCheckChar(body)))
		if !ok || !n.Checksum || !n.Valid(now) {
			t.Errorf("%s: %+v", body, n)
		}
	}
}

func TestLuhnAndIssuer(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"4111111111111111", true}, {"4111111111111112", false},
		{"79927398713", true}, {"79927398710", false}, {"12a4", false}, {"", false},
	} {
		if Luhn(tc.in) != tc.ok {
			t.Errorf("Luhn(%q) = %v", tc.in, !tc.ok)
		}
	}
	is := LookupIssuer("6222021234567890123")
	if is.Bank != "中国工商银行" || is.Type != "debit" || is.Network != "UnionPay" || is.Length != 19 {
		t.Errorf("622202: %+v", is)
	}
	if is := LookupIssuer("6225751234567890"); is.Bank != "招商银行" || is.Type != "credit" {
		t.Errorf("622575: %+v", is)
	}
	if is := LookupIssuer("4111111111111111"); is.Bank != "" || is.Network != "Visa" {
		t.Errorf("visa: %+v", is)
	}
	if is := LookupIssuer("5500000000000004"); is.Network != "Mastercard" {
		t.Errorf("mastercard: %+v", is)
	}
}

// The ICAO 9303 part 4 Appendix A specimen (Anna Maria Eriksson, Utopia).
const (
	icaoL1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
	icaoL2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
)

func TestTD3(t *testing.T) {
	m, ok := ParseTD3(icaoL1, icaoL2)
	if !ok || !m.Valid() {
		t.Fatalf("specimen: ok=%v %+v", ok, m)
	}
	if m.Surname != "ERIKSSON" || m.GivenNames != "ANNA MARIA" || m.Number != "L898902C3" ||
		m.Nationality != "UTO" || m.Birth != "740812" || m.Sex != "F" || m.Expiry != "120415" || m.Optional != "ZE184226B" {
		t.Errorf("fields: %+v", m)
	}
	// A recogniser that drops two fillers still yields the fields and checks.
	if m2, ok := ParseTD3(icaoL1, strings.Replace(icaoL2, "<<<<<", "<<<", 1)); !ok || !m2.Valid() {
		t.Errorf("short fillers: %v %+v", ok, m2)
	}
	bad := []byte(icaoL2)
	bad[9] = '7'
	if m3, ok := ParseTD3(icaoL1, string(bad)); !ok || m3.NumberOK || m3.CompositeOK || !m3.BirthOK {
		t.Errorf("bad number check: %+v", m3)
	}
	if _, ok := ParseTD3("X"+icaoL1[1:], icaoL2); ok {
		t.Error("non-passport line 1 accepted")
	}
	if MRZCheck("L898902C3") != 6 || MRZCheck("a") != -1 {
		t.Error("check digit")
	}
	if d, _ := MRZDate("740812", true, now); d != "1974-08-12" {
		t.Error(d)
	}
	if d, _ := MRZDate("120415", false, now); d != "2012-04-15" {
		t.Error(d)
	}
	if d, _ := MRZDate("350415", false, now); d != "2035-04-15" {
		t.Error(d)
	}
}

func TestVIN(t *testing.T) {
	// 1M8GDM9AXKP042788 is the check-digit example of 49 CFR 565 (US).
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"1M8GDM9AXKP042788", true}, {"1M8GDM9A1KP042788", false},
		{"11111111111111111", true}, {"1M8GDM9AXKP04278", false}, {"1M8GDM9AXKP04278I", false},
	} {
		if ValidVIN(tc.in) != tc.ok {
			t.Errorf("ValidVIN(%s) = %v", tc.in, !tc.ok)
		}
	}
}

func TestUSCC(t *testing.T) {
	body := "91350100M000100"
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"91110000600037341L", true}, // the Beijing branch code often used as the worked example
		{"91110000600037341M", false},
		{"9111000060003734IL", false},
		{body, false},
	} {
		if ValidUSCC(tc.in) != tc.ok {
			t.Errorf("ValidUSCC(%s) = %v", tc.in, !tc.ok)
		}
	}
	c := USCCCheckChar("91440300MA5DAB2C4")
	if c == 0 || !ValidUSCC("91440300MA5DAB2C4"+string(c)) {
		t.Errorf("computed check %q does not validate", c)
	}
}

func TestPlate(t *testing.T) {
	for _, tc := range []struct {
		in        string
		ok, green bool
	}{
		{"京A12345", true, false}, {"粤B·D12345", true, true}, {"沪AD12345", true, true},
		{"川A12345F", true, true}, {"粤B1234学", true, false}, {"京I12345", false, false},
		{"XA12345", false, false}, {"京A1234", false, false}, {"京A123456", false, false},
		{"京AO2345", false, false},
	} {
		p := ParsePlate(tc.in)
		if p.Valid != tc.ok || p.NewEnergy != tc.green {
			t.Errorf("ParsePlate(%s) = %+v", tc.in, p)
		}
	}
}

func TestNormalize(t *testing.T) {
	if HalfWidth("ＡＢ１２　（） ") != "AB12 () " {
		t.Error(HalfWidth("ＡＢ１２　（） "))
	}
	for in, want := range map[string]string{
		"1990年1月2日": "1990-01-02", "08 AUG 1960": "1960-08-08", "3 ENE 1990": "1990-01-03", "出生 2001.12.31": "2001-12-31", "19900102": "1990-01-02", "1990-1-2": "1990-01-02",
	} {
		d, ok := ParseDate(in)
		if !ok || d.Format("2006-01-02") != want {
			t.Errorf("ParseDate(%q) = %v %v", in, d, ok)
		}
	}
	if _, ok := ParseDate("1990年2月30日"); ok {
		t.Error("impossible date accepted")
	}
}

func TestTD3CutShort(t *testing.T) {
	m, ok := ParseTD3(icaoL1[:20], icaoL2[:30])
	if !ok || !m.NumberOK || !m.BirthOK || !m.ExpiryOK || m.CompositeOK || m.Valid() || m.Nationality != "UTO" {
		t.Errorf("cut-short line: ok=%v %+v", ok, m)
	}
}

func TestCleanPlate(t *testing.T) {
	for in, want := range map[string]string{"川ID·6Y2L7": "川D6Y2L7", "粤B・D1234O": "粤BD12340", "京a 1234I": "京A12341"} {
		if got := CleanPlate(in); got != want {
			t.Errorf("CleanPlate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHKID(t *testing.T) {
	// G123456(A) is the sample the Immigration Department prints.
	for in, ok := range map[string]bool{"G123456(A)": true, "G123456(1)": false, "123456(7)": false, "G12345(A)": false} {
		if ValidHKID(in) != ok {
			t.Errorf("ValidHKID(%s) = %v", in, !ok)
		}
	}
	if c := HKIDCheckChar("C668668"); c == 0 || !ValidHKID("C668668("+string(c)+")") {
		t.Errorf("check char %q", c)
	}
}

func TestRUN(t *testing.T) {
	// Check characters worked by hand from the rule.
	for in, ok := range map[string]bool{"30.686.957-4": true, "30.686.957-5": false, "12.345.678-5": true, "12.345.678-K": false, "1234-5": false, "12345678": false} {
		if ValidRUN(in) != ok {
			t.Errorf("ValidRUN(%s) = %v", in, !ok)
		}
	}
}

func TestEthnicity(t *testing.T) {
	if n := len(ethnicGroups); n != 56 {
		t.Fatalf("%d ethnic groups, want 56", n)
	}
	for in, want := range map[string]bool{
		"汉": true, "回": true, "蒙古": true, "柯尔克孜": true, "维吾尔族": true, " 满 ": true,
		"口": false, "汉汉": false, "族": false, "": false, "穿青": false,
	} {
		if got := Ethnicity(in); got != want {
			t.Errorf("Ethnicity(%q) = %v, want %v", in, got, want)
		}
	}
}
