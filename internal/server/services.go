package server

import (
	"context"
	"errors"
	"fmt"
	"image"
	"net/netip"
	"path/filepath"
	"slices"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/models"
	"github.com/aisd/aisd/internal/platform/input"
	"github.com/aisd/aisd/internal/platform/obs"
	"github.com/aisd/aisd/internal/services/imagerec"
	"github.com/aisd/aisd/internal/services/moderation"
	"github.com/aisd/aisd/internal/services/ocr"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
	"github.com/aisd/aisd/internal/services/ocr/template"
)

// inputs builds the shared input resolver: SSRF-safe fetcher with the
// operator's allow-list, the object store, and the project agencies.
func (s *Server) inputs() (*input.Resolver, *input.Fetcher, obs.Store, error) {
	var cidrs []netip.Prefix
	for _, c := range s.Config.FetchAllowCIDRs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			if a, aerr := netip.ParseAddr(c); aerr == nil {
				p = netip.PrefixFrom(a, a.BitLen())
			} else {
				return nil, nil, nil, fmt.Errorf("fetch_allow_cidrs: %q: %w", c, err)
			}
		}
		cidrs = append(cidrs, p)
	}
	store, err := obs.Open(s.Config) // obs_endpoint, else obs_dir
	if err != nil {
		return nil, nil, nil, fmt.Errorf("object store: %w", err)
	}
	max := int64(s.Config.ServiceMaxMB) << 20
	fetch := input.NewFetcher(input.FetcherOptions{AllowCIDRs: cidrs, AllowHosts: s.Config.FetchAllowHosts, MaxBytes: max})
	return input.New(input.Options{
		Fetcher: fetch, OBS: store, MaxBytes: max,
		Agencies: func(ctx context.Context, projectID, service string) (bool, error) {
			return s.Store.HasAgency(ctx, projectID, service)
		},
	}), fetch, store, nil
}

// modelsManager is the one way engines reach their model files.
func (s *Server) modelsManager() *models.Manager {
	root := s.Config.ModelsDir
	if root == "" {
		root = models.DefaultRoot()
	}
	return models.Open(root)
}

// A module is an engine as the server assembles it: load its models and
// open it, hand over its handlers, close it at shutdown.
type module struct {
	name string
	load func(s *Server, mgr *models.Manager, in *input.Resolver) (engineModule, error)
}

// engineModule is an opened engine.
type engineModule interface {
	Handlers() map[string]api.Handler
	Close() error
}

// modules are the engines `engines:` in the configuration may name.
var modules = []module{
	{"ocr", loadOCR},
	{"moderation", loadModeration},
	{"image", loadImage},
}

// loadEngines starts the configured engines. An engine whose models fail
// verification is not started: its routes keep answering the family's
// "service not started" code, and the reason is logged.
func (s *Server) loadEngines(in *input.Resolver, handlers map[string]api.Handler) {
	mgr := s.modelsManager()
	for _, name := range s.Config.Engines {
		i := slices.IndexFunc(modules, func(m module) bool { return m.name == name })
		if i < 0 {
			s.log.Error("unknown engine in config", "engine", name)
			continue
		}
		eng, err := modules[i].load(s, mgr, in)
		if err != nil {
			s.log.Error("engine not started", "engine", name, "err", err)
			continue
		}
		s.closers = append(s.closers, eng.Close)
		for op, h := range eng.Handlers() {
			handlers[op] = h
		}
		s.engines = append(s.engines, name)
		s.log.Info("engine ready", "engine", name, "models", mgr.Root(), "onnxruntime", engine.Version())
	}
}

func (s *Server) engineOptions(pool int) engine.Options {
	return engine.Options{IntraOpThreads: s.Config.ORTThreads, PoolSize: pool}
}

func loadModeration(s *Server, mgr *models.Manager, in *input.Resolver) (engineModule, error) {
	// Videos, like images, are read through in: its object store,
	// agencies and fetch policy.
	opts := moderation.Options{
		Engine: s.engineOptions(2), Logger: s.log,
		TempDir:    filepath.Join(s.Config.DataDir, "tmp", "moderation"),
		Glossaries: moderation.NewGlossaries(s.Store),
		OCR:        s.moderationOCR,
	}
	svc, err := moderation.Load(mgr, in, s.Jobs, opts)
	if err != nil {
		// Text moderation needs no model: serve it anyway.
		s.log.Error("image and video moderation not started", "err", err)
		return moderation.New(nil, in, nil, opts)
	}
	return svc, nil
}

func loadImage(s *Server, mgr *models.Manager, in *input.Resolver) (engineModule, error) {
	svc, err := imagerec.Load(mgr, in, imagerec.Options{Engine: s.engineOptions(2), Galleries: s.galleries})
	if err != nil {
		return nil, err
	}
	s.faces = svc
	return svc, nil
}

// ocrModule is the OCR service with the pipeline it owns.
type ocrModule struct {
	*ocr.Service
	p *pipeline.Pipeline
}

func (m ocrModule) Close() error { return m.p.Close() }

// loadOCR opens the OCR engine when its models verify.
func loadOCR(s *Server, mgr *models.Manager, in *input.Resolver) (engineModule, error) {
	for _, f := range []struct{ name, file string }{
		{"onnxruntime", filepath.Base(engine.LibRel)},
		{"ppocr-v4", pipeline.DetFile}, {"ppocr-v4", pipeline.ClsFile}, {"ppocr-v4", pipeline.RecFile}, {"ppocr-v4", pipeline.DictFile},
	} {
		if _, err := mgr.Path(f.name, f.file); err != nil {
			return nil, fmt.Errorf("model check failed: %w", err)
		}
	}
	mode := s.Config.OCRMode
	if mode == "" {
		mode = "accurate"
	}
	cfg, ok := pipeline.Modes[mode]
	if !ok {
		return nil, fmt.Errorf("ocr_mode %q: want accurate or reference", mode)
	}
	p, err := pipeline.Load(mgr.Root(), cfg(), pipeline.LoadOptions{Options: s.engineOptions(1)})
	if err != nil {
		return nil, err
	}
	s.OCR = p
	return ocrModule{ocr.New(p, in).WithTemplates(s.Templates).WithVerifier(ocr.NewVerifier(s.Config.InvoiceVerifyURL, s.Config.InvoiceVerifyTimeout)), p}, nil
}

// moderationOCR is image_text's reader: the OCR engine's pipeline, when
// that engine started.
func (s *Server) moderationOCR() moderation.OCR {
	p := s.OCR
	if p == nil {
		return nil
	}
	return func(ctx context.Context, img image.Image) ([]string, error) {
		res, err := p.Run(ctx, img, pipeline.RunOptions{})
		if errors.Is(err, pipeline.ErrUnreadable) {
			return nil, nil // shapes like text (a QR code's modules), but no text
		}
		if err != nil {
			return nil, err
		}
		lines := make([]string, len(res.Lines))
		for i, l := range res.Lines {
			lines[i] = l.Text
		}
		return lines, nil
	}
}

// templates keeps the projects' custom OCR templates in the store; the
// OCR engine, once started, finds anchors given without a box.
func (s *Server) templates(in *input.Resolver) *template.Manager {
	return template.New(s.Store, template.Options{
		Projects: func(ctx context.Context, id string) error {
			_, err := s.Store.GetProject(ctx, id)
			return err
		},
		Input: in,
		OCR: func() template.Reader {
			p := s.OCR
			if p == nil {
				return nil
			}
			return func(ctx context.Context, img image.Image) ([]pipeline.Line, error) {
				res, err := p.Run(ctx, img, pipeline.RunOptions{CharBoxes: true})
				return res.Lines, err
			}
		},
	})
}
