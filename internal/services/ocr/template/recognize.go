package template

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
	"github.com/aisd/aisd/internal/store"
)

// Request is what a custom-template call asks for.
type Request struct {
	TemplateID, ClassifierID string
	ClassifierMode           bool
}

// Response is the custom-template answer: the SDK's
// RecognizeCustomTemplateResponse (result, template_id).
type Response struct {
	Result     any    `json:"result"`
	TemplateID string `json:"template_id"`
}

// Class is the result in classifier_mode: the template the input was
// classified as.
type Class struct {
	TemplateID   string  `json:"template_id"`
	TemplateName string  `json:"template_name"`
	Confidence   float32 `json:"confidence"`
}

// Plan is a call's templates, looked up before any image is read.
type Plan struct {
	req       Request
	templates []Stored[Template]
}

// Prepare checks the request and loads its templates: AIS.0117 for an
// unknown template or classifier, AIS.0121 for a single template without
// recognition areas (known before the image is read).
func (m *Manager) Prepare(ctx context.Context, project string, req Request) (*Plan, error) {
	switch {
	case req.TemplateID == "" && req.ClassifierID == "":
		return nil, catalog.E(catalog.KindMissingParam).Wrap(errors.New("template_id or classifier_id is required"))
	case req.TemplateID != "" && req.ClassifierID != "":
		return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("template_id and classifier_id are exclusive"))
	case req.ClassifierMode && req.ClassifierID == "":
		return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("classifier_mode goes with classifier_id"))
	}
	p := &Plan{req: req}
	if req.TemplateID != "" {
		t, err := m.templateGeometry(ctx, project, req.TemplateID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, catalog.E(catalog.KindIDNotFound).Wrap(fmt.Errorf("template_id %q", req.TemplateID))
		}
		if err != nil {
			return nil, catalog.E(catalog.KindInternal).Wrap(err)
		}
		if len(t.Body.Areas) == 0 {
			return nil, catalog.E(catalog.KindTemplateArea, t.ID)
		}
		p.templates = []Stored[Template]{t}
		return p, nil
	}
	c, err := m.Classifier(ctx, project, req.ClassifierID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, catalog.E(catalog.KindIDNotFound).Wrap(fmt.Errorf("classifier_id %q", req.ClassifierID))
	}
	if err != nil {
		return nil, catalog.E(catalog.KindInternal).Wrap(err)
	}
	for _, id := range c.Body.TemplateIDs {
		t, err := m.templateGeometry(ctx, project, id)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted since: the classifier's other templates remain
		}
		if err != nil {
			return nil, catalog.E(catalog.KindInternal).Wrap(err)
		}
		p.templates = append(p.templates, t)
	}
	return p, nil
}

// Recognize locates the plan's template (or, for a classifier, the
// template whose anchors match best) in the input's lines (read with
// character boxes from a w×h image) and reads its areas.
func (p *Plan) Recognize(lines []pipeline.Line, w, h int) (Response, error) {
	seqs := sequences(lines)
	if p.req.TemplateID != "" {
		t := p.templates[0]
		mt, err := locate(&t.Body, seqs, w, h)
		if err != nil {
			return Response{}, catalog.E(catalog.KindTemplateMatch, t.ID).Wrap(err)
		}
		return Response{Result: read(&t.Body, mt, lines), TemplateID: t.ID}, nil
	}
	best, bestScore := -1, 0.0
	var bestMatch Match
	for i := range p.templates {
		mt, err := locate(&p.templates[i].Body, seqs, w, h)
		if err != nil {
			continue
		}
		if mt.Score > bestScore {
			best, bestScore, bestMatch = i, mt.Score, mt
		}
	}
	if best < 0 {
		return Response{}, catalog.E(catalog.KindClassification).Wrap(fmt.Errorf("none of the classifier's %d templates matches", len(p.templates)))
	}
	t := p.templates[best]
	if p.req.ClassifierMode {
		return Response{Result: Class{TemplateID: t.ID, TemplateName: t.Name, Confidence: float32(math.Round(bestScore*1e4) / 1e4)}, TemplateID: t.ID}, nil
	}
	if len(t.Body.Areas) == 0 {
		return Response{}, catalog.E(catalog.KindTemplateArea, t.ID)
	}
	return Response{Result: read(&t.Body, bestMatch, lines), TemplateID: t.ID}, nil
}
