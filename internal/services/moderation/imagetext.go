package moderation

import (
	"context"
	"image"
	"math"
	"sort"
	"strings"

	"github.com/makiuchi-d/gozxing"
	multiqr "github.com/makiuchi-d/gozxing/multi/qrcode"
)

// OCR reads the text lines of an image, top to bottom: the OCR engine's
// pipeline, as the server wires it. image_text is checked only where one
// is configured.
type OCR func(ctx context.Context, img image.Image) ([]string, error)

const catImageText = "image_text"

// ocrSegment is a text hit of image_text (the SDK's OcrTextDetail).
type ocrSegment struct {
	Segment      string `json:"segment"`
	GlossaryName string `json:"glossary_name,omitempty"`
}

// qrLocation is a QR code's upright bounding box in image pixels.
type qrLocation struct {
	TopLeftX     int32 `json:"top_left_x"`
	TopLeftY     int32 `json:"top_left_y"`
	BottomRightX int32 `json:"bottom_right_x"`
	BottomRightY int32 `json:"bottom_right_y"`
}

// qrCode is one decoded QR code.
type qrCode struct {
	content string
	loc     qrLocation
}

// imageText moderates the text of an image: what OCR reads (reported as
// ocr_text) and the contents of its QR codes, each through the text
// detector with the request's glossaries. A link or contact in a QR code
// is found by the same contact scanners as in text, so it is an ad.
func (s *Service) imageText(ctx context.Context, ocr OCR, img image.Image, black, white []*compiledGlossary) ([]imageDetail, string, error) {
	lines, err := ocr(ctx, img)
	if err != nil {
		return nil, "", err
	}
	ocrText := strings.Join(lines, "\n")
	var out []imageDetail
	if strings.TrimSpace(ocrText) != "" {
		for _, fd := range s.textDet.DetectWith(ocrText, defaultTextCategories, black, white) {
			if d, ok := textFindingDetail(fd); ok {
				out = append(out, d)
			}
		}
	}
	for _, qr := range decodeQR(img) {
		if strings.TrimSpace(qr.content) == "" {
			continue
		}
		for _, fd := range s.textDet.DetectWith(qr.content, defaultTextCategories, black, white) {
			d, ok := textFindingDetail(fd)
			if !ok {
				continue
			}
			content, loc := qr.content, qr.loc
			d.QrContent, d.QrLocation = &content, &loc
			out = append(out, d)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	return out, ocrText, nil
}

// textFindingDetail is a text finding as an image_text detail; a glossary
// hit whose suggestion is pass is not one (image details block or review).
func textFindingDetail(fd Finding) (imageDetail, bool) {
	if fd.Suggestion == sugPass {
		return imageDetail{}, false
	}
	segs := make([]ocrSegment, 0, len(fd.Segments))
	for _, sg := range fd.Segments {
		segs = append(segs, ocrSegment{Segment: sg.Text, GlossaryName: sg.Glossary})
	}
	return imageDetail{Suggestion: fd.Suggestion, Category: catImageText, Confidence: conf(fd.Confidence), Label: fd.Label, Segments: &segs}, true
}

// decodeQR finds and decodes the QR codes of img. Codes that are found
// but do not decode are skipped: there is nothing to moderate in them.
// The decoder reads the caller's pixels; should it panic on some, the
// image is taken to hold no readable code rather than failing the call.
func decodeQR(img image.Image) (out []qrCode) {
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(gozxing.NewLuminanceSourceFromImage(img)))
	if err != nil {
		return nil
	}
	hints := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}
	rs, err := multiqr.NewQRCodeMultiReader().DecodeMultiple(bmp, hints)
	if err != nil && len(rs) == 0 {
		return nil
	}
	b := img.Bounds()
	seen := map[qrCode]bool{}
	for _, r := range rs {
		loc, ok := qrBox(r.GetResultPoints(), b)
		if !ok {
			continue
		}
		qr := qrCode{content: r.GetText(), loc: loc}
		if seen[qr] {
			continue
		}
		seen[qr] = true
		out = append(out, qr)
	}
	sort.Slice(out, func(i, j int) bool {
		a, c := out[i].loc, out[j].loc
		return a.TopLeftY < c.TopLeftY || a.TopLeftY == c.TopLeftY && a.TopLeftX < c.TopLeftX
	})
	return out
}

// qrBox is the bounding box of a code from its finder pattern centres:
// each centre lies 3.5 modules inside the code's corner.
func qrBox(pts []gozxing.ResultPoint, b image.Rectangle) (qrLocation, bool) {
	if len(pts) < 3 {
		return qrLocation{}, false
	}
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	module := 0.0
	for i, p := range pts {
		if i < 3 { // bottom-left, top-left, top-right; the rest is alignment
			x0, y0 = math.Min(x0, p.GetX()), math.Min(y0, p.GetY())
			x1, y1 = math.Max(x1, p.GetX()), math.Max(y1, p.GetY())
			if f, ok := p.(interface{ GetEstimatedModuleSize() float64 }); ok {
				module = math.Max(module, f.GetEstimatedModuleSize())
			}
		}
	}
	m := 3.5 * module
	clamp := func(v float64, lo, hi int) int32 { return int32(min(max(int(math.Round(v)), lo), hi)) }
	return qrLocation{
		TopLeftX:     clamp(x0-m, b.Min.X, b.Max.X),
		TopLeftY:     clamp(y0-m, b.Min.Y, b.Max.Y),
		BottomRightX: clamp(x1+m, b.Min.X, b.Max.X),
		BottomRightY: clamp(y1+m, b.Min.Y, b.Max.Y),
	}, true
}
