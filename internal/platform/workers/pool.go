package workers

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
)

// Options configures a Pool.
type Options struct {
	URLs []string // workers' base URLs, http://host:port
	// Discover, when set, lists the workers instead of URLs: it is asked
	// before every probe round, and the pool's members become what it
	// answers (a worker that left is dropped, one that registered is
	// probed). An error keeps the members as they were.
	Discover func(context.Context) ([]string, error)
	Key      []byte // the shared worker key
	// HealthInterval is how often every worker is probed (default 2s);
	// HealthTimeout bounds one probe (default 2s).
	HealthInterval time.Duration
	HealthTimeout  time.Duration
	// MaxReply bounds a worker's answer (default 64 MB).
	MaxReply  int64
	Transport http.RoundTripper // default: keep-alive HTTP/1.1, see Transport
	Logger    *slog.Logger
	Now       func() time.Time
}

// Transport is the default transport to the workers: HTTP/1.1 with
// keep-alive, a connection per call in flight, no compression (images are
// compressed already, and gzip would cost the hop CPU).
//
// A small call goes as one write, header and body (see callBody). A
// large one's body goes, once net/http has written the header lines, to
// the connection's ReadFrom, where callConn writes it from the call's
// own slices in one write; net/http's own path would copy it through a
// fresh 32 KB buffer, one write and one wake-up of the worker per 32 KB
// (which is also what a larger WriteBufferSize did not change: the body
// never went through that buffer).
func Transport() *http.Transport {
	d := &net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return callConn{c}, nil
		},
		WriteBufferSize:     64 << 10, // a joined call and its header lines
		ReadBufferSize:      64 << 10,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}

// callConn is a connection to a worker whose ReadFrom writes a call's
// body (a callReader, as net/http hands it over: under an
// io.LimitedReader of the declared length) with no copy. Any other body
// is copied as by the connection's own ReadFrom.
type callConn struct{ net.Conn }

func (c callConn) ReadFrom(r io.Reader) (int64, error) {
	if lr, ok := r.(*io.LimitedReader); ok {
		if cr, ok := lr.R.(*callReader); ok {
			n, err := cr.writeN(c.Conn, lr.N)
			lr.N -= n
			return n, err
		}
	}
	if cr, ok := r.(*callReader); ok {
		return cr.WriteTo(c.Conn)
	}
	return io.Copy(c.Conn, r)
}

// Pool is the serving replica's view of its workers: which are up, what
// they serve and how busy they are.
type Pool struct {
	o       Options
	client  *http.Client
	mu      sync.RWMutex // guards members, which Discover changes
	members []*member
	rr      atomic.Uint64
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
}

// member is one worker.
type member struct {
	url      string
	inflight atomic.Int64 // calls of this replica on the worker now

	mu      sync.Mutex
	known   bool // answered a health probe at least once
	healthy bool
	lastErr string
	engines map[string]bool
	ops     map[string]bool
	load    int64 // the worker's own in-flight count at the last probe

	tokMu  sync.Mutex
	tok    string
	tokExp time.Time
}

// New returns a pool over the workers; Start begins probing them.
func New(o Options) (*Pool, error) {
	if len(o.URLs) == 0 && o.Discover == nil {
		return nil, errors.New("workers: no worker URL")
	}
	if len(o.Key) < 16 {
		return nil, errors.New("workers: the worker key is shorter than 16 bytes")
	}
	if o.HealthInterval <= 0 {
		o.HealthInterval = 2 * time.Second
	}
	if o.HealthTimeout <= 0 {
		o.HealthTimeout = 2 * time.Second
	}
	if o.MaxReply <= 0 {
		o.MaxReply = 64 << 20
	}
	if o.Transport == nil {
		o.Transport = Transport()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	p := &Pool{o: o, client: &http.Client{Transport: o.Transport}, stop: make(chan struct{}), done: make(chan struct{})}
	seen := map[string]bool{}
	for _, raw := range o.URLs {
		base, err := BaseURL(raw)
		if err != nil {
			return nil, err
		}
		if seen[base] {
			continue
		}
		seen[base] = true
		p.members = append(p.members, &member{url: base})
	}
	return p, nil
}

// BaseURL checks a worker URL and returns its scheme://host.
func BaseURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
		return "", fmt.Errorf("workers: %q: want http://host:port", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

// list is the members now.
func (p *Pool) list() []*member {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.members
}

// discover replaces the members by what Discover lists, keeping the state
// of those that stay.
func (p *Pool) discover(ctx context.Context) {
	urls, err := p.o.Discover(ctx)
	if err != nil {
		p.o.Logger.Warn("worker discovery failed; keeping the workers known", "err", err)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	old := make(map[string]*member, len(p.members))
	for _, m := range p.members {
		old[m.url] = m
	}
	next := make([]*member, 0, len(urls))
	seen := map[string]bool{}
	for _, raw := range urls {
		base, err := BaseURL(raw)
		if err != nil {
			p.o.Logger.Warn("registered worker ignored", "err", err)
			continue
		}
		if seen[base] {
			continue
		}
		seen[base] = true
		m := old[base]
		if m == nil {
			p.o.Logger.Info("worker registered", "worker", base)
			m = &member{url: base}
		}
		next = append(next, m)
	}
	for u := range old {
		if !seen[u] {
			p.o.Logger.Info("worker left the registry", "worker", u)
		}
	}
	p.members = next
}

// Start probes every worker once, then in the background every
// HealthInterval until Close.
func (p *Pool) Start(ctx context.Context) {
	p.Probe(ctx)
	go func() {
		defer close(p.done)
		t := time.NewTicker(p.o.HealthInterval)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				p.Probe(ctx)
			}
		}
	}()
}

// Close stops the probes.
func (p *Pool) Close() error {
	p.once.Do(func() { close(p.stop) })
	return nil
}

// Probe asks every worker for its health at once.
func (p *Pool) Probe(ctx context.Context) {
	if p.o.Discover != nil {
		p.discover(ctx)
	}
	var wg sync.WaitGroup
	for _, m := range p.list() {
		wg.Add(1)
		go func(m *member) { defer wg.Done(); p.probe(ctx, m) }(m)
	}
	wg.Wait()
}

func (p *Pool) probe(ctx context.Context, m *member) {
	ctx, cancel := context.WithTimeout(ctx, p.o.HealthTimeout)
	defer cancel()
	h, err := p.health(ctx, m)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		if m.healthy || m.lastErr == "" {
			p.o.Logger.Warn("worker down", "worker", m.url, "err", err)
		}
		m.healthy, m.lastErr = false, err.Error()
		return
	}
	if !m.healthy {
		p.o.Logger.Info("worker up", "worker", m.url, "engines", h.Engines, "apis", len(h.Operations))
	}
	m.known, m.healthy, m.lastErr, m.load = true, true, "", h.InFlight
	m.engines, m.ops = set(h.Engines), set(h.Operations)
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func (p *Pool) health(ctx context.Context, m *member) (Health, error) {
	var h Health
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url+PathHealth, nil)
	if err != nil {
		return h, err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return h, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return h, fmt.Errorf("health answered %s", resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&h); err != nil {
		return h, fmt.Errorf("health answer: %w", err)
	}
	return h, nil
}

// Status is a worker's state as the pool last saw it.
type Status struct {
	URL      string
	Healthy  bool
	Err      string
	Engines  []string
	InFlight int64
}

// Statuses lists the workers.
func (p *Pool) Statuses() []Status {
	var out []Status
	for _, m := range p.list() {
		m.mu.Lock()
		s := Status{URL: m.url, Healthy: m.healthy, Err: m.lastErr, InFlight: m.inflight.Load()}
		for e := range m.engines {
			s.Engines = append(s.Engines, e)
		}
		m.mu.Unlock()
		sort.Strings(s.Engines)
		out = append(out, s)
	}
	return out
}

// Serves reports whether a healthy worker serves engine (the readiness
// probe's question).
func (p *Pool) Serves(engine string) bool {
	for _, m := range p.list() {
		m.mu.Lock()
		ok := m.healthy && m.engines[engine]
		m.mu.Unlock()
		if ok {
			return true
		}
	}
	return false
}

// markDown takes a worker out of rotation until a probe finds it again.
func (p *Pool) markDown(m *member, err error) {
	m.mu.Lock()
	if m.healthy {
		p.o.Logger.Warn("worker down", "worker", m.url, "err", err)
	}
	m.healthy, m.lastErr = false, err.Error()
	m.mu.Unlock()
}

// candidates are the healthy workers that serve op of engine, least busy
// first, or the error the call answers when there are none.
func (p *Pool) candidates(engine, op string) ([]*member, error) {
	var (
		out                           []*member
		unknown, servesEngine, withOp bool
	)
	for _, m := range p.list() {
		m.mu.Lock()
		switch {
		case !m.known:
			unknown = true
		case m.engines[engine]:
			servesEngine = true
			if m.ops[op] {
				withOp = true
				if m.healthy {
					out = append(out, m)
				}
			}
		}
		m.mu.Unlock()
	}
	switch {
	case len(out) > 0:
	case !servesEngine && unknown:
		// A worker that never answered may be the one serving it.
		return nil, catalog.New(catalog.ModelArts4302).Wrap(fmt.Errorf("no reachable worker serves %s", engine))
	case !servesEngine:
		return nil, catalog.New(catalog.ModelArts4503).Wrap(fmt.Errorf("no worker serves engine %s", engine))
	case !withOp:
		return nil, catalog.New(catalog.ModelArts4506).Wrap(fmt.Errorf("the workers of %s do not serve %s", engine, op))
	default:
		return nil, catalog.New(catalog.ModelArts4302).Wrap(fmt.Errorf("every worker serving %s is down", op))
	}
	// Least calls in flight from this replica first; then the worker's
	// own count at the last probe (other replicas' calls); then in turn.
	start := int(p.rr.Add(1) % uint64(len(out)))
	type load struct{ mine, worker int64 }
	loads := make([]load, len(out))
	for i, m := range out {
		m.mu.Lock()
		loads[i] = load{m.inflight.Load(), m.load}
		m.mu.Unlock()
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = (start + i) % len(out)
	}
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := loads[idx[a]], loads[idx[b]]
		if x.mine != y.mine {
			return x.mine < y.mine
		}
		return x.worker < y.worker
	})
	sorted := make([]*member, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
	}
	return sorted, nil
}

// Handler forwards the calls of op, an API of engine, to the workers.
func (p *Pool) Handler(engine, op string) api.Handler {
	return func(ctx context.Context, c *api.Call) (any, error) {
		return p.Call(ctx, engine, c)
	}
}

// Call forwards one call and returns the worker's JSON answer.
func (p *Pool) Call(ctx context.Context, engine string, c *api.Call) (any, error) {
	ms, err := p.candidates(engine, c.API)
	if err != nil {
		return nil, err
	}
	head, err := callHead(c)
	if err != nil {
		return nil, catalog.E(catalog.KindInternal).Wrap(err)
	}
	var last error
	for _, m := range ms {
		resp, retry, err := p.callOne(ctx, m, c.API, head, c.Body)
		if !retry {
			return resp, err
		}
		last = err
	}
	return nil, last
}

// callOne makes the call on m; retry reports that the call never reached
// the worker (it could not be dialled), so another may take it.
func (p *Pool) callOne(ctx context.Context, m *member, op string, head, body []byte) (resp any, retry bool, err error) {
	m.inflight.Add(1)
	defer m.inflight.Add(-1)
	for attempt := 0; ; attempt++ {
		tok, err := p.token(ctx, m, attempt > 0)
		var refused *tokenRefused
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return nil, false, fmt.Errorf("worker token: %w", ctx.Err())
		case errors.As(err, &refused):
			// The worker answered, and not with a token.
			return nil, false, catalog.New(catalog.ModelArts4301).Wrap(err)
		default:
			// The request for one did not get through: unreachable.
			p.markDown(m, err)
			return nil, isDial(err), catalog.New(catalog.ModelArts4302).Wrap(fmt.Errorf("worker %s: %w", m.url, err))
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.url+PathCalls+op, nil)
		if err != nil {
			return nil, false, catalog.E(catalog.KindInternal).Wrap(err)
		}
		newBody, n := callBody(head, body)
		req.Body, req.ContentLength = newBody(), n
		req.GetBody = func() (io.ReadCloser, error) { return newBody(), nil }
		req.Header.Set("Content-Type", callContentType)
		req.Header.Set("Authorization", "Bearer "+tok)
		// No Idempotency-Key: net/http would then replay a call whose
		// kept-alive connection broke after sending it, and a video job
		// submitted twice is two jobs. A connection the worker closed
		// idle is retried all the same when nothing was written on it;
		// the worker keeps idle connections longer than the pool does.
		if d, ok := ctx.Deadline(); ok {
			req.Header.Set(HeaderDeadline, strconv.FormatInt(d.UnixMilli(), 10))
		}
		r, err := p.client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				// The guard names the deadline that ran out (4402 or
				// the gateway's); a caller gone away is not the worker's.
				return nil, false, fmt.Errorf("worker %s: %w", m.url, ctx.Err())
			}
			p.markDown(m, err)
			return nil, isDial(err), catalog.New(catalog.ModelArts4302).Wrap(fmt.Errorf("worker %s: %w", m.url, err))
		}
		if r.StatusCode == http.StatusUnauthorized && attempt == 0 {
			// The token expired or the worker restarted: get another once.
			io.Copy(io.Discard, io.LimitReader(r.Body, 4<<10))
			r.Body.Close()
			continue
		}
		resp, err := p.reply(ctx, m, op, r)
		return resp, false, err
	}
}

// reply reads a worker's answer to a call.
func (p *Pool) reply(ctx context.Context, m *member, op string, r *http.Response) (any, error) {
	defer r.Body.Close()
	bad := func(why string, args ...any) error {
		return catalog.E(catalog.KindBackendResponse).Wrap(fmt.Errorf("worker %s, %s: %s", m.url, op, fmt.Sprintf(why, args...)))
	}
	switch r.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, catalog.New(catalog.ModelArts4504).Wrap(fmt.Errorf("worker %s has no API %s", m.url, op))
	case http.StatusUnauthorized:
		return nil, catalog.New(catalog.ModelArts4301).Wrap(fmt.Errorf("worker %s refused a fresh token", m.url))
	default:
		return nil, bad("answered %s", r.Status)
	}
	b, err := readSized(r.Body, r.ContentLength, p.o.MaxReply)
	switch {
	case errors.Is(err, errOverLimit):
		return nil, bad("answer over %d bytes", p.o.MaxReply)
	case err != nil && ctx.Err() != nil:
		return nil, fmt.Errorf("worker %s: %w", m.url, ctx.Err())
	case err != nil:
		return nil, bad("answer cut off after %d bytes: %v", len(b), err)
	}
	switch r.Header.Get(HeaderOutcome) {
	case "ok":
		if !validJSON(b) {
			return nil, bad("answer is not JSON (%d bytes)", len(b))
		}
		return json.RawMessage(b), nil
	case "error":
		var w catalog.Wire
		if err := json.Unmarshal(b, &w); err != nil {
			return nil, bad("error answer is not JSON: %v", err)
		}
		e, ok := catalog.FromWire(w)
		if !ok {
			return nil, bad("error answer names no known kind or code (%q, %q)", w.Kind, w.Code)
		}
		return nil, e
	default:
		return nil, bad("answer without %s", HeaderOutcome)
	}
}

// tokenRefused is a worker's answer to a token request that is no token.
type tokenRefused struct{ why string }

func (e *tokenRefused) Error() string { return e.why }

// isDial reports an error of connecting, before anything was sent.
func isDial(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// token returns a token of m, asking for a new one when fresh is set or
// the cached one is (nearly) expired.
func (p *Pool) token(ctx context.Context, m *member, fresh bool) (string, error) {
	m.tokMu.Lock()
	defer m.tokMu.Unlock()
	now := p.o.Now()
	if !fresh && m.tok != "" && now.Add(30*time.Second).Before(m.tokExp) {
		return m.tok, nil
	}
	var nonce [12]byte
	rand.Read(nonce[:])
	body, _ := json.Marshal(tokenRequest{Time: now.UnixMilli(), Nonce: hex.EncodeToString(nonce[:])})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.url+PathTokens, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderSignature, sign(p.o.Key, body))
	r, err := p.client.Do(req)
	if err != nil {
		return "", err
	}
	defer r.Body.Close()
	b, err := io.ReadAll(io.LimitReader(r.Body, 16<<10))
	if err != nil {
		return "", fmt.Errorf("token answer: %w", err)
	}
	if r.StatusCode != http.StatusOK {
		return "", &tokenRefused{fmt.Sprintf("worker %s refused a token: %s %s", m.url, r.Status, bytes.TrimSpace(b))}
	}
	var tr tokenReply
	if err := json.Unmarshal(b, &tr); err != nil || tr.Token == "" {
		return "", &tokenRefused{fmt.Sprintf("worker %s: malformed token answer", m.url)}
	}
	m.tok, m.tokExp = tr.Token, time.UnixMilli(tr.ExpiresAt)
	return m.tok, nil
}
