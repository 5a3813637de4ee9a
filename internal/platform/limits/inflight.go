package limits

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/aisd/aisd/internal/catalog"
)

// Slots caps the number of concurrent calls per service. Implementations:
// InFlight (this process's calls) and the Redis one in package redislimits
// (the calls of every replica, held by leases so that a replica that dies
// mid-call does not leak its slots).
type Slots interface {
	// Max returns the cap of a service (0: none).
	Max(service string) int
	// Acquire takes a slot for one call of service, or answers
	// ModelArts.4401 when the service is at its cap. release gives the
	// slot back and may be called more than once.
	Acquire(ctx context.Context, service string) (release func(), err error)
	// InUse returns the number of calls of service now running (for
	// metrics).
	InUse(service string) int
}

// InFlight caps the number of concurrent calls per service in this process. A call over the
// cap is refused at once with ModelArts.4401 rather than queued: a queue
// would only turn overload into time-outs.
type InFlight struct {
	def int
	per map[string]int

	mu   sync.Mutex
	used map[string]*atomic.Int64
}

// NewInFlight returns a limiter allowing def concurrent calls per service,
// or per[service] when set; 0 or less means no cap.
func NewInFlight(def int, per map[string]int) *InFlight {
	p := make(map[string]int, len(per))
	for k, v := range per {
		p[k] = v
	}
	return &InFlight{def: def, per: p, used: make(map[string]*atomic.Int64)}
}

// Max returns the cap of a service (0: none).
func (l *InFlight) Max(service string) int {
	if n, ok := l.per[service]; ok {
		return n
	}
	return l.def
}

func (l *InFlight) counter(service string) *atomic.Int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.used[service]
	if c == nil {
		c = new(atomic.Int64)
		l.used[service] = c
	}
	return c
}

// Acquire takes a slot for one call of service. release gives it back and
// may be called more than once.
func (l *InFlight) Acquire(_ context.Context, service string) (release func(), err error) {
	c := l.counter(service)
	if max := l.Max(service); max > 0 && c.Add(1) > int64(max) {
		c.Add(-1)
		return nil, catalog.New(catalog.ModelArts4401)
	} else if max <= 0 {
		c.Add(1)
	}
	var once sync.Once
	return func() { once.Do(func() { c.Add(-1) }) }, nil
}

// InUse returns the number of calls of service now running (for metrics).
func (l *InFlight) InUse(service string) int {
	return int(l.counter(service).Load())
}
