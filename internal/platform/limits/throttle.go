// Package limits protects the services: a per-user per-API request rate
// (Throttle), and around each handler call a per-service concurrency cap, a
// deadline and a circuit breaker (Guard).
package limits

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store"
)

// Window is the throttling period the published APIG.0308 message names.
const Window = time.Minute

// SettingGetter is the part of store.Store the throttle reads overrides from.
type SettingGetter interface {
	GetSetting(ctx context.Context, projectID, key string) (string, error)
}

// ThrottleOptions configures a Throttle.
type ThrottleOptions struct {
	// Limit is the default number of calls per user per API per minute;
	// 0 or less disables throttling where no override applies.
	Limit int
	// OverrideTTL is how long a project's override is cached (default 30s).
	OverrideTTL time.Duration
	// MaxKeys bounds the number of tracked user/API windows (default 100000).
	MaxKeys int
	Now     func() time.Time
	Logger  *slog.Logger
}

// Throttle limits calls per user per API per minute with a fixed window that
// starts at a key's first call and lasts one minute; when it ends the count
// starts over. A fixed window makes X-RateLimit-Reset and Retry-After exact,
// which is what a client's retry logic needs, at the cost of letting up to
// twice the limit through across a window boundary.
//
// The limit of a call is, first found: the project setting "ratelimit.<API>",
// the project setting "ratelimit", the default. A setting of 0 turns
// throttling off for that project (or API).
type Throttle struct {
	settings SettingGetter
	def      int
	ttl      time.Duration
	maxKeys  int
	now      func() time.Time
	log      *slog.Logger

	mu        sync.Mutex
	windows   map[windowKey]*window
	lastSweep time.Time
	limits    map[limitKey]cachedLimit
}

type windowKey struct{ user, project, api string }

type window struct {
	start time.Time
	count int
}

type limitKey struct{ project, api string }

type cachedLimit struct {
	limit   int
	expires time.Time
}

// NewThrottle returns a Throttle reading per-project overrides from settings
// (nil: defaults only).
func NewThrottle(settings SettingGetter, o ThrottleOptions) *Throttle {
	t := &Throttle{
		settings: settings,
		def:      o.Limit,
		ttl:      o.OverrideTTL,
		maxKeys:  o.MaxKeys,
		now:      o.Now,
		log:      o.Logger,
		windows:  make(map[windowKey]*window),
		limits:   make(map[limitKey]cachedLimit),
	}
	if t.ttl <= 0 {
		t.ttl = 30 * time.Second
	}
	if t.maxKeys <= 0 {
		t.maxKeys = 100000
	}
	if t.now == nil {
		t.now = time.Now
	}
	if t.log == nil {
		t.log = slog.Default()
	}
	return t
}

// Decision is the throttle's verdict on one call. The zero Decision (no limit
// applies) has no headers.
type Decision struct {
	Allowed   bool
	Limit     int // calls allowed in the window; 0 when no limit applies
	Remaining int
	Reset     time.Time // end of the current window
	// RetryAfter is how long a refused caller should wait.
	RetryAfter time.Duration
}

// Headers returns the rate-limit headers to send on the response:
// X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset (the Unix
// time in seconds at which the window ends), plus Retry-After in seconds on
// a refusal.
func (d Decision) Headers() http.Header {
	h := http.Header{}
	if d.Limit <= 0 {
		return h
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.Remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(int64(math.Ceil(float64(d.Reset.UnixNano())/1e9)), 10))
	if !d.Allowed {
		h.Set("Retry-After", strconv.Itoa(retrySeconds(d.RetryAfter)))
	}
	return h
}

func retrySeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}

// Allow counts one call of api by userID in projectID. A refused call gets
// APIG.0308 (429, "...limit:N,time:1 minute") carrying the same headers as
// the Decision, Retry-After included. Refused calls do not use up the window.
func (t *Throttle) Allow(ctx context.Context, userID, projectID, api string) (Decision, error) {
	limit := t.limitFor(ctx, projectID, api)
	if limit <= 0 {
		return Decision{Allowed: true}, nil
	}
	now := t.now()
	k := windowKey{userID, projectID, api}

	t.mu.Lock()
	t.sweep(now)
	w := t.windows[k]
	if w == nil || !now.Before(w.start.Add(Window)) {
		if w == nil {
			w = &window{}
			t.windows[k] = w
		}
		w.start, w.count = now, 0
	}
	d := Decision{Limit: limit, Reset: w.start.Add(Window)}
	if w.count < limit {
		w.count++
		d.Allowed = true
	}
	d.Remaining = limit - w.count
	t.mu.Unlock()

	if d.Allowed {
		return d, nil
	}
	d.RetryAfter = d.Reset.Sub(now)
	e := catalog.New(catalog.APIG0308, limit)
	for k, vs := range d.Headers() {
		e = e.WithHeader(k, vs[0])
	}
	return d, e
}

// sweep drops windows that have ended, at most once a window period unless
// the map is over its bound; when every window is live and the bound is
// still exceeded it forgets arbitrary ones (they restart with a full quota).
// Called with t.mu held.
func (t *Throttle) sweep(now time.Time) {
	over := len(t.windows) >= t.maxKeys
	if !over && now.Sub(t.lastSweep) < Window {
		return
	}
	t.lastSweep = now
	for k, w := range t.windows {
		if !now.Before(w.start.Add(Window)) {
			delete(t.windows, k)
		}
	}
	for k := range t.windows {
		if len(t.windows) < t.maxKeys {
			break
		}
		delete(t.windows, k)
	}
}

// Keys returns the number of tracked windows (for metrics).
func (t *Throttle) Keys() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.windows)
}

func (t *Throttle) limitFor(ctx context.Context, projectID, api string) int {
	if t.settings == nil || projectID == "" {
		return t.def
	}
	now := t.now()
	k := limitKey{projectID, api}
	t.mu.Lock()
	c, ok := t.limits[k]
	t.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.limit
	}
	limit := t.def
	for _, key := range []string{"ratelimit." + api, "ratelimit"} {
		v, err := t.settings.GetSetting(ctx, projectID, key)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			// Throttling must not fail calls when the store hiccups: use the
			// default and retry the lookup after the TTL.
			t.log.Warn("rate-limit override unreadable", "project", projectID, "key", key, "err", err)
			break
		}
		n, perr := strconv.Atoi(strings.TrimSpace(v))
		if perr != nil || n < 0 {
			t.log.Warn("rate-limit override is not a non-negative integer", "project", projectID, "key", key, "value", v)
			continue
		}
		limit = n
		break
	}
	t.mu.Lock()
	if len(t.limits) >= t.maxKeys {
		clear(t.limits)
	}
	t.limits[k] = cachedLimit{limit: limit, expires: now.Add(t.ttl)}
	t.mu.Unlock()
	return limit
}
