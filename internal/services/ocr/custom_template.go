package ocr

import (
	"context"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
	"github.com/aisd/aisd/internal/services/ocr/template"
)

type customTemplateBody = model.CustomTemplateRequestBody

// WithTemplates serves custom-template over the project templates m keeps.
func (s *Service) WithTemplates(m *template.Manager) *Service {
	s.templates = m
	return s
}

// customTemplate reads an input against a project's template or
// classifier. The template is looked up first (AIS.0117, AIS.0121 cost no
// OCR); the input is read once, with character boxes, and every template
// of a classifier is matched against that one reading.
func (s *Service) customTemplate(ctx context.Context, c *api.Call) (any, error) {
	var b customTemplateBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	plan, err := s.templates.Prepare(ctx, c.ProjectID, template.Request{
		TemplateID: api.Deref(b.TemplateId), ClassifierID: api.Deref(b.ClassifierId), ClassifierMode: api.Deref(b.ClassifierMode),
	})
	if err != nil {
		return nil, err
	}
	img, err := s.load(ctx, c, b.Image, b.Url, 0)
	if err != nil {
		return nil, err
	}
	res, err := s.run(ctx, img.Image, pipeline.RunOptions{CharBoxes: true})
	if err != nil {
		return nil, err
	}
	return plan.Recognize(res.Lines, img.Width, img.Height)
}
