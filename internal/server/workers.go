package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/gateway/routes"
	"github.com/aisd/aisd/internal/jobs"
	"github.com/aisd/aisd/internal/platform/workers"
	"github.com/aisd/aisd/internal/services/imagerec/gallery"
	"github.com/aisd/aisd/internal/services/moderation"
	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/cache"
)

// forwardEngines binds every API of the configured engines to the worker
// pool instead of loading their models here.
func (s *Server) forwardEngines(ctx context.Context, handlers map[string]api.Handler) error {
	key, err := workers.ParseKey(s.Config.WorkerKey)
	if err != nil {
		return err
	}
	po := workers.Options{URLs: s.Config.Workers, Key: key, Logger: s.log}
	if s.Config.DiscoverWorkers() {
		// The store uncached: a worker that registered is seen at the
		// next probe round, not a cache TTL later.
		po.URLs, po.Discover = nil, workers.NewRegistry(s.raw, nil, s.log).Live
	}
	pool, err := workers.New(po)
	if err != nil {
		return err
	}
	// The first probe runs before the replica serves, so that its first
	// calls know where to go; a worker that is not up yet is found by the
	// probes that follow (and /readyz says so meanwhile).
	pool.Start(context.WithoutCancel(ctx))
	s.closers = append(s.closers, pool.Close)
	s.pool = pool
	enabled := map[string]bool{}
	for _, e := range s.Config.Engines {
		enabled[e] = true
	}
	for _, r := range routes.All() {
		if eng := string(r.Family); enabled[eng] {
			handlers[r.Operation] = pool.Handler(eng, r.Operation)
		}
	}
	for _, st := range pool.Statuses() {
		s.log.Info("inference worker", "worker", st.URL, "up", st.Healthy, "engines", st.Engines, "err", st.Err)
	}
	return nil
}

// Workers is the worker pool of a forwarding replica (nil in-process).
func (s *Server) Workers() *workers.Pool { return s.pool }

// Worker is an inference worker (`aisd worker`): the engines and their
// APIs without the gateway, called by serving replicas that already
// authenticated, throttled and metered each call. It shares the replicas'
// store (agencies, glossaries, templates, galleries, jobs) and object
// store, and runs the asynchronous jobs of its engines.
type Worker struct {
	s   *Server
	api *workers.Server
}

// NewWorker loads the configured engines and the worker API over them.
func NewWorker(ctx context.Context, cfg config.Config, log *slog.Logger) (w *Worker, err error) {
	if log == nil {
		log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	// The same checks as a replica's: a worker usually reads the
	// replicas' settings file, and a setting it cannot run with (an
	// ocr_mode it does not know, body limits that contradict) must stop
	// it at start rather than change its answers.
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	key, err := workers.ParseKey(cfg.WorkerKey)
	if err != nil {
		return nil, err
	}
	// A worker shares its database with replicas and other workers: its
	// jobs are leased, never requeued wholesale at start.
	if cfg.JobLease == 0 {
		cfg.JobLease = config.DefaultJobLease
	}
	s := &Server{Config: cfg, log: log}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if err := s.openStore(ctx); err != nil {
		return nil, err
	}
	s.Store = cache.New(s.raw, cfg.CacheTTL)
	in, fetch, objs, err := s.inputs()
	if err != nil {
		return nil, err
	}
	s.OBS, s.Fetcher = objs, fetch
	s.Jobs = jobs.New(s.Store, jobs.Options{Workers: cfg.JobWorkers, Retention: cfg.JobRetention, Lease: cfg.ResolvedJobLease(),
		CallbackClient: fetch.Client(), CallbackBody: moderation.CallbackBody, Logger: log})
	s.galleries = gallery.New(s.Store)
	s.Templates = s.templates(in)
	handlers := map[string]api.Handler{}
	s.loadEngines(in, handlers)
	if err := s.Jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return s.Jobs.Stop(sctx)
	})
	return &Worker{s: s, api: workers.NewServer(workers.ServerOptions{
		Key: key, Engines: s.engines, Handlers: handlers, Logger: log,
		MaxBody: int64(cfg.GatewayMaxMB)<<20 + 1<<20,
	})}, nil
}

// Engines lists the engines that started.
func (w *Worker) Engines() []string { return w.s.Engines() }

// Store is the worker's store.
func (w *Worker) Store() store.Store { return w.s.Store }

// Handle sets (or replaces) the handler of an SDK operation, under the
// engine of its route's family.
func (w *Worker) Handle(operation string, h api.Handler) {
	for _, r := range routes.All() {
		if r.Operation == operation {
			w.api.Handle(string(r.Family), operation, h)
			return
		}
	}
	panic("server: no route has operation " + operation)
}

// Handler is the worker's HTTP API.
func (w *Worker) Handler() http.Handler { return w.api }

// Serve listens on addr until ctx is done.
func (w *Worker) Serve(ctx context.Context, addr string, ready func(addr string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// Idle connections outlive the replicas' (90 s), so a replica never
	// sends a call on one the worker is closing.
	srv := &http.Server{Handler: w.api, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr().String())
	}
	// Registered in the shared store, so that replicas started with
	// `workers: [discover]` find it; the entry goes at shutdown, or
	// expires when the process dies.
	if at := advertised(w.s.Config.AdvertiseURL, ln.Addr()); at != "" {
		stop, err := workers.NewRegistry(w.s.raw, nil, w.s.log).Announce(ctx, at, w.Engines())
		if err != nil {
			srv.Close()
			return fmt.Errorf("register the worker in the store: %w", err)
		}
		defer stop()
		w.s.log.Info("worker registered", "url", at)
	} else {
		w.s.log.Info("worker not registered: it listens on a wildcard address; set advertise_url for replicas that discover workers")
	}
	select {
	case err = <-errc:
	case <-ctx.Done():
		w.s.log.Info("worker shutting down")
	}
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errs []error
	if !errors.Is(err, http.ErrServerClosed) {
		errs = append(errs, err)
	}
	if e := srv.Shutdown(sctx); e != nil && !errors.Is(e, http.ErrServerClosed) {
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

// advertised is the URL a worker registers: the setting, else its listen
// address when that names a host.
func advertised(setting string, addr net.Addr) string {
	if setting != "" {
		return setting
	}
	ta, ok := addr.(*net.TCPAddr)
	if !ok || ta.IP == nil || ta.IP.IsUnspecified() {
		return ""
	}
	return "http://" + ta.String()
}

// Close releases what NewWorker opened.
func (w *Worker) Close() error { return w.s.Close() }

// workersReady adds the worker checks to the readiness probe: at least one
// healthy worker for every engine this replica forwards.
func (s *Server) workersReady(check func(string, error)) {
	if s.pool == nil {
		return
	}
	for _, e := range s.Config.Engines {
		var err error
		if !s.pool.Serves(e) {
			var down []string
			for _, st := range s.pool.Statuses() {
				if !st.Healthy {
					down = append(down, st.URL+": "+st.Err)
				}
			}
			err = fmt.Errorf("no healthy worker serves %s (down: %s)", e, strings.Join(down, "; "))
		}
		check("workers:"+e, err)
	}
}
