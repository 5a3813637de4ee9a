package ocr_test

import (
	"encoding/json"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/services/ocr/kie/specimen"
)

// asMap renders an SDK result model as its JSON object.
func asMap(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// wantFields holds a result to its specimen's truth: the key fields
// exactly, and all the others but one, or nine in ten (one misread
// free-text value is not a failed document).
func wantFields(t *testing.T, what string, got map[string]any, truth map[string]string, key ...string) {
	t.Helper()
	right := 0
	for k, w := range truth {
		if g, _ := got[k].(string); g == w {
			right++
		} else {
			t.Logf("%s: %s = %v, want %q", what, k, got[k], w)
		}
	}
	for _, k := range key {
		if g, _ := got[k].(string); g != truth[k] {
			t.Errorf("%s: key field %s = %v, want %q", what, k, got[k], truth[k])
		}
	}
	if right < len(truth)-1 && float64(right) < 0.9*float64(len(truth)) {
		t.Errorf("%s: %d of %d fields right", what, right, len(truth))
	}
}

func TestDocMacaoIDCard(t *testing.T) {
	cli := client(t)
	for _, v := range []string{"clean", "photo"} {
		img, f := specimenB64(t, "macao_id_card", 0, v)
		r, err := cli.RecognizeMacaoIdCard(&model.RecognizeMacaoIdCardRequest{Body: &model.MacaoIdCardRequestBody{Image: img}})
		if err != nil {
			t.Fatal(v, err)
		}
		if r.Result.Side == nil || *r.Result.Side != "front" {
			t.Errorf("%s: side %v", v, toJSON(r.Result.Side))
		}
		if r.Result.Confidence == nil {
			t.Errorf("%s: no confidence", v)
		}
		wantFields(t, "macao "+v, asMap(t, r.Result), f, "number", "name", "birth_date")
	}
	// The back: the three MRZ lines; specimen 4's number check digit is
	// broken.
	for _, n := range []int{1, 4} {
		img, f := specimenB64(t, "macao_id_card_back", n, "clean")
		r, err := cli.RecognizeMacaoIdCard(&model.RecognizeMacaoIdCardRequest{Body: &model.MacaoIdCardRequestBody{Image: img, Side: strp("back")}})
		if err != nil {
			t.Fatal(err)
		}
		// The lines are answered as printed, the broken one too (its
		// check is in validate's TD1 tests).
		wantFields(t, "macao back", asMap(t, r.Result), f, "machine_code1", "machine_code2")
		if r.Result.Side == nil || *r.Result.Side != "back" {
			t.Errorf("back #%d: side %v", n, toJSON(r.Result.Side))
		}
	}
	img, _ := specimenB64(t, "macao_id_card", 0, "clean")
	_, err := cli.RecognizeMacaoIdCard(&model.RecognizeMacaoIdCardRequest{Body: &model.MacaoIdCardRequestBody{Image: img, Side: strp("top")}})
	sdktest.WantCode(t, err, 400, "AIS.0101")
	_, err = cli.RecognizeMacaoIdCard(&model.RecognizeMacaoIdCardRequest{Body: &model.MacaoIdCardRequestBody{Image: img, ReturnPortraitImage: yes()}})
	sdktest.WantCode(t, err, 400, "ModelArts.4508")
	vin, _ := specimenB64(t, "vin", 0, "clean")
	_, err = cli.RecognizeMacaoIdCard(&model.RecognizeMacaoIdCardRequest{Body: &model.MacaoIdCardRequestBody{Image: vin}})
	sdktest.WantCode(t, err, 400, "AIS.0104")
}

func TestDocHouseholdRegister(t *testing.T) {
	cli := client(t)
	for _, tc := range []struct {
		kind, typ string
		n         int
		variant   string
		key       []string
	}{
		{"household_register", "登记页", 0, "clean", []string{"name", "id_card_number"}},
		{"household_register", "登记页", 1, "photo", []string{"name", "id_card_number"}},
		{"household_register_home", "首页", 0, "photo", []string{"householder_name", "household_number"}},
	} {
		img, f := specimenB64(t, tc.kind, tc.n, tc.variant)
		r, err := cli.RecognizeHouseholdRegister(&model.RecognizeHouseholdRegisterRequest{Body: &model.HouseholdRegisterRequestBody{Image: img}})
		if err != nil {
			t.Fatal(tc.kind, err)
		}
		if r.Result == nil || len(*r.Result) != 1 {
			t.Fatalf("%s: %s", tc.kind, toJSON(r.Result))
		}
		page := (*r.Result)[0]
		if page.Type == nil || *page.Type != tc.typ || page.Location == nil || len(page.Confidence) == 0 {
			t.Errorf("%s: type %v, location %v, confidence %v", tc.kind, toJSON(page.Type), toJSON(page.Location), page.Confidence)
		}
		wantFields(t, tc.kind+" "+tc.variant, asMap(t, page.Content), f, tc.key...)
	}
}

func TestDocIDDocument(t *testing.T) {
	cli := client(t)
	// The TD1 zone is read reliably on scans only (see kie's lowFloors).
	img, f := specimenB64(t, "id_document", 0, "clean")
	r, err := cli.RecognizeIdDocument(&model.RecognizeIdDocumentRequest{Body: &model.IdDocumentRequestBody{Image: img}})
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, "id-document TD1", asMap(t, r.Result), f, "document_number", "country_region", "birth_date")
	if r.Result.IdType == nil || *r.Result.IdType != "ID" || r.Result.Side == nil || *r.Result.Side != "back" {
		t.Errorf("TD1 card: id_type %v, side %v", toJSON(r.Result.IdType), toJSON(r.Result.Side))
	}
	// A passport is an identity document too: its TD3 zone.
	img, f = specimenB64(t, "passport", 1, "clean")
	r, err = cli.RecognizeIdDocument(&model.RecognizeIdDocumentRequest{Body: &model.IdDocumentRequestBody{Image: img, IdType: &[]string{"PP", "ID"}}})
	if err != nil {
		t.Fatal(err)
	}
	m := asMap(t, r.Result)
	for k, from := range map[string]string{"document_number": "passport_number", "last_name": "surname", "birth_date": "date_of_birth", "country_region": "country_code"} {
		if g, _ := m[k].(string); g != f[from] {
			t.Errorf("passport %s = %v, want %q", k, m[k], f[from])
		}
	}
	if g, _ := m["id_type"].(string); g != "PP" {
		t.Errorf("passport id_type %v", m["id_type"])
	}
	// Filters that exclude the document found, unknown types, and the
	// driving licences no spec reads.
	_, err = cli.RecognizeIdDocument(&model.RecognizeIdDocumentRequest{Body: &model.IdDocumentRequestBody{Image: img, CountryRegion: &[]string{"PER"}}})
	sdktest.WantCode(t, err, 400, "AIS.0104")
	_, err = cli.RecognizeIdDocument(&model.RecognizeIdDocumentRequest{Body: &model.IdDocumentRequestBody{Image: img, IdType: &[]string{"XX"}}})
	sdktest.WantCode(t, err, 400, "AIS.0101")
	_, err = cli.RecognizeIdDocument(&model.RecognizeIdDocumentRequest{Body: &model.IdDocumentRequestBody{Image: img, IdType: &[]string{"DL"}}})
	sdktest.WantCode(t, err, 400, "ModelArts.4508")
}

func TestDocRealEstateAndVehicleCertificate(t *testing.T) {
	cli := client(t)
	img, f := specimenB64(t, "real_estate_certificate", 0, "clean")
	r, err := cli.RecognizeRealEstateCertificate(&model.RecognizeRealEstateCertificateRequest{Body: &model.RealEstateCertificateRequestBody{Image: img}})
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, "real estate", asMap(t, r.Result), f, "real_estate_certificate_no", "obligee", "property_unit_no")

	img, f = specimenB64(t, "vehicle_certificate", 1, "photo")
	vr, err := cli.RecognizeVehicleCertificate(&model.RecognizeVehicleCertificateRequest{Body: &model.VehicleCertificateRequestBody{Image: img, ReturnTextLocation: yes()}})
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, "vehicle certificate", asMap(t, vr.Result), f, "vin", "certificate_number", "engine_number")
	if vr.Result.TextLocation == nil {
		t.Error("no text_location")
	}
}

func TestDocQualificationCertificate(t *testing.T) {
	cli := client(t)
	img, f := specimenB64(t, "qualification_certificate", 0, "photo")
	r, err := cli.RecognizeQualificationCertificate(&model.RecognizeQualificationCertificateRequest{Body: &model.QualificationCertificateRequestBody{Image: img}})
	if err != nil {
		t.Fatal(err)
	}
	m := asMap(t, r.Result)
	cats := r.Result.QualificationCategoryList
	if cats == nil || len(*cats) != 1 {
		t.Fatalf("qualification_category_list %s", toJSON(cats))
	}
	for k, v := range asMap(t, (*cats)[0]) {
		m[k] = v
	}
	wantFields(t, "qualification", m, f, "certificate_number", "name", "category")
	if c := r.Result.Confidence; c == nil || c.Name == nil || c.QualificationCategoryList == nil {
		t.Errorf("confidence %s", toJSON(c))
	}
}

func TestDocColombiaAndPeruIDCards(t *testing.T) {
	cli := client(t)
	for _, tc := range []struct {
		kind, side string
		key        []string
	}{{"colombia_id_card", "front", []string{"number", "last_name"}}, {"colombia_id_card_back", "back", []string{"birth_date", "gender"}}} {
		img, f := specimenB64(t, tc.kind, 0, "photo")
		r, err := cli.RecognizeColombiaIdCard(&model.RecognizeColombiaIdCardRequest{Body: &model.ColombiaIdCardRequestBody{Image: img}})
		if err != nil {
			t.Fatal(tc.kind, err)
		}
		if r.Result.Side == nil || *r.Result.Side != tc.side {
			t.Errorf("%s: side %v", tc.kind, toJSON(r.Result.Side))
		}
		wantFields(t, tc.kind, asMap(t, r.Result), f, tc.key...)
	}
	for _, tc := range []struct {
		kind string
		n    int
		key  []string
	}{{"peru_id_card", 1, []string{"cui_number", "first_surname", "birth_date"}}, {"peru_id_card_back", 0, []string{"machine_code1", "machine_code2"}}} {
		img, f := specimenB64(t, tc.kind, tc.n, "clean")
		r, err := cli.RecognizePeruIdCard(&model.RecognizePeruIdCardRequest{Body: &model.PeruIdCardRequestBody{Image: img}})
		if err != nil {
			t.Fatal(tc.kind, err)
		}
		wantFields(t, tc.kind, asMap(t, r.Result), f, tc.key...)
	}
	img, _ := specimenB64(t, "peru_id_card", 0, "clean")
	_, err := cli.RecognizePeruIdCard(&model.RecognizePeruIdCardRequest{Body: &model.PeruIdCardRequestBody{Image: img, ReturnPortraitLocation: yes()}})
	sdktest.WantCode(t, err, 400, "ModelArts.4508")
}

// TestDocAutoClassification: two documents of different types side by
// side are each found, classified and read; type_list limits the
// classes; a page with no document of them answers AIS.0120.
func TestDocAutoClassification(t *testing.T) {
	cli := client(t)
	specimenB64(t, "id_card_front", 0, "clean") // skips without fonts
	id, _ := specimen.Make("id_card_front", 2)
	card, _ := specimen.Make("bankcard", 1)
	both := sideBySide(t, id, card)
	r, err := cli.RecognizeAutoClassification(&model.RecognizeAutoClassificationRequest{Body: &model.AutoClassificationRequestBody{Image: both}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]any{}
	for _, d := range *r.Result {
		if d.Content != nil {
			got[d.Type] = asMap(t, *d.Content)
		}
		if len(d.Location) != 4 {
			t.Errorf("%s: location %v", d.Type, d.Location)
		}
	}
	if len(*r.Result) != 2 || got["id_card"] == nil || got["bankcard"] == nil {
		t.Fatalf("documents: %s", toJSON(r.Result))
	}
	if n, _ := got["id_card"]["number"].(string); n != id.Fields["number"] {
		t.Errorf("id_card number %q, want %q", n, id.Fields["number"])
	}
	if n, _ := got["bankcard"]["card_number"].(string); n != card.Fields["card_number"] {
		t.Errorf("bankcard number %q, want %q", n, card.Fields["card_number"])
	}
	// The id card lies left of the bank card.
	var idX, cardX int32
	for _, d := range *r.Result {
		if d.Type == "id_card" {
			idX = d.Location[0][0]
		} else {
			cardX = d.Location[0][0]
		}
	}
	if idX >= cardX {
		t.Errorf("locations: id card at x=%d, bank card at x=%d", idX, cardX)
	}

	r, err = cli.RecognizeAutoClassification(&model.RecognizeAutoClassificationRequest{Body: &model.AutoClassificationRequestBody{Image: both, TypeList: &[]string{"bankcard"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(*r.Result) != 1 || (*r.Result)[0].Type != "bankcard" {
		t.Errorf("type_list [bankcard]: %s", toJSON(r.Result))
	}
	var ext interface{} = map[string]any{"id_card": map[string]any{"return_verification": true}}
	r, err = cli.RecognizeAutoClassification(&model.RecognizeAutoClassificationRequest{Body: &model.AutoClassificationRequestBody{Image: both, TypeList: &[]string{"id_card"}, ExtendedParameters: &ext}})
	if err != nil {
		t.Fatal(err)
	}
	if len(*r.Result) != 1 || (*r.Result)[0].Content == nil {
		t.Fatalf("type_list [id_card]: %s", toJSON(r.Result))
	}
	if c := asMap(t, *(*r.Result)[0].Content); c["verification_result"] == nil {
		t.Errorf("id_card with return_verification: %s", toJSON(c))
	}

	_, err = cli.RecognizeAutoClassification(&model.RecognizeAutoClassificationRequest{Body: &model.AutoClassificationRequestBody{Image: both, TypeList: &[]string{"postcard"}}})
	sdktest.WantCode(t, err, 400, "AIS.0101")
	vin, _ := specimenB64(t, "vin", 0, "clean")
	_, err = cli.RecognizeAutoClassification(&model.RecognizeAutoClassificationRequest{Body: &model.AutoClassificationRequestBody{Image: vin}})
	sdktest.WantCode(t, err, 400, "AIS.0120")
	_, err = cli.RecognizeAutoClassification(&model.RecognizeAutoClassificationRequest{Body: &model.AutoClassificationRequestBody{Image: both, TypeList: &[]string{"passport"}}})
	sdktest.WantCode(t, err, 400, "AIS.0120")
}
