package ocr

import (
	"context"
	"errors"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
	"github.com/aisd/aisd/internal/services/ocr/table"
)

type generalTableBody = model.GeneralTableRequestBody

type financialStatementBody = model.FinancialStatementRequestBody

// analyseTable reads an input with character boxes and finds its tables.
func (s *Service) analyseTable(ctx context.Context, c *api.Call, img, url *string, o table.Options) (table.Page, int, int, error) {
	in, err := s.load(ctx, c, img, url, 0)
	if err != nil {
		return table.Page{}, 0, 0, err
	}
	res, err := s.run(ctx, in.Image, pipeline.RunOptions{CharBoxes: true})
	if err != nil {
		return table.Page{}, 0, 0, err
	}
	return table.Analyse(in.Image, res.Lines, o), in.Width, in.Height, nil
}

// generalTable: tables and the text around them. return_rectification_matrix
// is accepted, but the SDK's GeneralTableResult has no field for it.
func (s *Service) generalTable(ctx context.Context, c *api.Call) (any, error) {
	var b generalTableBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	f := table.Flags{TextLocation: api.Deref(b.ReturnTextLocation), CharLocation: api.Deref(b.ReturnCharLocation),
		Confidence: api.Deref(b.ReturnConfidence), Excel: api.Deref(b.ReturnExcel)}
	if f.CharLocation && !f.TextLocation {
		return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("return_char_location needs return_text_location"))
	}
	page, _, _, err := s.analyseTable(ctx, c, b.Image, b.Url, table.Options{BorderedOnly: api.Deref(b.WithBorders)})
	if err != nil {
		return nil, err
	}
	out, err := page.GeneralTable(f)
	if err != nil {
		return nil, catalog.E(catalog.KindInternal).Wrap(err)
	}
	return resultEnvelope{Result: out}, nil
}

func (s *Service) financialStatement(ctx context.Context, c *api.Call) (any, error) {
	var b financialStatementBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	f := table.Flags{TextLocation: api.Deref(b.ReturnTextLocation), Confidence: api.Deref(b.ReturnConfidence),
		Excel: api.Deref(b.ReturnExcel), TableLocation: api.Deref(b.ReturnTableLocation)}
	page, w, h, err := s.analyseTable(ctx, c, b.Image, b.Url, table.Options{})
	if err != nil {
		return nil, err
	}
	out, err := page.FinancialStatement(f, w, h, api.Deref(b.ReturnImageSize), api.Deref(b.ReturnRectificationMatrix))
	if err != nil {
		return nil, catalog.E(catalog.KindInternal).Wrap(err)
	}
	return resultEnvelope{Result: out}, nil
}
