package ocr

// Bills, policies, parcel labels and the epidemic-control screens:
// acceptance-bill, insurance-policy, waybill-electronic, health-code and
// pcr-test-record, each read by its spec (kie/specs) with its regions and
// tables; the Go here shapes the SDK's models, reports the cross-checks
// and measures the health code's colour from its pixels.

import (
	"context"
	"encoding/json"
	"image"
	"math"
	"regexp"
	"strings"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/services/ocr/kie"
	"github.com/aisd/aisd/internal/services/ocr/kie/validate"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

func (s *Service) officeHandlers() map[string]api.Handler {
	return map[string]api.Handler{
		"RecognizeAcceptanceBill":    s.acceptanceBill,
		"RecognizeInsurancePolicy":   s.insurancePolicy,
		"RecognizeWaybillElectronic": s.waybill,
		"RecognizeHealthCode":        s.healthCode,
		"RecognizePcrTestRecord":     s.pcrTestRecord,
	}
}

// ------------------------------------------------------ acceptance bill

func (s *Service) acceptanceBill(ctx context.Context, c *api.Call) (any, error) {
	var b model.AcceptanceBillRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	r, ch, ok := readAcceptanceBill(p)
	if !ok {
		return nil, noDocument("acceptance bill")
	}
	var out model.AcceptanceBillResult
	fill(&out, r, fillOpts{confidence: true})
	return withChecks(out, ch), nil
}

// readAcceptanceBill reads the bill; the uppercase amount must equal the
// figures.
func readAcceptanceBill(p *kie.Page) (kie.Result, map[string]bool, bool) {
	r := kie.Extract(p, spec("acceptance_bill"))
	if r.Score < 3 || (r.Fields["bill_number"] == nil && r.Fields["amount_in_figures"] == nil) {
		return r, nil, false
	}
	amounts(r.Fields, "amount_in_figures")
	ch := checks(r)
	if w := r.Fields["amount_in_words"]; w != nil {
		if v, ok := fen(r.Fields, "amount_in_figures"); ok {
			inWords, okW := validate.ParseAmountInWords(w.Value)
			ch = setCheck(ch, "amount_in_words", okW && inWords == v)
		}
	}
	return r, ch, true
}

// ----------------------------------------------------- insurance policy

func (s *Service) insurancePolicy(ctx context.Context, c *api.Call) (any, error) {
	var b model.InsurancePolicyRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	out, ch, ok := readInsurancePolicy(p)
	if !ok {
		return nil, noDocument("insurance policy")
	}
	return withChecks(out, ch), nil
}

// detail is the policy's {words, location} of a field.
func detail(f *kie.Field) map[string]any {
	return map[string]any{"words": f.Value, "location": location(f.Box)}
}

// readInsurancePolicy answers the policy's model: each field with its
// location; the applicant from its block, every insured person from
// theirs, the beneficiaries and items from their tables. The items'
// premiums must sum to the printed total.
func readInsurancePolicy(p *kie.Page) (model.InsurancePolicyResult, map[string]bool, bool) {
	var out model.InsurancePolicyResult
	r := kie.Extract(p, spec("insurance_policy"))
	if r.Score < 3 || r.Fields["bill_number"] == nil && len(r.Tables["insurance_list"]) == 0 {
		return out, nil, false
	}
	m := map[string]any{}
	for _, k := range []string{"bill_number", "company", "effective_date", "applicant_name", "applicant_sex", "applicant_birthday", "applicant_id_type", "applicant_id_number"} {
		if f := r.Fields[k]; f != nil && f.Value != "" {
			m[k] = detail(f)
		}
	}
	if f := r.Fields["bank_name"]; f != nil {
		m["bank_name"] = f.Value
	}
	ch := checks(r)
	// Every insured person, in print order; the id check holds when each
	// one's number is valid.
	insured := []any{}
	for _, row := range r.Tables["insurant_list"] {
		ins := map[string]any{}
		for k, f := range row {
			if f.Value != "" {
				ins[k] = detail(f)
			}
		}
		if f := row["insurant_id_number"]; f != nil && f.Valid != nil {
			ok, seen := ch["insurant_id_number"]
			ch = setCheck(ch, "insurant_id_number", *f.Valid && (ok || !seen))
		}
		insured = append(insured, ins)
	}
	if len(insured) > 0 {
		m["insurant_list"] = insured
	}
	var sum int64
	n := 0
	for _, t := range []string{"beneficiary_list", "insurance_list"} {
		list := []any{}
		for _, row := range r.Tables[t] {
			it := map[string]any{}
			for k, f := range row {
				f.Value = strings.Join(strings.Fields(validate.HalfWidth(f.Value)), "")
				if strings.HasSuffix(k, "_amount") {
					if v, ok := validate.NormalizeAmount(f.Value); ok {
						f.Value = v
					}
				}
				if f.Value != "" {
					it[k] = detail(f)
				}
			}
			if c, ok := fen(row, "payment_amount"); ok && t == "insurance_list" {
				sum += c
				n++
			}
			list = append(list, it)
		}
		m[t] = list
	}
	amounts(r.Fields, "premium_total")
	if tot, ok := fen(r.Fields, "premium_total"); ok && n > 0 {
		ch = setCheck(ch, "premium_sum", sum == tot)
	}
	b, _ := json.Marshal(m)
	_ = json.Unmarshal(b, &out)
	return out, ch, true
}

// ----------------------------------------------------- parcel waybill

func (s *Service) waybill(ctx context.Context, c *api.Call) (any, error) {
	var b model.WaybillElectronicRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	r := kie.Extract(p, spec("waybill_electronic"))
	if r.Score < 2 || (r.Fields["waybill_number"] == nil && r.Fields["receiver_name"] == nil) {
		return nil, noDocument("waybill")
	}
	var out model.WaybillElectronicResult
	fill(&out, r, fillOpts{confidence: true})
	return withChecks(out, checks(r)), nil
}

// --------------------------------------------- health code, test record

var (
	timeRe  = regexp.MustCompile(`(\d{4})-(\d{2})-(\d{2})\s*(\d{2}):(\d{2})(?::(\d{2}))?`)
	citySep = regexp.MustCompile(`[,，、;；]+`)
)

// normTime writes a read date-time as printed, one space between the
// date and the time (recognisers drop or double it).
func normTime(fs map[string]*kie.Field, names ...string) {
	for _, n := range names {
		f := fs[n]
		if f == nil {
			continue
		}
		m := timeRe.FindStringSubmatch(f.Value)
		if m == nil {
			delete(fs, n)
			continue
		}
		v := m[1] + "-" + m[2] + "-" + m[3] + " " + m[4] + ":" + m[5]
		if m[6] != "" {
			v += ":" + m[6]
		}
		f.Value = v
	}
}

var (
	maskRe    = regexp.MustCompile(`^([0-9]{1,8})(\*+)([0-9X]{1,4})$`)
	labelCut  = regexp.MustCompile(`^[^:：]*[:：]`)
	maskChars = regexp.MustCompile(`[^0-9X*]`)
)

// maskedNumber reads a masked number (330118********2566) after its
// label. A run of stars is one blur to the detector and the recogniser:
// the line splits inside it and stars go missing. So the row's lines
// right of the label are joined, and the stars are as many as the
// number's length leaves (a PRC ID number has 18 characters, a mobile
// number 11). A number that does not read as digits, stars and digits
// keeps what the spec read.
func maskedNumber(p *kie.Page, fs map[string]*kie.Field, name string, labels []string, n int) {
	var l *kie.Line
	for _, lab := range labels {
		if l = kie.FindLine(p.Lines, lab); l != nil {
			break
		}
	}
	if l == nil {
		return
	}
	text, box, score := labelCut.ReplaceAllString(l.Text, ""), l.Box, l.Score
	last := l
	for {
		var next *kie.Line
		for _, o := range p.Lines {
			if o.X0 > last.X1-0.2*last.H() && o.X0-last.X1 < 4*last.H() && math.Abs(o.CY()-last.CY()) < 0.5*last.H() && (next == nil || o.X0 < next.X0) {
				next = o
			}
		}
		if next == nil {
			break
		}
		text += next.Text
		box = location4(box, next.Box)
		score = math.Min(score, next.Score)
		last = next
	}
	t := maskChars.ReplaceAllString(strings.ToUpper(validate.HalfWidth(text)), "")
	m := maskRe.FindStringSubmatch(t)
	if m == nil || len(m[1])+len(m[3]) >= n {
		return
	}
	fs[name] = &kie.Field{Value: m[1] + strings.Repeat("*", n-len(m[1])-len(m[3])) + m[3], Confidence: score, Box: box}
}

// location4 is the box around two boxes.
func location4(a, b [4]pipeline.Point) [4]pipeline.Point {
	x0, y0, x1, y1 := a[0][0], a[0][1], a[0][0], a[0][1]
	for _, p := range append(a[:], b[:]...) {
		x0, y0 = min(x0, p[0]), min(y0, p[1])
		x1, y1 = max(x1, p[0]), max(y1, p[1])
	}
	return [4]pipeline.Point{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
}

// testResult names a printed test result as the API does.
func testResult(f *kie.Field) {
	if f == nil {
		return
	}
	f.Value = map[string]string{"阴性": "negative", "阳性": "positive"}[f.Value]
	if f.Value == "" {
		f.Value = "unknown"
	}
}

// wordsBlocks are the page's lines, in reading order.
func wordsBlocks(p *kie.Page) []map[string]any {
	out := []map[string]any{}
	for _, l := range p.Lines {
		out = append(out, map[string]any{"words": l.Text, "location": location(l.Box), "confidence": confOf(l.Score)})
	}
	return out
}

// codeType names the screen from its title.
func codeType(p *kie.Page) string {
	switch {
	case kie.FindLine(p.Lines, "行程卡") != nil:
		return "travel_card"
	case kie.FindLine(p.Lines, "健康码") != nil:
		return "health_code"
	case kie.FindLine(p.Lines, "核酸检测记录") != nil || kie.FindLine(p.Lines, "核酸检测结果") != nil:
		return "pcr_test_record"
	}
	return "other"
}

func (s *Service) healthCode(ctx context.Context, c *api.Call) (any, error) {
	var b model.HealthCodeRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	r := kie.Extract(p, spec("health_code"))
	typ := codeType(p)
	if r.Score < 2 || (typ == "other" && r.Fields["name"] == nil) {
		return nil, noDocument("health code")
	}
	normTime(r.Fields, "time", "pcr_test_time", "pcr_sampling_time")
	testResult(r.Fields["pcr_test_result"])
	maskedNumber(p, r.Fields, "idcard_number", []string{"身份证号", "证件号码"}, 18)
	maskedNumber(p, r.Fields, "phone_number", []string{"手机号码", "手机号"}, 11)
	extra := map[string]any{"type": typ, "words_block_list": wordsBlocks(p)}
	extra["words_block_count"] = len(extra["words_block_list"].([]map[string]any))
	if typ == "health_code" || typ == "travel_card" {
		if col := codeColour(p.Img); col != "" {
			r.Fields["color"] = &kie.Field{Value: col, Confidence: 1}
		}
	}
	cities := []string{}
	if f := r.Fields["reached_city"]; f != nil {
		for _, c := range citySep.Split(f.Value, -1) {
			if c = strings.Trim(c, "*"); c != "" {
				cities = append(cities, c)
			}
		}
		delete(r.Fields, "reached_city")
	}
	extra["reached_city"] = cities
	var out model.HealthCodeResult
	fill(&out, r, fillOpts{confidence: true, extra: extra})
	return withChecks(out, checks(r)), nil
}

func (s *Service) pcrTestRecord(ctx context.Context, c *api.Call) (any, error) {
	var b model.PcrTestRecordRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, err := s.readDoc(ctx, c, b.Image, b.Url)
	if err != nil {
		return nil, err
	}
	r := kie.Extract(p, spec("pcr_test_record"))
	if r.Score < 2 || (r.Fields["test_result"] == nil && r.Fields["sampling_time"] == nil) {
		return nil, noDocument("test record")
	}
	normTime(r.Fields, "sampling_time", "test_time")
	testResult(r.Fields["test_result"])
	blocks := wordsBlocks(p)
	var out model.PcrTestRecordResult
	fill(&out, r, fillOpts{confidence: true, extra: map[string]any{"words_block_list": blocks, "words_block_count": len(blocks)}})
	return resultEnvelope{Result: out}, nil
}

// codeColour measures the colour of the code square on a health-code
// screen: the page is cut into cells, cells dense with ink (coloured, or
// darker than the paper around them) form regions, and the largest
// square, well-filled region that does not touch the image's edge and is
// not a text line is the code; its ink's hue names the colour. "" when no
// such region is found or its ink is none of the code colours.
func codeColour(img image.Image) string {
	if img == nil {
		return ""
	}
	b := img.Bounds()
	W, H := b.Dx(), b.Dy()
	cs := max(4, min(W, H)/90)
	nx, ny := W/cs, H/cs
	if nx < 10 || ny < 10 {
		return ""
	}
	type px struct{ h, s, v float64 }
	hsv := func(x, y int) px {
		r, g, bb, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
		fr, fg, fb := float64(r)/65535, float64(g)/65535, float64(bb)/65535
		mx, mn := math.Max(fr, math.Max(fg, fb)), math.Min(fr, math.Min(fg, fb))
		o := px{v: mx}
		if mx > 0 {
			o.s = (mx - mn) / mx
		}
		if mx > mn {
			switch mx {
			case fr:
				o.h = math.Mod((fg-fb)/(mx-mn), 6) * 60
			case fg:
				o.h = ((fb-fr)/(mx-mn) + 2) * 60
			default:
				o.h = ((fr-fg)/(mx-mn) + 4) * 60
			}
			if o.h < 0 {
				o.h += 360
			}
		}
		return o
	}
	// The paper's brightness near each cell: the brightest sample of the
	// cell, then the brightest over its 5×5 neighbourhood (uneven light).
	step := max(1, cs/4)
	bright := make([]float64, nx*ny)
	for cy := 0; cy < ny; cy++ {
		for cx := 0; cx < nx; cx++ {
			m := 0.0
			for y := cy * cs; y < (cy+1)*cs; y += step {
				for x := cx * cs; x < (cx+1)*cs; x += step {
					m = math.Max(m, hsv(x, y).v)
				}
			}
			bright[cy*nx+cx] = m
		}
	}
	paper := func(cx, cy int) float64 {
		m := 0.0
		for y := max(0, cy-2); y <= min(ny-1, cy+2); y++ {
			for x := max(0, cx-2); x <= min(nx-1, cx+2); x++ {
				m = math.Max(m, bright[y*nx+x])
			}
		}
		return m
	}
	ink := func(q px, pv float64) bool { return q.s > 0.35 && q.v > 0.25 || q.v < 0.75*pv }
	dense := make([]bool, nx*ny)
	for cy := 0; cy < ny; cy++ {
		for cx := 0; cx < nx; cx++ {
			pv := paper(cx, cy)
			n, k := 0, 0
			for y := cy * cs; y < (cy+1)*cs; y += step {
				for x := cx * cs; x < (cx+1)*cs; x += step {
					n++
					if ink(hsv(x, y), pv) {
						k++
					}
				}
			}
			dense[cy*nx+cx] = k*10 >= n*3
		}
	}
	// Regions of dense cells (8-connected, so a module pattern's gaps
	// do not split it).
	seen := make([]bool, nx*ny)
	var best image.Rectangle
	bestN := 0
	for i := range dense {
		if !dense[i] || seen[i] {
			continue
		}
		stack := []int{i}
		seen[i] = true
		r := image.Rect(i%nx, i/nx, i%nx+1, i/nx+1)
		n := 0
		for len(stack) > 0 {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			n++
			x, y := j%nx, j/nx
			r = r.Union(image.Rect(x, y, x+1, y+1))
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					if xx < 0 || yy < 0 || xx >= nx || yy >= ny {
						continue
					}
					if k := yy*nx + xx; dense[k] && !seen[k] {
						seen[k] = true
						stack = append(stack, k)
					}
				}
			}
		}
		w, h := r.Dx(), r.Dy()
		if w < 8 || h < 8 || r.Min.X == 0 || r.Min.Y == 0 || r.Max.X >= nx || r.Max.Y >= ny {
			continue
		}
		if ar := float64(w) / float64(h); ar < 0.6 || ar > 1.6 || n*100 < w*h*35 {
			continue
		}
		if n > bestN {
			best, bestN = r, n
		}
	}
	if bestN == 0 {
		return ""
	}
	counts := map[string]int{}
	for cy := best.Min.Y; cy < best.Max.Y; cy++ {
		for cx := best.Min.X; cx < best.Max.X; cx++ {
			pv := paper(cx, cy)
			for y := cy * cs; y < (cy+1)*cs; y += step {
				for x := cx * cs; x < (cx+1)*cs; x += step {
					q := hsv(x, y)
					if !ink(q, pv) {
						continue
					}
					switch {
					case q.s < 0.25:
						counts["gray"]++
					case q.h < 20 || q.h >= 330:
						counts["red"]++
					case q.h < 70:
						counts["yellow"]++
					case q.h < 170:
						counts["green"]++
					default:
						counts["other"]++
					}
				}
			}
		}
	}
	top, tn, all := "", 0, 0
	for k, v := range counts {
		all += v
		if v > tn {
			top, tn = k, v
		}
	}
	if top == "other" || tn*2 < all {
		return ""
	}
	return top
}
