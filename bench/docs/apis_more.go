package main

import (
	"encoding/json"

	ocr "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"
)

// flat renders a result as its JSON object, with the first object of the
// lists named in lift merged in (the benchmark compares top-level
// strings).
func flat(v any, lift ...string) map[string]any {
	b, _ := json.Marshal(v)
	m := map[string]any{}
	_ = json.Unmarshal(b, &m)
	for _, k := range lift {
		if l, ok := m[k].([]any); ok && len(l) > 0 {
			if o, ok := l[0].(map[string]any); ok {
				for kk, vv := range o {
					m[kk] = vv
				}
			}
		}
	}
	return m
}

func init() {
	macao := func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeMacaoIdCard(&model.RecognizeMacaoIdCardRequest{Body: &model.MacaoIdCardRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	}
	household := func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeHouseholdRegister(&model.RecognizeHouseholdRegisterRequest{Body: &model.HouseholdRegisterRequestBody{Image: &img}})
		return res(r, err, func() any {
			if r.Result == nil || len(*r.Result) == 0 {
				return nil
			}
			return (*r.Result)[0].Content
		})
	}
	colombia := func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeColombiaIdCard(&model.RecognizeColombiaIdCardRequest{Body: &model.ColombiaIdCardRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	}
	peru := func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizePeruIdCard(&model.RecognizePeruIdCardRequest{Body: &model.PeruIdCardRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	}
	for k, f := range map[string]call{
		"macao_id_card": macao, "macao_id_card_back": macao,
		"household_register": household, "household_register_home": household,
		"colombia_id_card": colombia, "colombia_id_card_back": colombia,
		"peru_id_card": peru, "peru_id_card_back": peru,
		"id_document": func(c *ocr.OcrClient, img string) (any, error) {
			r, err := c.RecognizeIdDocument(&model.RecognizeIdDocumentRequest{Body: &model.IdDocumentRequestBody{Image: &img}})
			return res(r, err, func() any { return r.Result })
		},
		"real_estate_certificate": func(c *ocr.OcrClient, img string) (any, error) {
			r, err := c.RecognizeRealEstateCertificate(&model.RecognizeRealEstateCertificateRequest{Body: &model.RealEstateCertificateRequestBody{Image: &img}})
			return res(r, err, func() any { return r.Result })
		},
		"vehicle_certificate": func(c *ocr.OcrClient, img string) (any, error) {
			r, err := c.RecognizeVehicleCertificate(&model.RecognizeVehicleCertificateRequest{Body: &model.VehicleCertificateRequestBody{Image: &img}})
			return res(r, err, func() any { return r.Result })
		},
		"qualification_certificate": func(c *ocr.OcrClient, img string) (any, error) {
			r, err := c.RecognizeQualificationCertificate(&model.RecognizeQualificationCertificateRequest{Body: &model.QualificationCertificateRequestBody{Image: &img}})
			return res(r, err, func() any { return flat(r.Result, "qualification_category_list") })
		},
	} {
		apis[k] = f
	}
}
