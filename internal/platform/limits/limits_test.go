package limits

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/catalog/catalogtest"
	"github.com/aisd/aisd/internal/store/memory"
	"github.com/aisd/aisd/internal/store/storetest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// settings returns an in-memory store holding project p's settings vals,
// and the view of it a Throttle is given: it counts the throttle's reads
// and, when fail is set, fails them.
func settings(t *testing.T, vals map[string]string, fail error) (*memory.Store, *storetest.Hooked) {
	t.Helper()
	st := storetest.Memory(t)
	for k, v := range vals {
		if err := st.SetSetting(context.Background(), "p", k, v); err != nil {
			t.Fatal(err)
		}
	}
	return st, storetest.Hook(st, func(_ storetest.Call, next func() error) error {
		if fail != nil {
			return fail
		}
		return next()
	})
}

func TestThrottleWindow(t *testing.T) {
	clk := newClock() // t0, on a whole second
	t0 := clk.Now()
	th := NewThrottle(nil, ThrottleOptions{Limit: 3, Now: clk.Now})
	ctx := context.Background()
	unix := func(d time.Duration) string { return strconv.FormatInt(t0.Add(d).Unix(), 10) }

	// Calls at t0+10s, +20s, +30s. Reset is when the oldest counted call
	// (t0+10s, counted per whole second) leaves the window: t0+71s.
	for i, wantRemaining := range []string{"2", "1", "0"} {
		clk.Add(10 * time.Second)
		d, err := th.Allow(ctx, "u1", "p1", "RecognizeGeneralText")
		if err != nil || !d.Allowed {
			t.Fatalf("call %d refused: %v", i+1, err)
		}
		h := d.Headers()
		if h.Get("X-RateLimit-Limit") != "3" || h.Get("X-RateLimit-Remaining") != wantRemaining ||
			h.Get("X-RateLimit-Reset") != unix(71*time.Second) || h.Get("Retry-After") != "" {
			t.Fatalf("call %d headers %v", i+1, h)
		}
	}
	clk.Add(5 * time.Second) // t0+35s: a call is possible again at t0+71s
	d, err := th.Allow(ctx, "u1", "p1", "RecognizeGeneralText")
	if d.Allowed || err == nil {
		t.Fatal("4th call in the window allowed")
	}
	e := catalogtest.WantCode(t, err, catalog.FamilyOCR, "APIG.0308")
	if _, ok := catalog.Lookup("APIG.0308"); ok {
		if e.Status != 429 || !strings.Contains(e.Msg, "limit:3,time:1 minute") {
			t.Errorf("got %d %q", e.Status, e.Msg)
		}
	}
	for k, want := range map[string]string{"Retry-After": "36", "X-RateLimit-Limit": "3", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": unix(71 * time.Second)} {
		if got := catalog.Resolve(err).Header.Get(k); got != want {
			t.Errorf("error header %s = %q, want %q", k, got, want)
		}
		if got := d.Headers().Get(k); got != want {
			t.Errorf("decision header %s = %q, want %q", k, got, want)
		}
	}
	// Another user and another API have their own windows.
	if _, err := th.Allow(ctx, "u2", "p1", "RecognizeGeneralText"); err != nil {
		t.Errorf("other user: %v", err)
	}
	if _, err := th.Allow(ctx, "u1", "p1", "RunImageTagging"); err != nil {
		t.Errorf("other API: %v", err)
	}
	// Refusals are not counted, and the window slides: at Retry-After the
	// oldest call has left and one call, no more, is allowed; the calls of
	// t0+20s and t0+30s still count.
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
	// A minute and a second after the last call, the window is empty.
	clk.Add(61 * time.Second)
	d, err = th.Allow(ctx, "u1", "p1", "RecognizeGeneralText")
	if err != nil || d.Remaining != 2 {
		t.Fatalf("empty window: %+v %v", d, err)
	}
}

// At no instant does any 60-second span hold more than the limit of
// allowed calls: a caller hammering the throttle across what a fixed window
// would take for its edge, and then at uneven intervals for minutes, never
// gets more than N through in any minute; and the throttle does not starve
// it either.
func TestThrottleNoMoreThanLimitInAnyMinute(t *testing.T) {
	const n = 5
	clk := newClock()
	clk.Add(123 * time.Millisecond) // off the second boundary
	th := NewThrottle(nil, ThrottleOptions{Limit: n, Now: clk.Now})
	ctx := context.Background()
	var allowed []time.Time
	try := func(k int) {
		for i := 0; i < k; i++ {
			d, err := th.Allow(ctx, "u", "p", "A")
			if (err == nil) != d.Allowed {
				t.Fatalf("decision %+v with error %v", d, err)
			}
			if d.Allowed {
				allowed = append(allowed, clk.Now())
			}
		}
	}
	// One call opens what a fixed window would take for a window; the rest
	// of the quota goes just before its edge, and a full burst just after.
	try(1)
	clk.Add(59*time.Second + 800*time.Millisecond)
	try(n)
	clk.Add(300 * time.Millisecond)
	try(n)
	// Then uneven steps, several calls at each, for ten minutes.
	steps := []time.Duration{70 * time.Millisecond, 1100 * time.Millisecond, 9 * time.Second, 333 * time.Millisecond, 2500 * time.Millisecond}
	for i := 0; clk.Now().Sub(allowed[0]) < 10*time.Minute; i++ {
		clk.Add(steps[i%len(steps)])
		try(1 + i%3)
	}
	for i, at := range allowed {
		in := 0
		for _, b := range allowed[:i+1] {
			if at.Sub(b) <= Window { // closed window [at-60s, at]
				in++
			}
		}
		if in > n {
			t.Fatalf("%d calls allowed in the minute up to %v (limit %d)", in, at.Sub(allowed[0]), n)
		}
	}
	// Counted per whole second, a call holds its place at most 61 s: ten
	// minutes of demand get at least n calls per 61 s.
	if min := n * int(10*time.Minute/(61*time.Second)); len(allowed) < min {
		t.Fatalf("only %d calls allowed in ten minutes of demand, want at least %d", len(allowed), min)
	}
}

func TestThrottleOverrides(t *testing.T) {
	ctx := context.Background()
	const api = "RecognizeGeneralText"
	for _, tc := range []struct {
		name    string
		vals    map[string]string
		fail    error
		allowed int // -1: unlimited
	}{
		{"default", nil, nil, 2},
		{"project", map[string]string{"ratelimit": "4"}, nil, 4},
		{"project and api", map[string]string{"ratelimit": "4", "ratelimit." + api: "1"}, nil, 1},
		{"other api's override ignored", map[string]string{"ratelimit.RunImageTagging": "1"}, nil, 2},
		{"zero turns it off", map[string]string{"ratelimit": "0"}, nil, -1},
		{"garbage falls back", map[string]string{"ratelimit." + api: "lots", "ratelimit": "3"}, nil, 3},
		{"store failure uses default", nil, errors.New("db down"), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, st := settings(t, tc.vals, tc.fail)
			th := NewThrottle(st, ThrottleOptions{Limit: 2, Now: newClock().Now})
			n := 0
			for ; n < 50; n++ {
				d, err := th.Allow(ctx, "u", "p", api)
				if err != nil {
					break
				}
				if tc.allowed == -1 && len(d.Headers()) != 0 {
					t.Fatalf("unlimited call has headers %v", d.Headers())
				}
			}
			if want := tc.allowed; (want == -1 && n != 50) || (want >= 0 && n != want) {
				t.Fatalf("allowed %d calls, want %d", n, tc.allowed)
			}
		})
	}
}

func TestThrottleOverrideCache(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	st, spy := settings(t, map[string]string{"ratelimit": "100"}, nil)
	th := NewThrottle(spy, ThrottleOptions{Limit: 2, Now: clk.Now, OverrideTTL: 30 * time.Second})
	for i := 0; i < 10; i++ {
		if _, err := th.Allow(ctx, "u", "p", "A"); err != nil {
			t.Fatal(err)
		}
	}
	if n := spy.Calls("GetSetting"); n != 2 { // ratelimit.A (absent), then ratelimit
		t.Fatalf("setting reads = %d, want 2", n)
	}
	if err := st.SetSetting(ctx, "p", "ratelimit", "10"); err != nil {
		t.Fatal(err)
	}
	clk.Add(31 * time.Second)
	if _, err := th.Allow(ctx, "u", "p", "A"); err == nil {
		t.Fatal("lowered override not applied after the TTL")
	}
}

func TestThrottleBoundedKeys(t *testing.T) {
	clk := newClock()
	th := NewThrottle(nil, ThrottleOptions{Limit: 5, MaxKeys: 100, Now: clk.Now})
	for i := 0; i < 1000; i++ {
		if _, err := th.Allow(context.Background(), "user"+strconv.Itoa(i), "p", "A"); err != nil {
			t.Fatal(err)
		}
	}
	if n := th.Keys(); n > 100 {
		t.Fatalf("%d windows kept, bound is 100", n)
	}
	// Idle windows go once they have ended.
	clk.Add(2 * time.Minute)
	_, _ = th.Allow(context.Background(), "late", "p", "A")
	if n := th.Keys(); n != 1 {
		t.Fatalf("%d windows after idling, want 1", n)
	}
}

func TestInFlight(t *testing.T) {
	l := NewInFlight(3, map[string]int{"ocr.id-card": 1, "moderation.text": 0})
	const n = 20
	var (
		wg       sync.WaitGroup
		got      atomic.Int32
		refused  atomic.Int32
		hold     = make(chan struct{})
		releases = make(chan func(), n)
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rel, err := l.Acquire(context.Background(), "ocr.general-text")
			if err != nil {
				catalogtest.WantCode(t, err, catalog.FamilyOCR, "ModelArts.4401")
				refused.Add(1)
				return
			}
			got.Add(1)
			releases <- rel
			<-hold
		}()
	}
	for got.Load()+refused.Load() < n {
		time.Sleep(time.Millisecond)
	}
	if got.Load() != 3 || refused.Load() != 17 || l.InUse("ocr.general-text") != 3 {
		t.Fatalf("acquired %d refused %d in use %d; want 3/17/3", got.Load(), refused.Load(), l.InUse("ocr.general-text"))
	}
	// Services are counted apart; a per-service cap overrides the default.
	rel, err := l.Acquire(context.Background(), "ocr.id-card")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Acquire(context.Background(), "ocr.id-card"); err == nil {
		t.Fatal("second id-card call allowed with cap 1")
	}
	rel()
	rel() // releasing twice gives back one slot only
	if l.InUse("ocr.id-card") != 0 {
		t.Fatalf("in use %d after release", l.InUse("ocr.id-card"))
	}
	for i := 0; i < 50; i++ { // cap 0: unlimited
		if _, err := l.Acquire(context.Background(), "moderation.text"); err != nil {
			t.Fatal(err)
		}
	}
	close(hold)
	wg.Wait()
	close(releases)
	for r := range releases {
		r()
	}
	if _, err := l.Acquire(context.Background(), "ocr.general-text"); err != nil {
		t.Fatalf("after release: %v", err)
	}
}

func TestInFlightNeverExceeded(t *testing.T) {
	l := NewInFlight(4, nil)
	var cur, peak atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				rel, err := l.Acquire(context.Background(), "s")
				if err != nil {
					continue
				}
				c := cur.Add(1)
				for {
					p := peak.Load()
					if c <= p || peak.CompareAndSwap(p, c) {
						break
					}
				}
				cur.Add(-1)
				rel()
			}
		}()
	}
	wg.Wait()
	if peak.Load() > 4 || l.InUse("s") != 0 {
		t.Fatalf("peak %d, in use %d", peak.Load(), l.InUse("s"))
	}
}

func TestBreakerLifecycle(t *testing.T) {
	clk := newClock()
	b := NewBreaker(BreakerOptions{Window: 10 * time.Second, MinCalls: 4, FailureRate: 0.5, CoolDown: 5 * time.Second, Now: clk.Now})
	call := func(o Outcome) {
		t.Helper()
		done, ok := b.Allow()
		if !ok {
			t.Fatalf("refused in state %v", b.State())
		}
		done(o)
	}
	// Below the volume threshold failures do not open it.
	call(Failure)
	call(Failure)
	call(Failure)
	if b.State() != Closed {
		t.Fatalf("opened below MinCalls")
	}
	// Old outcomes leave the rolling window.
	clk.Add(11 * time.Second)
	call(Success)
	call(Success)
	call(Failure)
	if b.State() != Closed {
		t.Fatal("opened on 1/3 failures")
	}
	call(Failure) // 2 of 4
	if b.State() != Open {
		t.Fatalf("state %v after 2/4 failures, want open", b.State())
	}
	if _, ok := b.Allow(); ok {
		t.Fatal("open breaker allowed a call")
	}
	clk.Add(5 * time.Second)
	if b.State() != HalfOpen {
		t.Fatalf("state %v after cool-down, want half-open", b.State())
	}
	probe, ok := b.Allow()
	if !ok {
		t.Fatal("half-open refused the probe")
	}
	if _, ok := b.Allow(); ok {
		t.Fatal("half-open let a second call through")
	}
	probe(Failure)
	if b.State() != Open {
		t.Fatalf("failed probe left %v", b.State())
	}
	clk.Add(5 * time.Second)
	probe, _ = b.Allow()
	probe(Ignored) // a cancelled probe says nothing: another may try
	probe, ok = b.Allow()
	if !ok {
		t.Fatal("no probe after an ignored one")
	}
	probe(Success)
	if b.State() != Closed {
		t.Fatalf("successful probe left %v", b.State())
	}
	// Closing forgets the failures that opened it.
	call(Failure)
	call(Success)
	call(Success)
	if b.State() != Closed {
		t.Fatal("reopened from stale failures")
	}
}

func TestBreakerStaleOutcome(t *testing.T) {
	clk := newClock()
	b := NewBreaker(BreakerOptions{MinCalls: 1, FailureRate: 1, CoolDown: time.Second, Now: clk.Now})
	slow, _ := b.Allow()
	fast, _ := b.Allow()
	fast(Failure)
	clk.Add(time.Second)
	probe, _ := b.Allow()
	slow(Success) // started before the breaker opened: must not close it
	if b.State() != HalfOpen {
		t.Fatalf("stale outcome changed state to %v", b.State())
	}
	probe(Success)
	if b.State() != Closed {
		t.Fatal("probe did not close")
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want Outcome
	}{
		{"nil", nil, Success},
		{"cancelled", context.Canceled, Ignored},
		{"deadline", context.DeadlineExceeded, Failure},
		{"uncoded", errors.New("boom"), Failure},
		{"5xx", catalog.New(catalog.APIG0201).Variant("unavailable"), Failure},
		{"client error", catalog.New(catalog.AIS0101), Success},
	} {
		if got := Classify(tc.err); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	for _, k := range []catalog.Kind{catalog.KindInternal, catalog.KindBackendTimeout, catalog.KindRecognition} {
		for _, f := range catalog.Families {
			if c, ok := catalog.CodeFor(k, f); ok {
				if got := Classify(catalog.New(catalog.Code(c))); got != Failure {
					t.Errorf("%s (%s/%s) classified %v", c, k, f, got)
				}
			}
		}
	}
	for _, k := range []catalog.Kind{catalog.KindBadParam, catalog.KindImageFormat, catalog.KindBadBase64} {
		for _, f := range catalog.Families {
			if c, ok := catalog.CodeFor(k, f); ok {
				if got := Classify(catalog.New(catalog.Code(c))); got != Success {
					t.Errorf("%s (%s/%s) classified %v", c, k, f, got)
				}
			}
		}
	}
}

func TestGuardDeadline(t *testing.T) {
	g := NewGuard(GuardOptions{Deadline: 30 * time.Millisecond, DeadlinePer: map[string]time.Duration{"fast": 5 * time.Millisecond}})
	ctx := context.Background()

	v, err := g.Do(ctx, "ocr.general-text", func(context.Context) (any, error) { return "ok", nil })
	if err != nil || v != "ok" {
		t.Fatalf("got %v %v", v, err)
	}
	// A handler that honours ctx.
	_, err = g.Do(ctx, "ocr.general-text", func(ctx context.Context) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	catalogtest.WantKind(t, err, catalog.KindBackendTimeout)

	// A handler that ignores ctx: Do answers at the deadline, the slot is
	// held until the handler really ends.
	g2 := NewGuard(GuardOptions{MaxInFlight: 1, DeadlinePer: map[string]time.Duration{"fast": 5 * time.Millisecond}})
	finish := make(chan struct{})
	ended := make(chan struct{})
	start := time.Now()
	_, err = g2.Do(ctx, "fast", func(context.Context) (any, error) {
		<-finish
		close(ended)
		return "late", nil
	})
	if time.Since(start) > time.Second {
		t.Fatal("Do waited for a handler that ignores its deadline")
	}
	catalogtest.WantKind(t, err, catalog.KindBackendTimeout)
	if _, err := g2.Do(ctx, "fast", func(context.Context) (any, error) { return nil, nil }); err == nil {
		t.Fatal("slot freed while the overrunning handler still runs")
	} else {
		catalogtest.WantCode(t, err, catalog.FamilyOCR, "ModelArts.4401")
	}
	close(finish)
	<-ended
	for g2.InFlight().InUse("fast") != 0 {
		time.Sleep(time.Millisecond)
	}

	// The gateway's (caller's) deadline is the gateway's code.
	pctx, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
	defer cancel()
	_, err = g.Do(pctx, "ocr.general-text", func(ctx context.Context) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	e := catalogtest.WantCode(t, err, catalog.FamilyOCR, "APIG.0201")
	if _, ok := catalog.Lookup("APIG.0201"); ok {
		if v, ok := mustEntry("APIG.0201").Variant("timeout"); ok && (e.Status != v.Status || e.Msg != v.Message) {
			t.Errorf("gateway timeout answered %d %q, want %d %q", e.Status, e.Msg, v.Status, v.Message)
		}
	}

	// A caller that went away is not an error of the service.
	cctx, ccancel := context.WithCancel(ctx)
	ccancel()
	_, err = g.Do(cctx, "ocr.general-text", func(ctx context.Context) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v", err)
	}
}

func mustEntry(code string) *catalog.Entry {
	e, _ := catalog.Lookup(code)
	return e
}

func TestGuardBreaker(t *testing.T) {
	clk := newClock()
	g := NewGuard(GuardOptions{Breaker: BreakerOptions{MinCalls: 3, FailureRate: 0.5, CoolDown: 10 * time.Second, Now: clk.Now}})
	ctx := context.Background()
	fail := func(context.Context) (any, error) { return nil, errors.New("engine crashed") }
	ok := func(context.Context) (any, error) { return "text", nil }
	bad := func(context.Context) (any, error) { return nil, catalog.E(catalog.KindBadParam) }

	// Client errors never open it.
	for i := 0; i < 10; i++ {
		_, _ = g.Do(ctx, "moderation.text", bad)
	}
	if s := g.BreakerStates()["moderation.text"]; s != Closed {
		t.Fatalf("client errors opened the breaker: %v", s)
	}
	g = NewGuard(GuardOptions{Breaker: BreakerOptions{MinCalls: 3, FailureRate: 0.5, CoolDown: 10 * time.Second, Now: clk.Now}})
	for i := 0; i < 3; i++ {
		if _, err := g.Do(ctx, "moderation.text", fail); err == nil {
			t.Fatal("failure not returned")
		}
	}
	if s := g.BreakerStates()["moderation.text"]; s != Open {
		t.Fatalf("state %v after 3 failures", s)
	}
	ran := false
	_, err := g.Do(ctx, "moderation.text", func(context.Context) (any, error) { ran = true; return nil, nil })
	if ran {
		t.Fatal("open breaker ran the handler")
	}
	catalogtest.WantKind(t, err, catalog.KindBackendDown)
	// Other services are unaffected.
	if _, err := g.Do(ctx, "ocr.general-text", ok); err != nil {
		t.Fatal(err)
	}
	clk.Add(10 * time.Second)
	if s := g.BreakerStates()["moderation.text"]; s != HalfOpen {
		t.Fatalf("state %v after cool-down", s)
	}
	if v, err := g.Do(ctx, "moderation.text", ok); err != nil || v != "text" {
		t.Fatalf("probe: %v %v", v, err)
	}
	if s := g.BreakerStates()["moderation.text"]; s != Closed {
		t.Fatalf("state %v after a good probe", s)
	}
}

func TestGuardPanic(t *testing.T) {
	g := NewGuard(GuardOptions{})
	_, err := g.Do(context.Background(), "s", func(context.Context) (any, error) { panic("nil map") })
	if err == nil || !strings.Contains(err.Error(), "nil map") {
		t.Fatalf("panic gave %v", err)
	}
	catalogtest.WantKind(t, err, catalog.KindInternal)
}

// TestPanicsDoNotOpenTheBreaker: a handler that panics on some client's
// input (a crafted image) must not open the breaker every tenant shares.
func TestPanicsDoNotOpenTheBreaker(t *testing.T) {
	g := NewGuard(GuardOptions{})
	for i := 0; i < 60; i++ {
		_, err := g.Do(context.Background(), "ocr.general-text", func(context.Context) (any, error) { panic("index out of range [4] with length 4") })
		catalogtest.WantKind(t, err, catalog.KindInternal)
		var pe *api.PanicError
		if !errors.As(err, &pe) || len(pe.Stack) == 0 {
			t.Fatalf("panic %v carries no stack", err)
		}
	}
	v, err := g.Do(context.Background(), "ocr.general-text", func(context.Context) (any, error) { return "read", nil })
	if err != nil || v != "read" {
		t.Fatalf("another tenant's call after the panics: %v %v", v, err)
	}
}

// A handler's error from a time-out of its own (its HTTP client's), within
// the platform's deadline, is answered as it is: never swallowed into a
// success with no body because Do cancels its call context afterwards.
func TestGuardKeepsHandlersOwnTimeout(t *testing.T) {
	own := fmt.Errorf("tax endpoint: %w", context.DeadlineExceeded)
	for i := 0; i < 200; i++ { // the race with Do's cancel is a matter of scheduling
		g := NewGuard(GuardOptions{Deadline: time.Minute}) // fresh: the failures would open the breaker
		v, err := g.Do(context.Background(), "ocr.invoice-verification", func(context.Context) (any, error) { return nil, own })
		if !errors.Is(err, own) || v != nil {
			t.Fatalf("round %d: got %v, %v; want the handler's own error", i, v, err)
		}
	}
}
