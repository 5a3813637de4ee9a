package main

import (
	ocr "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"
)

// Bills, policies, waybills and the epidemic-control screens.
func init() {
	apis["acceptance_bill"] = func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeAcceptanceBill(&model.RecognizeAcceptanceBillRequest{Body: &model.AcceptanceBillRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	}
	apis["insurance_policy"] = func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeInsurancePolicy(&model.RecognizeInsurancePolicyRequest{Body: &model.InsurancePolicyRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	}
	apis["waybill_electronic"] = func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeWaybillElectronic(&model.RecognizeWaybillElectronicRequest{Body: &model.WaybillElectronicRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	}
	apis["health_code"] = func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizeHealthCode(&model.RecognizeHealthCodeRequest{Body: &model.HealthCodeRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	}
	apis["pcr_test_record"] = func(c *ocr.OcrClient, img string) (any, error) {
		r, err := c.RecognizePcrTestRecord(&model.RecognizePcrTestRecordRequest{Body: &model.PcrTestRecordRequestBody{Image: &img}})
		return res(r, err, func() any { return r.Result })
	}
}
