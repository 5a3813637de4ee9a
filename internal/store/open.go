package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Opener opens a backend for a DSN whose scheme it was registered under.
type Opener func(ctx context.Context, dsn string) (Store, error)

var (
	regMu    sync.RWMutex
	registry = map[string]Opener{}
)

// Register makes a backend available to Open under a DSN scheme ("sqlite",
// "postgres", "memory"). Backends call it from init, so a binary links only the
// backends it imports (see store/all).
func Register(scheme string, open Opener) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[scheme]; dup {
		panic("store: backend registered twice for scheme " + scheme)
	}
	registry[scheme] = open
}

// Open opens the store a DSN names: "sqlite:PATH", "sqlite:///abs/path",
// "sqlite::memory:", "postgres://...", "postgresql://..." or "memory:" (a
// new, empty in-memory store). Migrations are applied before it returns.
func Open(ctx context.Context, dsn string) (Store, error) {
	scheme, _, ok := strings.Cut(dsn, ":")
	if !ok || scheme == "" {
		return nil, fmt.Errorf("store: DSN %q has no scheme", redact(dsn))
	}
	regMu.RLock()
	open := registry[strings.ToLower(scheme)]
	regMu.RUnlock()
	if open == nil {
		return nil, fmt.Errorf("store: no backend for scheme %q (known: %s)", scheme, strings.Join(Schemes(), ", "))
	}
	return open(ctx, dsn)
}

// Schemes lists the registered DSN schemes.
func Schemes() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(registry))
	for s := range registry {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// redact hides a password in a URL-style DSN so errors can be logged.
func redact(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	start := strings.Index(dsn, "://")
	if at < 0 || start < 0 || at < start {
		return dsn
	}
	userinfo := dsn[start+3 : at]
	if u, _, ok := strings.Cut(userinfo, ":"); ok {
		return dsn[:start+3] + u + ":xxxxx" + dsn[at:]
	}
	return dsn
}
