package jobs_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/jobs"
	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/storetest"
)

// Two processes on one database: every job runs once and every callback
// is posted once.
func TestSharedDatabase(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { sharedDatabase(t, storetest.SQLiteDSN(t)) })
	t.Run("postgres", func(t *testing.T) { sharedDatabase(t, storetest.PostgresDSN(t)) })
}

func sharedDatabase(t *testing.T, dsn string) {
	srv, hits := callbackServer(t)
	var (
		mu   sync.Mutex
		runs = map[string][]string{}
	)
	handler := func(name string) jobs.Handler {
		return func(ctx context.Context, j store.Job) ([]byte, error) {
			mu.Lock()
			runs[j.ID] = append(runs[j.ID], name)
			mu.Unlock()
			time.Sleep(2 * time.Millisecond)
			return json.Marshal(map[string]string{"job_id": j.ID})
		}
	}
	opt := fastOpts()
	opt.Lease = time.Second
	opt.MaxUnfinishedPerProject = -1
	stA, stB := storetest.Open(t, dsn), storetest.Open(t, dsn)
	a := startRunner(t, stA, opt, handler("A"))
	startRunner(t, stB, opt, handler("B"))

	const n = 30
	var ids []string
	for i := 0; i < n; i++ {
		ids = append(ids, submit(t, a, "p1", "u1", func(j *store.Job) { j.CallbackURL = srv.URL }).ID)
	}
	for _, id := range ids {
		waitFor(t, stA, id, "delivered", func(j store.Job) bool { return j.CallbackState == store.CallbackDelivered })
	}
	mu.Lock()
	defer mu.Unlock()
	by := map[string]int{}
	for _, id := range ids {
		if len(runs[id]) != 1 {
			t.Fatalf("job %s ran %d times (%v)", id, len(runs[id]), runs[id])
		}
		by[runs[id][0]]++
	}
	posted := map[string]int{}
	for _, h := range hits() {
		var body map[string]string
		json.Unmarshal(h.body, &body)
		posted[body["job_id"]]++
	}
	for _, id := range ids {
		if posted[id] != 1 {
			t.Fatalf("callback of %s posted %d times", id, posted[id])
		}
	}
	t.Logf("jobs run by process: %v", by)
}

// A live process keeps a job longer than the lease by heartbeating; a dead
// one loses it to the other process once the lease runs out, and the job
// completes once, its callback posted with the job id as idempotency key.
func TestLeaseTakeover(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { leaseTakeover(t, storetest.SQLiteDSN(t)) })
	t.Run("postgres", func(t *testing.T) { leaseTakeover(t, storetest.PostgresDSN(t)) })
}

func leaseTakeover(t *testing.T, dsn string) {
	const lease = 600 * time.Millisecond
	opt := fastOpts()
	opt.Lease = lease
	srv, hits := callbackServer(t)

	stA := storetest.Open(t, dsn)
	deadA, killA := killable(stA)
	block := make(chan struct{})
	defer close(block)
	a := jobs.New(deadA, opt)
	var mu sync.Mutex
	ranBy := map[string][]string{}
	record := func(id, who string) {
		mu.Lock()
		ranBy[id] = append(ranBy[id], who)
		mu.Unlock()
	}
	a.Register(kind, func(ctx context.Context, j store.Job) ([]byte, error) {
		record(j.ID, "A")
		if string(j.Request) == `"slow"` {
			time.Sleep(2 * lease)
			return []byte(`"A"`), nil
		}
		// Killed mid-job: A never answers and never releases the job.
		<-block
		return nil, ctx.Err()
	}, catalog.Renderer(fam))
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	slow := submit(t, a, "p1", "u1", func(j *store.Job) { j.Request = []byte(`"slow"`) })
	stuck := submit(t, a, "p1", "u1", func(j *store.Job) { j.Request = []byte(`"stuck"`); j.CallbackURL = srv.URL })
	for _, id := range []string{slow.ID, stuck.ID} {
		waitFor(t, stA, id, "running", func(j store.Job) bool { return j.State == store.JobRunning })
	}

	stB := storetest.Open(t, dsn)
	startRunner(t, stB, opt, func(ctx context.Context, j store.Job) ([]byte, error) {
		record(j.ID, "B")
		return []byte(`"B"`), nil
	})
	// A is alive while the slow job runs past the lease: B must not take it.
	got := waitFor(t, stB, slow.ID, "finished", finished)
	if string(got.Result) != `"A"` {
		t.Fatalf("slow job finished by %s, want A", got.Result)
	}
	if got, _ := stB.GetJob(context.Background(), stuck.ID); got.State != store.JobRunning {
		t.Fatalf("stuck job of a live process is %s", got.State)
	}

	killA() // A dies with the stuck job
	got = waitFor(t, stB, stuck.ID, "delivered", func(j store.Job) bool { return j.CallbackState == store.CallbackDelivered })
	if got.State != store.JobSucceeded || string(got.Result) != `"B"` || got.Attempts != 2 {
		t.Fatalf("stuck job: %s result %s after %d attempts, want B's after 2", got.State, got.Result, got.Attempts)
	}
	// Give a wrongly duplicated run or callback time to show.
	time.Sleep(2 * lease)
	mu.Lock()
	defer mu.Unlock()
	if len(ranBy[slow.ID]) != 1 || len(ranBy[stuck.ID]) != 2 || ranBy[stuck.ID][1] != "B" {
		t.Fatalf("slow job ran on %v, stuck job on %v", ranBy[slow.ID], ranBy[stuck.ID])
	}
	hs := hits()
	if len(hs) != 1 || hs[0].header.Get(jobs.IdempotencyKeyHeader) != stuck.ID || string(hs[0].body) != `"B"` {
		t.Fatalf("callbacks: %d posted, first %+v", len(hs), hs)
	}
}
