package server

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/models"
	"github.com/aisd/aisd/internal/platform/input"
	"github.com/aisd/aisd/internal/platform/obs"
	"github.com/aisd/aisd/internal/services/imagerec"
	"github.com/aisd/aisd/internal/services/moderation"
	"github.com/aisd/aisd/internal/services/ocr"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
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
	dir := s.Config.OBSDir
	if dir == "" {
		dir = filepath.Join(s.Config.DataDir, "obs")
	}
	store, err := obs.NewLocal(dir)
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

// loadEngines starts the configured engines. An engine whose models fail
// verification is not started: its routes keep answering the family's
// "service not started" code, and the reason is logged.
func (s *Server) loadEngines(in *input.Resolver, handlers map[string]api.Handler) {
	mgr := s.modelsManager()
	register := func(name string, hs map[string]api.Handler, closer func() error) {
		s.closers = append(s.closers, closer)
		for op, h := range hs {
			handlers[op] = h
		}
		s.engines = append(s.engines, name)
		s.log.Info("engine ready", "engine", name, "models", mgr.Root(), "onnxruntime", engine.Version())
	}
	for _, name := range s.Config.Engines {
		switch name {
		case "ocr":
			s.loadOCR(mgr, in, register)
		case "moderation":
			// Videos, like images, are read through in: its object
			// store, agencies and fetch policy.
			opts := moderation.Options{
				Engine: engine.Options{IntraOpThreads: s.Config.ORTThreads, PoolSize: 2}, Logger: s.log,
				TempDir: filepath.Join(s.Config.DataDir, "tmp", "moderation"),
			}
			svc, err := moderation.Load(mgr, in, s.Jobs, opts)
			if err != nil {
				// Text moderation needs no model: serve it anyway.
				s.log.Error("image and video moderation not started", "err", err)
				if svc, err = moderation.New(nil, in, nil, opts); err != nil {
					s.log.Error("moderation not started", "err", err)
					continue
				}
			}
			register(name, svc.Handlers(), svc.Close)
		case "image":
			svc, err := imagerec.Load(mgr, in, imagerec.Options{Engine: engine.Options{IntraOpThreads: s.Config.ORTThreads, PoolSize: 2}})
			if err != nil {
				s.log.Error("image recognition engine not started", "err", err)
				continue
			}
			register(name, svc.Handlers(), svc.Close)
		default:
			s.log.Error("unknown engine in config", "engine", name)
		}
	}
}

// loadOCR opens the OCR engine when its models verify.
func (s *Server) loadOCR(mgr *models.Manager, in *input.Resolver, register func(string, map[string]api.Handler, func() error)) {
	root := mgr.Root()
	for _, f := range []struct{ name, file string }{
		{"onnxruntime", filepath.Base(engine.LibRel)},
		{"ppocr-v4", pipeline.DetFile}, {"ppocr-v4", pipeline.ClsFile}, {"ppocr-v4", pipeline.RecFile}, {"ppocr-v4", pipeline.DictFile},
	} {
		if _, err := mgr.Path(f.name, f.file); err != nil {
			s.log.Error("OCR engine not started: model check failed", "err", err)
			return
		}
	}
	p, err := pipeline.Load(root, pipeline.DefaultConfig(), pipeline.LoadOptions{Options: engine.Options{IntraOpThreads: s.Config.ORTThreads, PoolSize: 1}})
	if err != nil {
		s.log.Error("OCR engine not started", "err", err)
		return
	}
	s.OCR = p
	register("ocr", ocr.New(p, in).Handlers(), p.Close)
}
