// Package redislimits keeps the platform's shared counters in Redis, so
// that any number of aisd replicas enforce one set of limits: the
// per-user per-API rate windows, the authentication failure counters and
// lockouts, and the per-service in-flight counts. Every change is one
// atomic Lua script, and every key expires on its own once it stops
// mattering.
//
// The rate windows and lockouts are kept on the callers' clocks (the
// replicas' clocks are assumed in step, as the signature check already
// requires); the in-flight leases are kept on Redis's clock, since a
// lease must expire whichever replica is still alive.
package redislimits

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/platform/limits"
)

// Open connects to the Redis at rawURL (redis://[user:pass@]host:port/db or
// rediss://…) and checks that it answers: a replica configured to share its
// limits must not start with limits of its own.
func Open(ctx context.Context, rawURL string) (*redis.Client, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis setting %q: %w", Redact(rawURL), err)
	}
	c := redis.NewClient(opt)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis at %s does not answer: %w (aisd does not fall back to per-process limits, which the other replicas would not share)", Redact(rawURL), err)
	}
	return c, nil
}

// SetLogger routes the Redis client's own messages (failed dials and the
// like) to log, as warnings, instead of the standard logger's stderr.
func SetLogger(log *slog.Logger) { redis.SetLogger(slogPrintf{log}) }

type slogPrintf struct{ log *slog.Logger }

func (l slogPrintf) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}

// Redact hides the password of a Redis URL, for messages.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// windowScript is limits.MemoryWindows.Take on a hash of Unix second →
// calls: the newest second is the head (a clock that steps back counts
// into it), seconds that left the window are dropped, and the call is
// counted when fewer than the limit remain. It answers {allowed, count,
// reset second}.
var windowScript = redis.NewScript(`
local sec = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local slots = tonumber(ARGV[3])
local h = redis.call('HGETALL', KEYS[1])
local head = sec
for i = 1, #h, 2 do
  local s = tonumber(h[i])
  if s > head then head = s end
end
local secs, counts, total = {}, {}, 0
for i = 1, #h, 2 do
  local s = tonumber(h[i])
  if s <= head - slots then
    redis.call('HDEL', KEYS[1], h[i])
  else
    counts[s] = tonumber(h[i + 1])
    secs[#secs + 1] = s
    total = total + counts[s]
  end
end
local allowed = 0
if total < limit then
  redis.call('HINCRBY', KEYS[1], string.format('%d', head), 1)
  if counts[head] == nil then
    counts[head] = 0
    secs[#secs + 1] = head
  end
  counts[head] = counts[head] + 1
  total = total + 1
  allowed = 1
end
table.sort(secs)
local k = 1
if allowed == 0 then k = total - limit + 1 end
local reset = head + slots
for _, s in ipairs(secs) do
  k = k - counts[s]
  if k <= 0 then
    reset = s + slots
    break
  end
end
redis.call('EXPIRE', KEYS[1], slots + 1)
return {allowed, total, reset}
`)

// Windows is a limits.Windows in Redis.
type Windows struct {
	c      redis.Scripter
	prefix string
}

// NewWindows returns rate windows kept in c under keys starting with prefix.
func NewWindows(c redis.Scripter, prefix string) *Windows {
	return &Windows{c: c, prefix: prefix + "rl:"}
}

// Take implements limits.Windows.
func (w *Windows) Take(ctx context.Context, key string, limit int, now time.Time) (limits.Take, error) {
	r, err := windowScript.Run(ctx, w.c, []string{w.prefix + key}, now.Unix(), limit, limits.WindowSlots).Int64Slice()
	if err != nil {
		return limits.Take{}, err
	}
	if len(r) != 3 {
		return limits.Take{}, fmt.Errorf("rate window script answered %v", r)
	}
	return limits.Take{Allowed: r[0] == 1, Count: int(r[1]), Reset: time.Unix(r[2], 0)}, nil
}

// failScript is limits.MemoryLockout.Fail on a hash {f: failures, u: locked
// until (Unix ms)}: a served lock starts a new count, the failure that
// reaches the limit locks. The key expires a lock duration after the last
// failure, when its count no longer matters (the memory lockout forgets
// such counts first too).
var failScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local dur = tonumber(ARGV[3])
local u = tonumber(redis.call('HGET', KEYS[1], 'u') or '0')
if u > 0 and now >= u then redis.call('DEL', KEYS[1]) end
local f = redis.call('HINCRBY', KEYS[1], 'f', 1)
if f >= max then redis.call('HSET', KEYS[1], 'u', string.format('%d', now + dur)) end
redis.call('PEXPIRE', KEYS[1], dur)
return f
`)

// Lockout is a limits.Lockout in Redis.
type Lockout struct {
	c        redis.Cmdable
	prefix   string
	failures int
	dur      time.Duration
}

// NewLockout returns a lockout kept in c under keys starting with prefix,
// locking a key for dur after failures failures in a row.
func NewLockout(c redis.Cmdable, prefix string, failures int, dur time.Duration) *Lockout {
	return &Lockout{c: c, prefix: prefix, failures: failures, dur: dur}
}

// Locked implements limits.Lockout.
func (l *Lockout) Locked(ctx context.Context, key string, now time.Time) (bool, error) {
	v, err := l.c.HGet(ctx, l.prefix+key, "u").Result()
	if err == redis.Nil {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	until, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return false, fmt.Errorf("lockout %s: until %q: %w", key, v, err)
	}
	return now.UnixMilli() < until, nil
}

// Fail implements limits.Lockout.
func (l *Lockout) Fail(ctx context.Context, key string, now time.Time) error {
	return failScript.Run(ctx, l.c, []string{l.prefix + key}, now.UnixMilli(), l.failures, max(l.dur.Milliseconds(), 1)).Err()
}

// Succeed implements limits.Lockout.
func (l *Lockout) Succeed(ctx context.Context, key string) error {
	return l.c.Del(ctx, l.prefix+key).Err()
}

// acquireScript takes a lease in the sorted set of a service's calls
// (member: call id, score: lease expiry in Redis's Unix ms): leases that
// ran out (their replica died mid-call) are trimmed first, then the call
// gets one if fewer than the cap are held.
var acquireScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], string.format('%d', now + lease), ARGV[3])
redis.call('PEXPIRE', KEYS[1], lease)
return 1
`)

// renewScript extends a held lease; it answers 0 when the lease was lost
// (it ran out before being renewed).
var renewScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', string.format('%d', now + lease), ARGV[2])
redis.call('PEXPIRE', KEYS[1], lease)
return 1
`)

// countScript counts the live leases.
var countScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%d', now), '+inf')
`)

// DefaultLease is how long an in-flight slot survives its replica; a live
// call renews it every third of that.
const DefaultLease = 30 * time.Second

// Slots is a limits.Slots in Redis: the cap holds over every replica's
// calls.
type Slots struct {
	c      redis.Cmdable
	prefix string
	def    int
	per    map[string]int
	lease  time.Duration
	log    *slog.Logger
}

// NewSlots returns in-flight caps kept in c under keys starting with
// prefix: def concurrent calls per service, or per[service] when set (0 or
// less: no cap, and nothing kept). lease is how long a slot outlives a
// replica that died holding it (0: DefaultLease).
func NewSlots(c redis.Cmdable, prefix string, def int, per map[string]int, lease time.Duration, log *slog.Logger) *Slots {
	p := make(map[string]int, len(per))
	for k, v := range per {
		p[k] = v
	}
	if lease <= 0 {
		lease = DefaultLease
	}
	if log == nil {
		log = slog.Default()
	}
	return &Slots{c: c, prefix: prefix + "inflight:", def: def, per: p, lease: lease, log: log}
}

// Max implements limits.Slots.
func (s *Slots) Max(service string) int {
	if n, ok := s.per[service]; ok {
		return n
	}
	return s.def
}

// Acquire implements limits.Slots. The lease is renewed in the background
// until release.
func (s *Slots) Acquire(ctx context.Context, service string) (func(), error) {
	max := s.Max(service)
	if max <= 0 {
		return func() {}, nil
	}
	id := callID()
	key := s.prefix + service
	ms := max64(s.lease.Milliseconds(), 1)
	ok, err := acquireScript.Run(ctx, s.c, []string{key}, max, ms, id).Int()
	if err != nil {
		return nil, catalog.E(catalog.KindInternal).Wrap(fmt.Errorf("in-flight slots: %w", err))
	}
	if ok != 1 {
		return nil, catalog.New(catalog.ModelArts4401)
	}
	stop := make(chan struct{})
	go s.renew(key, id, ms, stop)
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := s.c.ZRem(rctx, key, id).Err(); err != nil {
				// The lease runs out by itself.
				s.log.Warn("in-flight slot not released; its lease will expire", "service", key, "err", err)
			}
		})
	}, nil
}

func (s *Slots) renew(key, id string, ms int64, stop <-chan struct{}) {
	t := time.NewTicker(s.lease / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), s.lease/3)
			ok, err := renewScript.Run(ctx, s.c, []string{key}, ms, id).Int()
			cancel()
			if err != nil {
				s.log.Warn("in-flight lease not renewed", "service", key, "err", err)
			} else if ok == 0 {
				s.log.Warn("in-flight lease lost before renewal", "service", key)
				return
			}
		}
	}
}

// InUse implements limits.Slots: the calls of every replica (0 when Redis
// does not answer).
func (s *Slots) InUse(service string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := countScript.Run(ctx, s.c, []string{s.prefix + service}).Int()
	if err != nil {
		return 0
	}
	return n
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func callID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

var (
	_ limits.Windows = (*Windows)(nil)
	_ limits.Lockout = (*Lockout)(nil)
	_ limits.Slots   = (*Slots)(nil)
)
