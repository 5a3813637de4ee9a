package ocr

// The document APIs: each reads the page with the key-information engine
// (package kie) against its built-in spec and answers the SDK's own
// *Result model, filled by JSON name so the response carries exactly the
// fields of the contract.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/services/ocr/kie"
	"github.com/aisd/aisd/internal/services/ocr/kie/validate"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// docHandlers are the document operations, merged into Handlers.
func (s *Service) docHandlers() map[string]api.Handler {
	h := map[string]api.Handler{
		"RecognizeIdCard":          s.idCard,
		"RecognizeBankcard":        s.bankcard,
		"RecognizePassport":        s.passport,
		"RecognizeVin":             s.vin,
		"RecognizeLicensePlate":    s.licensePlate,
		"RecognizeBusinessLicense": s.businessLicense,
		"RecognizeDriverLicense":   s.driverLicense,
		"RecognizeVehicleLicense":  s.vehicleLicense,

		"RecognizeAutoIdDocClassification": s.autoIDDoc,
	}
	for op, d := range s.moreDocHandlers() {
		h[op] = d
	}
	for op, d := range s.idDocHandlers() {
		h[op] = d
	}
	for op, script := range unreadableScripts {
		h[op] = refuseScript(script)
	}
	return h
}

// unreadableScripts are the document APIs whose script the installed
// PP-OCRv4 Chinese/English recogniser cannot read: they answer
// ModelArts.4508 (the service is not started: no model for it is
// loaded) rather than a guessed result.
var unreadableScripts = map[string]string{
	"RecognizeThailandIdcard":       "Thai",
	"RecognizeThailandLicensePlate": "Thai",
	"RecognizeMyanmarIdcard":        "Myanmar",
	"RecognizeMyanmarDriverLicense": "Myanmar",
	"RecognizeCambodianIdCard":      "Khmer",
	"RecognizeVietnamIdCard":        "Vietnamese (Latin with stacked diacritics)",
}

func refuseScript(script string) api.Handler {
	return func(ctx context.Context, c *api.Call) (any, error) {
		return nil, catalog.E(catalog.KindServiceNotFound).Wrap(fmt.Errorf("no recogniser for %s script is installed (PP-OCRv4 reads Chinese and English)", script))
	}
}

// errNoCheck refuses a check no open model can answer honestly.
func errNoCheck(flag string) error {
	return catalog.E(catalog.KindServiceNotFound).Wrap(fmt.Errorf("%s: no model for this check is installed", flag))
}

// runner gives kie the pipeline with the service's error kinds.
type runner struct{ s *Service }

func (r runner) Run(ctx context.Context, img image.Image, o pipeline.RunOptions) (pipeline.Result, error) {
	return r.s.run(ctx, img, o)
}

// readDoc resolves, checks and reads the input page.
func (s *Service) readDoc(ctx context.Context, c *api.Call, img, url *string) (*kie.Page, error) {
	in, err := s.load(ctx, c, img, url, 0)
	if err != nil {
		return nil, err
	}
	return kie.Read(ctx, runner{s}, in.Image)
}

// noDocument is the answer for a page on which the document is not found.
func noDocument(what string) error {
	return catalog.E(catalog.KindImageQuality).Wrap(fmt.Errorf("no %s found in the image", what))
}

func spec(name string) *kie.Spec {
	sp, ok := kie.Builtin(name)
	if !ok {
		panic("ocr: no built-in spec " + name)
	}
	return sp
}

// jsonNames lists the JSON field names of a model struct type, true for
// the fields that hold a list of strings (business-card fields).
func jsonNames(t reflect.Type) (map[string]bool, map[string]bool) {
	out, lists := map[string]bool{}, map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		if tag != "" && tag != "-" {
			out[tag] = true
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			lists[tag] = ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String
		}
	}
	return out, lists
}

// fillOpts say which optional parts of a result are wanted.
type fillOpts struct {
	confidence, location bool
	extra                map[string]any // computed keys (verification, flags)
}

// fill decodes the extracted fields into dst (a pointer to an SDK result
// model): values by JSON name, confidence and text_location maps when
// the model has them and they are wanted.
func fill(dst any, res kie.Result, o fillOpts) {
	names, lists := jsonNames(reflect.TypeOf(dst).Elem())
	m := map[string]any{}
	conf := map[string]any{}
	loc := map[string]any{}
	for k, f := range res.Fields {
		if !names[k] || f.Value == "" {
			continue
		}
		m[k] = f.Value
		if lists[k] {
			m[k] = []string{f.Value}
		}
		conf[k] = confOf(f.Confidence)
		loc[k] = location(f.Box)
	}
	if o.confidence && names["confidence"] && len(conf) > 0 {
		m["confidence"] = conf
	}
	if o.location && names["text_location"] && len(loc) > 0 {
		m["text_location"] = loc
	}
	for k, v := range o.extra {
		if names[k] {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	_ = json.Unmarshal(b, dst)
}

// confOf rounds a confidence to 4 places, as float64 for JSON maps.
func confOf(f float64) float64 { return math.Round(f*1e4) / 1e4 }

// checks lists the validators' verdicts: the values are returned as read,
// and a failed check says so (an aisd extension beside the SDK's fields).
func checks(res kie.Result) map[string]bool {
	out := map[string]bool{}
	for k, f := range res.Fields {
		if f.Valid != nil && f.Value != "" {
			out[k] = *f.Valid
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// withChecks renders a result model with the "checks" extension.
func withChecks(result any, ch map[string]bool) any {
	if len(ch) == 0 {
		return resultEnvelope{Result: result}
	}
	b, _ := json.Marshal(result)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	cb, _ := json.Marshal(ch)
	m["checks"] = cb
	return resultEnvelope{Result: m}
}

// ------------------------------------------------------------- ID card

func (s *Service) idCard(ctx context.Context, c *api.Call) (any, error) {
	var b model.IdCardRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	side := api.Deref(b.Side)
	switch side {
	case "", "front", "back", "double_side":
	default:
		return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("side " + side))
	}
	for flag, on := range map[string]*bool{"detect_reproduce": b.DetectReproduce, "detect_tampering": b.DetectTampering,
		"detect_interim": b.DetectInterim, "detect_blocking_within_border": b.DetectBlockingWithinBorder,
		"return_portrait_image": b.ReturnPortraitImage, "return_adjusted_image": b.ReturnAdjustedImage} {
		if api.Deref(on) {
			return nil, errNoCheck(flag)
		}
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	front, back := spec("id_card_front"), spec("id_card_back")
	fa, ba := anchorLines(p, "公民身份号码"), anchorLines(p, "签发机关")
	o := fillOpts{location: api.Deref(b.ReturnTextLocation)}
	verify := api.Deref(b.ReturnVerification)
	flags := imageFlags(p, b)
	if side == "double_side" {
		if len(fa) > 1 || len(ba) > 1 {
			return nil, catalog.E(catalog.KindDuplicateIDCard)
		}
		if len(fa) == 0 && len(ba) == 0 {
			return nil, noDocument("ID card")
		}
		fl, bl := splitSides(p, fa, ba)
		out := model.IdCardResult{}
		var ch map[string]bool
		if len(fa) > 0 {
			r := kie.ExtractLines(p, fl, front)
			var f model.IdcardFrontResult
			o.extra = flags
			if verify {
				o.extra = merge(flags, map[string]any{"verification_result": frontVerification(r)})
			}
			fill(&f, r, o)
			out.Front = &f
			ch = checks(r)
		}
		if len(ba) > 0 {
			r := kie.ExtractLines(p, bl, back)
			var f model.IdcardBackResult
			o.extra = flags
			if verify {
				o.extra = merge(flags, map[string]any{"verification_result": backVerification(r)})
			}
			fill(&f, r, o)
			out.Back = &f
		}
		return withChecks(out, ch), nil
	}
	fr, br := kie.Extract(p, front), kie.Extract(p, back)
	if side == "" {
		side = "front"
		if br.Score > fr.Score {
			side = "back"
		}
	}
	r := fr
	if side == "back" {
		r = br
	}
	if r.Score == 0 || len(r.Fields) == 0 {
		return nil, noDocument("ID card " + side)
	}
	var out model.IdCardResult
	o.extra = flags
	if verify {
		v := backVerification(r)
		if side == "front" {
			v = frontVerification(r)
		}
		o.extra = merge(flags, map[string]any{"verification_result": v})
	}
	if side == "front" && api.Deref(b.ReturnPortraitLocation) {
		if q, ok := portrait(p, r); ok {
			o.extra = merge(o.extra, map[string]any{"portrait_location": q})
		}
	}
	fill(&out, r, o)
	return withChecks(out, checks(r)), nil
}

func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// anchorLines are the page lines holding a label, one per card.
func anchorLines(p *kie.Page, label string) []*kie.Line {
	re := regexp.MustCompile(strings.Join(strings.Split(label, ""), `\s*`))
	var out []*kie.Line
	for _, l := range p.Lines {
		if re.MatchString(l.Text) {
			out = append(out, l)
		}
	}
	return out
}

// splitSides gives each line to the card whose anchor is nearer.
func splitSides(p *kie.Page, fa, ba []*kie.Line) (front, back []*kie.Line) {
	d := func(l, a *kie.Line) float64 {
		return math.Hypot((l.X0+l.X1)/2-(a.X0+a.X1)/2, l.CY()-a.CY())
	}
	for _, l := range p.Lines {
		df, db := math.Inf(1), math.Inf(1)
		for _, a := range fa {
			df = math.Min(df, d(l, a))
		}
		for _, a := range ba {
			db = math.Min(db, d(l, a))
		}
		if df <= db {
			front = append(front, l)
		} else {
			back = append(back, l)
		}
	}
	return front, back
}

func value(r kie.Result, k string) string {
	if f := r.Fields[k]; f != nil {
		return f.Value
	}
	return ""
}

// frontVerification checks the number against GB 11643 and the printed
// birth date and sex.
func frontVerification(r kie.Result) model.IdcardVerificationResult {
	n, ok := validate.ParseIDNumber(value(r, "number"))
	vn := ok && n.Valid(now())
	vb := ok && n.ValidBirth(now()) && n.Birth.Format("2006-01-02") == value(r, "birth")
	sex := value(r, "sex")
	vs := ok && sex != "" && (sex == "男") == n.Male
	return model.IdcardVerificationResult{ValidNumber: &vn, ValidBirth: &vb, ValidSex: &vs}
}

// backVerification checks the validity period: real dates in order, and
// a span GB 11643's issuing rules allow (5, 10 or 20 years, or 长期).
func backVerification(r kie.Result) model.IdcardVerificationResult {
	from, okf := validate.ParseDate(value(r, "valid_from"))
	toS := value(r, "valid_to")
	to, okt := validate.ParseDate(toS)
	vd := okf && (okt && to.After(from) || toS == "长期")
	vp := false
	if vd {
		if toS == "长期" {
			vp = true
		} else {
			for _, y := range []int{5, 10, 20} {
				if from.AddDate(y, 0, 0).Equal(to) {
					vp = true
				}
			}
		}
	}
	return model.IdcardVerificationResult{ValidDate: &vd, ValidValidityPeriod: &vp}
}

// portrait places the photo of an ID card's front: right of the
// labelled text block, above the number line, in the page frame.
func portrait(p *kie.Page, r kie.Result) ([][]int32, bool) {
	num := anchorLines(p, "公民身份号码")
	if len(num) == 0 {
		return nil, false
	}
	nl := num[0]
	right := math.Inf(-1)
	top := math.Inf(1)
	for _, k := range []string{"name", "sex", "ethnicity", "birth", "address"} {
		for _, l := range p.Lines {
			if f := r.Fields[k]; f != nil && strings.Contains(l.Text, f.Value) {
				right = math.Max(right, l.X1)
				top = math.Min(top, l.Y0)
			}
		}
	}
	if math.IsInf(right, 0) {
		return nil, false
	}
	h := nl.H()
	x0, x1 := right+h, right+h+(nl.Y0-top)*0.8
	y0, y1 := top-h, nl.Y0-h
	q := p.ToImage([4][2]float64{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}})
	return location(q), true
}

// imageFlags answers the ID-card checks that image evidence decides.
func imageFlags(p *kie.Page, b model.IdCardRequestBody) map[string]any {
	out := map[string]any{}
	if !api.Deref(b.DetectCopy) && !api.Deref(b.DetectBlur) && !api.Deref(b.DetectGlare) && !api.Deref(b.DetectBorderIntegrity) {
		return out
	}
	ev := kie.Evidence(p)
	score := map[string]any{}
	if api.Deref(b.DetectCopy) {
		out["detect_copy_result"] = ev.Grey
		score["copy_score"] = ev.GreyScore
	}
	if api.Deref(b.DetectBlur) {
		out["detect_blur_result"] = ev.Blurred
		score["blur_score"] = ev.BlurScore
	}
	if api.Deref(b.DetectGlare) {
		out["detect_glare_result"] = ev.Glare
		score["glare_score"] = ev.GlareScore
	}
	if api.Deref(b.DetectBorderIntegrity) {
		out["detect_border_integrity_result"] = ev.BorderCut
		score["border_integrity_score"] = ev.BorderScore
	}
	if len(score) > 0 {
		out["score_info"] = score
	}
	return out
}

// ----------------------------------------------------------- bank card

func (s *Service) bankcard(ctx context.Context, c *api.Call) (any, error) {
	var b model.BankcardRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	r := kie.Extract(p, spec("bankcard"))
	num := r.Fields["card_number"]
	if num == nil {
		return nil, noDocument("bank card number")
	}
	is := validate.LookupIssuer(num.Value)
	if is.Bank != "" {
		r.Fields["bank_name"] = &kie.Field{Value: is.Bank, Confidence: num.Confidence, Box: num.Box}
	}
	if t := map[string]string{"debit": "储蓄卡", "credit": "信用卡"}[is.Type]; t != "" {
		r.Fields["type"] = &kie.Field{Value: t, Confidence: num.Confidence, Box: num.Box}
	}
	var out model.BankcardResult
	fill(&out, r, fillOpts{confidence: true, location: api.Deref(b.ReturnTextLocation)})
	return withChecks(out, checks(r)), nil
}

// ------------------------------------------------------------ passport

func (s *Service) passport(ctx context.Context, c *api.Call) (any, error) {
	var b model.PassportRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	cc := api.Deref(b.CountryCode)
	if cc != "" && cc != "GENERAL" && cc != "CHN" {
		return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("country_code " + cc))
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	name := "passport"
	if cc == "CHN" || (cc == "" && kie.Extract(p, spec("passport_chn")).Score >= 2) {
		name = "passport_chn"
	}
	r := kie.Extract(p, spec(name))
	if r.Fields["passport_number"] == nil {
		return nil, noDocument("passport")
	}
	var out model.PassportResult
	fill(&out, r, fillOpts{confidence: true})
	ch := checks(r)
	if f := r.Fields["mrz_valid"]; f != nil && ch != nil {
		ch["mrz"] = *f.Valid
		delete(ch, "mrz_valid")
	}
	for _, k := range []string{"machine_code", "machine_code2", "country_code", "surname", "given_name", "passport_type", "nationality", "sex"} {
		delete(ch, k)
	}
	return withChecks(out, ch), nil
}

// ----------------------------------------------------------------- VIN

func (s *Service) vin(ctx context.Context, c *api.Call) (any, error) {
	var b model.VinRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	r := kie.Extract(p, spec("vin"))
	if r.Fields["vin"] == nil {
		return nil, noDocument("VIN")
	}
	var out model.VinResult
	fill(&out, r, fillOpts{})
	return withChecks(out, checks(r)), nil
}

// ------------------------------------------------------- license plate

// plateRe finds plate-shaped text: a province, a letter, 5 or 6 more.
var plateRe = regexp.MustCompile(`[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-Z0-9]{4,5}[A-Z0-9学警挂港澳]`)

func (s *Service) licensePlate(ctx context.Context, c *api.Call) (any, error) {
	var b model.LicensePlateRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	out := []model.LicensePlateResult{}
	for _, l := range kie.Rows(p) {
		t := validate.CleanPlate(l.Text)
		for _, m := range plateRe.FindAllString(t, -1) {
			pl := validate.ParsePlate(m)
			if !pl.Valid {
				continue
			}
			out = append(out, model.LicensePlateResult{
				PlateNumber:   pl.Number,
				PlateColor:    kie.PlateColour(p.Img, l.Box, pl.NewEnergy, largeNewEnergy(pl.Number)),
				PlateLocation: location(l.Box),
				Confidence:    conf(l.Score),
			})
		}
	}
	if len(out) == 0 {
		return nil, noDocument("licence plate")
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Confidence > out[j].Confidence })
	return resultEnvelope{Result: out}, nil
}

// ------------------------------------------------------------ licences

// largeNewEnergy: GA 36 puts D/F last on large new-energy plates (first
// on small ones).
func largeNewEnergy(n string) bool {
	rs := []rune(n)
	return len(rs) == 8 && strings.ContainsRune("DF", rs[7]) && !strings.ContainsRune("DF", rs[2])
}

func (s *Service) businessLicense(ctx context.Context, c *api.Call) (any, error) {
	var b model.BusinessLicenseRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	r := kie.Extract(p, spec("business_license"))
	if r.Score < 2 || r.Fields["registration_number"] == nil {
		return nil, noDocument("business licence")
	}
	var out model.BusinessLicenseResult
	fill(&out, r, fillOpts{confidence: true})
	return withChecks(out, checks(r)), nil
}

func (s *Service) driverLicense(ctx context.Context, c *api.Call) (any, error) {
	var b model.DriverLicenseRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	if err := frontOnly(api.Deref(b.Side)); err != nil {
		return nil, err
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	r := kie.Extract(p, spec("driver_license"))
	if r.Score < 2 || r.Fields["number"] == nil {
		return nil, noDocument("driving licence")
	}
	var out model.DriverLicenseResult
	fill(&out, r, fillOpts{location: api.Deref(b.ReturnTextLocation)})
	return withChecks(out, checks(r)), nil
}

func (s *Service) vehicleLicense(ctx context.Context, c *api.Call) (any, error) {
	var b model.VehicleLicenseRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	if err := frontOnly(api.Deref(b.Side)); err != nil {
		return nil, err
	}
	if api.Deref(b.Alarm) {
		return nil, errNoCheck("alarm")
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	r := kie.Extract(p, spec("vehicle_license"))
	if r.Score < 2 || (r.Fields["number"] == nil && r.Fields["vin"] == nil) {
		return nil, noDocument("vehicle licence")
	}
	var out model.VehicleLicenseResult
	fill(&out, r, fillOpts{location: api.Deref(b.ReturnTextLocation)})
	return withChecks(out, checks(r)), nil
}

// frontOnly admits the licences' main page; their back pages (records,
// inspection stamps) have no spec yet.
func frontOnly(side string) error {
	switch side {
	case "", "front":
		return nil
	case "back", "double_side":
		return catalog.E(catalog.KindServiceNotFound).Wrap(errors.New("side " + side + ": the back page is not read yet"))
	}
	return catalog.E(catalog.KindBadParam).Wrap(errors.New("side " + side))
}

// ------------------------------------------------ label-read documents

// simpleDoc serves a document read by one spec: B is the SDK's request
// body, R its result model; required names a field without which the
// document is not considered found.
func simpleDoc[B any, R any](s *Service, name, what, required string, in func(*B) (*string, *string), o func(*B) fillOpts) api.Handler {
	sp := spec(name)
	return func(ctx context.Context, c *api.Call) (any, error) {
		var b B
		if err := c.DecodeJSON(&b); err != nil {
			return nil, err
		}
		img, url := in(&b)
		p, err := s.readDoc(ctx, c, img, url)
		if err != nil {
			return nil, err
		}
		r := kie.Extract(p, sp)
		if r.Score < 2 || r.Fields[required] == nil {
			return nil, noDocument(what)
		}
		var out R
		fill(&out, r, o(&b))
		return withChecks(out, checks(r)), nil
	}
}

func (s *Service) moreDocHandlers() map[string]api.Handler {
	conf := func(any) fillOpts { return fillOpts{confidence: true} }
	return map[string]api.Handler{
		"RecognizeHkIdCard": simpleDoc[model.HkIdCardRequestBody, model.HkIdCardResult](s, "hk_id_card", "Hong Kong identity card", "number",
			func(b *model.HkIdCardRequestBody) (*string, *string) { return b.Image, b.Url },
			func(b *model.HkIdCardRequestBody) fillOpts { return conf(b) }),
		"RecognizeExitEntryPermit": simpleDoc[model.ExitEntryPermitRequestBody, model.ExitEntryPermitResult](s, "exit_entry_permit", "exit-entry permit", "number",
			func(b *model.ExitEntryPermitRequestBody) (*string, *string) { return b.Image, b.Url },
			func(b *model.ExitEntryPermitRequestBody) fillOpts { return conf(b) }),
		"RecognizeChileIdCard": simpleDoc[model.ChileIdCardRequestBody, model.ChileIdCardResult](s, "chile_id_card", "Chilean identity card", "number",
			func(b *model.ChileIdCardRequestBody) (*string, *string) { return b.Image, b.Url },
			func(b *model.ChileIdCardRequestBody) fillOpts { return conf(b) }),
		"RecognizeTransportationLicense": s.transportationLicense,
		"RecognizeBusinessCard":          s.businessCard,
		"RecognizeMainlandTravelPermit": simpleDoc[model.MainlandTravelPermitRequestBody, model.MainlandTravelPermitResult](s, "mainland_travel_permit", "mainland travel permit", "number",
			func(b *model.MainlandTravelPermitRequestBody) (*string, *string) { return b.Image, b.Url },
			func(b *model.MainlandTravelPermitRequestBody) fillOpts { return conf(b) }),
	}
}

// autoIDClasses are the built-in specs auto-id-doc-classification
// chooses among, with the type names the API answers.
var autoIDClasses = []struct{ spec, typ string }{
	{"id_card_front", "id_card"}, {"id_card_back", "id_card"},
	{"hk_id_card", "hongkong_id_card"}, {"passport_chn", "passport"}, {"passport", "passport"},
}

// autoIDDoc classifies an identity document by the share of each
// built-in spec's anchors found on the page.
func (s *Service) autoIDDoc(ctx context.Context, c *api.Call) (any, error) {
	var b model.AutoIdDocClassificationRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	if api.Deref(b.Alarm) {
		return nil, errNoCheck("alarm")
	}
	p, err := s.readDoc(ctx, c, b.Data, b.Url)
	if err != nil {
		return nil, err
	}
	best, bestShare := "", 0.0
	var conf float64
	for _, cl := range autoIDClasses {
		sp := spec(cl.spec)
		r := kie.Extract(p, sp)
		share := float64(r.Score) / float64(len(sp.Anchors))
		if r.Score >= 2 && share > bestShare {
			best, bestShare = cl.typ, share
			conf = 0
			for _, f := range r.Fields {
				conf += f.Confidence / float64(len(r.Fields))
			}
		}
	}
	if best == "" {
		return nil, noDocument("identity document")
	}
	loc := location(pageQuad(p))
	cf := conf32(conf * bestShare)
	return resultEnvelope{Result: model.AutoIdDocClassificationResult{Type: &best, Location: &loc, Confidence: &cf}}, nil
}

func conf32(f float64) float32 { return conf(f) }

func (s *Service) transportationLicense(ctx context.Context, c *api.Call) (any, error) {
	var b model.TransportationLicenseRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	if api.Deref(b.ReturnAdjustedImage) {
		return nil, errNoCheck("return_adjusted_image")
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	r := kie.Extract(p, spec("transportation_license"))
	if r.Score < 2 || (r.Fields["license_number"] == nil && r.Fields["vehicle_number"] == nil) {
		return nil, noDocument("road transport certificate")
	}
	o := fillOpts{confidence: true}
	if api.Deref(b.ReturnImageLocation) {
		o.extra = map[string]any{"image_location": location(pageQuad(p))}
	}
	var out model.TransportationLicenseResult
	fill(&out, r, o)
	return withChecks(out, checks(r)), nil
}

// pageQuad is the text block's corners as integer points.
func pageQuad(p *kie.Page) [4]pipeline.Point {
	var q [4]pipeline.Point
	for i, v := range p.Quad {
		q[i] = pipeline.Point{int(math.Round(v.X)), int(math.Round(v.Y))}
	}
	return q
}

func (s *Service) businessCard(ctx context.Context, c *api.Call) (any, error) {
	var b model.BusinessCardRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	if api.Deref(b.ReturnAdjustedImage) {
		return nil, errNoCheck("return_adjusted_image")
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	r := kie.Extract(p, spec("business_card"))
	if r.Fields["name"] == nil && r.Fields["phone"] == nil && r.Fields["email"] == nil {
		return nil, noDocument("business card")
	}
	var out model.BusinessCardResult
	fill(&out, r, fillOpts{})
	return resultEnvelope{Result: out}, nil
}
