package jobs_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/jobs"
	"github.com/aisd/aisd/internal/store"
)

// A callback that failed once is retried by the next process at the time
// the first one scheduled.
func TestCallbackResumesAfterRestart(t *testing.T) {
	srv, hits := callbackServer(t, http.StatusServiceUnavailable)
	st := openStore(t, "")
	deadA, killA := killable(st)
	optA := fastOpts()
	optA.CallbackBackoff = 300 * time.Millisecond
	a := jobs.New(deadA, optA)
	a.Register(kind, func(context.Context, store.Job) ([]byte, error) { return []byte(`{"n":1}`), nil }, catalog.Renderer(fam))
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	j := submit(t, a, "p1", "u1", func(j *store.Job) { j.CallbackURL = srv.URL })
	first := waitFor(t, st, j.ID, "retry scheduled", func(j store.Job) bool { return j.CallbackAttempts == 1 })
	killA()
	if first.CallbackState != store.CallbackPending || !first.CallbackAt.After(first.UpdatedAt) {
		t.Fatalf("after a 503: state %q next attempt %v (updated %v)", first.CallbackState, first.CallbackAt, first.UpdatedAt)
	}

	startRunner(t, st, fastOpts(), func(context.Context, store.Job) ([]byte, error) {
		t.Error("a finished job ran again")
		return nil, nil
	})
	got := waitFor(t, st, j.ID, "delivered", func(j store.Job) bool { return j.CallbackState == store.CallbackDelivered })
	hs := hits()
	if len(hs) != 2 || got.CallbackAttempts != 2 || string(hs[1].body) != `{"n":1}` {
		t.Fatalf("%d requests, %d attempts, body %s", len(hs), got.CallbackAttempts, hs[len(hs)-1].body)
	}
	if hs[1].at.Before(first.CallbackAt) {
		t.Fatalf("retried at %v, before the scheduled %v", hs[1].at, first.CallbackAt)
	}
}

// A job that keeps killing its process is failed instead of run again.
func TestJobInterruptedTooOften(t *testing.T) {
	st := openStore(t, "")
	now := time.Now().UTC()
	j := store.Job{ID: "crashy", ProjectID: "p1", UserID: "u1", Kind: kind, State: store.JobRunning,
		Attempts: 3, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := st.CreateJob(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	opt := fastOpts()
	opt.MaxAttempts = 3
	var ran atomic.Bool
	startRunner(t, st, opt, func(context.Context, store.Job) ([]byte, error) {
		ran.Store(true)
		return nil, nil
	})
	got := waitFor(t, st, j.ID, "finished", finished)
	internal, _ := catalog.CodeFor(catalog.KindInternal, fam)
	if got.State != store.JobFailed || got.ErrorCode != internal || ran.Load() {
		t.Fatalf("job state %s code %s, handler ran: %v", got.State, got.ErrorCode, ran.Load())
	}
}

// Stop gives up after its deadline; the interrupted job is resumed by the
// next Start instead of being marked failed.
func TestStopTimeoutKeepsJob(t *testing.T) {
	st := openStore(t, "")
	started := make(chan struct{})
	a := jobs.New(st, fastOpts())
	a.Register(kind, func(ctx context.Context, j store.Job) ([]byte, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	}, catalog.Renderer(fam))
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	j := submit(t, a, "p1", "u1", nil)
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := a.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop = %v, want deadline exceeded", err)
	}
	time.Sleep(20 * time.Millisecond) // let the cancelled handler return
	if got, _ := st.GetJob(context.Background(), j.ID); got.State != store.JobRunning {
		t.Fatalf("interrupted job is %s, want running", got.State)
	}
	startRunner(t, st, fastOpts(), func(context.Context, store.Job) ([]byte, error) { return []byte(`{}`), nil })
	got := waitFor(t, st, j.ID, "finished", finished)
	if got.State != store.JobSucceeded || got.Attempts != 2 {
		t.Fatalf("resumed job: %s after %d attempts", got.State, got.Attempts)
	}
}

func TestJobTimeout(t *testing.T) {
	st := openStore(t, "")
	opt := fastOpts()
	opt.JobTimeout = 30 * time.Millisecond
	r := startRunner(t, st, opt, func(ctx context.Context, j store.Job) ([]byte, error) {
		<-ctx.Done()
		return []byte(`{"partial":true}`), nil
	})
	j := submit(t, r, "p1", "u1", nil)
	got := waitFor(t, st, j.ID, "finished", finished)
	want := catalog.Render(catalog.E(catalog.KindBackendTimeout), fam)
	if got.State != store.JobFailed || got.ErrorCode != want.Code || got.Result != nil {
		t.Fatalf("timed-out job: %s %q result %s; want failed %s", got.State, got.ErrorCode, got.Result, want.Code)
	}
}

func TestAPIStatus(t *testing.T) {
	for state, want := range map[string]string{
		store.JobQueued: "running", store.JobRunning: "running",
		store.JobSucceeded: "succeeded", store.JobFailed: "failed",
	} {
		if got := jobs.APIStatus(state); got != want {
			t.Errorf("APIStatus(%s) = %s, want %s", state, got, want)
		}
	}
}

// A process that posts a callback and dies before recording the delivery
// leaves it to the next process, which posts it again once the attempt's
// lease has run out: delivery is at least once, and both posts carry the
// same idempotency key, the job id, for the receiver to deduplicate by.
func TestCallbackAfterCrashCarriesSameKey(t *testing.T) {
	st := openStore(t, "")
	deadA, killA := killable(st)
	var (
		mu   sync.Mutex
		hits []http.Header
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		hits = append(hits, req.Header.Clone())
		first := len(hits) == 1
		mu.Unlock()
		if first {
			killA() // A dies before it can record this delivery
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)

	a := jobs.New(deadA, fastOpts())
	a.Register(kind, func(context.Context, store.Job) ([]byte, error) { return []byte(`{"n":1}`), nil }, catalog.Renderer(fam))
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	j := submit(t, a, "p1", "u1", func(j *store.Job) { j.CallbackURL, j.Seed = srv.URL, "seed" })
	leased := waitFor(t, st, j.ID, "posted by A", func(j store.Job) bool {
		mu.Lock()
		defer mu.Unlock()
		return len(hits) == 1
	})
	if leased.CallbackState != store.CallbackPending {
		t.Fatalf("after A died: callback %s", leased.CallbackState)
	}

	// B runs past the lease of A's attempt.
	optB := fastOpts()
	optB.Now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	startRunner(t, st, optB, func(context.Context, store.Job) ([]byte, error) {
		t.Error("a finished job ran again")
		return nil, nil
	})
	got := waitFor(t, st, j.ID, "delivered by B", func(j store.Job) bool { return j.CallbackState == store.CallbackDelivered })
	mu.Lock()
	defer mu.Unlock()
	if len(hits) != 2 || got.CallbackAttempts != 1 {
		t.Fatalf("%d posts, %d attempts recorded; want 2 posts, 1 recorded", len(hits), got.CallbackAttempts)
	}
	for i, h := range hits {
		if k := h.Get(jobs.IdempotencyKeyHeader); k != j.ID {
			t.Fatalf("post %d: %s %q, want the job id %q", i+1, jobs.IdempotencyKeyHeader, k, j.ID)
		}
		if h.Get("X-Auth-Signature") != hits[0].Get("X-Auth-Signature") {
			t.Fatalf("post %d: signature differs from the first post's", i+1)
		}
	}
}
