package ocr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/draw"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/services/ocr/kie"
	"github.com/aisd/aisd/internal/services/ocr/kie/validate"
	"github.com/aisd/aisd/internal/services/ocr/seal"
)

// autoTypes are the type_list values auto-classification documents. The
// ones with a reader are classified by their built-in specs' anchors;
// the others (the invoices and tickets) have no spec here yet, so they
// are never found — naming them is not an error.
var autoTypes = map[string]bool{
	"vat_invoice": true, "quota_invoice": true, "taxi_invoice": true, "train_ticket": true, "flight_itinerary": true,
	"toll_invoice": true, "mvs_invoice": true, "id_card": true, "passport": true, "driver_license": true,
	"vehicle_license": true, "transportation_license": true, "bankcard": true, "bus_ship_ticket": true,
	"ride_hailing_itinerary": true, "machine_printed_invoice": true,
}

// autoReader reads one classified document's content; found is false
// when the document's key fields are not on it.
type autoReader func(p *kie.Page, params map[string]any) (content any, found bool, err error)

// autoClass is a class: the specs whose anchors identify it and its
// reader.
type autoClass struct {
	typ   string
	specs []string
	read  autoReader
}

var autoClasses = []autoClass{
	{"id_card", []string{"id_card_front", "id_card_back"}, readAutoIDCard},
	{"passport", []string{"passport_chn", "passport"}, readAutoPassport},
	{"bankcard", []string{"bankcard"}, readAutoBankcard},
	{"driver_license", []string{"driver_license"}, readAutoSpec[model.DriverLicenseResult]("driver_license", "number")},
	{"vehicle_license", []string{"vehicle_license"}, readAutoSpec[model.VehicleLicenseResult]("vehicle_license", "number", "vin")},
	{"transportation_license", []string{"transportation_license"}, readAutoSpec[model.TransportationLicenseResult]("transportation_license", "license_number", "vehicle_number")},
}

// autoParams are the extended_parameters each class applies.
var autoParams = map[string]map[string]bool{
	"id_card":         {"side": true, "return_verification": true, "return_text_location": true},
	"passport":        {"country_code": true},
	"driver_license":  {"return_text_location": true},
	"vehicle_license": {"return_text_location": true},
}

// autoClassification finds the documents on the image, classifies each
// by the share of its class's anchors found among its lines, and answers
// each with its type, location and content (the type's own result).
func (s *Service) autoClassification(ctx context.Context, c *api.Call) (any, error) {
	var b model.AutoClassificationRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, t := range api.Deref(b.TypeList) {
		if !autoTypes[t] {
			return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("type_list " + t))
		}
		want[t] = true
	}
	params, err := autoExtended(b.ExtendedParameters)
	if err != nil {
		return nil, err
	}
	page := 1
	if b.PdfPageNumber != nil {
		if *b.PdfPageNumber < 1 {
			return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("pdf_page_number must be at least 1"))
		}
		page = int(*b.PdfPageNumber)
	}
	in, err := s.load(ctx, c, b.Image, b.Url, page)
	if err != nil {
		return nil, err
	}
	p, err := kie.Read(ctx, runner{s}, in.Image)
	if err != nil {
		return nil, err
	}
	out := []model.AutoClassificationResult{}
	for _, lines := range kie.Documents(p) {
		sub := p.Sub(lines)
		cl, ok := classify(sub, want)
		if !ok {
			continue
		}
		item := model.AutoClassificationResult{Type: cl.typ, Location: location(pageQuad(sub)), Status: &model.AutoClassificationResultStatus{}}
		content, found, err := cl.read(sub, params[cl.typ])
		switch {
		case err != nil:
			return nil, err
		case !found:
			// Classified by its printed captions, but its key fields
			// are not readable: the type's own answer for that.
			r := catalog.E(catalog.KindImageQuality).In(catalog.FamilyOCR)
			code, msg := r.Code, r.Msg
			item.Status = &model.AutoClassificationResultStatus{ErrorCode: &code, ErrorMsg: &msg}
		default:
			item.Content = &content
		}
		if api.Deref(b.DetectSeal) {
			mark := hasSeal(sub)
			item.SealMark = &mark
		}
		out = append(out, item)
	}
	if len(out) == 0 {
		return nil, catalog.E(catalog.KindClassification).Wrap(errors.New("no document of the requested types found"))
	}
	return resultEnvelope{Result: out}, nil
}

// classify picks the class whose best spec has the largest share of its
// anchors among the document's lines, with at least two of them.
func classify(p *kie.Page, want map[string]bool) (autoClass, bool) {
	var best autoClass
	bestShare := 0.0
	for _, cl := range autoClasses {
		if len(want) > 0 && !want[cl.typ] {
			continue
		}
		for _, name := range cl.specs {
			sp := spec(name)
			r := kie.Extract(p, sp)
			share := float64(r.Score) / float64(len(sp.Anchors))
			if r.Score >= 2 && share > bestShare {
				best, bestShare = cl, share
			}
		}
	}
	return best, bestShare > 0
}

// autoExtended checks extended_parameters: an object per type of the
// documented list, holding parameters its class applies. A parameter
// this server does not apply is refused (ModelArts.4508), not ignored.
func autoExtended(v *interface{}) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	if v == nil || *v == nil {
		return out, nil
	}
	b, _ := json.Marshal(*v)
	var m map[string]map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, catalog.E(catalog.KindBadParam).Wrap(fmt.Errorf("extended_parameters: %w", err))
	}
	for typ, ps := range m {
		if !autoTypes[typ] {
			return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("extended_parameters: type " + typ))
		}
		for k := range ps {
			if k == "image" || k == "url" {
				continue // the request's own image
			}
			if !autoParams[typ][k] {
				return nil, errNoCheck("extended_parameters " + typ + "." + k)
			}
		}
		out[typ] = ps
	}
	return out, nil
}

func boolParam(ps map[string]any, k string) bool { v, _ := ps[k].(bool); return v }

func strParam(ps map[string]any, k string) string { v, _ := ps[k].(string); return v }

func readAutoIDCard(p *kie.Page, ps map[string]any) (any, bool, error) {
	fr, br := kie.Extract(p, spec("id_card_front")), kie.Extract(p, spec("id_card_back"))
	side := strParam(ps, "side")
	switch side {
	case "":
		side = "front"
		if br.Score > fr.Score {
			side = "back"
		}
	case "front", "back":
	default:
		return nil, false, catalog.E(catalog.KindBadParam).Wrap(errors.New("extended_parameters id_card.side " + side))
	}
	r := fr
	if side == "back" {
		r = br
	}
	if r.Score == 0 || len(r.Fields) == 0 {
		return nil, false, nil
	}
	o := fillOpts{location: boolParam(ps, "return_text_location")}
	if boolParam(ps, "return_verification") {
		v := backVerification(r)
		if side == "front" {
			v = frontVerification(r)
		}
		o.extra = map[string]any{"verification_result": v}
	}
	var out model.IdCardResult
	fill(&out, r, o)
	return out, true, nil
}

func readAutoPassport(p *kie.Page, ps map[string]any) (any, bool, error) {
	name := "passport"
	switch cc := strParam(ps, "country_code"); cc {
	case "CHN":
		name = "passport_chn"
	case "":
		if kie.Extract(p, spec("passport_chn")).Score >= 2 {
			name = "passport_chn"
		}
	case "GENERAL":
	default:
		return nil, false, catalog.E(catalog.KindBadParam).Wrap(errors.New("extended_parameters passport.country_code " + cc))
	}
	r := kie.Extract(p, spec(name))
	if r.Fields["passport_number"] == nil {
		return nil, false, nil
	}
	var out model.PassportResult
	fill(&out, r, fillOpts{confidence: true})
	return out, true, nil
}

func readAutoBankcard(p *kie.Page, _ map[string]any) (any, bool, error) {
	r := kie.Extract(p, spec("bankcard"))
	num := r.Fields["card_number"]
	if num == nil {
		return nil, false, nil
	}
	is := validate.LookupIssuer(num.Value)
	if is.Bank != "" {
		r.Fields["bank_name"] = &kie.Field{Value: is.Bank, Confidence: num.Confidence, Box: num.Box}
	}
	if t := map[string]string{"debit": "储蓄卡", "credit": "信用卡"}[is.Type]; t != "" {
		r.Fields["type"] = &kie.Field{Value: t, Confidence: num.Confidence, Box: num.Box}
	}
	var out model.BankcardResult
	fill(&out, r, fillOpts{confidence: true})
	return out, true, nil
}

// readAutoSpec reads a document by one spec into its result model R;
// one of the fields in keys makes it found.
func readAutoSpec[R any](name string, keys ...string) autoReader {
	return func(p *kie.Page, ps map[string]any) (any, bool, error) {
		r := kie.Extract(p, spec(name))
		if !found(r, keys...) {
			return nil, false, nil
		}
		var out R
		fill(&out, r, fillOpts{confidence: true, location: boolParam(ps, "return_text_location")})
		return out, true, nil
	}
}

// hasSeal reports whether a seal (a red or blue stamp the seal detector
// finds) lies on the document's region of the image.
func hasSeal(p *kie.Page) bool {
	q := pageQuad(p)
	x0, y0, x1, y1 := q[0][0], q[0][1], q[0][0], q[0][1]
	for _, v := range q {
		x0, y0 = min(x0, v[0]), min(y0, v[1])
		x1, y1 = max(x1, v[0]), max(y1, v[1])
	}
	// Seals overlap the text block's edges: widen it by a tenth.
	mx, my := (x1-x0)/10, (y1-y0)/10
	r := image.Rect(x0-mx, y0-my, x1+mx, y1+my).Intersect(p.Img.Bounds())
	if r.Empty() {
		return false
	}
	crop := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(crop, crop.Bounds(), p.Img, r.Min, draw.Src)
	return len(seal.Detect(crop)) > 0
}
