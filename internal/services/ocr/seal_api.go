package ocr

import (
	"context"
	"errors"
	"image"
	"math"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
	"github.com/aisd/aisd/internal/services/ocr/raster"
	"github.com/aisd/aisd/internal/services/ocr/seal"
)

type sealBody = model.SealRequestBody

// seal finds the page's seals and reads their text. PDF input is admitted
// (pdf_page_number, default 1), as the API documents.
func (s *Service) seal(ctx context.Context, c *api.Call) (any, error) {
	var b sealBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	page := 1
	if b.PdfPageNumber != nil {
		if *b.PdfPageNumber < 1 {
			return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("pdf_page_number must be at least 1"))
		}
		page = int(*b.PdfPageNumber)
	}
	in, err := s.load(ctx, c, b.Data, b.Url, page)
	if err != nil {
		return nil, err
	}
	img := raster.RGBA(in.Image)
	seals := seal.Detect(img)
	read := func(ctx context.Context, im image.Image) ([]pipeline.Line, error) {
		// A strip a few text lines high: detected at its own size, not
		// scaled up to the detector's page size (ten times the work).
		res, err := s.run(ctx, im, pipeline.RunOptions{Quick: true})
		if catalog.IsKind(err, catalog.KindImageQuality) {
			return nil, nil // a seal whose text cannot be read still is a seal
		}
		return res.Lines, err
	}
	list := []model.SealList{}
	for i := range seals {
		sl := &seals[i]
		if err := sl.Read(ctx, read); err != nil {
			return nil, err
		}
		typ := sl.Type
		cf := float32(math.Round(sl.Confidence*1e4) / 1e4)
		loc := [][]int32{{int32(sl.Box.X0), int32(sl.Box.Y0)}, {int32(sl.Box.X1 - 1), int32(sl.Box.Y0)}, {int32(sl.Box.X1 - 1), int32(sl.Box.Y1 - 1)}, {int32(sl.Box.X0), int32(sl.Box.Y1 - 1)}}
		words := []model.SealWordsBlockList{}
		for _, w := range sl.Words {
			text := w.Text
			wc := float32(math.Round(w.Score*1e4) / 1e4)
			words = append(words, model.SealWordsBlockList{Words: &text, WordsConfidence: &wc})
		}
		item := model.SealList{Type: &typ, Confidence: &cf, Location: &loc, WordsBlockList: &words}
		if api.Deref(b.ReturnSealImage) {
			im := sl.Image(img)
			item.SealImage = &im
		}
		list = append(list, item)
	}
	out := model.SealResult{SealList: &list}
	if api.Deref(b.ReturnErasedSealImage) {
		e := seal.PNGBase64(seal.Erase(img, seals))
		out.ErasedSealImage = &e
	}
	return resultEnvelope{Result: out}, nil
}
