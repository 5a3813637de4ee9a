package validate

import (
	_ "embed"
	"strings"
)

// Luhn reports whether a digit string passes the Luhn (ISO/IEC 7812-1
// Annex B) check. Non-digits make it fail.
func Luhn(s string) bool {
	if len(s) < 2 || !allDigits(s) {
		return false
	}
	sum := 0
	double := false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// Issuer is what a card number's leading digits say about its issuer.
type Issuer struct {
	Bank    string // issuing bank's name, "" when the BIN is not in the table
	Network string // card scheme from the ISO/IEC 7812 IIN ranges
	Type    string // "debit", "credit" or "" (unknown)
	Length  int    // expected card number length, 0 when unknown
}

// bins.csv is a selection of rows of the BIN table of
// github.com/hexindai/bcbc (data/bin.csv, MIT licence), which lists China
// UnionPay members' published card BINs with the card type (DC debit, CC
// credit, SCC semi-credit) and length. Only the large national banks'
// common BINs are kept: a modest table whose every row can be checked
// against that source.
//
//go:embed bins.csv
var binsCSV string

type binRow struct {
	bank, typ string
	length    int
}

var (
	bins     = map[string]binRow{}
	binSizes []int
)

// bankNames are the banks' Chinese names as printed on their cards.
var bankNames = map[string]string{
	"ICBC": "中国工商银行", "ABC": "中国农业银行", "BOC": "中国银行", "CCB": "中国建设银行",
	"COMM": "交通银行", "PSBC": "中国邮政储蓄银行", "CMB": "招商银行", "CITIC": "中信银行",
	"CEB": "中国光大银行", "CMBC": "中国民生银行", "SPDB": "上海浦东发展银行", "CIB": "兴业银行",
	"GDB": "广发银行", "SPABANK": "平安银行", "HXBANK": "华夏银行",
}

func init() {
	seen := map[int]bool{}
	for _, line := range strings.Split(binsCSV, "\n") {
		f := strings.Split(strings.TrimSpace(line), ",")
		if len(f) != 4 || f[0] == "bin" {
			continue
		}
		n := 0
		for _, c := range f[3] {
			n = n*10 + int(c-'0')
		}
		bins[f[0]] = binRow{bank: f[1], typ: f[2], length: n}
		if !seen[len(f[0])] {
			seen[len(f[0])] = true
			binSizes = append(binSizes, len(f[0]))
		}
	}
}

// network names the scheme of an IIN by the ranges the schemes publish.
func network(s string) string {
	p := func(n int) int {
		v := 0
		for i := 0; i < n && i < len(s); i++ {
			v = v*10 + int(s[i]-'0')
		}
		return v
	}
	switch {
	case len(s) < 4:
		return ""
	case strings.HasPrefix(s, "62"), strings.HasPrefix(s, "81"):
		return "UnionPay"
	case s[0] == '4':
		return "Visa"
	case p(2) >= 51 && p(2) <= 55, p(4) >= 2221 && p(4) <= 2720:
		return "Mastercard"
	case strings.HasPrefix(s, "34"), strings.HasPrefix(s, "37"):
		return "American Express"
	case p(4) >= 3528 && p(4) <= 3589:
		return "JCB"
	case strings.HasPrefix(s, "6011"), strings.HasPrefix(s, "65"):
		return "Discover"
	}
	return ""
}

// LookupIssuer looks a card number up in the BIN table (longest prefix
// first) and the scheme ranges.
func LookupIssuer(number string) Issuer {
	if !allDigits(number) {
		return Issuer{}
	}
	is := Issuer{Network: network(number)}
	best := 0
	for _, n := range binSizes {
		if n > best && n <= len(number) {
			if r, ok := bins[number[:n]]; ok {
				best = n
				is.Bank = bankNames[r.bank]
				is.Length = r.length
				switch r.typ {
				case "DC":
					is.Type = "debit"
				case "CC", "SCC":
					is.Type = "credit"
				}
			}
		}
	}
	return is
}
