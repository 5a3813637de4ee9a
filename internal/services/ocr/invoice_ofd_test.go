package ocr

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/catalog/catalogtest"
	"github.com/aisd/aisd/internal/services/ocr/kie"
	"github.com/aisd/aisd/internal/services/ocr/kie/specimen"
	"github.com/aisd/aisd/internal/services/ocr/ofd"
)

func needFonts(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(specimen.FontDir + "/NotoSansCJK-Regular.ttc"); err != nil {
		if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
			t.Fatal(specimen.ErrNoFonts)
		}
		t.Skip(specimen.ErrNoFonts)
	}
}

// TestVATInvoiceFromOFD: the OFD of every VAT invoice variant (each type,
// one to three goods with wrapped names, a broken uppercase total on
// every fifth) reads back every printed field exactly from its text
// layer, the goods list by columns, and the cross-checks report the
// broken total.
func TestVATInvoiceFromOFD(t *testing.T) {
	needFonts(t)
	types := map[string]bool{}
	for n := 0; n < 20; n++ {
		s, err := specimen.Make("vat_invoice", n)
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
		v, ok := readVAT(p)
		if !ok {
			t.Fatalf("#%d: no invoice found", n)
		}
		got := map[string]string{}
		for k, f := range v.fields {
			got[k] = f.Value
		}
		for i, it := range v.items {
			for k, f := range it {
				got[fmt.Sprintf("item_list.%d.%s", i, k)] = f.Value
			}
		}
		for k, want := range s.Fields {
			if got[k] != want {
				t.Errorf("#%d %s: %s = %q, want %q", n, s.Fields["type"], k, got[k], want)
			}
		}
		if len(v.items) == 0 || got[fmt.Sprintf("item_list.%d.amount", len(v.items)-1)] == "" {
			t.Errorf("#%d: items %v", n, v.items)
		}
		for _, k := range []string{"items_amount_sum", "items_tax_sum", "subtotal_plus_tax"} {
			if !v.checks[k] {
				t.Errorf("#%d: check %s failed: %v", n, k, v.checks)
			}
		}
		if c, ok := v.checks["total_in_words"]; !ok || c != s.Valid {
			t.Errorf("#%d: total_in_words check %v (present %v), want %v", n, c, ok, s.Valid)
		}
		types[s.Fields["type"]] = true
	}
	if len(types) < 5 {
		t.Errorf("only types %v generated", types)
	}
}

// TestOFDRefusals: an OFD zip bomb is refused as too large, a page that
// does not exist as a bad parameter, a broken document as unreadable.
func TestOFDRefusals(t *testing.T) {
	needFonts(t)
	s, _ := specimen.Make("vat_invoice", 0)
	data, err := specimen.OFD(s)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ofdPage(data, 2)
	catalogtest.WantKind(t, err, catalog.KindBadParam)
	catalogtest.WantKind(t, ofdError(fmt.Errorf("x: %w", ofd.ErrBomb)), catalog.KindImageSize)
	catalogtest.WantKind(t, ofdError(errors.New("broken")), catalog.KindImageQuality)
}

// TestReadersFromOFD: each receipt and ticket reader, given the exact
// text of its specimens (their OFD text layer), finds every printed field:
// the layout rules are right before recognition errors come in.
func TestReadersFromOFD(t *testing.T) {
	needFonts(t)
	read := map[string]func(p *kie.Page) (map[string]string, map[string]bool){
		"quota_invoice": func(p *kie.Page) (map[string]string, map[string]bool) { r, ch, _ := readQuota(p); return values(r), ch },
		"taxi_invoice":  func(p *kie.Page) (map[string]string, map[string]bool) { r, ch, _ := readTaxi(p); return values(r), ch },
		"toll_invoice":  func(p *kie.Page) (map[string]string, map[string]bool) { r, _ := readToll(p); return values(r), nil },
		"train_ticket":  func(p *kie.Page) (map[string]string, map[string]bool) { r, _ := readTrain(p); return values(r), nil },
		"mvs_invoice":   func(p *kie.Page) (map[string]string, map[string]bool) { r, ch, _ := readMVS(p); return values(r), ch },
		"flight_itinerary": func(p *kie.Page) (map[string]string, map[string]bool) {
			r, legs, ch, _ := readFlight(p)
			out := values(r)
			for i, l := range legs {
				for k, f := range l {
					out[fmt.Sprintf("itinerary_list.%d.%s", i, k)] = f.Value
				}
			}
			return out, ch
		},
		"bank_receipt": func(p *kie.Page) (map[string]string, map[string]bool) {
			out := map[string]string{}
			for _, kv := range kvPairs(p) {
				out[*kv.Key] = *kv.Value
			}
			return out, nil
		},
	}
	for kind, f := range read {
		for n := 0; n < 5; n++ {
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
			got, ch := f(p)
			for k, want := range s.Fields {
				if got[k] != want {
					t.Errorf("%s #%d: %s = %q, want %q", kind, n, k, got[k], want)
				}
			}
			for k, ok := range ch {
				if !ok && s.Valid {
					t.Errorf("%s #%d: check %s failed", kind, n, k)
				}
			}
			if kind == "quota_invoice" || kind == "mvs_invoice" {
				k := map[string]string{"quota_invoice": "amount_in_words", "mvs_invoice": "total_chinese"}[kind]
				if c, ok := ch[k]; !ok || c != s.Valid {
					t.Errorf("%s #%d: check %s = %v (present %v), want %v", kind, n, k, c, ok, s.Valid)
				}
			}
		}
	}
}

func values(r kie.Result) map[string]string {
	out := map[string]string{}
	for k, f := range r.Fields {
		out[k] = f.Value
	}
	return out
}
