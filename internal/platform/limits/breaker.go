package limits

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
)

// State is a circuit breaker's state.
type State int

// Breaker states, in the order a failing service goes through them.
const (
	Closed   State = iota // calls flow; outcomes are counted
	Open                  // calls are refused until the cool-down ends
	HalfOpen              // one probe call is let through
)

func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half-open"
	}
	return "unknown"
}

// BreakerOptions configures the breakers of a Guard.
type BreakerOptions struct {
	// Window is the rolling period outcomes are counted over (default 30s),
	// kept in Buckets slices (default 10).
	Window  time.Duration
	Buckets int
	// MinCalls is the volume below which the breaker never opens (default 20).
	MinCalls int
	// FailureRate in (0,1] opens the breaker (default 0.5).
	FailureRate float64
	// CoolDown is how long the breaker stays open before a probe (default 10s).
	CoolDown time.Duration
	Now      func() time.Time
}

// WithDefaults fills the unset options with their defaults.
func (o BreakerOptions) WithDefaults() BreakerOptions { return o.withDefaults() }

func (o BreakerOptions) withDefaults() BreakerOptions {
	if o.Window <= 0 {
		o.Window = 30 * time.Second
	}
	if o.Buckets <= 0 {
		o.Buckets = 10
	}
	if o.MinCalls <= 0 {
		o.MinCalls = 20
	}
	if o.FailureRate <= 0 || o.FailureRate > 1 {
		o.FailureRate = 0.5
	}
	if o.CoolDown <= 0 {
		o.CoolDown = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Outcome is how a call ended, as far as the breaker is concerned.
type Outcome int

// Call outcomes.
const (
	Success Outcome = iota // answered, including answers to bad requests
	Failure                // the service failed: internal error or time-out
	Ignored                // says nothing about the service (caller cancelled, refused before running)
)

// Breaker is one service's circuit breaker: it counts outcomes in a rolling
// window and opens when at least MinCalls calls ended and the failure share
// reached FailureRate. After CoolDown one probe is let through; its success
// closes the breaker, its failure opens it for another CoolDown.
type Breaker struct {
	o BreakerOptions

	mu       sync.Mutex
	state    State
	gen      uint64 // bumped on every state change so stale outcomes are dropped
	openedAt time.Time
	probing  bool
	buckets  []bucket
}

type bucket struct {
	start         time.Time
	succ, failure int
}

// NewBreaker returns a closed breaker.
func NewBreaker(o BreakerOptions) *Breaker {
	o = o.withDefaults()
	return &Breaker{o: o, buckets: make([]bucket, o.Buckets)}
}

// State returns the current state, turning Open into HalfOpen once the
// cool-down has passed.
func (b *Breaker) State() State {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance(b.o.Now())
	return b.state
}

// advance moves Open to HalfOpen after the cool-down. Called with b.mu held.
func (b *Breaker) advance(now time.Time) {
	if b.state == Open && !now.Before(b.openedAt.Add(b.o.CoolDown)) {
		b.setState(HalfOpen, now)
	}
}

func (b *Breaker) setState(s State, now time.Time) {
	b.state = s
	b.gen++
	b.probing = false
	if s == Open {
		b.openedAt = now
	}
	if s == Closed {
		for i := range b.buckets {
			b.buckets[i] = bucket{}
		}
	}
}

// Allow asks to run one call. On success done must be called with the
// call's outcome; when the breaker refuses, ok is false.
func (b *Breaker) Allow() (done func(Outcome), ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.o.Now()
	b.advance(now)
	switch b.state {
	case Open:
		return nil, false
	case HalfOpen:
		if b.probing {
			return nil, false
		}
		b.probing = true
	}
	gen := b.gen
	var once sync.Once
	return func(o Outcome) { once.Do(func() { b.record(gen, o) }) }, true
}

func (b *Breaker) record(gen uint64, o Outcome) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if gen != b.gen {
		return
	}
	now := b.o.Now()
	switch b.state {
	case HalfOpen:
		switch o {
		case Success:
			b.setState(Closed, now)
		case Failure:
			b.setState(Open, now)
		default:
			b.probing = false // let the next call probe
		}
	case Closed:
		if o == Ignored {
			return
		}
		bk := b.bucketAt(now)
		if o == Failure {
			bk.failure++
		} else {
			bk.succ++
		}
		var calls, failures int
		for _, x := range b.buckets {
			if now.Sub(x.start) < b.o.Window {
				calls += x.succ + x.failure
				failures += x.failure
			}
		}
		if calls >= b.o.MinCalls && float64(failures) >= b.o.FailureRate*float64(calls) {
			b.setState(Open, now)
		}
	}
}

// bucketAt returns the bucket for now, resetting it when it held an older
// slice of time.
func (b *Breaker) bucketAt(now time.Time) *bucket {
	width := b.o.Window / time.Duration(len(b.buckets))
	if width <= 0 {
		width = 1
	}
	slot := now.UnixNano() / int64(width)
	bk := &b.buckets[int(slot%int64(len(b.buckets)))]
	start := time.Unix(0, slot*int64(width))
	if !bk.start.Equal(start) {
		*bk = bucket{start: start}
	}
	return bk
}

// Breakers gives every service its circuit breaker. The in-process set
// keeps each replica's breakers to itself; replicas sharing a Redis share
// one breaker per service (redislimits.Breakers), so that a back end one
// replica found broken is spared by all.
type Breakers interface {
	// Allow asks to run one call of service. When ok, done must be called
	// with the call's outcome; when not, the breaker is open (or its one
	// probe is out). err is a breaker that could not be asked.
	Allow(ctx context.Context, service string) (done func(Outcome), ok bool, err error)
	// States returns every known service's breaker state (for metrics).
	States() map[string]State
}

// MemoryBreakers is the in-process Breakers: one Breaker per service.
type MemoryBreakers struct {
	o  BreakerOptions
	mu sync.Mutex
	m  map[string]*Breaker
}

// NewMemoryBreakers returns in-process breakers configured by o.
func NewMemoryBreakers(o BreakerOptions) *MemoryBreakers {
	return &MemoryBreakers{o: o.withDefaults(), m: make(map[string]*Breaker)}
}

// Breaker returns the breaker of a service, creating it closed.
func (m *MemoryBreakers) Breaker(service string) *Breaker {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.m[service]
	if b == nil {
		b = NewBreaker(m.o)
		m.m[service] = b
	}
	return b
}

// Allow implements Breakers.
func (m *MemoryBreakers) Allow(_ context.Context, service string) (func(Outcome), bool, error) {
	done, ok := m.Breaker(service).Allow()
	return done, ok, nil
}

// States implements Breakers.
func (m *MemoryBreakers) States() map[string]State {
	m.mu.Lock()
	names := make([]string, 0, len(m.m))
	for n := range m.m {
		names = append(names, n)
	}
	m.mu.Unlock()
	out := make(map[string]State, len(names))
	for _, n := range names {
		out[n] = m.Breaker(n).State()
	}
	return out
}

// Classify tells the breaker's view of a call's error: nil is a success, a
// cancelled caller is ignored, a time-out, an uncoded error or a code whose
// kind is an internal, engine or back-end failure (or any 5xx) is a failure,
// and every other coded error - a bad parameter, an unsupported image - is
// a success, since the service answered.
func Classify(err error) Outcome {
	if err == nil {
		return Success
	}
	if errors.Is(err, context.Canceled) {
		return Ignored
	}
	// A panic is a bug that some input reached, not a back end that
	// failed: counting it would let one client's crafted files open the
	// breaker every other tenant shares. It is logged with its stack.
	var pe *api.PanicError
	if errors.As(err, &pe) {
		return Ignored
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Failure
	}
	e, ok := catalog.From(err)
	if !ok {
		return Failure
	}
	if e.Kind() != "" {
		if failureKinds[e.Kind()] {
			return Failure
		}
		return Success
	}
	// A code raised directly (an injected fault, the gateway's own) is the
	// same in every family.
	if e.DirectStatus() >= 500 || failureCodes()[string(e.DirectCode())] {
		return Failure
	}
	return Success
}

// failureKinds are the kinds that mean the service itself failed.
var failureKinds = map[catalog.Kind]bool{
	catalog.KindInternal: true, catalog.KindRecognition: true, catalog.KindBackendTimeout: true,
	catalog.KindBackendResponse: true,
}

var (
	failureOnce sync.Once
	failureSet  map[string]bool
)

// failureCodes are the codes of the kinds that mean the service failed; the
// moderation family publishes its internal errors as 400s, so status alone
// does not tell.
func failureCodes() map[string]bool {
	failureOnce.Do(func() {
		failureSet = map[string]bool{}
		for k := range failureKinds {
			for _, f := range catalog.Families {
				if c, ok := catalog.CodeFor(k, f); ok {
					failureSet[c] = true
				}
			}
		}
		// A worker that cannot be reached is a failed back end too.
		failureSet[string(catalog.ModelArts4302)] = true
	})
	return failureSet
}
