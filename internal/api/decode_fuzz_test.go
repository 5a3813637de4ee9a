package api_test

// bodies lists every request body of the three SDK services: the
// bodies handlers decode into (DecodeJSON) must turn any bytes into a
// value or a documented parameter error — never a panic. The SDK's enum
// types carry their own UnmarshalJSON, which is what this exercises.

import (
	"testing"

	image "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/image/v2/model"
	moderation "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3/model"
	ocr "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
)

var bodies = map[string]func() any{
	"ocr.AcceptanceBillRequestBody":           func() any { return new(ocr.AcceptanceBillRequestBody) },
	"ocr.AutoClassificationRequestBody":       func() any { return new(ocr.AutoClassificationRequestBody) },
	"ocr.AutoIdDocClassificationRequestBody":  func() any { return new(ocr.AutoIdDocClassificationRequestBody) },
	"ocr.BankReceiptRequestBody":              func() any { return new(ocr.BankReceiptRequestBody) },
	"ocr.BankcardRequestBody":                 func() any { return new(ocr.BankcardRequestBody) },
	"ocr.BusinessCardRequestBody":             func() any { return new(ocr.BusinessCardRequestBody) },
	"ocr.BusinessLicenseRequestBody":          func() any { return new(ocr.BusinessLicenseRequestBody) },
	"ocr.CambodianIdCardRequestBody":          func() any { return new(ocr.CambodianIdCardRequestBody) },
	"ocr.ChileIdCardRequestBody":              func() any { return new(ocr.ChileIdCardRequestBody) },
	"ocr.ColombiaIdCardRequestBody":           func() any { return new(ocr.ColombiaIdCardRequestBody) },
	"ocr.CustomTemplateRequestBody":           func() any { return new(ocr.CustomTemplateRequestBody) },
	"ocr.DriverLicenseRequestBody":            func() any { return new(ocr.DriverLicenseRequestBody) },
	"ocr.ExitEntryPermitRequestBody":          func() any { return new(ocr.ExitEntryPermitRequestBody) },
	"ocr.FinancialStatementRequestBody":       func() any { return new(ocr.FinancialStatementRequestBody) },
	"ocr.FlightItineraryRequestBody":          func() any { return new(ocr.FlightItineraryRequestBody) },
	"ocr.GeneralTableRequestBody":             func() any { return new(ocr.GeneralTableRequestBody) },
	"ocr.GeneralTextRequestBody":              func() any { return new(ocr.GeneralTextRequestBody) },
	"ocr.HandwritingRequestBody":              func() any { return new(ocr.HandwritingRequestBody) },
	"ocr.HealthCodeRequestBody":               func() any { return new(ocr.HealthCodeRequestBody) },
	"ocr.HkIdCardRequestBody":                 func() any { return new(ocr.HkIdCardRequestBody) },
	"ocr.HouseholdRegisterRequestBody":        func() any { return new(ocr.HouseholdRegisterRequestBody) },
	"ocr.IdCardRequestBody":                   func() any { return new(ocr.IdCardRequestBody) },
	"ocr.IdDocumentRequestBody":               func() any { return new(ocr.IdDocumentRequestBody) },
	"ocr.InsurancePolicyRequestBody":          func() any { return new(ocr.InsurancePolicyRequestBody) },
	"ocr.InvoiceVerificationRequestBody":      func() any { return new(ocr.InvoiceVerificationRequestBody) },
	"ocr.LicensePlateRequestBody":             func() any { return new(ocr.LicensePlateRequestBody) },
	"ocr.MacaoIdCardRequestBody":              func() any { return new(ocr.MacaoIdCardRequestBody) },
	"ocr.MainlandTravelPermitRequestBody":     func() any { return new(ocr.MainlandTravelPermitRequestBody) },
	"ocr.MvsInvoiceRequestBody":               func() any { return new(ocr.MvsInvoiceRequestBody) },
	"ocr.MyanmarDriverLicenseRequestBody":     func() any { return new(ocr.MyanmarDriverLicenseRequestBody) },
	"ocr.MyanmarIdcardRequestBody":            func() any { return new(ocr.MyanmarIdcardRequestBody) },
	"ocr.PassportRequestBody":                 func() any { return new(ocr.PassportRequestBody) },
	"ocr.PcrTestRecordRequestBody":            func() any { return new(ocr.PcrTestRecordRequestBody) },
	"ocr.PeruIdCardRequestBody":               func() any { return new(ocr.PeruIdCardRequestBody) },
	"ocr.QualificationCertificateRequestBody": func() any { return new(ocr.QualificationCertificateRequestBody) },
	"ocr.QuotaInvoiceRequestBody":             func() any { return new(ocr.QuotaInvoiceRequestBody) },
	"ocr.RealEstateCertificateRequestBody":    func() any { return new(ocr.RealEstateCertificateRequestBody) },
	"ocr.SealRequestBody":                     func() any { return new(ocr.SealRequestBody) },
	"ocr.SmartDocumentRecognizerRequestBody":  func() any { return new(ocr.SmartDocumentRecognizerRequestBody) },
	"ocr.TaxiInvoiceRequestBody":              func() any { return new(ocr.TaxiInvoiceRequestBody) },
	"ocr.ThailandIdcardRequestBody":           func() any { return new(ocr.ThailandIdcardRequestBody) },
	"ocr.ThailandLicensePlateRequestBody":     func() any { return new(ocr.ThailandLicensePlateRequestBody) },
	"ocr.TollInvoiceRequestBody":              func() any { return new(ocr.TollInvoiceRequestBody) },
	"ocr.TrainTicketRequestBody":              func() any { return new(ocr.TrainTicketRequestBody) },
	"ocr.TransportationLicenseRequestBody":    func() any { return new(ocr.TransportationLicenseRequestBody) },
	"ocr.VatInvoiceRequestBody":               func() any { return new(ocr.VatInvoiceRequestBody) },
	"ocr.VehicleCertificateRequestBody":       func() any { return new(ocr.VehicleCertificateRequestBody) },
	"ocr.VehicleLicenseRequestBody":           func() any { return new(ocr.VehicleLicenseRequestBody) },
	"ocr.VietnamIdCardRequestBody":            func() any { return new(ocr.VietnamIdCardRequestBody) },
	"ocr.VinRequestBody":                      func() any { return new(ocr.VinRequestBody) },
	"ocr.WaybillElectronicRequestBody":        func() any { return new(ocr.WaybillElectronicRequestBody) },
	"ocr.WebImageRequestBody":                 func() any { return new(ocr.WebImageRequestBody) },
	"image.CelebrityRecognitionReq":           func() any { return new(image.CelebrityRecognitionReq) },
	"image.ImageMainObjectDetectionReq":       func() any { return new(image.ImageMainObjectDetectionReq) },
	"image.ImageMediaTaggingDetReq":           func() any { return new(image.ImageMediaTaggingDetReq) },
	"image.ImageMediaTaggingReq":              func() any { return new(image.ImageMediaTaggingReq) },
	"image.ImageTaggingReq":                   func() any { return new(image.ImageTaggingReq) },
	"image.RecaptureDetectReq":                func() any { return new(image.RecaptureDetectReq) },
	"moderation.ImageBatchSyncReq":            func() any { return new(moderation.ImageBatchSyncReq) },
	"moderation.ImageDetectionReq":            func() any { return new(moderation.ImageDetectionReq) },
	"moderation.TextDetectionDataReq":         func() any { return new(moderation.TextDetectionDataReq) },
	"moderation.TextDetectionReq":             func() any { return new(moderation.TextDetectionReq) },
}

func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"image":"aGVsbG8=","detect_direction":true,"quick_mode":false}`,
		`{"url":"https://example.com/a.jpg","language":"zh","threshold":60,"limit":-1}`,
		`{"side":"front","return_verification":true,"country_code":"CHN"}`,
		`{"event_type":"comment","categories":["porn","ad"],"data":{"text":"x"}}`,
		`{"language":"xx"}`, `{"threshold":"60"}`, `{"limit":1e400}`, `[]`, `null`, ``, `{`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for name, mk := range bodies {
			c := &api.Call{Body: []byte(body)}
			err := c.DecodeJSON(mk())
			if err == nil {
				continue
			}
			if !catalog.IsKind(err, catalog.KindMissingParam) && !catalog.IsKind(err, catalog.KindBadParam) && !catalog.IsKind(err, catalog.KindBadJSON) {
				t.Fatalf("%s: %q: %v is not a documented parameter error", name, body, err)
			}
		}
	})
}
