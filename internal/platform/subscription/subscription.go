// Package subscription decides whether a project may call a service and
// serves the AIP-dialect API that subscribes and unsubscribes projects.
package subscription

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store"
)

// Subscription answers are cached briefly because Check runs on every call;
// changes made through this type invalidate their entry at once, and the TTL
// bounds how stale a change made by another server process can be.
const (
	cacheTTL     = 5 * time.Second
	cacheMaxKeys = 50000
)

// Subscriptions checks and changes project subscriptions.
type Subscriptions struct {
	st    store.Store
	known map[string]bool
	names []string
	now   func() time.Time

	mu    sync.Mutex
	cache map[cacheKey]cacheEntry
}

type cacheKey struct{ project, service string }

type cacheEntry struct {
	subscribed bool
	expires    time.Time
}

// New returns Subscriptions over st. services lists every service key that
// can be subscribed to (the route table's "ocr.general-text", "image.tagging",
// "moderation.text", ...).
func New(st store.Store, services []string) *Subscriptions {
	s := &Subscriptions{
		st:    st,
		known: make(map[string]bool, len(services)),
		now:   time.Now,
		cache: make(map[cacheKey]cacheEntry),
	}
	for _, name := range services {
		if name != "" && !s.known[name] {
			s.known[name] = true
			s.names = append(s.names, name)
		}
	}
	sort.Strings(s.names)
	return s
}

// Services returns the known service keys, sorted.
func (s *Subscriptions) Services() []string {
	return append([]string(nil), s.names...)
}

// Known reports whether service can be subscribed to.
func (s *Subscriptions) Known(service string) bool { return s.known[service] }

// Check returns nil when the project has subscribed to the service, and the
// family's not-subscribed error otherwise. A store failure is the family's
// internal error.
func (s *Subscriptions) Check(ctx context.Context, projectID, service string) error {
	k := cacheKey{projectID, service}
	now := s.now()
	s.mu.Lock()
	e, ok := s.cache[k]
	s.mu.Unlock()
	if !ok || now.After(e.expires) {
		sub, err := s.st.IsSubscribed(ctx, projectID, service)
		if err != nil {
			return catalog.E(catalog.KindInternal).Wrap(err)
		}
		e = cacheEntry{subscribed: sub, expires: now.Add(cacheTTL)}
		s.mu.Lock()
		if len(s.cache) >= cacheMaxKeys {
			// Dropping everything keeps memory bounded; entries reload on demand.
			clear(s.cache)
		}
		s.cache[k] = e
		s.mu.Unlock()
	}
	if !e.subscribed {
		// OCR's published text names the API (its "XXX" placeholder).
		return catalog.E(catalog.KindNotSubscribed, service)
	}
	return nil
}

// Subscribe subscribes the project to a known service: AIP.0004 for an
// unknown service, AIP.0011 when already subscribed.
func (s *Subscriptions) Subscribe(ctx context.Context, projectID, service string) (store.Subscription, error) {
	if !s.known[service] {
		return store.Subscription{}, catalog.New(catalog.AIP0004)
	}
	sub := store.Subscription{ProjectID: projectID, Service: service, CreatedAt: s.now().UTC()}
	err := s.st.Subscribe(ctx, sub)
	s.invalidate(projectID, service)
	switch {
	case errors.Is(err, store.ErrConflict):
		return store.Subscription{}, catalog.New(catalog.AIP0011, service)
	case errors.Is(err, store.ErrNotFound): // a backend that checks the project exists
		return store.Subscription{}, catalog.New(catalog.AIP0013, "project_id")
	case err != nil:
		return store.Subscription{}, catalog.New(catalog.AIP0500).Wrap(err)
	}
	return sub, nil
}

// Unsubscribe removes a subscription: AIP.0004 for an unknown service,
// AIP.0015 when the project has not subscribed to it.
func (s *Subscriptions) Unsubscribe(ctx context.Context, projectID, service string) error {
	if !s.known[service] {
		return catalog.New(catalog.AIP0004)
	}
	defer s.invalidate(projectID, service)
	// Checked first so that a backend which deletes nothing silently still
	// gives the documented answer.
	sub, err := s.st.IsSubscribed(ctx, projectID, service)
	if err != nil {
		return catalog.New(catalog.AIP0500).Wrap(err)
	}
	if !sub {
		return catalog.New(catalog.AIP0015, service)
	}
	err = s.st.Unsubscribe(ctx, projectID, service)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return catalog.New(catalog.AIP0015, service)
	case err != nil:
		return catalog.New(catalog.AIP0500).Wrap(err)
	}
	return nil
}

// List returns the project's subscriptions, oldest first.
func (s *Subscriptions) List(ctx context.Context, projectID string) ([]store.Subscription, error) {
	subs, err := s.st.ListSubscriptions(ctx, projectID)
	if err != nil {
		return nil, catalog.New(catalog.AIP0500).Wrap(err)
	}
	sort.SliceStable(subs, func(i, j int) bool {
		if !subs[i].CreatedAt.Equal(subs[j].CreatedAt) {
			return subs[i].CreatedAt.Before(subs[j].CreatedAt)
		}
		return subs[i].Service < subs[j].Service
	})
	return subs, nil
}

func (s *Subscriptions) invalidate(projectID, service string) {
	s.mu.Lock()
	delete(s.cache, cacheKey{projectID, service})
	s.mu.Unlock()
}
