package ocr_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"strconv"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/services/ocr/kie/specimen"
)

// specimenB64 renders a generated specimen (see package specimen) and
// returns it base64-encoded with its known fields.
func specimenB64(t *testing.T, kind string, n int, variant string) (*string, map[string]string) {
	t.Helper()
	if _, err := os.Stat(specimen.FontDir + "/NotoSansCJK-Regular.ttc"); err != nil {
		if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
			t.Fatal(specimen.ErrNoFonts)
		}
		t.Skip(specimen.ErrNoFonts)
	}
	b, s, err := specimen.Image(kind, n, variant)
	if err != nil {
		t.Fatal(err)
	}
	e := base64.StdEncoding.EncodeToString(b)
	return &e, s.Fields
}

// side by side renders pages next to each other on one white sheet.
func sideBySide(t *testing.T, pages ...specimen.Specimen) *string {
	t.Helper()
	var imgs []*image.RGBA
	w, h := 40, 0
	for _, p := range pages {
		m, err := p.Layout.Render()
		if err != nil {
			t.Fatal(err)
		}
		imgs = append(imgs, m)
		w += m.Bounds().Dx() + 40
		h = max(h, m.Bounds().Dy()+80)
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	x := 40
	for _, m := range imgs {
		draw.Draw(out, m.Bounds().Add(image.Pt(x, 40)), m, image.Point{}, draw.Src)
		x += m.Bounds().Dx() + 40
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		t.Fatal(err)
	}
	e := base64.StdEncoding.EncodeToString(buf.Bytes())
	return &e
}

func want(t *testing.T, field string, got *string, w string) {
	t.Helper()
	if got == nil || *got != w {
		g := "<nil>"
		if got != nil {
			g = *got
		}
		t.Errorf("%s = %q, want %q", field, g, w)
	}
}

func yes() *bool { v := true; return &v }

func TestDocIDCardFront(t *testing.T) {
	cli := client(t)
	for _, tc := range []struct {
		n       int
		variant string
	}{{0, "clean"}, {1, "photo"}, {4, "clean"}} {
		img, f := specimenB64(t, "id_card_front", tc.n, tc.variant)
		resp, err := cli.RecognizeIdCard(&model.RecognizeIdCardRequest{Body: &model.IdCardRequestBody{
			Image: img, Side: strp("front"), ReturnVerification: yes(), ReturnTextLocation: yes(), ReturnPortraitLocation: yes()}})
		if err != nil {
			t.Fatalf("%d/%s: %v", tc.n, tc.variant, err)
		}
		r := resp.Result
		want(t, "name", r.Name, f["name"])
		want(t, "sex", r.Sex, f["sex"])
		want(t, "birth", r.Birth, f["birth"])
		want(t, "address", r.Address, f["address"])
		want(t, "number", r.Number, f["number"])
		v := r.VerificationResult
		valid := tc.n%5 != 4 // specimen 4 carries a broken check digit
		if v == nil || v.ValidNumber == nil || *v.ValidNumber != valid || v.ValidBirth == nil || !*v.ValidBirth || v.ValidSex == nil || !*v.ValidSex {
			t.Errorf("%d/%s: verification %s, want valid_number=%v and birth, sex consistent", tc.n, tc.variant, toJSON(v), valid)
		}
		if r.TextLocation == nil {
			t.Errorf("%d/%s: no text_location", tc.n, tc.variant)
		}
		// The portrait is right of the text block and above the number.
		if pl := r.PortraitLocation; pl == nil || len(*pl) != 4 {
			t.Errorf("%d/%s: portrait_location %v", tc.n, tc.variant, toJSON(pl))
		} else if loc, ok := (*r.TextLocation).(map[string]any)["name"].([]any); ok && len(loc) == 4 {
			nameX, _ := strconv.ParseFloat(fmt.Sprint(loc[1].([]any)[0]), 64)
			if float64((*pl)[0][0]) < nameX || (*pl)[2][1] <= (*pl)[0][1] {
				t.Errorf("%d/%s: portrait %v not right of the name ending at x=%v", tc.n, tc.variant, *pl, nameX)
			}
		}
	}
}

func TestDocIDCardBackAndDoubleSide(t *testing.T) {
	cli := client(t)
	img, f := specimenB64(t, "id_card_back", 0, "photo")
	resp, err := cli.RecognizeIdCard(&model.RecognizeIdCardRequest{Body: &model.IdCardRequestBody{Image: img, ReturnVerification: yes()}})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "issue", resp.Result.Issue, f["issue"])
	want(t, "valid_from", resp.Result.ValidFrom, f["valid_from"])
	want(t, "valid_to", resp.Result.ValidTo, f["valid_to"])
	if v := resp.Result.VerificationResult; v == nil || !*v.ValidDate || !*v.ValidValidityPeriod {
		t.Errorf("back verification %s", toJSON(v))
	}

	fr, _ := specimen.Make("id_card_front", 2)
	bk, _ := specimen.Make("id_card_back", 2)
	both := sideBySide(t, fr, bk)
	resp, err = cli.RecognizeIdCard(&model.RecognizeIdCardRequest{Body: &model.IdCardRequestBody{Image: both, Side: strp("double_side")}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Result.Front == nil || resp.Result.Back == nil {
		t.Fatalf("double_side: %s", toJSON(resp.Result))
	}
	want(t, "front.number", resp.Result.Front.Number, fr.Fields["number"])
	want(t, "front.name", resp.Result.Front.Name, fr.Fields["name"])
	want(t, "back.valid_to", resp.Result.Back.ValidTo, bk.Fields["valid_to"])

	// Two portrait sides in one double_side image: AIS.0122.
	fr2, _ := specimen.Make("id_card_front", 3)
	_, err = cli.RecognizeIdCard(&model.RecognizeIdCardRequest{Body: &model.IdCardRequestBody{Image: sideBySide(t, fr, fr2), Side: strp("double_side")}})
	sdktest.WantCode(t, err, 400, "AIS.0122")
}

func TestDocIDCardErrors(t *testing.T) {
	cli := client(t)
	img, _ := specimenB64(t, "id_card_front", 0, "clean")
	_, err := cli.RecognizeIdCard(&model.RecognizeIdCardRequest{Body: &model.IdCardRequestBody{Image: img, Side: strp("left")}})
	sdktest.WantCode(t, err, 400, "AIS.0101")
	// No open model detects tampering: the check is refused, not faked.
	_, err = cli.RecognizeIdCard(&model.RecognizeIdCardRequest{Body: &model.IdCardRequestBody{Image: img, DetectTampering: yes()}})
	sdktest.WantCode(t, err, 400, "ModelArts.4508")
	// A page with text but no ID card on it.
	vin, _ := specimenB64(t, "vin", 0, "clean")
	_, err = cli.RecognizeIdCard(&model.RecognizeIdCardRequest{Body: &model.IdCardRequestBody{Image: vin}})
	sdktest.WantCode(t, err, 400, "AIS.0104")
	// Checks computed from the pixels: a colour scan is no copy.
	resp, err := cli.RecognizeIdCard(&model.RecognizeIdCardRequest{Body: &model.IdCardRequestBody{Image: img, DetectCopy: yes()}})
	if err != nil {
		t.Fatal(err)
	}
	if c := resp.Result.DetectCopyResult; c == nil || *c {
		t.Errorf("detect_copy_result on a colour specimen = %v", toJSON(c))
	}
}

func TestDocBankcard(t *testing.T) {
	cli := client(t)
	for _, n := range []int{0, 1} {
		img, f := specimenB64(t, "bankcard", n, []string{"clean", "photo"}[n])
		resp, err := cli.RecognizeBankcard(&model.RecognizeBankcardRequest{Body: &model.BankcardRequestBody{Image: img}})
		if err != nil {
			t.Fatal(err)
		}
		want(t, "card_number", resp.Result.CardNumber, f["card_number"])
		want(t, "bank_name", resp.Result.BankName, f["bank_name"])
		want(t, "type", resp.Result.Type, f["type"])
		want(t, "expiry_date", resp.Result.ExpiryDate, f["expiry_date"])
		if resp.Result.Confidence == nil {
			t.Error("no confidence")
		}
	}
}

func TestDocPassport(t *testing.T) {
	cli := client(t)
	img, f := specimenB64(t, "passport", 0, "clean")
	for _, cc := range []string{"GENERAL", "CHN"} {
		resp, err := cli.RecognizePassport(&model.RecognizePassportRequest{Body: &model.PassportRequestBody{Image: img, CountryCode: strp(cc)}})
		if err != nil {
			t.Fatal(cc, err)
		}
		r := resp.Result
		for k, got := range map[string]*string{"passport_number": r.PassportNumber, "surname": r.Surname, "given_name": r.GivenName,
			"sex": r.Sex, "date_of_birth": r.DateOfBirth, "date_of_expiry": r.DateOfExpiry, "nationality": r.Nationality} {
			want(t, cc+" "+k, got, f[k])
		}
	}
	_, err := cli.RecognizePassport(&model.RecognizePassportRequest{Body: &model.PassportRequestBody{Image: img, CountryCode: strp("XX")}})
	sdktest.WantCode(t, err, 400, "AIS.0101")
}

func TestDocVinAndPlate(t *testing.T) {
	cli := client(t)
	img, f := specimenB64(t, "vin", 1, "photo")
	resp, err := cli.RecognizeVin(&model.RecognizeVinRequest{Body: &model.VinRequestBody{Image: img}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Result.Vin != f["vin"] {
		t.Errorf("vin = %q, want %q", resp.Result.Vin, f["vin"])
	}
	a, _ := specimen.Make("license_plate", 0)
	b, _ := specimen.Make("license_plate", 1)
	pr, err := cli.RecognizeLicensePlate(&model.RecognizeLicensePlateRequest{Body: &model.LicensePlateRequestBody{Image: sideBySide(t, a, b)}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range *pr.Result {
		got[p.PlateNumber] = p.PlateColor
	}
	for _, s := range []specimen.Specimen{a, b} {
		if c, ok := got[s.Fields["plate_number"]]; !ok || c != s.Fields["plate_color"] {
			t.Errorf("plate %s (%s): got %v", s.Fields["plate_number"], s.Fields["plate_color"], toJSON(pr.Result))
		}
	}
}

func TestDocLicences(t *testing.T) {
	cli := client(t)
	img, f := specimenB64(t, "business_license", 0, "clean")
	br, err := cli.RecognizeBusinessLicense(&model.RecognizeBusinessLicenseRequest{Body: &model.BusinessLicenseRequestBody{Image: img}})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "registration_number", br.Result.RegistrationNumber, f["registration_number"])
	want(t, "name", br.Result.Name, f["name"])
	want(t, "legal_representative", br.Result.LegalRepresentative, f["legal_representative"])
	want(t, "found_date", br.Result.FoundDate, f["found_date"])

	img, f = specimenB64(t, "driver_license", 0, "photo")
	dr, err := cli.RecognizeDriverLicense(&model.RecognizeDriverLicenseRequest{Body: &model.DriverLicenseRequestBody{Image: img}})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "number", dr.Result.Number, f["number"])
	want(t, "name", dr.Result.Name, f["name"])
	want(t, "class", dr.Result.Class, f["class"])
	want(t, "valid_to", dr.Result.ValidTo, f["valid_to"])

	img, f = specimenB64(t, "vehicle_license", 0, "clean")
	vr, err := cli.RecognizeVehicleLicense(&model.RecognizeVehicleLicenseRequest{Body: &model.VehicleLicenseRequestBody{Image: img}})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "number", vr.Result.Number, f["number"])
	want(t, "vin", vr.Result.Vin, f["vin"])
	want(t, "engine_no", vr.Result.EngineNo, f["engine_no"])
	want(t, "register_date", vr.Result.RegisterDate, f["register_date"])
}

func TestDocUnreadableScripts(t *testing.T) {
	cli := client(t)
	img, _ := specimenB64(t, "id_card_front", 0, "clean")
	_, err := cli.RecognizeThailandIdcard(&model.RecognizeThailandIdcardRequest{Body: &model.ThailandIdcardRequestBody{Image: img}})
	sdktest.WantCode(t, err, 400, "ModelArts.4508")
	_, err = cli.RecognizeMyanmarIdcard(&model.RecognizeMyanmarIdcardRequest{Body: &model.MyanmarIdcardRequestBody{Image: img}})
	sdktest.WantCode(t, err, 400, "ModelArts.4508")
}

func strp(s string) *string { return &s }

func TestDocHKIDAndPermit(t *testing.T) {
	cli := client(t)
	img, f := specimenB64(t, "hk_id_card", 0, "clean")
	hr, err := cli.RecognizeHkIdCard(&model.RecognizeHkIdCardRequest{Body: &model.HkIdCardRequestBody{Image: img}})
	if err != nil {
		t.Fatal(err)
	}
	for k, got := range map[string]*string{"name": hr.Result.Name, "name_en": hr.Result.NameEn, "sex": hr.Result.Sex,
		"birth_date": hr.Result.BirthDate, "number": hr.Result.Number, "issue_date": hr.Result.IssueDate} {
		want(t, "hk "+k, got, f[k])
	}
	img, f = specimenB64(t, "exit_entry_permit", 1, "photo")
	er, err := cli.RecognizeExitEntryPermit(&model.RecognizeExitEntryPermitRequest{Body: &model.ExitEntryPermitRequestBody{Image: img}})
	if err != nil {
		t.Fatal(err)
	}
	for k, got := range map[string]*string{"name": er.Result.Name, "name_en": er.Result.NameEn, "sex": er.Result.Sex,
		"birth_date": er.Result.BirthDate, "number": er.Result.Number, "valid_period": er.Result.ValidPeriod, "issue_place": er.Result.IssuePlace} {
		want(t, "permit "+k, got, f[k])
	}
}

func TestDocAutoIDClassification(t *testing.T) {
	cli := client(t)
	for kind, typ := range map[string]string{"id_card_back": "id_card", "hk_id_card": "hongkong_id_card", "passport": "passport"} {
		img, _ := specimenB64(t, kind, 0, "photo")
		r, err := cli.RecognizeAutoIdDocClassification(&model.RecognizeAutoIdDocClassificationRequest{Body: &model.AutoIdDocClassificationRequestBody{Data: img}})
		if err != nil {
			t.Fatal(kind, err)
		}
		if r.Result.Type == nil || *r.Result.Type != typ || r.Result.Location == nil {
			t.Errorf("%s classified as %s", kind, toJSON(r.Result))
		}
	}
	img, _ := specimenB64(t, "vin", 0, "clean")
	_, err := cli.RecognizeAutoIdDocClassification(&model.RecognizeAutoIdDocClassificationRequest{Body: &model.AutoIdDocClassificationRequestBody{Data: img}})
	sdktest.WantCode(t, err, 400, "AIS.0104")
}

func TestDocMainlandTravelPermit(t *testing.T) {
	cli := client(t)
	img, f := specimenB64(t, "mainland_travel_permit", 0, "photo")
	r, err := cli.RecognizeMainlandTravelPermit(&model.RecognizeMainlandTravelPermitRequest{Body: &model.MainlandTravelPermitRequestBody{Image: img}})
	if err != nil {
		t.Fatal(err)
	}
	for k, got := range map[string]*string{"name": r.Result.Name, "name_en": r.Result.NameEn, "number": r.Result.Number,
		"birth_date": r.Result.BirthDate, "valid_period": r.Result.ValidPeriod, "issue_times": r.Result.IssueTimes} {
		want(t, "permit "+k, got, f[k])
	}
}

func TestDocTransportationLicenseAndBusinessCard(t *testing.T) {
	cli := client(t)
	img, f := specimenB64(t, "transportation_license", 0, "clean")
	tr, err := cli.RecognizeTransportationLicense(&model.RecognizeTransportationLicenseRequest{Body: &model.TransportationLicenseRequestBody{Image: img, ReturnImageLocation: yes()}})
	if err != nil {
		t.Fatal(err)
	}
	r := tr.Result
	for k, got := range map[string]*string{"owner_name": r.OwnerName, "license_number": r.LicenseNumber, "vehicle_number": r.VehicleNumber,
		"maximum_capacity": r.MaximumCapacity, "issue_date": r.IssueDate, "business_scope": r.BusinessScope} {
		want(t, k, got, f[k])
	}
	if r.ImageLocation == nil {
		t.Error("no image_location")
	}
	img, f = specimenB64(t, "business_card", 1, "photo")
	br, err := cli.RecognizeBusinessCard(&model.RecognizeBusinessCardRequest{Body: &model.BusinessCardRequestBody{Image: img}})
	if err != nil {
		t.Fatal(err)
	}
	first := func(v *[]string) *string {
		if v == nil || len(*v) == 0 {
			return nil
		}
		return &(*v)[0]
	}
	b := br.Result
	for k, got := range map[string]*[]string{"name": b.Name, "company": b.Company, "title": b.Title, "phone": b.Phone, "email": b.Email, "address": b.Address} {
		want(t, "card "+k, first(got), f[k])
	}
}

func TestDocChileIDCard(t *testing.T) {
	cli := client(t)
	img, f := specimenB64(t, "chile_id_card", 0, "clean")
	r, err := cli.RecognizeChileIdCard(&model.RecognizeChileIdCardRequest{Body: &model.ChileIdCardRequestBody{Image: img}})
	if err != nil {
		t.Fatal(err)
	}
	c := r.Result
	var sur *string
	if c.Surname != nil && len(*c.Surname) > 0 {
		sur = &(*c.Surname)[0]
	}
	for k, got := range map[string]*string{"surname": sur, "given_name": c.GivenName, "sex": c.Sex, "birth": c.Birth,
		"expiry_date": c.ExpiryDate, "document_number": c.DocumentNumber, "number": c.Number} {
		want(t, k, got, f[k])
	}
}

// TestDocIDCardTurned: a card photographed a quarter or half turn round
// is turned upright before it is read.
func TestDocIDCardTurned(t *testing.T) {
	cli := client(t)
	specimenB64(t, "id_card_front", 0, "clean") // skips without fonts
	s, _ := specimen.Make("id_card_front", 5)
	page, err := s.Layout.Render()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []int{1, 2, 3} {
		ph := specimen.PhotoLike(99)
		ph.Quarter = q
		img, _ := specimen.Shoot(page, ph)
		b, err := specimen.Encode(img, 85)
		if err != nil {
			t.Fatal(err)
		}
		e := base64.StdEncoding.EncodeToString(b)
		resp, err := cli.RecognizeIdCard(&model.RecognizeIdCardRequest{Body: &model.IdCardRequestBody{Image: &e, Side: strp("front")}})
		if err != nil {
			t.Fatalf("quarter %d: %v", q, err)
		}
		want(t, "name", resp.Result.Name, s.Fields["name"])
		want(t, "number", resp.Result.Number, s.Fields["number"])
		want(t, "sex", resp.Result.Sex, s.Fields["sex"])
	}
}
