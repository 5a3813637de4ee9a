// Package ocr serves the OCR APIs (general-text, web-image, handwriting)
// over the PP-OCRv4 pipeline, with the request and response shapes of the
// SDK's ocr/v1 models.
package ocr

import (
	"context"
	"errors"
	"image"
	"math"
	"regexp"
	"strings"
	"unicode"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/platform/imagecheck"
	"github.com/aisd/aisd/internal/platform/input"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
	"github.com/aisd/aisd/internal/services/ocr/template"
)

// Service holds the OCR handlers.
type Service struct {
	p         *pipeline.Pipeline
	in        *input.Resolver
	templates *template.Manager // nil: custom-template is not served
	verifier  *Verifier         // nil: invoice verification answers the documented refusal
}

// New returns the OCR service over a loaded pipeline.
func New(p *pipeline.Pipeline, in *input.Resolver) *Service { return &Service{p: p, in: in} }

// Handlers maps SDK operation names to handlers.
func (s *Service) Handlers() map[string]api.Handler {
	h := map[string]api.Handler{
		"RecognizeGeneralText": s.generalText,
		"RecognizeWebImage":    s.webImage,
		"RecognizeHandwriting": s.handwriting,
	}
	h["RecognizeGeneralTable"] = s.generalTable
	h["RecognizeFinancialStatement"] = s.financialStatement
	h["RecognizeSeal"] = s.seal
	if s.templates != nil {
		h["RecognizeCustomTemplate"] = s.customTemplate
	}
	for op, d := range s.docHandlers() {
		h[op] = d
	}
	for op, d := range s.invoiceHandlers() {
		h[op] = d
	}
	for op, d := range s.officeHandlers() {
		h[op] = d
	}
	return h
}

// Languages the PP-OCRv4 Chinese/English model reads; "auto" picks it too.
var languages = map[string]bool{"": true, "zh": true, "en": true, "auto": true}

// load resolves, checks and decodes the input image of a call. The checks
// (format, header dimensions, orientation) read headers only; the image is
// then decoded once, the way the reference loader decodes it (the
// pipeline's libjpeg-exact JPEG decoder, its alpha rules), so results
// match RapidOCR's, and turned upright for its EXIF orientation whatever
// the format. pdfPage > 0 admits PDF input and renders that page
// (general-text only).
func (s *Service) load(ctx context.Context, c *api.Call, img, url *string, pdfPage int) (*imagecheck.Checked, error) {
	data, err := s.in.Resolve(ctx, c.ProjectID, c.Service, api.Deref(img), api.Deref(url))
	if err != nil {
		return nil, err
	}
	return s.decode(ctx, data, pdfPage)
}

// decode checks and decodes resolved input bytes (see load).
func (s *Service) decode(ctx context.Context, data []byte, pdfPage int) (*imagecheck.Checked, error) {
	var err error
	if pdfPage > 0 && imagecheck.Sniff(data) == "pdf" {
		if data, err = renderPDFPage(ctx, data, pdfPage); err != nil {
			return nil, err
		}
	}
	return imagecheck.Check(data, imagecheck.OCRGeneralText, append(pipeline.Decoders(), imagecheck.InRequest(ctx), reduceHuge)...)
}

// reduceHuge decodes the largest PNGs the limits allow (up to 160 Mpx)
// straight to a quarter-size-or-smaller image instead of whole: the
// pipeline scales every image down to MaxSideLen (2000 px) before reading
// it, so it loses nothing, while the whole bitmap would cost gigabytes.
// Images under 256 MB decoded keep the reference decode.
var reduceHuge = imagecheck.ReduceOver(256<<20, 2*pipeline.DefaultConfig().MaxSideLen)

// location renders a box as the four integer points the SDK expects.
func location(b [4]pipeline.Point) [][]int32 {
	out := make([][]int32, 4)
	for i, p := range b {
		out[i] = []int32{int32(p[0]), int32(p[1])}
	}
	return out
}

// conf rounds a score to 4 places, as the cloud prints confidences.
func conf(f float64) float32 { return float32(math.Round(f*1e4) / 1e4) }

// The request bodies are the SDK's own models: their fields are the wire
// contract, field for field.
type generalTextBody = model.GeneralTextRequestBody

type charOut struct {
	Char           string    `json:"char"`
	CharLocation   [][]int32 `json:"char_location"`
	CharConfidence float32   `json:"char_confidence"`
}

type generalBlock struct {
	Words      string    `json:"words"`
	Location   [][]int32 `json:"location"`
	Confidence float32   `json:"confidence"`
	CharList   []charOut `json:"char_list,omitempty"`
}

type generalResult struct {
	// Direction is always present: the page's counter-clockwise turn in
	// degrees with detect_direction, -1 without it (the SDK's field is a
	// plain float32, and its documentation says -1 when not detected).
	Direction       float32        `json:"direction"`
	WordsBlockCount int32          `json:"words_block_count"`
	WordsBlockList  []generalBlock `json:"words_block_list"`
	MarkdownResult  *string        `json:"markdown_result,omitempty"`
}

type resultEnvelope struct {
	Result any `json:"result"`
}

func (s *Service) generalText(ctx context.Context, c *api.Call) (any, error) {
	var b generalTextBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	if !languages[api.Deref(b.Language)] {
		return nil, catalog.E(catalog.KindLanguage).Wrap(errors.New("language " + api.Deref(b.Language)))
	}
	if b.PdfPageNumber != nil && *b.PdfPageNumber < 1 {
		return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("pdf_page_number must be at least 1"))
	}
	page := 1
	if b.PdfPageNumber != nil {
		page = int(*b.PdfPageNumber)
	}
	img, err := s.load(ctx, c, b.Image, b.Url, page)
	if err != nil {
		return nil, err
	}
	opts := pipeline.RunOptions{
		CharBoxes:         api.Deref(b.CharacterMode),
		DetectDirection:   api.Deref(b.DetectDirection),
		SingleLine:        api.Deref(b.QuickMode), // one line of text: recognised whole
		SingleOrientation: api.Deref(b.SingleOrientationMode),
	}
	res, err := s.run(ctx, img.Image, opts)
	if err != nil {
		return nil, err
	}
	out := generalResult{WordsBlockList: []generalBlock{}, Direction: -1}
	for _, l := range res.Lines {
		blk := generalBlock{Words: l.Text, Location: location(l.Box), Confidence: conf(l.Score)}
		if opts.CharBoxes {
			blk.CharList = []charOut{}
			for _, ch := range l.Chars {
				blk.CharList = append(blk.CharList, charOut{Char: ch.Char, CharLocation: location(ch.Box), CharConfidence: conf(ch.Score)})
			}
		}
		out.WordsBlockList = append(out.WordsBlockList, blk)
	}
	out.WordsBlockCount = int32(len(out.WordsBlockList))
	if opts.DetectDirection {
		out.Direction = float32(res.Direction)
	}
	if api.Deref(b.ReturnMarkdownResult) {
		m := joinRows(res.Lines)
		out.MarkdownResult = &m
	}
	return resultEnvelope{Result: out}, nil
}

// joinRows is the markdown_result the SDK documents: the blocks of one
// row joined by a tab, rows by a newline. Lines (in reading order) share
// a row when their extents across the text overlap by more than half the
// shorter one's height. "Across" is the first line's top-to-bottom
// direction, so a turned page's rows are its text's rows.
func joinRows(lines []pipeline.Line) string {
	if len(lines) == 0 {
		return ""
	}
	b0 := lines[0].Box
	dx, dy := float64(b0[3][0]-b0[0][0]), float64(b0[3][1]-b0[0][1])
	if n := math.Hypot(dx, dy); n > 0 {
		dx, dy = dx/n, dy/n
	} else {
		dx, dy = 0, 1
	}
	var b strings.Builder
	var rowTop, rowBot float64
	for i, l := range lines {
		top, bot := math.Inf(1), math.Inf(-1)
		for _, p := range l.Box {
			v := float64(p[0])*dx + float64(p[1])*dy
			top, bot = min(top, v), max(bot, v)
		}
		if i > 0 {
			overlap := min(bot, rowBot) - max(top, rowTop)
			if 2*overlap > min(bot-top, rowBot-rowTop) {
				b.WriteByte('\t')
				rowTop, rowBot = min(top, rowTop), max(bot, rowBot)
			} else {
				b.WriteByte('\n')
				rowTop, rowBot = top, bot
			}
		} else {
			rowTop, rowBot = top, bot
		}
		b.WriteString(l.Text)
	}
	return b.String()
}

type webImageBody = model.WebImageRequestBody

type webBlock struct {
	Words      string    `json:"words"`
	Confidence float32   `json:"confidence"`
	Location   [][]int32 `json:"location"`
}

type contactInfo struct {
	Name          *string `json:"name,omitempty"`
	Phone         *string `json:"phone,omitempty"`
	Province      *string `json:"province,omitempty"`
	City          *string `json:"city,omitempty"`
	District      *string `json:"district,omitempty"`
	DetailAddress *string `json:"detail_address,omitempty"`
}

type imageSize struct {
	Height int32 `json:"height"`
	Width  int32 `json:"width"`
}

type extracted struct {
	ContactInfo *contactInfo `json:"contact_info,omitempty"`
	ImageSize   *imageSize   `json:"image_size,omitempty"`
}

type webResult struct {
	WordsBlockCount int32      `json:"words_block_count"`
	WordsBlockList  []webBlock `json:"words_block_list"`
	ExtractedData   *extracted `json:"extracted_data"`
}

// phoneRe finds mainland mobile and landline numbers in recognised text.
var phoneRe = regexp.MustCompile(`(?:\+?86[- ]?)?(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})`)

func (s *Service) webImage(ctx context.Context, c *api.Call) (any, error) {
	var b webImageBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, t := range api.Deref(b.ExtractType) {
		switch t {
		case "contact_info", "image_size":
			want[t] = true
		default:
			return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("extract_type " + t))
		}
	}
	if api.Deref(b.DetectFont) {
		// No open model names the font of a text line, and aisd does not
		// guess: the option is refused as an invalid parameter (README,
		// "OCR options").
		return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("detect_font is not supported: no font classifier is installed"))
	}
	img, err := s.load(ctx, c, b.Image, b.Url, 0)
	if err != nil {
		return nil, err
	}
	// detect_text_direction (default true) is the per-line classifier.
	noCls := b.DetectTextDirection != nil && !*b.DetectTextDirection
	res, err := s.run(ctx, img.Image, pipeline.RunOptions{DetectDirection: api.Deref(b.DetectDirection), NoCls: noCls})
	if err != nil {
		return nil, err
	}
	out := webResult{WordsBlockList: []webBlock{}, ExtractedData: &extracted{}}
	var all strings.Builder
	for _, l := range res.Lines {
		out.WordsBlockList = append(out.WordsBlockList, webBlock{Words: l.Text, Confidence: conf(l.Score), Location: location(l.Box)})
		all.WriteString(l.Text + "\n")
	}
	out.WordsBlockCount = int32(len(out.WordsBlockList))
	if want["image_size"] {
		out.ExtractedData.ImageSize = &imageSize{Height: int32(img.Height), Width: int32(img.Width)}
	}
	if want["contact_info"] {
		ci := &contactInfo{}
		if m := phoneRe.FindString(all.String()); m != "" {
			ci.Phone = &m
		}
		out.ExtractedData.ContactInfo = ci
	}
	return resultEnvelope{Result: out}, nil
}

type handwritingBody = model.HandwritingRequestBody

type handBlock struct {
	Words      string    `json:"words"`
	Type       string    `json:"type"`
	Confidence float32   `json:"confidence"`
	Location   [][]int32 `json:"location"`
}

type handResult struct {
	WordsBlockCount int32       `json:"words_block_count"`
	WordsBlockList  []handBlock `json:"words_block_list"`
}

// charSets restrict handwriting output, as the API's char_set documents.
var charSets = map[string]func(rune) bool{
	"digit":        func(r rune) bool { return unicode.IsDigit(r) },
	"letter":       func(r rune) bool { return r < 128 && unicode.IsLetter(r) },
	"digit_letter": func(r rune) bool { return r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) },
	"general":      nil,
}

func (s *Service) handwriting(ctx context.Context, c *api.Call) (any, error) {
	var b handwritingBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	cs := api.Deref(b.CharSet)
	if cs == "" {
		cs = "general"
	}
	keep, ok := charSets[cs]
	if !ok {
		return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("char_set " + cs))
	}
	img, err := s.load(ctx, c, b.Image, b.Url, 0)
	if err != nil {
		return nil, err
	}
	res, err := s.run(ctx, img.Image, pipeline.RunOptions{SingleLine: api.Deref(b.QuickMode), DetectDirection: api.Deref(b.DetectDirection)})
	if err != nil {
		return nil, err
	}
	out := handResult{WordsBlockList: []handBlock{}}
	for _, l := range res.Lines {
		words := l.Text
		if keep != nil {
			words = strings.Map(func(r rune) rune {
				if keep(r) {
					return r
				}
				return -1
			}, words)
		}
		if words == "" {
			continue
		}
		typ := "word"
		if strings.IndexFunc(words, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
			typ = "number"
		}
		out.WordsBlockList = append(out.WordsBlockList, handBlock{Words: words, Type: typ, Confidence: conf(l.Score), Location: location(l.Box)})
	}
	out.WordsBlockCount = int32(len(out.WordsBlockList))
	return resultEnvelope{Result: out}, nil
}

// run reads img and gives the pipeline's failures their kinds.
func (s *Service) run(ctx context.Context, img image.Image, opts pipeline.RunOptions) (pipeline.Result, error) {
	factor := 1
	if r, ok := img.(*imagecheck.Reduced); ok {
		img, factor = r.Image, r.Factor
	}
	res, err := s.p.Run(ctx, img, opts)
	if factor > 1 {
		scaleResult(&res, factor)
	}
	var ee *pipeline.EngineError
	switch {
	case err == nil:
	case errors.Is(err, pipeline.ErrUnreadable):
		err = catalog.E(catalog.KindImageQuality).Wrap(err)
	case errors.Is(err, pipeline.ErrEmptyImage):
		err = catalog.E(catalog.KindImageSize).Wrap(err)
	case errors.As(err, &ee):
		err = catalog.E(catalog.KindRecognition).Wrap(err)
	}
	return res, err
}

// scaleResult puts the boxes found on a reduced image back into the
// caller's image coordinates.
func scaleResult(res *pipeline.Result, f int) {
	up := func(b *[4]pipeline.Point) {
		for i := range b {
			b[i][0], b[i][1] = b[i][0]*f, b[i][1]*f
		}
	}
	for i := range res.Lines {
		up(&res.Lines[i].Box)
		for j := range res.Lines[i].Chars {
			up(&res.Lines[i].Chars[j].Box)
		}
	}
}
