package redislimits

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aisd/aisd/internal/platform/limits"
)

// A service's breaker is four keys, all with lifetimes of their own:
//
//	brk:<svc>:n      hash of outcome counts per slice of the window
//	                 ("<slice>s", "<slice>f"); expires a window after
//	                 the last outcome
//	brk:<svc>:open   present while the breaker is open; expires when the
//	                 cool-down ends
//	brk:<svc>:trip   the id of the trip that opened it, kept until a probe
//	                 closes it; while it is present and open is not, the
//	                 breaker is half-open. It expires a window after the
//	                 cool-down, so that a breaker nobody probes closes by
//	                 itself
//	brk:<svc>:probe  the token of the one replica's call that probes;
//	                 expires after a cool-down, so a replica that died
//	                 probing does not wedge the breaker half-open
//
// The window is kept on Redis's clock, which every replica shares.

// breakerAllowScript answers {0, trip} refused, {1, ""} allowed while
// closed, {2, trip} allowed as the probe.
var breakerAllowScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, ''} end
local trip = redis.call('GET', KEYS[2])
if not trip then return {1, ''} end
if redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2, trip} end
return {0, trip}
`)

// breakerRecordScript counts one outcome (ARGV[1]: s, f or i). A probe's
// outcome (ARGV[3] its token, ARGV[2] the trip it probed) closes the
// breaker or opens it again; an outcome of a call let through while
// closed is counted unless the breaker tripped since, and trips it when
// the window holds at least min calls of which the failure share reached
// the rate. It answers the state it left: 0 closed, 1 open, 2 half-open.
var breakerRecordScript = redis.NewScript(`
local o = ARGV[1]
local width = tonumber(ARGV[4])
local slices = tonumber(ARGV[5])
local cool = tonumber(ARGV[8])
local tripttl = tonumber(ARGV[9])
local trip = redis.call('GET', KEYS[2])
if ARGV[3] ~= '' then
  if trip ~= ARGV[2] then return trip and 2 or 0 end
  local p = redis.call('GET', KEYS[3])
  if p and p ~= ARGV[3] then return 2 end
  if o == 's' then
    redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
    return 0
  end
  redis.call('DEL', KEYS[3])
  if o == 'f' then
    redis.call('SET', KEYS[1], '1', 'PX', cool)
    redis.call('PEXPIRE', KEYS[2], cool + tripttl)
    return 1
  end
  return 2
end
if trip then
  if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
  return 2
end
if o == 'i' then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local slice = math.floor(now / width)
redis.call('HINCRBY', KEYS[4], string.format('%d', slice) .. o, 1)
redis.call('PEXPIRE', KEYS[4], width * slices)
local h = redis.call('HGETALL', KEYS[4])
local calls, fails = 0, 0
for i = 1, #h, 2 do
  local s, kind = string.match(h[i], '^(%d+)([sf])$')
  s = tonumber(s)
  if s == nil or s <= slice - slices then
    redis.call('HDEL', KEYS[4], h[i])
  else
    local n = tonumber(h[i + 1])
    calls = calls + n
    if kind == 'f' then fails = fails + n end
  end
end
if calls >= tonumber(ARGV[6]) and fails >= tonumber(ARGV[7]) * calls then
  redis.call('SET', KEYS[1], '1', 'PX', cool)
  redis.call('SET', KEYS[2], ARGV[10], 'PX', cool + tripttl)
  redis.call('DEL', KEYS[3], KEYS[4])
  return 1
end
return 0
`)

// breakerStateScript answers 0 closed, 1 open, 2 half-open.
var breakerStateScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
if redis.call('EXISTS', KEYS[2]) == 1 then return 2 end
return 0
`)

// Breakers is a limits.Breakers in Redis: one breaker per service for
// every replica. The options' Now is not used: the window runs on Redis's
// clock.
type Breakers struct {
	c      redis.Scripter
	prefix string
	o      limits.BreakerOptions
	log    *slog.Logger

	mu   sync.Mutex
	seen map[string]bool // services this replica has asked about, for States
}

// NewBreakers returns breakers kept in c under keys starting with prefix.
func NewBreakers(c redis.Scripter, prefix string, o limits.BreakerOptions, log *slog.Logger) *Breakers {
	if log == nil {
		log = slog.Default()
	}
	return &Breakers{c: c, prefix: prefix + "brk:", o: o.WithDefaults(), log: log, seen: map[string]bool{}}
}

func (b *Breakers) keys(service string) []string {
	p := b.prefix + service
	return []string{p + ":open", p + ":trip", p + ":probe", p + ":n"}
}

// Allow implements limits.Breakers.
func (b *Breakers) Allow(ctx context.Context, service string) (func(limits.Outcome), bool, error) {
	b.mu.Lock()
	b.seen[service] = true
	b.mu.Unlock()
	keys := b.keys(service)
	token := callID()
	r, err := breakerAllowScript.Run(ctx, b.c, keys[:3], token, ms(b.o.CoolDown)).Slice()
	if err != nil {
		return nil, false, fmt.Errorf("breaker of %s: %w", service, err)
	}
	if len(r) != 2 {
		return nil, false, fmt.Errorf("breaker of %s: allow script answered %v", service, r)
	}
	verdict, _ := r[0].(int64)
	trip, _ := r[1].(string)
	switch verdict {
	case 0:
		return nil, false, nil
	case 1:
		token = "" // not a probe
	}
	var once sync.Once
	return func(o limits.Outcome) { once.Do(func() { b.record(keys, o, trip, token) }) }, true, nil
}

func (b *Breakers) record(keys []string, o limits.Outcome, trip, token string) {
	outcome := map[limits.Outcome]string{limits.Success: "s", limits.Failure: "f", limits.Ignored: "i"}[o]
	if outcome == "i" && token == "" {
		return // nothing to count, nothing to release
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	width := max64(ms(b.o.Window)/int64(b.o.Buckets), 1)
	err := breakerRecordScript.Run(ctx, b.c, keys, outcome, trip, token,
		width, b.o.Buckets, b.o.MinCalls, b.o.FailureRate, ms(b.o.CoolDown), ms(b.o.Window), callID()).Err()
	if err != nil {
		// A lost outcome only delays a trip; a lost probe's key expires.
		b.log.Warn("breaker outcome not recorded", "breaker", keys[0], "err", err)
	}
}

// States implements limits.Breakers: the shared state of every service
// this replica has called (a service that cannot be read is left out).
func (b *Breakers) States() map[string]limits.State {
	b.mu.Lock()
	names := make([]string, 0, len(b.seen))
	for n := range b.seen {
		names = append(names, n)
	}
	b.mu.Unlock()
	out := make(map[string]limits.State, len(names))
	for _, n := range names {
		if s, err := b.State(context.Background(), n); err == nil {
			out[n] = s
		}
	}
	return out
}

// State returns the shared state of one service's breaker.
func (b *Breakers) State(ctx context.Context, service string) (limits.State, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	n, err := breakerStateScript.Run(ctx, b.c, b.keys(service)[:2]).Int()
	if err != nil {
		return limits.Closed, err
	}
	return []limits.State{limits.Closed, limits.Open, limits.HalfOpen}[n], nil
}

func ms(d time.Duration) int64 { return max64(d.Milliseconds(), 1) }

var _ limits.Breakers = (*Breakers)(nil)
