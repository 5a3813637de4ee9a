package limits

import (
	"context"
	"errors"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
)

// GuardOptions configures a Guard.
type GuardOptions struct {
	// MaxInFlight caps concurrent calls per service (0: no cap);
	// InFlightPer overrides it per service.
	MaxInFlight int
	InFlightPer map[string]int
	// Deadline bounds one handler call (0: none); DeadlinePer overrides it
	// per service.
	Deadline    time.Duration
	DeadlinePer map[string]time.Duration
	Breaker     BreakerOptions
	// Breakers replaces the in-process breakers (Breaker is then their
	// business); replicas share Redis ones.
	Breakers Breakers
	// Slots replaces the in-process in-flight cap (MaxInFlight and
	// InFlightPer are then the Slots' business); replicas share a Redis one.
	Slots Slots
}

// Guard runs service handlers behind, in order, the service's circuit
// breaker, its in-flight cap and its deadline.
//
// Two deadlines exist. The platform deadline here is per service and answers
// the family's back-end time-out (ModelArts.4402). The gateway's deadline,
// carried by the ctx the server passes in, is the longer overall bound on a
// request (reading the body, queuing, the handler); when it is what ran out,
// Do answers APIG.0201 "Backend timeout." (504), the gateway's code. The
// gateway deadline should therefore be longer than every platform deadline.
type Guard struct {
	inflight Slots
	deadline time.Duration
	per      map[string]time.Duration
	breakers Breakers
}

// NewGuard returns a Guard.
func NewGuard(o GuardOptions) *Guard {
	per := make(map[string]time.Duration, len(o.DeadlinePer))
	for k, v := range o.DeadlinePer {
		per[k] = v
	}
	var slots Slots = NewInFlight(o.MaxInFlight, o.InFlightPer)
	if o.Slots != nil {
		slots = o.Slots
	}
	var brk Breakers = NewMemoryBreakers(o.Breaker)
	if o.Breakers != nil {
		brk = o.Breakers
	}
	return &Guard{inflight: slots, deadline: o.Deadline, per: per, breakers: brk}
}

// InFlight exposes the guard's in-flight limiter (for metrics).
func (g *Guard) InFlight() Slots { return g.inflight }

// BreakerStates returns every known service's breaker state (for metrics).
func (g *Guard) BreakerStates() map[string]State { return g.breakers.States() }

// Deadline returns the platform deadline of a service (0: none).
func (g *Guard) Deadline(service string) time.Duration {
	if d, ok := g.per[service]; ok {
		return d
	}
	return g.deadline
}

type result struct {
	v   any
	err error
}

// Do runs fn for one call of service. It answers the family's back-end-down
// error (ModelArts.4403) while the breaker is open, ModelArts.4401 when the
// service is at its in-flight cap, and the family's back-end time-out
// (ModelArts.4402) when fn overruns the service deadline; otherwise it
// returns what fn returns. On a time-out Do returns at once while fn goes on
// in the background, holding its in-flight slot until it really ends, so
// that the cap reflects the work the engines are actually doing.
func (g *Guard) Do(ctx context.Context, service string, fn func(context.Context) (any, error)) (any, error) {
	done, ok, err := g.breakers.Allow(ctx, service)
	if err != nil {
		return nil, catalog.E(catalog.KindInternal).Wrap(err)
	}
	if !ok {
		return nil, catalog.E(catalog.KindBackendDown)
	}
	release, err := g.inflight.Acquire(ctx, service)
	if err != nil {
		done(Ignored)
		return nil, err
	}
	callCtx, cancel := ctx, context.CancelFunc(func() {})
	if d := g.Deadline(service); d > 0 {
		callCtx, cancel = context.WithTimeoutCause(ctx, d, errPlatformDeadline)
	}
	ch := make(chan result, 1)
	goPooled(func() {
		defer release()
		defer cancel()
		var r result
		defer func() {
			if p := recover(); p != nil {
				r = result{err: api.Recovered(p)}
			}
			ch <- r
		}()
		r.v, r.err = fn(callCtx)
	})

	var r result
	select {
	case r = <-ch:
	case <-callCtx.Done():
		// fn may have finished at the same instant; prefer its answer.
		select {
		case r = <-ch:
		default:
			r = result{err: callCtx.Err()}
		}
	}
	if r.err != nil && (errors.Is(r.err, context.DeadlineExceeded) || errors.Is(r.err, context.Canceled)) {
		// Only a bound of ours or the caller's names the failure: callCtx
		// is also cancelled once fn returns, and an error fn got from a
		// time-out of its own (an HTTP client's) must stand as it is.
		if e := g.deadlineError(ctx, callCtx); e != nil {
			r.err = e
		}
	}
	done(Classify(r.err))
	return r.v, r.err
}

var errPlatformDeadline = errors.New("platform deadline exceeded")

// deadlineError names the layer whose bound ran out.
func (g *Guard) deadlineError(parent, call context.Context) error {
	switch {
	case context.Cause(call) == errPlatformDeadline:
		return catalog.E(catalog.KindBackendTimeout).Wrap(context.DeadlineExceeded)
	case errors.Is(parent.Err(), context.DeadlineExceeded):
		return catalog.New(catalog.APIG0201).Variant("timeout").Wrap(context.DeadlineExceeded)
	case parent.Err() != nil:
		// The caller went away; nothing will be rendered.
		return context.Cause(parent)
	default:
		return nil
	}
}
