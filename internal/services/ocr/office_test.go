package ocr_test

import (
	"testing"

	ocrsdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/services/ocr/kie/specimen"
)

var officeCalls = map[string]func(c *ocrsdk.OcrClient, img string) (any, error){
	"acceptance_bill": func(c *ocrsdk.OcrClient, img string) (any, error) {
		r, err := c.RecognizeAcceptanceBill(&model.RecognizeAcceptanceBillRequest{Body: &model.AcceptanceBillRequestBody{Image: &img}})
		if err != nil {
			return nil, err
		}
		return r.Result, nil
	},
	"insurance_policy": func(c *ocrsdk.OcrClient, img string) (any, error) {
		r, err := c.RecognizeInsurancePolicy(&model.RecognizeInsurancePolicyRequest{Body: &model.InsurancePolicyRequestBody{Image: &img}})
		if err != nil {
			return nil, err
		}
		return r.Result, nil
	},
	"waybill_electronic": func(c *ocrsdk.OcrClient, img string) (any, error) {
		r, err := c.RecognizeWaybillElectronic(&model.RecognizeWaybillElectronicRequest{Body: &model.WaybillElectronicRequestBody{Image: &img}})
		if err != nil {
			return nil, err
		}
		return r.Result, nil
	},
	"health_code": func(c *ocrsdk.OcrClient, img string) (any, error) {
		r, err := c.RecognizeHealthCode(&model.RecognizeHealthCodeRequest{Body: &model.HealthCodeRequestBody{Image: &img}})
		if err != nil {
			return nil, err
		}
		return r.Result, nil
	},
	"pcr_test_record": func(c *ocrsdk.OcrClient, img string) (any, error) {
		r, err := c.RecognizePcrTestRecord(&model.RecognizePcrTestRecordRequest{Body: &model.PcrTestRecordRequestBody{Image: &img}})
		if err != nil {
			return nil, err
		}
		return r.Result, nil
	},
}

// TestDocOffice: acceptance bills, insurance policies, waybills, health
// codes and test records are read through the SDK from their generated
// specimens at the floors (97 % of the printed fields clean, 90 %
// photo-like), the health code's colour among them.
func TestDocOffice(t *testing.T) {
	cli := client(t)
	for _, kind := range specimen.OfficeKinds {
		for _, variant := range []string{"clean", "photo"} {
			right, total := 0, 0
			for n := 0; n < 2; n++ {
				img, truth := specimenB64(t, kind, n, variant)
				res, err := officeCalls[kind](cli, *img)
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
