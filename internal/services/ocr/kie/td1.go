package kie

import (
	"regexp"
	"strings"

	"github.com/aisd/aisd/internal/services/ocr/kie/validate"
)

// Registered as package variables so that they exist before spec.go's
// init compiles the built-in specs that name them.
var _ = func() bool {
	decoders["td1"] = decodeTD1
	// dashdate: Latin-American cards print 12-MAR-1985; ParseDate reads
	// the spaced form.
	normalizers["dashdate"] = func(s string) string {
		if monthDash.MatchString(strings.ToUpper(s)) {
			return strings.ReplaceAll(s, "-", " ")
		}
		return s
	}
	// dmy: day, month and year printed as numbers (Peru: 12 03 1985)
	// become YYYY-MM-DD.
	normalizers["dmy"] = func(s string) string {
		return dmyRe.ReplaceAllStringFunc(s, func(m string) string {
			p := dmyRe.FindStringSubmatch(m)
			return p[3] + "-" + p[2] + "-" + p[1]
		})
	}
	// paren_space: "MEDELLIN (ANTIOQUIA)" keeps the space before its
	// bracket, which the recogniser drops.
	normalizers["paren_space"] = func(s string) string {
		return strings.TrimSpace(parenRe.ReplaceAllString(s, "$1 ("))
	}
	return true
}()

var (
	monthDash = regexp.MustCompile(`\d{1,2}\s*-\s*[A-Z]{3}\s*-\s*\d{4}`)
	dmyRe     = regexp.MustCompile(`\b(\d{2})[ ./]?(\d{2})[ ./]?((?:19|20)\d{2})\b`)
	parenRe   = regexp.MustCompile(`(\S)\s*\(`)
)

// decodeTD1 finds the three MRZ lines of an identity card (ICAO 9303
// part 5) and answers them with their decoded fields, each flagged by
// its check digit.
func decodeTD1(lines []*Line) map[string]*Field {
	clean := make([]string, len(lines))
	for i, l := range lines {
		clean[i] = validate.CleanMRZ(strings.ReplaceAll(l.Text, " ", ""))
	}
	for i := range lines {
		// The first line's filler run is often cut off by the detector.
		if len(clean[i]) < 14 || !strings.Contains(clean[i], "<") {
			continue
		}
		for j := i + 1; j < len(lines) && j <= i+2; j++ {
			for k := j + 1; k < len(lines) && k <= j+2; k++ {
				t, ok := validate.ParseTD1(clean[i], clean[j], clean[k])
				if !ok {
					continue
				}
				conf := (lines[i].Score + lines[j].Score + lines[k].Score) / 3
				box := union(union(lines[i].Box, lines[j].Box), lines[k].Box)
				mk := func(v string, ok bool) *Field {
					f := &Field{Value: v, Confidence: conf, Box: box}
					f.Valid = &ok
					return f
				}
				out := map[string]*Field{
					"machine_code1":   mk(t.Line1, true),
					"machine_code2":   mk(t.Line2, t.CompOK),
					"machine_code3":   mk(t.Line3, true),
					"mrz_doc_type":    mk(t.DocType, true),
					"mrz_issuer":      mk(t.Issuer, true),
					"mrz_number":      mk(t.Number, t.NumberOK),
					"mrz_sex":         mk(t.Sex, true),
					"mrz_nationality": mk(t.Nationality, true),
					"mrz_surname":     mk(t.Surname, true),
					"mrz_given_names": mk(t.GivenNames, true),
					"mrz_valid":       mk("", t.Valid()),
				}
				if d, ok := validate.MRZDate(t.Birth, true, now()); ok {
					out["mrz_birth_date"] = mk(d, t.BirthOK)
				}
				if d, ok := validate.MRZDate(t.Expiry, false, now()); ok {
					out["mrz_expiry_date"] = mk(d, t.ExpiryOK)
				}
				return out
			}
		}
	}
	return nil
}
