// Package imagerec serves the Image Recognition APIs (SDK image/v2) that
// open models can answer honestly: image tagging, media tagging, media
// tagging with boxes and main-object detection on a COCO-80 detector;
// celebrity recognition over the galleries a project enrols (package
// gallery) with a face detector and descriptor; recapture detection with
// a face liveness classifier.
//
// A tag's confidence is calibrated (labels.Calibration): the probability
// that a person tags the photo with the class, from the detector's
// evidence, so the cloud's default thresholds keep a photo's subjects.
// Tags are named from a reviewed zh/en table (package labels). No
// whole-scene tag is derived: which objects are present does not say what
// the scene is.
package imagerec

import (
	"context"
	"fmt"
	"image"
	"math"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/image/v2/model"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/models"
	"github.com/aisd/aisd/internal/platform/imagecheck"
	"github.com/aisd/aisd/internal/platform/input"
	"github.com/aisd/aisd/internal/services/imagerec/gallery"
	"github.com/aisd/aisd/internal/services/imagerec/labels"
	"github.com/aisd/aisd/internal/vision"
)

// Model is the detector every API here runs on.
const Model = "centernet"

// ModelFile is the converted graph inside the model's directory.
const ModelFile = "model.onnx"

// Image limits of the APIs that do not share the tagging limits (SDK model
// comments and API reference: 1–10000 px; JPEG, PNG, BMP, WEBP).
var largeImages = imagecheck.Spec{Formats: []string{"jpeg", "png", "bmp", "webp"}, MinSide: 1, MaxSide: 10000}

// minScoreFloor keeps threshold 0 from returning the detector's padding
// rows, which score 0.
const minScoreFloor = 0.01

// Options tune Load.
type Options struct {
	// Engine sizes the detector's session pool and threads.
	Engine engine.Options
	// Galleries holds the projects' celebrity galleries; nil answers
	// celebrity recognition as for a project without one.
	Galleries *gallery.Store
}

// Service holds the Image Recognition handlers.
type Service struct {
	det    Detector
	labels []labels.Label
	in     *input.Resolver
	close  func() error

	// Face models; nil when the service was built without them (New).
	faces     *FaceDetector
	embed     *FaceEmbedder
	spoof     *Liveness
	galleries *gallery.Store
}

// New returns the service over any detector whose class indexes address
// ls. Load builds the real one.
func New(det Detector, ls []labels.Label, in *input.Resolver) *Service {
	return &Service{det: det, labels: ls, in: in, close: func() error { return nil }}
}

// Load opens the CenterNet detector through the model manager, after the
// manager verified its files, and checks that every class has a reviewed
// tag name.
func Load(mgr *models.Manager, in *input.Resolver, opts Options) (*Service, error) {
	lib, err := mgr.Path("onnxruntime", filepath.Base(engine.LibRel))
	if err != nil {
		return nil, err
	}
	if err := engine.Init(lib); err != nil {
		return nil, err
	}
	path, err := mgr.Path(Model, ModelFile)
	if err != nil {
		return nil, err
	}
	classes, err := mgr.Labels(Model)
	if err != nil {
		return nil, err
	}
	ls, err := labels.For(classes)
	if err != nil {
		return nil, err
	}
	// Every model file is verified before any session opens.
	paths := map[string]string{}
	for _, name := range []string{FaceDetectorModel, FaceEmbedderModel, LivenessModel} {
		if paths[name], err = mgr.Path(name, ModelFile); err != nil {
			return nil, err
		}
	}
	var closers []func() error
	closeAll := func() error {
		var first error
		for _, c := range closers {
			if err := c(); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	m, err := engine.Open(path, opts.Engine)
	if err != nil {
		return nil, err
	}
	det, err := NewCenterNet(m, len(ls))
	if err != nil {
		m.Close()
		return nil, err
	}
	closers = append(closers, det.Close)
	s := New(det, ls, in)
	s.galleries = opts.Galleries
	open := func(name string) (*engine.Model, error) {
		m, err := engine.Open(paths[name], opts.Engine)
		if err != nil {
			closeAll()
			return nil, err
		}
		closers = append(closers, m.Close)
		return m, nil
	}
	fm, err := open(FaceDetectorModel)
	if err != nil {
		return nil, err
	}
	if s.faces, err = NewFaceDetector(fm); err != nil {
		closeAll()
		return nil, err
	}
	em, err := open(FaceEmbedderModel)
	if err != nil {
		return nil, err
	}
	if s.embed, err = NewFaceEmbedder(em); err != nil {
		closeAll()
		return nil, err
	}
	am, err := open(LivenessModel)
	if err != nil {
		return nil, err
	}
	if s.spoof, err = NewLiveness(am); err != nil {
		closeAll()
		return nil, err
	}
	s.close = closeAll
	return s, nil
}

// Close releases the detector.
func (s *Service) Close() error { return s.close() }

// Handlers maps SDK operation names to handlers.
// Celebrity recognition and recapture detection need the face models
// (Load opens them; New does not).
func (s *Service) Handlers() map[string]api.Handler {
	h := map[string]api.Handler{
		"RunImageTagging":             s.tagging,
		"RunImageMediaTagging":        s.mediaTagging,
		"RunImageMediaTaggingDet":     s.mediaTaggingDet,
		"RunImageMainObjectDetection": s.mainObject,
	}
	if s.faces != nil {
		h["RunCelebrityRecognition"] = s.celebrity
		h["RunRecaptureDetect"] = s.recapture
	}
	return h
}

// params are the shared tagging parameters after validation.
type params struct {
	lang      string
	threshold float64 // 0..100
	limit     int
}

// limits are one API's documented defaults and bounds.
type limits struct {
	threshold float64
	limit     int32
	maxLimit  int32
}

var (
	taggingLimits    = limits{threshold: 60, limit: 50, maxLimit: 150}
	mediaLimits      = limits{threshold: 60, limit: 10, maxLimit: 150}
	mediaDetLimits   = limits{threshold: 20, limit: 10, maxLimit: 50}
	mainObjectLimits = limits{threshold: 30}
)

func badParam(format string, a ...any) error {
	return catalog.E(catalog.KindBadParam).Wrap(fmt.Errorf(format, a...))
}

func checkThreshold(t *float32, def float64) (float64, error) {
	if t == nil {
		return def, nil
	}
	v := float64(*t)
	if math.IsNaN(v) || v < 0 || v > 100 {
		return 0, badParam("threshold %v is outside 0-100", v)
	}
	return v, nil
}

func (l limits) check(lang *string, threshold *float32, limit *int32) (params, error) {
	p := params{lang: api.Deref(lang)}
	switch p.lang {
	case "":
		p.lang = "zh"
	case "zh", "en":
	default:
		return p, catalog.E(catalog.KindLanguage).Wrap(fmt.Errorf("language %q is neither zh nor en", p.lang))
	}
	var err error
	if p.threshold, err = checkThreshold(threshold, l.threshold); err != nil {
		return p, err
	}
	n := l.limit
	if limit != nil {
		n = *limit
	}
	if n < 1 || n > l.maxLimit {
		return p, badParam("limit %d is outside 1-%d", n, l.maxLimit)
	}
	p.limit = int(n)
	return p, nil
}

// detect resolves, checks and runs one input image.
func (s *Service) detect(ctx context.Context, c *api.Call, img, url *string, spec imagecheck.Spec, threshold float64) ([]vision.Detection, image.Rectangle, error) {
	data, err := s.in.Resolve(ctx, c.ProjectID, c.Service, api.Deref(img), api.Deref(url))
	if err != nil {
		return nil, image.Rectangle{}, err
	}
	ck, err := imagecheck.Check(data, spec, imagecheck.InRequest(ctx))
	if err != nil {
		return nil, image.Rectangle{}, sizeErr(err, data, spec)
	}
	dets, err := s.det.Detect(ctx, ck.Image, float32(max(threshold/100, minScoreFloor)))
	if err != nil {
		return nil, image.Rectangle{}, err
	}
	// The floor above already applied; the threshold is compared in
	// float64 so 60 keeps a score of exactly 0.6.
	kept := dets[:0]
	for _, d := range dets {
		if float64(d.Score)*100 >= threshold-1e-9 && d.Class >= 0 && d.Class < len(s.labels) {
			kept = append(kept, d)
		}
	}
	return kept, image.Rect(0, 0, ck.Width, ck.Height), nil
}

// tag is one detector class present in the image.
type tag struct {
	label labels.Label
	conf  float64            // calibrated tag confidence, 0..1
	dets  []vision.Detection // its instances, by descending score
}

// calibration is the shipped tag confidence calibration.
var calibration = func() labels.Calibration {
	c, err := labels.DefaultCalibration()
	if err != nil {
		panic(err) // an embedded file: caught by the package's tests
	}
	return c
}()

// rawFloor is the detector score under which a detection is not
// evidence for a tag at all.
const rawFloor = 0.1

// TagEvidence is one class's evidence in an image, as the calibration
// reads it.
func TagEvidence(dets []vision.Detection, frame image.Rectangle, floor float64) labels.Features {
	var f labels.Features
	area := float64(max(1, frame.Dx()*frame.Dy()))
	for _, d := range dets {
		if float64(d.Score) > f.Score {
			f.Score, f.AreaShare = float64(d.Score), float64(d.Area())/area
		}
		if float64(d.Score) >= floor {
			f.Count++
		}
	}
	return f
}

// ByClass groups detections by class, keeping each class's detections in
// descending score order, classes in order of first appearance.
func ByClass(dets []vision.Detection) (classes []int, byClass map[int][]vision.Detection) {
	byClass = map[int][]vision.Detection{}
	for _, d := range dets {
		if _, ok := byClass[d.Class]; !ok {
			classes = append(classes, d.Class)
		}
		byClass[d.Class] = append(byClass[d.Class], d)
	}
	for _, c := range classes {
		ds := byClass[c]
		sort.SliceStable(ds, func(i, j int) bool { return ds[i].Score > ds[j].Score })
	}
	return classes, byClass
}

// group turns detections into tags: one per class, its confidence
// calibrated from the class's evidence, those at or over threshold
// (0..100), strongest first, the first limit. A tag lists the instances
// scoring at least the calibration's count floor, and always its best.
func (s *Service) group(dets []vision.Detection, frame image.Rectangle, threshold float64, limit int) []tag {
	classes, byClass := ByClass(dets)
	var out []tag
	for _, c := range classes {
		ds := byClass[c]
		conf := calibration.Confidence(TagEvidence(ds, frame, calibration.CountFloor))
		if conf*100 < threshold-1e-9 {
			continue
		}
		kept := ds[:1]
		for _, d := range ds[1:] {
			if float64(d.Score) >= calibration.CountFloor {
				kept = append(kept, d)
			}
		}
		out = append(out, tag{label: s.labels[c], conf: conf, dets: kept})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].conf != out[j].conf {
			return out[i].conf > out[j].conf
		}
		return out[i].label.Class < out[j].label.Class
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// confidence renders a 0..1 score as the cloud's 0..100 string with one
// decimal ("98.3"): the SDK decodes confidences as strings.
func confidence(score float32) string {
	return strconv.FormatFloat(float64(score)*100, 'f', 1, 64)
}

// tagConfidence renders a calibrated 0..1 confidence the same way.
func tagConfidence(c float64) string { return strconv.FormatFloat(c*100, 'f', 1, 64) }

// round2 keeps two decimals of a float box coordinate.
func round2(v float32) float64 { return math.Round(float64(v)*100) / 100 }

type i18n struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

func i18nOf(t labels.Text) *i18n { return &i18n{Zh: t.Zh, En: t.En} }

// --- RunImageTagging ---------------------------------------------------

// The request bodies are the SDK's own models, field for field; tagging,
// media tagging and media tagging with detection take the same fields.
type taggingBody = model.ImageTaggingReq

type floatBox struct {
	Width    float64 `json:"width"`
	Height   float64 `json:"height"`
	TopLeftX float64 `json:"top_left_x"`
	TopLeftY float64 `json:"top_left_y"`
}

type floatInstance struct {
	BoundingBox floatBox `json:"bounding_box"`
	Confidence  string   `json:"confidence"`
}

type taggingItem struct {
	Confidence string          `json:"confidence"`
	Type       string          `json:"type"`
	Tag        string          `json:"tag"`
	I18nTag    *i18n           `json:"i18n_tag"`
	I18nType   *i18n           `json:"i18n_type"`
	Instances  []floatInstance `json:"instances"`
}

type tagsResult[T any] struct {
	Tags []T `json:"tags"`
}

type envelope[T any] struct {
	Result T `json:"result"`
}

func (s *Service) tagging(ctx context.Context, c *api.Call) (any, error) {
	var b taggingBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, err := taggingLimits.check(b.Language, b.Threshold, b.Limit)
	if err != nil {
		return nil, err
	}
	dets, frame, err := s.detect(ctx, c, b.Image, b.Url, imagecheck.ImageTagging, rawFloor*100)
	if err != nil {
		return nil, err
	}
	out := tagsResult[taggingItem]{Tags: []taggingItem{}}
	for _, t := range s.group(dets, frame, p.threshold, p.limit) {
		it := taggingItem{
			Confidence: tagConfidence(t.conf),
			Type:       t.label.Type.In(p.lang),
			Tag:        t.label.Tag.In(p.lang),
			I18nTag:    i18nOf(t.label.Tag),
			I18nType:   i18nOf(t.label.Type),
			Instances:  []floatInstance{},
		}
		for _, d := range t.dets {
			it.Instances = append(it.Instances, floatInstance{
				BoundingBox: floatBox{Width: round2(d.X2 - d.X1), Height: round2(d.Y2 - d.Y1), TopLeftX: round2(d.X1), TopLeftY: round2(d.Y1)},
				Confidence:  confidence(d.Score),
			})
		}
		out.Tags = append(out.Tags, it)
	}
	return envelope[tagsResult[taggingItem]]{Result: out}, nil
}

// --- RunImageMediaTagging ----------------------------------------------

type mediaItem struct {
	Confidence string        `json:"confidence"`
	Type       string        `json:"type"`
	Tag        string        `json:"tag"`
	I18nTag    *i18n         `json:"i18n_tag"`
	I18nType   *i18n         `json:"i18n_type"`
	Instances  []intInstance `json:"instances"`
}

type intBox struct {
	Width    int32 `json:"width"`
	Height   int32 `json:"height"`
	TopLeftX int32 `json:"top_left_x"`
	TopLeftY int32 `json:"top_left_y"`
}

type intInstance struct {
	BoundingBox intBox `json:"bounding_box"`
	Confidence  string `json:"confidence"`
}

func intBoxOf(d vision.Detection) intBox {
	x1, y1 := math.Round(float64(d.X1)), math.Round(float64(d.Y1))
	x2, y2 := math.Round(float64(d.X2)), math.Round(float64(d.Y2))
	return intBox{Width: int32(x2 - x1), Height: int32(y2 - y1), TopLeftX: int32(x1), TopLeftY: int32(y1)}
}

// mediaTagging answers the media-tagging shape. Its reference keeps
// instances only for compatibility with tagging v2 and leaves it empty.
func (s *Service) mediaTagging(ctx context.Context, c *api.Call) (any, error) {
	out, err := s.mediaTaggingAnswer(ctx, c)
	return out, mediaErr(err)
}

func (s *Service) mediaTaggingAnswer(ctx context.Context, c *api.Call) (any, error) {
	var b taggingBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, err := mediaLimits.check(b.Language, b.Threshold, b.Limit)
	if err != nil {
		return nil, err
	}
	dets, frame, err := s.detect(ctx, c, b.Image, b.Url, imagecheck.ImageTagging, rawFloor*100)
	if err != nil {
		return nil, err
	}
	out := tagsResult[mediaItem]{Tags: []mediaItem{}}
	for _, t := range s.group(dets, frame, p.threshold, p.limit) {
		out.Tags = append(out.Tags, mediaItem{
			Confidence: tagConfidence(t.conf),
			Type:       t.label.Type.In(p.lang),
			Tag:        t.label.Tag.In(p.lang),
			I18nTag:    i18nOf(t.label.Tag),
			I18nType:   i18nOf(t.label.Type),
			Instances:  []intInstance{},
		})
	}
	return envelope[tagsResult[mediaItem]]{Result: out}, nil
}

// --- RunImageMediaTaggingDet -------------------------------------------

type mediaDetItem struct {
	Confidence string        `json:"confidence"`
	Type       string        `json:"type"`
	Tag        string        `json:"tag"`
	I18nTag    *i18n         `json:"i18n_tag"`
	Instances  []intInstance `json:"instances"`
}

func (s *Service) mediaTaggingDet(ctx context.Context, c *api.Call) (any, error) {
	out, err := s.mediaTaggingDetAnswer(ctx, c)
	return out, mediaErr(err)
}

func (s *Service) mediaTaggingDetAnswer(ctx context.Context, c *api.Call) (any, error) {
	var b taggingBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	p, err := mediaDetLimits.check(b.Language, b.Threshold, b.Limit)
	if err != nil {
		return nil, err
	}
	dets, frame, err := s.detect(ctx, c, b.Image, b.Url, largeImages, rawFloor*100)
	if err != nil {
		return nil, err
	}
	out := tagsResult[mediaDetItem]{Tags: []mediaDetItem{}}
	for _, t := range s.group(dets, frame, p.threshold, p.limit) {
		it := mediaDetItem{
			Confidence: tagConfidence(t.conf),
			Type:       t.label.Type.In(p.lang),
			Tag:        t.label.Tag.In(p.lang),
			I18nTag:    i18nOf(t.label.Tag),
			Instances:  []intInstance{},
		}
		for _, d := range t.dets {
			it.Instances = append(it.Instances, intInstance{BoundingBox: intBoxOf(d), Confidence: confidence(d.Score)})
		}
		out.Tags = append(out.Tags, it)
	}
	return envelope[tagsResult[mediaDetItem]]{Result: out}, nil
}

// --- RunImageMainObjectDetection ---------------------------------------

type mainObjectBody = model.ImageMainObjectDetectionReq

// stringBox is the main-object location: the reference types every
// coordinate as a string ("139.58").
type stringBox struct {
	Width    string `json:"width"`
	Height   string `json:"height"`
	TopLeftX string `json:"top_left_x"`
	TopLeftY string `json:"top_left_y"`
}

type mainObject struct {
	Label      string    `json:"label"`
	Location   stringBox `json:"location"`
	Confidence string    `json:"confidence"`
}

// Labels of the main-object answer: the one main subject, and the other
// (edge) subjects.
const (
	labelMain  = "main_object_box"
	labelOther = "bounding_box"
)

// subjectIoU merges boxes of one object that the detector gave two
// classes (car and truck); main-object detection answers boxes, not
// classes.
const subjectIoU = 0.6

// prominence ranks candidate main subjects: a confident detection that
// covers more of the frame wins, with area damped by a square root so a
// faint huge box does not beat a clear mid-sized one.
func prominence(d vision.Detection, frame image.Rectangle) float64 {
	area := float64(d.Area()) / float64(max(1, frame.Dx()*frame.Dy()))
	return float64(d.Score) * math.Sqrt(area)
}

func str2(v float32) string { return strconv.FormatFloat(round2(v), 'f', 2, 64) }

func (s *Service) mainObject(ctx context.Context, c *api.Call) (any, error) {
	var b mainObjectBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	threshold, err := checkThreshold(b.Threshold, mainObjectLimits.threshold)
	if err != nil {
		return nil, err
	}
	dets, frame, err := s.detect(ctx, c, b.Image, b.Url, largeImages, threshold)
	if err != nil {
		return nil, err
	}
	dets = vision.NMS(dets, subjectIoU, false, 0)
	out := []mainObject{}
	if len(dets) == 0 {
		return envelope[[]mainObject]{Result: out}, nil
	}
	best := 0
	for i, d := range dets {
		if prominence(d, frame) > prominence(dets[best], frame) {
			best = i
		}
	}
	add := func(d vision.Detection, label string) {
		out = append(out, mainObject{
			Label:      label,
			Location:   stringBox{Width: str2(d.X2 - d.X1), Height: str2(d.Y2 - d.Y1), TopLeftX: str2(d.X1), TopLeftY: str2(d.Y1)},
			Confidence: confidence(d.Score),
		})
	}
	add(dets[best], labelMain)
	for i, d := range dets {
		if i != best {
			add(d, labelOther)
		}
	}
	return envelope[[]mainObject]{Result: out}, nil
}
