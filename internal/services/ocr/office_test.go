package ocr_test

import (
	"fmt"
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
// as the SDK's structs say; on a policy insuring two persons
// insurant_list holds both, in print order, each with its own name and
// id number; the beneficiaries and items are lists.
func TestInsurancePolicyShape(t *testing.T) {
	cli := client(t)
	var img *string
	var truth map[string]string
	for n := 0; n < 10 && img == nil; n++ {
		if s, err := specimen.Make("insurance_policy", n); err == nil && s.Fields["insurant_list.1.insurant_name.words"] != "" {
			img, truth = specimenB64(t, "insurance_policy", n, "clean")
		}
	}
	if img == nil {
		t.Fatal("no specimen of ten insures two persons")
	}
	r, err := cli.RecognizeInsurancePolicy(&model.RecognizeInsurancePolicyRequest{Body: &model.InsurancePolicyRequestBody{Image: img}})
	if err != nil {
		t.Fatal(err)
	}
	res := r.Result
	if res.BillNumber == nil || *res.BillNumber.Words != truth["bill_number.words"] || len(*res.BillNumber.Location) != 4 {
		t.Fatalf("bill_number %s", toJSON(res.BillNumber))
	}
	if res.InsurantList == nil || len(*res.InsurantList) != 2 {
		t.Fatalf("insurant_list %s, want two persons", toJSON(res.InsurantList))
	}
	for i, p := range *res.InsurantList {
		pre := fmt.Sprintf("insurant_list.%d.", i)
		if p.InsurantName == nil || *p.InsurantName.Words != truth[pre+"insurant_name.words"] ||
			p.InsurantIdNumber == nil || *p.InsurantIdNumber.Words != truth[pre+"insurant_id_number.words"] ||
			p.InsurantIdNumber.Location == nil || len(*p.InsurantIdNumber.Location) != 4 {
			t.Errorf("insured #%d: %s, want %s %s", i, toJSON(p), truth[pre+"insurant_name.words"], truth[pre+"insurant_id_number.words"])
		}
	}
	if res.ApplicantName == nil || *res.ApplicantName.Words != truth["applicant_name.words"] {
		t.Errorf("applicant_name %s, want %s", toJSON(res.ApplicantName), truth["applicant_name.words"])
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
