package ocr

// The invoice and ticket APIs: VAT invoices (images, PDF pages, OFD text
// layers), fixed-amount, taxi and toll receipts, railway tickets and bank
// receipts, on the key-information engine, with the amount cross-checks
// the documents print reported in the "checks" extension.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/platform/imagecheck"
	"github.com/aisd/aisd/internal/services/ocr/kie"
	"github.com/aisd/aisd/internal/services/ocr/kie/validate"
	"github.com/aisd/aisd/internal/services/ocr/ofd"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

func (s *Service) invoiceHandlers() map[string]api.Handler {
	return map[string]api.Handler{
		"RecognizeVatInvoice":              s.vatInvoice,
		"RecognizeQuotaInvoice":            s.quotaInvoice,
		"RecognizeTaxiInvoice":             s.taxiInvoice,
		"RecognizeTollInvoice":             s.tollInvoice,
		"RecognizeTrainTicket":             s.trainTicket,
		"RecognizeBankReceipt":             s.bankReceipt,
		"RecognizeMvsInvoice":              s.mvsInvoice,
		"RecognizeFlightItinerary":         s.flightItinerary,
		"RecognizeSmartDocumentRecognizer": s.smartDocument,
		"RecognizeInvoiceVerification":     s.invoiceVerification,
	}
}

// input kinds an invoice API admits beside images.
const (
	allowPDF = 1 << iota
	allowOFD
)

// readInvoice resolves the input and reads its page: an OFD's text layer
// directly, a PDF page rendered, an image through the pipeline. fromOFD
// says the page came from a text layer (its positions are not pixels).
func (s *Service) readInvoice(ctx context.Context, c *api.Call, img, url *string, page, allow int) (p *kie.Page, fromOFD bool, err error) {
	data, err := s.in.Resolve(ctx, c.ProjectID, c.Service, api.Deref(img), api.Deref(url))
	if err != nil {
		return nil, false, err
	}
	if allow&allowOFD != 0 && ofd.Sniff(data) {
		p, err := ofdPage(data, page)
		return p, true, err
	}
	pdfPage := 0
	if allow&allowPDF != 0 && imagecheck.Sniff(data) == "pdf" {
		pdfPage = max(page, 1)
	}
	in, err := s.decode(ctx, data, pdfPage)
	if err != nil {
		return nil, false, err
	}
	p, err = kie.Read(ctx, runner{s}, in.Image)
	if err != nil {
		return nil, false, err
	}
	// Short labels and values lose their first glyph (出口 read 口).
	p.MendLeftEdges()
	return p, false, nil
}

// ofdPxPerMM places an OFD's text (in mm) in a frame of about 200 dpi,
// the scale the engine's geometry rules are written for.
const ofdPxPerMM = 8

// ofdPage turns page n of an OFD into a page of lines.
func ofdPage(data []byte, n int) (*kie.Page, error) {
	d, err := ofd.Open(data, ofd.DefaultLimits)
	if err != nil {
		return nil, ofdError(err)
	}
	pg, err := d.Page(max(n, 1))
	if err != nil {
		return nil, ofdError(err)
	}
	pt := func(x, y float64) pipeline.Point {
		return pipeline.Point{int(math.Round(x * ofdPxPerMM)), int(math.Round(y * ofdPxPerMM))}
	}
	quad := func(x0, y0, x1, y1 float64) [4]pipeline.Point {
		return [4]pipeline.Point{pt(x0, y0), pt(x1, y0), pt(x1, y1), pt(x0, y1)}
	}
	var lines []pipeline.Line
	for _, t := range pg.Texts {
		l := pipeline.Line{Text: t.S, Score: 1, Box: quad(t.X0, t.Y0, t.X1, t.Y1)}
		for _, ch := range t.Chars {
			l.Chars = append(l.Chars, pipeline.Char{Char: ch.S, Score: 1, Box: quad(ch.X0, t.Y0, ch.X1, t.Y1)})
		}
		lines = append(lines, l)
	}
	return kie.TextPage(lines, int(pg.W*ofdPxPerMM), int(pg.H*ofdPxPerMM)), nil
}

// ofdError gives the OFD reader's failures their kinds: a document that
// would inflate beyond the limits is refused for its size, before its
// parts are read.
func ofdError(err error) error {
	switch {
	case errors.Is(err, ofd.ErrBomb):
		return catalog.E(catalog.KindImageSize).Wrap(err)
	case errors.Is(err, ofd.ErrNoPage):
		return catalog.E(catalog.KindBadParam).Wrap(err)
	}
	return catalog.E(catalog.KindImageQuality).Wrap(err)
}

// pageNum checks an optional 1-based page number.
func pageNum(p *int32, name string) (int, error) {
	if p == nil {
		return 1, nil
	}
	if *p < 1 {
		return 0, catalog.E(catalog.KindBadParam).Wrap(fmt.Errorf("%s must be at least 1", name))
	}
	return int(*p), nil
}

// amounts normalises the named fields to plain decimals (¥1,060.00 is
// 1060.00); a value that is no amount is dropped rather than guessed.
func amounts(fs map[string]*kie.Field, names ...string) {
	for _, n := range names {
		f := fs[n]
		if f == nil {
			continue
		}
		if v, ok := validate.NormalizeAmount(f.Value); ok {
			f.Value = v
		} else {
			delete(fs, n)
		}
	}
}

func fen(fs map[string]*kie.Field, name string) (int64, bool) {
	f := fs[name]
	if f == nil {
		return 0, false
	}
	return validate.ParseAmount(f.Value)
}

// ------------------------------------------------------------ VAT invoice

var vatColumns = []kie.Column{
	{Name: "name", Labels: []string{"货物或应税劳务、服务名称", "货物或应税劳务名称", "项目名称", "服务名称"}, Text: true},
	{Name: "specification", Labels: []string{"规格型号"}, Text: true},
	{Name: "unit", Labels: []string{"单位"}, Text: true},
	{Name: "quantity", Labels: []string{"数量"}},
	{Name: "unit_price", Labels: []string{"单价"}},
	{Name: "amount", Labels: []string{"金额"}},
	{Name: "tax_rate", Labels: []string{"税率/征收率", "税率", "征收率"}},
	{Name: "tax", Labels: []string{"税额"}},
}

// vatAdvanced are the fields the API returns only with advanced_mode.
var vatAdvanced = []string{"invoice_tag", "serial_number", "attribution", "supervision_seal", "print_code", "machine_number",
	"print_number", "total_in_words", "remarks", "receiver", "reviewer", "issuer", "seller_seal"}

var (
	titleRe = regexp.MustCompile(`(\p{Han}*?)(增值税\p{Han}*发票|电子发票[(（]\p{Han}+[)）]|\p{Han}*电子普通发票)`)
	tagRe   = regexp.MustCompile(`^(通行费|代开|成品油|收购|机动车|旅客运输服务)$`)
)

// vatType names the invoice type from its title, as the API does.
func vatType(title string, p *kie.Page) string {
	t := validate.HalfWidth(title)
	has := func(s string) bool { return kie.FindLine(p.Lines, s) != nil }
	switch {
	case strings.Contains(t, "电子发票(专用发票)") || strings.Contains(t, "电子发票(增值税专用发票)"):
		return "fully_digitalized_special_electronic"
	case strings.Contains(t, "电子发票(普通发票)"):
		return "fully_digitalized_normal_electronic"
	case strings.Contains(t, "电子专用发票"):
		return "special_electronic"
	case strings.Contains(t, "电子普通发票"):
		if strings.Contains(t, "通行费") || has("通行费") {
			return "toll"
		}
		return "electronic"
	case strings.Contains(t, "专用发票"):
		return "special"
	case strings.Contains(t, "卷") || has("卷票"):
		return "roll"
	case strings.Contains(t, "普通发票"):
		return "normal"
	}
	return ""
}

// vatRead is what was read from a VAT invoice page.
type vatRead struct {
	fields map[string]*kie.Field
	items  []map[string]*kie.Field
	checks map[string]bool
}

func readVAT(p *kie.Page) (vatRead, bool) {
	r := kie.Extract(p, spec("vat_invoice"))
	out := vatRead{fields: r.Fields, checks: map[string]bool{}}
	var title *kie.Line
	for _, l := range p.Lines {
		t := strings.ReplaceAll(l.Text, " ", "")
		if m := titleRe.FindStringSubmatch(t); m != nil && !strings.Contains(t, "代码") && !strings.Contains(t, "号码") {
			title = l
			out.fields["title"] = &kie.Field{Value: m[1] + m[2], Confidence: l.Score, Box: l.Box}
			if m[1] != "" {
				out.fields["attribution"] = &kie.Field{Value: m[1], Confidence: l.Score, Box: l.Box}
			}
			if typ := vatType(m[0], p); typ != "" {
				out.fields["type"] = &kie.Field{Value: typ, Confidence: l.Score, Box: l.Box}
			}
			break
		}
	}
	if title == nil && r.Score < 4 {
		return out, false
	}
	for _, l := range p.Lines {
		if tagRe.MatchString(strings.TrimSpace(l.Text)) {
			out.fields["invoice_tag"] = &kie.Field{Value: strings.TrimSpace(l.Text), Confidence: l.Score, Box: l.Box}
			break
		}
	}
	items, ok := kie.ReadItems(p, vatColumns, "amount", []string{"合计"})
	top, bottom := math.Inf(1), math.Inf(-1)
	if ok {
		top = items.Header.Y0
		for ri, it := range items.Rows {
			amounts(it, "amount", "tax")
			if f := it["tax_rate"]; f != nil {
				f.Value = unflipRate(f.Value)
			}
			if f := it["name"]; f != nil {
				f.Value = leadingStar(p, items.RowY[ri], f.Value)
			}
			out.items = append(out.items, it)
		}
		if items.Total != nil {
			if f := items.Total["amount"]; f != nil {
				out.fields["subtotal_amount"] = f
			}
			if f := items.Total["tax"]; f != nil {
				out.fields["subtotal_tax"] = f
			}
		}
	}
	if l := kie.FindLine(p.Lines, "价税合计"); l != nil {
		bottom = l.Y1
		if math.IsInf(top, 1) {
			top = l.Y0
		}
	}
	amounts(out.fields, "subtotal_amount", "subtotal_tax", "total")
	// The parties: above the goods list (the fully digitalised invoice
	// puts them side by side there) and below the totals.
	party := spec("vat_invoice_party")
	above := kie.LinesBetween(p, math.Inf(-1), top, 0, 0)
	var buyer, seller []*kie.Line
	if split, ok := sideBySide(above); ok {
		buyer = kie.LinesBetween(p, math.Inf(-1), top, math.Inf(-1), split)
		seller = kie.LinesBetween(p, math.Inf(-1), top, split, math.Inf(1))
	} else {
		buyer = above
		if !math.IsInf(bottom, -1) {
			seller = kie.LinesBetween(p, bottom, math.Inf(1), 0, 0)
		}
	}
	for prefix, lines := range map[string][]*kie.Line{"buyer_": buyer, "seller_": seller} {
		pr := kie.ExtractLines(p, lines, party)
		for k, f := range pr.Fields {
			out.fields[prefix+k] = f
		}
	}
	vatChecks(&out)
	return out, len(out.fields) > 2
}

// leadingStar puts back the leading '*' of a goods name the recogniser
// dropped. The name is printed *category*name (the tax authority's
// coding of goods): a name holding one '*', inside it, lost its first
// one. That is the grammar's claim; it is put back only when the pixels
// agree — a star-shaped mark printed just before the name's first
// character on its row (kie.MarkBefore). A lone re-reading of so small a
// mark answers '·' as often as '*', so the mark's shape decides.
func leadingStar(p *kie.Page, rowY float64, name string) string {
	cat, _, ok := strings.Cut(name, "*")
	if !ok || cat == "" || strings.Count(name, "*") != 1 {
		return name
	}
	for _, l := range p.Lines {
		if math.Abs(l.CY()-rowY) >= 0.5*l.H() {
			continue
		}
		if at := strings.Index(l.Text, cat+"*"); at >= 0 && p.MarkBefore(l, at) {
			return "*" + name
		}
	}
	return name
}

// unflipRate undoes the one misreading a rate can suffer that leaves
// digits: a short cell the line classifier turned over reads 6% as %9
// (and 9% as %6); every other rate turned over is no rate at all.
func unflipRate(v string) string {
	switch strings.TrimSpace(v) {
	case "%9":
		return "6%"
	case "%6":
		return "9%"
	case "%0":
		return "0%"
	}
	return v
}

// sideBySide finds the split between two party blocks printed next to
// each other (two 名称 labels on one row).
func sideBySide(lines []*kie.Line) (float64, bool) {
	type hit struct{ x, cy, h float64 }
	var hs []hit
	for _, l := range lines {
		for _, x := range kie.LabelXs(l, "名称") {
			hs = append(hs, hit{x[0], l.CY(), l.H()})
		}
	}
	for i := range hs {
		for j := range hs {
			if hs[j].x > hs[i].x+4*hs[i].h && math.Abs(hs[i].cy-hs[j].cy) < 0.6*hs[i].h {
				// The right block starts a little before its label (its
				// side heading, 销售方信息).
				return hs[j].x - 3*hs[i].h, true
			}
		}
	}
	return 0, false
}

// vatChecks: the goods' amounts and taxes sum to the closing row, the
// subtotal and tax to the total, and the uppercase total equals it.
func vatChecks(v *vatRead) {
	var sumA, sumT int64
	nA, nT := 0, 0
	for _, it := range v.items {
		if c, ok := fen(it, "amount"); ok {
			sumA += c
			nA++
		}
		if c, ok := fen(it, "tax"); ok {
			sumT += c
			nT++
		}
	}
	sa, okA := fen(v.fields, "subtotal_amount")
	st, okT := fen(v.fields, "subtotal_tax")
	tot, okTot := fen(v.fields, "total")
	if okA && nA > 0 {
		v.checks["items_amount_sum"] = sumA == sa
	}
	if okT && nT > 0 {
		v.checks["items_tax_sum"] = sumT == st
	}
	if okA && okT && okTot {
		v.checks["subtotal_plus_tax"] = sa+st == tot
	}
	if w := v.fields["total_in_words"]; w != nil && okTot {
		c, ok := validate.ParseAmountInWords(w.Value)
		v.checks["total_in_words"] = ok && c == tot
	}
	for _, k := range []string{"buyer_id", "seller_id"} {
		if f := v.fields[k]; f != nil && f.Valid != nil {
			v.checks[k] = *f.Valid
		}
	}
}

func (s *Service) vatInvoice(ctx context.Context, c *api.Call) (any, error) {
	var b model.VatInvoiceRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	if api.Deref(b.OfdToImageMode) {
		return nil, catalog.E(catalog.KindServiceNotFound).Wrap(errors.New("ofd_to_image_mode: no OFD renderer is installed; an OFD's text layer is read directly (ofd_to_image_mode false)"))
	}
	page, err := pageNum(b.PageNum, "page_num")
	if err != nil {
		return nil, err
	}
	p, fromOFD, err := s.readInvoice(ctx, c, b.Image, b.Url, page, allowPDF|allowOFD)
	if err != nil {
		return nil, err
	}
	v, ok := readVAT(p)
	if !ok {
		return nil, noDocument("VAT invoice")
	}
	adv := api.Deref(b.AdvancedMode)
	if !adv {
		for _, k := range vatAdvanced {
			delete(v.fields, k)
		}
	}
	var out model.VatInvoiceResult
	fill(&out, kie.Result{Fields: v.fields}, fillOpts{confidence: adv, location: api.Deref(b.ReturnTextLocation) && !fromOFD})
	items := []model.ItemList{}
	for _, it := range v.items {
		var li model.ItemList
		fill(&li, kie.Result{Fields: it}, fillOpts{})
		items = append(items, li)
	}
	out.ItemList = &items
	return withChecks(out, v.checks), nil
}

// ------------------------------------------------------------ receipts

// quotaInvoice: the amount is printed in uppercase; the figures, when
// printed too, must agree with it.
func (s *Service) quotaInvoice(ctx context.Context, c *api.Call) (any, error) {
	var b model.QuotaInvoiceRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, _, err := s.readInvoice(ctx, c, b.Image, b.Url, 1, 0)
	if err != nil {
		return nil, err
	}
	r, ch, ok := readQuota(p)
	if !ok {
		return nil, noDocument("fixed-amount invoice")
	}
	var out model.QuotaInvoiceResult
	fill(&out, r, fillOpts{confidence: true})
	return withChecks(out, ch), nil
}

func readQuota(p *kie.Page) (kie.Result, map[string]bool, bool) {
	r := kie.Extract(p, spec("quota_invoice"))
	if r.Score < 2 || (r.Fields["number"] == nil && r.Fields["code"] == nil) {
		return r, nil, false
	}
	amounts(r.Fields, "amount")
	ch := checks(r)
	if w := r.Fields["amount_in_words"]; w != nil {
		inWords, ok := validate.ParseAmountInWords(w.Value)
		if f := r.Fields["amount"]; f != nil {
			v, _ := validate.ParseAmount(f.Value)
			ch = setCheck(ch, "amount_in_words", ok && inWords == v)
		} else if ok {
			r.Fields["amount"] = &kie.Field{Value: validate.FormatFen(inWords), Confidence: w.Confidence, Box: w.Box}
		}
	}
	return r, ch, true
}

func setCheck(ch map[string]bool, k string, v bool) map[string]bool {
	if ch == nil {
		ch = map[string]bool{}
	}
	ch[k] = v
	return ch
}

func (s *Service) taxiInvoice(ctx context.Context, c *api.Call) (any, error) {
	var b model.TaxiInvoiceRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, _, err := s.readInvoice(ctx, c, b.Image, b.Url, 1, 0)
	if err != nil {
		return nil, err
	}
	r, ch, ok := readTaxi(p)
	if !ok {
		return nil, noDocument("taxi receipt")
	}
	var out model.TaxiInvoiceResult
	fill(&out, r, fillOpts{confidence: true, location: api.Deref(b.ReturnTextLocation)})
	return withChecks(out, ch), nil
}

func readTaxi(p *kie.Page) (kie.Result, map[string]bool, bool) {
	r := kie.Extract(p, spec("taxi_invoice"))
	if r.Score < 3 || (r.Fields["fare"] == nil && r.Fields["total"] == nil) {
		return r, nil, false
	}
	amounts(r.Fields, "fare", "fuel_oil_surcharge", "call_service_surcharge", "total", "unit_price")
	b1, a1 := r.Fields["boarding_time"], r.Fields["alighting_time"]
	if b1 != nil && a1 != nil {
		r.Fields["time"] = &kie.Field{Value: b1.Value + "-" + a1.Value, Confidence: (b1.Confidence + a1.Confidence) / 2, Box: b1.Box}
	}
	ch := checks(r)
	// The fare and the surcharges make the amount collected.
	if tot, ok := fen(r.Fields, "total"); ok {
		if fare, ok := fen(r.Fields, "fare"); ok {
			sum := fare
			for _, k := range []string{"fuel_oil_surcharge", "call_service_surcharge"} {
				if v, ok := fen(r.Fields, k); ok {
					sum += v
				}
			}
			ch = setCheck(ch, "fare_plus_surcharges", sum == tot)
		}
	}
	return r, ch, true
}

func (s *Service) tollInvoice(ctx context.Context, c *api.Call) (any, error) {
	var b model.TollInvoiceRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, _, err := s.readInvoice(ctx, c, b.Image, b.Url, 1, 0)
	if err != nil {
		return nil, err
	}
	r, ok := readToll(p)
	if !ok {
		return nil, noDocument("toll receipt")
	}
	var out model.TollInvoiceResult
	fill(&out, r, fillOpts{confidence: true, location: api.Deref(b.ReturnTextLocation)})
	return withChecks(out, checks(r)), nil
}

func readToll(p *kie.Page) (kie.Result, bool) {
	r := kie.Extract(p, spec("toll_invoice"))
	if r.Score < 3 || r.Fields["amount"] == nil {
		return r, false
	}
	amounts(r.Fields, "amount")
	return r, true
}

// ------------------------------------------------------------ train ticket

var (
	trainNoRe = regexp.MustCompile(`^([GDCZTKSYL]?\d{1,4})次?$`)
	stationRe = regexp.MustCompile(`^(\p{Han}{1,8}?)站?$`)
	pinyinRe  = regexp.MustCompile(`^[A-Za-z]{2,30}$`)
)

func (s *Service) trainTicket(ctx context.Context, c *api.Call) (any, error) {
	var b model.TrainTicketRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, fromOFD, err := s.readInvoice(ctx, c, b.Image, b.Url, 1, allowOFD)
	if err != nil {
		return nil, err
	}
	r, ok := readTrain(p)
	if !ok {
		return nil, noDocument("railway ticket")
	}
	var out model.TrainTicketResult
	fill(&out, r, fillOpts{confidence: true, location: api.Deref(b.ReturnTextLocation) && !fromOFD})
	return withChecks(out, checks(r)), nil
}

func readTrain(p *kie.Page) (kie.Result, bool) {
	r := kie.Extract(p, spec("train_ticket"))
	found := readStations(p, r.Fields)
	if !found && r.Fields["invoice_number"] == nil {
		return r, false
	}
	amounts(r.Fields, "ticket_price")
	style := "paper"
	if kie.FindLine(p.Lines, "铁路电子客票") != nil {
		style = "electronic"
	}
	if kie.FindLine(p.Lines, "退票") != nil {
		style = map[string]string{"paper": "refund_new", "electronic": "refund_electronic"}[style]
	}
	r.Fields["invoice_style"] = &kie.Field{Value: style, Confidence: 1}
	return r, true
}

// readStations finds the row of departure station, train number and
// destination (printed without labels) and the stations' pinyin below.
func readStations(p *kie.Page, fs map[string]*kie.Field) bool {
	for _, l := range p.Lines {
		t := strings.ReplaceAll(validate.HalfWidth(l.Text), " ", "")
		m := trainNoRe.FindStringSubmatch(t)
		if m == nil || len(m[1]) < 2 {
			continue
		}
		var left, right *kie.Line
		for _, o := range p.Lines {
			if o == l || math.Abs(o.CY()-l.CY()) > 0.7*math.Max(o.H(), l.H()) {
				continue
			}
			ot := strings.ReplaceAll(o.Text, " ", "")
			if !stationRe.MatchString(ot) {
				continue
			}
			if o.X1 <= l.X0+l.H() && (left == nil || o.X1 > left.X1) {
				left = o
			}
			if o.X0 >= l.X1-l.H() && (right == nil || o.X0 < right.X0) {
				right = o
			}
		}
		if left == nil || right == nil {
			continue
		}
		fs["train_number"] = &kie.Field{Value: m[1], Confidence: l.Score, Box: l.Box}
		for k, st := range map[string]*kie.Line{"departure_station": left, "destination_station": right} {
			name := stationRe.FindStringSubmatch(strings.ReplaceAll(st.Text, " ", ""))[1]
			fs[k] = &kie.Field{Value: name, Confidence: st.Score, Box: st.Box}
			// The pinyin is the Latin line right under the station.
			for _, o := range p.Lines {
				gap := o.Y0 - st.Y1
				if gap > -0.2*st.H() && gap < 1.5*st.H() && o.X1 > st.X0 && o.X0 < st.X1 && pinyinRe.MatchString(strings.ReplaceAll(o.Text, " ", "")) {
					fs[k+"_en"] = &kie.Field{Value: strings.ReplaceAll(o.Text, " ", ""), Confidence: o.Score, Box: o.Box}
					break
				}
			}
		}
		return true
	}
	return false
}

// ------------------------------------------------------------ bank receipt

var kvSep = regexp.MustCompile(`[:：]`)

// bankReceipt reads a receipt's printed key: value pairs. A key ends at
// its colon; on a line holding several pairs, a value ends at the last
// space before the next key.
func (s *Service) bankReceipt(ctx context.Context, c *api.Call) (any, error) {
	var b model.BankReceiptRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	if api.Deref(b.EraseSeal) {
		return nil, errNoCheck("erase_seal")
	}
	page, err := pageNum(b.PageNum, "page_num")
	if err != nil {
		return nil, err
	}
	p, _, err := s.readInvoice(ctx, c, b.Data, b.Url, page, allowPDF)
	if err != nil {
		return nil, err
	}
	pairs := kvPairs(p)
	if len(pairs) == 0 {
		return nil, noDocument("bank receipt")
	}
	n := int32(len(pairs))
	loc := location(pageQuad(p))
	count := int32(1)
	return resultEnvelope{Result: model.BankReceiptResult{BankReceiptCount: &count, BankReceiptList: &[]model.BankReceiptDict{{
		KvPairCount: &n, BankReceiptLocation: &loc, KvPairList: &pairs,
	}}}}, nil
}

func kvPairs(p *kie.Page) []model.BankReceiptKvPair {
	var out []model.BankReceiptKvPair
	for _, kv := range kvLines(p) {
		k := strings.ReplaceAll(validate.HalfWidth(kv.key), " ", "")
		v := strings.Join(strings.Fields(validate.HalfWidth(kv.value)), "")
		out = append(out, model.BankReceiptKvPair{Key: &k, Value: &v})
	}
	return out
}

// keyTailRe splits a segment between two colons into the value and the
// next key when the value ends in something else than a Han character
// (digits, a date) and the key follows, spaced or not.
var keyTailRe = regexp.MustCompile(`^(.*[^\p{Han}\s])\s*(\p{Han}{2,10})$`)

// splitNext splits the text between two colons into this pair's value and
// the next pair's key.
func splitNext(seg string) (string, string) {
	if m := keyTailRe.FindStringSubmatch(seg); m != nil {
		return m[1], m[2]
	}
	if j := strings.LastIndex(strings.TrimRight(seg, " "), " "); j >= 0 {
		return seg[:j], seg[j+1:]
	}
	return "", seg
}

// rightOf is the nearest unused line to the right of l on its row.
func rightOf(lines []*kie.Line, l *kie.Line, used map[*kie.Line]bool) *kie.Line {
	var best *kie.Line
	for _, o := range lines {
		if o == l || used[o] || math.Abs(o.CY()-l.CY()) > 0.5*math.Max(o.H(), l.H()) || o.X0 < l.X1-0.5*l.H() {
			continue
		}
		if best == nil || o.X0 < best.X0 {
			best = o
		}
	}
	if best != nil && kvSep.MatchString(best.Text) {
		return nil
	}
	return best
}

// ------------------------------------------------------- vehicle sales

// mvsInvoice reads the new-vehicle sales invoice; its seller block shares
// labels with the buyer's and is read on its own lines.
func (s *Service) mvsInvoice(ctx context.Context, c *api.Call) (any, error) {
	var b model.MvsInvoiceRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	typ := api.Deref(b.Type)
	switch typ {
	case "", "auto", "new":
	case "used":
		return nil, catalog.E(catalog.KindServiceNotFound).Wrap(errors.New("type used: the used-vehicle invoice has no spec yet"))
	default:
		return nil, catalog.E(catalog.KindBadParam).Wrap(fmt.Errorf("type %q: auto, new or used", typ))
	}
	p, _, err := s.readInvoice(ctx, c, b.Image, b.Url, 1, allowPDF)
	if err != nil {
		return nil, err
	}
	r, ch, ok := readMVS(p)
	if !ok {
		return nil, noDocument("motor vehicle sales invoice")
	}
	if typ != "" {
		t := "机动车销售统一发票"
		if kie.FindLine(p.Lines, "电子发票") != nil {
			t = "电子发票（机动车销售统一发票）"
		}
		r.Fields["type"] = &kie.Field{Value: t, Confidence: 1}
	}
	var out model.MvsInvoiceResult
	fill(&out, r, fillOpts{confidence: api.Deref(b.ReturnConfidence), location: api.Deref(b.ReturnTextLocation)})
	return withChecks(out, ch), nil
}

func readMVS(p *kie.Page) (kie.Result, map[string]bool, bool) {
	r := kie.Extract(p, spec("mvs_invoice"))
	if r.Score < 3 || (r.Fields["number"] == nil && r.Fields["vehicle_identification_number"] == nil) {
		return r, nil, false
	}
	if sl := kie.FindLine(p.Lines, "销货单位名称"); sl != nil {
		sr := kie.ExtractLines(p, kie.LinesBetween(p, sl.Y0-0.2*sl.H(), math.Inf(1), 0, 0), spec("mvs_invoice_seller"))
		for k, f := range sr.Fields {
			r.Fields[k] = f
		}
	}
	amounts(r.Fields, "total", "tax", "tax_exclusive_price")
	ch := checks(r)
	tot, okT := fen(r.Fields, "total")
	if price, ok := fen(r.Fields, "tax_exclusive_price"); ok && okT {
		if tax, ok := fen(r.Fields, "tax"); ok {
			ch = setCheck(ch, "price_plus_tax", price+tax == tot)
		}
	}
	if w := r.Fields["total_chinese"]; w != nil && okT {
		v, ok := validate.ParseAmountInWords(w.Value)
		ch = setCheck(ch, "total_chinese", ok && v == tot)
	}
	return r, ch, true
}

// ------------------------------------------------------ flight itinerary

// The flight columns' patterns cut a row the detector read as one line
// (B 2021-01-03 21:45) into its cells.
var flightColumns = []kie.Column{
	{Name: "carrier", Labels: []string{"承运人"}},
	{Name: "flight", Labels: []string{"航班号"}, Pattern: `[A-Z0-9]{2}\d{3,4}`},
	{Name: "cabin_class", Labels: []string{"座位等级"}, Pattern: `[A-Z]`},
	{Name: "date", Labels: []string{"日期"}, Pattern: `\d{4}-\d{2}-\d{2}`},
	{Name: "time", Labels: []string{"时间"}, Pattern: `\d{2}:\d{2}`},
	{Name: "fare_basis", Labels: []string{"客票级别/客票类别", "客票级别", "客票类别"}, Pattern: `[A-Z][A-Z0-9]{0,7}`},
	{Name: "effective_date", Labels: []string{"客票生效日期"}},
	{Name: "expiry_date", Labels: []string{"有效截止日期"}},
	{Name: "baggage_allowance", Labels: []string{"免费行李"}},
}

var legRe = regexp.MustCompile(`^\s*([自至])\s*(\p{Han}{2,10})`)

func (s *Service) flightItinerary(ctx context.Context, c *api.Call) (any, error) {
	var b model.FlightItineraryRequestBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, _, err := s.readInvoice(ctx, c, b.Image, b.Url, 1, 0)
	if err != nil {
		return nil, err
	}
	r, legs, ch, ok := readFlight(p)
	if !ok {
		return nil, noDocument("air itinerary")
	}
	var out model.FlightItineraryResult
	fill(&out, r, fillOpts{confidence: true})
	list := []model.ItineraryList{}
	for _, l := range legs {
		var it model.ItineraryList
		fill(&it, kie.Result{Fields: l}, fillOpts{})
		list = append(list, it)
	}
	out.ItineraryList = &list
	return withChecks(out, ch), nil
}

// readFlight reads the itinerary: the flights by the columns of their
// header; each flight's row starts with 自 (from) or 至 (to) and a city,
// and its destination is the 至 city on the next row.
func readFlight(p *kie.Page) (kie.Result, []map[string]*kie.Field, map[string]bool, bool) {
	r := kie.Extract(p, spec("flight_itinerary"))
	if r.Score < 3 {
		return r, nil, nil, false
	}
	amounts(r.Fields, "fare", "caac_development_fund", "fuel_surcharge", "other_taxes", "total")
	var legs []map[string]*kie.Field
	var cities []struct {
		y, h float64
		name *kie.Field
	}
	for _, l := range p.Lines {
		if m := legRe.FindStringSubmatch(l.Text); m != nil {
			cities = append(cities, struct {
				y, h float64
				name *kie.Field
			}{l.CY(), l.H(), &kie.Field{Value: m[2], Confidence: l.Score, Box: l.Box}})
		}
	}
	if items, ok := kie.ReadItems(p, flightColumns, "flight", []string{"票价"}); ok {
		for ri, it := range items.Rows {
			if it["flight"] == nil {
				continue
			}
			y := items.RowY[ri]
			// The city on the flight's row, and the next one below.
			for i, c := range cities {
				if math.Abs(c.y-y) < 0.7*c.h && i+1 < len(cities) {
					it["departure_station"], it["destination_station"] = c.name, cities[i+1].name
					break
				}
			}
			legs = append(legs, it)
		}
	}
	ch := checks(r)
	if tot, ok := fen(r.Fields, "total"); ok {
		var sum int64
		n := 0
		for _, k := range []string{"fare", "caac_development_fund", "fuel_surcharge", "other_taxes"} {
			if v, ok := fen(r.Fields, k); ok {
				sum += v
				n++
			}
		}
		if n > 0 {
			ch = setCheck(ch, "fare_plus_taxes", sum == tot)
		}
	}
	return r, legs, ch, true
}
