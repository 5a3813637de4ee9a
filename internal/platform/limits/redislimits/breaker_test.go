package redislimits_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/catalog/catalogtest"
	"github.com/aisd/aisd/internal/platform/limits"
	"github.com/aisd/aisd/internal/platform/limits/redislimits"
	"github.com/aisd/aisd/internal/platform/limits/redislimits/redistest"
)

// twoReplicas returns the breakers of two replicas on one Redis, each
// with a client of its own.
func twoReplicas(t *testing.T, o limits.BreakerOptions) (*redislimits.Breakers, *redislimits.Breakers, *redis.Client) {
	t.Helper()
	a := redistest.Client(t, testDB)
	b := redis.NewClient(&redis.Options{Addr: redistest.Addr, DB: testDB})
	t.Cleanup(func() { b.Close() })
	return redislimits.NewBreakers(a, "t:", o, nil), redislimits.NewBreakers(b, "t:", o, nil), a
}

func wantState(t *testing.T, b *redislimits.Breakers, svc string, want limits.State) {
	t.Helper()
	s, err := b.State(context.Background(), svc)
	if err != nil || s != want {
		t.Fatalf("state %v (%v), want %v", s, err, want)
	}
}

// Outcomes of both replicas count in one window; the breaker one of them
// opens is open for the other; after the cool-down only one call of all
// replicas probes, and its success closes the breaker for both.
func TestBreakersShared(t *testing.T) {
	ctx := context.Background()
	const cool = 400 * time.Millisecond
	a, b, _ := twoReplicas(t, limits.BreakerOptions{Window: 10 * time.Second, MinCalls: 4, FailureRate: 0.5, CoolDown: cool})
	call := func(r *redislimits.Breakers, o limits.Outcome) {
		t.Helper()
		done, ok, err := r.Allow(ctx, "ocr")
		if err != nil || !ok {
			t.Fatalf("refused while closed: %v %v", ok, err)
		}
		done(o)
	}
	call(a, limits.Failure)
	call(b, limits.Success)
	call(a, limits.Success)
	wantState(t, b, "ocr", limits.Closed) // 1 of 3, and below MinCalls
	call(b, limits.Failure)               // 2 of 4, half of them on each replica
	wantState(t, a, "ocr", limits.Open)
	for _, r := range []*redislimits.Breakers{a, b} {
		if _, ok, err := r.Allow(ctx, "ocr"); ok || err != nil {
			t.Fatalf("open breaker let a call through: %v %v", ok, err)
		}
	}
	// Another service is unaffected.
	if done, ok, err := b.Allow(ctx, "image"); !ok || err != nil {
		t.Fatalf("another service refused: %v %v", ok, err)
	} else {
		done(limits.Success)
	}

	time.Sleep(cool + 50*time.Millisecond)
	wantState(t, b, "ocr", limits.HalfOpen)
	probe, ok, err := a.Allow(ctx, "ocr")
	if !ok || err != nil {
		t.Fatalf("no probe after the cool-down: %v %v", ok, err)
	}
	if _, ok, _ := b.Allow(ctx, "ocr"); ok {
		t.Fatal("a second replica probed while the first one's probe was out")
	}
	probe(limits.Failure)
	wantState(t, b, "ocr", limits.Open)

	time.Sleep(cool + 50*time.Millisecond)
	probe, ok, _ = b.Allow(ctx, "ocr")
	if !ok {
		t.Fatal("no probe after the second cool-down")
	}
	probe(limits.Ignored) // says nothing: another replica may probe
	probe, ok, _ = a.Allow(ctx, "ocr")
	if !ok {
		t.Fatal("no probe after an ignored one")
	}
	probe(limits.Success)
	wantState(t, b, "ocr", limits.Closed)
	// Closing forgot the failures that opened it.
	call(b, limits.Failure)
	call(a, limits.Success)
	call(b, limits.Success)
	call(a, limits.Success)
	wantState(t, a, "ocr", limits.Closed)
	if got := b.States(); got["ocr"] != limits.Closed || got["image"] != limits.Closed || len(got) != 2 {
		t.Fatalf("states %v", got)
	}
}

// An outcome of a call let through before the breaker opened changes
// nothing once it is open or half-open.
func TestBreakersStaleOutcome(t *testing.T) {
	ctx := context.Background()
	const cool = 300 * time.Millisecond
	a, b, _ := twoReplicas(t, limits.BreakerOptions{MinCalls: 1, FailureRate: 1, CoolDown: cool})
	slow, _, _ := a.Allow(ctx, "svc")
	fast, _, _ := b.Allow(ctx, "svc")
	fast(limits.Failure)
	wantState(t, a, "svc", limits.Open)
	time.Sleep(cool + 50*time.Millisecond)
	probe, ok, _ := b.Allow(ctx, "svc")
	if !ok {
		t.Fatal("no probe")
	}
	slow(limits.Success)
	wantState(t, a, "svc", limits.HalfOpen)
	probe(limits.Success)
	wantState(t, a, "svc", limits.Closed)
}

// Every breaker key expires on its own: the counts a window after the last
// outcome, the open mark with the cool-down, the trip a window after it,
// the probe token with a cool-down.
func TestBreakerKeysExpire(t *testing.T) {
	ctx := context.Background()
	const cool, window = 5 * time.Second, 20 * time.Second
	a, _, c := twoReplicas(t, limits.BreakerOptions{Window: window, MinCalls: 2, FailureRate: 1, CoolDown: cool})
	done, _, _ := a.Allow(ctx, "svc")
	done(limits.Failure)
	ttl := func(key string, within time.Duration) {
		t.Helper()
		d, err := c.PTTL(ctx, key).Result()
		if err != nil || d <= 0 || d > within {
			t.Errorf("%s: TTL %v (%v), want in (0, %v]", key, d, err, within)
		}
	}
	ttl("t:brk:svc:n", window)
	done, _, _ = a.Allow(ctx, "svc")
	done(limits.Failure)
	ttl("t:brk:svc:open", cool)
	ttl("t:brk:svc:trip", cool+window)
	if n, _ := c.Exists(ctx, "t:brk:svc:n").Result(); n != 0 {
		t.Error("the counts outlived the trip")
	}
	// A probe whose replica died: its token goes with the cool-down.
	c.PExpire(ctx, "t:brk:svc:open", time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	if _, ok, _ := a.Allow(ctx, "svc"); !ok {
		t.Fatal("no probe")
	}
	ttl("t:brk:svc:probe", cool)
}

// A guard on the shared breakers: failures served by replica A make
// replica B answer the back-end-down code without running its handler.
func TestGuardSharedBreaker(t *testing.T) {
	ctx := context.Background()
	a, b, _ := twoReplicas(t, limits.BreakerOptions{MinCalls: 3, FailureRate: 0.5, CoolDown: time.Minute})
	ga := limits.NewGuard(limits.GuardOptions{Breakers: a})
	gb := limits.NewGuard(limits.GuardOptions{Breakers: b})
	for i := 0; i < 3; i++ {
		if _, err := ga.Do(ctx, "ocr.general-text", func(context.Context) (any, error) { return nil, errors.New("engine crashed") }); err == nil {
			t.Fatal("failure not returned")
		}
	}
	ran := false
	_, err := gb.Do(ctx, "ocr.general-text", func(context.Context) (any, error) { ran = true; return "text", nil })
	if ran {
		t.Fatal("replica B ran the handler of a service whose breaker A opened")
	}
	catalogtest.WantKind(t, err, catalog.KindBackendDown)
	if s := gb.BreakerStates()["ocr.general-text"]; s != limits.Open {
		t.Fatalf("replica B reports %v", s)
	}
}

// A Redis that stops answering refuses the call with an internal error;
// it does not fall back to a breaker of the replica's own.
func TestGuardBreakerRedisDown(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { c.Close() })
	g := limits.NewGuard(limits.GuardOptions{Breakers: redislimits.NewBreakers(c, "t:", limits.BreakerOptions{}, nil)})
	ran := false
	_, err := g.Do(context.Background(), "svc", func(context.Context) (any, error) { ran = true; return nil, nil })
	if ran {
		t.Fatal("ran without a breaker")
	}
	catalogtest.WantKind(t, err, catalog.KindInternal)
}
