package imagerec

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"sort"
	"strconv"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/image/v2/model"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/platform/imagecheck"
	"github.com/aisd/aisd/internal/services/imagerec/gallery"
	"github.com/aisd/aisd/internal/vision"
)

// faceImages are the limits of celebrity recognition and recapture
// detection (SDK model comments: JPG, PNG, BMP; 10 MB base64; shorter side
// at least 15 px, longer at most 4096 px).
var faceImages = imagecheck.Spec{Formats: []string{"jpeg", "png", "bmp"}, MinSide: 15, MaxSide: 4096}

// minFaceSide is the smallest face celebrity recognition identifies (the
// API reference: a face of at least 40×40 px); smaller faces are not
// answered.
const minFaceSide = 40

// Celebrity confidence: a logistic of the descriptors' cosine, placed from
// the measurement in docs/benchmarks-celebrity.md (same person: cosine
// 0.88 or more in 95% of probes; a stranger's nearest face: at most 0.61).
// The default threshold 0.9 is reached at cosine 0.80, 0.5 at 0.72.
const (
	cosMid   = 0.72
	cosSlope = 27.5
)

// celebrityConfidence maps a cosine to the API's 0–1 confidence.
func celebrityConfidence(cos float32) float32 {
	return float32(1 / (1 + math.Exp(-cosSlope*(float64(cos)-cosMid))))
}

// load resolves and checks one input image.
func (s *Service) load(ctx context.Context, c *api.Call, img, url *string, spec imagecheck.Spec) (image.Image, error) {
	data, err := s.in.Resolve(ctx, c.ProjectID, c.Service, api.Deref(img), api.Deref(url))
	if err != nil {
		return nil, err
	}
	ck, err := imagecheck.Check(data, spec, imagecheck.InRequest(ctx))
	if err != nil {
		return nil, err
	}
	return ck.Image, nil
}

// bigFaces keeps the faces whose box is at least side px on both axes,
// largest first.
func bigFaces(faces []vision.Face, side float32) []vision.Face {
	var out []vision.Face
	for _, f := range faces {
		if f.X2-f.X1 >= side && f.Y2-f.Y1 >= side {
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Area() > out[j].Area() })
	return out
}

// --- RunCelebrityRecognition -------------------------------------------

type celebrityBody = model.CelebrityRecognitionReq

type faceDetail struct {
	W int `json:"w"`
	H int `json:"h"`
	X int `json:"x"`
	Y int `json:"y"`
}

type celebrityItem struct {
	Confidence float64    `json:"confidence"`
	FaceDetail faceDetail `json:"face_detail"`
	Label      string     `json:"label"`
}

// errNoGallery is the answer for a project that enrolled nobody: the
// API's invalid-parameter code (AIS.0501), as the call cannot name anyone.
func errNoGallery() error {
	return catalog.E(catalog.KindBadParam).Wrap(errors.New("the project has no celebrity gallery with an enrolled face (aisd admin gallery)"))
}

func (s *Service) celebrity(ctx context.Context, c *api.Call) (any, error) {
	var b celebrityBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	threshold := 0.9
	if b.Threshold != nil {
		t := float64(*b.Threshold)
		if math.IsNaN(t) || t < 0 || t > 1 {
			return nil, badParam("threshold %v is outside 0-1", t)
		}
		threshold = t
	}
	var galleries []gallery.Gallery
	if s.galleries != nil {
		var err error
		if galleries, err = s.galleries.List(ctx, c.ProjectID); err != nil {
			// The API's own internal-error code: the store failed.
			return nil, catalog.New(catalog.AIS0506).Wrap(err)
		}
	}
	model := s.DescriptorModel()
	if !gallery.Enrolled(galleries, model) {
		return nil, errNoGallery()
	}
	img, err := s.load(ctx, c, b.Image, b.Url, faceImages)
	if err != nil {
		return nil, err
	}
	faces, err := s.faces.Detect(ctx, img)
	if err != nil {
		return nil, err
	}
	out := []celebrityItem{}
	for _, f := range bigFaces(faces, minFaceSide) {
		d, err := s.embed.Embed(ctx, img, f)
		if err != nil {
			return nil, err
		}
		m, ok := gallery.Best(galleries, model, d)
		if !ok {
			continue
		}
		conf := celebrityConfidence(m.Cosine)
		if float64(conf) < threshold {
			continue
		}
		x1, y1 := math.Round(float64(f.X1)), math.Round(float64(f.Y1))
		out = append(out, celebrityItem{
			Confidence: math.Round(float64(conf)*10000) / 10000,
			FaceDetail: faceDetail{W: int(math.Round(float64(f.X2)) - x1), H: int(math.Round(float64(f.Y2)) - y1), X: int(x1), Y: int(y1)},
			Label:      m.Label,
		})
	}
	return envelope[[]celebrityItem]{Result: out}, nil
}

// DescriptorModel names the face descriptor galleries are built with.
func (s *Service) DescriptorModel() string { return FaceEmbedderModel }

// Enroll gives the descriptor of the one face of an enrolment photo: the
// photo must pass the celebrity image limits and show exactly one face
// of at least 40 px (a second, clearly smaller face in the background is
// ignored).
func (s *Service) Enroll(ctx context.Context, data []byte) (gallery.Vector, error) {
	if s.faces == nil {
		return nil, catalog.E(catalog.KindServiceNotFound)
	}
	ck, err := imagecheck.Check(data, faceImages, imagecheck.InRequest(ctx))
	if err != nil {
		return nil, err
	}
	faces, err := s.faces.Detect(ctx, ck.Image)
	if err != nil {
		return nil, err
	}
	big := bigFaces(faces, minFaceSide)
	switch {
	case len(big) == 0:
		return nil, &gallery.PhotoError{Reason: fmt.Sprintf("shows no face of at least %d px", minFaceSide)}
	case len(big) > 1 && big[1].Area() > big[0].Area()/4:
		return nil, &gallery.PhotoError{Reason: fmt.Sprintf("shows %d faces; enrol a photo of the one person", len(big))}
	}
	d, err := s.embed.Embed(ctx, ck.Image, big[0])
	if err != nil {
		return nil, err
	}
	return gallery.Vector(d), nil
}

// --- RunRecaptureDetect ------------------------------------------------

type recaptureBody = model.RecaptureDetectReq

type recaptureDetail struct {
	Label      string `json:"label"`
	Confidence string `json:"confidence"`
}

type recaptureResult struct {
	Suggestion string            `json:"suggestion"`
	Category   string            `json:"category"`
	Score      string            `json:"score"`
	Detail     []recaptureDetail `json:"detail"`
}

// recaptureDefault is the API's default threshold; the reference says a
// value outside (0, 1) is replaced by it rather than refused.
const recaptureDefault = 0.95

// minSpoofFace is the smallest face the liveness classifier judges: its
// input is 32 px; smaller faces would be upscaled into it.
const minSpoofFace = 32

func prob(v float32) string { return strconv.FormatFloat(float64(v), 'f', 4, 32) }

// recapture judges whether the photo is a recapture (a photo of a screen
// or a print) from its largest face: the open liveness classifier here
// judges faces only. Without a face of at least 32 px it cannot judge,
// and answers "uncertainty" with score 0 and no detail.
func (s *Service) recapture(ctx context.Context, c *api.Call) (any, error) {
	var b recaptureBody
	if err := c.DecodeJSON(&b); err != nil {
		return nil, err
	}
	threshold := recaptureDefault
	if b.Threshold != nil {
		if t := float64(*b.Threshold); t > 0 && t < 1 {
			threshold = t
		}
	}
	img, err := s.load(ctx, c, b.Image, b.Url, faceImages)
	if err != nil {
		return nil, err
	}
	faces, err := s.faces.Detect(ctx, img)
	if err != nil {
		return nil, err
	}
	big := bigFaces(faces, minSpoofFace)
	if len(big) == 0 {
		return envelope[recaptureResult]{Result: recaptureResult{Suggestion: "uncertainty", Category: "recapture", Score: prob(0), Detail: []recaptureDetail{}}}, nil
	}
	live, err := s.spoof.Live(ctx, img, big[0])
	if err != nil {
		return nil, err
	}
	live = min(max(live, 0), 1)
	return envelope[recaptureResult]{Result: judgeRecapture(live, threshold)}, nil
}

// judgeRecapture turns the live-face probability into the API's answer:
// "true" (original) when it reaches the threshold, "false" (recapture)
// when its complement does, else "uncertainty".
func judgeRecapture(live float32, threshold float64) recaptureResult {
	orig := recaptureDetail{Label: "original", Confidence: prob(live)}
	rec := recaptureDetail{Label: "recapture", Confidence: prob(1 - live)}
	r := recaptureResult{Detail: []recaptureDetail{orig, rec}, Score: prob(max(live, 1-live))}
	if live < 1-live {
		r.Detail = []recaptureDetail{rec, orig}
	}
	switch {
	case float64(live) >= threshold:
		r.Suggestion, r.Category, r.Score = "true", "", prob(live)
	case float64(1-live) >= threshold:
		r.Suggestion, r.Category, r.Score = "false", "recapture", prob(1-live)
	default:
		r.Suggestion, r.Category = "uncertainty", "recapture"
	}
	return r
}
