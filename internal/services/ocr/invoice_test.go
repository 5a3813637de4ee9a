package ocr_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"

	ocrsdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/services/ocr/kie/specimen"
)

// flat renders an SDK result as its JSON leaves by path (item_list.0.name),
// the form the specimens' truths take; bank receipts' key-value pairs are
// keyed by their printed key.
func flat(v any) map[string]string {
	out := map[string]string{}
	b, _ := json.Marshal(v)
	var m any
	_ = json.Unmarshal(b, &m)
	var walk func(p string, v any)
	walk = func(p string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if k, ok := x["key"].(string); ok {
				if val, ok := x["value"].(string); ok {
					out[k] = val
					return
				}
			}
			for k, e := range x {
				if p != "" {
					k = p + "." + k
				}
				walk(k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s.%d", p, i), e)
			}
		case string:
			out[p] = x
		}
	}
	walk("", m)
	return out
}

// docCalls send a specimen's bytes to its API and return the result.
var docCalls = map[string]func(c *ocrsdk.OcrClient, img string) (any, error){
	"vat_invoice": func(c *ocrsdk.OcrClient, img string) (any, error) {
		r, err := c.RecognizeVatInvoice(&model.RecognizeVatInvoiceRequest{Body: &model.VatInvoiceRequestBody{Image: &img, AdvancedMode: yes()}})
		if err != nil {
			return nil, err
		}
		return r.Result, nil
	},
	"quota_invoice": func(c *ocrsdk.OcrClient, img string) (any, error) {
		r, err := c.RecognizeQuotaInvoice(&model.RecognizeQuotaInvoiceRequest{Body: &model.QuotaInvoiceRequestBody{Image: &img}})
		if err != nil {
			return nil, err
		}
		return r.Result, nil
	},
	"taxi_invoice": func(c *ocrsdk.OcrClient, img string) (any, error) {
		r, err := c.RecognizeTaxiInvoice(&model.RecognizeTaxiInvoiceRequest{Body: &model.TaxiInvoiceRequestBody{Image: &img}})
		if err != nil {
			return nil, err
		}
		return r.Result, nil
	},
	"toll_invoice": func(c *ocrsdk.OcrClient, img string) (any, error) {
		r, err := c.RecognizeTollInvoice(&model.RecognizeTollInvoiceRequest{Body: &model.TollInvoiceRequestBody{Image: &img}})
		if err != nil {
			return nil, err
		}
		return r.Result, nil
	},
	"train_ticket": func(c *ocrsdk.OcrClient, img string) (any, error) {
		r, err := c.RecognizeTrainTicket(&model.RecognizeTrainTicketRequest{Body: &model.TrainTicketRequestBody{Image: &img}})
		if err != nil {
			return nil, err
		}
		return r.Result, nil
	},
	"mvs_invoice": func(c *ocrsdk.OcrClient, img string) (any, error) {
		r, err := c.RecognizeMvsInvoice(&model.RecognizeMvsInvoiceRequest{Body: &model.MvsInvoiceRequestBody{Image: &img}})
		if err != nil {
			return nil, err
		}
		return r.Result, nil
	},
	"flight_itinerary": func(c *ocrsdk.OcrClient, img string) (any, error) {
		r, err := c.RecognizeFlightItinerary(&model.RecognizeFlightItineraryRequest{Body: &model.FlightItineraryRequestBody{Image: &img}})
		if err != nil {
			return nil, err
		}
		return r.Result, nil
	},
	"bank_receipt": func(c *ocrsdk.OcrClient, img string) (any, error) {
		r, err := c.RecognizeBankReceipt(&model.RecognizeBankReceiptRequest{Body: &model.BankReceiptRequestBody{Data: &img}})
		if err != nil {
			return nil, err
		}
		return r.Result, nil
	},
}

// TestDocInvoices: every invoice and ticket API reads its generated
// specimens through the SDK: at least 97 % of the printed fields of the
// clean scans and 90 % on the photo-like pages (the floors; the
// misses are logged, and bench/docs reports the rates on more pages).
func TestDocInvoices(t *testing.T) {
	cli := client(t)
	for _, kind := range specimen.InvoiceKinds {
		for _, variant := range []string{"clean", "photo"} {
			right, total := 0, 0
			for n := 0; n < 2; n++ {
				img, truth := specimenB64(t, kind, n, variant)
				res, err := docCalls[kind](cli, *img)
				if err != nil {
					t.Errorf("%s %s #%d: %v", kind, variant, n, err)
					total += len(truth)
					continue
				}
				got := flat(res)
				for k, w := range truth {
					total++
					if got[k] == w {
						right++
					} else {
						t.Logf("%s %s #%d: %s = %q, want %q", kind, variant, n, k, got[k], w)
					}
				}
			}
			floor := map[string]float64{"clean": 0.97, "photo": 0.9}[variant]
			if float64(right) < floor*float64(total) {
				t.Errorf("%s %s: %d/%d fields right, want ≥ %.0f %%", kind, variant, right, total, 100*floor)
			}
		}
	}
}

// TestVATInvoiceOFDAndPDF: an OFD invoice is read from its text layer
// (no text_location: its positions are not pixels of an image), a PDF's
// page_num picks the page, and a page past the end is a parameter error.
func TestVATInvoiceOFDAndPDF(t *testing.T) {
	cli := client(t)
	s, err := specimen.Make("vat_invoice", 3)
	if err != nil {
		t.Fatal(err)
	}
	needFontsExt(t)
	o, err := specimen.OFD(s)
	if err != nil {
		t.Fatal(err)
	}
	img := base64.StdEncoding.EncodeToString(o)
	r, err := cli.RecognizeVatInvoice(&model.RecognizeVatInvoiceRequest{Body: &model.VatInvoiceRequestBody{Image: &img, AdvancedMode: yes(), ReturnTextLocation: yes()}})
	if err != nil {
		t.Fatal(err)
	}
	got := flat(r.Result)
	for k, w := range s.Fields {
		if got[k] != w {
			t.Errorf("OFD: %s = %q, want %q", k, got[k], w)
		}
	}
	if r.Result.TextLocation != nil {
		t.Errorf("OFD: text_location %v", toJSON(r.Result.TextLocation))
	}
	_, err = cli.RecognizeVatInvoice(&model.RecognizeVatInvoiceRequest{Body: &model.VatInvoiceRequestBody{Image: &img, OfdToImageMode: yes()}})
	sdktest.WantCode(t, err, 400, "ModelArts.4508")

	// A two-page scan: a fixed-amount invoice, then the VAT invoice.
	q, _ := specimen.Make("quota_invoice", 1)
	pq, err := q.Layout.Render()
	if err != nil {
		t.Fatal(err)
	}
	pv, err := s.Layout.Render()
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := specimen.PDF(pq, pv)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString(pdf)
	two := int32(2)
	r, err = cli.RecognizeVatInvoice(&model.RecognizeVatInvoiceRequest{Body: &model.VatInvoiceRequestBody{Image: &b64, PageNum: &two}})
	if err != nil {
		t.Fatal(err)
	}
	got = flat(r.Result)
	for _, k := range []string{"number", "issue_date", "buyer_name", "seller_name", "total", "subtotal_amount", "item_list.0.name"} {
		if got[k] != s.Fields[k] {
			t.Errorf("PDF page 2: %s = %q, want %q", k, got[k], s.Fields[k])
		}
	}
	// Page 1 is no VAT invoice.
	_, err = cli.RecognizeVatInvoice(&model.RecognizeVatInvoiceRequest{Body: &model.VatInvoiceRequestBody{Image: &b64}})
	sdktest.WantCode(t, err, 400, "AIS.0104")
	three := int32(3)
	_, err = cli.RecognizeVatInvoice(&model.RecognizeVatInvoiceRequest{Body: &model.VatInvoiceRequestBody{Image: &b64, PageNum: &three}})
	sdktest.WantCode(t, err, 400, "AIS.0101")
}

func needFontsExt(t *testing.T) {
	t.Helper()
	if _, _, err := specimen.Image("quota_invoice", 0, "clean"); err != nil {
		t.Skip(err)
	}
}
