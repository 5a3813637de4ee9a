// Package limits protects the services: a per-user per-API request rate
// (Throttle), and around each handler call a per-service concurrency cap, a
// deadline and a circuit breaker (Guard).
package limits

import (
	"context"
	"errors"
	"fmt"
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
	// Windows holds the per-user per-API windows; nil keeps them in this
	// process's memory (NewMemoryWindows). Replicas share a Redis one.
	Windows Windows
	Now     func() time.Time
	Logger  *slog.Logger
}

// Throttle limits calls per user per API to Limit in any sliding window of
// one minute: a call is allowed only while fewer than Limit calls were
// allowed in the minute before it, so no 60-second span, wherever it
// starts, ever holds more than Limit allowed calls (a fixed window lets
// twice the limit through across its edge; GCRA and token buckets either
// allow no burst or let up to 2N-1 through in a minute). Up to Limit calls
// may come at once.
//
// Calls are counted per whole second: a key keeps one counter for each of
// the last 61 seconds (the current one included), which bounds its memory
// whatever the limit. A call therefore counts for between 60 and 61
// seconds, never less than the minute the published limit names: the
// throttle may refuse up to a second early, never late.
//
// The limit of a call is, first found: the project setting "ratelimit.<API>",
// the project setting "ratelimit", the default. A setting of 0 turns
// throttling off for that project (or API). Settings are read from the
// store and cached for OverrideTTL.
type Throttle struct {
	settings SettingGetter
	def      int
	ttl      time.Duration
	maxKeys  int
	now      func() time.Time
	log      *slog.Logger

	windows Windows
	mu      sync.Mutex
	limits  map[limitKey]cachedLimit
}

// Windows counts calls in sliding one-minute windows, one per key, with
// the semantics Throttle documents (per-second counters, 61 of them).
// Implementations: MemoryWindows (one process) and the Redis one in
// package redislimits (shared by replicas).
type Windows interface {
	// Take counts one call under key at now if fewer than limit calls are
	// counted in its window, and reports the verdict. A refused call is
	// not counted.
	Take(ctx context.Context, key string, limit int, now time.Time) (Take, error)
}

// Take is the verdict of Windows.Take.
type Take struct {
	Allowed bool
	// Count is the number of calls counted in the window after the call.
	Count int
	// Reset is when the window next frees capacity: for an allowed call
	// when its oldest counted call leaves; for a refused one when a call
	// will be allowed again.
	Reset time.Time
}

// WindowKey is the key of a user's window for an API in a project. The
// user id is length-prefixed so that no two triples share a key.
func WindowKey(userID, projectID, api string) string {
	return projectID + ":" + strconv.Itoa(len(userID)) + ":" + userID + ":" + api
}

// MemoryWindows keeps the windows in this process's memory, bounded to
// maxKeys windows.
type MemoryWindows struct {
	maxKeys   int
	mu        sync.Mutex
	windows   map[string]*window
	lastSweep time.Time
}

// NewMemoryWindows returns windows kept in memory, at most maxKeys of them
// (0 or less: 100000).
func NewMemoryWindows(maxKeys int) *MemoryWindows {
	if maxKeys <= 0 {
		maxKeys = 100000
	}
	return &MemoryWindows{maxKeys: maxKeys, windows: make(map[string]*window)}
}

// Take implements Windows.
func (m *MemoryWindows) Take(_ context.Context, key string, limit int, now time.Time) (Take, error) {
	sec := now.Unix()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now)
	w := m.windows[key]
	if w == nil {
		w = &window{head: sec}
		m.windows[key] = w
	}
	w.advance(sec)
	var t Take
	if w.total < limit {
		w.n[slot(w.head)]++
		w.total++
		t.Allowed = true
		t.Reset = time.Unix(w.leaveAt(1), 0)
	} else {
		t.Reset = time.Unix(w.leaveAt(w.total-limit+1), 0)
	}
	t.Count = w.total
	return t, nil
}

// Keys returns the number of tracked windows (for metrics).
func (m *MemoryWindows) Keys() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.windows)
}

// slots is the number of one-second counters of a window: the minute and
// the current second.
const slots = int64(Window/time.Second) + 1

// WindowSlots is the number of one-second counters of a window, for
// implementations of Windows kept elsewhere.
const WindowSlots = slots

// window is one key's sliding window: n[s mod slots] counts the calls of
// second s for the seconds head-slots+1 .. head.
type window struct {
	head  int64 // Unix second of the newest counter
	total int   // calls counted in n
	n     [slots]uint32
}

func slot(sec int64) int64 { return ((sec % slots) + slots) % slots }

// advance moves the window to second sec, dropping the seconds that left
// it. A clock that steps back counts into the newest second.
func (w *window) advance(sec int64) {
	if sec <= w.head {
		return
	}
	if sec-w.head >= slots {
		w.n, w.total = [slots]uint32{}, 0
	} else {
		for s := w.head + 1; s <= sec; s++ {
			i := slot(s)
			w.total -= int(w.n[i])
			w.n[i] = 0
		}
	}
	w.head = sec
}

// leaveAt is the Unix second at which k of the counted calls (oldest
// first) will have left the window: a call of second s leaves at s+slots.
func (w *window) leaveAt(k int) int64 {
	for s := w.head - slots + 1; s <= w.head; s++ {
		k -= int(w.n[slot(s)])
		if k <= 0 {
			return s + slots
		}
	}
	return w.head + slots
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
		windows:  o.Windows,
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
	if t.windows == nil {
		t.windows = NewMemoryWindows(t.maxKeys)
	}
	if t.log == nil {
		t.log = slog.Default()
	}
	return t
}

// Decision is the throttle's verdict on one call. The zero Decision (no limit
// applies) has no headers.
type Decision struct {
	Allowed bool
	Limit   int // calls allowed in any one-minute window; 0 when no limit applies
	// Remaining is how many more calls would be allowed right now: Limit
	// less the calls counted in the window, this one included.
	Remaining int
	// Reset is when the window next frees capacity: for an allowed call,
	// when its oldest counted call leaves it (Remaining goes up); for a
	// refused one, when a call will be allowed again.
	Reset time.Time
	// RetryAfter is how long a refused caller should wait: Reset less now.
	RetryAfter time.Duration
}

// Headers returns the rate-limit headers to send on the response:
// X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset (Reset as
// Unix time in seconds), plus Retry-After in seconds on a refusal.
func (d Decision) Headers() http.Header {
	if d.Limit <= 0 {
		return http.Header{}
	}
	h := make(http.Header, 4)
	d.WriteHeaders(h)
	return h
}

// The canonical forms of the rate-limit header names (http.Header keys).
const (
	hdrLimit      = "X-Ratelimit-Limit"
	hdrRemaining  = "X-Ratelimit-Remaining"
	hdrReset      = "X-Ratelimit-Reset"
	hdrRetryAfter = "Retry-After"
)

// WriteHeaders sets the headers Headers returns on h, replacing any of the
// same names, in three allocations whatever their number: the values share
// one string and the one-element slices one array (every call's answer
// carries them).
func (d Decision) WriteHeaders(h http.Header) {
	if d.Limit <= 0 {
		return
	}
	var buf [80]byte
	b := strconv.AppendInt(buf[:0], int64(d.Limit), 10)
	n1 := len(b)
	b = strconv.AppendInt(b, int64(d.Remaining), 10)
	n2 := len(b)
	b = strconv.AppendInt(b, int64(math.Ceil(float64(d.Reset.UnixNano())/1e9)), 10)
	n3 := len(b)
	if !d.Allowed {
		b = strconv.AppendInt(b, int64(retrySeconds(d.RetryAfter)), 10)
	}
	s := string(b)
	vals := make([]string, 4)
	vals[0], vals[1], vals[2] = s[:n1], s[n1:n2], s[n2:n3]
	// Each value slice is capped at its one element so that an Add to it
	// copies instead of writing into the next header's value.
	h[hdrLimit] = vals[0:1:1]
	h[hdrRemaining] = vals[1:2:2]
	h[hdrReset] = vals[2:3:3]
	if !d.Allowed {
		vals[3] = s[n3:]
		h[hdrRetryAfter] = vals[3:4:4]
	}
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
// the Decision, Retry-After included. Refused calls are not counted.
func (t *Throttle) Allow(ctx context.Context, userID, projectID, api string) (Decision, error) {
	now := t.now() // one clock read for the limit's cache and the window
	limit := t.limitFor(ctx, now, projectID, api)
	if limit <= 0 {
		return Decision{Allowed: true}, nil
	}
	w, err := t.windows.Take(ctx, WindowKey(userID, projectID, api), limit, now)
	if err != nil {
		// Never let calls through uncounted: replicas sharing the windows
		// would each allow the limit.
		return Decision{}, catalog.E(catalog.KindInternal).Wrap(fmt.Errorf("rate-limit windows: %w", err))
	}
	d := Decision{Limit: limit, Allowed: w.Allowed, Reset: w.Reset, Remaining: max(limit-w.Count, 0)}
	if d.Allowed {
		return d, nil
	}
	d.RetryAfter = d.Reset.Sub(now)
	return d, catalog.New(catalog.APIG0308, limit).WithHeadersOwned(d.Headers())
}

// sweep drops windows whose calls have all left, at most once a window
// period unless the map is over its bound; when every window is live and
// the bound is still exceeded it forgets arbitrary ones (they restart with
// a full quota). Called with m.mu held.
func (m *MemoryWindows) sweep(now time.Time) {
	over := len(m.windows) >= m.maxKeys
	if !over && now.Sub(m.lastSweep) < Window {
		return
	}
	m.lastSweep = now
	sec := now.Unix()
	for k, w := range m.windows {
		if sec-w.head >= slots {
			delete(m.windows, k)
		}
	}
	for k := range m.windows {
		if len(m.windows) < m.maxKeys {
			break
		}
		delete(m.windows, k)
	}
}

// Keys returns the number of windows tracked in memory (for metrics), or
// -1 when they are kept elsewhere.
func (t *Throttle) Keys() int {
	if m, ok := t.windows.(*MemoryWindows); ok {
		return m.Keys()
	}
	return -1
}

func (t *Throttle) limitFor(ctx context.Context, now time.Time, projectID, api string) int {
	if t.settings == nil || projectID == "" {
		return t.def
	}
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
