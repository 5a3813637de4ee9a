package redislimits_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/platform/limits/redislimits"
	"github.com/aisd/aisd/internal/platform/limits/redislimits/redistest"
)

// A slot held by a replica that died mid-call (its lease is no longer
// renewed) comes free when the lease runs out; a live call keeps renewing
// its own past the lease.
func TestSlotsLeaseOfDeadReplica(t *testing.T) {
	ctx := context.Background()
	c := redistest.Client(t, testDB)
	const lease = 300 * time.Millisecond
	live := redislimits.NewSlots(c, "t:", 1, nil, lease, nil)

	// The dead replica's lease, written as its acquire left it.
	tm, err := c.Time(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	c.ZAdd(ctx, "t:inflight:svc", redis.Z{Score: float64(tm.Add(lease).UnixMilli()), Member: "dead-replica-call"})
	if _, err := live.Acquire(ctx, "svc"); !catalog.IsCode(err, catalog.ModelArts4401) {
		t.Fatalf("a running lease was not counted: %v", err)
	}
	time.Sleep(lease + 100*time.Millisecond)
	rel, err := live.Acquire(ctx, "svc")
	if err != nil {
		t.Fatalf("the dead replica's slot leaked: %v", err)
	}
	if n, _ := c.ZCard(ctx, "t:inflight:svc").Result(); n != 1 {
		t.Fatalf("%d leases after the trim, want 1", n)
	}

	// This call outlives three leases: renewed, it still holds the slot
	// against another replica.
	oc := redis.NewClient(&redis.Options{Addr: redistest.Addr, DB: testDB})
	t.Cleanup(func() { oc.Close() })
	other := redislimits.NewSlots(oc, "t:", 1, nil, lease, nil)
	time.Sleep(3 * lease)
	if _, err := other.Acquire(ctx, "svc"); !catalog.IsCode(err, catalog.ModelArts4401) {
		t.Fatalf("a live call's lease was not renewed: %v", err)
	}
	rel()
	rel2, err := other.Acquire(ctx, "svc")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	rel2()
}

// Every key expires on its own: rate windows a little after their minute,
// lockouts a lock duration after the last failure, in-flight sets a lease
// after the last acquire or renewal.
func TestKeysExpire(t *testing.T) {
	ctx := context.Background()
	c := redistest.Client(t, testDB)
	now := time.Now()
	if _, err := redislimits.NewWindows(c, "t:").Take(ctx, "k", 5, now); err != nil {
		t.Fatal(err)
	}
	if err := redislimits.NewLockout(c, "t:lock:", 5, 2*time.Minute).Fail(ctx, "ak", now); err != nil {
		t.Fatal(err)
	}
	s := redislimits.NewSlots(c, "t:", 1, nil, 10*time.Second, nil)
	rel, err := s.Acquire(ctx, "svc")
	if err != nil {
		t.Fatal(err)
	}
	defer rel()
	for key, within := range map[string]time.Duration{"t:rl:k": 62 * time.Second, "t:lock:ak": 2 * time.Minute, "t:inflight:svc": 10 * time.Second} {
		ttl, err := c.PTTL(ctx, key).Result()
		if err != nil || ttl <= 0 || ttl > within {
			t.Errorf("%s: TTL %v (%v), want in (0, %v]", key, ttl, err, within)
		}
	}
}

// A Redis that does not answer is an error naming it, never a fallback.
func TestOpenRefusesUnreachable(t *testing.T) {
	_, err := redislimits.Open(context.Background(), "redis://:secret@127.0.0.1:1/0")
	if err == nil || !strings.Contains(err.Error(), "does not answer") || strings.Contains(err.Error(), "secret") {
		t.Fatalf("got %v", err)
	}
	if _, err := redislimits.Open(context.Background(), "http://127.0.0.1:6379"); err == nil {
		t.Fatal("accepted a non-redis URL")
	}
}
