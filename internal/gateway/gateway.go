// Package gateway is aisd's API gateway (the APIG layer): it routes every
// request, limits bodies, authenticates AK/SK signatures and IAM tokens,
// locks abused AKs, and runs service calls through the platform's controls
// (throttling, subscriptions, quota, fault injection, concurrency, deadlines
// and metering) before rendering the answer.
package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/gateway/routes"
	"github.com/aisd/aisd/internal/platform/iam"
	"github.com/aisd/aisd/internal/platform/infer"
	"github.com/aisd/aisd/internal/platform/limits"
	"github.com/aisd/aisd/internal/store"
)

// Meter records every finished call.
type Meter interface {
	Record(ctx context.Context, r store.UsageRecord) error
}

// Options configures a Gateway.
type Options struct {
	IAM            *iam.Service
	Logger         *slog.Logger
	Region         string
	GatewayMaxBody int64         // APIG.0201 (413) above this
	ClockSkew      time.Duration // accepted X-Sdk-Date drift (signer enforces 15 min)
	LockFailures   int
	LockDuration   time.Duration
	// AKLockout and LoginLockout count the failures of AK signatures and
	// of password logins; nil keeps them in memory. Replicas share Redis ones.
	AKLockout    limits.Lockout
	LoginLockout limits.Lockout
	Timeout      time.Duration // APIG deadline for a whole call (504)

	// Handlers by SDK operation name; routes without one answer the
	// family's "service not started" code after authentication.
	Handlers map[string]api.Handler

	// Admission runs for every authenticated call of a known route, served
	// or not (throttle, body limit); Controls then run for the calls of
	// served APIs (subscription, quota, faults, guard). The server declares
	// both chains.
	Admission []api.Control
	Controls  []api.Control
	Meter     Meter

	// Mux serves the non-service endpoints (IAM, admin, catalog, metrics);
	// anything it does not match falls through to the service routes.
	Mux *http.ServeMux
	Now func() time.Time

	// Infers are the real-time inference services of /v1/infers/…; a
	// registered model's calls run through InferControls (Controls without
	// the subscription: registering the model is the project's own act).
	Infers        InferServices
	InferControls []api.Control
}

// InferServices looks up and runs inference services (infer.Manager).
type InferServices interface {
	Get(ctx context.Context, id string) (infer.Service, error)
	Infer(ctx context.Context, s infer.Service, body []byte) (infer.Response, error)
}

// Gateway is the HTTP entry point.
type Gateway struct {
	o         Options
	mu        sync.RWMutex
	chains    map[string]api.Handler // composed, by operation
	notServed api.Handler
	iam       *iam.Service
	lock      limits.Lockout // AKs
	pwLock    limits.Lockout // password logins, by domain and user name
	now       func() time.Time
	realClock bool // now is time.Now: its readings serve contexts' deadlines too
	log       *slog.Logger
	obs       *observer
	muxPats   atomic.Pointer[muxFilter] // nil: ask the mux for every path
}

// MuxPatterns declares every pattern registered on the mux, so that a
// service call whose path none of them can match skips the mux's lookup.
// Call it again after registering more; without it the mux is asked first
// for every request.
func (g *Gateway) MuxPatterns(patterns []string) {
	g.muxPats.Store(newMuxFilter(patterns))
}

// mayMux reports whether the mux might serve r.
func (g *Gateway) mayMux(r *http.Request) bool {
	f := g.muxPats.Load()
	return f == nil || f.couldMatch(r)
}

// New builds a Gateway.
func New(o Options) *Gateway {
	realClock := o.Now == nil
	if realClock {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Mux == nil {
		o.Mux = http.NewServeMux()
	}
	if o.AKLockout == nil {
		o.AKLockout = limits.NewMemoryLockout(o.LockFailures, o.LockDuration)
	}
	if o.LoginLockout == nil {
		o.LoginLockout = limits.NewMemoryLockout(o.LockFailures, o.LockDuration)
	}
	g := &Gateway{o: o, iam: o.IAM, lock: o.AKLockout, realClock: realClock,
		pwLock: o.LoginLockout, now: o.Now, log: o.Logger, obs: newObserver()}
	g.chains = map[string]api.Handler{}
	g.notServed = api.Chain(func(context.Context, *api.Call) (any, error) {
		return nil, catalog.E(catalog.KindServiceNotFound)
	}, o.Admission...)
	for op, h := range o.Handlers {
		g.Handle(op, h)
	}
	return g
}

type ctxKey int

const keyIdentity ctxKey = iota

// IdentityFrom returns the authenticated caller of a request that went
// through Authenticated.
func IdentityFrom(ctx context.Context) (iam.Identity, bool) {
	id, ok := ctx.Value(keyIdentity).(iam.Identity)
	return id, ok
}

// lastRIDTime is the time part of the last request id issued, so ids keep
// increasing even when the clock steps back or two calls share a tick.
var lastRIDTime atomic.Int64

// newRequestID returns 32 hex digits: the issue time in Unix nanoseconds
// (made strictly increasing in this process), then 64 random bits. Ids
// that sort by time keep each usage record's insert into the unique
// request_id index at the index's end: random ids dirtied a different page
// per record and made metering cost 2-4× as much CPU per call.
func newRequestID() string {
	now := time.Now().UnixNano()
	for {
		last := lastRIDTime.Load()
		if now <= last {
			now = last + 1
		}
		if lastRIDTime.CompareAndSwap(last, now) {
			break
		}
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now))
	rand.Read(b[8:])
	var out [32]byte
	hex.Encode(out[:], b[:])
	return string(out[:])
}

// statusWriter remembers what was written, for the access log and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	code   string
	rid    [1]string // the X-Request-Id header's value
}

func (w *statusWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
	w.ResponseWriter.WriteHeader(s)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// RecordError implements api.ErrorRecorder.
func (w *statusWriter) RecordError(code string) { w.code = code }

// ServeHTTP assigns the request id (a client's X-Request-Id is never
// taken), then dispatches to the mux or the service routes, and writes the
// access log and the counters for every answer.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := g.now()
	rid := newRequestID()
	sw := &statusWriter{ResponseWriter: w}
	sw.rid[0] = rid
	// The writer's own one-element slice: a Set would allocate one.
	sw.Header()["X-Request-Id"] = sw.rid[:1:1]
	apiName := "-"
	if isInferPath(r.URL.Path) {
		apiName = g.serveInfer(sw, r.WithContext(api.WithRequest(r.Context(), rid, catalog.FamilyOCR)))
	} else if g.mayMux(r) {
		if _, pattern := g.o.Mux.Handler(r); pattern != "" {
			apiName = pattern
			// ServeHTTP (not the returned handler) so path values are set.
			g.o.Mux.ServeHTTP(sw, r.WithContext(api.WithRequestID(r.Context(), rid)))
		} else {
			apiName = g.serveRoute(sw, r, rid, start)
		}
	} else {
		apiName = g.serveRoute(sw, r, rid, start)
	}
	dur := g.now().Sub(start)
	g.obs.observe(apiName, sw.status, sw.code, dur)
	if !g.log.Enabled(r.Context(), slog.LevelInfo) {
		return // no access log: skip building its attributes
	}
	g.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("request_id", rid), slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.String("api", apiName), slog.Int("status", sw.status), slog.String("error_code", sw.code),
		slog.Duration("duration", dur))
}

// readBody reads at most limit bytes; more is APIG.0201 (413). It never
// buffers more than limit+1 bytes. A declared Content-Length sizes the
// buffer once (the SDK always sends one), instead of growing it in steps.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	b, err := readBodyBytes(r, limit)
	if err == nil && b != nil {
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	return b, err
}

// readBodyBytes is readBody for a caller that keeps the bytes itself (a
// service call carries them in its Call): r.Body is left consumed.
func readBodyBytes(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, catalog.New(catalog.APIG0201)
	}
	var b []byte
	var err error
	if n := r.ContentLength; n >= 0 {
		// One byte more than declared, so that a body longer than its
		// Content-Length (not sent by net/http, which cuts it; possible
		// from another Body) is still seen to run past the limit.
		b, err = readFull(r.Body, make([]byte, 0, n+1), limit+1)
	} else {
		b, err = readFull(r.Body, make([]byte, 0, min(limit+1, 512)), limit+1)
	}
	if err != nil {
		return nil, catalog.New(catalog.APIG0201).Wrap(err)
	}
	if int64(len(b)) > limit {
		return nil, catalog.New(catalog.APIG0201)
	}
	return b, nil
}

// readFull appends rd's bytes to b until EOF or max bytes in all, growing
// b only when its capacity runs out.
func readFull(rd io.Reader, b []byte, max int64) ([]byte, error) {
	for int64(len(b)) < max {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // let append pick the next size
		}
		room := b[len(b):min(int64(cap(b)), max)]
		n, err := rd.Read(room)
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
	return b, nil
}

// Authenticated wraps a non-service endpoint: body limit, then AK/SK or
// token authentication; the identity is put in the request context.
// Errors render in the family the route declared (api.InFamily).
func (g *Gateway) Authenticated(h http.Handler) http.Handler {
	return api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		body, err := readBody(r, g.o.GatewayMaxBody)
		if err != nil {
			return err
		}
		id, err := g.authenticate(r.Context(), r, body, jsonBody)
		if err == nil && (id.Domain.State == store.StateFrozen || id.Domain.State == store.StateRestricted) {
			err = g.authorizeProject(r.Context(), id, r, "")
		}
		if err != nil {
			return err
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyIdentity, id)))
		return nil
	})
}

// serveRoute runs a service API call through the whole chain and returns
// the API name for logs and metrics.
func (g *Gateway) serveRoute(w http.ResponseWriter, r *http.Request, rid string, start time.Time) string {
	rt, params, st := routes.Match(r.Method, r.URL.Path)
	if st == routes.NotFound {
		api.WriteError(w, r.WithContext(api.WithRequestID(r.Context(), rid)), catalog.New(catalog.APIG0101))
		return "-"
	}
	fam := rt.Family
	ctx := api.WithRequest(r.Context(), rid, fam)
	r = r.WithContext(ctx)
	if st == routes.MethodNotAllowed {
		api.WriteError(w, r, catalog.E(catalog.KindMethodNotAllowed))
		return rt.Operation
	}
	// The APIG deadline runs from here, but its context is made only once
	// admission let the call through (withDeadline): a throttled call
	// never pays for a timer. Authentication reads memory (the caches, the
	// counters) and, with replicas, Redis under its own timeouts.
	var deadline time.Time
	if g.o.Timeout > 0 {
		if !g.realClock {
			start = time.Now() // real time: contexts' clock, not g.now
		}
		deadline = start.Add(g.o.Timeout)
	}
	body, err := readBodyBytes(r, g.o.GatewayMaxBody)
	if err != nil {
		api.WriteError(w, r, err)
		return rt.Operation
	}
	id, err := g.authenticate(ctx, r, body, rt.ContentType)
	if err == nil {
		err = g.authorizeProject(ctx, id, r, params["project_id"])
	}
	if err == nil {
		err = g.authorizeAction(ctx, id, rt, params["project_id"])
	}
	if err == nil {
		err = checkContentType(r, rt)
	}
	if err != nil {
		api.WriteError(w, r, err)
		return rt.Operation
	}
	call := g.newCall(ctx, r, id, params["project_id"], rt.Service, rt.Operation, params, body)
	call.Deadline = deadline
	g.finish(w, r, call, g.chain(call.API), fam)
	return rt.Operation
}

// withDeadline runs the rest of a call's chain under the gateway's
// deadline for the whole call (Call.Deadline; none when zero). It is the
// first link after admission.
func withDeadline(next api.Handler) api.Handler {
	return func(ctx context.Context, c *api.Call) (any, error) {
		if c.Deadline.IsZero() {
			return next(ctx, c)
		}
		ctx, cancel := context.WithDeadline(ctx, c.Deadline)
		defer cancel()
		return next(ctx, c)
	}
}

// finish runs a service call through its chain, meters it and writes the
// answer (errors in family fam).
func (g *Gateway) finish(w http.ResponseWriter, r *http.Request, call *api.Call, chain api.Handler, fam catalog.Family) {
	ctx := r.Context()
	resp, err := chain(ctx, call)
	addHeaders(w.Header(), call.RespHeader)
	// A failure is resolved and rendered once, for its usage record and
	// its answer.
	var e *catalog.Error
	var rend catalog.Rendered
	if err != nil {
		e = catalog.Resolve(err)
		rend = e.In(fam)
	}
	if g.o.Meter != nil && call.ProjectID != "" {
		rec := store.UsageRecord{ProjectID: call.ProjectID, UserID: call.UserID, Service: call.Service, API: call.API, Time: g.now(), Status: http.StatusOK, RequestID: call.RequestID}
		if err != nil {
			rec.Status, rec.Code = rend.Status, rend.Code
		}
		if merr := g.o.Meter.Record(context.WithoutCancel(ctx), rec); merr != nil {
			g.log.Error("metering", "request_id", call.RequestID, "err", merr)
		}
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && (ctx.Err() != nil || !call.Deadline.IsZero() && !time.Now().Before(call.Deadline)) {
			if _, ok := catalog.From(err); !ok {
				api.WriteError(w, r, catalog.New(catalog.APIG0201).Variant("timeout").Wrap(err))
				return
			}
		}
		api.WriteResolved(w, r, err, e, rend)
		return
	}
	api.WriteJSON(w, http.StatusOK, resp)
}

// addHeaders adds the values of from to h. A key h lacks takes from's
// slice, capped so that a later Add to the answer copies it (the controls'
// headers are built for this one answer).
func addHeaders(h, from http.Header) {
	for k, vs := range from {
		if _, ok := h[k]; !ok && len(vs) > 0 {
			h[k] = vs[:len(vs):len(vs)]
			continue
		}
		for _, v := range vs {
			h.Add(k, v)
		}
	}
}

// Handle sets (or replaces) the handler of an SDK operation, composed with
// the declared controls once, here.
func (g *Gateway) Handle(operation string, h api.Handler) {
	c := api.Chain(withDeadline(api.Chain(h, g.o.Controls...)), g.o.Admission...)
	g.mu.Lock()
	g.chains[operation] = c
	g.mu.Unlock()
}

// chain is the composed handler of an operation; an API without a handler
// answers its family's "service not started" after admission.
func (g *Gateway) chain(operation string) api.Handler {
	g.mu.RLock()
	h, ok := g.chains[operation]
	g.mu.RUnlock()
	if ok {
		return h
	}
	return g.notServed
}

// checkContentType refuses a service call with a body whose Content-Type
// header is missing, empty or not the JSON the API takes (every API
// documents Content-Type as mandatory, application/json): Image
// Recognition and Moderation answer AIS.0010 "The header is missing or
// left empty.", OCR its parameter code. Calls without a body (the GETs of
// job results) need none.
const jsonUTF8 = "application/json;charset=UTF-8"

func checkContentType(r *http.Request, rt *routes.Route) error {
	if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
		return nil
	}
	want := "application/json"
	if rt.ContentType != want && rt.ContentType != jsonUTF8 {
		if mt, _, err := mime.ParseMediaType(rt.ContentType); err != nil || mt != want {
			return nil // an upload API: its handler checks its own body
		}
	}
	ct := r.Header.Get("Content-Type")
	if ct == want || ct == jsonUTF8 {
		return nil // what the SDK sends: no need to parse it
	}
	if strings.TrimSpace(ct) == "" {
		return catalog.E(catalog.KindMissingHeader, "Content-Type").Wrap(errors.New("no Content-Type header"))
	}
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != want {
		return catalog.E(catalog.KindMissingHeader, "Content-Type").Wrap(fmt.Errorf("Content-Type %.60q, the API takes %s", ct, want))
	}
	return nil
}
