package moderation

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/platform/imagecheck"
)

// imageCategories: only porn has a model here (see the package comment).
var imageCategories = map[string]bool{"porn": true, "terrorism": false, "politics": false, "image_text": false}

var imageEventTypes = map[string]bool{
	"head_image": true, "album": true, "dynamic": true, "article": true, "comment": true,
	"room_cover": true, "group_message": true, "message": true, "product": true,
}

type glossaries struct {
	BlackGlossaryNames *[]string `json:"black_glossary_names"`
	WhiteGlossaryNames *[]string `json:"white_glossary_names"`
}

type imageBody struct {
	EventType       *string     `json:"event_type"`
	Categories      *[]string   `json:"categories"`
	ImageTextConfig *glossaries `json:"image_text_config"`
	URL             *string     `json:"url"`
	Image           *string     `json:"image"`
	BizType         *string     `json:"biz_type"`
	Language        *string     `json:"language"`
}

type imageDetail struct {
	Suggestion string  `json:"suggestion"`
	Category   string  `json:"category"`
	Confidence float32 `json:"confidence"`
	Label      string  `json:"label"`
}

type imageResult struct {
	Suggestion string        `json:"suggestion"`
	Category   string        `json:"category,omitempty"`
	Details    []imageDetail `json:"details"`
}

type imageResponse struct {
	RequestID string      `json:"request_id"`
	Result    imageResult `json:"result"`
}

// imageOptions validates what image and batch calls share and returns the
// categories to check.
func imageOptions(biz, event *string, cats *[]string, lang *string, gl *glossaries) ([]string, error) {
	if err := checkPolicy(biz, event, imageEventTypes); err != nil {
		return nil, err
	}
	if len(api.Deref(cats)) == 0 {
		return nil, catalog.E(catalog.KindMissingParam).Wrap(errors.New("categories is required when biz_type is absent"))
	}
	if l := api.Deref(lang); l != "" && l != "zh" {
		return nil, catalog.E(catalog.KindLanguage).Wrap(errors.New("language " + l))
	}
	if gl != nil && (len(api.Deref(gl.BlackGlossaryNames)) > 0 || len(api.Deref(gl.WhiteGlossaryNames)) > 0) {
		return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("custom glossaries are not supported"))
	}
	return pickCategories(*cats, imageCategories, nil)
}

// moderate checks one image's bytes. Only porn can be among cats (the
// others were refused), so the classifier is the whole check.
func (s *Service) moderate(ctx context.Context, data []byte) (imageResult, error) {
	img, err := imagecheck.Check(data, imagecheck.Moderation, imagecheck.InRequest(ctx))
	if err != nil {
		return imageResult{}, err
	}
	sc, err := s.cls.ClassifyImage(ctx, img.Image)
	if err != nil {
		if ctx.Err() != nil {
			return imageResult{}, ctx.Err()
		}
		return imageResult{}, catalog.E(catalog.KindRecognition).Wrap(err)
	}
	return s.imageVerdict(sc), nil
}

func (s *Service) imageVerdict(sc Scores) imageResult {
	res := imageResult{Suggestion: sugPass, Details: []imageDetail{}}
	for i, v := range s.opt.Thresholds.Judge(sc) {
		if i == 0 {
			res.Suggestion, res.Category = v.Suggestion, "porn"
		}
		res.Details = append(res.Details, imageDetail{Suggestion: v.Suggestion, Category: "porn", Confidence: conf(v.Confidence), Label: v.Label})
	}
	return res
}

func (s *Service) image(ctx context.Context, c *api.Call) (any, error) {
	var b imageBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	if _, err := imageOptions(b.BizType, b.EventType, b.Categories, b.Language, b.ImageTextConfig); err != nil {
		return nil, err
	}
	data, err := s.in.Resolve(ctx, c.ProjectID, c.Service, api.Deref(b.Image), api.Deref(b.URL))
	if err != nil {
		return nil, err
	}
	res, err := s.moderate(ctx, data)
	if err != nil {
		return nil, err
	}
	return imageResponse{RequestID: c.RequestID, Result: res}, nil
}

type batchURL struct {
	URL    string `json:"url"`
	DataID string `json:"data_id"`
}

type batchBody struct {
	EventType       *string     `json:"event_type"`
	Categories      *[]string   `json:"categories"`
	ImageTextConfig *glossaries `json:"image_text_config"`
	URLs            []batchURL  `json:"urls"`
	Language        *string     `json:"language"`
	BizType         *string     `json:"biz_type"`
}

type batchItem struct {
	Suggestion *string        `json:"suggestion,omitempty"`
	Category   *string        `json:"category,omitempty"`
	Details    *[]imageDetail `json:"details,omitempty"`
	DataID     string         `json:"data_id"`
	ErrorCode  *string        `json:"error_code,omitempty"`
	ErrorMsg   *string        `json:"error_msg,omitempty"`
}

type batchResponse struct {
	RequestID string      `json:"request_id"`
	Results   []batchItem `json:"results"`
}

// dataIDRe is the documented form of data_id.
var dataIDRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,30}$`)

// batchParallel bounds the downloads of one batch call in flight.
const batchParallel = 4

func (s *Service) imageBatch(ctx context.Context, c *api.Call) (any, error) {
	var b batchBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	if _, err := imageOptions(b.BizType, b.EventType, b.Categories, b.Language, b.ImageTextConfig); err != nil {
		return nil, err
	}
	if len(b.URLs) == 0 {
		return nil, catalog.E(catalog.KindMissingParam).Wrap(errors.New("urls is empty"))
	}
	if len(b.URLs) > s.opt.MaxBatch {
		return nil, catalog.E(catalog.KindBadParam).Wrap(fmt.Errorf("%d urls, at most %d", len(b.URLs), s.opt.MaxBatch))
	}
	seen := map[string]bool{}
	for _, u := range b.URLs {
		if !dataIDRe.MatchString(u.DataID) || seen[u.DataID] {
			return nil, catalog.E(catalog.KindBadParam).Wrap(fmt.Errorf("data_id %q missing, malformed or repeated", u.DataID))
		}
		seen[u.DataID] = true
		if u.URL == "" {
			return nil, catalog.E(catalog.KindMissingParam).Wrap(fmt.Errorf("url of %s is empty", u.DataID))
		}
	}
	out := make([]batchItem, len(b.URLs))
	sem := make(chan struct{}, batchParallel)
	var wg sync.WaitGroup
	for i, u := range b.URLs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = s.batchOne(ctx, c, u)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return batchResponse{RequestID: c.RequestID, Results: out}, nil
}

// batchOne moderates one url; its failure is reported in its item, not as
// the call's error.
func (s *Service) batchOne(ctx context.Context, c *api.Call, u batchURL) batchItem {
	it := batchItem{DataID: u.DataID}
	data, err := s.in.Resolve(ctx, c.ProjectID, c.Service, "", u.URL)
	var res imageResult
	if err == nil {
		res, err = s.moderate(ctx, data)
	}
	if err != nil {
		ce := catalog.Render(err, fam)
		s.log.Info("batch item failed", "request_id", c.RequestID, "data_id", u.DataID, "error_code", ce.Code, "err", err)
		it.ErrorCode, it.ErrorMsg = &ce.Code, &ce.Msg
		return it
	}
	it.Suggestion, it.Details = &res.Suggestion, &res.Details
	if res.Category != "" {
		it.Category = &res.Category
	}
	return it
}
