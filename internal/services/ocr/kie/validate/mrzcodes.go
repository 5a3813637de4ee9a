package validate

import "strings"

// mrzCodes are the three-letter codes an MRZ may name as issuer or
// nationality (ICAO 9303 part 3, section 5: the ISO 3166-1 alpha-3 codes
// and the codes ICAO adds: D for Germany, the British categories, the
// United Nations, the stateless and refugee codes, EU and Kosovo).
var mrzCodes = func() map[string]bool {
	const iso = `ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD BGR BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR COD COG COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH ESP EST ETH FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU RUS RWA SAU SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA UGA UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE`
	const icao = `D GBD GBN GBO GBP GBS UNO UNA UNK XXA XXB XXC XXX EUE RKS XOM XPO XBA XIM XCC XCE XCO XDC XEC XES XMP UTO`
	m := map[string]bool{}
	for _, c := range strings.Fields(iso + " " + icao) {
		m[c] = true
	}
	return m
}()

// MRZCode reports whether c (fillers trimmed) is a code an MRZ may carry
// as issuing state or nationality.
func MRZCode(c string) bool { return mrzCodes[strings.Trim(c, "<")] }

// lookAlike are the letters a recogniser takes for one another in OCR-B
// and similar faces.
var lookAlike = map[byte]string{
	'O': "CDQU", 'C': "OG", 'D': "O", 'Q': "O", 'U': "OV", 'G': "C",
	'I': "LT", 'L': "I", 'T': "I", 'V': "UY", 'Y': "V",
	'E': "F", 'F': "E", 'P': "R", 'R': "PB", 'B': "R", 'M': "N", 'N': "MH", 'H': "N",
	'K': "X", 'X': "K",
}

// FixMRZCode answers c unchanged when it is a known code, else the only
// known code one look-alike letter away (ok false when there is none or
// more than one).
func FixMRZCode(c string) (string, bool) {
	if MRZCode(c) {
		return c, true
	}
	if len(c) != 3 {
		return c, false
	}
	found := ""
	for i := 0; i < 3; i++ {
		for _, r := range lookAlike[c[i]] {
			t := c[:i] + string(r) + c[i+1:]
			if mrzCodes[t] {
				if found != "" && found != t {
					return c, false
				}
				found = t
			}
		}
	}
	return found, found != ""
}
