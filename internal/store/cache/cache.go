// Package cache keeps the records every authenticated call reads — the
// caller's credential, user, domain and project — in memory in front of any
// store, so the gateway's hot path does not reach the database.
//
// Every write through the cache drops what it changes before it returns, so
// within one process a deleted key or a frozen account is never honoured
// again. Writes made by another process (another replica on the same
// database) are seen after at most TTL.
package cache

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aisd/aisd/internal/store"
)

// DefaultTTL bounds how long a record written by another process may be
// served stale.
const DefaultTTL = 2 * time.Second

type entry[V any] struct {
	v   V
	err error // store.ErrNotFound is cached too: unknown AKs are common in attacks
	at  time.Time
}

type table[V any] struct {
	mu sync.RWMutex
	m  map[string]entry[V]
	// gen counts drops: a load that raced with a write does not store the
	// value it read before the write.
	gen uint64
}

func (t *table[V]) generation() uint64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.gen
}

func (t *table[V]) get(key string, s *Store) (entry[V], bool) {
	t.mu.RLock()
	e, ok := t.m[key]
	t.mu.RUnlock()
	if !ok || s.since(e.at) >= s.ttl {
		return e, false
	}
	return e, true
}

func (t *table[V]) put(key string, e entry[V], gen uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if gen != t.gen {
		return
	}
	if t.m == nil {
		t.m = map[string]entry[V]{}
	}
	if len(t.m) >= maxEntries {
		clear(t.m) // bounded memory under a flood of random keys
	}
	t.m[key] = e
}

func (t *table[V]) drop(key string) {
	t.mu.Lock()
	delete(t.m, key)
	t.gen++
	t.mu.Unlock()
}

// maxEntries bounds each table.
const maxEntries = 100_000

// Store is a store.Store with the IAM reads cached.
type Store struct {
	store.Store
	ttl time.Duration
	now func() time.Time // nil: the real clock

	domains  table[store.Domain]
	projects table[store.Project]
	users    table[store.User]
	creds    table[store.Credential]
}

// New wraps st; ttl <= 0 means DefaultTTL.
func New(st store.Store, ttl time.Duration) *Store {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Store{Store: st, ttl: ttl}
}

// clock is the time a record is loaded at.
func (s *Store) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// since is the age of a record loaded at t. On the real clock it reads only
// the monotonic clock, where time.Now reads the wall clock too: every call
// checks four records' ages, and a clock read is slow on some virtual
// machines (a tenth of a microsecond on kvm-clock).
func (s *Store) since(t time.Time) time.Duration {
	if s.now != nil {
		return s.now().Sub(t)
	}
	return time.Since(t)
}

func read[V any](ctx context.Context, s *Store, t *table[V], key string, load func(context.Context, string) (V, error)) (V, error) {
	if e, ok := t.get(key, s); ok {
		return e.v, e.err
	}
	now := s.clock()
	gen := t.generation()
	v, err := load(ctx, key)
	if err == nil || errors.Is(err, store.ErrNotFound) {
		t.put(key, entry[V]{v: v, err: err, at: now}, gen)
	}
	return v, err
}

func (s *Store) GetDomain(ctx context.Context, id string) (store.Domain, error) {
	return read(ctx, s, &s.domains, id, s.Store.GetDomain)
}

func (s *Store) GetProject(ctx context.Context, id string) (store.Project, error) {
	return read(ctx, s, &s.projects, id, s.Store.GetProject)
}

func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	return read(ctx, s, &s.users, id, s.Store.GetUser)
}

// GetCredential returns a copy: the sealed SK's bytes are the caller's.
func (s *Store) GetCredential(ctx context.Context, ak string) (store.Credential, error) {
	c, err := read(ctx, s, &s.creds, ak, s.Store.GetCredential)
	c.SealedSK = append([]byte(nil), c.SealedSK...)
	return c, err
}

// Writes drop what they change, whether or not the store accepted them.

func (s *Store) CreateDomain(ctx context.Context, d store.Domain) error {
	defer s.domains.drop(d.ID)
	return s.Store.CreateDomain(ctx, d)
}

func (s *Store) SetDomainState(ctx context.Context, id, state string) error {
	defer s.domains.drop(id)
	return s.Store.SetDomainState(ctx, id, state)
}

func (s *Store) SetDomainPaid(ctx context.Context, id string, paid bool) error {
	defer s.domains.drop(id)
	return s.Store.SetDomainPaid(ctx, id, paid)
}

func (s *Store) CreateProject(ctx context.Context, p store.Project) error {
	defer s.projects.drop(p.ID)
	return s.Store.CreateProject(ctx, p)
}

func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	defer s.users.drop(u.ID)
	return s.Store.CreateUser(ctx, u)
}

func (s *Store) CreateCredential(ctx context.Context, c store.Credential) error {
	defer s.creds.drop(c.AK)
	return s.Store.CreateCredential(ctx, c)
}

func (s *Store) DeleteCredential(ctx context.Context, ak string) error {
	defer s.creds.drop(ak)
	return s.Store.DeleteCredential(ctx, ak)
}
