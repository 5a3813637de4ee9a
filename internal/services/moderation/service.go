// Package moderation serves Content Moderation v3: image and batch image
// moderation over the nsfwjs MobileNetV2 classifier, lexicon-based text
// moderation, and asynchronous video jobs (frames sampled with ffmpeg and
// moderated like images). Request and response shapes are those of the
// SDK's moderation/v3 models.
//
// What aisd can check: images and video frames for the porn category,
// images for image_text (OCR and QR codes, moderated as text) where the
// OCR engine runs, text for politics, terrorism, porn, ban, abuse and ad.
// Categories the API documents but no open model here covers (image
// terrorism/politics, every audio category) are refused with AIS.0005 when
// a request names them, never answered with an unchecked "pass". Audio
// jobs are therefore refused at creation.
package moderation

import (
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/jobs"
	"github.com/aisd/aisd/internal/models"
	"github.com/aisd/aisd/internal/platform/input"
)

// fam is the family moderation's answers belong to: its routes declare it in
// the route table; this declares it for what is answered inside a result
// body (batch items) and for the video job's stored errors.
const fam = catalog.FamilyModeration

// Job kinds registered with the runner.
const (
	KindVideo = "moderation.video"
	KindAudio = "moderation.audio"
)

// Options configures the service; zero fields take the defaults noted.
type Options struct {
	// Thresholds of the NSFW classifier; default DefaultThresholds().
	Thresholds *Thresholds
	// Engine tunes the ONNX sessions (PoolSize bounds concurrent frames).
	Engine engine.Options
	// Images and videos alike come through the input resolver New is
	// given: its object store and agencies serve obs:// (and OBS-style
	// https) URLs, its fetcher downloads the others and vets callback
	// URLs. Only the video's limits are the service's own:
	//
	// MaxVideoBytes caps a video download; default 300 MB (the API's limit).
	MaxVideoBytes int64
	// DownloadTimeout bounds a video download, so a trickling server cannot
	// hold a job worker for hours; default 30 min.
	DownloadTimeout time.Duration
	// MaxVideoDuration caps a video's length; default 2 h.
	MaxVideoDuration time.Duration
	// FFmpeg and FFprobe are the binaries; default looked up in PATH.
	FFmpeg, FFprobe string
	// TempDir holds videos while they are analysed; default
	// <os.TempDir()>/aisd-moderation.
	TempDir string
	// MaxBatch caps the urls of one batch image call; default 10.
	MaxBatch int
	// Glossaries serves glossary_names / white_glossary_names; nil: naming
	// a glossary is the request's parameter error.
	Glossaries *Glossaries
	// OCR returns the OCR engine image_text reads images with, nil while
	// there is none (then image_text is refused like a category without a
	// model). A function, as the engines start in turn.
	OCR    func() OCR
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Thresholds == nil {
		t := DefaultThresholds()
		o.Thresholds = &t
	}
	if o.MaxVideoBytes <= 0 {
		o.MaxVideoBytes = 300 << 20
	}
	if o.DownloadTimeout <= 0 {
		o.DownloadTimeout = 30 * time.Minute
	}
	if o.MaxVideoDuration <= 0 {
		o.MaxVideoDuration = 2 * time.Hour
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 10
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Service holds the moderation handlers.
type Service struct {
	opt     Options
	log     *slog.Logger
	in      *input.Resolver
	cls     *Classifier
	model   *engine.Model
	textDet *TextDetector
	runner  *jobs.Runner
	// videoErr says why video jobs cannot run (ffmpeg missing); jobs
	// submitted anyway fail with it.
	videoErr error
}

// Load opens the NSFW model through the manager, builds the text detector
// and, when runner is not nil, registers the video job handler with it
// (call before runner.Start). Without ffmpeg the service still loads: it
// logs that video jobs will fail, and they fail with AIS.0709 saying so.
func Load(mgr *models.Manager, in *input.Resolver, runner *jobs.Runner, opts Options) (*Service, error) {
	opts = opts.withDefaults()
	lib, err := mgr.Path("onnxruntime", filepath.Base(engine.LibRel))
	if err != nil {
		return nil, err
	}
	if err := engine.Init(lib); err != nil {
		return nil, err
	}
	path, err := mgr.Path(NSFWModel, NSFWFile)
	if err != nil {
		return nil, err
	}
	labels, err := mgr.Labels(NSFWModel)
	if err != nil {
		return nil, err
	}
	m, err := engine.Open(path, opts.Engine)
	if err != nil {
		return nil, err
	}
	cls, err := NewClassifier(m, labels)
	if err != nil {
		m.Close()
		return nil, err
	}
	s, err := New(cls, in, runner, opts)
	if err != nil {
		m.Close()
		return nil, err
	}
	s.model = m
	return s, nil
}

// New builds the service over an already opened classifier (Load does this
// from the model manager) and the input resolver every image and video is
// read through (nil: one with the default policy and no object store).
// With a nil classifier only text moderation is served.
func New(cls *Classifier, in *input.Resolver, runner *jobs.Runner, opts Options) (*Service, error) {
	opts = opts.withDefaults()
	if in == nil {
		in = input.New(input.Options{})
	}
	td, err := NewTextDetector()
	if err != nil {
		return nil, err
	}
	s := &Service{opt: opts, log: opts.Logger.With("service", "moderation"), in: in, cls: cls, textDet: td, runner: runner}
	if s.opt.FFmpeg, err = lookTool(s.opt.FFmpeg, "ffmpeg"); err == nil {
		s.opt.FFprobe, err = lookTool(s.opt.FFprobe, "ffprobe")
	}
	if err != nil {
		s.videoErr = err
		s.log.Warn("video moderation jobs will fail: "+err.Error(), "hint", "install the ffmpeg package")
	}
	if runner != nil && cls != nil {
		runner.Register(KindVideo, s.runVideo, catalog.Renderer(fam))
		s.removeStale()
	}
	return s, nil
}

func lookTool(path, name string) (string, error) {
	if path == "" {
		path = name
	}
	p, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("%s is not installed on the server", name)
	}
	return p, nil
}

// VideoUnavailable says why video jobs cannot run, or nil.
func (s *Service) VideoUnavailable() error { return s.videoErr }

// Handlers maps SDK operation names to handlers. Text moderation is always
// served; image and video need the classifier, and the job APIs a runner.
func (s *Service) Handlers() map[string]api.Handler {
	h := map[string]api.Handler{"RunTextModeration": s.text}
	if s.cls == nil {
		return h
	}
	h["CheckImageModeration"] = s.image
	h["BatchCheckImageSync"] = s.imageBatch
	if s.runner != nil {
		h["RunCreateVideoModerationJob"] = s.createVideo
		h["RunQueryVideoModerationJob"] = s.queryVideo
		h["RunCreateAudioModerationJob"] = s.createAudio
		h["RunQueryAudioModerationJob"] = s.queryAudio
	}
	return h
}

// Close releases the model Load opened.
func (s *Service) Close() error {
	if s.model == nil {
		return nil
	}
	err := s.model.Close()
	if errors.Is(err, engine.ErrClosed) {
		return nil
	}
	return err
}
