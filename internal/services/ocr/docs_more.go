package ocr

// The second set of document APIs: Macao, Colombian and Peruvian identity
// cards, MRZ identity documents of any issuer, the household register,
// the real-estate certificate, the vehicle's certificate of conformity
// and the transport practitioner's qualification certificate. Each reads
// its built-in specs (kie/specs) and answers the SDK's result model.

import (
	"context"
	"errors"
	"reflect"
	"strings"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/services/ocr/kie"
)

func (s *Service) idDocHandlers() map[string]api.Handler {
	conf := func(any) fillOpts { return fillOpts{confidence: true} }
	return map[string]api.Handler{
		"RecognizeMacaoIdCard":              s.macaoIDCard,
		"RecognizeColombiaIdCard":           s.colombiaIDCard,
		"RecognizePeruIdCard":               s.peruIDCard,
		"RecognizeIdDocument":               s.idDocument,
		"RecognizeHouseholdRegister":        s.householdRegister,
		"RecognizeVehicleCertificate":       s.vehicleCertificate,
		"RecognizeQualificationCertificate": s.qualificationCertificate,
		"RecognizeRealEstateCertificate": simpleDoc[model.RealEstateCertificateRequestBody, model.RealEstateCertificateResult](s, "real_estate_certificate", "real-estate certificate", "obligee",
			func(b *model.RealEstateCertificateRequestBody) (*string, *string) { return b.Image, b.Url },
			func(b *model.RealEstateCertificateRequestBody) fillOpts { return conf(b) }),
		"RecognizeAutoClassification": s.autoClassification,
	}
}

// found reports whether a spec's read found its document: at least two
// of its anchors and one of the fields that make it.
func found(r kie.Result, keys ...string) bool {
	if r.Score < 2 {
		return false
	}
	for _, k := range keys {
		if f := r.Fields[k]; f != nil && f.Value != "" {
			return true
		}
	}
	return false
}

// modelChecks keeps the checks of the fields the result model has, and
// the MRZ's overall verdict.
func modelChecks(r kie.Result, dst any) map[string]bool {
	names, _ := jsonNames(reflect.TypeOf(dst).Elem())
	out := map[string]bool{}
	for k, v := range checks(r) {
		if names[k] {
			out[k] = v
		}
	}
	if f := r.Fields["mrz_valid"]; f != nil && f.Valid != nil {
		out["mrz"] = *f.Valid
	}
	return out
}

// --------------------------------------------------------------- Macao

func (s *Service) macaoIDCard(ctx context.Context, c *api.Call) (any, error) {
	var b model.MacaoIdCardRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	side := api.Deref(b.Side)
	if side != "" && side != "front" && side != "back" {
		return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("side " + side))
	}
	if api.Deref(b.ReturnPortraitImage) {
		return nil, errNoCheck("return_portrait_image")
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	fr, br := kie.Extract(p, spec("macao_id_card")), kie.Extract(p, spec("macao_id_card_back"))
	front, back := found(fr, "number", "name"), br.Fields["machine_code1"] != nil
	if side == "" {
		side = "front"
		if !front && back {
			side = "back"
		}
	}
	r := fr
	if side == "back" {
		r = br
	}
	if side == "front" && !front || side == "back" && !back {
		return nil, noDocument("Macao identity card " + side)
	}
	var out model.MacaoIdCardResult
	fill(&out, r, fillOpts{confidence: true, extra: map[string]any{"side": side}})
	return withChecks(out, modelChecks(r, &out)), nil
}

// ------------------------------------------------------------ Colombia

func (s *Service) colombiaIDCard(ctx context.Context, c *api.Call) (any, error) {
	var b model.ColombiaIdCardRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	fr, br := kie.Extract(p, spec("colombia_id_card")), kie.Extract(p, spec("colombia_id_card_back"))
	side, r := "front", fr
	if br.Score > fr.Score {
		side, r = "back", br
	}
	if !found(r, "number", "last_name", "name", "birth_date", "issue_date", "gender") {
		return nil, noDocument("Colombian citizenship card")
	}
	var out model.ColombiaIdCardResult
	fill(&out, r, fillOpts{confidence: true, extra: map[string]any{"side": side}})
	return resultEnvelope{Result: out}, nil
}

// ---------------------------------------------------------------- Peru

func (s *Service) peruIDCard(ctx context.Context, c *api.Call) (any, error) {
	var b model.PeruIdCardRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	// The portrait is not located by any model here (the ID card's
	// portrait box is placed by its own printed layout).
	if api.Deref(b.ReturnPortraitImage) {
		return nil, errNoCheck("return_portrait_image")
	}
	if api.Deref(b.ReturnPortraitLocation) {
		return nil, errNoCheck("return_portrait_location")
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	fr, br := kie.Extract(p, spec("peru_id_card")), kie.Extract(p, spec("peru_id_card_back"))
	r := fr
	if br.Score > fr.Score || br.Fields["machine_code1"] != nil && fr.Score < 2 {
		r = br
	}
	if !found(r, "cui_number", "first_surname", "given_name", "address", "machine_code1") {
		return nil, noDocument("Peruvian identity document")
	}
	var out model.PeruIdCardResult
	fill(&out, r, fillOpts{confidence: true})
	return withChecks(out, modelChecks(r, &out)), nil
}

// --------------------------------------------------------- id-document

// idTypes are the id_type values the API documents.
var idTypes = map[string]bool{"PP": true, "DL": true, "ID": true}

// idDocument reads the machine-readable zone of an identity document of
// any issuer: TD1 (identity cards) or TD3 (passports). Driving licences
// carry no MRZ and no spec of theirs is installed.
func (s *Service) idDocument(ctx context.Context, c *api.Call) (any, error) {
	var b model.IdDocumentRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	if api.Deref(b.ReturnPortraitImage) {
		return nil, errNoCheck("return_portrait_image")
	}
	want := map[string]bool{}
	for _, t := range api.Deref(b.IdType) {
		if !idTypes[t] {
			return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("id_type " + t))
		}
		want[t] = true
	}
	if len(want) > 0 && !want["PP"] && !want["ID"] {
		return nil, catalog.E(catalog.KindServiceNotFound).Wrap(errors.New("id_type DL: no spec reads driving licences of other countries"))
	}
	countries := map[string]bool{}
	for _, cr := range api.Deref(b.CountryRegion) {
		if len(cr) != 3 {
			return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("country_region " + cr))
		}
		countries[strings.ToUpper(cr)] = true
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	r := kie.Extract(p, spec("id_document"))
	var typ, side string
	switch {
	case r.Fields["mrz_doc_type"] != nil:
		typ, side = "ID", "back" // the MRZ is on a card's back
	case r.Fields["passport_type"] != nil:
		typ, side = "PP", "front"
	default:
		return nil, noDocument("machine-readable identity document")
	}
	cr := r.Fields["country_region"]
	if len(want) > 0 && !want[typ] || len(countries) > 0 && (cr == nil || !countries[cr.Value]) {
		return nil, noDocument("identity document of the requested type and country")
	}
	ch := modelChecks(r, &model.IdDocumentItem{})
	var item model.IdDocumentItem
	fill(&item, r, fillOpts{confidence: true, extra: map[string]any{"id_type": typ, "side": side}})
	return withChecks(item, ch), nil
}

// --------------------------------------------------- household register

func (s *Service) householdRegister(ctx context.Context, c *api.Call) (any, error) {
	var b model.HouseholdRegisterRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	page, home := kie.Extract(p, spec("household_register")), kie.Extract(p, spec("household_register_home"))
	typ, r := "登记页", page
	if home.Score > page.Score {
		typ, r = "首页", home
	}
	if !found(r, "name", "id_card_number", "householder_name", "household_number") {
		return nil, noDocument("household register page")
	}
	var content model.HouseholdRegisterContent
	fill(&content, r, fillOpts{})
	loc := location(pageQuad(p))
	out := model.HouseholdRegisterResult{Type: &typ, Location: &loc, Content: &content, Confidence: confidences(r, &content)}
	// The checks extension goes on the page's object (the answer is a list).
	return resultEnvelope{Result: []any{withChecks(out, checks(r)).(resultEnvelope).Result}}, nil
}

// confidences maps the result model's fields to their recogniser
// confidence.
func confidences(r kie.Result, dst any) map[string]float32 {
	names, _ := jsonNames(reflect.TypeOf(dst).Elem())
	out := map[string]float32{}
	for k, f := range r.Fields {
		if names[k] && f.Value != "" {
			out[k] = conf(f.Confidence)
		}
	}
	return out
}

// ------------------------------------------------- vehicle certificate

func (s *Service) vehicleCertificate(ctx context.Context, c *api.Call) (any, error) {
	var b model.VehicleCertificateRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	r := kie.Extract(p, spec("vehicle_certificate"))
	if !found(r, "vin", "certificate_number") {
		return nil, noDocument("vehicle certificate of conformity")
	}
	var out model.VehicleCertificateResult
	fill(&out, r, fillOpts{confidence: true, location: api.Deref(b.ReturnTextLocation)})
	return withChecks(out, checks(r)), nil
}

// ------------------------------------------- qualification certificate

// qualificationCategory is one row of the certificate's qualifications.
var qualificationCategory = []string{"category", "initial_issue_date", "issue_date", "expiry_date"}

func (s *Service) qualificationCertificate(ctx context.Context, c *api.Call) (any, error) {
	var b model.QualificationCertificateRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	r := kie.Extract(p, spec("qualification_certificate"))
	if !found(r, "certificate_number", "name") {
		return nil, noDocument("transport qualification certificate")
	}
	var out model.QualificationCertificateResult
	cf := map[string]any{}
	for k, v := range confidences(r, &out) {
		cf[k] = v
	}
	row, rowConf := map[string]any{}, map[string]any{}
	for _, k := range qualificationCategory {
		if f := r.Fields[k]; f != nil && f.Value != "" {
			row[k], rowConf[k] = f.Value, confOf(f.Confidence)
		}
	}
	extra := map[string]any{"confidence": cf}
	if len(row) > 0 {
		extra["qualification_category_list"] = []any{row}
		cf["qualification_category_list"] = []any{rowConf}
	}
	fill(&out, r, fillOpts{extra: extra})
	return withChecks(out, checks(r)), nil
}
