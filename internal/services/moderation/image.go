package moderation

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"sync"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/platform/imagecheck"
)

// imageCategories: porn has a model here, image_text is OCR and QR codes
// moderated as text where an OCR engine is configured (see imageCats);
// terrorism and politics have none (see the package comment).
var imageCategories = map[string]bool{"porn": true, "terrorism": false, "politics": false, "image_text": true}

// videoImageCategories are what a video's frames are checked for.
var videoImageCategories = map[string]bool{"porn": true, "terrorism": false, "politics": false, "image_text": false}

// imageCats are the image categories this service can check: image_text
// only with an OCR engine.
func (s *Service) imageCats() map[string]bool {
	if s.ocr() != nil {
		return imageCategories
	}
	return videoImageCategories
}

// ocr is the configured OCR engine, nil when there is none.
func (s *Service) ocr() OCR {
	if s.opt.OCR == nil {
		return nil
	}
	return s.opt.OCR()
}

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
	Suggestion string        `json:"suggestion"`
	Category   string        `json:"category"`
	Confidence float32       `json:"confidence"`
	QrLocation *qrLocation   `json:"qr_location,omitempty"`
	QrContent  *string       `json:"qr_content,omitempty"`
	Segments   *[]ocrSegment `json:"segments,omitempty"`
	Label      string        `json:"label"`
}

type imageResult struct {
	Suggestion string        `json:"suggestion"`
	Category   string        `json:"category,omitempty"`
	Details    []imageDetail `json:"details"`
	// OcrText is the text image_text read, when it read any.
	OcrText string `json:"ocr_text,omitempty"`
}

// imageCheck is what a call asks of each image.
type imageCheck struct {
	cats         []string
	black, white []*compiledGlossary
}

func (c imageCheck) has(cat string) bool {
	for _, x := range c.cats {
		if x == cat {
			return true
		}
	}
	return false
}

type imageResponse struct {
	RequestID string      `json:"request_id"`
	Result    imageResult `json:"result"`
}

// imageOptions validates what image and batch calls share and returns
// what to check: the categories and image_text's glossaries (unknown
// names are the documented parameter error whatever the categories).
func (s *Service) imageOptions(ctx context.Context, project string, biz, event *string, cats *[]string, lang *string, gl *glossaries) (imageCheck, error) {
	if err := checkPolicy(biz, event, imageEventTypes); err != nil {
		return imageCheck{}, err
	}
	if len(api.Deref(cats)) == 0 {
		return imageCheck{}, catalog.E(catalog.KindMissingParam).Wrap(errors.New("categories is required when biz_type is absent"))
	}
	if l := api.Deref(lang); l != "" && l != "zh" {
		return imageCheck{}, catalog.E(catalog.KindLanguage).Wrap(errors.New("language " + l))
	}
	picked, err := pickCategories(*cats, s.imageCats(), nil)
	if err != nil {
		return imageCheck{}, err
	}
	ck := imageCheck{cats: picked}
	if gl != nil {
		if ck.black, err = s.opt.Glossaries.resolve(ctx, project, api.Deref(gl.BlackGlossaryNames), glossaryTypeBlack); err != nil {
			return imageCheck{}, err
		}
		if ck.white, err = s.opt.Glossaries.resolve(ctx, project, api.Deref(gl.WhiteGlossaryNames), glossaryTypeWhite); err != nil {
			return imageCheck{}, err
		}
	}
	return ck, nil
}

// moderate checks one image's bytes for the call's categories.
func (s *Service) moderate(ctx context.Context, data []byte, ck imageCheck) (imageResult, error) {
	img, err := imagecheck.Check(data, imagecheck.Moderation, imagecheck.InRequest(ctx))
	if err != nil {
		return imageResult{}, err
	}
	res := imageResult{Suggestion: sugPass, Details: []imageDetail{}}
	if ck.has("porn") {
		sc, err := s.cls.ClassifyImage(ctx, img.Image)
		if err != nil {
			if ctx.Err() != nil {
				return imageResult{}, ctx.Err()
			}
			return imageResult{}, catalog.E(catalog.KindRecognition).Wrap(err)
		}
		res.Details = append(res.Details, s.pornDetails(sc)...)
	}
	if ck.has(catImageText) {
		ocr := s.ocr()
		if ocr == nil { // the engine went away since the call was checked
			return imageResult{}, catalog.E(catalog.KindCategory).Wrap(errors.New("image_text: no OCR engine is running"))
		}
		ds, text, err := s.imageText(ctx, ocr, img.Image, ck.black, ck.white)
		if err != nil {
			if ctx.Err() != nil {
				return imageResult{}, ctx.Err()
			}
			return imageResult{}, catalog.E(catalog.KindRecognition).Wrap(err)
		}
		res.Details = append(res.Details, ds...)
		res.OcrText = text
	}
	// The most severe detail decides; porn's come first among equals.
	sort.SliceStable(res.Details, func(i, j int) bool {
		return severity(res.Details[i].Suggestion) > severity(res.Details[j].Suggestion)
	})
	if len(res.Details) > 0 {
		res.Suggestion, res.Category = res.Details[0].Suggestion, res.Details[0].Category
	}
	return res, nil
}

// pornDetails are the classifier's verdicts, most severe first.
func (s *Service) pornDetails(sc Scores) []imageDetail {
	var out []imageDetail
	for _, v := range s.opt.Thresholds.Judge(sc) {
		out = append(out, imageDetail{Suggestion: v.Suggestion, Category: "porn", Confidence: conf(v.Confidence), Label: v.Label})
	}
	return out
}

func (s *Service) image(ctx context.Context, c *api.Call) (any, error) {
	var b imageBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	ck, err := s.imageOptions(ctx, c.ProjectID, b.BizType, b.EventType, b.Categories, b.Language, b.ImageTextConfig)
	if err != nil {
		return nil, err
	}
	data, err := s.in.Resolve(ctx, c.ProjectID, c.Service, api.Deref(b.Image), api.Deref(b.URL))
	if err != nil {
		return nil, err
	}
	res, err := s.moderate(ctx, data, ck)
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
	OcrText    *string        `json:"ocr_text,omitempty"`
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
	ck, err := s.imageOptions(ctx, c.ProjectID, b.BizType, b.EventType, b.Categories, b.Language, b.ImageTextConfig)
	if err != nil {
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
			out[i] = s.batchOne(ctx, c, u, ck)
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
func (s *Service) batchOne(ctx context.Context, c *api.Call, u batchURL, ck imageCheck) batchItem {
	it := batchItem{DataID: u.DataID}
	data, err := s.in.Resolve(ctx, c.ProjectID, c.Service, "", u.URL)
	var res imageResult
	if err == nil {
		res, err = s.moderate(ctx, data, ck)
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
	if res.OcrText != "" {
		it.OcrText = &res.OcrText
	}
	return it
}
