// Package server assembles aisd: store, IAM, gateway, platform controls and
// services, and serves them with graceful shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aisd/aisd/internal/admin"
	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/console"
	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/gateway"
	"github.com/aisd/aisd/internal/gateway/openapi"
	"github.com/aisd/aisd/internal/gateway/routes"
	"github.com/aisd/aisd/internal/jobs"
	"github.com/aisd/aisd/internal/platform/fault"
	"github.com/aisd/aisd/internal/platform/iam"
	"github.com/aisd/aisd/internal/platform/imagecheck"
	"github.com/aisd/aisd/internal/platform/infer"
	"github.com/aisd/aisd/internal/platform/input"
	"github.com/aisd/aisd/internal/platform/limits"
	"github.com/aisd/aisd/internal/platform/limits/redislimits"
	"github.com/aisd/aisd/internal/platform/obs"
	"github.com/aisd/aisd/internal/platform/quota"
	"github.com/aisd/aisd/internal/platform/subscription"
	"github.com/aisd/aisd/internal/platform/workers"
	"github.com/aisd/aisd/internal/services/imagerec"
	"github.com/aisd/aisd/internal/services/imagerec/gallery"
	"github.com/aisd/aisd/internal/services/moderation"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
	"github.com/aisd/aisd/internal/services/ocr/template"
	"github.com/aisd/aisd/internal/store"
	_ "github.com/aisd/aisd/internal/store/all" // sqlite and postgres backends
	"github.com/aisd/aisd/internal/store/cache"
)

// Server is an assembled aisd.
type Server struct {
	Config  config.Config
	Store   store.Store
	IAM     *iam.Service
	Gateway *gateway.Gateway
	Root    iam.Bootstrap
	Subs    *subscription.Subscriptions
	OCR     *pipeline.Pipeline
	OBS     obs.Store
	Fetcher *input.Fetcher
	Jobs    *jobs.Runner
	engines []string // started engines
	log     *slog.Logger
	// galleries are the projects' celebrity galleries; faces enrols
	// photos into them (nil when the image engine did not start).
	galleries *gallery.Store
	faces     *imagerec.Service
	closers   []func() error
	// raw is the store under its cache, for the readiness probe; redis is
	// the shared limits' Redis (nil: limits kept in this process).
	raw   store.Store
	redis *redis.Client
	// pool forwards the engines' calls to inference workers (nil: the
	// engines run in this process).
	pool *workers.Pool

	// Templates are the projects' custom OCR templates and classifiers.
	Templates *template.Manager
	// patterns are the mux patterns mounted (Patterns).
	patterns []string
}

// patternMux is a ServeMux that remembers its patterns.
type patternMux struct {
	*http.ServeMux
	patterns []string
}

func (m *patternMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

// Patterns lists the patterns of the management endpoints the server
// mounted, in order (the service APIs are the route table's).
func (s *Server) Patterns() []string { return append([]string(nil), s.patterns...) }

// Option adjusts how New assembles the server.
type Option func(*options)

type options struct{ now func() time.Time }

// WithClock replaces the wall clock of the gateway, throttle and quota
// (tests that cross a rate-limit window or a month).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// New builds a server from its configuration.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Option) (s *Server, err error) {
	o := options{now: time.Now}
	for _, fn := range opts {
		fn(&o)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler) // disabled: no line is even built
	}
	s = &Server{Config: cfg, log: log}
	imagecheck.SetDecodeBudget(int64(cfg.DecodeBudgetMB) << 20)
	// The error returns set s to nil: close what was opened through a copy.
	built := s
	defer func() {
		if err != nil {
			built.Close()
		}
	}()
	if err := s.openStore(ctx); err != nil {
		return nil, err
	}
	st := s.raw
	if cfg.Redis != "" {
		// Checked before anything else is built: limits of its own would
		// let N replicas allow N times every limit.
		redislimits.SetLogger(log)
		if s.redis, err = redislimits.Open(ctx, cfg.Redis); err != nil {
			return nil, err
		}
		s.closers = append(s.closers, s.redis.Close)
		log.Info("shared limits in redis", "redis", redislimits.Redact(cfg.Redis))
	}
	// The records every call reads are served from memory (the gateway's
	// hot path); writes through the server drop them at once.
	st = cache.New(st, cfg.CacheTTL)
	s.Store = st
	key, err := iam.LoadOrCreateKey(cfg.ServerKey, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("server key: %w", err)
	}
	seal, err := iam.NewSealer(key)
	if err != nil {
		return nil, err
	}
	s.IAM = iam.New(st, seal, cfg.Region, cfg.TokenTTL)
	s.IAM.SetClock(o.now) // tokens and temporary credentials expire on the gateway's clock
	if s.Root, err = s.IAM.EnsureRoot(ctx, cfg.RootAK, cfg.RootSK); err != nil {
		return nil, fmt.Errorf("root account: %w", err)
	}

	s.Subs = subscription.New(st, serviceKeys())
	if cfg.AutoSubscribe {
		// The root project is a demo/test project: every service is on.
		for _, svc := range s.Subs.Services() {
			if _, err := s.Subs.Subscribe(ctx, s.Root.Project.ID, svc); err != nil && !isAlreadySubscribed(err) {
				return nil, fmt.Errorf("auto-subscribe %s: %w", svc, err)
			}
			// ... and may read its own object storage.
			if err := st.SetAgency(ctx, s.Root.Project.ID, svc, true); err != nil {
				return nil, fmt.Errorf("agency %s: %w", svc, err)
			}
		}
	}

	// mux records what it mounts: the OpenAPI document's test checks
	// that every pattern is described.
	mux := &patternMux{ServeMux: http.NewServeMux()}
	handlers := map[string]api.Handler{}
	in, fetch, objs, err := s.inputs()
	if err != nil {
		return nil, err
	}
	s.OBS, s.Fetcher = objs, fetch
	// Callbacks go through the SSRF-safe client: a callback URL is user input.
	// With a lease, a replica starting beside others takes over only the
	// jobs whose runner stopped heartbeating, not every running one.
	s.Jobs = jobs.New(st, jobs.Options{Workers: cfg.JobWorkers, Retention: cfg.JobRetention, Lease: cfg.ResolvedJobLease(),
		CallbackClient: fetch.Client(), CallbackBody: moderation.CallbackBody, Logger: log, Now: o.now})
	s.galleries = gallery.New(st)
	s.Templates = s.templates(in)
	if len(cfg.Workers) > 0 {
		if err := s.forwardEngines(ctx, handlers); err != nil {
			return nil, err
		}
	} else {
		s.loadEngines(in, handlers)
	}
	// Parsing and rewriting the model graphs leaves tens of MB of garbage
	// that the runtime would hand back to the OS only over minutes.
	debug.FreeOSMemory()
	// The journal keeps the metering queue across a crash (kill -9 loses
	// no call's record); it lives beside the data it feeds. A memory store
	// keeps nothing across a restart, so neither does its meter.
	journal := filepath.Join(cfg.DataDir, "usage-journal")
	if strings.HasPrefix(cfg.ResolvedDSN(), "memory:") {
		journal = ""
	}
	meter := quota.New(st, quota.Options{Default: cfg.FreePerMonth, Logger: log, Now: o.now, Journal: journal})
	s.closers = append(s.closers, meter.Close)
	to := limits.ThrottleOptions{Limit: cfg.RateLimit, Logger: log, Now: o.now}
	gop := limits.GuardOptions{MaxInFlight: cfg.MaxInflight, Deadline: cfg.BackendTimeout}
	var akLock, loginLock limits.Lockout
	if s.redis != nil {
		to.Windows = redislimits.NewWindows(s.redis, cfg.RedisPrefix)
		gop.Slots = redislimits.NewSlots(s.redis, cfg.RedisPrefix, cfg.MaxInflight, nil, 0, log)
		gop.Breakers = redislimits.NewBreakers(s.redis, cfg.RedisPrefix, gop.Breaker, log)
		akLock = redislimits.NewLockout(s.redis, cfg.RedisPrefix+"lock:ak:", cfg.LockFailures, cfg.LockDuration)
		loginLock = redislimits.NewLockout(s.redis, cfg.RedisPrefix+"lock:login:", cfg.LockFailures, cfg.LockDuration)
	}
	throttle := limits.NewThrottle(st, to)
	guard := limits.NewGuard(gop)
	faults := fault.New(st, log, nil)
	// Real-time inference services (/v1/infers/…): registered models run
	// in the engine, their files beside the data.
	infers := infer.New(st, infer.Options{Dir: filepath.Join(cfg.DataDir, "infer-models"),
		Runtime: engine.LibPath(s.modelsManager().Root()), Engine: s.engineOptions(1), Now: o.now,
		Forwarding: s.pool != nil})
	s.closers = append(s.closers, infers.Close)
	gw := gateway.New(gateway.Options{
		IAM: s.IAM, Logger: log, Region: cfg.Region,
		GatewayMaxBody: int64(cfg.GatewayMaxMB) << 20,
		ClockSkew:      cfg.ClockSkew, LockFailures: cfg.LockFailures, LockDuration: cfg.LockDuration,
		AKLockout: akLock, LoginLockout: loginLock,
		Timeout:  cfg.GatewayTimeout,
		Handlers: handlers,
		// The platform controls, in the order a call meets them.
		Admission: []api.Control{throttleControl(throttle), bodyLimit(int64(cfg.ServiceMaxMB) << 20)},
		Controls:  []api.Control{subscribed(s.Subs), withinQuota(meter), injectFaults(faults), guarded(guard)},
		Meter:     meter,
		Mux:       mux.ServeMux,
		Now:       o.now,
		Infers:    infers,
		// A registered model is the project's own: no subscription.
		InferControls: []api.Control{withinQuota(meter), injectFaults(faults), guarded(guard)},
	})
	s.Gateway = gw

	// The management APIs (IAM, catalog, admin, subscriptions) answer in
	// the AIP dialect; service routes declare their family in the route table.
	mgmt := func(pattern string, h http.Handler) { mux.Handle(pattern, api.InFamily(catalog.FamilyAIP, h)) }
	mgmt("POST /v3/auth/tokens", gw.Tokens())
	mgmt("GET /v3/projects", gw.Projects())
	mgmt("POST /v3.0/OS-CREDENTIAL/securitytokens", gw.SecurityTokens())
	mgmt("/v1/error-codes", api.HandlerFunc(catalog.ServeListing))
	mux.Handle("GET /metrics", gw.MetricsHandler())
	mux.Handle("GET "+console.Prefix, console.Handler()) // assets only: it calls the APIs below
	mgmt("GET /healthz", api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		api.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return nil
	}))
	mgmt("GET /readyz", api.HandlerFunc(s.readyz))
	mux.Handle("GET /v1/openapi.json", openapi.Handler())
	adm := admin.New(gw, s.IAM, admin.WithRootDomain(s.Root.Domain.ID), admin.WithMeter(meter))
	adm.Register(mux)
	mux.Handle("GET /v1/admin/usage", adm.RequireAdmin(meter.UsageHandler(admin.AllowProject)))
	mux.Handle("GET /v1/admin/projects/{project_id}/subscriptions", adm.RequireAdmin(adminSubscriptions(s.Subs, s)))
	mux.Handle("/v1/admin/projects/{project_id}/subscriptions/{service}", adm.RequireAdmin(adminSubscriptions(s.Subs, s)))
	mux.Handle("/v1/admin/faults", adm.RequireAdmin(faults.Handler(admin.AllowProject)))
	mux.Handle("/v1/admin/faults/{id}", adm.RequireAdmin(faults.Handler(admin.AllowProject)))
	glossaries := moderation.NewGlossaries(st)
	mux.Handle("/v1/admin/projects/{project_id}/glossaries", adm.RequireAdmin(glossaries.Handler(admin.AllowProject)))
	mux.Handle("/v1/admin/projects/{project_id}/glossaries/{name}", adm.RequireAdmin(glossaries.Handler(admin.AllowProject)))
	// Celebrity galleries: enrolment needs the image engine's face models.
	var enrol gallery.Enroller
	if s.faces != nil {
		enrol = s.faces
	}
	galleries := adm.RequireAdmin(s.galleries.Handler(admin.AllowProject, enrol))
	for _, p := range []string{"", "/{gallery}", "/{gallery}/people", "/{gallery}/people/{label}"} {
		mux.Handle("/v1/admin/projects/{project_id}/celebrity-galleries"+p, galleries)
	}
	mux.Handle("/v1/admin/projects/{project_id}/infer-services", adm.RequireAdmin(infers.Handler(admin.AllowProject)))
	mux.Handle("/v1/admin/projects/{project_id}/infer-services/{service_id}", adm.RequireAdmin(infers.Handler(admin.AllowProject)))
	for _, p := range []string{"ocr-templates", "ocr-templates/{id}", "ocr-classifiers", "ocr-classifiers/{id}"} {
		mux.Handle("/v1/admin/projects/{project_id}/"+p, adm.RequireAdmin(s.Templates.Handler(admin.AllowProject)))
	}
	subsAPI := api.InFamily(catalog.FamilyAIP, gw.Authenticated(s.Subs.Handler(func(r *http.Request) (string, bool) {
		id, ok := gateway.IdentityFrom(r.Context())
		if !ok {
			return "", false
		}
		p, err := s.Store.GetProject(r.Context(), r.PathValue("project_id"))
		if err != nil || p.DomainID != id.Domain.ID || (id.ByToken && id.ProjectID != p.ID) {
			return "", false
		}
		return p.ID, true
	})))
	mux.Handle("/v1/{project_id}/subscriptions", subsAPI)
	mux.Handle("/v1/{project_id}/subscriptions/{service_name}", subsAPI)

	s.patterns = mux.patterns
	gw.MuxPatterns(mux.patterns)

	// Jobs start after every service registered its kinds; work left by a
	// crashed process is requeued by Start.
	if err := s.Jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return s.Jobs.Stop(sctx)
	})
	return s, nil
}

// serviceKeys lists the subscription/metering units of the route table.
func serviceKeys() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range routes.All() {
		if !seen[r.Service] {
			seen[r.Service] = true
			out = append(out, r.Service)
		}
	}
	return out
}

func isAlreadySubscribed(err error) bool {
	return catalog.IsCode(err, catalog.AIP0011) || errors.Is(err, store.ErrConflict)
}

// Handle registers (or replaces) the handler of an SDK operation. Call it
// before serving requests: the table is read without locking.
func (s *Server) Handle(operation string, h api.Handler) { s.Gateway.Handle(operation, h) }

// Engines lists the engines that started.
func (s *Server) Engines() []string { return append([]string(nil), s.engines...) }

// Handler is the server's HTTP handler (tests mount it on httptest).
func (s *Server) Handler() http.Handler { return s.Gateway }

// S3Handler is the S3-compatible upload API over the object store. Each AK
// acts for its account's project in the server's region.
func (s *Server) S3Handler() http.Handler {
	return obs.S3Handler(s.OBS, func(ak string) (string, string, error) {
		sk, err := s.IAM.SecretKey(context.Background(), ak)
		if err != nil {
			return "", "", err
		}
		c, err := s.Store.GetCredential(context.Background(), ak)
		if err != nil {
			return "", "", err
		}
		ps, err := s.Store.ListProjects(context.Background(), c.DomainID, s.Config.Region)
		if err != nil || len(ps) == 0 {
			return "", "", fmt.Errorf("account of %s has no project in %s", ak, s.Config.Region)
		}
		return sk, ps[0].ID, nil
	}, obs.WithLogger(s.log), obs.WithMultipartDir(filepath.Join(s.Config.DataDir, "s3-multipart")))
}

// maxHeaderBytes bounds a request's line and headers on the gateway's
// listener (an IAM token is a few KB); more is APIG.0201 (431).
const maxHeaderBytes = 64 << 10

// Serve listens on cfg.Addr (and cfg.S3Addr when set) until ctx is done,
// then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ready func(addr, s3addr string)) error {
	ln, err := net.Listen("tcp", s.Config.Addr)
	if err != nil {
		return err
	}
	// The gateway's listener is served by the edge (fasthttp), the S3 API's
	// by net/http: S3 clients stream large objects, which the edge would
	// buffer whole.
	edge := s.Gateway.Edge(s.Gateway, gateway.EdgeOptions{
		MaxHeaderBytes: maxHeaderBytes, MaxBody: int64(s.Config.GatewayMaxMB) << 20,
		ReadTimeout: 2 * time.Minute, IdleTimeout: 120 * time.Second,
	})
	var srvs []*http.Server
	var lns []net.Listener
	s3addr := ""
	if s.Config.S3Addr != "" {
		ln3, err := net.Listen("tcp", s.Config.S3Addr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("s3 api: %w", err)
		}
		s3addr = ln3.Addr().String()
		// Its own listener: S3 clients sign the full path, so no prefix or
		// path cleaning may stand in front of it.
		srvs = append(srvs, &http.Server{Handler: s.S3Handler(), ReadHeaderTimeout: 10 * time.Second})
		lns = append(lns, ln3)
	}
	errc := make(chan error, len(srvs)+1)
	go func() { errc <- edge.Serve(ln) }()
	for i := range srvs {
		go func(i int) { errc <- srvs[i].Serve(lns[i]) }(i)
	}
	if ready != nil {
		ready(ln.Addr().String(), s3addr)
	}
	select {
	case err = <-errc:
	case <-ctx.Done():
		s.log.Info("shutting down")
	}
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errs []error
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		errs = append(errs, err)
	}
	if e := edge.Shutdown(sctx); e != nil {
		errs = append(errs, e)
	}
	for _, srv := range srvs {
		if e := srv.Shutdown(sctx); e != nil && !errors.Is(e, http.ErrServerClosed) {
			errs = append(errs, e)
		}
	}
	return errors.Join(errs...)
}

// Close releases everything New opened, last opened first.
func (s *Server) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}

// openStore opens the configured store under the data directory; Close
// closes it.
func (s *Server) openStore(ctx context.Context) error {
	if err := os.MkdirAll(s.Config.DataDir, 0o700); err != nil {
		return err
	}
	st, err := store.Open(ctx, s.Config.ResolvedDSN())
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	s.closers = append(s.closers, st.Close)
	s.raw = st
	return nil
}
