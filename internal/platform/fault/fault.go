// Package fault injects operator-chosen failures into API calls so that
// users can test how their clients cope: the next N calls, a percentage of
// calls, or added latency, per project and API, answered with any catalog
// code's exact body and status.
package fault

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store"
)

// Which APIs of a project have faults is cached so that the common case - no
// faults - costs no store query per call. Changes made through this Injector
// invalidate the cache at once; the TTL bounds how long a change made by
// another server process takes to be seen.
const (
	cacheTTL     = 5 * time.Second
	cacheMaxKeys = 50000
)

// Injector applies and manages faults.
type Injector struct {
	st  store.Store
	log *slog.Logger
	now func() time.Time

	rmu sync.Mutex
	rnd *rand.Rand

	cmu   sync.Mutex
	cache map[string]apiSet
}

type apiSet struct {
	apis    map[string]bool // API names with a live fault; "*" for all
	expires time.Time
}

// New returns an Injector over st. Injected responses are logged to logger
// (slog.Default when nil); src drives percentage faults (seed it in tests;
// nil draws a random seed).
func New(st store.Store, logger *slog.Logger, src rand.Source) *Injector {
	if logger == nil {
		logger = slog.Default()
	}
	if src == nil {
		var seed [32]byte
		_, _ = crand.Read(seed[:])
		src = rand.NewChaCha8(seed)
	}
	return &Injector{st: st, log: logger, now: time.Now, rnd: rand.New(src), cache: make(map[string]apiSet)}
}

// Apply runs the fault that applies to a call of api in projectID, if any:
// it returns the fault's catalog error (Injected set) for a count fault and
// for the drawn share of a percent fault, and sleeps for a latency fault
// before returning nil. Store failures never fail the call: injection is a
// testing aid, not a reason for real traffic to break.
func (in *Injector) Apply(ctx context.Context, projectID, api string) error {
	if !in.mayHave(ctx, projectID, api) {
		return nil
	}
	f, err := in.st.TakeFault(ctx, projectID, api)
	if errors.Is(err, store.ErrNotFound) {
		// A count fault may just have run out.
		in.invalidate(projectID)
		return nil
	}
	if err != nil {
		in.log.Warn("fault lookup failed; call not affected", "project", projectID, "api", api, "err", err)
		return nil
	}
	switch f.Mode {
	case store.FaultLatency:
		d := time.Duration(f.LatencyMS) * time.Millisecond
		in.log.Info("fault injected", "injected", true, "fault_id", f.ID, "project", projectID, "api", api, "mode", f.Mode, "latency_ms", f.LatencyMS)
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				// The delay outlived the gateway's deadline.
				return catalog.New(catalog.APIG0201).Variant("timeout").Wrap(ctx.Err()).AsInjected()
			}
			return ctx.Err()
		}
	case store.FaultPercent:
		in.rmu.Lock()
		hit := in.rnd.IntN(100) < f.Percent
		in.rmu.Unlock()
		if !hit {
			return nil
		}
	case store.FaultCount:
	default:
		in.log.Warn("fault with unknown mode ignored", "fault_id", f.ID, "mode", f.Mode)
		return nil
	}
	// An injected error has no real values for its placeholders; show the
	// published pages' own "XX" rather than a raw %d.
	e := catalog.New(catalog.Code(f.Code), "XX", "XX", "XX", "XX").AsInjected()
	in.log.Info("fault injected", "injected", true, "fault_id", f.ID, "project", projectID, "api", api, "mode", f.Mode, "code", f.Code)
	return e
}

// mayHave reports whether the project has a fault for api (or for "*").
func (in *Injector) mayHave(ctx context.Context, projectID, api string) bool {
	now := in.now()
	in.cmu.Lock()
	s, ok := in.cache[projectID]
	in.cmu.Unlock()
	if !ok || !now.Before(s.expires) {
		faults, err := in.st.ListFaults(ctx, projectID)
		if err != nil {
			in.log.Warn("fault list failed; call not affected", "project", projectID, "err", err)
			return false
		}
		s = apiSet{apis: make(map[string]bool), expires: now.Add(cacheTTL)}
		for _, f := range faults {
			if f.Mode == store.FaultCount && f.Remaining <= 0 {
				continue
			}
			s.apis[f.API] = true
		}
		in.cmu.Lock()
		if len(in.cache) >= cacheMaxKeys {
			clear(in.cache)
		}
		in.cache[projectID] = s
		in.cmu.Unlock()
	}
	return s.apis["*"] || s.apis[api]
}

func (in *Injector) invalidate(projectID string) {
	in.cmu.Lock()
	if projectID == "" {
		clear(in.cache)
	} else {
		delete(in.cache, projectID)
	}
	in.cmu.Unlock()
}

// Create stores a validated fault, filling its ID and creation time.
func (in *Injector) Create(ctx context.Context, f store.Fault) (store.Fault, error) {
	var id [16]byte
	if _, err := crand.Read(id[:]); err != nil {
		return store.Fault{}, err
	}
	f.ID = hex.EncodeToString(id[:])
	f.CreatedAt = in.now().UTC()
	if err := in.st.CreateFault(ctx, f); err != nil {
		return store.Fault{}, err
	}
	in.invalidate(f.ProjectID)
	return f, nil
}

// List returns a project's faults.
func (in *Injector) List(ctx context.Context, projectID string) ([]store.Fault, error) {
	return in.st.ListFaults(ctx, projectID)
}

// Delete removes a fault; store.ErrNotFound when there is none with that id.
func (in *Injector) Delete(ctx context.Context, id string) error {
	err := in.st.DeleteFault(ctx, id)
	// The fault's project is unknown here: forget every project.
	in.invalidate("")
	return err
}
