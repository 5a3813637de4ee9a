package ocr

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/aisd/aisd/internal/services/ocr/kie"
	"github.com/aisd/aisd/internal/services/ocr/kie/specimen"
)

// officePage is specimen n of kind as the engine's page, read from its
// OFD text layer: every character exact, so what is tested is the specs'
// regions, tables and rules, not the recogniser.
func officePage(t *testing.T, kind string, n int) (*kie.Page, specimen.Specimen) {
	t.Helper()
	needFonts(t)
	s, err := specimen.Make(kind, n)
	if err != nil {
		t.Fatal(err)
	}
	data, err := specimen.OFD(s)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ofdPage(data, 1)
	if err != nil {
		t.Fatal(err)
	}
	return p, s
}

// TestAcceptanceBillFromText: every printed field of ten bills, the
// drawer's, payee's and acceptor's blocks and the two rating rows kept
// apart although they print the same labels; the uppercase amount's
// check fails exactly on the bills printed with a wrong one.
func TestAcceptanceBillFromText(t *testing.T) {
	for n := 0; n < 10; n++ {
		p, s := officePage(t, "acceptance_bill", n)
		r, ch, ok := readAcceptanceBill(p)
		if !ok {
			t.Fatalf("#%d: no bill found", n)
		}
		for k, want := range s.Fields {
			if f := r.Fields[k]; f == nil || f.Value != want {
				t.Errorf("#%d: %s = %v, want %q", n, k, f, want)
			}
		}
		for _, k := range []string{"acceptance_guarantor_name", "acceptance_guarantor_address", "acceptance_guarantee_date"} {
			if f := r.Fields[k]; f != nil {
				t.Errorf("#%d: %s = %q from an empty block", n, k, f.Value)
			}
		}
		if c, ok := ch["amount_in_words"]; !ok || c != s.Valid {
			t.Errorf("#%d: amount_in_words check %v (present %v), want %v", n, c, ok, s.Valid)
		}
	}
}

// TestInsurancePolicyFromText: the applicant and every insured person
// (one or two) from their blocks, one or two beneficiaries and one to
// three items from their tables, each field with its location; the
// premiums sum to the total.
func TestInsurancePolicyFromText(t *testing.T) {
	two := 0
	for n := 0; n < 10; n++ {
		p, s := officePage(t, "insurance_policy", n)
		out, ch, ok := readInsurancePolicy(p)
		if !ok {
			t.Fatalf("#%d: no policy found", n)
		}
		b, _ := json.Marshal(out)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		got := map[string]string{}
		var walk func(string, any)
		walk = func(pre string, v any) {
			switch x := v.(type) {
			case map[string]any:
				for k, e := range x {
					if pre != "" {
						k = pre + "." + k
					}
					walk(k, e)
				}
			case []any:
				for i, e := range x {
					walk(fmt.Sprintf("%s.%d", pre, i), e)
				}
			case string:
				got[pre] = x
			}
		}
		walk("", m)
		for k, want := range s.Fields {
			if got[k] != want {
				t.Errorf("#%d: %s = %q, want %q", n, k, got[k], want)
			}
		}
		if out.BillNumber == nil || out.BillNumber.Location == nil || len(*out.BillNumber.Location) != 4 {
			t.Errorf("#%d: bill_number without its location: %s", n, b)
		}
		if !ch["premium_sum"] || !ch["applicant_id_number"] || !ch["insurant_id_number"] {
			t.Errorf("#%d: checks %v", n, ch)
		}
		insured := 1
		if _, ok := s.Fields["insurant_list.1.insurant_name.words"]; ok {
			insured, two = 2, two+1
		}
		if out.InsurantList == nil || len(*out.InsurantList) != insured {
			il, _ := json.Marshal(out.InsurantList)
			t.Errorf("#%d: insurant_list %s, want %d persons", n, il, insured)
		}
	}
	if two == 0 {
		t.Error("no specimen of ten prints two insured persons")
	}
}
