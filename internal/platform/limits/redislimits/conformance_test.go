package redislimits_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/platform/limits"
	"github.com/aisd/aisd/internal/platform/limits/redislimits"
	"github.com/aisd/aisd/internal/platform/limits/redislimits/redistest"
)

// testDB is this package's database of the local Redis.
const testDB = 9

// impl builds one implementation of the three interfaces. The "redis"
// one builds two of each on separate clients, as two replicas would, and
// hands them out in turn, so every assertion below also holds across
// replicas.
type impl struct {
	name    string
	windows func(t *testing.T) []limits.Windows
	lockout func(t *testing.T, failures int, dur time.Duration) []limits.Lockout
	slots   func(t *testing.T, def int, per map[string]int) []limits.Slots
}

func impls() []impl {
	replicas := func(t *testing.T) []*redis.Client {
		a := redistest.Client(t, testDB)
		b := redis.NewClient(&redis.Options{Addr: redistest.Addr, DB: testDB})
		t.Cleanup(func() { b.Close() })
		return []*redis.Client{a, b}
	}
	return []impl{
		{
			name:    "memory",
			windows: func(*testing.T) []limits.Windows { return []limits.Windows{limits.NewMemoryWindows(0)} },
			lockout: func(_ *testing.T, f int, d time.Duration) []limits.Lockout {
				return []limits.Lockout{limits.NewMemoryLockout(f, d)}
			},
			slots: func(_ *testing.T, def int, per map[string]int) []limits.Slots {
				return []limits.Slots{limits.NewInFlight(def, per)}
			},
		},
		{
			name: "redis",
			windows: func(t *testing.T) []limits.Windows {
				cs := replicas(t)
				return []limits.Windows{redislimits.NewWindows(cs[0], "t:"), redislimits.NewWindows(cs[1], "t:")}
			},
			lockout: func(t *testing.T, f int, d time.Duration) []limits.Lockout {
				cs := replicas(t)
				return []limits.Lockout{redislimits.NewLockout(cs[0], "t:lock:", f, d), redislimits.NewLockout(cs[1], "t:lock:", f, d)}
			},
			slots: func(t *testing.T, def int, per map[string]int) []limits.Slots {
				cs := replicas(t)
				return []limits.Slots{redislimits.NewSlots(cs[0], "t:", def, per, 0, nil), redislimits.NewSlots(cs[1], "t:", def, per, 0, nil)}
			},
		},
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// rotating is a Windows handing each call to the next replica's.
type rotating struct {
	ws []limits.Windows
	i  atomic.Int64
}

func (r *rotating) Take(ctx context.Context, key string, limit int, now time.Time) (limits.Take, error) {
	return r.ws[int(r.i.Add(1))%len(r.ws)].Take(ctx, key, limit, now)
}

// The throttle's sliding window answers the same verdicts and headers on
// either implementation: calls, refusals, the Reset and Retry-After
// instants, the slide of the window, and separate windows per user and API.
func TestConformanceThrottleWindow(t *testing.T) {
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			clk := &clock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
			t0 := clk.Now()
			th := limits.NewThrottle(nil, limits.ThrottleOptions{Limit: 3, Now: clk.Now, Windows: &rotating{ws: im.windows(t)}})
			ctx := context.Background()
			unix := func(d time.Duration) string { return strconv.FormatInt(t0.Add(d).Unix(), 10) }
			for i, wantRemaining := range []string{"2", "1", "0"} {
				clk.Add(10 * time.Second)
				d, err := th.Allow(ctx, "u1", "p1", "RecognizeGeneralText")
				h := d.Headers()
				if err != nil || !d.Allowed || h.Get("X-RateLimit-Remaining") != wantRemaining || h.Get("X-RateLimit-Reset") != unix(71*time.Second) {
					t.Fatalf("call %d: %v %v", i+1, h, err)
				}
			}
			clk.Add(5 * time.Second) // t0+35s
			d, err := th.Allow(ctx, "u1", "p1", "RecognizeGeneralText")
			if d.Allowed || !catalog.IsCode(err, catalog.APIG0308) || d.Headers().Get("Retry-After") != "36" || d.Headers().Get("X-RateLimit-Reset") != unix(71*time.Second) {
				t.Fatalf("4th call: %+v %v", d.Headers(), err)
			}
			if _, err := th.Allow(ctx, "u2", "p1", "RecognizeGeneralText"); err != nil {
				t.Errorf("other user: %v", err)
			}
			if _, err := th.Allow(ctx, "u1", "p1", "RunImageTagging"); err != nil {
				t.Errorf("other API: %v", err)
			}
			clk.Add(35 * time.Second) // t0+70s
			if _, err := th.Allow(ctx, "u1", "p1", "RecognizeGeneralText"); err == nil {
				t.Fatal("allowed 1s before the oldest call left the window")
			}
			clk.Add(time.Second) // t0+71s
			d, err = th.Allow(ctx, "u1", "p1", "RecognizeGeneralText")
			if err != nil || d.Remaining != 0 || d.Headers().Get("X-RateLimit-Reset") != unix(81*time.Second) {
				t.Fatalf("after the oldest call left: %+v %v", d, err)
			}
			if d, err := th.Allow(ctx, "u1", "p1", "RecognizeGeneralText"); err == nil || d.Headers().Get("Retry-After") != "10" {
				t.Fatalf("second call after the oldest left: %+v %v", d, err)
			}
			// A clock stepping back counts into the newest second.
			clk.Add(-30 * time.Second)
			if _, err := th.Allow(ctx, "u1", "p1", "RecognizeGeneralText"); err == nil {
				t.Fatal("a clock stepped back reopened the window")
			}
			clk.Add(30*time.Second + 61*time.Second)
			if d, err := th.Allow(ctx, "u1", "p1", "RecognizeGeneralText"); err != nil || d.Remaining != 2 {
				t.Fatalf("empty window: %+v %v", d, err)
			}
		})
	}
}

// Hammered at uneven steps for ten minutes, no 60-second span holds more
// than the limit of allowed calls, and the caller is not starved.
func TestConformanceNoMoreThanLimitInAnyMinute(t *testing.T) {
	const n = 5
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			clk := &clock{t: time.Date(2026, 3, 1, 10, 0, 0, 123e6, time.UTC)}
			th := limits.NewThrottle(nil, limits.ThrottleOptions{Limit: n, Now: clk.Now, Windows: &rotating{ws: im.windows(t)}})
			var allowed []time.Time
			try := func(k int) {
				for i := 0; i < k; i++ {
					if d, _ := th.Allow(context.Background(), "u", "p", "A"); d.Allowed {
						allowed = append(allowed, clk.Now())
					}
				}
			}
			try(1)
			clk.Add(59*time.Second + 800*time.Millisecond)
			try(n)
			clk.Add(300 * time.Millisecond)
			try(n)
			steps := []time.Duration{70 * time.Millisecond, 1100 * time.Millisecond, 9 * time.Second, 333 * time.Millisecond, 2500 * time.Millisecond}
			for i := 0; clk.Now().Sub(allowed[0]) < 10*time.Minute; i++ {
				clk.Add(steps[i%len(steps)])
				try(1 + i%3)
			}
			for i, at := range allowed {
				in := 0
				for _, b := range allowed[:i+1] {
					if at.Sub(b) <= limits.Window {
						in++
					}
				}
				if in > n {
					t.Fatalf("%d calls allowed in the minute up to %v", in, at.Sub(allowed[0]))
				}
			}
			if min := n * int(10*time.Minute/(61*time.Second)); len(allowed) < min {
				t.Fatalf("only %d calls allowed in ten minutes, want at least %d", len(allowed), min)
			}
		})
	}
}

// Failures lock at the limit for the lock's duration, a success resets the
// count, a failure after a served lock starts a new count, and keys are
// independent; on Redis the failures may land on either replica.
func TestConformanceLockout(t *testing.T) {
	ctx := context.Background()
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			ls := im.lockout(t, 5, 5*time.Minute)
			at := func(i int) limits.Lockout { return ls[i%len(ls)] }
			now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
			locked := func(key string, when time.Time) bool {
				t.Helper()
				ok, err := at(0).Locked(ctx, key, when)
				if err != nil {
					t.Fatal(err)
				}
				return ok
			}
			fail := func(key string, k int) {
				t.Helper()
				for i := 0; i < k; i++ {
					if err := at(i).Fail(ctx, key, now); err != nil {
						t.Fatal(err)
					}
				}
			}
			fail("ak", 4)
			if locked("ak", now) {
				t.Fatal("locked after 4 failures")
			}
			if err := at(1).Succeed(ctx, "ak"); err != nil {
				t.Fatal(err)
			}
			fail("ak", 4)
			if locked("ak", now) {
				t.Fatal("a success did not reset the count")
			}
			fail("ak", 1)
			if !locked("ak", now) || !locked("ak", now.Add(5*time.Minute-time.Millisecond)) {
				t.Fatal("not locked for the lock's duration after 5 failures in a row")
			}
			if locked("other", now) {
				t.Fatal("another key is locked")
			}
			if locked("ak", now.Add(5*time.Minute)) {
				t.Fatal("still locked after the lock's duration")
			}
			now = now.Add(5 * time.Minute)
			fail("ak", 1)
			if locked("ak", now) {
				t.Fatal("one failure after a served lock locked again")
			}
			fail("ak", 4)
			if !locked("ak", now) {
				t.Fatal("a new count of 5 did not lock")
			}
		})
	}
}

// The cap holds: over it ModelArts.4401, released slots are reusable,
// release is idempotent, per-service caps override the default, no cap
// means no refusal; and under concurrency the cap is never exceeded.
func TestConformanceSlots(t *testing.T) {
	ctx := context.Background()
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			ss := im.slots(t, 2, map[string]int{"one": 1, "free": 0})
			at := func(i int) limits.Slots { return ss[i%len(ss)] }
			if at(0).Max("x") != 2 || at(1).Max("one") != 1 || at(0).Max("free") != 0 {
				t.Fatal("caps")
			}
			r1, err1 := at(0).Acquire(ctx, "x")
			r2, err2 := at(1).Acquire(ctx, "x")
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if n := at(0).InUse("x"); n != 2 {
				t.Fatalf("in use %d, want 2", n)
			}
			if _, err := at(0).Acquire(ctx, "x"); !catalog.IsCode(err, catalog.ModelArts4401) {
				t.Fatalf("third call: %v", err)
			}
			r1()
			r1() // idempotent: frees one slot, not two
			r3, err := at(1).Acquire(ctx, "x")
			if err != nil {
				t.Fatalf("after a release: %v", err)
			}
			if _, err := at(0).Acquire(ctx, "x"); !catalog.IsCode(err, catalog.ModelArts4401) {
				t.Fatalf("a double release freed two slots: %v", err)
			}
			r2()
			r3()
			if n := at(0).InUse("x"); n != 0 {
				t.Fatalf("in use %d after releasing all", n)
			}
			ro, _ := at(0).Acquire(ctx, "one")
			if _, err := at(1).Acquire(ctx, "one"); !catalog.IsCode(err, catalog.ModelArts4401) {
				t.Fatalf("per-service cap: %v", err)
			}
			ro()
			for i := 0; i < 10; i++ {
				if _, err := at(i).Acquire(ctx, "free"); err != nil {
					t.Fatalf("uncapped service refused: %v", err)
				}
			}

			var running, peak atomic.Int64
			var wg sync.WaitGroup
			for g := 0; g < 16; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					for i := 0; i < 10; i++ {
						rel, err := at(g).Acquire(ctx, "busy")
						if err != nil {
							continue
						}
						n := running.Add(1)
						for {
							p := peak.Load()
							if n <= p || peak.CompareAndSwap(p, n) {
								break
							}
						}
						time.Sleep(time.Millisecond)
						running.Add(-1)
						rel()
					}
				}(g)
			}
			wg.Wait()
			if p := peak.Load(); p > 2 || p < 1 {
				t.Fatalf("peak %d concurrent calls, cap 2", p)
			}
		})
	}
}
