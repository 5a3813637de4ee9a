// Package jobs runs asynchronous jobs (video and audio moderation): it
// persists them in the store, runs them on a bounded worker pool, resumes
// work a crashed process left behind, deletes expired jobs and delivers
// signed result callbacks with persisted retries.
package jobs

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store"
)

// Handler does a job's work and returns its result JSON. A catalog error is
// stored as the job's error_code and error_msg.
type Handler func(ctx context.Context, j store.Job) (result []byte, err error)

// Options configures a Runner; zero fields take the defaults noted.
type Options struct {
	Workers                 int           // concurrent jobs; default 2
	Retention               time.Duration // how long a job stays queryable after its last change; default 72h
	MaxUnfinishedPerProject int           // queued+running jobs a project may have; default 20, <0 unlimited
	MaxAttempts             int           // runs before a job that keeps dying is failed; default 3
	JobTimeout              time.Duration // deadline of one run; default 4h
	// Lease, when set, lets several processes share one database: running
	// jobs are heartbeated every Lease/3 and a job silent for Lease is
	// taken over. When zero the runner assumes it is the database's only
	// user and Start requeues every running job.
	Lease time.Duration
	// CallbackClient posts callbacks; the server injects one whose dialer
	// refuses internal addresses. Default: a client with a 10 s timeout.
	CallbackClient   *http.Client
	CallbackAttempts int           // deliveries tried before giving up; default 6
	CallbackBackoff  time.Duration // delay before the first retry, doubled each time; default 2s
	CallbackMaxDelay time.Duration // cap on the retry delay; default 5m
	// CallbackBody renders what is posted; default: the result JSON of a
	// succeeded job, or job_id/status/error_code/error_msg of a failed one.
	CallbackBody    func(j store.Job) ([]byte, error)
	PollInterval    time.Duration // how often idle loops look at the store; default 1s
	JanitorInterval time.Duration // how often expired jobs are deleted; default 1m
	Logger          *slog.Logger
	Now             func() time.Time
}

// Runner is the job runner. Register handlers, then Start.
type Runner struct {
	st   store.Store
	opt  Options
	log  *slog.Logger
	now  func() time.Time
	subM sync.Mutex // makes the unfinished-job limit exact within a process

	mu       sync.Mutex
	handlers map[string]Handler
	renders  map[string]func(error) catalog.Rendered
	started  bool

	wake     chan struct{} // a job was submitted
	cbWake   chan struct{} // a callback became due
	stopping chan struct{}
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// New returns a runner over st.
func New(st store.Store, opt Options) *Runner {
	if opt.Workers <= 0 {
		opt.Workers = 2
	}
	if opt.Retention <= 0 {
		opt.Retention = 72 * time.Hour
	}
	if opt.MaxUnfinishedPerProject == 0 {
		opt.MaxUnfinishedPerProject = 20
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = 3
	}
	if opt.JobTimeout <= 0 {
		opt.JobTimeout = 4 * time.Hour
	}
	if opt.CallbackClient == nil {
		opt.CallbackClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opt.CallbackAttempts <= 0 {
		opt.CallbackAttempts = 6
	}
	if opt.CallbackBackoff <= 0 {
		opt.CallbackBackoff = 2 * time.Second
	}
	if opt.CallbackMaxDelay <= 0 {
		opt.CallbackMaxDelay = 5 * time.Minute
	}
	if opt.CallbackBody == nil {
		opt.CallbackBody = DefaultCallbackBody
	}
	if opt.PollInterval <= 0 {
		opt.PollInterval = time.Second
	}
	if opt.JanitorInterval <= 0 {
		opt.JanitorInterval = time.Minute
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Runner{
		st: st, opt: opt, log: opt.Logger.With("component", "jobs"), now: opt.Now,
		handlers: map[string]Handler{},
		renders:  map[string]func(error) catalog.Rendered{},
		wake:     make(chan struct{}, opt.Workers),
		cbWake:   make(chan struct{}, 1),
		stopping: make(chan struct{}),
	}
}

// Register sets the handler for a job kind such as "moderation.video", and
// how the kind's failures are answered (catalog.Renderer of the family the
// job's API belongs to): the job's stored error_code and error_msg.
func (r *Runner) Register(kind string, fn Handler, render func(error) catalog.Rendered) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		panic("jobs: Register after Start")
	}
	if render == nil {
		panic("jobs: Register without a renderer")
	}
	r.handlers[kind] = fn
	r.renders[kind] = render
}

// render answers a failed job's error as its kind's family does.
func (r *Runner) render(kind string, err error) catalog.Rendered {
	r.mu.Lock()
	fn := r.renders[kind]
	r.mu.Unlock()
	return fn(err) // every registered kind has one; others never run
}

func (r *Runner) handler(kind string) (Handler, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.handlers[kind]
	return h, ok
}

func (r *Runner) kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	ks := make([]string, 0, len(r.handlers))
	for k := range r.handlers {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// APIStatus is the status the job APIs show for a stored state: the
// published values are running, succeeded and failed, so a queued job shows
// as running.
func APIStatus(state string) string {
	if state == store.JobQueued {
		return store.JobRunning
	}
	return state
}

// FormatTime is how a job's times appear in the API and in the callback
// signature: RFC 3339 in UTC with milliseconds.
func FormatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// Signature is the X-Auth-Signature of a callback:
// hex(HMAC-SHA256(key=seed, create_time + job_id + request_id + seed)),
// create_time formatted by FormatTime.
func Signature(seed, createTime, jobID, requestID string) string {
	m := hmac.New(sha256.New, []byte(seed))
	m.Write([]byte(createTime + jobID + requestID + seed))
	return hex.EncodeToString(m.Sum(nil))
}

func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

func (r *Runner) clock() time.Time { return r.now().UTC().Truncate(time.Millisecond) }

// Submit stores a new queued job for the project and user j names, with
// Kind, Request, RequestID and optionally CallbackURL and Seed set by the
// caller. It returns the job as stored (ID, state, times filled in).
func (r *Runner) Submit(ctx context.Context, j store.Job) (store.Job, error) {
	if _, ok := r.handler(j.Kind); !ok {
		return store.Job{}, catalog.E(catalog.KindInternal).Wrap(fmt.Errorf("jobs: no handler for kind %q", j.Kind))
	}
	r.subM.Lock()
	defer r.subM.Unlock()
	if limit := r.opt.MaxUnfinishedPerProject; limit > 0 {
		n, err := r.st.CountUnfinished(ctx, j.ProjectID)
		if err != nil {
			return store.Job{}, catalog.E(catalog.KindInternal).Wrap(err)
		}
		if n >= limit {
			return store.Job{}, catalog.E(catalog.KindJobLimit).
				Wrap(fmt.Errorf("project %s has %d unfinished jobs (limit %d)", j.ProjectID, n, limit))
		}
	}
	now := r.clock()
	j.ID = newID()
	j.State = store.JobQueued
	j.Result, j.ErrorCode, j.ErrorMsg = nil, "", ""
	j.Attempts = 0
	j.CallbackState, j.CallbackAttempts, j.CallbackAt = store.CallbackNone, 0, time.Time{}
	j.CreatedAt, j.UpdatedAt, j.ExpiresAt = now, now, now.Add(r.opt.Retention)
	if err := r.st.CreateJob(ctx, j); err != nil {
		return store.Job{}, catalog.E(catalog.KindInternal).Wrap(err)
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
	return j, nil
}

// Get returns a job for its owner. A job of another project, an unknown
// job and an expired one are all "not found"; another user's job in the
// same project is "forbidden".
func (r *Runner) Get(ctx context.Context, id, projectID, userID string) (store.Job, error) {
	j, err := r.st.GetJob(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Job{}, catalog.E(catalog.KindJobNotFound)
	case err != nil:
		return store.Job{}, catalog.E(catalog.KindInternal).Wrap(err)
	case j.ProjectID != projectID:
		return store.Job{}, catalog.E(catalog.KindJobNotFound)
	case !j.ExpiresAt.IsZero() && !r.now().Before(j.ExpiresAt):
		return store.Job{}, catalog.E(catalog.KindJobNotFound)
	case j.UserID != userID:
		return store.Job{}, catalog.E(catalog.KindJobForbidden)
	}
	return j, nil
}

// DeleteExpired deletes the jobs whose retention has passed.
func (r *Runner) DeleteExpired(ctx context.Context) (int, error) {
	return r.st.DeleteExpiredJobs(ctx, r.now())
}

// Start requeues jobs a previous process left running, then starts the
// workers, the callback sender and the janitor. Cancelling ctx aborts
// everything at once (running jobs are resumed at the next Start); Stop
// shuts down gracefully.
func (r *Runner) Start(ctx context.Context) error {
	r.mu.Lock()
	if r.started {
		r.mu.Unlock()
		return errors.New("jobs: already started")
	}
	r.started = true
	r.mu.Unlock()

	if err := r.requeue(ctx); err != nil {
		return err
	}
	ctx, r.cancel = context.WithCancel(ctx)
	for i := 0; i < r.opt.Workers; i++ {
		r.wg.Add(1)
		go r.worker(ctx)
	}
	r.wg.Add(2)
	go r.callbacks(ctx)
	go r.janitor(ctx)
	return nil
}

// requeue hands jobs whose runner died back to the queue.
func (r *Runner) requeue(ctx context.Context) error {
	var (
		n   int
		err error
	)
	if r.opt.Lease > 0 {
		n, err = r.st.RequeueStale(ctx, r.now().Add(-r.opt.Lease))
	} else {
		n, err = r.st.RequeueRunning(ctx)
	}
	if err != nil {
		return fmt.Errorf("jobs: requeue: %w", err)
	}
	if n > 0 {
		r.log.Info("resuming jobs left running", "count", n)
	}
	return nil
}

// Stop stops taking work and waits for running jobs and a callback in
// flight to finish. When ctx ends first, their contexts are cancelled; jobs
// interrupted that way stay running in the store and are resumed by the
// next Start.
func (r *Runner) Stop(ctx context.Context) error {
	r.mu.Lock()
	if !r.started || r.cancel == nil {
		r.mu.Unlock()
		return nil
	}
	select {
	case <-r.stopping:
	default:
		close(r.stopping)
	}
	r.mu.Unlock()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		r.cancel()
		return nil
	case <-ctx.Done():
		r.cancel()
		return ctx.Err()
	}
}

// idle waits for a wake-up, the poll interval or shutdown; false means stop.
func (r *Runner) idle(ctx context.Context, wake <-chan struct{}) bool {
	t := time.NewTimer(r.opt.PollInterval)
	defer t.Stop()
	select {
	case <-wake:
	case <-t.C:
	case <-r.stopping:
		return false
	case <-ctx.Done():
		return false
	}
	return true
}

func (r *Runner) stopped(ctx context.Context) bool {
	select {
	case <-r.stopping:
		return true
	case <-ctx.Done():
		return true
	default:
		return false
	}
}

func (r *Runner) worker(ctx context.Context) {
	defer r.wg.Done()
	kinds := r.kinds()
	for !r.stopped(ctx) {
		if len(kinds) == 0 {
			if !r.idle(ctx, nil) {
				return
			}
			continue
		}
		j, err := r.st.ClaimJob(ctx, kinds)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
				r.log.Error("claiming a job", "err", err)
			}
			if !r.idle(ctx, r.wake) {
				return
			}
			continue
		}
		r.run(ctx, j)
	}
}

// run executes one claimed job and records its outcome.
func (r *Runner) run(ctx context.Context, j store.Job) {
	log := r.log.With("job_id", j.ID, "kind", j.Kind)
	log.Debug("job claimed", "attempt", j.Attempts)
	var (
		res []byte
		err error
	)
	if j.Attempts > r.opt.MaxAttempts {
		err = catalog.E(catalog.KindInternal).Wrap(fmt.Errorf("job interrupted %d times", j.Attempts-1))
	} else {
		h, _ := r.handler(j.Kind)
		jctx, cancel := context.WithTimeout(ctx, r.opt.JobTimeout)
		lost := r.heartbeat(jctx, cancel, j.ID, j.Attempts)
		res, err = safeCall(jctx, h, j)
		timedOut := jctx.Err() != nil
		cancel()
		if ctx.Err() != nil {
			// Aborted by shutdown: the job stays running and is resumed.
			log.Warn("job interrupted by shutdown", "err", err)
			return
		}
		if lost() {
			log.Warn("job taken over by another process; dropping this run's outcome")
			return
		}
		if timedOut {
			if _, ok := catalog.From(err); !ok {
				err = catalog.E(catalog.KindBackendTimeout).Wrap(fmt.Errorf("job ran over %v: %v", r.opt.JobTimeout, err))
			}
			res = nil
		}
	}
	now := r.clock()
	if err != nil {
		ce := r.render(j.Kind, err)
		log.Info("job failed", "error_code", ce.Code, "err", err)
		j.State, j.Result, j.ErrorCode, j.ErrorMsg = store.JobFailed, nil, ce.Code, ce.Msg
	} else {
		j.State, j.Result, j.ErrorCode, j.ErrorMsg = store.JobSucceeded, res, "", ""
	}
	j.UpdatedAt, j.ExpiresAt = now, now.Add(r.opt.Retention)
	if j.CallbackURL != "" {
		j.CallbackState, j.CallbackAttempts, j.CallbackAt = store.CallbackPending, 0, now
	}
	// Recording the outcome must not be cut short by a shutdown that
	// starts right now.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := r.st.FinishJob(wctx, j); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			log.Warn("job taken over by another process; dropping this run's outcome")
		} else {
			log.Error("recording job outcome", "err", err)
		}
		return
	}
	if j.CallbackURL != "" {
		select {
		case r.cbWake <- struct{}{}:
		default:
		}
	}
}

// heartbeat keeps a running job's lease fresh until ctx ends. When the
// job turns out to have been taken over, it cancels the run; lost reports
// that.
func (r *Runner) heartbeat(ctx context.Context, cancel context.CancelFunc, id string, attempt int) (lost func() bool) {
	if r.opt.Lease <= 0 {
		return func() bool { return false }
	}
	var mu sync.Mutex
	gone := false
	go func() {
		t := time.NewTicker(r.opt.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			err := r.st.HeartbeatJob(ctx, id, attempt, r.now())
			if errors.Is(err, store.ErrNotFound) {
				mu.Lock()
				gone = true
				mu.Unlock()
				cancel()
				return
			}
			if err != nil && ctx.Err() == nil {
				r.log.Error("job heartbeat", "job_id", id, "err", err)
			}
		}
	}()
	return func() bool {
		mu.Lock()
		defer mu.Unlock()
		return gone
	}
}

func safeCall(ctx context.Context, h Handler, j store.Job) (res []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("jobs: handler panic: %v\n%s", p, debug.Stack())
		}
	}()
	return h(ctx, j)
}

func (r *Runner) janitor(ctx context.Context) {
	defer r.wg.Done()
	every := r.opt.JanitorInterval
	if l := r.opt.Lease / 2; l > 0 && l < every {
		every = l
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if r.opt.Lease > 0 {
			if err := r.requeue(ctx); err != nil && ctx.Err() == nil {
				r.log.Error("taking over stale jobs", "err", err)
			}
		}
		if n, err := r.DeleteExpired(ctx); err != nil {
			if ctx.Err() == nil {
				r.log.Error("deleting expired jobs", "err", err)
			}
		} else if n > 0 {
			r.log.Info("deleted expired jobs", "count", n)
		}
		select {
		case <-t.C:
		case <-r.stopping:
			return
		case <-ctx.Done():
			return
		}
	}
}

// DefaultCallbackBody posts a succeeded job's result as is, and for a failed
// job its id, status and error.
func DefaultCallbackBody(j store.Job) ([]byte, error) {
	if j.State == store.JobSucceeded && len(j.Result) > 0 {
		return j.Result, nil
	}
	return json.Marshal(map[string]string{
		"job_id": j.ID, "status": j.State, "error_code": j.ErrorCode, "error_msg": j.ErrorMsg,
	})
}
