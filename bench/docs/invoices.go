package main

import (
	"fmt"

	ocr "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"
)

// The invoice and ticket APIs (issue 15).
func init() {
	yes := true
	apis["vat_invoice"] = func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeVatInvoice(&model.RecognizeVatInvoiceRequest{Body: &model.VatInvoiceRequestBody{Image: &img, AdvancedMode: &yes}})
		return res(r, err, func() any { return r.Result })
	}
	apis["quota_invoice"] = func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeQuotaInvoice(&model.RecognizeQuotaInvoiceRequest{Body: &model.QuotaInvoiceRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	}
	apis["taxi_invoice"] = func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeTaxiInvoice(&model.RecognizeTaxiInvoiceRequest{Body: &model.TaxiInvoiceRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	}
	apis["toll_invoice"] = func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeTollInvoice(&model.RecognizeTollInvoiceRequest{Body: &model.TollInvoiceRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	}
	apis["train_ticket"] = func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeTrainTicket(&model.RecognizeTrainTicketRequest{Body: &model.TrainTicketRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	}
	apis["mvs_invoice"] = func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeMvsInvoice(&model.RecognizeMvsInvoiceRequest{Body: &model.MvsInvoiceRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	}
	apis["flight_itinerary"] = func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeFlightItinerary(&model.RecognizeFlightItineraryRequest{Body: &model.FlightItineraryRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	}
	apis["bank_receipt"] = func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeBankReceipt(&model.RecognizeBankReceiptRequest{Body: &model.BankReceiptRequestBody{Data: &img}})
		return res(r, err, func() any { return r.Result })
	}
}

// flatten gives a result's string leaves by path (item_list.0.name), as
// the specimens' truths name nested fields; a {key, value} pair (bank
// receipts) is keyed by its printed key.
func flatten(m map[string]any) map[string]string {
	out := map[string]string{}
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
