package jobs_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/catalog/catalogtest"
	"github.com/aisd/aisd/internal/jobs"
	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/sqlite"
	"github.com/aisd/aisd/internal/store/storetest"
)

const kind = "moderation.video"

var fam = catalog.FamilyModeration

func openStore(t *testing.T, path string) store.Store {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "aisd.db")
	}
	s, err := sqlite.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func fastOpts() jobs.Options {
	return jobs.Options{
		Workers: 2, PollInterval: 10 * time.Millisecond, CallbackBackoff: 10 * time.Millisecond,
		Logger: quiet(),
	}
}

// startRunner registers h for kind, starts the runner and stops it when
// the test ends.
func startRunner(t *testing.T, st store.Store, opt jobs.Options, h jobs.Handler) *jobs.Runner {
	t.Helper()
	r := jobs.New(st, opt)
	r.Register(kind, h, catalog.Renderer(fam))
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		r.Stop(ctx)
	})
	return r
}

func submit(t *testing.T, r *jobs.Runner, project, user string, mod func(*store.Job)) store.Job {
	t.Helper()
	j := store.Job{ProjectID: project, UserID: user, Kind: kind, Request: []byte(`{"data":{"url":"https://example.invalid/v.mp4"}}`), RequestID: "req-1"}
	if mod != nil {
		mod(&j)
	}
	j, err := r.Submit(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// waitFor polls until cond holds on the job as the store has it.
func waitFor(t *testing.T, st store.Store, id string, what string, cond func(store.Job) bool) store.Job {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		j, err := st.GetJob(context.Background(), id)
		if err == nil && cond(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for job %s to be %s; last %+v, %v", id, what, j, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func finished(j store.Job) bool { return j.State == store.JobSucceeded || j.State == store.JobFailed }

func code(t *testing.T, k catalog.Kind) string {
	t.Helper()
	c, ok := catalog.CodeFor(k, fam)
	if !ok {
		t.Fatalf("catalog has no %s code for family %s", k, fam)
	}
	if internal, _ := catalog.CodeFor(catalog.KindInternal, fam); c == internal {
		t.Fatalf("kind %s maps to the internal error", k)
	}
	return c
}

func TestJobRunsAndSucceeds(t *testing.T) {
	st := openStore(t, "")
	r := startRunner(t, st, fastOpts(), func(ctx context.Context, j store.Job) ([]byte, error) {
		var req struct {
			Data struct{ URL string } `json:"data"`
		}
		if err := json.Unmarshal(j.Request, &req); err != nil {
			return nil, err
		}
		return json.Marshal(map[string]string{"suggestion": "pass", "url": req.Data.URL})
	})
	j := submit(t, r, "p1", "u1", nil)
	if j.ID == "" || j.State != store.JobQueued || j.CreatedAt.IsZero() || !j.ExpiresAt.After(j.CreatedAt) {
		t.Fatalf("submitted job = %+v", j)
	}
	done := waitFor(t, st, j.ID, "finished", finished)
	got, err := r.Get(context.Background(), j.ID, "p1", "u1")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != store.JobSucceeded || got.Attempts != 1 || got.ErrorCode != "" {
		t.Fatalf("job = %+v", done)
	}
	if want := `{"suggestion":"pass","url":"https://example.invalid/v.mp4"}`; string(got.Result) != want {
		t.Fatalf("result = %s, want %s", got.Result, want)
	}
	if got.CallbackState != store.CallbackNone {
		t.Fatalf("callback state %q without a callback URL", got.CallbackState)
	}
}

func TestJobErrors(t *testing.T) {
	fetchErr := catalog.E(catalog.KindURLFetch)
	fetch := catalog.Render(fetchErr, fam)
	internal, _ := catalog.CodeFor(catalog.KindInternal, fam)
	tests := []struct {
		name     string
		err      error
		panics   bool
		wantCode string
		wantMsg  string
	}{
		{"catalog error", fetchErr.Wrap(errors.New("dial tcp: refused")), false, fetch.Code, fetch.Msg},
		{"wrapped catalog error", errors.Join(errors.New("ctx"), fetchErr), false, fetch.Code, fetch.Msg},
		{"plain error", errors.New("decoder exploded"), false, internal, catalog.Render(catalog.New(catalog.Code(internal)), fam).Msg},
		{"panic", nil, true, internal, catalog.Render(catalog.New(catalog.Code(internal)), fam).Msg},
	}
	st := openStore(t, "")
	var mu sync.Mutex
	byReq := map[string]int{}
	r := startRunner(t, st, fastOpts(), func(ctx context.Context, j store.Job) ([]byte, error) {
		mu.Lock()
		tc := tests[byReq[j.RequestID]]
		mu.Unlock()
		if tc.panics {
			panic("boom")
		}
		return nil, tc.err
	})
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := "req-" + tc.name
			mu.Lock()
			byReq[req] = i
			mu.Unlock()
			j := submit(t, r, "p1", "u1", func(j *store.Job) { j.RequestID = req })
			got := waitFor(t, st, j.ID, "finished", finished)
			if got.State != store.JobFailed || got.ErrorCode != tc.wantCode || got.ErrorMsg != tc.wantMsg || got.Result != nil {
				t.Fatalf("job = state %s code %q msg %q result %s; want failed %q %q",
					got.State, got.ErrorCode, got.ErrorMsg, got.Result, tc.wantCode, tc.wantMsg)
			}
		})
	}
}

func TestUnfinishedLimit(t *testing.T) {
	st := openStore(t, "")
	release := make(chan struct{})
	opt := fastOpts()
	opt.MaxUnfinishedPerProject = 2
	r := startRunner(t, st, opt, func(ctx context.Context, j store.Job) ([]byte, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return []byte(`{}`), nil
	})
	a := submit(t, r, "p1", "u1", nil)
	submit(t, r, "p1", "u1", nil)
	_, err := r.Submit(context.Background(), store.Job{ProjectID: "p1", UserID: "u2", Kind: kind})
	catalogtest.WantCode(t, err, fam, code(t, catalog.KindJobLimit)) // the third unfinished job
	submit(t, r, "p2", "u9", nil)                                    // other projects are unaffected
	close(release)
	waitFor(t, st, a.ID, "finished", finished)
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, _ := st.CountUnfinished(context.Background(), "p1")
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d jobs still unfinished", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	submit(t, r, "p1", "u1", nil) // allowed again once jobs finish
}

func TestSubmitUnknownKind(t *testing.T) {
	r := jobs.New(openStore(t, ""), fastOpts())
	_, err := r.Submit(context.Background(), store.Job{ProjectID: "p1", UserID: "u1", Kind: "moderation.hologram"})
	if err == nil {
		t.Fatal("job of an unregistered kind accepted")
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestGetCodes(t *testing.T) {
	st := openStore(t, "")
	clk := &clock{t: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)}
	opt := fastOpts()
	opt.Now, opt.Retention = clk.Now, time.Hour
	r := jobs.New(st, opt) // not started: the job stays queued
	r.Register(kind, func(context.Context, store.Job) ([]byte, error) { return nil, nil }, catalog.Renderer(fam))
	j := submit(t, r, "p1", "u1", nil)
	if want := clk.Now().Add(time.Hour); !j.ExpiresAt.Equal(want) {
		t.Fatalf("expires at %v, want %v", j.ExpiresAt, want)
	}

	notFound, forbidden := code(t, catalog.KindJobNotFound), code(t, catalog.KindJobForbidden)
	for _, tc := range []struct {
		name, id, project, user, want string
	}{
		{"owner", j.ID, "p1", "u1", ""},
		{"other user same project", j.ID, "p1", "u2", forbidden},
		{"other project", j.ID, "p2", "u1", notFound},
		{"unknown id", "0123456789abcdef0123456789abcdef", "p1", "u1", notFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Get(context.Background(), tc.id, tc.project, tc.user)
			if tc.want != "" {
				catalogtest.WantCode(t, err, fam, tc.want)
				return
			}
			if err != nil || got.ID != j.ID {
				t.Fatalf("Get returned %+v, %v", got, err)
			}
		})
	}

	clk.Advance(time.Hour)
	_, err := r.Get(context.Background(), j.ID, "p1", "u1")
	catalogtest.WantCode(t, err, fam, notFound) // the job expired
	n, err := r.DeleteExpired(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpired = %d, %v; want 1", n, err)
	}
	if _, err := st.GetJob(context.Background(), j.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired job still stored: %v", err)
	}
}

func TestFormatTime(t *testing.T) {
	in := time.Date(2026, 1, 2, 3, 4, 5, 6_700_000, time.FixedZone("CST", 8*3600))
	if got, want := jobs.FormatTime(in), "2026-01-01T19:04:05.006Z"; got != want {
		t.Fatalf("FormatTime = %q, want %q", got, want)
	}
	if got, want := jobs.FormatTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)), "2026-01-02T03:04:05.000Z"; got != want {
		t.Fatalf("FormatTime = %q, want %q", got, want)
	}
}

type hit struct {
	header http.Header
	body   []byte
	at     time.Time
}

// callbackServer answers with the statuses in order, then 200.
func callbackServer(t *testing.T, statuses ...int) (*httptest.Server, func() []hit) {
	var (
		mu   sync.Mutex
		hits []hit
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		mu.Lock()
		n := len(hits)
		hits = append(hits, hit{req.Header.Clone(), b, time.Now()})
		mu.Unlock()
		if req.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		if n < len(statuses) {
			w.WriteHeader(statuses[n])
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []hit {
		mu.Lock()
		defer mu.Unlock()
		return append([]hit(nil), hits...)
	}
}

// sign is the documented signature, computed here without the package.
func sign(seed string, j store.Job) string {
	m := hmac.New(sha256.New, []byte(seed))
	io.WriteString(m, j.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z")+j.ID+j.RequestID+seed)
	return hex.EncodeToString(m.Sum(nil))
}

func TestCallbackSigned(t *testing.T) {
	srv, hits := callbackServer(t)
	st := openStore(t, "")
	r := startRunner(t, st, fastOpts(), func(context.Context, store.Job) ([]byte, error) {
		return []byte(`{"suggestion":"block"}`), nil
	})
	signed := submit(t, r, "p1", "u1", func(j *store.Job) {
		j.CallbackURL, j.Seed, j.RequestID = srv.URL+"/cb", "s3cr3t-seed", "04a7c0b5e6d1"
	})
	waitFor(t, st, signed.ID, "delivered", func(j store.Job) bool { return j.CallbackState == store.CallbackDelivered })
	unsigned := submit(t, r, "p1", "u1", func(j *store.Job) { j.CallbackURL = srv.URL + "/cb" })
	waitFor(t, st, unsigned.ID, "delivered", func(j store.Job) bool { return j.CallbackState == store.CallbackDelivered })

	hs := hits()
	if len(hs) != 2 {
		t.Fatalf("callback server got %d requests, want 2", len(hs))
	}
	if got, want := hs[0].header.Get("X-Auth-Signature"), sign("s3cr3t-seed", signed); got != want {
		t.Fatalf("X-Auth-Signature = %q, want %q", got, want)
	}
	if string(hs[0].body) != `{"suggestion":"block"}` || hs[0].header.Get("Content-Type") != "application/json" {
		t.Fatalf("callback body %s, content type %q", hs[0].body, hs[0].header.Get("Content-Type"))
	}
	if _, ok := hs[1].header["X-Auth-Signature"]; ok {
		t.Fatal("callback without seed carries a signature")
	}
}

func TestCallbackRetries(t *testing.T) {
	srv, hits := callbackServer(t, http.StatusInternalServerError, http.StatusBadGateway)
	st := openStore(t, "")
	r := startRunner(t, st, fastOpts(), func(context.Context, store.Job) ([]byte, error) {
		return nil, catalog.E(catalog.KindURLFetch)
	})
	j := submit(t, r, "p1", "u1", func(j *store.Job) { j.CallbackURL, j.Seed = srv.URL, "x" })
	got := waitFor(t, st, j.ID, "delivered", func(j store.Job) bool { return j.CallbackState == store.CallbackDelivered })
	if got.CallbackAttempts != 3 || len(hits()) != 3 {
		t.Fatalf("delivered after %d attempts, %d requests; want 3", got.CallbackAttempts, len(hits()))
	}
	for i, h := range hits() {
		if k := h.header.Get("Idempotency-Key"); k != j.ID {
			t.Fatalf("attempt %d: Idempotency-Key %q, want the job id %q", i+1, k, j.ID)
		}
	}
	var body map[string]string
	if err := json.Unmarshal(hits()[2].body, &body); err != nil {
		t.Fatal(err)
	}
	if body["job_id"] != j.ID || body["status"] != store.JobFailed || body["error_code"] != catalog.Render(catalog.E(catalog.KindURLFetch), fam).Code {
		t.Fatalf("failed-job callback body = %v", body)
	}
}

func TestCallbackGivesUp(t *testing.T) {
	srv, hits := callbackServer(t, 500, 500, 500, 500, 500, 500)
	st := openStore(t, "")
	opt := fastOpts()
	opt.CallbackAttempts = 3
	r := startRunner(t, st, opt, func(context.Context, store.Job) ([]byte, error) { return []byte(`{}`), nil })
	j := submit(t, r, "p1", "u1", func(j *store.Job) { j.CallbackURL = srv.URL })
	got := waitFor(t, st, j.ID, "callback failed", func(j store.Job) bool { return j.CallbackState == store.CallbackFailed })
	time.Sleep(50 * time.Millisecond) // no attempt after giving up
	if got.CallbackAttempts != 3 || len(hits()) != 3 {
		t.Fatalf("gave up after %d attempts, %d requests; want 3", got.CallbackAttempts, len(hits()))
	}
}

func TestStopDrains(t *testing.T) {
	st := openStore(t, "")
	started := make(chan struct{})
	r := jobs.New(st, fastOpts())
	r.Register(kind, func(ctx context.Context, j store.Job) ([]byte, error) {
		close(started)
		time.Sleep(100 * time.Millisecond)
		return []byte(`{"ok":true}`), nil
	}, catalog.Renderer(fam))
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	j := submit(t, r, "p1", "u1", nil)
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := st.GetJob(context.Background(), j.ID)
	if got.State != store.JobSucceeded {
		t.Fatalf("after Stop the running job is %s, want succeeded", got.State)
	}
}

// A process dies while a job runs and before a callback is delivered; the
// next process on the same database finishes both.
func TestRestartResumes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aisd.db")
	srv, hits := callbackServer(t)

	// Process A: the handler blocks until the test ends.
	stA, err := sqlite.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	deadA, killA := killable(stA)
	block := make(chan struct{})
	defer close(block)
	var runsA atomic.Int32
	a := jobs.New(deadA, fastOpts())
	a.Register(kind, func(ctx context.Context, j store.Job) ([]byte, error) {
		runsA.Add(1)
		<-block
		return []byte(`{"from":"A"}`), nil
	}, catalog.Renderer(fam))
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	j := submit(t, a, "p1", "u1", func(j *store.Job) { j.CallbackURL, j.Seed = srv.URL, "seed" })
	waitFor(t, stA, j.ID, "running", func(j store.Job) bool { return j.State == store.JobRunning })
	// Crash: no Stop; the job is left running and A never touches the
	// database again.
	killA()
	stA.Close()

	// Process B.
	stB := openStore(t, path)
	b := startRunner(t, stB, fastOpts(), func(ctx context.Context, j store.Job) ([]byte, error) {
		return []byte(`{"from":"B"}`), nil
	})
	got := waitFor(t, stB, j.ID, "delivered", func(j store.Job) bool { return j.CallbackState == store.CallbackDelivered })
	if got.State != store.JobSucceeded || string(got.Result) != `{"from":"B"}` || got.Attempts != 2 {
		t.Fatalf("resumed job: state %s result %s attempts %d", got.State, got.Result, got.Attempts)
	}
	if runsA.Load() != 1 {
		t.Fatalf("runner A ran the job %d times", runsA.Load())
	}
	if _, err := b.Get(context.Background(), j.ID, "p1", "u1"); err != nil {
		t.Fatal(err)
	}
	hs := hits()
	if len(hs) != 1 || string(hs[0].body) != `{"from":"B"}` || hs[0].header.Get("X-Auth-Signature") != sign("seed", got) {
		t.Fatalf("callbacks after restart: %d, first %+v", len(hs), hs)
	}
}

// killable wraps st in a store that stops working for good once kill is
// called, as a dead process's would: kill waits for calls in flight, later
// calls fail.
func killable(st store.Store) (dead store.Store, kill func()) {
	var (
		mu     sync.RWMutex
		killed bool
	)
	dead = storetest.Hook(st, func(_ storetest.Call, next func() error) error {
		mu.RLock()
		defer mu.RUnlock()
		if killed {
			return errDead
		}
		return next()
	})
	return dead, func() {
		mu.Lock()
		killed = true
		mu.Unlock()
	}
}

var errDead = errors.New("process is dead")
