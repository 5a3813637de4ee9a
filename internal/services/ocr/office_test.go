package ocr_test

import (
	"testing"

	ocrsdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/sdktest"
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

// TestHealthCodeColour: the code's colour is measured from its pixels on
// photo-like screens of each colour, beside the blue title bar; the
// screen's lines come back as words blocks.
func TestHealthCodeColour(t *testing.T) {
	cli := client(t)
	for _, n := range []int{0, 1, 4, 5} { // green, red, yellow, gray
		img, truth := specimenB64(t, "health_code", n, "photo")
		r, err := cli.RecognizeHealthCode(&model.RecognizeHealthCodeRequest{Body: &model.HealthCodeRequestBody{Image: img}})
		if err != nil {
			t.Fatalf("#%d: %v", n, err)
		}
		if r.Result.Color != truth["color"] || r.Result.Type != "health_code" {
			t.Errorf("#%d: color %q type %q, want %q health_code", n, r.Result.Color, r.Result.Type, truth["color"])
		}
		if r.Result.WordsBlockCount < 8 || int(r.Result.WordsBlockCount) != len(r.Result.WordsBlockList) {
			t.Errorf("#%d: %d words blocks, list of %d", n, r.Result.WordsBlockCount, len(r.Result.WordsBlockList))
		}
		if r.Result.ReachedCity == nil {
			t.Errorf("#%d: reached_city is null, want a list", n)
		}
	}
}

// TestInsurancePolicyShape: the policy's fields are {words, location}
// as the SDK's structs say; the main insured is the first of
// insurant_list; the beneficiaries and items are lists.
func TestInsurancePolicyShape(t *testing.T) {
	cli := client(t)
	img, truth := specimenB64(t, "insurance_policy", 0, "clean")
	r, err := cli.RecognizeInsurancePolicy(&model.RecognizeInsurancePolicyRequest{Body: &model.InsurancePolicyRequestBody{Image: img}})
	if err != nil {
		t.Fatal(err)
	}
	res := r.Result
	if res.BillNumber == nil || *res.BillNumber.Words != truth["bill_number.words"] || len(*res.BillNumber.Location) != 4 {
		t.Fatalf("bill_number %s", toJSON(res.BillNumber))
	}
	if res.InsurantList == nil || len(*res.InsurantList) != 1 || *(*res.InsurantList)[0].InsurantIdNumber.Words != truth["insurant_list.0.insurant_id_number.words"] {
		t.Errorf("insurant_list %s", toJSON(res.InsurantList))
	}
	if res.InsuranceList == nil || len(*res.InsuranceList) == 0 || *(*res.InsuranceList)[0].InsuranceName.Words != truth["insurance_list.0.insurance_name.words"] {
		t.Errorf("insurance_list %s", toJSON(res.InsuranceList))
	}
	if res.BeneficiaryList == nil || len(*res.BeneficiaryList) == 0 {
		t.Errorf("beneficiary_list %s", toJSON(res.BeneficiaryList))
	}
}

// TestOfficeNotFound: a page that is not the API's document is refused
// as an image the service cannot read (AIS.0104), not answered empty.
func TestOfficeNotFound(t *testing.T) {
	cli := client(t)
	img, _ := specimenB64(t, "waybill_electronic", 0, "clean")
	_, err := cli.RecognizeAcceptanceBill(&model.RecognizeAcceptanceBillRequest{Body: &model.AcceptanceBillRequestBody{Image: img}})
	sdktest.WantCode(t, err, 400, "AIS.0104")
	_, err = cli.RecognizeInsurancePolicy(&model.RecognizeInsurancePolicyRequest{Body: &model.InsurancePolicyRequestBody{Image: img}})
	sdktest.WantCode(t, err, 400, "AIS.0104")
	bill, _ := specimenB64(t, "acceptance_bill", 0, "clean")
	_, err = cli.RecognizePcrTestRecord(&model.RecognizePcrTestRecordRequest{Body: &model.PcrTestRecordRequestBody{Image: bill}})
	sdktest.WantCode(t, err, 400, "AIS.0104")
	_, err = cli.RecognizeWaybillElectronic(&model.RecognizeWaybillElectronicRequest{Body: &model.WaybillElectronicRequestBody{Image: bill}})
	sdktest.WantCode(t, err, 400, "AIS.0104")
}
