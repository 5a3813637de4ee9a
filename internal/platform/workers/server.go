package workers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
)

// ServerOptions configures a worker's HTTP API.
type ServerOptions struct {
	Key []byte
	// Engines are the engines that started; Handlers their APIs by SDK
	// operation.
	Engines  []string
	Handlers map[string]api.Handler
	// MaxBody bounds a forwarded call (default 16 MB: the gateway's
	// largest body and the call's metadata).
	MaxBody  int64
	TokenTTL time.Duration // default 10m
	Logger   *slog.Logger
	Now      func() time.Time
}

// Server is an inference worker's HTTP API: health, tokens and calls.
type Server struct {
	o        ServerOptions
	mu       sync.RWMutex
	engines  map[string]bool
	handlers map[string]api.Handler
	inflight atomic.Int64
	bufs     bufPool
}

// NewServer returns a worker API over the handlers.
func NewServer(o ServerOptions) *Server {
	if o.MaxBody <= 0 {
		o.MaxBody = 16 << 20
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = 10 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{o: o, engines: map[string]bool{}, handlers: map[string]api.Handler{}, bufs: bufPool{limit: 64 << 20}}
	for _, e := range o.Engines {
		s.engines[e] = true
	}
	for op, h := range o.Handlers {
		s.handlers[op] = h
	}
	return s
}

// Handle adds (or replaces) the handler of an operation of engine.
func (s *Server) Handle(engine, operation string, h api.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.engines[engine] = true
	s.handlers[operation] = h
}

// Health is what the worker reports.
func (s *Server) Health() Health {
	s.mu.RLock()
	defer s.mu.RUnlock()
	h := Health{Engines: []string{}, Operations: []string{}, InFlight: s.inflight.Load()}
	for e := range s.engines {
		h.Engines = append(h.Engines, e)
	}
	for op := range s.handlers {
		h.Operations = append(h.Operations, op)
	}
	sort.Strings(h.Engines)
	sort.Strings(h.Operations)
	return h
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == PathHealth && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, s.Health())
	case r.URL.Path == PathTokens && r.Method == http.MethodPost:
		s.token(w, r)
	case strings.HasPrefix(r.URL.Path, PathCalls) && r.Method == http.MethodPost:
		s.call(w, r)
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func refuse(w http.ResponseWriter, status int, why string) {
	writeJSON(w, status, map[string]string{"error": why})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<10))
	if err != nil {
		refuse(w, http.StatusBadRequest, "unreadable body")
		return
	}
	if !checkSignature(s.o.Key, body, r.Header.Get(HeaderSignature)) {
		s.o.Logger.Warn("token request with a bad signature (worker_key differs?)", "remote", r.RemoteAddr)
		refuse(w, http.StatusUnauthorized, "signature does not verify with this worker's key")
		return
	}
	var req tokenRequest
	if err := json.Unmarshal(body, &req); err != nil {
		refuse(w, http.StatusBadRequest, "malformed token request")
		return
	}
	now := s.o.Now()
	if d := now.Sub(time.UnixMilli(req.Time)); d > maxSkew || d < -maxSkew {
		refuse(w, http.StatusUnauthorized, "token request too old or from the future (clock skew)")
		return
	}
	exp := now.Add(s.o.TokenTTL)
	writeJSON(w, http.StatusOK, tokenReply{Token: mint(s.o.Key, exp), ExpiresAt: exp.UnixMilli()})
}

func (s *Server) call(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		refuse(w, http.StatusUnauthorized, "no worker token")
		return
	}
	if err := verify(s.o.Key, tok, s.o.Now()); err != nil {
		refuse(w, http.StatusUnauthorized, err.Error())
		return
	}
	op := strings.TrimPrefix(r.URL.Path, PathCalls)
	s.mu.RLock()
	h := s.handlers[op]
	s.mu.RUnlock()
	if h == nil {
		refuse(w, http.StatusNotFound, "no API "+op+" on this worker")
		return
	}
	c, callBuf, err := decodeCallInto(r.Body, r.ContentLength, s.o.MaxBody, &s.bufs)
	if err != nil {
		refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx := r.Context()
	if ms, err := strconv.ParseInt(r.Header.Get(HeaderDeadline), 10, 64); err == nil && ms > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, time.UnixMilli(ms))
		defer cancel()
	}
	ctx = api.WithRequestID(ctx, c.RequestID)
	s.inflight.Add(1)
	resp, err := safe(ctx, h, c)
	s.inflight.Add(-1)
	if err == nil {
		var b []byte
		if b, err = json.Marshal(resp); err == nil {
			// The answer is rendered and the handler has returned: nothing
			// refers to the call's body any more. (After an error it may:
			// a handler that gave up at a deadline can leave work running
			// on it, so that buffer is left to the collector.)
			s.bufs.put(callBuf)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set(HeaderOutcome, "ok")
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.WriteHeader(http.StatusOK)
			w.Write(b)
			return
		}
	}
	if ctx.Err() != nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
		// The forwarded deadline ran out here rather than at the replica.
		err = catalog.E(catalog.KindBackendTimeout).Wrap(err)
	}
	e := catalog.Resolve(err)
	if _, raised := catalog.From(err); !raised || e.Kind() == catalog.KindInternal {
		s.o.Logger.Error("worker call failed", "request_id", c.RequestID, "api", op, "err", err)
	}
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(e.ToWire())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(HeaderOutcome, "error")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}

func safe(ctx context.Context, h api.Handler, c *api.Call) (resp any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = api.Recovered(p)
		}
	}()
	return h(ctx, c)
}
