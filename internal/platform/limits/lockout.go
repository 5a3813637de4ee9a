package limits

import (
	"context"
	"sync"
	"time"
)

// Lockout counts consecutive authentication failures per credential (an
// AK, or a password login's domain and user name) and locks one that
// reaches the limit: failures failures in a row lock it for a duration,
// and the attempts that follow are refused without being checked.
// Implementations: MemoryLockout (this process) and the Redis one in
// package redislimits (shared by replicas, so that failures spread over
// them lock the credential on all).
type Lockout interface {
	// Locked reports whether key is locked at now.
	Locked(ctx context.Context, key string, now time.Time) (bool, error)
	// Fail counts a failure of key at now, locking it at the limit. A
	// failure after a served lock starts a new count.
	Fail(ctx context.Context, key string, now time.Time) error
	// Succeed clears key's count.
	Succeed(ctx context.Context, key string) error
}

// MemoryLockout is a Lockout in this process's memory.
//
// Password logins are counted under names the caller chose, existing or
// not, so the table is bounded (MaxKeys): see shrink.
type MemoryLockout struct {
	mu       sync.Mutex
	failures int
	dur      time.Duration
	// MaxKeys bounds the table (default 100000); set before use.
	MaxKeys int
	m       map[string]*akState
}

type akState struct {
	fails  int
	until  time.Time
	lastAt time.Time
}

// NewMemoryLockout returns a lockout locking a key for dur after failures
// failures in a row.
func NewMemoryLockout(failures int, dur time.Duration) *MemoryLockout {
	return &MemoryLockout{failures: failures, dur: dur, MaxKeys: 100000, m: map[string]*akState{}}
}

// Locked implements Lockout.
func (l *MemoryLockout) Locked(_ context.Context, key string, now time.Time) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.m[key]
	return s != nil && now.Before(s.until), nil
}

// Fail implements Lockout.
func (l *MemoryLockout) Fail(_ context.Context, key string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.m[key]
	if s == nil {
		if len(l.m) >= l.MaxKeys {
			l.shrink(now)
		}
		s = &akState{}
		l.m[key] = s
	}
	if !s.until.IsZero() && !now.Before(s.until) { // lock served: start over
		s.fails, s.until = 0, time.Time{}
	}
	s.fails++
	s.lastAt = now
	if s.fails >= l.failures {
		s.until = now.Add(l.dur)
	}
	return nil
}

// Succeed implements Lockout.
func (l *MemoryLockout) Succeed(_ context.Context, key string) error {
	l.mu.Lock()
	delete(l.m, key)
	l.mu.Unlock()
	return nil
}

// Len returns the number of keys tracked.
func (l *MemoryLockout) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}

// shrink makes room for new keys under a spray of names: first it drops
// the entries that no longer matter (no lock running, last failure older
// than a lock), then, if the spray is faster than they age, arbitrary
// entries without a running lock, and only then locked ones, until a tenth
// of the table is free, so that the scans are spread over many failures.
// Forgetting a count only lets that name start over; a running lock is
// kept as long as anything else can go. Called with l.mu held.
func (l *MemoryLockout) shrink(now time.Time) {
	target := l.MaxKeys - l.MaxKeys/10
	for k, s := range l.m {
		if now.Sub(s.lastAt) > l.dur && !now.Before(s.until) {
			delete(l.m, k)
		}
	}
	for k, s := range l.m {
		if len(l.m) <= target {
			return
		}
		if !now.Before(s.until) {
			delete(l.m, k)
		}
	}
	for k := range l.m {
		if len(l.m) <= target {
			return
		}
		delete(l.m, k)
	}
}
